/**
 * Self-tests of the KingbaseES side of the lab, through real SSH on the lab hosts (as kingbase, and root
 * where the vendor needs root): V8R3 file bytes and the vendor cron-line toggling of kingbase_monitor.sh,
 * the real V8R3 pair (pool failover, the cron runner, network_rewind.sh's fence and rewind), V8R6 `repmgr` tables, the repmgrd/kbha stand-ins
 * (respawn, loaded configuration, pending restart), faults and `lab reset`. Needs root (skipped otherwise).
 * The expected vendor bytes are written out here on purpose, independently of the generators.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { ensureLab, hostPower, labCli, sshExec } from "../src/fixture";
import { parseRepmgrConf } from "../src/kingbase/repmgr-conf";
import { isVendorTrue, parseHaModule } from "../src/kingbase/v8r3/conf";
import type { LabInfo } from "../src/types";

const asRoot = process.getuid?.() === 0;
const skip = !asRoot && "needs root";

const R3 = "/home/kingbase/cluster/HAR3";
const R6 = "/home/kingbase/cluster/R6HA/kingbase";
const CRON = "/etc/cron.d/KINGBASECRON";
const R6_PSQL = "/usr/lib/postgresql/15/bin/psql";
const R3_REWIND_LINE = `*/1 * * * * kingbase  ${R3}/db/bin/network_rewind.sh`;
const R3_POOL_LINE = `*/1 * * * * root  ${R3}/kingbasecluster/bin/restartcluster.sh`;
const R3_CRON = `${R3_REWIND_LINE}\n${R3_POOL_LINE}\n`;
const R6_CRON = `*/1 * * * * kingbase . /etc/profile;${R6}/bin/kbha -A daemon -f ${R6}/bin/../etc/repmgr.conf\n`;

let lab: LabInfo;
let r3: string[] = [];
let r6: string[] = [];

/** Runs `cmd` on `ip` as `user` and returns stdout; fails the test on a non-zero exit. */
async function sh(ip: string, cmd: string, user = "kingbase"): Promise<string> {
  const r = await sshExec(lab, ip, user, cmd);
  assert.equal(r.code, 0, `ssh ${user}@${ip} ${cmd}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

async function cronOf(ip: string): Promise<string> {
  return sh(ip, `cat ${CRON}`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Parses a repmgr text table into header names and rows of trimmed cells (columns found by header name). */
function parseTable(text: string): { headers: string[]; rows: Array<Record<string, string>>; rule: string } {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const split = (l: string) => l.split("|").map((c) => c.trim());
  const headers = split(lines[0] ?? "");
  const rows = lines.slice(2).map((l) => {
    const cells = l.split("|");
    return Object.fromEntries(headers.map((h, i) => [h, (cells[i] ?? "").replace(/^ /, "").trimEnd()]));
  });
  return { headers, rows, rule: lines[1] ?? "" };
}

interface Loaded {
  pid: number;
  startedAt: number;
  recovery: string;
  failover: string;
  confMtimeMs: number;
}

async function loadedOf(ip: string): Promise<Loaded> {
  return JSON.parse(await sh(ip, `cat ${R6}/log/kbha.loaded.json`)) as Loaded;
}

async function repmgrdPid(ip: string): Promise<number> {
  return Number((await sh(ip, `cat ${R6}/etc/hamgrd.pid`)).trim());
}

/** Runs one SQL statement on the node's database as esrep; returns the unaligned output, trimmed. */
async function sql(ip: string, query: string): Promise<string> {
  return (
    await sh(ip, `${R6_PSQL} -h ${R6}/run -p 54321 -U esrep -d esrep -qAt -c ${JSON.stringify(query)}`)
  ).trim();
}

/** Polls `query` on `ip` until it prints `want` (10 s), returning the last output. */
async function waitSql(ip: string, query: string, want: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  let last = "";
  while (Date.now() < deadline) {
    const r = await sshExec(
      lab,
      ip,
      "kingbase",
      `${R6_PSQL} -h ${R6}/run -p 54321 -U esrep -d esrep -qAt -c ${JSON.stringify(query)}`,
    );
    last = r.stdout.trim();
    if (r.code === 0 && last === want) return last;
    await sleep(200);
  }
  return last;
}

/** Waits until `repmgrd` runs with a pid different from `old` (or any pid if `old` is 0); returns it. */
async function waitNewRepmgrd(ip: string, old: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const r = await sshExec(
      lab,
      ip,
      "kingbase",
      `p=$(cat ${R6}/etc/hamgrd.pid 2>/dev/null) && tr '\\0' ' ' < /proc/$p/cmdline | grep -q repmgrd && echo $p`,
    );
    const pid = Number(r.stdout.trim());
    if (r.code === 0 && pid > 0 && pid !== old) return pid;
    await sleep(200);
  }
  throw new Error(`${ip}: no new repmgrd within ${timeoutMs} ms (old pid ${old})`);
}

before(
  async () => {
    if (!asRoot) return;
    lab = await ensureLab({ engines: ["kingbase-v8r3", "kingbase-v8r6"] });
    const reset = await labCli(["reset"]);
    assert.equal(reset.code, 0, reset.stderr + reset.stdout);
    r3 = (lab.clusters["kbv8r3"]?.hosts ?? []).map((h) => h.ip);
    r6 = (lab.clusters["kbv8r6"]?.hosts ?? []).map((h) => h.ip);
  },
  { timeout: 900_000 },
);

test("repmgr.conf parser: last uncommented assignment wins, quotes stripped, comments ignored", {
  timeout: 120_000,
}, () => {
  const conf = parseRepmgrConf(
    "failover='automatic'\n#recovery='automatic'\nrecovery = 'standby' # trailing\nRECOVERY=manual\nnode_name='it''s'\nbad line = 'x\n",
  );
  assert.equal(conf["recovery"], "manual");
  assert.equal(conf["failover"], "automatic");
  assert.equal(conf["node_name"], "it's");
  assert.equal(conf["bad"], undefined);
  assert.equal(parseRepmgrConf("#recovery='automatic'\n")["recovery"], undefined);
});

test("HAmodule.conf reader: LoadCfg semantics and the vendor truthy set", { timeout: 120_000 }, () => {
  const conf = parseHaModule(
    '#whether to turn on automatic recovery,0->off,1->on.example:AUTO_PRIMARY_RECOVERY="1"\nAUTO_PRIMARY_RECOVERY=0\nKB_VIP="127.0.3.200/24"\nX=\n',
  );
  assert.equal(conf["AUTO_PRIMARY_RECOVERY"], "0");
  assert.equal(conf["KB_VIP"], "127.0.3.200/24");
  assert.equal(conf["X"], undefined);
  assert.equal(parseHaModule("A=1\nA=on # later\n")["A"], "on");
  assert.deepEqual(["1", "on", "true", "yes", "0", "off", "ON", ""].map(isVendorTrue), [
    true,
    true,
    true,
    true,
    false,
    false,
    false,
    false,
  ]);
});

test("lab.json describes the KingbaseES clusters", { skip, timeout: 120_000 }, () => {
  const c3 = lab.clusters["kbv8r3"];
  const c6 = lab.clusters["kbv8r6"];
  assert.ok(c3 && c6);
  assert.equal(r3.length, 2);
  assert.equal(r6.length, 3);
  assert.equal(c3.user, "kingbase");
  assert.equal(c3.envFile, "/home/kingbase/.bashrc");
  assert.equal(c3.extra?.["version"], "V008R003C002B0290");
  assert.match(String(c6.extra?.["version"]), /^V008R006C\d{3}B\d{4}$/);
  assert.deepEqual(
    c3.nodes.map((n) => [n.host, n["haModuleConf"], n["haModuleConfCluster"], n["cronFile"]]),
    r3.map((ip) => [ip, `${R3}/db/etc/HAmodule.conf`, `${R3}/kingbasecluster/etc/HAmodule.conf`, CRON]),
  );
  assert.deepEqual(
    c6.nodes.map((n) => [n.host, n["repmgrConf"], n["repmgrdPidFile"], n["kbhaPidFile"], n["role"]]),
    r6.map((ip) => [
      ip,
      `${R6}/etc/repmgr.conf`,
      `${R6}/etc/hamgrd.pid`,
      `${R6}/etc/kbha.pid`,
      ip === r6[0] ? "primary" : "standby",
    ]),
  );
});

test("V8R3: KINGBASECRON has the exact vendor lines, root-owned 0644, same file for root and kingbase", {
  skip,
  timeout: 120_000,
}, async () => {
  for (const ip of r3) {
    assert.equal(await cronOf(ip), R3_CRON);
    assert.equal(await sh(ip, `stat -c '%U:%G %a' ${CRON}`), "root:root 644\n");
    assert.equal(await sh(ip, `cat ${CRON}`, "root"), R3_CRON);
    assert.equal(await sh(ip, "sudo -n id -u"), "0\n", "kingbase has sudo -n");
  }
});

test("V8R3: HAmodule.conf copies are node-specific, identical, with the misleading comment", {
  skip,
  timeout: 120_000,
}, async () => {
  for (const [i, ip] of r3.entries()) {
    const db = await sh(ip, `cat ${R3}/db/etc/HAmodule.conf`);
    const copy = await sh(ip, `cat ${R3}/kingbasecluster/etc/HAmodule.conf`);
    assert.equal(copy, db);
    const lines = db.split("\n");
    assert.ok(lines.includes(`KB_LOCALHOST_IP="${ip}"`), "KB_LOCALHOST_IP");
    assert.ok(lines.includes(`NODE_NAME="node${i + 1}"`), "NODE_NAME");
    assert.ok(lines.includes(`KB_ALL_IP=(${r3.join(" ")})`), "KB_ALL_IP");
    for (const key of [
      "DEV=",
      "KB_VIP=",
      "HEALTH_CHECK_MAX_RETRIES=",
      "USE_CHECK_DISK=",
      "MAX_AVAILABLE_LEVEL=",
    ]) {
      assert.ok(
        lines.some((l) => l.startsWith(key)),
        key,
      );
    }
    assert.ok(lines.includes(`RECOVERY_LOG_DIR="${R3}/log/recovery.log"`));
    const apr = lines.indexOf("AUTO_PRIMARY_RECOVERY=0");
    assert.ok(apr > 0, "AUTO_PRIMARY_RECOVERY=0 present");
    assert.match(lines[apr - 1] ?? "", /^#.*AUTO_PRIMARY_RECOVERY="1"/);
    assert.equal(lines.filter((l) => /^AUTO_PRIMARY_RECOVERY=/.test(l)).length, 1);
    assert.equal(await sh(ip, `stat -c '%U' ${R3}/db/etc/HAmodule.conf`), "kingbase\n");
  }
  assert.notEqual(
    await sh(r3[0]!, `cat ${R3}/db/etc/HAmodule.conf`),
    await sh(r3[1]!, `cat ${R3}/db/etc/HAmodule.conf`),
    "node-specific",
  );
});

test("V8R3: kingbase_monitor.sh stop comments with one #, start restores byte for byte, stop twice gives ##", {
  skip,
  timeout: 120_000,
}, async () => {
  const [a] = r3 as [string];
  const before = await Promise.all(r3.map(cronOf));
  const commented = (text: string, prefix: string) =>
    text
      .split("\n")
      .map((l) => (l === R3_REWIND_LINE || l === R3_POOL_LINE ? prefix + l : l))
      .join("\n");

  await sh(a, `${R3}/db/bin/kingbase_monitor.sh stop`);
  for (const [i, ip] of r3.entries()) {
    const after = await cronOf(ip);
    assert.equal(after, commented(before[i]!, "#"), `${ip} after stop`);
    assert.equal(after.length, before[i]!.length + 2, "exactly one byte added per line");
    assert.equal(await sh(ip, `stat -c '%U:%G %a' ${CRON}`), "root:root 644\n");
  }

  await sh(a, `${R3}/db/bin/kingbase_monitor.sh start`);
  for (const [i, ip] of r3.entries()) assert.equal(await cronOf(ip), before[i], `${ip} after start`);

  await sh(a, `${R3}/db/bin/kingbase_monitor.sh stop`);
  await sh(a, `${R3}/db/bin/kingbase_monitor.sh stop`);
  for (const [i, ip] of r3.entries())
    assert.equal(await cronOf(ip), commented(before[i]!, "##"), `${ip} after 2 stops`);

  await sh(a, `${R3}/db/bin/kingbase_monitor.sh restart`);
  for (const [i, ip] of r3.entries()) assert.equal(await cronOf(ip), before[i], `${ip} after restart`);
});

test("V8R3: a single-space rewrite is not recognised by the vendor scripts (start appends a second copy)", {
  skip,
  timeout: 120_000,
}, async () => {
  const b = r3[1]!;
  const single = R3_REWIND_LINE.replace("kingbase  ", "kingbase ");
  await sh(b, `sudo -n sed -i 's|^${R3_REWIND_LINE.replace(/\*/g, "\\*")}$|#${single}|' ${CRON}`);
  assert.equal(await cronOf(b), `#${single}\n${R3_POOL_LINE}\n`);
  await sh(b, `${R3}/db/bin/kingbase_monitor.sh start`);
  assert.equal(await cronOf(b), `#${single}\n${R3_POOL_LINE}\n${R3_REWIND_LINE}\n`);
});

test("V8R3: fault kb-monitor-restart re-enables a commented network_rewind line", {
  skip,
  timeout: 120_000,
}, async () => {
  const a = r3[0]!;
  await sh(a, `sudo -n sed -i '1s/^/#/' ${CRON}`);
  assert.equal(await cronOf(a), `#${R3_CRON}`);
  const f = await labCli(["fault", "kb-monitor-restart", a]);
  assert.equal(f.code, 0, f.stderr + f.stdout);
  assert.equal(await cronOf(a), R3_CRON);
});

/** SQL on a V8R3 node's database (HAmodule.conf's KB_USER / KB_DATANAME); null when it does not answer. */
async function sql3(ip: string, query: string): Promise<string | null> {
  const r = await sshExec(
    lab,
    ip,
    "kingbase",
    `${R6_PSQL} -h ${R3}/run -p 54321 -U SUPERMANAGER_V8ADMIN -d TEST -qAt -c ${JSON.stringify(query)}`,
  );
  return r.code === 0 ? r.stdout.trim() : null;
}

/** Polls `probe` every second until it returns non-null, for at most `ms` (then fails naming `what`). */
async function until<T>(what: string, ms: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const v = await probe();
    if (v !== null) return v;
    await sleep(1000);
  }
  throw new Error(`${what}: not within ${ms / 1000} s`);
}

/** Number of network_rewind.sh runs recovery.log shows on `ip`. */
async function rewindRuns(ip: string): Promise<number> {
  return Number((await sh(ip, `grep -c 'recover beging' ${R3}/log/recovery.log || true`)).trim());
}

test("V8R3: a real streaming pair; the pool's show pool_nodes names node 1 primary, both up", {
  skip,
  timeout: 120_000,
}, async () => {
  assert.equal(await sql3(r3[0]!, "select pg_is_in_recovery()"), "f");
  assert.equal(await sql3(r3[1]!, "select pg_is_in_recovery()"), "t");
  assert.equal(
    await sql3(r3[0]!, "select application_name || ' ' || state from pg_stat_replication"),
    "node2 streaming",
  );
  const view = await until("both nodes attached", 60_000, async () => {
    const v = await sh(r3[1]!, `${R3}/kingbasecluster/bin/pool_nodes_show`);
    return /\| down /.test(v) ? null : v;
  });
  assert.match(view, /^ node_id \| hostname +\| port +\| status \| lb_weight \| +role +\| select_cnt/m);
  assert.match(
    view,
    new RegExp(`^ 0 +\\| ${r3[0]!.replace(/\./g, "\\.")} +\\| 54321 \\| up +\\| [0-9.]+ +\\| primary`, "m"),
  );
  assert.match(
    view,
    new RegExp(`^ 1 +\\| ${r3[1]!.replace(/\./g, "\\.")} +\\| 54321 \\| up +\\| [0-9.]+ +\\| standby`, "m"),
  );
});

test("V8R3: the cron runner runs network_rewind.sh only while its KINGBASECRON line is active", {
  skip,
  timeout: 240_000,
}, async () => {
  const tick = Number(lab.clusters["kbv8r3"]!.extra?.["cronTickSeconds"]);
  assert.ok(tick > 0 && tick <= 60, `cronTickSeconds ${tick}`);
  const b = r3[1]!;
  await until("a cron round on the standby", (3 * tick + 10) * 1000, async () =>
    (await rewindRuns(b)) > 0 ? true : null,
  );
  try {
    await sh(r3[0]!, `${R3}/db/bin/kingbase_monitor.sh stop >/dev/null`);
    await sleep(tick * 1000 + 5000); // a round started before the edit may still finish
    const stopped = await rewindRuns(b);
    await sleep(2 * tick * 1000);
    assert.equal(await rewindRuns(b), stopped, "no run while the line is commented");
  } finally {
    await sh(r3[0]!, `${R3}/db/bin/kingbase_monitor.sh start >/dev/null`);
  }
  const resumed = await rewindRuns(b);
  await until("a run again once the line is active", (2 * tick + 10) * 1000, async () =>
    (await rewindRuns(b)) > resumed ? true : null,
  );
  assert.match(
    await sh(b, `cat ${R3}/log/recovery.log`),
    /i am standby in cluster,determine if recovery is needed/,
  );
});

test("V8R3: failover by the pool; a returning old primary is fenced, then rewound once AUTO_PRIMARY_RECOVERY allows it", {
  skip,
  timeout: 600_000,
}, async () => {
  const [a, b] = r3 as [string, string];
  try {
    assert.equal(
      await sql3(a, "create table lab_probe(x int); insert into lab_probe values (1); select 1"),
      "1",
    );
    assert.match(await hostPower("down", a), /down/);
    await until("the standby promoted by the pool", 60_000, async () =>
      (await sql3(b, "select pg_is_in_recovery()")) === "f" ? true : null,
    );
    assert.match(
      await sh(b, `cat ${R3}/log/failover.log`),
      /failover end: promote \[127\.[0-9.]+\] exit code \[0\]/,
    );
    assert.equal(await sql3(b, "insert into lab_probe values (2); select 1"), "1");
    await hostPower("up", a);
    // AUTO_PRIMARY_RECOVERY=0 (installer default): stopped and left down
    const log = `${R3}/log/recovery.log`;
    await until("the refusal in recovery.log", 120_000, async () =>
      /maybe it's primary, can not do recovery\./.test(await sh(a, `cat ${log}`)) ? true : null,
    );
    assert.equal(await sql3(a, "select 1"), null, "the fenced old primary does not answer");
    assert.equal(await sh(a, "head -n 1 /dev/shm/KB_RECOVERY_FLAG"), "0\n");
    // LoadCfg: the last active assignment wins, "on" is truthy, a commented one counts for nothing
    await sh(
      a,
      `printf '#AUTO_PRIMARY_RECOVERY=0\\nAUTO_PRIMARY_RECOVERY=on # later edit\\n' >> ${R3}/db/etc/HAmodule.conf`,
    );
    await until("the old primary rewound and attached", 180_000, async () =>
      /recovery success,exit script with success/.test(await sh(a, `cat ${log}`)) ? true : null,
    );
    assert.equal(await sql3(a, "select pg_is_in_recovery()"), "t");
    const text = await sh(a, `cat ${log}`);
    assert.match(text, /auto primary recovery: \[1\]/);
    assert.match(text, /pg_rewind: Done!/);
    assert.match(
      text,
      /start up standby successful![\s\S]*attach pool\.\.\.[\s\S]*recovery success,exit script with success/,
    );
    assert.equal(
      await until("row 2 on the rewound node", 30_000, async () => {
        const v = await sql3(a, "select string_agg(x::text, ',' order by x) from lab_probe");
        return v === "1,2" ? v : null;
      }),
      "1,2",
    );
    assert.equal(
      await sql3(b, "select application_name || ' ' || state from pg_stat_replication"),
      "node1 streaming",
    );
  } finally {
    await labCli(["reset"]);
  }
});

test("V8R6: real repmgr: cluster show lists a primary and two streaming standbys", {
  skip,
  timeout: 120_000,
}, async () => {
  const out = await sh(r6[0]!, `. /home/kingbase/.bashrc; repmgr cluster show 2>/dev/null`);
  const t = parseTable(out);
  assert.deepEqual(t.headers, [
    "ID",
    "Name",
    "Role",
    "Status",
    "Upstream",
    "Location",
    "Priority",
    "Timeline",
    "Connection string",
  ]);
  assert.match(t.rule, /^-+(\+-+)+$/);
  assert.equal(t.rows.length, 3);
  const [p, ...ss] = t.rows as [Record<string, string>, ...Array<Record<string, string>>];
  assert.equal(p["Role"], "primary");
  assert.equal(p["Status"], "* running");
  for (const s of ss) {
    assert.equal(s["Role"], "standby");
    assert.equal(s["Status"], "  running");
    assert.equal(s["Upstream"], p["Name"]);
  }
  assert.match(p["Connection string"] ?? "", new RegExp(`^host=${r6[0]!.replace(/\./g, "\\.")} `));
  assert.equal(await sh(r6[1]!, `${R6}/bin/repmgr cluster show --csv 2>/dev/null`), "1,0,0\n2,0,1\n3,0,1\n");
  // a row written on the primary reaches every standby (real streaming replication)
  await sql(r6[0]!, "create table if not exists lab_probe(x int); insert into lab_probe values (42)");
  for (const ip of r6.slice(1)) {
    assert.equal(await waitSql(ip, "select x from lab_probe", "42"), "42");
    assert.equal(await sql(ip, "select pg_is_in_recovery()"), "t");
  }
});

test("V8R6: repmgr service status shows repmgrd running with its pid; ps shows the vendor command line", {
  skip,
  timeout: 120_000,
}, async () => {
  const t = parseTable(await sh(r6[1]!, `${R6}/bin/repmgr service status 2>/dev/null`));
  assert.deepEqual(t.headers, [
    "ID",
    "Name",
    "Role",
    "Status",
    "Upstream",
    "repmgrd",
    "PID",
    "Paused?",
    "Upstream last seen",
  ]);
  for (const [i, ip] of r6.entries()) {
    const pid = await repmgrdPid(ip);
    assert.equal(t.rows[i]?.["repmgrd"], "running");
    assert.equal(t.rows[i]?.["PID"], String(pid));
    assert.equal(t.rows[i]?.["Paused?"], "no");
    assert.equal(await sh(ip, `ps -o args= -p ${pid}`), `${R6}/bin/repmgrd -d -v -f ${R6}/etc/repmgr.conf\n`);
    assert.match(
      await sh(ip, `cat ${R6}/log/hamgr.log`),
      /\[NOTICE\] repmgrd \(repmgrd 5\.\d+\.\d+\) starting up/,
    );
  }
  assert.equal(await cronOf(r6[0]!), R6_CRON);
  assert.equal(await sh(r6[0]!, `stat -c '%U:%G %a' ${CRON}`), "root:root 644\n");
});

test("V8R6: kbha restarts a killed repmgrd within 10 s", { skip, timeout: 120_000 }, async () => {
  const ip = r6[1]!;
  const old = await repmgrdPid(ip);
  await sh(ip, `kill -9 ${old}`);
  const t0 = Date.now();
  const pid = await waitNewRepmgrd(ip, old, 10_000);
  assert.ok(Date.now() - t0 <= 10_000);
  // the lab fault does the same
  const f = await labCli(["fault", "repmgrd-kill", ip]);
  assert.equal(f.code, 0, f.stderr + f.stdout);
  assert.match(f.stdout, new RegExp(`pid ${pid}`));
  await waitNewRepmgrd(ip, pid, 10_000);
});

test("V8R6: a changed recovery is pending until kbha restarts, then loaded", {
  skip,
  timeout: 120_000,
}, async () => {
  const before = await Promise.all(r6.map(loadedOf));
  for (const l of before) assert.equal(l.recovery, "standby");
  for (const ip of r6) {
    await sh(ip, `sed -i "s/^recovery='standby'$/recovery='automatic'/" ${R6}/etc/repmgr.conf`);
    assert.match(
      await sh(ip, `grep -n recovery= ${R6}/etc/repmgr.conf`),
      /#recovery='automatic'\n.*:recovery='automatic'/,
    );
  }
  await sleep(100);
  for (const [i, ip] of r6.entries()) {
    const l = await loadedOf(ip);
    assert.equal(l.recovery, "standby", "still the old value");
    const mtime = Number(await sh(ip, `stat -c %.3Y ${R6}/etc/repmgr.conf`)) * 1000;
    assert.ok(mtime > l.confMtimeMs, "file newer than what kbha loaded: pending restart");
    assert.equal(l.pid, before[i]!.pid);
  }
  await sh(r6[0]!, `${R6}/bin/sys_monitor.sh restart`);
  for (const [i, ip] of r6.entries()) {
    const l = await loadedOf(ip);
    assert.equal(l.recovery, "automatic");
    assert.ok(l.startedAt > before[i]!.startedAt);
    assert.notEqual(l.pid, before[i]!.pid);
  }
});

/** The first of `ips` whose database answers as primary within `ms`; fails the test otherwise. */
async function waitPrimary(ips: string[], ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    for (const ip of ips) {
      const r = await sshExec(
        lab,
        ip,
        "kingbase",
        `${R6_PSQL} -h ${R6}/run -p 54321 -U esrep -d esrep -qAt -c 'select pg_is_in_recovery()'`,
        { timeoutMs: 10_000 },
      );
      if (r.code === 0 && r.stdout.trim() === "f") return ip;
    }
    await sleep(500);
  }
  throw new Error(`no primary among ${ips.join(", ")} within ${ms} ms`);
}

/** Polls hamgr.log of `ip` until it matches `re` (bounded); returns the log. */
async function waitHamgr(ip: string, re: RegExp, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  let log = "";
  while (Date.now() < deadline) {
    log = await sh(ip, `cat ${R6}/log/hamgr.log 2>/dev/null || true`);
    if (re.test(log)) return log;
    await sleep(500);
  }
  return log;
}

const dbDown = async (ip: string) =>
  (await sshExec(lab, ip, "kingbase", `/usr/lib/postgresql/15/bin/pg_ctl -D ${R6}/data status`)).code !== 0;

test("V8R6 recovery='standby': a failed standby comes back streaming; a returning old primary is refused and stays down", {
  skip,
  timeout: 300_000,
}, async () => {
  try {
    const [n1, n2, n3] = r6 as [string, string, string];
    const reset = await labCli(["reset"]);
    assert.equal(reset.code, 0, reset.stderr);
    await labCli(["fault", "host-down", n3]);
    await sql(n1, "create table if not exists lab_rows(x int); insert into lab_rows values (1)");
    await labCli(["fault", "host-up", n3]);
    assert.equal(
      await waitSql(n3, "select max(x) from lab_rows", "1"),
      "1",
      "re-attached standby streams again",
    );
    assert.match(
      await waitHamgr(n3, /NODE REJOIN successful/, 5000),
      /begin to do auto-recovery \(recovery=standby\)/,
    );

    await labCli(["fault", "host-down", n1]);
    const primary = await waitPrimary([n2, n3], 60_000);
    await labCli(["fault", "host-up", n1]);
    const log = await waitHamgr(n1, /can not do auto-recovery because not confirmed a standby node/, 20_000);
    assert.match(
      log,
      /\[INFO\] \[thread pid: \d+\] can not do auto-recovery because not confirmed a standby node/,
    );
    assert.ok(await dbDown(n1), "the old primary is left down for a DBA");
    assert.equal(await sql(primary, "select pg_is_in_recovery()"), "f");
  } finally {
    await labCli(["reset"]);
  }
});

test("V8R6 recovery='automatic': the old primary is rewound and rejoins; rows written on the new primary reach it", {
  skip,
  timeout: 480_000,
}, async () => {
  try {
    const [n1, n2, n3] = r6 as [string, string, string];
    for (const ip of r6)
      await sh(ip, `sed -i "s/^recovery='standby'$/recovery='automatic'/" ${R6}/etc/repmgr.conf`);
    await sh(n1, `${R6}/bin/sys_monitor.sh restart >/dev/null`);
    await sql(n1, "create table if not exists lab_rows(x int); insert into lab_rows values (1)");
    await waitSql(n2, "select max(x) from lab_rows", "1");
    await labCli(["fault", "host-down", n1]);
    const primary = await waitPrimary([n2, n3], 60_000);
    await sql(primary, "insert into lab_rows values (2)");
    await labCli(["fault", "host-up", n1]);
    const log = await waitHamgr(n1, /NODE REJOIN successful|auto-recovery of .* failed/, 240_000);
    assert.match(log, /\[NOTICE\] \[thread pid: \d+\] NODE REJOIN successful/);
    assert.equal(await waitSql(n1, "select pg_is_in_recovery()", "t"), "t");
    assert.equal(await waitSql(n1, "select string_agg(x::text, ',' order by x) from lab_rows", "1,2"), "1,2");
  } finally {
    await labCli(["reset"]);
  }
});

test("lab reset restores every KingbaseES file byte for byte and restarts the daemons", {
  skip,
  timeout: 120_000,
}, async () => {
  const r3files = [CRON, `${R3}/db/etc/HAmodule.conf`, `${R3}/kingbasecluster/etc/HAmodule.conf`];
  const r6files = [CRON, `${R6}/etc/repmgr.conf`];
  // dirty everything (earlier tests already did some)
  for (const ip of r3) {
    await sh(
      ip,
      `${R3}/db/bin/kingbase_monitor.sh stop >/dev/null; echo 'AUTO_PRIMARY_RECOVERY=1' >> ${R3}/db/etc/HAmodule.conf`,
    );
  }
  for (const ip of r6) await sh(ip, `echo "recovery='manual'" >> ${R6}/etc/repmgr.conf`);
  await sql(r6[0]!, "create table if not exists lab_dirt(x int)");
  const pidsBefore = await Promise.all(r6.map(repmgrdPid));

  const r = await labCli(["reset"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);

  const haModule = async (ip: string) => sh(ip, `cat ${R3}/db/etc/HAmodule.conf`);
  for (const ip of r3) {
    assert.equal(await cronOf(ip), R3_CRON);
    assert.equal(await sh(ip, `stat -c '%U:%G %a' ${CRON}`), "root:root 644\n");
    assert.doesNotMatch(await haModule(ip), /AUTO_PRIMARY_RECOVERY=1/);
    assert.equal(await sh(ip, `cat ${R3}/kingbasecluster/etc/HAmodule.conf`), await haModule(ip));
    // logs cleared (the cron rounds since the reset found nothing to recover)
    assert.doesNotMatch(await sh(ip, `cat ${R3}/log/recovery.log`), /I will be in recovery/);
  }
  // node 1 primary again, node 2 streaming from it, no test table
  assert.equal(await sql3(r3[0]!, "select pg_is_in_recovery()"), "f");
  assert.equal(await sql3(r3[0]!, "select count(*) from pg_tables where tablename = 'lab_probe'"), "0");
  assert.equal(await sql3(r3[1]!, "select pg_is_in_recovery()"), "t");
  // the databases are back to their first state: node 1 primary, the others streaming, no test table
  assert.equal(await sql(r6[0]!, "select pg_is_in_recovery()"), "f");
  assert.equal(await sql(r6[0]!, "select count(*) from pg_tables where tablename = 'lab_dirt'"), "0");
  for (const ip of r6.slice(1)) assert.equal(await waitSql(ip, "select pg_is_in_recovery()", "t"), "t");
  for (const [i, ip] of r6.entries()) {
    assert.equal(await cronOf(ip), R6_CRON);
    const conf = await sh(ip, `cat ${R6}/etc/repmgr.conf`);
    assert.match(conf, /^#recovery='automatic'\nrecovery='standby'$/m);
    assert.doesNotMatch(conf, /manual/);
    const l = await loadedOf(ip);
    assert.equal(l.recovery, "standby");
    assert.notEqual(await repmgrdPid(ip), pidsBefore[i]);
    assert.equal(l.pid, Number((await sh(ip, `cat ${R6}/etc/kbha.pid`)).trim()));
  }
  // a second reset is byte-identical (pristine copies are stable)
  const snap = async () =>
    [
      ...(await Promise.all(r3.flatMap((ip) => r3files.map((f) => sh(ip, `cat ${f}`))))),
      ...(await Promise.all(r6.flatMap((ip) => r6files.map((f) => sh(ip, `cat ${f}`))))),
    ].join("\u0000");
  const first = await snap();
  const again = await labCli(["reset"]);
  assert.equal(again.code, 0, again.stderr + again.stdout);
  assert.equal(await snap(), first);
});

test("lab up keeps a test's edit (repairs only missing files)", { skip, timeout: 120_000 }, async () => {
  const a = r6[0]!;
  await sh(a, `echo '# edited by a test' >> ${R6}/etc/repmgr.conf`);
  await sh(r3[0]!, `rm ${R3}/kingbasecluster/etc/HAmodule.conf`);
  await ensureLab({ engines: ["kingbase-v8r3", "kingbase-v8r6"] });
  assert.match(await sh(a, `tail -n 1 ${R6}/etc/repmgr.conf`), /# edited by a test/);
  assert.equal(
    await sh(r3[0]!, `cat ${R3}/kingbasecluster/etc/HAmodule.conf`),
    await sh(r3[0]!, `cat ${R3}/db/etc/HAmodule.conf`),
  );
  const r = await labCli(["reset"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.doesNotMatch(await sh(a, `cat ${R6}/etc/repmgr.conf`), /edited by a test/);
});

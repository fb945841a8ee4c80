/**
 * Self-tests of the emulated gs_sdr, through SSH as omm on the lab's openGauss clusters A and B:
 * CLI validation, DR setup (both sides concurrently, one run killed and resumed, one answering the PTY
 * prompts), replication across clusters, query, switchover without losing a committed row, failover, stop.
 * Needs the lab (root); the tests run in order and share the clusters' state.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { before, test } from "node:test";
import { Client } from "ssh2";
import { fingerprintOfBlob } from "../src/core/keys";
import { shq } from "../src/core/shell";
import { labHost, sshExec } from "../src/fixture";
import { freshOpenGaussLab } from "../src/og-dr";
import type { LabInfo, LabRunResult } from "../src/types";

const asRoot = process.getuid?.() === 0;
/** Row ids of this run start here, so a re-run on the same lab never collides with earlier rows. */
const runBase = Date.now() * 1000;
const DR_USER = "hadrusr";
const DR_PWD = "Sdr_Secret#4711";
const HEADER_RE = /^-{80}\nStreaming disaster recovery (\w+) ([0-9a-f]{32})\n-{80}$/m;
const QUERY_RE =
  /^\{'hadr_cluster_stat': '(\w*)', 'hadr_failover_stat': '([\w%]*)', 'hadr_switchover_stat': '([\w%]*)', 'RPO': '(\d*)', 'RTO': '(\d*)'\}$/m;

let lab: LabInfo;
let user = "omm";
let A: string[] = [];
let B: string[] = [];
let port = 0;
let xmlA = "";
let xmlB = "";

/** Runs a command on a lab host as the openGauss user, with the env file sourced. */
function omm(
  ip: string,
  cmd: string,
  opts: { timeoutMs?: number; input?: string } = {},
): Promise<LabRunResult> {
  return sshExec(lab, ip, user, `source ~/.bashrc >/dev/null 2>&1; ${cmd}`, { timeoutMs: 120_000, ...opts });
}

/** `gsql` on a DN's normal port (rows only). */
async function sql(ip: string, statement: string): Promise<LabRunResult> {
  return omm(ip, `gsql -d postgres -p ${port} -t -A -X -c ${shq(statement)}`);
}

/** Asserts that `expected` lines appear in `out` in this order (other lines may be interleaved). */
function assertSubsequence(out: string, expected: Array<string | RegExp>, what: string): void {
  const lines = out.split(/\r?\n/);
  let i = 0;
  for (const exp of expected) {
    const found = lines.findIndex((l, k) => k >= i && (typeof exp === "string" ? l === exp : exp.test(l)));
    assert.ok(found >= 0, `${what}: expected line ${String(exp)} after line ${i} in:\n${out}`);
    i = found + 1;
  }
}

/** Adds the three DR PARAMs to the DEVICE carrying dataNode1 of a cluster's install XML. */
function drXml(xml: string, local: string[], remote: string[], remotePort: number): string {
  const map = (ips: string[]) => ips.map((ip) => `(${ip},${ip})`).join(",");
  const params =
    `<PARAM name="localStreamIpmap1" value="${map(local)}"/>\n` +
    `<PARAM name="remoteStreamIpmap1" value="${map(remote)}"/>\n` +
    `<PARAM name="remotedataPortBase" value="${remotePort}"/>\n`;
  const m = /<PARAM\s+name="dataNode1"[^>]*\/>/.exec(xml);
  assert.ok(m, "the lab XML has a dataNode1 PARAM");
  return xml.slice(0, m.index + m[0].length) + "\n" + params + xml.slice(m.index + m[0].length);
}

/** Runs a gs_sdr command line on a host; resolves with the result. */
function sdr(ip: string, args: string, timeoutMs = 900_000): Promise<LabRunResult> {
  return omm(ip, `gs_sdr ${args}`, { timeoutMs });
}

/** Parses the query dict line. */
function queryResult(out: string): {
  stat: string;
  failover: string;
  switchover: string;
  rpo: string;
  rto: string;
} {
  const m = QUERY_RE.exec(out);
  assert.ok(m, `query dict line in:\n${out}`);
  return { stat: m[1]!, failover: m[2]!, switchover: m[3]!, rpo: m[4]!, rto: m[5]! };
}

/** An ssh2 session with a PTY running `cmd`; `answer` reacts to the accumulated output. */
function ptyExec(
  ip: string,
  cmd: string,
  answer: (out: string, write: (s: string) => void) => void,
  timeoutMs: number,
): Promise<LabRunResult> {
  const host = labHost(lab, ip);
  return new Promise((resolve) => {
    const conn = new Client();
    let out = "";
    let done = false;
    const finish = (code: number) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      conn.end();
      resolve({ code, stdout: out, stderr: "" });
    };
    const timer = setTimeout(() => finish(124), timeoutMs);
    conn.on("ready", () => {
      conn.exec(cmd, { pty: { rows: 40, cols: 200, term: "dumb" } }, (e, stream) => {
        if (e) return finish(255);
        let code = 255;
        stream.on("data", (b: Buffer) => {
          out += b.toString("utf8");
          answer(out, (s) => stream.write(s));
        });
        stream.stderr.on("data", (b: Buffer) => {
          out += b.toString("utf8");
        });
        stream.on("exit", (c: number | null) => {
          code = c ?? 255;
        });
        stream.on("close", () => finish(code));
      });
    });
    conn.on("error", () => finish(255));
    conn.connect({
      host: host.ip,
      port: host.sshPort,
      username: user,
      privateKey: fs.readFileSync(lab.clientKeyPath),
      hostVerifier: (key: Buffer) => fingerprintOfBlob(key) === host.hostKey,
    });
  });
}

before(
  async () => {
    if (!asRoot) return;
    lab = await freshOpenGaussLab();
    const a = lab.clusters["A"];
    const b = lab.clusters["B"];
    assert.ok(a && b, "clusters A and B");
    user = a.user;
    A = a.hosts.map((h) => h.ip);
    B = b.hosts.map((h) => h.ip);
    port = lab.portBase;
    xmlA = drXml(a.xml ?? "", A, B, lab.portBase);
    xmlB = drXml(b.xml ?? "", B, A, lab.portBase);
    for (const [ip, xml] of [
      [A[0]!, xmlA],
      [B[0]!, xmlB],
    ] as const) {
      const w = await omm(ip, "cat > ~/sdr_test.xml", { input: xml });
      assert.equal(w.code, 0, w.stderr);
    }
  },
  { timeout: 900_000 },
);

const skip = asRoot ? false : "needs root (the lab)";

test("bad options give gs_sdr's messages (docs/vendor/opengauss-gs_sdr.md §1.3) and exit 1; help and version exit 0", {
  skip,
  timeout: 900_000,
}, async () => {
  const h = A[0]!;
  const cases: Array<[string, RegExp]> = [
    ["", /^\[GAUSS-50001\] : Incorrect parameter\. Parameter '-t' is required\.$/m],
    ["-t bogus", /^\[GAUSS-50004\] : The parameter '-t' value is incorrect\.$/m],
    [
      "-t start -m primary -X /nonexistent.xml -U u -W p",
      /^\[GAUSS-50010\] : Failed to check -X parameter\. XML file and json file are all not exist\.$/m,
    ],
    [
      "-t stop --json /nonexistent.json -X ~/sdr_test.xml",
      /^\[GAUSS-50010\] : Failed to check --json parameter\. Json file is not exist\.$/m,
    ],
    [
      "-t switchover -m primary --time-out=12x",
      /^\[GAUSS-50004\] : The parameter '---time-out' value is incorrect\.$/m,
    ],
    [
      "-t switchover -m sideways --time-out 30",
      /^\[GAUSS-50011\] : The parameter\[-m\] value\[sideways\] is invalid\.$/m,
    ],
    ["-t switchover", /^\[GAUSS-50011\] : The parameter\[-m\] value\[None\] is invalid\.$/m],
    [
      `-t start -m primary -X ~/sdr_test.xml -U 'bad;user' -W ${shq(DR_PWD)}`,
      /^\[GAUSS-50025\] : There is illegal character ';' in parameter disaster username\.$/m,
    ],
    [
      "-t start -m primary -X ~/sdr_test.xml -U hadrusr -W 'pw d'",
      /^\[GAUSS-50024\] : The parameter 'disaster user password' is invalid\.$/m,
    ],
  ];
  for (const [args, re] of cases) {
    const r = await sdr(h, args, 60_000);
    assert.equal(r.code, 1, `exit code of gs_sdr ${args}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, re, `gs_sdr ${args}`);
  }
  // The header comes after -t/-X checks and before --time-out/-m checks.
  const hdr = await sdr(h, "-t switchover", 60_000);
  assert.match(hdr.stdout, HEADER_RE);
  const noHdr = await sdr(h, "-t bogus", 60_000);
  assert.doesNotMatch(noHdr.stdout, HEADER_RE);
  const v = await sdr(h, "-V", 60_000);
  assert.equal(v.code, 0);
  assert.match(v.stdout, /^gs_sdr /);
  const help = await sdr(h, "-?", 60_000);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /gs_sdr -t start -m \[primary\|disaster_standby\] -X XMLFILE/);
  // The log file of the header phase, in gs_sdr's line format (docs/vendor/opengauss-gs_sdr.md §1.5).
  const log = await omm(h, 'tail -n 3 "$(ls -t $GAUSSLOG/om/gs_sdr-*.log | head -1)"');
  assert.match(
    log.stdout,
    /^\[[0-9a-f]{32}\]\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\]\[\d+\]\[parse_and_validate_params\]\[(LOG|ERROR)\]:/m,
  );
  // Root is refused on stderr.
  const local = path.join(__dirname, "..", "src", "opengauss", "tools", "gs_sdr.js");
  const { spawnSync } = await import("node:child_process");
  const root = spawnSync(process.execPath, [local, "-t", "query"], { encoding: "utf8" });
  assert.equal(root.status, 1);
  assert.match(root.stderr, /\[GAUSS-50105\] : Cannot run this script as a user with the root permission\./);
});

test("query on a cluster outside DR says normal", { skip, timeout: 900_000 }, async () => {
  const r = await sdr(A[0]!, "-t query", 120_000);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assertSubsequence(
    r.stdout,
    [
      /^Streaming disaster recovery query [0-9a-f]{32}$/,
      "Start streaming disaster query.",
      "Start check archive.",
      "Start check recovery.",
      "Start check RPO & RTO.",
      "Successfully executed streaming disaster recovery query, result:",
    ],
    "query",
  );
  assert.equal(queryResult(r.stdout).stat, "normal");
});

test("create the DR user on A's primary", { skip, timeout: 900_000 }, async () => {
  const exists = await sql(A[0]!, `select 1 from pg_user where usename = '${DR_USER}'`);
  const verb = exists.stdout.trim() === "1" ? "ALTER" : "CREATE";
  const r = await sql(A[0]!, `${verb} USER ${DR_USER} WITH REPLICATION PASSWORD '${DR_PWD}'`);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const u = await sql(A[0]!, "select usename, userepl from pg_user;");
  assert.match(u.stdout, new RegExp(`^${DR_USER}\\|t$`, "m"));
});

const PRIMARY_START_LINES: Array<string | RegExp> = [
  "Start create streaming disaster relationship.",
  "Got the step for action:[start].",
  "Start checking disaster recovery user.",
  "Successfully check disaster recovery user.",
  "Start encrypt hadr user info.",
  "Successfully encrypt hadr user info.",
  "Start save hadr user info into database.",
  "Successfully save hadr user info into database.",
  "Successfully check cluster status is: Normal.",
  "Successfully check instance status.",
  "Start update pg_hba config.",
  "Successfully update pg_hba config.",
  "Start prepare secure files.",
  "Start copy hadr user key files.",
  "Successfully copy secure files.",
  "Starting reload wal_keep_segments value: 16384.",
  "Successfully reload wal_keep_segments value: 16384.",
  /^Successfully set \[\/\w+\/CMServer\/backup_open\]\[0\]\.$/,
  "Waiting for the main standby connection.",
];

const STANDBY_START_LINES: Array<string | RegExp> = [
  "Start create streaming disaster relationship.",
  "Got the step for action:[start].",
  "Successfully check cluster status is: Normal.",
  "Successfully check instance status.",
  "Start update pg_hba config.",
  "Successfully update pg_hba config.",
  "Start build key files from remote cluster.",
  "Start copy hadr user key files.",
  "Successfully build and distribute key files to all nodes.",
  /^Successfully set \[\/\w+\/CMServer\/backup_open\]\[2\]\.$/,
  "Stopping the cluster by node.",
  "Successfully stopped the cluster by node for streaming cluster.",
  "Start building process.",
  /^Start build main standby dn:\d+$/,
  /^Successfully build main standby dn:\d+$/,
  /^Starting single main standby dn:\d+$/,
  /^Successfully start single main standby dn:\d+$/,
  "Finished build main standby dns.",
  "Finished build cascade standby dns.",
  "Starting the cluster.",
  "Successfully started standby instances.",
  "Successfully removed step file.",
  "Successfully do streaming disaster recovery start.",
];

test("start: primary side killed mid-way keeps its lock and step; resumed concurrently with the DR side (PTY prompts)", {
  skip,
  timeout: 900_000,
}, async () => {
  const a1 = A[0]!;
  const b1 = B[0]!;
  // 1. Primary side, killed while it waits for the main standby.
  let out = "";
  const killed = await new Promise<{ pid: string; out: string }>((resolve, reject) => {
    const host = labHost(lab, a1);
    const conn = new Client();
    const timer = setTimeout(() => reject(new Error(`no wait line in:\n${out}`)), 300_000);
    conn.on("ready", () => {
      conn.exec(
        `source ~/.bashrc >/dev/null 2>&1; echo "PID $$"; exec gs_sdr -t start -m primary -X ~/sdr_test.xml -U ${DR_USER} -W ${shq(DR_PWD)} --time-out=600`,
        (e, stream) => {
          if (e) return reject(e);
          stream.on("data", (b: Buffer) => {
            out += b.toString();
            const pid = /^PID (\d+)$/m.exec(out)?.[1];
            if (pid && out.includes("Waiting for the main standby connection.")) {
              clearTimeout(timer);
              resolve({ pid, out });
              setTimeout(() => conn.end(), 2000);
            }
          });
          stream.stderr.on("data", (b: Buffer) => {
            out += b.toString();
          });
        },
      );
    });
    conn.on("error", reject);
    conn.connect({
      host: host.ip,
      port: host.sshPort,
      username: user,
      privateKey: fs.readFileSync(lab.clientKeyPath),
      hostVerifier: (key: Buffer) => fingerprintOfBlob(key) === host.hostKey,
    });
  });
  assertSubsequence(killed.out, PRIMARY_START_LINES, "start -m primary (until the wait)");
  const trace = HEADER_RE.exec(killed.out.replace(/^PID \d+\n/, ""))?.[2];
  assert.ok(trace, "trace id in the header");
  const k = await omm(
    a1,
    `kill -9 ${killed.pid}; sleep 1; ls $PGHOST; cat $PGHOST/streaming_cabin/.streaming_start_primary.step`,
  );
  assert.match(k.stdout, new RegExp(`^streaming_lock_${trace}$`, "m"), "the killed run's lock stays");
  assert.match(k.stdout, /^7_build_dn_instance_step$/m, "the step file says stage 7 is done");
  // 2. A new run refuses while the foreign lock exists.
  const refused = await sdr(
    a1,
    `-t start -m primary -X ~/sdr_test.xml -U ${DR_USER} -W ${shq(DR_PWD)} --time-out=30`,
    120_000,
  );
  assert.equal(refused.code, 1);
  assert.match(
    refused.stdout,
    new RegExp(
      `^\\[GAUSS-51632\\] : Failed to do check streaming process, please execute streaming options after other process exited, if you ensure no other process is running, remove the lock file \\[.*streaming_lock_${trace}\\] on node \\[${a1.replace(/\./g, "\\.")}\\], and try again\\.$`,
      "m",
    ),
  );
  const rm = await omm(a1, `rm $PGHOST/streaming_lock_${trace}`);
  assert.equal(rm.code, 0);
  // 3. Resume on the same node, concurrently with the DR side answering the PTY prompts.
  const psSeen: string[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      for (const ip of [a1, b1]) {
        const ps = await omm(ip, "ps -eo args", { timeoutMs: 20_000 });
        psSeen.push(ps.stdout);
      }
      await new Promise((r) => setTimeout(r, 300));
    }
  })();
  let answered = 0;
  let mismatchSent = false;
  const standby = ptyExec(
    b1,
    `source ~/.bashrc >/dev/null 2>&1; gs_sdr -t start -m disaster_standby -X ~/sdr_test.xml -U ${DR_USER} --time-out=600`,
    (o, write) => {
      const prompts = (o.match(/Please (repeat )?enter (for )?password for \[/g) ?? []).length;
      if (prompts > answered) {
        answered = prompts;
        // first pair: a mismatch, to exercise the retry
        if (!mismatchSent && answered === 2) {
          mismatchSent = true;
          write("Wrong_Pwd1\r");
        } else write(`${DR_PWD}\r`);
      }
    },
    900_000,
  );
  // the primary side reads the password from stdin (getpass's fallback without a TTY): no argv carries it
  const primary = omm(a1, `gs_sdr -t start -m primary -X ~/sdr_test.xml -U ${DR_USER} --time-out=600`, {
    timeoutMs: 900_000,
    input: `${DR_PWD}\n${DR_PWD}\n`,
  });
  const [p, s] = await Promise.all([primary, standby]);
  sampling = false;
  await sampler;
  assert.equal(p.code, 0, `primary resume:\n${p.stdout}${p.stderr}`);
  assertSubsequence(
    p.stdout,
    [
      "Got the continue step:[7] for action:[start].",
      "Start checking disaster recovery user.",
      "Start update pg_hba config.",
      "Waiting for the main standby connection.",
      "Main standby already connected.",
      /^Starting reload wal_keep_segments value: \{'\d+': '\d+'\}\.$/,
      /^Successfully reload wal_keep_segments value: \{'\d+': '\d+'\}\.$/,
      "Successfully removed step file.",
      "Successfully do streaming disaster recovery start.",
    ],
    "start -m primary (resumed)",
  );
  assert.doesNotMatch(p.stdout, /Start prepare secure files\./, "resumed run skips finished stages");
  const sOut = s.stdout.replace(/\r/g, "");
  assert.equal(s.code, 0, `disaster_standby:\n${sOut}`);
  assert.match(
    sOut,
    /\[GAUSS-50306\] : The password of {2}is incorrect\.The two passwords are different, please enter password again\./,
  );
  assertSubsequence(sOut, STANDBY_START_LINES, "start -m disaster_standby");
  assert.ok(!sOut.includes(DR_PWD), "the PTY password is not echoed");
  assert.ok(psSeen.length > 4, "ps was sampled during the run");
  for (const ps of psSeen) assert.ok(!ps.includes(DR_PWD), `password visible in ps:\n${ps}`);
  assert.ok(
    psSeen.some((ps) => /gs_sdr/.test(ps)),
    "gs_sdr was running while ps was sampled",
  );
  // Files left behind as docs/vendor/opengauss-gs_sdr.md says.
  const rec = await omm(
    a1,
    "cat $PGHOST/streaming_cabin/cluster_conf_record; echo; cat $PGHOST/streaming_cabin/.hadr_cluster_stat",
  );
  assert.match(
    rec.stdout,
    /^\{"remoteClusterConf": \{"port": \d+, "shards": \[\[\{"ip": "[\d.]+", "dataIp": "[\d.]+"\}/m,
  );
  assert.match(rec.stdout, /^archive$/m);
  const log = await omm(a1, 'grep -c "\\]\\[start\\]\\[LOG\\]:" $GAUSSLOG/om/gs_sdr-*.log | tail -1');
  assert.equal(log.code, 0);
  const leak = await omm(a1, `grep -rlF ${shq(DR_PWD)} $GAUSSLOG $PGHOST 2>/dev/null | head -1`);
  assert.equal(leak.stdout.trim(), "", "the password is in no log or cabin file");
});

test("DR replication: a row written on A's primary is readable on every node of B", {
  skip,
  timeout: 900_000,
}, async () => {
  const c = await sql(
    A[0]!,
    "create table if not exists sdr_probe(id int primary key, v text); insert into sdr_probe values (1, 'from A') on conflict do nothing;",
  );
  assert.equal(c.code, 0, c.stdout + c.stderr);
  for (const ip of B) {
    let seen = "";
    for (let i = 0; i < 60 && seen !== "from A"; i++) {
      seen = (await sql(ip, "select v from sdr_probe where id = 1")).stdout.trim();
      if (seen !== "from A") await new Promise((r) => setTimeout(r, 1000));
    }
    assert.equal(seen, "from A", `row on ${ip}`);
  }
  const hba = await omm(B[0]!, "grep -E '^host +replication +all' ~/data/dn1/pg_hba.conf");
  assert.match(hba.stdout, /^host {4}replication {4}all {4}127\.\d+\.0\.0\/16 {4}sha256$/m);
  const repl = await omm(
    A[0]!,
    "gs_guc check -Z datanode -D ~/data/dn1 -c replconninfo1; gs_guc check -Z datanode -D ~/data/dn1 -c replconninfo2",
  );
  assert.match(repl.stdout, /replconninfo1='localhost=[\d.]+ .* iscascade=true iscrossregion=false'/);
  assert.match(
    repl.stdout,
    new RegExp(
      `replconninfo2='localhost=${A[0]!.replace(/\./g, "\\.")} localport=\\d+ localheartbeatport=\\d+ localservice=\\d+ remotehost=${B[0]!.replace(/\./g, "\\.")} remoteport=${port + 1} remoteheartbeatport=${port + 5} remoteservice=${port + 4} iscascade=false iscrossregion=true'`,
    ),
  );
});

test("query: archive with integer RPO/RTO on A, recovery with empty RPO/RTO on B", {
  skip,
  timeout: 900_000,
}, async () => {
  const a = await sdr(A[0]!, "-t query", 120_000);
  assert.equal(a.code, 0, a.stdout);
  const qa = queryResult(a.stdout);
  assert.equal(qa.stat, "archive");
  assert.match(qa.rpo, /^\d+$/);
  assert.match(qa.rto, /^\d+$/);
  assert.equal(qa.failover, "");
  const b = await sdr(B[0]!, "-t query", 120_000);
  assert.equal(b.code, 0, b.stdout);
  const qb = queryResult(b.stdout);
  assert.equal(qb.stat, "recovery");
  assert.equal(qb.rpo, "");
  assert.equal(qb.rto, "");
});

test("switchover (both sides concurrently) moves writes to B and loses no committed row", {
  skip,
  timeout: 900_000,
}, async () => {
  const mk = await sql(A[0]!, "create table if not exists sdr_w(id bigint primary key)");
  assert.equal(mk.code, 0, mk.stderr);
  const committed: number[] = [];
  let writing = true;
  let n = runBase;
  const writer = (async () => {
    while (writing) {
      n++;
      for (const ip of [A[0]!, B[0]!]) {
        const r = await sql(ip, `insert into sdr_w values (${n})`);
        if (r.code === 0 && /INSERT 0 1/.test(r.stdout + r.stderr)) {
          committed.push(n);
          break;
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await new Promise((r) => setTimeout(r, 3000));
  const [d, p] = await Promise.all([
    sdr(A[0]!, "-t switchover -m disaster_standby --time-out=600"),
    sdr(B[0]!, "-t switchover -m primary --time-out=600"),
  ]);
  await new Promise((r) => setTimeout(r, 3000));
  writing = false;
  await writer;
  assert.equal(d.code, 0, `demote:\n${d.stdout}${d.stderr}`);
  assert.equal(p.code, 0, `promote:\n${p.stdout}${p.stderr}`);
  assertSubsequence(
    d.stdout,
    [
      "Start streaming disaster switchover.",
      "Waiting for cluster and all instances normal.",
      "Parse cluster conf from file.",
      "Successfully parse cluster conf from file.",
      "Got the step for action:[switchover].",
      "Stopping the cluster.",
      "Successfully stopped the cluster.",
      "Waiting for truncation.",
      /^Successfully set \[\/\w+\/CMServer\/backup_open\]\[2\]\.$/,
      "The cluster status is Normal.",
      "Starting drop all node replication slots",
      "Finished drop all node replication slots",
      "Successfully removed step file.",
      "Successfully do streaming disaster recovery switchover.",
    ],
    "switchover -m disaster_standby",
  );
  assertSubsequence(
    p.stdout,
    [
      "Start streaming disaster switchover.",
      "Waiting for cluster and all instances normal.",
      "Got the step for action:[switchover].",
      "Waiting for switchover barrier.",
      /^Successfully set \[\/\w+\/CMServer\/backup_open\]\[0\]\.$/,
      "Stopping the cluster by node.",
      "Successfully stopped the cluster by node for streaming cluster.",
      "Successfully removed step file.",
      "Successfully do streaming disaster recovery switchover.",
    ],
    "switchover -m primary",
  );
  assert.ok(committed.length > 10, `rows were committed during the run (${committed.length})`);
  // writes now go to B
  const w = await sql(B[0]!, `insert into sdr_w values (${runBase + 1000000})`);
  assert.equal(w.code, 0, w.stderr);
  const onA = await sql(A[0]!, `insert into sdr_w values (${runBase + 1000001})`);
  assert.notEqual(onA.code === 0 && /INSERT 0 1/.test(onA.stdout), true, "A is read-only now");
  const ids = new Set(
    (await sql(B[0]!, "select id from sdr_w")).stdout
      .split("\n")
      .map((l) => Number(l.trim()))
      .filter((x) => x > 0),
  );
  const lost = committed.filter((id) => !ids.has(id));
  assert.deepEqual(lost, [], "no committed row lost");
  // and they reach A (now the DR cluster)
  let seen = "";
  for (let i = 0; i < 60 && seen !== "1"; i++) {
    seen = (
      await sql(A[A.length - 1]!, `select count(*) from sdr_w where id = ${runBase + 1000000}`)
    ).stdout.trim();
    if (seen !== "1") await new Promise((r) => setTimeout(r, 1000));
  }
  assert.equal(seen, "1", "B's row replicated to A's last node");
  const qa = queryResult((await sdr(A[0]!, "-t query", 120_000)).stdout);
  const qb = queryResult((await sdr(B[0]!, "-t query", 120_000)).stdout);
  assert.equal(qa.stat, "recovery");
  assert.equal(qb.stat, "archive");
});

test("failover on the DR cluster (A) promotes it without waiting", { skip, timeout: 900_000 }, async () => {
  const f = await sdr(A[0]!, "-t failover");
  assert.equal(f.code, 0, `failover:\n${f.stdout}${f.stderr}`);
  assertSubsequence(
    f.stdout,
    [
      "Start streaming disaster failover.",
      "Got the step for action:[failover].",
      /^Successfully check cluster status is: (Normal|Degraded)\.$/,
      "Starting drop all node replication slots",
      "Stopping the cluster by node.",
      "Starting remove all node dn instances repl infos.",
      "Successfully remove all node dn instances repl infos.",
      "Start remove pg_hba config.",
      "Finished remove pg_hba config.",
      "Successfully removed step file.",
      "Finished remove streaming dir.",
      "Successfully do streaming disaster recovery failover.",
    ],
    "failover",
  );
  const w = await sql(A[0]!, `insert into sdr_w values (${runBase + 2000000})`);
  assert.equal(w.code, 0, `A is writable: ${w.stderr}`);
  const cabin = await omm(A[0]!, "test -d $PGHOST/streaming_cabin && echo present || echo absent");
  assert.equal(cabin.stdout.trim(), "absent");
  const q = queryResult((await sdr(A[0]!, "-t query", 120_000)).stdout);
  assert.equal(q.stat, "normal");
  const repl = await omm(A[0]!, "grep -E '^replconninfo' ~/data/dn1/postgresql.conf");
  assert.doesNotMatch(repl.stdout, /iscrossregion=true/);
});

test("stop on the primary cluster (B) removes the relationship", { skip, timeout: 900_000 }, async () => {
  const s = await sdr(B[0]!, "-t stop -X ~/sdr_test.xml");
  assert.equal(s.code, 0, `stop:\n${s.stdout}${s.stderr}`);
  assertSubsequence(
    s.stdout,
    [
      "Start remove streaming disaster relationship.",
      "Got the step for action:[stop].",
      "Successfully check cluster status is: Normal.",
      "Check cluster type succeed.",
      "Starting remove all node dn instances repl infos.",
      "Successfully remove all node dn instances repl infos.",
      "Start remove cluster file.",
      "Finished remove cluster file.",
      "Start remove pg_hba config.",
      "Finished remove pg_hba config.",
      "Starting drop all node replication slots",
      "Finished drop all node replication slots",
      "Finished remove streaming dir.",
      "Successfully do streaming disaster recovery stop.",
    ],
    "stop",
  );
  const conf = await omm(
    B[0]!,
    "grep -E '^replconninfo' ~/data/dn1/postgresql.conf; grep -E '^#?host' ~/data/dn1/pg_hba.conf",
  );
  assert.doesNotMatch(conf.stdout, /iscrossregion=true/);
  assert.match(
    conf.stdout,
    /^replconninfo1 = 'localhost=[\d.]+ localport=\d+ localheartbeatport=\d+ localservice=\d+ remotehost=[\d.]+ remoteport=\d+ remoteheartbeatport=\d+ remoteservice=\d+'/m,
  );
  const a1 = A[0]!.replace(/\./g, "\\.");
  assert.match(conf.stdout, new RegExp(`^#host {4}all {4}all {4}${a1}/32`, "m"));
  assert.match(
    conf.stdout,
    new RegExp(`^host {4}replication {4}\\w+ {4}${a1}/32 {4}trust`, "m"),
    "master leaves the replication trust line",
  );
  const again = await sdr(B[0]!, "-t stop -X ~/sdr_test.xml", 120_000);
  assert.equal(again.code, 1);
  assert.match(again.stdout, /^No need to stop because the cluster is not a disaster cluster\.$/m);
});

/**
 * Self-tests of the lab's disaster faults with an established DR pair between the openGauss clusters A and B
 * (through SSH as omm, like a driver): `site-down`/`site-up` (primary site lost, failover, the old primary
 * comes back in `archive`, stop, the pair rebuilt the other way round), `dr-link-cut`/`dr-link-restore`, a
 * switchover whose promote side fails (`sdr-fail`) and whose demote side rolls back, the start refusal on a
 * cluster in archive, the lock a killed gs_sdr leaves, and CM re-electing the DR cluster's Main Standby when its
 * host is gone (`host-down`; two nodes: only with a third-party gateway) and demoting it when it returns.
 * Needs root (the lab, kernel routes).
 * The tests run in order and share the pair; the file dissolves it again at the end.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { shq } from "../src/core/shell";
import { labCli, sshExec } from "../src/fixture";
import { dissolveDr, freshOpenGaussLab, omm, sdrQuery, writeDrXml } from "../src/og-dr";
import type { LabInfo, LabRunResult } from "../src/types";

const asRoot = process.getuid?.() === 0;
const skip = asRoot ? false : "needs root (the lab, kernel routes)";
const DR_USER = "hadrdis";
const DR_PWD = "Dis_Secret#0815";
/** Row ids of this run start here, so a re-run on the same lab never collides with earlier rows. */
const runBase = Date.now() * 1000;

let lab: LabInfo;
let A: string[] = [];
let B: string[] = [];
let port = 0;
const xml: Record<string, string> = {};
/** Timings measured by the tests (printed at the end). */
const timings: Record<string, number> = {};

function sql(ip: string, statement: string): Promise<LabRunResult> {
  return omm(lab, ip, `gsql -d postgres -p ${port} -t -A -X -c ${shq(statement)}`, 30_000);
}

function sdr(ip: string, args: string, timeoutMs = 600_000): Promise<LabRunResult> {
  return omm(lab, ip, `gs_sdr ${args}`, timeoutMs);
}

async function fault(...args: string[]): Promise<void> {
  const r = await labCli(["fault", ...args], { timeoutMs: 120_000 });
  assert.equal(r.code, 0, `lab fault ${args.join(" ")}: ${r.stderr}${r.stdout}`);
}

/** Polls `gs_sdr -t query` on `ip` until the state is `want`; returns the seconds it took. */
async function waitStat(ip: string, want: string, limitS: number): Promise<number> {
  const t0 = Date.now();
  let last = "";
  while (Date.now() - t0 < limitS * 1000) {
    last = (await sdrQuery(lab, ip)).stat;
    if (last === want) return (Date.now() - t0) / 1000;
    await new Promise((r) => setTimeout(r, 500));
  }
  assert.fail(`${ip}: query state ${last}, not ${want}, after ${limitS} s`);
}

/** Polls until `select v from dis_probe where id = <id>` gives `v` on `ip`. */
async function waitRow(ip: string, id: number, v: string, limitS = 60): Promise<void> {
  let seen = "";
  for (let i = 0; i < limitS * 2 && seen !== v; i++) {
    seen = (await sql(ip, `select v from dis_probe where id = ${id}`)).stdout.trim();
    if (seen !== v) await new Promise((r) => setTimeout(r, 500));
  }
  assert.equal(seen, v, `row ${id} on ${ip}`);
}

/** Starts the pair: `start -m primary` on `prim` and `-m disaster_standby` on `dr`, concurrently. */
async function startPair(prim: "A" | "B", dr: "A" | "B"): Promise<void> {
  const p1 = lab.clusters[prim]!.hosts[0]!.ip;
  const d1 = lab.clusters[dr]!.hosts[0]!.ip;
  const creds = `-U ${DR_USER} -W ${shq(DR_PWD)} --time-out=300`;
  const [p, d] = await Promise.all([
    sdr(p1, `-t start -m primary -X ${xml[prim]} ${creds}`),
    sdr(d1, `-t start -m disaster_standby -X ${xml[dr]} ${creds}`),
  ]);
  assert.equal(p.code, 0, `start -m primary on ${prim}:\n${p.stdout}${p.stderr}`);
  assert.equal(d.code, 0, `start -m disaster_standby on ${dr}:\n${d.stdout}${d.stderr}`);
  assert.equal((await sdrQuery(lab, p1)).stat, "archive");
  assert.equal((await sdrQuery(lab, d1)).stat, "recovery");
}

before(
  async () => {
    if (!asRoot) return;
    lab = await freshOpenGaussLab();
    A = lab.clusters["A"]!.hosts.map((h) => h.ip);
    B = lab.clusters["B"]!.hosts.map((h) => h.ip);
    port = lab.portBase;
    xml["A"] = await writeDrXml(lab, "A", "B");
    xml["B"] = await writeDrXml(lab, "B", "A");
    const u = await sql(
      A[0]!,
      `DO $$BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname='${DR_USER}') THEN ALTER USER ${DR_USER} WITH REPLICATION PASSWORD '${DR_PWD}'; ELSE CREATE USER ${DR_USER} WITH REPLICATION PASSWORD '${DR_PWD}'; END IF; END$$;`,
    );
    assert.equal(u.code, 0, u.stderr);
    const t = await sql(A[0]!, "create table if not exists dis_probe(id bigint primary key, v text)");
    assert.equal(t.code, 0, t.stderr);
  },
  { timeout: 900_000 },
);

after(
  async () => {
    if (!asRoot || !lab) return;
    await labCli(["reset"]);
    await dissolveDr(lab);
    process.stderr.write(`# disaster timings (s): ${JSON.stringify(timings)}\n`);
  },
  { timeout: 900_000 },
);

test("the pair A → B is established (start on both sides)", { skip, timeout: 400_000 }, async () => {
  await startPair("A", "B");
});

test("site-down A: A unreachable at once, B recovery_fail within seconds, failover on B, A back in archive_fail, stop, pair rebuilt B → A", {
  skip,
  timeout: 900_000,
}, async () => {
  const id = runBase + 1;
  assert.equal((await sql(A[0]!, `insert into dis_probe values (${id}, 'before')`)).code, 0);
  await waitRow(B[0]!, id, "before");

  const down0 = Date.now();
  await fault("site-down", "A");
  timings["site-down"] = (Date.now() - down0) / 1000;
  for (const ip of A) {
    const t0 = Date.now();
    const r = await sshExec(lab, ip, "omm", "true", { timeoutMs: 15_000 });
    const s = (Date.now() - t0) / 1000;
    assert.equal(r.code, 255);
    assert.match(r.stderr, /EHOSTUNREACH|No route to host/, `ssh to ${ip}: ${r.stderr}`);
    assert.ok(s < 3, `ssh to dead ${ip} failed in ${s} s`);
  }
  timings["detect recovery_fail on B"] = await waitStat(B[0]!, "recovery_fail", 45);

  const st = await omm(lab, B[0]!, "gs_om -t status --all; cm_ctl query -Cv");
  assert.match(st.stdout, /^cluster_state\s+: Degraded$/m);
  assert.match(st.stdout, /^instance_state\s+: Main Standby$/m);
  assert.match(st.stdout, /^HA_state\s+: Need repair$/m);
  assert.match(st.stdout, /^reason\s+: Disconnected$/m);
  assert.match(st.stdout, /Main Standby Need repair\(Disconnected\)/);

  const f0 = Date.now();
  const f = await sdr(B[0]!, "-t failover");
  timings["failover on B"] = (Date.now() - f0) / 1000;
  assert.equal(f.code, 0, `failover:\n${f.stdout}${f.stderr}`);
  assert.match(f.stdout, /^Successfully check cluster status is: Degraded\.$/m);
  assert.match(f.stdout, /^Successfully do streaming disaster recovery failover\.$/m);
  assert.equal((await sql(B[0]!, `insert into dis_probe values (${id + 1}, 'on B')`)).code, 0);
  assert.equal((await sdrQuery(lab, B[0]!)).stat, "normal");

  const up0 = Date.now();
  await fault("site-up", "A");
  timings["site-up"] = (Date.now() - up0) / 1000;
  const cs = await omm(lab, A[0]!, "cat $PGHOST/streaming_cabin/.hadr_cluster_stat; echo; cm_ctl query");
  assert.match(cs.stdout, /^archive$/m, "the old primary still thinks it is archive");
  assert.match(cs.stdout, /cluster_state\s+: Normal/);
  assert.equal((await sdrQuery(lab, A[0]!)).stat, "archive_fail");
  const refused = await sdr(A[0]!, `-t start -m primary -X ${xml["A"]} -U ${DR_USER} -W ${shq(DR_PWD)}`);
  assert.equal(refused.code, 1);
  assert.match(refused.stdout, /^Current cluster is already in archive, start is forbidden\.$/m);
  assert.doesNotMatch(refused.stdout + refused.stderr, /GAUSS-|Traceback/);

  const s = await sdr(A[0]!, `-t stop -X ${xml["A"]}`);
  assert.equal(s.code, 0, `stop on A:\n${s.stdout}${s.stderr}`);
  await startPair("B", "A");
  assert.equal((await sql(B[0]!, `insert into dis_probe values (${id + 2}, 'B to A')`)).code, 0);
  for (const ip of A) await waitRow(ip, id + 2, "B to A");
});

test("dr-link-cut gives archive_fail / recovery_fail, dr-link-restore brings archive / recovery back by itself", {
  skip,
  timeout: 300_000,
}, async () => {
  await fault("dr-link-cut", B[0]!, A[0]!);
  const t0 = Date.now();
  timings["link cut → archive_fail (B)"] = await waitStat(B[0]!, "archive_fail", 45);
  timings["link cut → recovery_fail (A)"] = await waitStat(A[0]!, "recovery_fail", 45);
  const cut = await omm(lab, A[0]!, "cm_ctl query -Cv");
  assert.match(cut.stdout, /Main Standby Need repair\(Disconnected\)/);
  assert.ok((Date.now() - t0) / 1000 < 60);
  await fault("dr-link-restore", B[0]!, A[0]!);
  timings["restore → archive (B)"] = await waitStat(B[0]!, "archive", 60);
  timings["restore → recovery (A)"] = await waitStat(A[0]!, "recovery", 60);
});

test("switchover whose promote side fails (sdr-fail term): the demote side rolls back, no committed row lost; the re-run completes", {
  skip,
  timeout: 900_000,
}, async () => {
  // B is primary, A the DR cluster: demote B, promote A (which fails once at its term stage)
  await fault("sdr-fail", A[0]!, "switchover:primary", "term");
  const committed: number[] = [];
  let writing = true;
  let n = runBase + 100;
  const writer = (async () => {
    while (writing) {
      n++;
      const r = await sql(B[0]!, `insert into dis_probe values (${n}, 'w')`);
      if (r.code === 0 && /INSERT 0 1/.test(r.stdout + r.stderr)) committed.push(n);
      await new Promise((res) => setTimeout(res, 100));
    }
  })();
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = Date.now();
  const [d, p] = await Promise.all([
    sdr(B[0]!, "-t switchover -m disaster_standby --time-out=20"),
    sdr(A[0]!, "-t switchover -m primary --time-out=120"),
  ]);
  timings["failed switchover + rollback"] = (Date.now() - t0) / 1000;
  await new Promise((r) => setTimeout(r, 2000));
  writing = false;
  await writer;

  assert.equal(p.code, 1, `promote:\n${p.stdout}${p.stderr}`);
  assert.match(p.stdout, /^\[GAUSS-51632\] : Failed to do switchover\.Error:Failed get term$/m);
  assert.match(p.stderr, /^Exception: \[GAUSS-51632\] : Failed to do switchover\.Error:Failed get term$/m);
  const pa = await omm(
    lab,
    A[0]!,
    "cat $PGHOST/streaming_cabin/.streaming_switchover_primary.step; echo; cat $PGHOST/streaming_cabin/.hadr_cluster_stat",
  );
  assert.match(pa.stdout, /^0_check_cluster_status_done_for_failover$/m, "the step file stays");
  assert.match(pa.stdout, /^promote_fail$/m);

  assert.equal(d.code, 1, `demote:\n${d.stdout}${d.stderr}`);
  const lines = d.stdout.split("\n");
  const order = [
    /^Failed to do streaming disaster cluster switchover, Error: $/,
    /^Got the continue step:\[4\] for action:\[switchover\]\.$/,
    /^Roll back streaming disaster cluster switchover\.\.\.$/,
    /^Successfully set \[\/\w+\/CMServer\/backup_open\]\[0\]\.$/,
    /^Successfully modify cma and cms parameters to start according to primary cluster mode$/,
    /^Successfully Roll back streaming disaster cluster switchover\.$/,
    /^Successfully removed step file\.$/,
    /^\[GAUSS-51632\] : Failed to do switchover\.Error:\[GAUSS-52800\] : Cluster is \w+/,
  ];
  let at = 0;
  for (const re of order) {
    const k = lines.findIndex((l, i) => i >= at && re.test(l));
    assert.ok(k >= 0, `demote output: ${re} after line ${at}:\n${d.stdout}`);
    at = k + 1;
  }
  assert.match(d.stderr, /^Exception: \[GAUSS-51632\] : Failed to do switchover\.Error:/m);
  const rb = await omm(
    lab,
    B[0]!,
    "ls $PGHOST/streaming_cabin/; cat $PGHOST/streaming_cabin/.hadr_cluster_stat; echo; " +
      "grep -E '^agent_backup_open' ~/cm/cm_agent/cm_agent.conf; grep -E '^backup_open' ~/cm/cm_server/cm_server.conf; " +
      "cm_ctl ddb --get /$(whoami)/CMServer/backup_open; grep -E '^(stream_cluster_run_mode|default_transaction_read_only)' ~/data/dn1/postgresql.conf; " +
      `gsql -d postgres -p ${port} -t -A -X -c 'show default_transaction_read_only'; cm_ctl query`,
  );
  assert.doesNotMatch(rb.stdout, /\.streaming_switchover_standby\.step/, "step file deleted");
  assert.match(rb.stdout, /^archive$/m);
  assert.match(rb.stdout, /^agent_backup_open = 0/m);
  assert.match(rb.stdout, /^backup_open = 0/m);
  assert.match(rb.stdout, /^0$/m, "DCC backup_open 0");
  assert.match(rb.stdout, /^stream_cluster_run_mode = 'cluster_standby'/m, "run mode not reverted");
  assert.match(rb.stdout, /^default_transaction_read_only = off/m);
  assert.match(rb.stdout, /^off$/m, "B is writable again");
  assert.match(rb.stdout, /cluster_state\s+: Normal/);
  const after = await sql(B[0]!, `insert into dis_probe values (${runBase + 999}, 'after rollback')`);
  assert.equal(after.code, 0, after.stderr);
  const ids = new Set(
    (await sql(B[0]!, `select id from dis_probe where id > ${runBase + 100}`)).stdout
      .split("\n")
      .map((l) => Number(l.trim())),
  );
  assert.ok(committed.length > 10, `rows committed during the run (${committed.length})`);
  assert.deepEqual(
    committed.filter((x) => !ids.has(x)),
    [],
    "no committed row lost",
  );

  // the pair is archive / recovery again, then the re-run of both sides completes
  await waitStat(B[0]!, "archive", 60);
  const r0 = Date.now();
  const [d2, p2] = await Promise.all([
    sdr(B[0]!, "-t switchover -m disaster_standby --time-out=120"),
    sdr(A[0]!, "-t switchover -m primary --time-out=120"),
  ]);
  timings["switchover re-run"] = (Date.now() - r0) / 1000;
  assert.equal(d2.code, 0, `demote re-run:\n${d2.stdout}${d2.stderr}`);
  assert.equal(p2.code, 0, `promote re-run:\n${p2.stdout}${p2.stderr}`);
  assert.match(p2.stdout, /^Got the continue step:\[0\] for action:\[switchover\]\.$/m);
  assert.equal((await sdrQuery(lab, A[0]!)).stat, "archive");
  assert.equal((await sdrQuery(lab, B[0]!)).stat, "recovery");
  assert.equal((await sql(A[0]!, `insert into dis_probe values (${runBase + 1000}, 'A again')`)).code, 0);
  await waitRow(B[B.length - 1]!, runBase + 1000, "A again");
});

test("a running gs_sdr is one process (pid of the exec'ing shell, python3-like args); SIGKILL and SIGHUP leave its lock", {
  skip,
  timeout: 120_000,
}, async () => {
  const a1 = A[0]!;
  for (const sig of ["KILL", "HUP"]) {
    const script = [
      "rm -f /tmp/dis_sdr.pid",
      "bash -c 'echo $$ > /tmp/dis_sdr.pid; exec gs_sdr -t failover' >/dev/null 2>&1 &",
      "sleep 1.5",
      "p=$(cat /tmp/dis_sdr.pid)",
      'echo "PID $p"',
      "ps -o pid=,args= -p $p",
      "echo CHILDREN; ps -o args= --ppid $p; echo END",
      "ls $PGHOST | grep streaming_lock_",
      `kill -${sig} $p; sleep 0.5`,
      "echo AFTER; ls $PGHOST | grep streaming_lock_",
    ].join("\n");
    const r = await omm(lab, a1, script, 30_000);
    const pid = /^PID (\d+)$/m.exec(r.stdout)?.[1];
    assert.ok(pid, r.stdout + r.stderr);
    assert.match(
      r.stdout,
      new RegExp(`^\\s*${pid} python3 /\\S+/script/gs_sdr -t failover$`, "m"),
      "ps shows the exec'ing shell's pid with gs_sdr's args",
    );
    const children = r.stdout.split("CHILDREN\n")[1]?.split("END")[0] ?? "";
    assert.doesNotMatch(children, /gs_sdr -t/, "no second gs_sdr process");
    const before = /^(streaming_lock_[0-9a-f]{32})$/m.exec(r.stdout.split("AFTER")[0] ?? "")?.[1];
    assert.ok(before, `a lock while running:\n${r.stdout}`);
    const afterKill = r.stdout.split("AFTER")[1] ?? "";
    assert.match(afterKill, new RegExp(`^${before}$`, "m"), `SIG${sig} leaves the lock`);
    const trace = before.slice("streaming_lock_".length);
    const log = await omm(lab, a1, `grep -h '^\\[${trace}\\]' $GAUSSLOG/om/gs_sdr-*.log`);
    assert.match(
      log.stdout,
      new RegExp(
        `^\\[${trace}\\]\\[\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d\\.\\d{6}\\]\\[${pid}\\]\\[parse_and_validate_params\\]\\[LOG\\]:-{80}$`,
        "m",
      ),
    );
    const lockHosts = await Promise.all(A.map((ip) => omm(lab, ip, "ls $PGHOST | grep -c streaming_lock_")));
    assert.deepEqual(
      lockHosts.map((x) => x.stdout.trim()),
      ["1", ...A.slice(1).map(() => "0")],
      "the lock is only on the node that ran gs_sdr",
    );
    assert.equal((await omm(lab, a1, `rm $PGHOST/${before}`)).code, 0);
  }
});

/** `cm_ctl query -Cvipdw` on `ip`: the cluster state and each DN's `<role> <HA>` by address. */
async function cmView(ip: string): Promise<{ state: string; dn: Record<string, string>; out: string }> {
  const r = await omm(lab, ip, "cm_ctl query -Cvipdw", 60_000);
  const dn: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/^\d+\s+\S+\s+(127\.\S+)\s+\d+\s+\d+\s+\S+\s+[PS]\s+(.+)$/gm))
    dn[m[1]!] = m[2]!.replace(/\s+/g, " ").trim();
  return { state: /cluster_state\s*:\s*(\S+)/.exec(r.stdout)?.[1] ?? "", dn, out: r.stdout };
}

/** Reads CM's view on `ip` until `ok` holds (CM acts on its next reads), at most 60 s; returns the last view. */
async function cmViewUntil(ip: string, ok: (v: Awaited<ReturnType<typeof cmView>>) => boolean) {
  let v = await cmView(ip);
  for (let i = 0; i < 60 && !ok(v); i++) {
    await new Promise((r) => setTimeout(r, 1000));
    v = await cmView(ip);
  }
  return v;
}

/** Sets the two-node arbitration (a third-party gateway) on the cm_server of `ip`. */
async function twoNodeGatewayOn(ip: string): Promise<void> {
  const g = await omm(
    lab,
    ip,
    `gs_guc set -Z cmserver -D ${shq("/home/omm/cm/cm_server")} -c "cms_enable_failover_on2nodes=true" -c "third_party_gateway_ip=127.0.0.1"`,
  );
  assert.equal(g.code, 0, g.stdout + g.stderr);
}

test("CM re-elects the DR cluster's Main Standby when its host is gone (with a quorum) and demotes it when it returns", {
  skip,
  timeout: 600_000,
}, async () => {
  // the pair is A → B again (the switchover test): B is the DR cluster, B[0] its Main Standby, B[1] a Cascade Standby
  assert.match((await cmView(B[1]!)).dn[B[0]!] ?? "", /^Main Standby Normal/);
  await fault("host-down", B[0]!);
  try {
    // two nodes: cm_server's DCC has no majority left, so CM does not arbitrate; the cluster is Unavailable
    await new Promise((r) => setTimeout(r, 2000));
    const alone = await cmView(B[1]!);
    assert.equal(alone.state, "Unavailable", alone.out);
    assert.match(alone.dn[B[1]!] ?? "", /^Cascade Standby/);
    assert.match(alone.dn[B[0]!] ?? "", /^Down/);
    assert.match(alone.out, /cm_server Down/);
    // a third-party gateway lets the surviving node's cm_server arbitrate (two-node deployment)
    await twoNodeGatewayOn(B[1]!);
    const t0 = Date.now();
    const elected = await cmView(B[1]!);
    timings["Main Standby re-elected"] = (Date.now() - t0) / 1000;
    assert.equal(elected.state, "Degraded", elected.out);
    assert.match(elected.dn[B[1]!] ?? "", /^Main Standby /, elected.out);
    const id = runBase + 10;
    assert.equal((await sql(A[0]!, `insert into dis_probe values (${id}, 'after re-election')`)).code, 0);
    await waitRow(B[1]!, id, "after re-election");
  } finally {
    await fault("host-up", B[0]!);
  }
  // the old Main Standby boots as Main Standby (its configured role); CM restarts it as Cascade Standby
  let v = await cmViewUntil(B[1]!, (x) => x.state === "Normal");
  assert.equal(v.state, "Normal", v.out);
  assert.match(v.dn[B[1]!] ?? "", /^Main Standby Normal/);
  assert.match(v.dn[B[0]!] ?? "", /^Cascade Standby Normal/);
  // and back (later files expect node 1 to lead): B[1]'s host gone, B[0] elected, B[1] returns as Cascade Standby.
  // B[0]'s cm_server needs the two-node gateway setting too (it was set on B[1] alone above).
  await twoNodeGatewayOn(B[0]!);
  await fault("host-down", B[1]!);
  try {
    // CM elects once it sees B[1]'s host gone (a loaded machine may take a few reads)
    const e = await cmViewUntil(B[0]!, (x) => /^Main Standby /.test(x.dn[B[0]!] ?? ""));
    assert.match(e.dn[B[0]!] ?? "", /^Main Standby /, e.out);
  } finally {
    await fault("host-up", B[1]!);
  }
  v = await cmViewUntil(B[0]!, (x) => x.state === "Normal");
  assert.equal(v.state, "Normal", v.out);
  assert.match(v.dn[B[0]!] ?? "", /^Main Standby Normal/);
  assert.match(v.dn[B[1]!] ?? "", /^Cascade Standby Normal/);
  const off = await omm(
    lab,
    B[0]!,
    `gs_guc set -Z cmserver -N all -I all -c "cms_enable_failover_on2nodes=false" -c "third_party_gateway_ip"`,
  );
  assert.equal(off.code, 0, off.stdout + off.stderr);
});

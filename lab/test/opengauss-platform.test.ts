/**
 * Self-tests of the lab's openGauss platform (PostgreSQL 15 dressed as openGauss), through SSH as omm on
 * cluster A: gs_om status format, streaming, gs_guc check/reload/hba, cm_ctl stop/start, pg-kill + reset.
 * Needs the lab (root); expects cluster A in its `up` state (primary on node 1), and leaves it that way.
 */
import assert from "node:assert/strict";
import { before, test } from "node:test";
import { shq } from "../src/core/shell";
import { ensureLab, labCli, sshExec } from "../src/fixture";
import { freshOpenGaussLab } from "../src/og-dr";
import type { LabInfo, LabRunResult } from "../src/types";

const asRoot = process.getuid?.() === 0;
let lab: LabInfo;
let A: string[] = [];
let B: string[] = [];
let port = 0;
let user = "omm";
let dataDir = "";

function omm(ip: string, cmd: string, timeoutMs = 120_000): Promise<LabRunResult> {
  return sshExec(lab, ip, user, `source ~/.bashrc >/dev/null 2>&1; ${cmd}`, { timeoutMs });
}

/** Datanode records of `gs_om -t status --all`. */
function parseAll(out: string): { clusterState: string; dns: Array<Record<string, string>> } {
  const clusterState = /^cluster_state\s*: (\S+)$/m.exec(out)?.[1] ?? "";
  const dns: Array<Record<string, string>> = [];
  let cur: Record<string, string> = {};
  for (const line of out.split("\n")) {
    const parts = line.split(":");
    if (parts.length !== 2) continue;
    const k = parts[0]!.trim();
    const v = parts[1]!.trim();
    if (k === "instance_id") cur = {};
    cur[k] = v;
    if (k === "type" && v === "Datanode") dns.push(cur);
  }
  return { clusterState, dns };
}

async function statusAll(ip: string): Promise<{ clusterState: string; dns: Array<Record<string, string>> }> {
  const r = await omm(ip, "gs_om -t status --all");
  assert.equal(r.code, 0, r.stderr);
  return parseAll(r.stdout);
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < end) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

async function waitNormal(ip: string): Promise<{ clusterState: string; dns: Array<Record<string, string>> }> {
  return waitFor(`cluster of ${ip} Normal`, async () => {
    const s = await statusAll(ip);
    return s.clusterState === "Normal" ? s : undefined;
  });
}

before(
  async () => {
    if (!asRoot) return;
    lab = await freshOpenGaussLab();
    const a = lab.clusters["A"]!;
    const b = lab.clusters["B"]!;
    A = a.hosts.map((h) => h.ip);
    B = b.hosts.map((h) => h.ip);
    port = lab.portBase;
    user = a.user;
    dataDir = String(a.nodes[0]!["dataDir"]);
  },
  { timeout: 900_000 },
);

test("gs_om -t status --all: Normal, one Primary, N-1 Standby, 26-char keys", {
  skip: !asRoot,
  timeout: 180_000,
}, async () => {
  const r = await omm(A[0]!, "gs_om -t status --all");
  assert.equal(r.code, 0, r.stderr);
  const s = parseAll(r.stdout);
  assert.equal(s.clusterState, "Normal");
  assert.equal(s.dns.length, A.length);
  assert.equal(s.dns.filter((d) => d["instance_state"] === "Primary").length, 1);
  assert.equal(s.dns.filter((d) => d["instance_state"] === "Standby").length, A.length - 1);
  assert.equal(s.dns.find((d) => d["instance_state"] === "Primary")!["node_ip"], A[0]);
  assert.ok(s.dns.every((d) => d["HA_state"] === "Normal"));
  const keyed = r.stdout.split("\n").filter((l) => /^\w+\s*: /.test(l));
  assert.ok(keyed.length > 10);
  for (const l of keyed) {
    const key = /^\w+/.exec(l)![0];
    assert.equal(l.indexOf(": "), Math.max(26, key.length), `key field of ${JSON.stringify(l)}`);
  }
  assert.match(r.stdout, /^instance_id {15}: 6001$/m);
  const short = await omm(A[0]!, "cm_ctl query | grep cluster_state | awk '{print $NF}'");
  assert.equal(short.stdout.trim(), "Normal");
});

test("a row inserted through gsql on node 1 is readable on node 2", {
  skip: !asRoot,
  timeout: 180_000,
}, async () => {
  assert.ok(A.length >= 2, "needs at least 2 nodes");
  const id = Date.now();
  const w = await omm(
    A[0]!,
    `gsql -d postgres -p ${port + 1} -c ${shq(`create table if not exists platform_t(id bigint); insert into platform_t values (${id});`)}`,
  );
  assert.equal(w.code, 0, w.stderr);
  await waitFor("the row on node 2", async () => {
    const r = await omm(
      A[1]!,
      `gsql -d postgres -p ${port} -t -A -X -c ${shq(`select id from platform_t where id = ${id}`)}`,
    );
    return r.stdout.trim() === String(id) ? true : undefined;
  });
});

test("gs_guc check of an unset replconninfo prints =NULL three times", {
  skip: !asRoot,
  timeout: 180_000,
}, async () => {
  const r = await omm(A[0]!, `gs_guc check -Z datanode -D ${dataDir} -c "replconninfo7"`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal((r.stdout + r.stderr).match(/=NULL/g)?.length, 3);
  assert.match(r.stdout, /^gs_guc check: \S+: replconninfo7=NULL: \[.*postgresql\.conf\]$/m);
  assert.match(r.stdout, /^The value of parameter replconninfo7 is same on all instances\.$/m);
});

test("gs_guc reload of replconninfo7, then check returns it; reset brings NULL back", {
  skip: !asRoot,
  timeout: 180_000,
}, async () => {
  const value = `'localhost=${A[0]} localport=${port + 1} localheartbeatport=${port + 5} localservice=${port + 4} remotehost=127.254.0.1 remoteport=${port + 1} remoteheartbeatport=${port + 5} remoteservice=${port + 4} iscascade=false iscrossregion=true'`;
  const set = await omm(A[0]!, `gs_guc reload -Z datanode -D ${dataDir} -c ${shq(`replconninfo7=${value}`)}`);
  assert.equal(set.code, 0, set.stderr);
  assert.match(set.stdout, /^Success to perform gs_guc!$/m);
  assert.match(set.stdout, /^Total instances: 1\. Failed instances: 0\.$/m);
  const chk = await omm(A[0]!, `gs_guc check -Z datanode -D ${dataDir} -c "replconninfo7"`);
  assert.ok(chk.stdout.includes(`replconninfo7=${value}`), chk.stdout);
  assert.equal(chk.stdout.match(/=NULL/g), null);
  const reset = await omm(A[0]!, `gs_guc reload -Z datanode -D ${dataDir} -c "replconninfo7"`);
  assert.equal(reset.code, 0, reset.stderr);
  const again = await omm(A[0]!, `gs_guc check -Z datanode -D ${dataDir} -c "replconninfo7"`);
  assert.equal(again.stdout.match(/=NULL/g)?.length, 2);
});

test("gs_guc -h adds an sha256 line PostgreSQL accepts, and -h without method comments it out", {
  skip: !asRoot,
  timeout: 180_000,
}, async () => {
  const peer = B[0] ?? "127.254.0.2";
  const line = `host all all ${peer}/32 sha256`;
  const add = await omm(A[0]!, `gs_guc set -Z datanode -N all -I all -h ${shq(line)}`);
  assert.equal(add.code, 0, add.stderr);
  assert.match(add.stdout, /^ALL: Success to perform gs_guc!$/m);
  assert.match(
    add.stderr,
    new RegExp(`^gs_guc sethba: ${line.replace(/\./g, "\\.")}: \\[.*pg_hba\\.conf\\]$`, "m"),
  );
  const view = await omm(A[0]!, `grep -c ${shq(`^${line}$`)} ${dataDir}/pg_hba.conf`);
  assert.equal(view.stdout.trim(), "1");
  const reload = await omm(A[0]!, `gs_guc reload -Z datanode -N all -I all -c "most_available_sync=off"`);
  assert.equal(reload.code, 0, reload.stderr);
  const ok = await omm(
    A[0]!,
    `gsql -d postgres -p ${port} -t -A -X -c "select count(*) from pg_hba_file_rules where error is not null"`,
  );
  assert.equal(ok.code, 0, ok.stderr);
  assert.equal(ok.stdout.trim(), "0");
  const del = await omm(
    A[0]!,
    `gs_guc reload -Z datanode -D ${dataDir} -h ${shq(`host all all ${peer}/32`)}`,
  );
  assert.equal(del.code, 0, del.stderr);
  assert.match(del.stderr, /gs_guc sethba: #host all all /);
  const after = await omm(A[0]!, `grep -E ${shq(`^#?host all all ${peer}/32`)} ${dataDir}/pg_hba.conf`);
  assert.equal(after.stdout.trim(), `#${line}`);
  const still = await omm(A[0]!, `gsql -d postgres -p ${port} -t -A -X -c "select 1"`);
  assert.equal(still.stdout.trim(), "1");
});

test("cm_ctl stop then cm_ctl start: everything Down, then Normal with the roles kept", {
  skip: !asRoot,
  timeout: 180_000,
}, async () => {
  const stop = await omm(A[0]!, "cm_ctl stop -m i -t 120");
  assert.equal(stop.code, 0, stop.stderr + stop.stdout);
  const down = await statusAll(A[A.length - 1]!);
  assert.equal(down.clusterState, "Unavailable");
  assert.ok(down.dns.every((d) => d["instance_state"] === "Down"));
  assert.ok(down.dns.every((d) => d["HA_state"] === "Manually stopped"));
  const start = await omm(A[0]!, "cm_ctl start -t 120");
  assert.equal(start.code, 0, start.stderr + start.stdout);
  assert.match(start.stdout, /cm_ctl: start cluster successfully\./);
  const s = await waitNormal(A[0]!);
  assert.equal(s.dns.find((d) => d["node_ip"] === A[0])!["instance_state"], "Primary");
  for (const ip of A.slice(1))
    assert.equal(s.dns.find((d) => d["node_ip"] === ip)!["instance_state"], "Standby");
});

test("pg-kill makes cluster_state not Normal; reset restores it", {
  skip: !asRoot,
  timeout: 180_000,
}, async () => {
  const k = await labCli(["fault", "pg-kill", A[0]!]);
  assert.equal(k.code, 0, k.stderr + k.stdout);
  const s = await statusAll(A[A.length - 1]!);
  assert.notEqual(s.clusterState, "Normal");
  assert.equal(s.dns.find((d) => d["node_ip"] === A[0])!["instance_state"], "Down");
  const r = await labCli(["reset"]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  const back = await waitNormal(A[0]!);
  assert.equal(back.dns.find((d) => d["node_ip"] === A[0])!["instance_state"], "Primary");
});

test("changing --nodes leaves no trace of the old topology on the kept hosts", {
  skip: !asRoot,
  timeout: 600_000,
}, async () => {
  const nodes = lab.nodes;
  let restored = false;
  try {
    await grownThenBack(nodes);
    restored = true;
  } finally {
    // whatever failed, later files get the topology they started with
    if (!restored) lab = await ensureLab({ engines: ["opengauss"], nodes });
  }
});

async function grownThenBack(nodes: number): Promise<void> {
  const grown = await ensureLab({ engines: ["opengauss"], nodes: nodes + 1 });
  const a1 = grown.clusters["A"]!.hosts[0]!.ip;
  const gone = grown.clusters["A"]!.hosts[nodes]!.ip;
  const grownConf = await sshExec(
    grown,
    a1,
    user,
    "grep -c '^replconninfo' ~/data/dn1/postgresql.conf; touch ~/lab/faults/cut_127.0.0.99",
  );
  assert.equal(grownConf.stdout.trim(), String(nodes), "one replconninfo per peer");
  lab = await ensureLab({ engines: ["opengauss"], nodes });
  const after = await omm(a1, "grep '^replconninfo' ~/data/dn1/postgresql.conf; ls ~/lab/faults");
  assert.equal(after.stdout.split("\n").filter((l) => l.startsWith("replconninfo")).length, nodes - 1);
  assert.ok(
    !after.stdout.includes(`remotehost=${gone} `),
    `no replconninfo to the removed ${gone}:\n${after.stdout}`,
  );
  assert.doesNotMatch(after.stdout, /cut_127\.0\.0\.99/, "fault markers of the old topology are gone");
  assert.equal((await waitNormal(a1)).clusterState, "Normal");
}

/**
 * Self-test of `lab up --pairs 2`: the second openGauss DR pair C,D (2 nodes each) comes up beside A,B with its
 * own addresses and host keys, the emulated gs_sdr pairs C (primary) with D (disaster standby) exactly as A
 * with B, and `--pairs 1` removes C and D without a trace while A,B keep running. Needs the lab (root).
 *
 * Whatever happens, the lab is put back to one pair (and the node count it had) before the file ends: the
 * provider's tests run next on the same lab.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import { test } from "node:test";
import { hostLeftovers } from "../src/core/leftovers";
import { shq } from "../src/core/shell";
import { ensureLab, sshExec } from "../src/fixture";
import { dissolveDr, labPairs, omm, sdrQuery, writeDrXml } from "../src/og-dr";
import type { LabInfo } from "../src/types";

const asRoot = process.getuid?.() === 0;
const DR_USER = "hadrusr";
const DR_PWD = "Sdr_Secret#4711";

/** Resolves with true when a TCP connect to `ip:port` succeeds within 3 s. */
function listening(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: ip, port, timeout: 3_000 });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.on("connect", () => done(true));
    s.on("error", () => done(false));
    s.on("timeout", () => done(false));
  });
}

/** C and D exist with their own addresses, host names and pinned host keys; ssh reaches every host. */
async function checkSecondPair(two: LabInfo, one: LabInfo): Promise<void> {
  assert.equal(two.pairs, 2);
  assert.deepEqual(labPairs(two), [
    ["A", "B"],
    ["C", "D"],
  ]);
  for (const [name, third, prefix] of [
    ["C", 5, "ogc"],
    ["D", 6, "ogd"],
  ] as const) {
    const c = two.clusters[name];
    assert.ok(c?.provisioned, `cluster ${name} provisioned`);
    assert.equal(c.engine, "opengauss");
    assert.deepEqual(
      c.hosts.map((h) => `${h.name} ${h.ip} ${h.streamIp}`),
      [1, 2].map((i) => `${prefix}${i} 127.${two.net}.${third}.${i} 127.${two.net}.${third + 10}.${i}`),
    );
    for (const h of c.hosts) {
      // sshExec pins the host key recorded in lab.json
      const r = await sshExec(two, h.ip, c.user, 'echo "$HADR_LAB_HOST"; hostname -I', { timeoutMs: 30_000 });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.split("\n")[0], h.ip);
      assert.match(r.stdout, new RegExp(`\\b${h.streamIp!.replace(/\./g, "\\.")}\\b`), "stream address");
    }
  }
  const kh = fs.readFileSync(two.knownHostsPath, "utf8");
  for (const h of two.clusters["D"]!.hosts)
    assert.match(kh, new RegExp(`^${h.ip.replace(/\./g, "\\.")} `, "m"));
  // adding a pair leaves A and B alone: same hosts, same keys (when the node count stayed)
  if (one.nodes === two.nodes)
    for (const n of ["A", "B"]) assert.deepEqual(two.clusters[n]!.hosts, one.clusters[n]!.hosts);
}

/** `gs_sdr -t start` on C (primary) and D (disaster standby) at once, then query shows archive/recovery. */
async function pairCWithD(two: LabInfo): Promise<void> {
  const [c1, d1] = ["C", "D"].map((n) => two.clusters[n]!.hosts[0]!.ip) as [string, string];
  const gsql = (sql: string) =>
    omm(two, c1, `gsql -d postgres -p ${two.portBase} -t -A -X -c ${shq(sql)}`, 60_000);
  const exists = await gsql(`select 1 from pg_user where usename = '${DR_USER}'`);
  const verb = exists.stdout.trim() === "1" ? "ALTER" : "CREATE";
  const u = await gsql(`${verb} USER ${DR_USER} WITH REPLICATION PASSWORD '${DR_PWD}'`);
  assert.equal(u.code, 0, u.stderr);
  const xmlC = await writeDrXml(two, "C", "D");
  const xmlD = await writeDrXml(two, "D", "C");
  const onC = await omm(two, c1, `cat ${xmlC}`, 30_000);
  const dMap = two.clusters["D"]!.hosts.map((h) => `(${h.ip},${h.ip})`).join(",");
  assert.ok(onC.stdout.includes(`<PARAM name="remoteStreamIpmap1" value="${dMap}"/>`), onC.stdout);
  const cred = `-U ${DR_USER} -W ${shq(DR_PWD)} --time-out=300`;
  const [p, s] = await Promise.all([
    omm(two, c1, `gs_sdr -t start -m primary -X ${xmlC} ${cred}`, 600_000),
    omm(two, d1, `gs_sdr -t start -m disaster_standby -X ${xmlD} ${cred}`, 600_000),
  ]);
  assert.equal(p.code, 0, `start -m primary on C:\n${p.stdout}${p.stderr}`);
  assert.equal(s.code, 0, `start -m disaster_standby on D:\n${s.stdout}${s.stderr}`);
  assert.equal((await sdrQuery(two, c1)).stat, "archive");
  assert.equal((await sdrQuery(two, d1)).stat, "recovery");
  assert.equal((await sdrQuery(two, two.clusters["A"]!.hosts[0]!.ip)).stat, "normal", "A is not involved");
}

/** After `--pairs 1`: no C/D in lab.json, state.json or known_hosts; nothing of theirs runs or listens. */
async function checkNoTrace(back: LabInfo, gone: LabInfo["clusters"][string]["hosts"]): Promise<void> {
  assert.equal(back.pairs, 1);
  assert.deepEqual(Object.keys(back.clusters).sort(), ["A", "B", "kbv8r3", "kbv8r6"]);
  const state = JSON.parse(fs.readFileSync(path.join(back.root, "state.json"), "utf8"));
  assert.equal(state.pairs, 1);
  assert.deepEqual(
    Object.keys(state.outputs).filter((c) => c === "C" || c === "D"),
    [],
  );
  const ips = gone.map((h) => h.ip);
  assert.deepEqual(hostLeftovers(back.root, ips), []);
  const kh = fs.readFileSync(back.knownHostsPath, "utf8");
  for (const ip of ips) assert.ok(!kh.includes(ip), `${ip} left in known_hosts`);
  for (const h of gone) {
    for (const ip of [h.ip, h.streamIp!]) {
      for (const port of [22, back.portBase, back.portBase + 1]) {
        assert.equal(await listening(ip, port), false, `something still listens on ${ip}:${port}`);
      }
    }
  }
  // A,B kept running through the change
  assert.equal((await sdrQuery(back, back.clusters["A"]!.hosts[0]!.ip)).stat, "normal");
}

test("--pairs 2 adds C,D; gs_sdr pairs C with D; --pairs 1 removes them without a trace", {
  skip: !asRoot && "needs root (the lab)",
  timeout: 900_000,
}, async () => {
  const one = await ensureLab({ engines: ["opengauss"] });
  const nodes = one.nodes;
  await dissolveDr(one);
  let restored = false;
  try {
    const two = await ensureLab({ engines: ["opengauss"], pairs: 2, nodes: 2 });
    await checkSecondPair(two, one);
    await pairCWithD(two);
    const gone = [...two.clusters["C"]!.hosts, ...two.clusters["D"]!.hosts];
    const back = await ensureLab({ engines: ["opengauss"], pairs: 1, nodes });
    restored = true;
    await checkNoTrace(back, gone);
  } finally {
    // the provider's tests run next on this lab: one pair, the node count it had
    if (!restored) await ensureLab({ engines: ["opengauss"], pairs: 1, nodes });
  }
});

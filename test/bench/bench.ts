/**
 * `npm run bench`: prints the figures the speed and memory targets are judged by. Not a test: it asserts
 * nothing and never fails on a slow machine; it measures and prints.
 *
 *  - lab up from nothing and when already up (target: under a minute from nothing);
 *  - `pulumi preview` of a DrRelationship and of a RecoveryPolicy on the lab (every node read in parallel,
 *    one SSH connection per host);
 *  - computing a create plan for two 4-node openGauss clusters (pure code): time per plan and memory.
 */
import * as fs from "node:fs";
import { performance } from "node:perf_hooks";
import { parseClusterXml } from "../../provider/config/clusterXml";
import { planCreate } from "../../provider/engines/opengauss/plan";
import { labCli, sshExec } from "../lab/fixture";
import type { LabInfo } from "../lab/types";
import { TestProject } from "../support/project";

function row(name: string, value: string): void {
  console.log(`${name.padEnd(58)} ${value}`);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, (performance.now() - t0) / 1000];
}

function xmlOf(name: string, prefix: string, net: string, nodes: number): string {
  const names = Array.from({ length: nodes }, (_, i) => `${prefix}${i + 1}`);
  const ips = names.map((_, i) => `${net}.${i + 1}`);
  const dataNode = names.flatMap((n, i) => (i === 0 ? ["/data/dn1"] : [n, "/data/dn1"])).join(",");
  const devices = names
    .map(
      (n, i) =>
        `<DEVICE sn="${n}"><PARAM name="name" value="${n}"/><PARAM name="backIp1" value="${ips[i]}"/>` +
        `<PARAM name="sshIp1" value="${ips[i]}"/>` +
        (i === 0
          ? `<PARAM name="dataNum" value="1"/><PARAM name="dataPortBase" value="26000"/><PARAM name="dataNode1" value="${dataNode}"/><PARAM name="cmDir" value="/cm"/>`
          : "") +
        "</DEVICE>",
    )
    .join("");
  return (
    `<ROOT><CLUSTER><PARAM name="clusterName" value="${name}"/><PARAM name="nodeNames" value="${names.join(",")}"/>` +
    `<PARAM name="backIp1s" value="${ips.join(",")}"/><PARAM name="gaussdbAppPath" value="/app"/><PARAM name="gaussdbLogPath" value="/log"/>` +
    `<PARAM name="tmpMppdbPath" value="/tmp"/><PARAM name="gaussdbToolPath" value="/om"/></CLUSTER><DEVICELIST>${devices}</DEVICELIST></ROOT>`
  );
}

function planBench(): void {
  const A = parseClusterXml(xmlOf("A", "oga", "127.0.1", 4));
  const B = parseClusterXml(xmlOf("B", "ogb", "127.0.2", 4));
  const local = (ip: string, peer: string) =>
    `localhost=${ip} localport=26001 localheartbeatport=26005 localservice=26004 remotehost=${peer} remoteport=26001 remoteheartbeatport=26005 remoteservice=26004`;
  const snapshots = [A, B].flatMap((t) =>
    t.dataNodes.map((d) => ({
      cluster: t.name,
      node: d.name,
      replconninfo: { 1: local(d.backIp, t.dataNodes.find((x) => x !== d)!.backIp) },
      gucs: {
        synchronous_commit: "on",
        most_available_sync: "off",
        wal_keep_segments: "16",
        enable_dcf: "off",
      },
      pgHba: "local all all trust\nhost all all 127.0.0.1/32 trust\n",
    })),
  );
  const input = { topologies: { A, B }, primary: "A", snapshots };
  planCreate(input);
  const n = 200;
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) planCreate(input);
  const ms = (performance.now() - t0) / n;
  row("plan: create plan, 2 clusters x 4 nodes (pure)", `${ms.toFixed(2)} ms/plan`);
  row("plan: RSS growth over 200 plans", `${((process.memoryUsage().rss - rss0) / 1048576).toFixed(1)} MiB`);
}

async function previewBench(lab: LabInfo): Promise<void> {
  const key = fs.readFileSync(lab.clientKeyPath, "utf8");
  const policyProgram = `
const pulumi = require("@pulumi/pulumi");
const { RecoveryPolicy } = require("pulumi-hadr");
const cfg = new pulumi.Config();
const key = cfg.requireSecret("sshKey");
const spec = cfg.requireObject("policy");
new RecoveryPolicy("kb", { ...spec, nodes: spec.nodes.map((n) => ({ ...n, ssh: { ...n.ssh, privateKey: key } })) });
`;
  const kb = lab.clusters["kbv8r6"];
  if (kb) {
    const p = await TestProject.create("benchkb", policyProgram);
    try {
      await p.config("sshKey", key, true);
      await p.config(
        "policy",
        JSON.stringify({
          engine: "kingbase-v8r6",
          mode: "standby",
          nodes: kb.hosts.map((h) => ({
            host: h.ip,
            ssh: { port: h.sshPort, hostKeys: { [h.ip]: h.hostKey } },
          })),
        }),
      );
      await p.world.ok(["preview"]);
      const [, s] = await timed(() => p.world.ok(["preview"]));
      row(`preview: RecoveryPolicy, ${kb.hosts.length} V8R6 nodes (whole CLI run)`, `${s.toFixed(2)} s`);
    } finally {
      p.dispose();
    }
  }
  const a = lab.clusters["A"];
  const b = lab.clusters["B"];
  if (a && b) {
    const drProgram = `
const pulumi = require("@pulumi/pulumi");
const { DrRelationship } = require("pulumi-hadr");
const cfg = new pulumi.Config();
const key = cfg.requireSecret("sshKey");
const spec = cfg.requireObject("dr");
const clusters = {};
for (const [n, c] of Object.entries(spec.clusters)) clusters[n] = { ...c, ssh: { ...c.ssh, privateKey: key } };
new DrRelationship("dr", { ...spec, clusters, drUser: { name: "druser", password: cfg.requireSecret("pw") } });
`;
    const user = await sshExec(
      lab,
      a.hosts[0]!.ip,
      "omm",
      `. ~/.bashrc; gsql -d postgres -p ${lab.portBase + 1} -f /dev/stdin`,
      {
        input:
          "DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='druser') THEN CREATE USER druser WITH REPLICATION PASSWORD 'Bench_pw_1234'; END IF; END$$;\n",
      },
    );
    if (user.code !== 0) throw new Error(`could not create the DR user: ${user.stderr}`);
    const p = await TestProject.create("benchdr", drProgram);
    try {
      await p.config("sshKey", key, true);
      await p.config("pw", "Bench_pw_1234", true);
      const clusters: Record<string, unknown> = {};
      for (const [n, c] of [
        ["A", a],
        ["B", b],
      ] as const) {
        clusters[n] = {
          xml: c.xml,
          ssh: {
            port: c.hosts[0]!.sshPort,
            hostKeys: Object.fromEntries(c.hosts.map((h) => [h.ip, h.hostKey])),
          },
        };
      }
      await p.config("dr", JSON.stringify({ primary: "A", clusters }));
      await p.world.run(["preview"]);
      const [r, s] = await timed(() => p.world.run(["preview"]));
      const n = a.hosts.length + b.hosts.length;
      row(
        `preview: DrRelationship, ${n} nodes (whole CLI run${r.code === 0 ? "" : ", preflight failed"})`,
        `${s.toFixed(2)} s`,
      );
    } finally {
      p.dispose();
    }
  }
}

async function main(): Promise<void> {
  console.log("pulumi-hadr benchmark (figures, not pass/fail)");
  planBench();
  const cold = process.argv.includes("--cold");
  if (cold) {
    await labCli(["down"]);
    const [r, s] = await timed(() => labCli(["up"]));
    if (r.code !== 0) throw new Error(r.stderr);
    row("lab up from nothing (default topology, all engines)", `${s.toFixed(1)} s`);
  }
  const [r, s] = await timed(() => labCli(["up"]));
  if (r.code !== 0) throw new Error(r.stderr);
  row("lab up when already up", `${s.toFixed(1)} s`);
  const lab = JSON.parse(fs.readFileSync(r.stdout.trim().split("\n").pop()!, "utf8")) as LabInfo;
  await previewBench(lab);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});

import { randomBytes } from "node:crypto";
import * as path from "node:path";
import type {
  EngineProvisioner,
  LabClusterOutput,
  LabClusterSpec,
  LabContext,
  LabFaultHandler,
  LabHost,
} from "../types";
import { initialViewConf, initialViewHba, installXml, staticConfigFor } from "./config";
import { homePaths, NODE_BIN, PG_BIN, type StaticConfig } from "./layout";
import { DEFAULT_OM_RELEASE } from "./release";
import { SDR_FAIL_STAGES, sdrFailMarker } from "./sdr/faultpoint";

/** Runs one node-agent request inside a host, as the omm user. */
async function agent(
  ctx: LabContext,
  host: LabHost,
  req: Record<string, unknown>,
  timeoutMs = 300_000,
): Promise<Record<string, unknown>> {
  const script = `exec ${NODE_BIN} ${path.join(ctx.toolsDir, "opengauss", "tools", "og_agent.js")} -`;
  const r = await ctx.run(host, ctx.users.omm.name, script, { input: JSON.stringify(req), timeoutMs });
  const last = r.stdout.trim().split("\n").pop() ?? "";
  if (!last.startsWith("{")) {
    throw new Error(`${host.name} (${host.ip}) ${String(req["op"])}: rc=${r.code} ${r.stderr.trim()}`);
  }
  return JSON.parse(last) as Record<string, unknown>;
}

async function mustAgent(ctx: LabContext, host: LabHost, req: Record<string, unknown>): Promise<void> {
  const r = await agent(ctx, host, req);
  if (r["ok"] !== true) {
    throw new Error(
      `${host.name} (${host.ip}) ${String(req["op"])}: ${String(r["error"] ?? JSON.stringify(r))}`,
    );
  }
}

/** Runs a tool inside a host with the env file sourced. */
function tool(ctx: LabContext, host: LabHost, cmd: string, timeoutMs = 120_000) {
  return ctx.run(host, ctx.users.omm.name, `source ${ctx.users.omm.home}/.bashrc && ${cmd}`, { timeoutMs });
}

async function clusterState(ctx: LabContext, host: LabHost): Promise<string> {
  const r = await tool(ctx, host, "cm_ctl query", 60_000);
  return /cluster_state\s*:\s*(\S+)/.exec(r.stdout)?.[1] ?? "Unknown";
}

async function waitState(ctx: LabContext, host: LabHost, want: string[], timeoutMs: number): Promise<string> {
  const end = Date.now() + timeoutMs;
  let s = "Unknown";
  while (Date.now() < end) {
    s = await clusterState(ctx, host);
    if (want.includes(s)) return s;
    await new Promise((r) => setTimeout(r, 500));
  }
  return s;
}

function ogHosts(clusters: LabClusterSpec[]): LabHost[] {
  return clusters.filter((c) => c.engine === "opengauss").flatMap((c) => c.hosts);
}

function hostByIp(clusters: LabClusterSpec[], ip: string | undefined): LabHost {
  const h = ogHosts(clusters).find((x) => x.ip === ip);
  if (!h) throw new Error(`no openGauss lab host ${JSON.stringify(ip ?? "")}`);
  return h;
}

async function up(ctx: LabContext, cluster: LabClusterSpec): Promise<LabClusterOutput> {
  const cfg: StaticConfig = staticConfigFor(ctx, cluster);
  const [first, ...others] = cluster.hosts;
  if (!first) throw new Error(`cluster ${cluster.name} has no hosts`);
  const release = ctx.omReleases?.[cluster.name] ?? DEFAULT_OM_RELEASE;
  ctx.log(
    `openGauss ${cluster.name}: files and tools on ${cluster.hosts.length} host(s), OM release ${release}`,
  );
  await Promise.all(
    cluster.hosts.map((h) => mustAgent(ctx, h, { op: "node-setup", cfg, nodeId: h.index, release })),
  );
  ctx.log(`openGauss ${cluster.name}: primary DN on ${first.ip}:${ctx.portBase}`);
  await mustAgent(ctx, first, {
    op: "init-primary",
    viewConf: initialViewConf(cfg, 1),
    hba: initialViewHba(cfg),
  });
  if (others.length > 0) ctx.log(`openGauss ${cluster.name}: ${others.length} standby DN(s)`);
  await Promise.all(
    others.map((h) =>
      mustAgent(ctx, h, {
        op: "init-standby",
        viewConf: initialViewConf(cfg, h.index),
        source: { host: first.ip, port: ctx.portBase },
      }),
    ),
  );
  const st = await waitState(ctx, first, ["Normal"], 60_000);
  ctx.log(`openGauss ${cluster.name}: cluster_state ${st}`);
  return {
    user: cfg.user,
    envFile: `${cfg.home}/.bashrc`,
    xml: installXml(cfg),
    omVersion: release,
    nodes: cfg.nodes.map((n) => ({
      host: n.ip,
      ...(n.streamIp ? { streamIp: n.streamIp } : {}),
      name: n.name,
      nodeId: n.nodeId,
      instanceId: n.instanceId,
      dataDir: n.dataDir,
      port: n.port,
      haPort: n.port + 1,
    })),
    extra: {
      clusterName: cfg.clusterName,
      dataPortBase: ctx.portBase,
      gaussHome: cfg.gaussHome,
      gpHome: cfg.gpHome,
      pgHost: cfg.pgHost,
      gaussLog: cfg.gaussLog,
      cmDataPath: cfg.cmDataPath,
      drUser: { name: "druser" },
      emulated: "openGauss tool contract on PostgreSQL 15",
    },
  };
}

/**
 * Stops every DN (pid file) and removes everything `up` put in the omm home (data dir, emulation state,
 * CM files, cabin, logs, tools, env file), so a later `up` — say with another `--nodes` — starts from
 * scratch: no replconninfo, DR state or fault of the old topology survives on a kept host.
 */
async function down(ctx: LabContext, cluster: LabClusterSpec): Promise<void> {
  const home = ctx.users.omm.home;
  const p = homePaths(home);
  const gone = [path.dirname(p.dataDir), p.labDir, p.cmDataPath, p.pgHost, p.gaussLog, p.gaussHome, p.gpHome];
  const script = [
    `D=${p.dataDir}`,
    'if [ -f "$D/postmaster.pid" ]; then',
    `  ${PG_BIN}/pg_ctl stop -D "$D" -m fast -w -t 30 >/dev/null 2>&1 || {`,
    '    pid=$(head -1 "$D/postmaster.pid"); [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null; }',
    "fi",
    `rm -rf ${gone.join(" ")} ${home}/.bashrc ${home}/dr_*.xml`,
    "true",
  ].join("\n");
  await Promise.all(cluster.hosts.map((h) => ctx.run(h, ctx.users.omm.name, script, { timeoutMs: 60_000 })));
}

async function status(ctx: LabContext, cluster: LabClusterSpec): Promise<string[]> {
  const first = cluster.hosts[0];
  if (!first) return [];
  const r = await tool(ctx, first, "cm_ctl query -Cvipdw", 60_000);
  if (r.code !== 0) return [`${cluster.name}: cm_ctl query failed: ${r.stderr.trim()}`];
  const state = /cluster_state\s*:\s*(\S+)/.exec(r.stdout)?.[1] ?? "Unknown";
  const dnSection = r.stdout.split("[  Datanode State   ]")[1] ?? "";
  const members = dnSection
    .split("\n")
    .filter((l) => /^\d+\s/.test(l))
    .map((l) => `${cluster.name} ${l.replace(/\s+/g, " ").trim()}`);
  return [`${cluster.name} cluster_state ${state}`, ...members];
}

async function reset(ctx: LabContext, cluster: LabClusterSpec): Promise<void> {
  const infos = await Promise.all(
    cluster.hosts.map(async (h) => ({ h, info: await agent(ctx, h, { op: "dn-info" }).catch(() => ({})) })),
  );
  const lead = (i: Record<string, unknown>): boolean =>
    i["role"] === "primary" || i["role"] === "main_standby";
  const groups = [infos.filter((x) => lead(x.info)), infos.filter((x) => !lead(x.info))];
  for (const g of groups) await Promise.all(g.map((x) => mustAgent(ctx, x.h, { op: "reset" })));
  const first = cluster.hosts[0];
  // a DR cluster's main standby may wait for the other cluster's reset: Degraded is "up" here
  if (first) await waitState(ctx, first, ["Normal", "Degraded"], 30_000);
}

/**
 * `site-up`: the hosts were powered off; CM starts every DN again in the role it decides from the configured
 * role and the cluster mode (leaders first), without touching any configuration or fault marker, then the
 * cluster gets up to 20 s to stop being Unavailable.
 */
async function siteUp(ctx: LabContext, cluster: LabClusterSpec): Promise<void> {
  const infos = await Promise.all(
    cluster.hosts.map(async (h) => ({ h, info: await agent(ctx, h, { op: "dn-info" }).catch(() => ({})) })),
  );
  const lead = (i: Record<string, unknown>): boolean =>
    i["role"] === "primary" || i["role"] === "main_standby";
  const groups = [infos.filter((x) => lead(x.info)), infos.filter((x) => !lead(x.info))];
  for (const g of groups) await Promise.all(g.map((x) => mustAgent(ctx, x.h, { op: "boot" })));
  const first = cluster.hosts[0];
  if (first) await waitState(ctx, first, ["Normal", "Degraded"], 20_000);
}

/**
 * `host-up`: the machine came back (its processes were killed): its cm_agent starts the DN in the role CM
 * decides (configured role and cluster mode), nothing else touched.
 */
async function hostUp(ctx: LabContext, _cluster: LabClusterSpec, host: LabHost): Promise<void> {
  await mustAgent(ctx, host, { op: "boot" });
}

const faults: Record<string, LabFaultHandler> = {
  "pg-stop": async (ctx, clusters, args) => {
    const h = hostByIp(clusters, args[0]);
    await mustAgent(ctx, h, { op: "dn-stop-fault" });
    return `stopped PostgreSQL on ${h.name} (${h.ip})`;
  },
  "pg-kill": async (ctx, clusters, args) => {
    const h = hostByIp(clusters, args[0]);
    const r = await agent(ctx, h, { op: "dn-kill" });
    return `killed PostgreSQL on ${h.name} (${h.ip}): pids ${JSON.stringify(r["killed"] ?? [])}`;
  },
  "dr-link-cut": async (ctx, clusters, args) => {
    const a = hostByIp(clusters, args[0]);
    const b = hostByIp(clusters, args[1]);
    if (a.ip === b.ip) throw new Error("dr-link-cut needs two different hosts");
    await Promise.all([
      mustAgent(ctx, a, { op: "link-cut", peer: b.ip }),
      mustAgent(ctx, b, { op: "link-cut", peer: a.ip }),
    ]);
    await Promise.all([
      mustAgent(ctx, a, { op: "link-drop", peer: b.ip }),
      mustAgent(ctx, b, { op: "link-drop", peer: a.ip }),
    ]);
    return `replication between ${a.ip} and ${b.ip} cut (both ways) until dr-link-restore or reset`;
  },
  "dr-link-restore": async (ctx, clusters, args) => {
    const a = hostByIp(clusters, args[0]);
    const b = hostByIp(clusters, args[1]);
    if (a.ip === b.ip) throw new Error("dr-link-restore needs two different hosts");
    await Promise.all([
      mustAgent(ctx, a, { op: "link-restore", peer: b.ip }),
      mustAgent(ctx, b, { op: "link-restore", peer: a.ip }),
    ]);
    return `replication between ${a.ip} and ${b.ip} allowed again (standbys reconnect by themselves)`;
  },
  "sdr-fail": async (ctx, clusters, args) => {
    const h = hostByIp(clusters, args[0]);
    const key = args[1] ?? "";
    const stage = args[2] ?? "";
    if (!SDR_FAIL_STAGES[key]?.includes(stage)) {
      const known = Object.entries(SDR_FAIL_STAGES)
        .map(([k, v]) => `${k} ${v.join("|")}`)
        .join("; ");
      throw new Error(`usage: sdr-fail <ip> <task>[:<mode>] <stage> (${known})`);
    }
    await mustAgent(ctx, h, { op: "fault-mark", name: sdrFailMarker(key), content: stage });
    return `the next gs_sdr -t ${key.replace(":", " -m ")} on ${h.name} (${h.ip}) fails at stage ${stage} (once; reset removes it)`;
  },
  hang: async (ctx, clusters, args) => {
    const h = hostByIp(clusters, args[0]);
    const t = args[1];
    if (!t || !/^[\w.-]+$/.test(t)) throw new Error("usage: hang <ip> <command>");
    await mustAgent(ctx, h, { op: "fault-mark", name: `hang_${t}` });
    return `${t} hangs on ${h.name} (${h.ip}) until reset`;
  },
  "stale-lock": async (ctx, clusters, args) => {
    const h = hostByIp(clusters, args[0]);
    const trace = randomBytes(16).toString("hex");
    const r = await agent(ctx, h, { op: "stale-lock", trace });
    return `stale lock ${String(r["lock"])} on ${h.name} (${h.ip})`;
  },
};

/**
 * Switches a provisioned cluster to another emulated OM release: version.cfg (both copies) and the env file
 * (`IP_TYPE` exported from 6.0.0 on) on every host. The emulated gs_sdr reads version.cfg at every run, so
 * the next run behaves as that release; nothing else (data, DR state) changes.
 */
export async function setOmRelease(ctx: LabContext, cluster: LabClusterSpec, release: string): Promise<void> {
  await Promise.all(cluster.hosts.map((h) => mustAgent(ctx, h, { op: "set-release", release })));
}

/** openGauss provisioner: PostgreSQL per host with in-cluster streaming and the emulated OM/CM tools. */
export const openGaussProvisioner: EngineProvisioner = {
  engine: "opengauss",
  up,
  down,
  status,
  reset,
  siteUp,
  hostUp,
  faults,
};

/**
 * The openGauss side's remote reads: one SSH connection per node for the whole operation, every command
 * run after sourcing the cluster's env file, and the parallel read of everything the plan and the
 * preflight need (GUCs, pg_hba, CM settings, cluster status, DR user, version). Reads only.
 */

import { ParseError } from "../../errors";
import { type Fleet, fleetOf } from "../../transport/fleet";
import { shellQuote } from "../../transport/redact";
import type { ExecOptions, ExecResult, SshSession, SshTarget } from "../../transport/ssh";
import type { ClusterDevice, ClusterTopology } from "./clusterXml";
import type { GucValue } from "./parsers/gucCheck";
import { type OmClusterStatus, parseOmStatus } from "./parsers/omStatus";
import { confGucValue } from "./parsers/postgresqlConf";
import { parseQueryOutput, type SdrQueryResult } from "./parsers/query";
import type { ClusterFacts, DnGuc, DrNodeSnapshot } from "./plan/model";
import { type MasterMarkers, type OmRelease, omRelease } from "./releases";
import { type DrSpec, hostKeyFor, runNodeOf } from "./schema";

/** Deadline for one read command. */
export const READ_TIMEOUT_MS = 60_000;

/** Both clusters of a pair, parsed, with the fleet that reaches their nodes. */
export interface DrContext {
  args: DrSpec;
  topologies: Record<string, ClusterTopology>;
  fleet: Fleet;
  /** Cluster names in input order. */
  names: string[];
}

/** Opens (lazily) one connection per node of both clusters; the DR password is masked in everything read. */
export function drContext(args: DrSpec, topologies: Record<string, ClusterTopology>): DrContext {
  const targets: SshTarget[] = [];
  for (const [name, c] of Object.entries(args.clusters)) {
    for (const d of topologies[name]!.dataNodes) {
      const device = topologies[name]!.devices.find((x) => x.name === d.name)!;
      targets.push({
        host: d.sshIp,
        port: c.ssh.port,
        username: c.ssh.user,
        privateKey: c.ssh.privateKey,
        passphrase: c.ssh.passphrase,
        hostKey: hostKeyFor(c.ssh, device),
        insecure: c.ssh.insecure,
        connectTimeoutMs: c.ssh.connectTimeoutSeconds * 1000,
        cluster: name,
      });
    }
  }
  return {
    args,
    topologies,
    fleet: fleetOf(targets, [args.drUser.password]),
    names: Object.keys(args.clusters),
  };
}

/** The node gs_sdr runs on for a cluster. */
export function runNode(ctx: DrContext, cluster: string): ClusterDevice {
  return runNodeOf(ctx.args.clusters[cluster]!, ctx.topologies[cluster]!);
}

/** Runs `command` on a node after sourcing the cluster's env file (`. <envFile>`; no secrets in `command`). */
export async function onNode(
  ctx: DrContext,
  cluster: string,
  host: string,
  command: string,
  opts: ExecOptions,
): Promise<ExecResult> {
  const s: SshSession = await ctx.fleet.session(host);
  const env = ctx.args.clusters[cluster]!.envFile;
  return s.exec(`. ${env} >/dev/null 2>&1; ${command}`, opts);
}

const MARK = "@@HADR@@";

/** Runs several read commands in one round trip and returns each one's stdout by key. */
export async function batch(
  ctx: DrContext,
  cluster: string,
  host: string,
  commands: Record<string, string>,
  step: string,
): Promise<Record<string, string>> {
  const script = Object.entries(commands)
    .map(([k, c]) => `echo ${MARK}${k}; { ${c} ; } 2>&1`)
    .join("; ");
  const r = await onNode(ctx, cluster, host, script, { timeoutMs: READ_TIMEOUT_MS, step });
  const out: Record<string, string> = {};
  for (const part of r.stdout.split(MARK).slice(1)) {
    const nl = part.indexOf("\n");
    out[part.slice(0, nl)] = part.slice(nl + 1);
  }
  for (const k of Object.keys(commands)) {
    if (!(k in out))
      throw new ParseError(`no output for "${k}" from ${host}`, { where: { cluster, node: host, step } });
  }
  return out;
}

const SHOW: DnGuc[] = [
  "synchronous_commit",
  "most_available_sync",
  "wal_keep_segments",
  "stream_cluster_run_mode",
  "enable_dcf",
];

/**
 * Counts, in the installed gs_sdr scripts, the lines only OM master has (releases.ts `MasterMarkers`); `-` for a
 * file that cannot be read.
 */
const MARKER_PROBE = [
  ["impl/streaming_disaster_recovery/streaming_base.py", "status_key/dn_term/0"],
  ["gspylib/component/Kernel/DN_OLAP/DN_OLAP.py", "host    replication    %s"],
  ["impl/streaming_disaster_recovery/params_handler.py", "check_db_password"],
]
  .map(([file, text]) => {
    const f = `"$GPHOME/script/${file}"`;
    return `if [ -r ${f} ]; then grep -cF -- ${shellQuote(text!)} ${f} || true; else echo -; fi`;
  })
  .join("; ");

function markers(text: string): MasterMarkers {
  const [a, b, c] = text.split("\n").map((l) => l.trim());
  const flag = (v: string | undefined): boolean | null =>
    v === undefined || v === "-" || !/^\d+$/.test(v) ? null : Number(v) > 0;
  return { dnTermKey: flag(a), replicationTrust: flag(b), passwordRegex: flag(c) };
}

/** Everything read from one cluster. */
export interface ClusterRead {
  cluster: string;
  status: OmClusterStatus;
  query: SdrQueryResult | null;
  snapshots: DrNodeSnapshot[];
  facts: ClusterFacts;
  /** Third line of `$GPHOME/version.cfg` (commit id), per node. */
  versions: Record<string, string>;
  /** The cluster's OM release (first node's version.cfg line 1 and installed scripts). */
  release: OmRelease;
  /** The DR user as `select usename, userepl` sees it on this cluster's primary: null when it does not exist. */
  drUser: { replication: boolean } | null;
  /** `streaming_lock_*` files per node: node → trace ids. */
  locks: Record<string, string[]>;
  /** Nodes where a gs_sdr process is running. */
  sdrRunning: string[];
}

function value(text: string): string | null {
  const t = text.trim();
  return t === "" ? null : t;
}

/** Reads one node (one round trip). */
async function readNode(
  ctx: DrContext,
  cluster: string,
  device: ClusterDevice,
  dataDir: string,
  haPort: number,
) {
  const cmds: Record<string, string> = {};
  // the active replconninfo lines of the file gs_guc check reads (one process instead of eight)
  cmds["rc"] =
    `grep -E '^[[:space:]]*replconninfo[0-9]+[[:space:]]*=' ${shellQuote(`${dataDir}/postgresql.conf`)}; true`;
  for (const g of SHOW) cmds[g] = `gsql -d postgres -p ${haPort} -t -A -X -c ${shellQuote(`show ${g}`)}`;
  cmds["hba"] = `cat ${shellQuote(`${dataDir}/pg_hba.conf`)}`;
  cmds["cm"] =
    `d=$(cm_ctl view 2>/dev/null | sed -n 's/^cmDataPath *: *//p' | head -1); [ -n "$d" ] && cat "$d/cm_agent/cm_agent.conf" 2>/dev/null | grep -E '^ *agent_backup_open' ; [ -n "$d" ] && cat "$d/cm_server/cm_server.conf" 2>/dev/null | grep -E '^ *backup_open'; true`;
  cmds["version"] = `sed -n 3p "$GPHOME/version.cfg" 2>/dev/null`;
  cmds["release"] = `sed -n 1p "$GPHOME/version.cfg" 2>/dev/null`;
  cmds["markers"] = MARKER_PROBE;
  cmds["hostips"] = "hostname -I 2>/dev/null || true";
  cmds["locks"] = `ls "$PGHOST" 2>/dev/null | sed -n 's/^streaming_lock_//p'`;
  cmds["sdr"] = `ps -eo args | grep -cE '[g]s_sdr(\\.js)? +-t' || true`;
  cmds["facts"] =
    `echo "pguser=\${PGUSER:-$(id -un)}"; echo "iptype=\${IP_TYPE-__unset__}"; echo "osuser=$(id -un)"; cat "$PGHOST/streaming_cabin/.streaming_guc_backup" 2>/dev/null`;
  const out = await batch(ctx, cluster, device.sshIp, cmds, "read node");
  const replconninfo: Record<number, GucValue> = {};
  for (let i = 1; i <= 8; i++) replconninfo[i] = confGucValue(out["rc"]!, `replconninfo${i}`);
  const gucs: Partial<Record<DnGuc, string | null>> = {};
  for (const g of SHOW) gucs[g] = value(out[g]!.split("\n")[0] ?? "");
  const cm = out["cm"]!;
  const agent = /agent_backup_open\s*=\s*(\S+)/.exec(cm)?.[1] ?? null;
  const server = /(?:^|\n)\s*backup_open\s*=\s*(\S+)/.exec(cm)?.[1] ?? null;
  return { out, replconninfo, gucs, agent, server };
}

/** Reads a whole cluster in parallel: every node plus status, query and DR user on the run node. */
export async function readCluster(
  ctx: DrContext,
  cluster: string,
  opts: { query: boolean },
): Promise<ClusterRead> {
  const t = ctx.topologies[cluster]!;
  const run = runNode(ctx, cluster);
  const drUser = ctx.args.drUser.name;
  const [nodes, head] = await Promise.all([
    Promise.all(
      t.dataNodes.map((d) =>
        readNode(ctx, cluster, t.devices.find((x) => x.name === d.name)!, d.dataDir, t.haPort),
      ),
    ),
    batch(
      ctx,
      cluster,
      run.sshIp,
      {
        status: "gs_om -t status --all",
        ...(opts.query ? { query: "gs_sdr -t query" } : {}),
        user: `gsql -d postgres -p ${t.haPort} -t -A -X -c ${shellQuote(`select usename, userepl from pg_user where usename = '${drUser.replace(/'/g, "''")}'`)}`,
      },
      "read cluster",
    ),
  ]);
  const status = parseOmStatus(head["status"]!);
  let query: SdrQueryResult | null = null;
  if (opts.query) {
    try {
      query = parseQueryOutput(head["query"]!);
    } catch {
      query = null;
    }
  }
  const userLine = head["user"]!.split("\n").find((l) => l.startsWith(`${drUser}|`));
  const first = nodes[0]!.out["facts"]!;
  const pgUser = /pguser=(.*)/.exec(first)?.[1]?.trim() || "omm";
  const ip = /iptype=(.*)/.exec(first)?.[1]?.trim();
  const osUser = /osuser=(.*)/.exec(first)?.[1]?.trim() || pgUser;
  const backup = first.split("\n").slice(3).join("\n");
  const snapshots: DrNodeSnapshot[] = t.dataNodes.map((d, i) => {
    const n = nodes[i]!;
    const dn = status.datanodes.find(
      (x) => x.nodeName === d.name || (x.dataPath === d.dataDir && x.nodeIp === d.backIp),
    );
    return {
      cluster,
      node: d.name,
      replconninfo: n.replconninfo,
      gucs: n.gucs,
      cmAgentBackupOpen: n.agent,
      cmServerBackupOpen: n.server,
      pgHba: n.out["hba"]!,
      hostIps: n.out["hostips"]!.split(/\s+/).filter(Boolean),
      ...(dn?.instanceState ? { dnRole: dn.instanceState } : {}),
    };
  });
  const locks: Record<string, string[]> = {};
  const versions: Record<string, string> = {};
  const sdrRunning: string[] = [];
  t.dataNodes.forEach((d, i) => {
    const out = nodes[i]!.out;
    locks[d.sshIp] = out["locks"]!.split("\n")
      .map((l) => l.trim())
      .filter(Boolean);
    versions[d.sshIp] = out["version"]!.trim();
    if (Number(out["sdr"]!.trim() || "0") > 0) sdrRunning.push(d.sshIp);
  });
  return {
    cluster,
    status,
    query,
    snapshots,
    facts: {
      pgUser,
      osUser,
      ipType: ip === "__unset__" || ip === "" ? null : ip === "ipv6" ? "ipv6" : "ipv4",
      ...(backup.trim() ? { streamingGucBackup: backup } : {}),
    },
    versions,
    release: omRelease(value(nodes[0]!.out["release"]!), markers(nodes[0]!.out["markers"]!)),
    drUser: userLine ? { replication: userLine.split("|")[1] === "t" } : null,
    locks,
    sdrRunning,
  };
}

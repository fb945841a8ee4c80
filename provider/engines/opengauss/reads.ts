/**
 * The plan's reads: everything a create or switchover plan and its preflight need from every data node
 * (replconninfo, DN GUCs, pg_hba, CM settings, versions, environment facts) and from the run node (DR user).
 * The commands join one round trip per node: an observation that expects a plan carries them in its own
 * batch (`observe.ts`), and {@link readCluster} runs them alone when it did not. All DN GUCs and the DR user
 * come from one `gsql` per node.
 */
import { shellQuote } from "../../transport/redact";
import type { GucValue } from "./parsers/gucCheck";
import { type OmClusterStatus, parseOmStatus } from "./parsers/omStatus";
import { confGucValue } from "./parsers/postgresqlConf";
import type { ClusterFacts, DnGuc, DrNodeSnapshot } from "./plan/model";
import { type MasterMarkers, type OmRelease, omRelease } from "./releases";
import { batch, type DrContext, joinCommands, runNode } from "./remote";

/** The DN GUCs a plan compares, as `show` answers them. */
const SHOW: DnGuc[] = [
  "synchronous_commit",
  "most_available_sync",
  "wal_keep_segments",
  "stream_cluster_run_mode",
  "enable_dcf",
];

/** Key of the DR-user section in the node's SQL answer. */
const USER_SECTION = "dr_user";

/** Starts each section of the one `gsql` script's answer (`\echo`). */
const SECTION = "@@";

/**
 * One `gsql` for every SQL read of a node: a `\echo` marker before each statement, so a statement that fails
 * (a GUC this release lacks, a DN that is down) leaves its section empty instead of shifting the others.
 * The script reaches gsql on stdin (`-f /dev/stdin`); errors are dropped (an empty section = not read).
 */
export function sqlReadCommand(haPort: number, drUser: string | null): string {
  const lines: string[] = [];
  for (const g of SHOW) lines.push(`\\echo ${SECTION}${g}`, `show ${g};`);
  if (drUser !== null) {
    lines.push(
      `\\echo ${SECTION}${USER_SECTION}`,
      `select usename, userepl from pg_user where usename = '${drUser.replace(/'/g, "''")}';`,
    );
  }
  return `printf '%s\\n' ${lines.map(shellQuote).join(" ")} | gsql -d postgres -p ${haPort} -t -A -X -f /dev/stdin 2>/dev/null`;
}

/** Splits the `gsql` answer into its sections: name → the lines after its marker (none when it failed). */
export function sqlSections(text: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let current: string[] | null = null;
  for (const line of text.replace(/\n$/, "").split("\n")) {
    if (line.startsWith(SECTION)) {
      current = [];
      out[line.slice(SECTION.length).trim()] = current;
    } else if (current !== null) current.push(line);
  }
  return out;
}

/**
 * Counts, in the installed gs_sdr scripts, the lines only OM master has (releases.ts `MasterMarkers`); `-` for a
 * file that cannot be read.
 */
const MARKER_PROBE = [
  ["impl/streaming_disaster_recovery/streaming_base.py", "status_key/dn_term/0"],
  ["gspylib/component/Kernel/DN_OLAP/DN_OLAP.py", "host    replication    %s"],
  // the call, not the name: every release carries the comment `# check_db_password will be used in cloud scene`
  ["impl/streaming_disaster_recovery/params_handler.py", "SecurityChecker.check_db_password("],
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

/** Everything a plan reads from one cluster. */
export interface ClusterRead {
  cluster: string;
  status: OmClusterStatus;
  snapshots: DrNodeSnapshot[];
  facts: ClusterFacts;
  /** Third line of `$GPHOME/version.cfg` (commit id), per node. */
  versions: Record<string, string>;
  /** The cluster's OM release (first node's version.cfg line 1 and installed scripts). */
  release: OmRelease;
  /** The DR user as `select usename, userepl` sees it on this cluster's primary: null when it does not exist. */
  drUser: { replication: boolean } | null;
}

function value(text: string): string | null {
  const t = text.trim();
  return t === "" ? null : t;
}

/** The plan's read commands for one data node (the run node also reads the DR user), for {@link batch}. */
function nodeReadCommands(
  ctx: DrContext,
  cluster: string,
  dataDir: string,
  withDrUser: boolean,
): Record<string, string> {
  const t = ctx.topologies[cluster]!;
  return {
    // the active replconninfo lines of the file gs_guc check reads (one process instead of eight)
    rc: `grep -E '^[[:space:]]*replconninfo[0-9]+[[:space:]]*=' ${shellQuote(`${dataDir}/postgresql.conf`)}; true`,
    sql: sqlReadCommand(t.haPort, withDrUser ? ctx.args.drUser.name : null),
    hba: `cat ${shellQuote(`${dataDir}/pg_hba.conf`)}`,
    cm: `d=$(cm_ctl view 2>/dev/null | sed -n 's/^cmDataPath *: *//p' | head -1); [ -n "$d" ] && cat "$d/cm_agent/cm_agent.conf" 2>/dev/null | grep -E '^ *agent_backup_open' ; [ -n "$d" ] && cat "$d/cm_server/cm_server.conf" 2>/dev/null | grep -E '^ *backup_open'; true`,
    version: `sed -n 3p "$GPHOME/version.cfg" 2>/dev/null`,
    release: `sed -n 1p "$GPHOME/version.cfg" 2>/dev/null`,
    omMarkers: MARKER_PROBE,
    hostips: "hostname -I 2>/dev/null || true",
    facts: `echo "pguser=\${PGUSER:-$(id -un)}"; echo "iptype=\${IP_TYPE-__unset__}"; echo "osuser=$(id -un)"; cat "$PGHOST/streaming_cabin/.streaming_guc_backup" 2>/dev/null`,
  };
}

/** One node's snapshot from its answers to {@link nodeReadCommands}. */
function snapshotOf(
  cluster: string,
  node: string,
  out: Record<string, string>,
  status: OmClusterStatus,
  dn: { dataDir: string; backIp: string },
): DrNodeSnapshot {
  const replconninfo: Record<number, GucValue> = {};
  for (let i = 1; i <= 8; i++) replconninfo[i] = confGucValue(out["rc"]!, `replconninfo${i}`);
  const sections = sqlSections(out["sql"]!);
  const gucs: Partial<Record<DnGuc, string | null>> = {};
  for (const g of SHOW) {
    const lines = sections[g];
    if (lines && lines.length > 0) gucs[g] = value(lines[0]!);
  }
  const cm = out["cm"]!;
  const state = status.datanodes.find(
    (x) => x.nodeName === node || (x.dataPath === dn.dataDir && x.nodeIp === dn.backIp),
  )?.instanceState;
  return {
    cluster,
    node,
    replconninfo,
    gucs,
    cmAgentBackupOpen: /agent_backup_open\s*=\s*(\S+)/.exec(cm)?.[1] ?? null,
    cmServerBackupOpen: /(?:^|\n)\s*backup_open\s*=\s*(\S+)/.exec(cm)?.[1] ?? null,
    pgHba: out["hba"]!,
    hostIps: out["hostips"]!.split(/\s+/).filter(Boolean),
    ...(state ? { dnRole: state } : {}),
  };
}

/**
 * A cluster's plan read from its status, each data node's answers to {@link nodeReadCommands} (topology
 * order) and the run node's (its SQL section has the DR user).
 */
export function clusterReadOf(
  ctx: DrContext,
  cluster: string,
  status: OmClusterStatus,
  outs: Array<Record<string, string>>,
  runOut: Record<string, string>,
): ClusterRead {
  const t = ctx.topologies[cluster]!;
  const drUser = ctx.args.drUser.name;
  const userLine = (sqlSections(runOut["sql"] ?? "")[USER_SECTION] ?? []).find((l) =>
    l.startsWith(`${drUser}|`),
  );
  const first = outs[0]!["facts"]!;
  const pgUser = /pguser=(.*)/.exec(first)?.[1]?.trim() || "omm";
  const ip = /iptype=(.*)/.exec(first)?.[1]?.trim();
  const osUser = /osuser=(.*)/.exec(first)?.[1]?.trim() || pgUser;
  const backup = first.split("\n").slice(3).join("\n");
  const versions: Record<string, string> = {};
  t.dataNodes.forEach((d, i) => {
    versions[d.sshIp] = outs[i]!["version"]!.trim();
  });
  return {
    cluster,
    status,
    snapshots: t.dataNodes.map((d, i) => snapshotOf(cluster, d.name, outs[i]!, status, d)),
    facts: {
      pgUser,
      osUser,
      ipType: ip === "__unset__" || ip === "" ? null : ip === "ipv6" ? "ipv6" : "ipv4",
      ...(backup.trim() ? { streamingGucBackup: backup } : {}),
    },
    versions,
    release: omRelease(value(outs[0]!["release"]!), markers(outs[0]!["omMarkers"]!)),
    drUser: userLine ? { replication: userLine.split("|")[1] === "t" } : null,
  };
}

/**
 * The plan's commands per host of a cluster: every data node's {@link nodeReadCommands}, and on the run node
 * (a data node or not) `extra` plus the DR user's SQL. Hosts in topology order, the run node last when it runs
 * no DN.
 */
export function planCommands(
  ctx: DrContext,
  cluster: string,
  extra: Record<string, string>,
): Array<{ host: string; commands: Record<string, string> }> {
  const t = ctx.topologies[cluster]!;
  const run = runNode(ctx, cluster).sshIp;
  const out = t.dataNodes.map((d) => ({
    host: d.sshIp,
    commands: joinCommands(
      nodeReadCommands(ctx, cluster, d.dataDir, d.sshIp === run),
      d.sshIp === run ? extra : {},
    ),
  }));
  if (!t.dataNodes.some((d) => d.sshIp === run))
    out.push({
      host: run,
      commands: joinCommands(extra, { sql: sqlReadCommand(t.haPort, ctx.args.drUser.name) }),
    });
  return out;
}

/** Reads a whole cluster for a plan, every node in parallel (one round trip each; the run node adds status). */
export async function readCluster(ctx: DrContext, cluster: string): Promise<ClusterRead> {
  const t = ctx.topologies[cluster]!;
  const run = runNode(ctx, cluster).sshIp;
  const hosts = planCommands(ctx, cluster, { status: "gs_om -t status --all" });
  const outs = await Promise.all(hosts.map((h) => batch(ctx, cluster, h.host, h.commands, "read node")));
  const runOut = outs[hosts.findIndex((h) => h.host === run)]!;
  return clusterReadOf(
    ctx,
    cluster,
    parseOmStatus(runOut["status"]!),
    outs.slice(0, t.dataNodes.length),
    runOut,
  );
}

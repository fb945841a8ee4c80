/**
 * One observation of both clusters, for the decision core: per cluster, in parallel, one round trip per
 * node. A cluster whose run node does not answer SSH (connect refused, no route, timeout) or that has no
 * DN running is observed as unreachable — a state, never an error, because the primary site being gone is
 * exactly when a failover is needed. Host-key and authentication failures stay errors: they are never a
 * reason to fail over.
 */
import { warn } from "../../core/progress";
import { ParseError, SshConnectError } from "../../errors";
import type { ClusterView, LockView } from "./decide";
import { DRILL_MARKERS, type DrillMarker, parseDrillMarkers } from "./drill/marker";
import { FENCE_PROBE } from "./fence";
import { type OmClusterStatus, parseOmStatus } from "./parsers/omStatus";
import { parseQueryOutput, type SdrQueryResult } from "./parsers/query";
import { type ClusterRead, clusterReadOf, planCommands } from "./reads";
import { batch, type DrContext, joinCommands, runNode } from "./remote";

/** Where our run markers and gs_sdr output copies live on a run node (`runs/<stamp>-<task>.run|.out`). */
export const RUNS_DIR = "$HOME/.pulumi-hadr/runs";

/** What our own runs are known by: trace ids recorded in state, and the owner tag written in run markers. */
export interface Ownership {
  traces: string[];
  owner: string;
}

/** One cluster as observed, with the raw reads kept for outputs and messages. */
export interface ClusterObservation {
  view: ClusterView;
  /**
   * What the cheap probe ({@link FINGERPRINT_PROBES}) read on every node (`unreachable` when the run node did
   * not answer): equal fingerprints mean no gs_sdr ran, started or left a lock or step in between.
   */
  fingerprint: string;
  status: OmClusterStatus | null;
  query: SdrQueryResult | null;
  /** Our run markers on the run node: file → {pid, task, trace}. */
  markers: RunMarker[];
  /** Drill markers on the run node (`drill/marker.ts`): which drill ids ran here and how they ended. */
  drills: DrillMarker[];
  /** The plan's reads, when the observation was asked for them and every data node answered. */
  read?: ClusterRead;
}

/** A run marker left by {@link RUNS_DIR} before gs_sdr started. */
interface RunMarker {
  file: string;
  owner: string;
  pid: string;
  task: string;
  trace: string | null;
  alive: boolean;
}

/** The ps probe: only gs_sdr's own process of a mutating task (never a shell that mentions `gs_sdr -t query`). */
const RUNNING_PROBE =
  "ps -eo pid=,args= | grep -E '[g]s_sdr(\\.py|\\.js)? +-t +(start|stop|switchover|failover)' | sed -E 's/^ *([0-9]+) .* -t +([a-z]+).*/\\1 \\2/'";

const MARKERS = `for f in ${RUNS_DIR}/*.run; do [ -f "$f" ] || continue; p=$(sed -n 's/.*pid=\\([0-9]*\\).*/\\1/p' "$f"); t=$(grep -ho "^\\[[0-9a-f]\\{32\\}\\]\\[[^]]*\\]\\[$p\\]" "\${GAUSSLOG:-/nonexistent}"/om/gs_sdr-*.log 2>/dev/null | head -1 | cut -c2-33); a=dead; [ -n "$p" ] && grep -aq gs_sdr "/proc/$p/cmdline" 2>/dev/null && a=alive; echo "file=$f $(tr '\\n' ' ' < "$f") logtrace=$t state=$a"; done; true`;

function field(line: string, key: string): string | null {
  const m = new RegExp(`(?:^| )${key}=(\\S*)`).exec(line);
  return m?.[1] ? m[1] : null;
}

/** Parses the marker lines of {@link MARKERS}. */
function parseMarkers(text: string): RunMarker[] {
  return text
    .split("\n")
    .filter((l) => l.startsWith("file="))
    .map((l) => ({
      file: field(l, "file") ?? "",
      owner: field(l, "owner") ?? "",
      pid: field(l, "pid") ?? "",
      task: field(l, "task") ?? "",
      trace: field(l, "trace") ?? field(l, "logtrace"),
      alive: field(l, "state") === "alive",
    }));
}

const STEP_FILES = `ls -a "$PGHOST/streaming_cabin" 2>/dev/null | sed -n 's/^\\.streaming_\\(.*\\)\\.step$/\\1/p'`;
const AGENT_BACKUP_OPEN = `d=$(cm_ctl view 2>/dev/null | sed -n 's/^cmDataPath *: *//p' | head -1); [ -n "$d" ] && grep -E '^ *agent_backup_open' "$d/cm_agent/cm_agent.conf" 2>/dev/null; true`;

const CLUSTER_STAT = `cat "$PGHOST/streaming_cabin/.hadr_cluster_stat" 2>/dev/null; true`;

/**
 * The cheap probe of a cluster, run on every data node (shell only, no vendor tool): gs_sdr's lock files, its
 * running mutating tasks, the recorded `.hadr_cluster_stat` and the step files. Part of every observation, and
 * alone what apply reads to tell whether check()'s observation still holds.
 */
const FINGERPRINT_PROBES: Readonly<Record<string, string>> = {
  locks: `ls "$PGHOST" 2>/dev/null | sed -n 's/^streaming_lock_//p'`,
  running: RUNNING_PROBE,
  stat: CLUSTER_STAT,
  steps: STEP_FILES,
};

/** The fingerprint of one cluster from each host's probe outputs (host order as in the topology). */
function fingerprintOf(outputs: Array<{ host: string; out: Record<string, string> | null }>): string {
  return JSON.stringify(
    outputs.map(({ host, out }) => [
      host,
      out ? Object.keys(FINGERPRINT_PROBES).map((k) => (out[k] ?? "").trim()) : "no answer",
    ]),
  );
}

/** Reads the fingerprint of one cluster: one batch of {@link FINGERPRINT_PROBES} per data node, in parallel. */
export async function readFingerprint(ctx: DrContext, cluster: string): Promise<string> {
  const hosts = ctx.topologies[cluster]!.dataNodes.map((d) => d.sshIp);
  const run = runNode(ctx, cluster).sshIp;
  const outs = await Promise.all(
    hosts.map((h) =>
      batch(ctx, cluster, h, { ...FINGERPRINT_PROBES }, "fingerprint").then(
        (out) => ({ host: h, out }),
        (error: unknown) => {
          if (h === run && error instanceof SshConnectError) return { host: h, out: null, unreachable: true };
          if (error instanceof SshConnectError) return { host: h, out: null };
          throw error;
        },
      ),
    ),
  );
  // As observeCluster: a run node that does not answer makes the cluster unreachable unless another DN does.
  const down = outs.some((o) => "unreachable" in o) && !outs.some((o) => o.out !== null);
  return down ? "unreachable" : fingerprintOf(outs);
}

function lines(text: string | undefined): string[] {
  return (text ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
}

function unreachable(name: string, reason: string): ClusterObservation {
  return {
    view: {
      name,
      reachable: false,
      unreachableReason: reason,
      stat: null,
      status: null,
      clusterState: null,
      allDnNormal: false,
      disasterCluster: false,
      stepFiles: [],
      locks: [],
      running: [],
      rpoSeconds: null,
      rtoSeconds: null,
    },
    status: null,
    query: null,
    markers: [],
    drills: [],
    fingerprint: "unreachable",
  };
}

const LIVE_DN_STATES = ["Primary", "Standby", "Main Standby", "Cascade Standby"];

/**
 * What an observation of one cluster runs, per host (data nodes in topology order, then the run node if it runs
 * no DN): {@link FINGERPRINT_PROBES} everywhere; status, query, CM agent setting and run markers on the run node;
 * with `withPlanReads`, the plan's reads too (`reads.ts`).
 */
export function observeCommands(
  ctx: DrContext,
  cluster: string,
  withPlanReads: boolean,
): Array<{ host: string; commands: Record<string, string> }> {
  const run = runNode(ctx, cluster).sshIp;
  const dnHosts = ctx.topologies[cluster]!.dataNodes.map((d) => d.sshIp);
  // The plan's reads of a data node include its CM settings: agent_backup_open comes from there then.
  const head = {
    status: "gs_om -t status --all",
    query: "gs_sdr -t query",
    ...(withPlanReads && dnHosts.includes(run) ? {} : { agent: AGENT_BACKUP_OPEN }),
    markers: MARKERS,
    fence: FENCE_PROBE,
    drills: DRILL_MARKERS,
  };
  const perHost = withPlanReads
    ? planCommands(ctx, cluster, head)
    : [...new Set([...dnHosts, run])].map((host) => ({ host, commands: host === run ? head : {} }));
  return perHost.map(({ host, commands }) => ({
    host,
    commands: joinCommands(FINGERPRINT_PROBES, commands),
  }));
}

/**
 * A vendor output parsed, or null when it does not have the documented form (a cluster whose CM or DNs are
 * down prints errors instead): the observation goes on with that fact unknown, and a warning says which output
 * was not understood, so a decision made without it is never a silent one. Anything but a parse failure is a
 * bug and is thrown.
 */
function readOrNull<T>(cluster: string, what: string, parse: () => T): T | null {
  try {
    return parse();
  } catch (e) {
    if (!(e instanceof ParseError)) throw e;
    warn(
      "observe",
      `${cluster}: the output of \`${what}\` was not understood (${e.message}); read as unknown`,
    );
    return null;
  }
}

/**
 * Observes one cluster: the run node's status, query, step files and markers, and every node's locks and gs_sdr
 * processes; with `withPlanReads`, the plan's reads join the same round trip per node (`reads.ts`).
 */
async function observeCluster(
  ctx: DrContext,
  cluster: string,
  own: Ownership,
  withPlanReads = false,
): Promise<ClusterObservation> {
  const t = ctx.topologies[cluster]!;
  const run = runNode(ctx, cluster);
  const dnHosts = t.dataNodes.map((d) => d.sshIp);
  const perHost = observeCommands(ctx, cluster, withPlanReads);
  const reads = await Promise.all(
    perHost.map(({ host, commands }) =>
      batch(ctx, cluster, host, commands, "observe").then(
        (out) => ({ host, out, error: null as unknown }),
        (error: unknown) => ({ host, out: null, error }),
      ),
    ),
  );
  let runRead = reads.find((r) => r.host === run.sshIp)!;
  let substitute: ClusterView["substituteRunNode"];
  if (!runRead.out) {
    if (!(runRead.error instanceof SshConnectError)) throw runRead.error;
    const other = await substituteRead(ctx, cluster, reads);
    if (!other) return unreachable(cluster, runRead.error.message);
    substitute = { host: other.host, runNodeDown: `${run.name}: ${runRead.error.message}` };
    runRead = { ...other, error: null };
  }
  const out = runRead.out!;
  const status = readOrNull(cluster, "gs_om -t status", () => parseOmStatus(out["status"]!));
  const query = readOrNull(cluster, "gs_sdr -t query", () => parseQueryOutput(out["query"]!));
  const liveDns = status?.datanodes.filter((d) => LIVE_DN_STATES.includes(d.instanceState ?? "")) ?? [];
  if (status && liveDns.length === 0 && status.status === "Abnormal") {
    return unreachable(cluster, `no DN of ${cluster} runs (cluster_state ${status.clusterState})`);
  }
  const markers = parseMarkers(out["markers"]!).filter((m) => m.owner === own.owner);
  const ourTraces = new Set([...own.traces, ...markers.map((m) => m.trace).filter((x): x is string => !!x)]);
  const locks: LockView[] = [];
  const running: string[] = [];
  for (const r of reads) {
    if (!r.out) continue; // a standby host that does not answer: its locks cannot be seen (gs_sdr skips it too)
    for (const trace of lines(r.out["locks"]))
      locks.push({ node: r.host, trace, ours: ourTraces.has(trace) });
    for (const p of lines(r.out["running"])) running.push(`${p.split(" ")[1] ?? "gs_sdr"}@${r.host}`);
  }
  const agent = /agent_backup_open\s*=\s*(\d)/.exec(out["agent"] ?? out["cm"] ?? "")?.[1];
  return {
    view: {
      name: cluster,
      reachable: true,
      stat: query?.hadrClusterStat ?? null,
      status: status?.status ?? null,
      clusterState: status?.clusterState ?? null,
      allDnNormal:
        status !== null &&
        status.datanodes.length > 0 &&
        status.datanodes.every((d) => status!.normalDnIds.includes(d.instanceId)),
      disasterCluster: agent === "1" || agent === "2",
      stepFiles: lines(out["steps"]),
      locks,
      running,
      rpoSeconds: query?.rpoSeconds ?? null,
      rtoSeconds: query?.rtoSeconds ?? null,
      fenced: (out["fence"] ?? "").trim() !== "",
      ...(substitute ? { substituteRunNode: substitute } : {}),
    },
    status,
    query,
    markers,
    drills: parseDrillMarkers(out["drills"]),
    fingerprint: fingerprintOf(reads.filter((r) => dnHosts.includes(r.host))),
    ...(withPlanReads && status ? planRead(ctx, cluster, status, reads, run.sshIp) : {}),
  };
}

/**
 * When the run node does not answer: the run node's reads (status, query, step files, markers) from the first
 * other DN host that answered, or null when none did. gs_sdr's step files are node-local, so that host's own
 * are what a gs_sdr run there would see.
 */
async function substituteRead(
  ctx: DrContext,
  cluster: string,
  reads: Array<{ host: string; out: Record<string, string> | null }>,
): Promise<{ host: string; out: Record<string, string> } | null> {
  const host = reads.find((r) => r.out !== null)?.host;
  if (!host) return null;
  const commands = observeCommands(ctx, cluster, false).find((c) => c.host === runNode(ctx, cluster).sshIp)!;
  try {
    return { host, out: await batch(ctx, cluster, host, commands.commands, "observe (run node down)") };
  } catch (error) {
    if (error instanceof SshConnectError) return null;
    throw error;
  }
}

/** The plan's reads out of an observation's answers, when every data node answered. */
function planRead(
  ctx: DrContext,
  cluster: string,
  status: OmClusterStatus,
  reads: Array<{ host: string; out: Record<string, string> | null }>,
  run: string,
): { read?: ClusterRead } {
  const dns = ctx.topologies[cluster]!.dataNodes.map((d) => reads.find((r) => r.host === d.sshIp)?.out);
  const runOut = reads.find((r) => r.host === run)?.out;
  if (!runOut || dns.some((o) => !o)) return {};
  return { read: clusterReadOf(ctx, cluster, status, dns as Array<Record<string, string>>, runOut) };
}

/** Observes both clusters in parallel (with the plan's reads when a plan is expected). */
export async function observe(
  ctx: DrContext,
  own: Ownership,
  withPlanReads = false,
): Promise<Record<string, ClusterObservation>> {
  const obs = await Promise.all(ctx.names.map((n) => observeCluster(ctx, n, own, withPlanReads)));
  return Object.fromEntries(obs.map((o) => [o.view.name, o]));
}

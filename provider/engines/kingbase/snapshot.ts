/**
 * What was read from one KingbaseES node (`NodeSnapshot`, filled by the I/O layer) and what it amounts to
 * (`effectiveState`): effective values, the mode, pending restart (V8R6) and drift. Pure: no I/O here.
 */

import type { CronScan } from "./cronFile";
import type { PolicyMode, PolicySpec } from "./schema";
import { versionOf } from "./versions";
import type { V8r3NodeSnapshot } from "./versions/v8r3";
import type { V8r6NodeSnapshot } from "./versions/v8r6";

/** Facts about one V8R6 daemon (repmgrd or kbha). */
export interface DaemonFacts {
  /** PID from the pid file when that process is alive, else null (not running). */
  pid: number | null;
  /** Process start time in ms since the epoch (`ps -o lstart=`, second resolution), null when unknown. */
  startTimeMs: number | null;
  /** The `recovery` value the daemon loaded, when it can be known (e.g. a daemon that records it); else absent. */
  loadedRecovery?: string | null;
}

export {
  parseRecoveryFlag,
  type V8r3NodeSnapshot,
} from "./versions/v8r3";
export type { V8r6NodeSnapshot } from "./versions/v8r6";

/** Everything read from one node. */
export type NodeSnapshot = V8r3NodeSnapshot | V8r6NodeSnapshot;

/** Effective V8R3 values of one node. */
interface V8r3Effective {
  /** The network_rewind cron line scan. */
  cron: CronScan;
  /** Effective `AUTO_PRIMARY_RECOVERY` of the db copy (raw value and vendor meaning), null if the file is missing. */
  aprDb: { value: string | null; enabled: boolean } | null;
  /** Same for the kingbasecluster copy. */
  aprCluster: { value: string | null; enabled: boolean } | null;
  /** `KB_GATEWAY_IP` of the db copy (trusted IPs for self-fencing), null when unset. */
  gatewayIps: string | null;
  /** `SYNC_FLAG` of the db copy (1 synchronous, 0 asynchronous), null when unset. */
  syncFlag: string | null;
}

/** Effective V8R6 values of one node. */
interface V8r6Effective {
  /** Last uncommented `recovery`, null when not set or the file is missing. */
  recovery: string | null;
  /** Last uncommented `failover`. */
  failover: string | null;
  /** Last uncommented `synchronous`. */
  synchronous: string | null;
  /** Last uncommented `trusted_servers` (self-isolation detection), null when unset. */
  trustedServers: string | null;
}

/** What one node's snapshot amounts to. */
export interface NodeState {
  /** Node host. */
  host: string;
  /** The mode the node's files amount to, or `custom`. */
  mode: PolicyMode | "custom";
  /** Why `custom`. */
  reasons: string[];
  /** V8R6: true when the daemons run with an older file than the one on disk; null when unknown; V8R3: false. */
  pendingRestart: boolean | null;
  /** True while a V8R3 network_rewind.sh recovery runs (`KB_RECOVERY_FLAG`). */
  recoveryInProgress: boolean;
  /** Differences from the declared mode. */
  drift: string[];
  /** Remarks found while reading (file format, missing files, daemons not running). */
  warnings: string[];
  /** V8R3 details. */
  v8r3?: V8r3Effective;
  /** V8R6 details. */
  v8r6?: V8r6Effective;
}

/**
 * Effective state of one node. `desired` (the declared mode, if any) turns differences into drift reasons.
 * Throws nothing; missing files show as `custom` with a reason or as a warning.
 */
export function effectiveState(snapshot: NodeSnapshot, args: PolicySpec, desired?: PolicyMode): NodeState {
  return versionOf(snapshot.engine).state(snapshot, args, desired);
}

/** The whole cluster: per-node states plus drift when nodes disagree. */
export interface ClusterState {
  /** Per node, in input order. */
  nodes: NodeState[];
  /** True when every node amounts to the same mode (or all are `custom`). */
  agreed: boolean;
  /** Cluster-wide drift reasons (nodes disagreeing). */
  drift: string[];
}

/** Effective state of every node and whether they agree (whichever node is primary acts on failed nodes). */
export function clusterState(
  snapshots: readonly NodeSnapshot[],
  args: PolicySpec,
  desired?: PolicyMode,
): ClusterState {
  const nodes = snapshots.map((s) => effectiveState(s, args, desired));
  const modes = new Set(nodes.map((n) => n.mode));
  const agreed = modes.size <= 1;
  const drift = agreed ? [] : [`nodes disagree: ${nodes.map((n) => `${n.host}=${n.mode}`).join(", ")}`];
  return { nodes, agreed, drift };
}

/** Why a required file is missing, with a hint when the host looks like the other KingbaseES version. */
export function missingFileReason(path: string, s: NodeSnapshot): string {
  if (s.otherEngineFile) {
    const other = versionOf(s.engine).otherEngine;
    return `${path} does not exist, but ${s.otherEngineFile} does: this looks like a ${other} host; check engine (and paths)`;
  }
  return `${path} does not exist; check engine and paths (vendor defaults unless paths says otherwise)`;
}

/**
 * The DR plan's data model. A plan says exactly which GUCs and pg_hba lines gs_sdr will change on every node,
 * computed before anything runs (what `pulumi preview` shows), from the two topologies, which cluster is primary
 * and a per-node {@link DrNodeSnapshot} of current values (docs/vendor/opengauss-gs_sdr.md §3). One module per
 * operation: create.ts (§3.1–3.3), switchover.ts (§3.4–3.5), delete.ts (§3.6–3.8); common.ts holds the builder
 * they share, render.ts the preview lines.
 *
 * Plans are deterministic: clusters sorted by name, nodes in dataNode1 order (then the other devices), GUCs in a
 * fixed order, pg_hba edits in the order gs_sdr applies them. They contain no secrets (no password, no key, no
 * DR user name). Types and constants only.
 */
import type { ClusterTopology } from "../clusterXml";
import type { DrParams } from "../drParams";
import type { GucValue } from "../parsers/gucCheck";
import type { OmBehaviour } from "../releases";

/** Maximum replconninfo slots of a DN. */
export const MAX_REPLCONNINFO = 8;
/** The temporary `wal_keep_segments` gs_sdr sets on the primary cluster's primary DN during start. */
export const START_WAL_KEEP_SEGMENTS = "16384";

/** DN GUCs a snapshot may carry besides replconninfo. */
export type DnGuc =
  | "synchronous_commit"
  | "most_available_sync"
  | "wal_keep_segments"
  | "stream_cluster_run_mode"
  | "enable_dcf"
  | "default_transaction_read_only";

/** A value in a snapshot: a {@link GucValue}, a plain string (= set to it), or null (= unset). Absent = not read. */
export type SnapshotValue = GucValue | string | null;

/** Current values on one node, read before planning (by gs_guc check / show / cat). */
export interface DrNodeSnapshot {
  /** Cluster name (as in the resource inputs). */
  cluster: string;
  /** Node (DEVICE) name. */
  node: string;
  /** `replconninfo1`..`8` as `gs_guc check` reports them (index → value). */
  replconninfo?: Partial<Record<number, SnapshotValue>>;
  /** Other DN GUCs; `wal_keep_segments`/`synchronous_commit` should be what `show` returns (gs_sdr records those). */
  gucs?: Partial<Record<DnGuc, SnapshotValue>>;
  /** cm_server `backup_open` on this node (if it runs a cm_server). */
  cmServerBackupOpen?: SnapshotValue;
  /** cm_agent `agent_backup_open` on this node. */
  cmAgentBackupOpen?: SnapshotValue;
  /** The DN's pg_hba.conf text. */
  pgHba?: string;
  /** The DN's `instance_state` from `gs_om -t status --all` (Primary, Standby, Main Standby, Cascade Standby, …). */
  dnRole?: string;
  /** The DN host's addresses (`hostname -I`): gs_sdr picks the DN's stream pair by them. */
  hostIps?: string[];
}

/** Facts about one cluster's environment. */
export interface ClusterFacts {
  /** PGUSER, the pg_hba user (defaults to the OS user, `omm`). */
  pgUser?: string;
  /** The OS user gs_sdr runs as: the DCC key prefix (default {@link pgUser}). */
  osUser?: string;
  /** `IP_TYPE` from the env file; null when it is not exported (gs_sdr then writes an empty CIDR segment). Default ipv4. */
  ipType?: "ipv4" | "ipv6" | null;
  /** Content of `streaming_cabin/.streaming_guc_backup` (delete plans). */
  streamingGucBackup?: string;
}

/** Everything the planner needs. */
export interface PlanInput {
  /** Both clusters, by name. */
  topologies: Record<string, ClusterTopology>;
  /** The primary cluster (before the operation). */
  primary: string;
  /** Current values per node (any order). */
  snapshots: readonly DrNodeSnapshot[];
  /** Per-cluster environment facts. */
  facts?: Record<string, ClusterFacts>;
  /** Node gs_sdr runs on per cluster (default: the master node). */
  runNodes?: Record<string, string>;
  /** Per cluster, what its OM release does differently (releases.ts); default OM master. */
  releases?: Record<string, OmBehaviour>;
}

/** A planned value; `unknown` when it was not read. */
export type PlanValue = GucValue | { state: "unknown" };

/** One GUC/CM/DCC change. */
export interface GucChange {
  /** Cluster name. */
  cluster: string;
  /** Node name, or `*` for a cluster-wide (DCC) setting. */
  node: string;
  /** Which configuration it lives in. */
  component: "datanode" | "cmserver" | "cmagent" | "dcc";
  /** Parameter name (for DCC: the key). */
  name: string;
  /** Value now. */
  current: PlanValue;
  /** Value after the operation (for a temporary change: during it). */
  planned: PlanValue;
  /** How gs_sdr applies it: `reload` (takes effect now), `set` (file; needs a restart), `dcc` (cm_ctl ddb --put). */
  how: "reload" | "set" | "dcc";
  /** gs_sdr writes the planned (and restored) value quoted (`wal_keep_segments = '128'` on some releases). */
  quoted?: boolean;
  /** Set when gs_sdr reverts the change itself at the end of the operation. */
  temporary?: {
    /** Value it is restored to. */
    restoredTo: PlanValue;
    /** When. */
    when: string;
  };
}

/** One pg_hba edit. */
export interface HbaChange {
  /** Cluster name. */
  cluster: string;
  /** Node name. */
  node: string;
  /** add a line, replace/uncomment a matching entry, comment one out; `set` when the file was not read. */
  action: "add" | "replace" | "uncomment" | "comment-out" | "set";
  /** The line as it will be in the file (for comment-out: the entry identified, without `#`). */
  line: string;
  /** The line it replaces (replace/uncomment/comment-out). */
  previous?: string;
}

/** Something the user should know that is not a change gs_sdr makes (side effects left behind, assumptions). */
export interface PlanNote {
  /** Cluster it concerns, if one. */
  cluster?: string;
  /** Node it concerns, if one. */
  node?: string;
  /** The note. */
  message: string;
}

/** Something gs_sdr would fail on, found in the snapshot. */
export interface PlanProblem {
  /** Cluster. */
  cluster: string;
  /** Node, if one. */
  node?: string;
  /** What is wrong and what to do. */
  message: string;
}

/** One gs_sdr invocation of the operation. */
export interface PlanStep {
  /** Cluster it runs on. */
  cluster: string;
  /** Node it runs on. */
  node: string;
  /** The command, without credentials or file paths. */
  command: string;
}

/** The whole plan. */
export interface DrPlan {
  /** Operation planned. */
  operation: "create" | "delete" | "switchover";
  /** Primary cluster after the operation (delete: the cluster left standing as primary). */
  primary: string;
  /** gs_sdr invocations. */
  steps: PlanStep[];
  /** Derived DR params per cluster (create). */
  drParams: Record<string, DrParams>;
  /** GUC, CM and DCC changes. */
  gucs: GucChange[];
  /** pg_hba edits. */
  hba: HbaChange[];
  /** Notes. */
  notes: PlanNote[];
  /** Problems gs_sdr would hit. Empty when the operation can proceed. */
  problems: PlanProblem[];
}

/**
 * Safety warnings of a `RecoveryPolicy` (docs/vendor/kingbase-recovery.md §4) as data: a stable code, a text, and the
 * hosts concerned. Shown in preview; none of them blocks (blocking rules live in validation and the plan).
 */
import type { PolicySpec } from "./schema";
import type { ClusterState } from "./snapshot";
import { versionOf } from "./versions";

/** Stable warning codes. */
export type WarningCode =
  | "AUTOMATIC_DISCARDS_TRANSACTIONS"
  | "AUTOMATIC_ASYNC_REPLICATION"
  | "AUTOMATIC_WITHOUT_FENCING"
  | "V8R3_MANUAL_DISABLES_FENCING"
  | "V8R3_MONITOR_RESTART_REENABLES_CRON"
  | "V8R6_FAILOVER_MANUAL_WITH_AUTOMATIC"
  | "V8R6_STANDBY_UNKNOWN_ON_OLD_BUILDS"
  | "V8R6_FILE_ONLY"
  | "V8R6_PENDING_RESTART"
  | "NODES_DISAGREE"
  | "RECOVERY_IN_PROGRESS"
  | "NODE_REMARK";

/** One warning. */
export interface PolicyWarning {
  /** Stable code. */
  code: WarningCode;
  /** What can happen and what to do. */
  text: string;
  /** Hosts concerned; empty for a cluster-wide warning. */
  hosts: string[];
}

/** The fixed text of each warning (NODE_REMARK texts come from the reader). */
const WARNING_TEXTS: Readonly<Record<WarningCode, string>> = {
  AUTOMATIC_DISCARDS_TRANSACTIONS:
    "automatic rewinds a returning old primary (sys_rewind) and rejoins it as a standby without a human look: " +
    "transactions it committed that were not replicated before the failover are discarded.",
  AUTOMATIC_ASYNC_REPLICATION:
    "replication is asynchronous on these nodes, so a failover can lose recent transactions and automatic then " +
    "discards them for good on the old primary.",
  AUTOMATIC_WITHOUT_FENCING:
    "no trusted servers are configured on these nodes (V8R3 KB_GATEWAY_IP / V8R6 trusted_servers): an isolated " +
    "old primary does not fence itself, and rejoining it automatically risks split brain.",
  V8R3_MANUAL_DISABLES_FENCING:
    "manual on V8R3 comments the network_rewind.sh cron line, which also stops that script's fencing: a returning " +
    "old primary is no longer stopped, and trusted-IP and disk checks no longer stop the database and drop the VIP " +
    "(the split-brain guard). To only forbid old-primary rewinds, use mode standby.",
  V8R3_MONITOR_RESTART_REENABLES_CRON:
    "kingbase_monitor.sh start|restart (and network_rewind.sh --force) un-comment the network_rewind.sh cron line; " +
    "after a cluster restart run pulumi refresh and pulumi up to re-assert manual (it shows as drift).",
  V8R6_FAILOVER_MANUAL_WITH_AUTOMATIC:
    "failover='manual' on these nodes: without automatic failover there is no old primary to rejoin, so " +
    "recovery='automatic' has little effect.",
  V8R6_STANDBY_UNKNOWN_ON_OLD_BUILDS:
    "older V8R6 builds know only recovery='manual' and 'automatic'; no node has 'standby' yet, so check that this " +
    "build accepts it (the version that introduced it is unknown).",
  V8R6_FILE_ONLY:
    "apply is file-only: repmgrd and kbha keep the value they loaded until they restart; read reports " +
    "pendingRestart until then.",
  V8R6_PENDING_RESTART:
    "repmgrd or kbha on these nodes started before repmgr.conf last changed and may still use the old value.",
  NODES_DISAGREE:
    "the nodes do not have the same recovery settings; whichever node is primary acts on failed nodes, so the " +
    "behaviour depends on which node that is.",
  RECOVERY_IN_PROGRESS:
    "network_rewind.sh is recovering these nodes (/dev/shm/KB_RECOVERY_FLAG); the policy is not changed while a " +
    "recovery runs.",
  NODE_REMARK: "",
};

function w(code: WarningCode, hosts: string[] = []): PolicyWarning {
  return { code, text: WARNING_TEXTS[code], hosts };
}

/** Warnings that follow from the inputs alone (shown even when nodes cannot be read). */
export function inputWarnings(args: PolicySpec): PolicyWarning[] {
  const out: PolicyWarning[] = [];
  if (args.mode === "automatic") out.push(w("AUTOMATIC_DISCARDS_TRANSACTIONS"));
  out.push(
    ...versionOf(args.engine)
      .inputWarnings(args)
      .map((code) => w(code)),
  );
  return out;
}

/** Warnings from the observed cluster state. */
function stateWarnings(args: PolicySpec, cluster: ClusterState): PolicyWarning[] {
  const out: PolicyWarning[] = [];
  const hostsWhere = (pred: (n: ClusterState["nodes"][number]) => boolean) =>
    cluster.nodes.filter(pred).map((n) => n.host);
  if (args.mode === "automatic") {
    const asyncHosts = hostsWhere((n) => n.v8r3?.syncFlag === "0" || n.v8r6?.synchronous === "async");
    if (asyncHosts.length > 0) out.push(w("AUTOMATIC_ASYNC_REPLICATION", asyncHosts));
    const unfenced = hostsWhere((n) =>
      n.v8r3 ? !n.v8r3.gatewayIps?.trim() : n.v8r6 ? !n.v8r6.trustedServers?.trim() : false,
    );
    if (unfenced.length > 0) out.push(w("AUTOMATIC_WITHOUT_FENCING", unfenced));
    const manualFailover = hostsWhere((n) => n.v8r6?.failover === "manual");
    if (manualFailover.length > 0) out.push(w("V8R6_FAILOVER_MANUAL_WITH_AUTOMATIC", manualFailover));
  }
  out.push(
    ...versionOf(args.engine)
      .stateWarnings(args, cluster)
      .map((code) => w(code)),
  );
  const pending = hostsWhere((n) => n.pendingRestart === true);
  if (pending.length > 0) out.push(w("V8R6_PENDING_RESTART", pending));
  if (!cluster.agreed)
    out.push(
      w(
        "NODES_DISAGREE",
        cluster.nodes.map((n) => n.host),
      ),
    );
  const recovering = hostsWhere((n) => n.recoveryInProgress);
  if (recovering.length > 0) out.push(w("RECOVERY_IN_PROGRESS", recovering));
  for (const n of cluster.nodes) {
    for (const text of [...n.reasons, ...n.warnings])
      out.push({ code: "NODE_REMARK", text, hosts: [n.host] });
  }
  return out;
}

/** Every warning: input warnings first, then state warnings (when the cluster was read). */
export function policyWarnings(args: PolicySpec, cluster?: ClusterState): PolicyWarning[] {
  return [...inputWarnings(args), ...(cluster ? stateWarnings(args, cluster) : [])];
}

/** One line per warning for preview: `[CODE] hosts: text`. */
export function renderWarnings(warnings: readonly PolicyWarning[]): string[] {
  return warnings.map((x) => `[${x.code}]${x.hosts.length > 0 ? ` ${x.hosts.join(", ")}:` : ""} ${x.text}`);
}

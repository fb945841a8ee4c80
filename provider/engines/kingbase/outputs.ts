/**
 * What a RecoveryPolicy reports: the computed property list and the outputs that describe the live state of
 * every node (effective mode, pending restart, drift, warnings) and of the cluster it guards (each node's role
 * and state, the primary, the last automatic recovery, health).
 */
import { clusterHealth, latestEvent, type ObservedNode, primaryOf, type RecoveryEvent } from "./observed";
import type { PolicySpec } from "./schema";
import { clusterState, type NodeSnapshot } from "./snapshot";
import { versionOf } from "./versions";
import { policyWarnings, renderWarnings } from "./warnings";

/** Properties the provider computes; everything else is a user input. */
export const RECOVERY_POLICY_OUTPUTS = [
  "plan",
  "warnings",
  "effective",
  "pendingRestart",
  "drift",
  "clusterNodes",
  "primary",
  "lastRecovery",
  "health",
  "healthState",
  "previous",
  "lastApplied",
] as const;

/** The observed-cluster outputs: the first node's view that answered, the latest recovery, health. */
function observedOutputs(args: PolicySpec, snaps: NodeSnapshot[]): Record<string, unknown> {
  const version = versionOf(args.engine);
  const seen = snaps.map((s) => version.observe(s));
  const view: ObservedNode[] | null = seen.find((o) => o.view !== null)?.view ?? null;
  const lastRecovery: RecoveryEvent | null = latestEvent(seen.map((o) => o.event));
  const states = clusterState(snaps, args).nodes;
  const recovering = snaps
    .map((s, i) => (states[i]?.recoveryInProgress || seen[i]?.event?.outcome === "running" ? s.host : null))
    .filter((h): h is string => h !== null);
  const health = clusterHealth(
    view,
    args.nodes.map((n) => n.host),
    recovering,
  );
  return {
    clusterNodes: view ?? [],
    primary: primaryOf(view),
    lastRecovery,
    health: health.summary,
    healthState: health.state,
  };
}

/** Every live output of a policy: per-node policy state plus the observed cluster. */
export function liveOutputs(args: PolicySpec, snaps: NodeSnapshot[]): Record<string, unknown> {
  const cluster = clusterState(snaps, args, args.mode);
  const effective: Record<string, string> = {};
  for (const n of cluster.nodes) effective[n.host] = n.mode;
  const pending = cluster.nodes.map((n) => n.pendingRestart);
  return {
    effective,
    pendingRestart: pending.some((p) => p === true) ? true : pending.every((p) => p === false) ? false : null,
    drift: [...cluster.nodes.flatMap((n) => n.drift.map((d) => `${n.host}: ${d}`)), ...cluster.drift],
    warnings: renderWarnings(policyWarnings(args, cluster)),
    ...observedOutputs(args, snaps),
  };
}

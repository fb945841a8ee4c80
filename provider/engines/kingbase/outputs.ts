/**
 * What a RecoveryPolicy reports: the computed property list and the outputs that describe the live state of
 * every node (effective mode, pending restart, drift, warnings).
 */
import type { PolicySpec } from "./schema";
import { clusterState, type NodeSnapshot } from "./snapshot";
import { policyWarnings, renderWarnings } from "./warnings";

/** Properties the provider computes; everything else is a user input. */
export const RECOVERY_POLICY_OUTPUTS = [
  "plan",
  "warnings",
  "effective",
  "pendingRestart",
  "drift",
  "previous",
  "lastApplied",
] as const;

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
  };
}

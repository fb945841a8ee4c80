/**
 * What a DrRelationship reports: the computed property list, the record of the last operation, and the
 * outputs derived from an observation of both clusters (real primary, per-cluster stat, RPO/RTO, health).
 */
import {
  assessHealth,
  type ClusterView,
  type Health,
  isEstablishedDr,
  isEstablishedPrimary,
  statsOf,
} from "./decide";
import type { ClusterObservation } from "./observe";
import type { DrContext } from "./remote";
import type { SdrRun } from "./tasks";

/** Properties the provider computes (`primary` is an input whose output is the real primary). */
export const DR_OUTPUTS = [
  "hadrClusterStat",
  "rpoSeconds",
  "rtoSeconds",
  "health",
  "healthState",
  "plan",
  "lastOperation",
  "lastDrill",
] as const;

/** The last operation the provider ran. */
export interface DrOperation {
  /**
   * What ran: `start`, `switchover`, `failover`, `rebuild` (stop, then start), `drill` (switchover and back,
   * see `lastDrill`), or `adopt` (nothing ran).
   */
  kind: "start" | "switchover" | "failover" | "rebuild" | "drill" | "adopt";
  /** `succeeded`, `failed`, or `rebuild-needed` after a failover. */
  status: "succeeded" | "failed" | "rebuild-needed";
  /** The cluster the operation made (or was to make) primary. */
  to?: string;
  /** ISO 8601 time it ended. */
  at: string;
  /** gs_sdr trace ids, by cluster. */
  traceIds: Record<string, string>;
  /** Which node ran it, by cluster (re-runs go to the same node). */
  nodes: Record<string, string>;
}

/** Both clusters' observations, by cluster name. */
export type Observed = Record<string, ClusterObservation>;

/** The two clusters' views in input order. */
export function viewsOf(ctx: DrContext, obs: Observed): [ClusterView, ClusterView] {
  return [obs[ctx.names[0]!]!.view, obs[ctx.names[1]!]!.view];
}

/** The record of an operation from the gs_sdr runs it made. */
export function operation(
  kind: DrOperation["kind"],
  status: DrOperation["status"],
  runs: SdrRun[],
  to?: string,
): DrOperation {
  return {
    kind,
    status,
    at: new Date().toISOString(),
    ...(to ? { to } : {}),
    traceIds: Object.fromEntries(
      runs.filter((r) => r.summary.traceId).map((r) => [r.cluster, r.summary.traceId!]),
    ),
    nodes: Object.fromEntries(runs.map((r) => [r.cluster, r.node])),
  };
}

/** `A=archive, B=recovery` (or `unreachable`) for messages. */
export function statsLine(obs: Observed): string {
  return statsOf(Object.values(obs).map((o) => o.view));
}

/** Outputs from an observation: real primary, per-cluster stat, RPO/RTO, health (text and state). */
export function outputsOf(ctx: DrContext, obs: Observed, fallbackPrimary?: string): Record<string, unknown> {
  const views = viewsOf(ctx, obs);
  const health: Health = assessHealth(views);
  const p = views.find((v) => v.reachable && isEstablishedPrimary(v.stat));
  const d = views.find((v) => v.reachable && isEstablishedDr(v.stat));
  const alone = views.find((v) => v.reachable && v.stat === "normal");
  const other = (v: ClusterView) => views.find((x) => x !== v)!;
  let primary: string | undefined;
  if (p && (d || !other(p).reachable)) primary = p.name;
  else if (d && !other(d).reachable) primary = other(d).name;
  else if (alone && (!other(alone).reachable || isEstablishedPrimary(other(alone).stat)))
    primary = fallbackPrimary ?? alone.name;
  else primary = fallbackPrimary;
  const stats = Object.fromEntries(
    views.map((v) => [v.name, v.reachable ? (v.stat ?? "unknown") : "unreachable"]),
  );
  const rpoFrom = p ?? views.find((v) => v.rpoSeconds !== null);
  return {
    ...(primary ? { primary } : {}),
    hadrClusterStat: stats,
    rpoSeconds: rpoFrom?.rpoSeconds ?? null,
    rtoSeconds: rpoFrom?.rtoSeconds ?? null,
    health: health.summary,
    healthState: health.state,
  };
}

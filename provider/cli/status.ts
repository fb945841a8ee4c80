/**
 * `pulumi-hadr status`: what an on-call DBA wants at 3 a.m. without a Pulumi stack. Reads a DR pair through
 * the engine's own observation (one parallel round trip per node, `gs_sdr -t query`, `gs_om -t status`, locks,
 * step files, running gs_sdr) and its outputs (real primary, RPO/RTO, health); runs nothing that changes a
 * host. The rendering is pure; main.ts handles files and the process.
 */
import type { EngineKind } from "../core/engine";
import type { ClusterView } from "../engines/opengauss/decide";
import { rpoText } from "../engines/opengauss/decide";
import { drEngine } from "../engines/opengauss/engine";
import { observe } from "../engines/opengauss/observe";
import { type Observed, outputsOf } from "../engines/opengauss/outputs";
import { drContext, runNode } from "../engines/opengauss/remote";
import { validateDrRelationship } from "../engines/opengauss/schema";
import type { PropertyFailure } from "../errors";

/** The kind status reads (its inputs file, keys and placeholders follow that kind's import rules). */
export const STATUS_KIND: EngineKind = drEngine.kind;

/** What status reports: the resource's outputs as refresh computes them, and each cluster's view. */
export interface PairStatus {
  /** `primary`, `hadrClusterStat`, `rpoSeconds`, `rtoSeconds`, `health`, `healthState` (outputs.ts). */
  outputs: Record<string, unknown>;
  /** Each cluster as observed, in input order, with its run node. */
  clusters: Array<ClusterView & { runNode: string }>;
}

/** Reads the pair the inputs describe (read-only); failures when the inputs are not valid. */
export async function readStatus(
  raw: Record<string, unknown>,
): Promise<{ status: PairStatus } | { failures: PropertyFailure[] }> {
  const v = validateDrRelationship(raw);
  if (v.failures.length > 0 || !v.args || !v.topologies) return { failures: v.failures };
  const ctx = drContext(v.args, v.topologies);
  try {
    // No trace is ours: status owns nothing, so every lock is listed as it is.
    const obs: Observed = await observe(ctx, { traces: [], owner: "pulumi-hadr-status" });
    return {
      status: {
        outputs: outputsOf(ctx, obs),
        clusters: ctx.names.map((n) => {
          const d = runNode(ctx, n);
          return { ...obs[n]!.view, runNode: `${d.name} (${d.sshIp})` };
        }),
      },
    };
  } finally {
    await ctx.fleet.close();
  }
}

const list = (xs: readonly string[]): string => (xs.length > 0 ? xs.join(", ") : "none");
const seconds = (v: unknown): string => rpoText(typeof v === "number" ? v : null);

/** The status as lines for people. */
export function renderStatus(s: PairStatus): string[] {
  const o = s.outputs;
  const lines = [
    `health:  ${String(o["healthState"])} (${String(o["health"])})`,
    `primary: ${o["primary"] === undefined ? "unknown" : String(o["primary"])}    RPO: ${seconds(o["rpoSeconds"])}    RTO: ${seconds(o["rtoSeconds"])}`,
  ];
  for (const c of s.clusters) {
    lines.push("");
    if (!c.reachable) {
      lines.push(`${c.name}: unreachable (${c.unreachableReason ?? "no answer"}); run node ${c.runNode}`);
      continue;
    }
    lines.push(
      `${c.name}: hadr_cluster_stat ${c.stat ?? "unknown"}, cluster_state ${c.clusterState ?? "unknown"}; run node ${c.runNode}`,
      `  gs_sdr running: ${list(c.running)}`,
      `  locks:          ${list(c.locks.map((l) => `streaming_lock_${l.trace} on ${l.node}`))}`,
      `  step files:     ${list(c.stepFiles)}`,
    );
  }
  return lines;
}

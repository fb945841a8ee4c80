/**
 * `RecoveryPolicy` with `adopt: true`: create takes the nodes over only when they already have the requested
 * settings — the plan computed from the live nodes changes no line, restarts no daemon and is not blocked.
 * Otherwise it fails, listing per node what differs, and edits nothing. Pure.
 */
import type { PolicyPlan } from "./plan";

/** The adopt decision: adopt as is, or refuse with what differs. */
export type PolicyAdoptDecision =
  | { adopt: true }
  | { adopt: false; property: string; reason: string; hint: string };

/** What differs on one node between the live files/daemons and the requested policy (empty: matches). */
function nodeDifferences(plan: PolicyPlan, host: string): string[] {
  const out: string[] = [];
  const n = plan.nodes.find((x) => x.host === host);
  for (const f of n?.files ?? []) {
    if (f.changes.length > 0)
      out.push(`${f.path}: ${f.changes.length} line${f.changes.length === 1 ? "" : "s"} differ`);
  }
  for (const a of n?.daemonActions ?? [])
    out.push(`${a.action === "restart-repmgrd" ? "repmgrd" : "kbha"} needs a restart (${a.reason})`);
  for (const b of plan.blockers.filter((x) => x.host === host)) out.push(`blocked: ${b.reason}`);
  return out;
}

/**
 * Adopt when no node differs; else refuse on the first differing node (`nodes[i]`), the reason listing every
 * differing node. `hosts` are the nodes in input order.
 */
export function decidePolicyAdopt(plan: PolicyPlan, hosts: readonly string[]): PolicyAdoptDecision {
  const differing = hosts
    .map((h, i) => ({ h, i, d: nodeDifferences(plan, h) }))
    .filter((x) => x.d.length > 0);
  if (differing.length === 0) return { adopt: true };
  return {
    adopt: false,
    property: `nodes[${differing[0]!.i}]`,
    reason: `adopt: the nodes do not have the requested ${plan.mode} settings: ${differing.map((x) => `${x.h}: ${x.d.join("; ")}`).join(" | ")}`,
    hint: "Nothing was changed. Set the nodes as requested by hand, or change mode to what they have, or remove adopt (or set it to false) to let pulumi-hadr apply the plan preview shows without adopt.",
  };
}

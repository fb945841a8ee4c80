/** A DR plan as compact human lines for `pulumi preview`. Pure. */
import { formatPlanValue } from "./common";
import type { DrPlan, GucChange } from "./model";

function gucLabel(g: GucChange): string {
  switch (g.component) {
    case "cmserver":
      return `cm_server ${g.name}`;
    case "cmagent":
      return `cm_agent ${g.name}`;
    case "dcc":
      return `dcc ${g.name}`;
    default:
      return g.name;
  }
}

/** Compact human lines for `pulumi preview`, e.g. `A/oga1 replconninfo2: (unset) → 'localhost=… iscrossregion=true'`. */
export function renderDrPlan(plan: DrPlan): string[] {
  const out: string[] = [];
  for (const s of plan.steps) out.push(`${plan.operation}: ${s.cluster} runs \`${s.command}\` on ${s.node}`);
  for (const [c, p] of Object.entries(plan.drParams).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push(
      `${c} drParams: localStreamIpmap1=${p.localStreamIpmap1} remoteStreamIpmap1=${p.remoteStreamIpmap1} remotedataPortBase=${p.remotedataPortBase}`,
    );
  }
  for (const g of plan.gucs) {
    const where = g.node === "*" ? g.cluster : `${g.cluster}/${g.node}`;
    let line = `${where} ${gucLabel(g)}: ${formatPlanValue(g.current, g.name)} → ${formatPlanValue(g.planned, g.name, g.quoted)}`;
    if (g.temporary)
      line += ` (temporary: restored to ${formatPlanValue(g.temporary.restoredTo, g.name, g.quoted)} ${g.temporary.when})`;
    else if (g.how === "set" && g.component === "datanode") line += " (on restart)";
    out.push(line);
  }
  for (const h of plan.hba) {
    const where = `${h.cluster}/${h.node} pg_hba`;
    switch (h.action) {
      case "add":
        out.push(`${where} + ${h.line}`);
        break;
      case "uncomment":
        out.push(`${where} + ${h.line} (re-enables a commented-out entry)`);
        break;
      case "replace":
        out.push(`${where} ~ ${h.previous?.trimEnd()} → ${h.line}`);
        break;
      case "comment-out":
        out.push(`${where} # ${h.line}`);
        break;
      case "set":
        out.push(`${where} set ${h.line} (file not read)`);
        break;
    }
  }
  for (const n of plan.notes) {
    const where =
      n.cluster === undefined ? "" : n.node === undefined ? `${n.cluster}: ` : `${n.cluster}/${n.node}: `;
    out.push(`note: ${where}${n.message}`);
  }
  for (const p of plan.problems) {
    out.push(`problem: ${p.node === undefined ? p.cluster : `${p.cluster}/${p.node}`}: ${p.message}`);
  }
  return out;
}

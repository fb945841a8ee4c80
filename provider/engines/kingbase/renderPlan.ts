/** The preview lines of a `RecoveryPolicy` plan. Pure. */
import type { PolicyPlan } from "./plan";

/** Compact human lines for preview: one per changed line, note, daemon action, unchanged node and blocker. */
export function renderPolicyPlan(plan: PolicyPlan): string[] {
  // Short lines: the CLI shortens long strings in a create preview, and a diff reads best line by line.
  const out: string[] = [];
  for (const n of plan.nodes) {
    for (const f of n.files) {
      const who = f.access === "root" ? " (as root)" : "";
      for (const c of f.changes) {
        out.push(`${n.host} ${f.path}:${c.lineNumber}${who}`);
        if (c.before !== null) out.push(`  - ${c.before}`);
        if (c.after !== null) out.push(`  + ${c.after}`);
      }
      for (const note of f.notes) out.push(`${n.host} ${f.path}: ${note}`);
    }
    for (const a of n.daemonActions) {
      const daemon = a.action === "restart-repmgrd" ? "repmgrd" : "kbha";
      out.push(`${n.host} restart ${daemon} (${a.reason})`);
    }
  }
  for (const b of plan.blockers) out.push(`${b.host} BLOCKED: ${b.reason}`);
  return out;
}

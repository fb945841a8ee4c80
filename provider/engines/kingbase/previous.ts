/** Merging the `previous` records of a `RecoveryPolicy` (what delete restores) across its updates. Pure. */
import { FILE_ORDER, type PolicyPrevious, type PreviousNode } from "./plan";

/**
 * Combines the `previous` of an earlier create/update with a newer one: the earliest record of each
 * (host, file) wins, so delete restores what was there before the policy first touched it.
 */
export function mergePrevious(older: PolicyPrevious, newer: PolicyPrevious): PolicyPrevious {
  const nodes: PreviousNode[] = older.nodes.map((n) => ({ host: n.host, files: [...n.files] }));
  for (const n of newer.nodes) {
    let target = nodes.find((m) => m.host === n.host);
    if (target === undefined) {
      target = { host: n.host, files: [] };
      nodes.push(target);
    }
    for (const f of n.files) if (!target.files.some((g) => g.file === f.file)) target.files.push(f);
    target.files.sort((a, b) => FILE_ORDER.indexOf(a.file) - FILE_ORDER.indexOf(b.file));
  }
  const merged: PolicyPrevious = { engine: older.engine, nodes };
  const cron = older.cron ?? newer.cron;
  const daemons = older.daemons ?? newer.daemons;
  if (cron) merged.cron = cron;
  if (daemons) merged.daemons = daemons;
  return merged;
}

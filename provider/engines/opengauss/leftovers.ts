/**
 * Removing what our own earlier runs left behind: stale gs_sdr locks (ours, no gs_sdr alive) and finished run
 * markers. A write, so it lives apart from the observation (observe.ts only reads); apply runs it before the
 * operation that the decision said clears them.
 */
import { shellQuote } from "../../transport/redact";
import type { LockView } from "./decide";
import type { ClusterObservation } from "./observe";
import { batch, type DrContext, runNode } from "./remote";

/** Removes our stale locks (ours, no gs_sdr alive on the cluster) and our finished run markers. */
export async function clearStale(
  ctx: DrContext,
  obs: ClusterObservation,
  locks: LockView[],
  progressLine: (line: string) => void,
): Promise<void> {
  for (const l of locks) {
    const trace = l.trace.replace(/[^0-9a-f]/g, "");
    await batch(
      ctx,
      obs.view.name,
      l.node,
      { rm: `rm -f "$PGHOST/streaming_lock_${trace}"` },
      "remove stale lock",
    );
    progressLine(
      `${obs.view.name}/${l.node}: removed our stale gs_sdr lock streaming_lock_${trace} (no gs_sdr runs)`,
    );
  }
  const dead = obs.markers.filter((m) => !m.alive).map((m) => shellQuote(m.file));
  if (dead.length > 0) {
    await batch(
      ctx,
      obs.view.name,
      runNode(ctx, obs.view.name).sshIp,
      { rm: `rm -f ${dead.join(" ")}` },
      "remove run markers",
    );
  }
}

/**
 * The one bounded wait: poll a state until it reaches a target or the deadline passes (the idea of
 * Terraform's StateChangeConf). Every wait in the provider goes through here, so none is unbounded.
 */

/** How to wait. */
export interface WaitOptions {
  /** Give up after this long (the last observed state is returned, `reached: false`). */
  timeoutMs: number;
  /** Pause between polls. */
  intervalMs: number;
}

/** The outcome of a wait: the last state seen and whether it was a target. */
export interface WaitResult<T> {
  state: T;
  reached: boolean;
  polls: number;
}

/** Polls `probe` until `done(state)` or the deadline; the first poll is immediate. Probe errors propagate. */
export async function waitFor<T>(
  probe: () => Promise<T>,
  done: (state: T) => boolean,
  opts: WaitOptions,
): Promise<WaitResult<T>> {
  const end = Date.now() + opts.timeoutMs;
  let polls = 0;
  for (;;) {
    const state = await probe();
    polls += 1;
    if (done(state)) return { state, reached: true, polls };
    if (Date.now() + opts.intervalMs > end) return { state, reached: false, polls };
    await new Promise((r) => setTimeout(r, opts.intervalMs));
  }
}

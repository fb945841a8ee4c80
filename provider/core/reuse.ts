/**
 * One observation per phase: check() remembers what it observed, with the engine's fingerprint of it, and
 * apply, called right after in the same provider process, reuses it when a cheap re-read of the fingerprint
 * is equal (nothing ran, started, or locked in between). Kept in memory only, for {@link REUSE_WINDOW_MS},
 * keyed by a hash of the inputs; taken at most once.
 */
import { createHash } from "node:crypto";

/** How long an observation made by check() may be reused by apply. */
const REUSE_WINDOW_MS = 60_000;

/** The key of an observation: a hash of the inputs and of what else the engine says it depends on. */
export function reuseKey(inputs: string, extra: string): string {
  return createHash("sha256").update(inputs).update("\0").update(extra).digest("hex");
}

/** Observations check() made, waiting for apply. */
export class RecentObservations<O> {
  private readonly entries = new Map<string, { observed: O; fingerprint: string; at: number }>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly windowMs = REUSE_WINDOW_MS,
  ) {}

  /** Remembers an observation (replacing an older one for the same key). */
  remember(key: string, observed: O, fingerprint: string): void {
    for (const [k, e] of this.entries) if (this.now() - e.at > this.windowMs) this.entries.delete(k);
    this.entries.set(key, { observed, fingerprint, at: this.now() });
  }

  /** True when an observation for `key` is waiting and still inside the window. */
  has(key: string): boolean {
    const e = this.entries.get(key);
    return e !== undefined && this.now() - e.at <= this.windowMs;
  }

  /**
   * The observation for `key` when `fingerprint` (read now) equals the one it was made with and it is inside
   * the window; the entry is dropped either way.
   */
  take(key: string, fingerprint: string | null): O | undefined {
    const e = this.entries.get(key);
    this.entries.delete(key);
    if (!e || fingerprint === null || this.now() - e.at > this.windowMs) return undefined;
    return e.fingerprint === fingerprint ? e.observed : undefined;
  }
}

/**
 * kbha's `recovery=` handling (KingbaseES's own part of V8R6 auto-recovery, docs/vendor/kingbase-recovery.md
 * §2.4–2.5, §2.9): what to do about this node while its database is down, decided from the `recovery` value
 * kbha loaded from repmgr.conf, whether the node is a confirmed standby (`standby.signal`) and whether another
 * node runs as primary. Pure; kbha.ts does the I/O.
 *
 * - `manual`: nothing, the failed node stays out;
 * - a confirmed standby under `standby`/`automatic`: start it (it streams from its upstream again);
 * - an old primary (no standby.signal) while another node is primary: `automatic` rewinds and rejoins it
 *   (`repmgr node rejoin --force-rewind`); `standby` refuses ("not confirmed a standby node"), the database
 *   stays down; two other primaries: refuse ("multiple nodes running as primary");
 * - an old primary and no primary elsewhere (no failover happened, the cluster's only primary came back): start it.
 */

/** What kbha does about a node whose database is down. */
export type RecoveryAction =
  | { kind: "none" }
  | { kind: "start" }
  | { kind: "rejoin"; primary: string }
  | { kind: "refuse"; level: "INFO" | "ERROR"; line: string };

/** Refusal line of `recovery=standby` for an old primary (spec §2.9). */
const NOT_CONFIRMED = "can not do auto-recovery because not confirmed a standby node";
/** Refusal line when several primaries are seen (spec §2.9). */
const MULTIPLE_PRIMARIES =
  "there may be multiple nodes running as primary, can not do recovery for failed node";

/** The decision for a down database: `primaries` are the other nodes' addresses that answer as primary. */
export function decideRecovery(
  recovery: string,
  standbySignal: boolean,
  primaries: string[],
): RecoveryAction {
  if (recovery !== "standby" && recovery !== "automatic") return { kind: "none" };
  if (primaries.length > 1) return { kind: "refuse", level: "ERROR", line: MULTIPLE_PRIMARIES };
  if (standbySignal) return { kind: "start" };
  const primary = primaries[0];
  if (primary === undefined) return { kind: "start" };
  if (recovery === "automatic") return { kind: "rejoin", primary };
  return { kind: "refuse", level: "INFO", line: NOT_CONFIRMED };
}

/**
 * Mapping of the abstract recovery `mode` to the vendor knobs (docs/vendor/kingbase-recovery.md §0, §1.4, §2.4):
 *
 * | mode      | V8R3 cron network_rewind line | V8R3 AUTO_PRIMARY_RECOVERY | V8R6 recovery |
 * |-----------|-------------------------------|----------------------------|---------------|
 * | manual    | commented                     | 0                          | manual        |
 * | standby   | active                        | 0                          | standby       |
 * | automatic | active                        | 1                          | automatic     |
 *
 * and back from what a node's files say, including inconsistent combinations (reported as `custom`).
 */
import type { PolicyMode } from "./schema";

/** The two V8R3 knobs. */
export interface V8r3Knobs {
  /** network_rewind.sh cron line active (uncommented). */
  cronActive: boolean;
  /** `AUTO_PRIMARY_RECOVERY` value to write: 0 or 1. */
  autoPrimaryRecovery: 0 | 1;
}

/** A node's observed mode: one of the modes, or `custom` with the reasons it fits none. */
export interface ObservedMode {
  /** The mode the files amount to, or `custom`. */
  mode: PolicyMode | "custom";
  /** Why the node is `custom` (empty otherwise). */
  reasons: string[];
}

/** V8R3 knobs for a mode. */
export function v8r3KnobsForMode(mode: PolicyMode): V8r3Knobs {
  switch (mode) {
    case "manual":
      return { cronActive: false, autoPrimaryRecovery: 0 };
    case "standby":
      return { cronActive: true, autoPrimaryRecovery: 0 };
    case "automatic":
      return { cronActive: true, autoPrimaryRecovery: 1 };
  }
}

/** V8R6 `recovery` value for a mode (the names are the vendor's). */
export function v8r6RecoveryForMode(mode: PolicyMode): PolicyMode {
  return mode;
}

/** What one V8R3 node's files say, as read by cronFile/haModuleConf. */
export interface V8r3Observation {
  /** True when cron runs network_rewind.sh (an active line exists). */
  cronActive: boolean;
  /** Effective AUTO_PRIMARY_RECOVERY (vendor truthy set) of `db/etc/HAmodule.conf`, or null if the file is missing. */
  aprDb: boolean | null;
  /** Same for `kingbasecluster/etc/HAmodule.conf`, or null if that copy is missing. */
  aprCluster: boolean | null;
}

/** The mode a V8R3 node's files amount to (the db copy of HAmodule.conf is the one network_rewind.sh reads). */
export function modeFromV8r3(obs: V8r3Observation): ObservedMode {
  const reasons: string[] = [];
  if (obs.aprDb === null) {
    reasons.push("db/etc/HAmodule.conf is missing: network_rewind.sh exits without doing anything");
  }
  if (obs.aprDb !== null && obs.aprCluster !== null && obs.aprDb !== obs.aprCluster) {
    reasons.push(
      `the two HAmodule.conf copies disagree (db: AUTO_PRIMARY_RECOVERY=${obs.aprDb ? 1 : 0}, ` +
        `kingbasecluster: ${obs.aprCluster ? 1 : 0})`,
    );
  }
  if (!obs.cronActive && obs.aprDb === true) {
    reasons.push(
      "the network_rewind.sh cron line is commented but AUTO_PRIMARY_RECOVERY=1: nothing runs now, " +
        "and the next kingbase_monitor.sh start|restart enables old-primary rewinds",
    );
  }
  if (reasons.length > 0) return { mode: "custom", reasons };
  if (!obs.cronActive) return { mode: "manual", reasons };
  return { mode: obs.aprDb ? "automatic" : "standby", reasons };
}

/** The mode a V8R6 node's effective `recovery` value amounts to (null: not set / file missing). */
export function modeFromV8r6(recovery: string | null): ObservedMode {
  if (recovery === "manual" || recovery === "standby" || recovery === "automatic") {
    return { mode: recovery, reasons: [] };
  }
  if (recovery === null) {
    return {
      mode: "custom",
      reasons: ["recovery is not set in repmgr.conf; the daemon's built-in default is unknown"],
    };
  }
  return { mode: "custom", reasons: [`recovery='${recovery}' is none of manual, standby, automatic`] };
}

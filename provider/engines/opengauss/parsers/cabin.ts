/**
 * Parsers of gs_sdr's `$PGHOST/streaming_cabin` files (docs/vendor/opengauss-gs_sdr.md §3.0): `.streaming_guc_backup`
 * (what gs_sdr restores on stop).
 */

/** One `.streaming_guc_backup` line: `<guc>,<old value>,<trace_id>`. */
export interface GucBackupEntry {
  /** GUC name. */
  name: string;
  /** Value before gs_sdr changed it. */
  oldValue: string;
  /** Trace id of the run that recorded it. */
  traceId: string;
}

/** Parses `.streaming_guc_backup`; malformed lines are skipped. */
export function parseGucBackup(text: string): GucBackupEntry[] {
  const out: GucBackupEntry[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*),(.*),([0-9a-f]{32})\s*$/.exec(line.trim());
    if (m) out.push({ name: m[1]!, oldValue: m[2]!, traceId: m[3]! });
  }
  return out;
}

/** The value gs_sdr's `restore_guc_params` puts back for `synchronous_commit`: on/off as recorded, anything else `off`. */
export function restoredSynchronousCommit(oldValue: string): "on" | "off" {
  return oldValue === "on" ? "on" : "off";
}

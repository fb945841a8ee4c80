/**
 * GUC values as gs_guc sees them in a config file (docs/vendor/opengauss-gs_sdr.md §5.4): unset (`NULL`), explicitly
 * empty (`''`) or set; how a plan prints them.
 */

/** A GUC value as gs_guc sees it in a configuration file. */
export type GucValue =
  | { state: "unset" }
  | { state: "empty" }
  | {
      state: "set";
      /** The value without its surrounding single quotes. */
      value: string;
    };

/** Interprets the raw text after `<name>=` (`NULL`, `''`, `'quoted'` or a bare value). */
export function gucValueOfRaw(raw: string): GucValue {
  const v = raw.trim();
  if (v === "NULL") return { state: "unset" };
  if (v === "''") return { state: "empty" };
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return { state: "set", value: v.slice(1, -1) };
  return { state: "set", value: v };
}

/** Renders a value the way a plan shows it: `(unset)`, `''`, or the value (quoted when `quote`). */
export function formatGucValue(v: GucValue, quote = false): string {
  if (v.state === "unset") return "(unset)";
  if (v.state === "empty") return "''";
  return quote ? `'${v.value}'` : v.value;
}

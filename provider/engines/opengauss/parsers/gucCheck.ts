/**
 * Parser of `gs_guc check` output (spec opengauss-gs_sdr.md §5.4), with gs_sdr's own rules for an unset
 * parameter (more than two `<name>=NULL`) and an explicitly empty one (two or more `<name>=''`).
 */
import { ParseError } from "../../../errors";

/** A GUC value as gs_guc sees it in a configuration file. */
export type GucValue =
  | { state: "unset" }
  | { state: "empty" }
  | {
      state: "set";
      /** The value without its surrounding single quotes. */
      value: string;
    };

/** One `gs_guc check: <node>: <name>=<value>: [<path>]` line. */
export interface GucCheckLine {
  /** Node (host) name gs_guc printed. */
  node: string;
  /** Parameter name. */
  name: string;
  /** The value. */
  value: GucValue;
  /** Configuration file path. */
  path: string;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Interprets the raw text after `<name>=` (`NULL`, `''`, `'quoted'` or a bare value). */
export function gucValueOfRaw(raw: string): GucValue {
  const v = raw.trim();
  if (v === "NULL") return { state: "unset" };
  if (v === "''") return { state: "empty" };
  if (v.length >= 2 && v.startsWith("'") && v.endsWith("'")) return { state: "set", value: v.slice(1, -1) };
  return { state: "set", value: v };
}

/** Every `gs_guc check: …` line for `name` (one per instance checked). */
export function parseGucCheckLines(output: string, name: string): GucCheckLine[] {
  const re = new RegExp(`^gs_guc check: (\\S+): ${escapeRe(name)}=(.*): \\[([^\\]]*)\\]\\s*$`, "i");
  const out: GucCheckLine[] = [];
  for (const line of output.split(/\r?\n/)) {
    const m = re.exec(line);
    if (m) out.push({ node: m[1]!, name, value: gucValueOfRaw(m[2]!), path: m[3]! });
  }
  return out;
}

/** gs_sdr's test for "unset": the output holds `<name>=NULL` more than twice (check line, summary, and stderr). */
export function gsSdrSeesUnset(output: string, name: string): boolean {
  return output.split(`${name}=NULL`).length - 1 > 2;
}

/** gs_sdr's test for "explicitly empty": the output holds `<name>=''` at least twice. */
export function gsSdrSeesEmpty(output: string, name: string): boolean {
  return output.split(`${name}=''`).length - 1 >= 2;
}

/**
 * The value of `name` in the output of `gs_guc check -Z datanode -D <dir> -c '<name>'` (one instance). Uses the
 * `gs_guc check:` line when present; otherwise falls back to gs_sdr's counting rules. Throws a
 * {@link ParseError} when the output says nothing about the parameter.
 */
export function parseGucCheck(output: string, name: string): GucValue {
  const lines = parseGucCheckLines(output, name);
  if (lines.length > 0) return lines[0]!.value;
  if (gsSdrSeesUnset(output, name)) return { state: "unset" };
  if (gsSdrSeesEmpty(output, name)) return { state: "empty" };
  const summary = new RegExp(`^\\s+${escapeRe(name)}=(.*)$`, "m").exec(output);
  if (summary) return gucValueOfRaw(summary[1]!);
  throw new ParseError(`gs_guc check output has no value for ${name}`, { where: { tool: "gs_guc" } });
}

/** Renders a value the way a plan shows it: `(unset)`, `''`, or the value (quoted when `quote`). */
export function formatGucValue(v: GucValue, quote = false): string {
  if (v.state === "unset") return "(unset)";
  if (v.state === "empty") return "''";
  return quote ? `'${v.value}'` : v.value;
}

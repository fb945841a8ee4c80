/**
 * Reader and editor of `AUTO_PRIMARY_RECOVERY` in a V8R3 `HAmodule.conf`, with the vendor's `LoadCfg`
 * semantics (docs/vendor/kingbase-recovery.md §1.3): every line is read with bash `read` (leading/trailing blanks
 * dropped), everything from the first `#` on is dropped, the rest is split at the first `=` and `eval`ed, lines
 * with an empty name or value are skipped, the last assignment wins. A line starting with `#` is therefore
 * never a setting — which matters because the installer writes a comment containing `AUTO_PRIMARY_RECOVERY="1"`
 * right above the real key.
 */
import { appendLine, type FileEdit, joinLines, splitLines } from "./lines";

/** The key that gates rewinding a returning old primary. */
const AUTO_PRIMARY_RECOVERY = "AUTO_PRIMARY_RECOVERY";

/** One `NAME=VALUE` assignment as `LoadCfg` would execute it. */
export interface ShellAssignment {
  /** 1-based line number. */
  lineNumber: number;
  /** Variable name. */
  name: string;
  /** Value after shell quote removal (what the script sees), e.g. `1` for `"1"`. */
  value: string;
  /** Offset of the value's first character in the line content. */
  valueStart: number;
  /** Offset just after the value's last character in the line content. */
  valueEnd: number;
  /** Quote character around the value (`"` or `'`), or `""` when bare. */
  quote: string;
  /** Full line content (no terminator). */
  line: string;
}

/** Effective `AUTO_PRIMARY_RECOVERY` of one file. */
export interface AutoPrimaryRecoveryReading {
  /** Value of the last assignment as the script sees it, or null when the key is not assigned. */
  value: string | null;
  /** The script's normalisation: true for `1`/`on`/`true`/`yes`, false otherwise (also when absent). */
  enabled: boolean;
  /** The effective assignment, or null. */
  assignment: ShellAssignment | null;
  /** Remarks, e.g. CRLF line endings that make the script read `1\r`. */
  warnings: string[];
}

/** The vendor's truthy set for `AUTO_PRIMARY_RECOVERY` (exact, case-sensitive, as in network_rewind.sh). */
export function isHaTruthy(value: string | null): boolean {
  return value === "1" || value === "on" || value === "true" || value === "yes";
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Parses the value text of `NAME=<value>` as the shell's `eval` would for a plain assignment. Returns null when
 * the result is not an assignment (an unterminated quote, or more words after the value: `eval` then runs a
 * command instead).
 */
function shellValue(raw: string): { value: string; length: number; quote: string } | null {
  if (raw.startsWith("(")) {
    const close = raw.lastIndexOf(")");
    return close === -1 ? null : { value: raw.slice(0, close + 1), length: close + 1, quote: "" };
  }
  let out = "";
  let i = 0;
  let quote = "";
  let quotes = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === " " || c === "\t") break;
    if (c === "'") {
      const end = raw.indexOf("'", i + 1);
      if (end === -1) return null;
      out += raw.slice(i + 1, end);
      quote = "'";
      quotes++;
      i = end + 1;
    } else if (c === '"') {
      let j = i + 1;
      for (; j < raw.length && raw[j] !== '"'; j++) {
        if (raw[j] === "\\" && /["\\$`]/.test(raw[j + 1] ?? "")) j++;
        out += raw[j];
      }
      if (j >= raw.length) return null;
      quote = '"';
      quotes++;
      i = j + 1;
    } else if (c === "\\") {
      out += raw[i + 1] ?? "";
      i += 2;
    } else {
      out += c;
      i++;
    }
  }
  if (raw.slice(i).trim() !== "") return null;
  const whole = quotes === 1 && raw[0] === quote && raw[i - 1] === quote;
  return { value: out, length: i, quote: whole ? quote : "" };
}

/**
 * Every assignment `LoadCfg` executes, in file order. A CRLF line carries its `\r` into the value as bash
 * `read` does (so `AUTO_PRIMARY_RECOVERY=1\r\n` assigns `1\r`); positions refer to the content without it.
 */
export function parseHaModuleConf(text: string): ShellAssignment[] {
  const result: ShellAssignment[] = [];
  splitLines(text).forEach((l, i) => {
    const content = l.content;
    const lead = /^[ \t]*/.exec(content)![0].length;
    const hash = content.indexOf("#");
    // bash `read` keeps a CR; it survives into the value unless a `#` cut the line before it.
    const cr = l.eol === "\r\n" && hash === -1 ? "\r" : "";
    const param = (hash === -1 ? content : content.slice(0, hash)).replace(/[ \t]+$/, "");
    const eq = param.indexOf("=", lead);
    if (eq === -1) return;
    const name = param.slice(lead, eq);
    const rawValue = param.slice(eq + 1);
    if (name === "" || (rawValue === "" && cr === "") || !IDENT.test(name)) return;
    const parsed = shellValue(rawValue);
    if (parsed === null) return;
    const q = parsed.quote ? 1 : 0;
    result.push({
      lineNumber: i + 1,
      name,
      value: parsed.value + cr,
      valueStart: eq + 1 + q,
      valueEnd: eq + 1 + parsed.length - q,
      quote: parsed.quote,
      line: content,
    });
  });
  return result;
}

/** Reads the effective `AUTO_PRIMARY_RECOVERY` of one HAmodule.conf text (last assignment wins). */
export function readAutoPrimaryRecovery(text: string): AutoPrimaryRecoveryReading {
  const all = parseHaModuleConf(text).filter((a) => a.name === AUTO_PRIMARY_RECOVERY);
  const assignment = all[all.length - 1] ?? null;
  const warnings: string[] = [];
  if (assignment?.value.endsWith("\r")) {
    warnings.push(
      `line ${assignment.lineNumber} ends with CRLF: network_rewind.sh reads the value with a trailing CR, ` +
        `which it never treats as on; convert the file to LF line endings`,
    );
  }
  const assigned = new Set(all.map((a) => a.lineNumber));
  splitLines(text).forEach((l, i) => {
    const code = l.content.split("#")[0]!;
    if (code.includes(AUTO_PRIMARY_RECOVERY) && !assigned.has(i + 1)) {
      warnings.push(
        `line ${i + 1} mentions ${AUTO_PRIMARY_RECOVERY} but is not an assignment the script executes`,
      );
    }
  });
  const value = assignment?.value ?? null;
  return { value, enabled: isHaTruthy(value), assignment, warnings };
}

/**
 * Sets `AUTO_PRIMARY_RECOVERY` to `0` or `1` by rewriting only the value of the last active assignment (its
 * quote style, spacing, trailing comment and line terminator kept; every other line byte-for-byte, including the
 * installer's misleading comment), or appends `AUTO_PRIMARY_RECOVERY=<value>` when the key is not assigned.
 * No change when the effective value already has the wanted meaning and spelling.
 */
export function setAutoPrimaryRecovery(text: string, value: 0 | 1): FileEdit {
  const wanted = String(value);
  const { assignment } = readAutoPrimaryRecovery(text);
  if (assignment === null) {
    return appendLine(
      text,
      `${AUTO_PRIMARY_RECOVERY}=${wanted}`,
      `appended ${AUTO_PRIMARY_RECOVERY} (it was absent)`,
    );
  }
  const current = assignment.line.slice(assignment.valueStart, assignment.valueEnd);
  if (current === wanted) return { text, changes: [], notes: [] };
  const after =
    assignment.line.slice(0, assignment.valueStart) + wanted + assignment.line.slice(assignment.valueEnd);
  const lines = splitLines(text);
  lines[assignment.lineNumber - 1]!.content = after;
  return {
    text: joinLines(lines),
    changes: [{ lineNumber: assignment.lineNumber, before: assignment.line, after }],
    notes: [],
  };
}

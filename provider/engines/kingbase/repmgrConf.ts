/**
 * Reader and editor of a V8R6 `repmgr.conf` (docs/vendor/kingbase-recovery.md §2.3). repmgr parses it like PostgreSQL:
 * `name = value` (the `=` optional, blanks insignificant), `#` starts a comment outside quotes, strings in
 * single quotes with `''` or `\'` for an embedded quote, simple identifiers and numbers may be bare. The
 * effective value of a key is its last uncommented assignment.
 */
import { appendLine, type FileEdit, joinLines, splitLines } from "./lines";

/** One `name = value` entry of repmgr.conf. */
export interface ConfEntry {
  /** 1-based line number. */
  lineNumber: number;
  /** Parameter name as written. */
  name: string;
  /** Value with quotes removed and escapes resolved. */
  value: string;
  /** Offset of the value's first character (after an opening quote) in the line content. */
  valueStart: number;
  /** Offset just after the value's last character (before a closing quote). */
  valueEnd: number;
  /** `'` when the value is single-quoted, `"` for double quotes (tolerated), `""` when bare. */
  quote: string;
  /** Full line content (no terminator). */
  line: string;
}

/** A line that is neither blank, a comment nor a valid entry. */
interface ConfSyntaxError {
  /** 1-based line number. */
  lineNumber: number;
  /** What is wrong. */
  message: string;
}

/** Parsed repmgr.conf: entries in file order and lines that could not be parsed. */
export interface ParsedRepmgrConf {
  /** Every active entry, in file order (duplicates included). */
  entries: ConfEntry[];
  /** Lines repmgr would reject. */
  errors: ConfSyntaxError[];
}

const LINE = /^([ \t]*)([A-Za-z_][A-Za-z0-9_.-]*)([ \t]*=?[ \t]*)(.*)$/;

function parseValue(rest: string): { value: string; end: number; quote: string } | { error: string } {
  const q = rest[0];
  if (q === "'" || q === '"') {
    let value = "";
    let i = 1;
    while (i < rest.length) {
      const c = rest[i]!;
      if (c === "\\" && i + 1 < rest.length) {
        value += rest[i + 1];
        i += 2;
      } else if (c === q && rest[i + 1] === q) {
        value += q;
        i += 2;
      } else if (c === q) {
        return { value, end: i + 1, quote: q };
      } else {
        value += c;
        i++;
      }
    }
    return { error: "unterminated quoted string" };
  }
  const m = /^[^\s#'"]*/.exec(rest)!;
  if (m[0] === "") return { error: "missing value" };
  return { value: m[0], end: m[0].length, quote: "" };
}

/** Parses a repmgr.conf text into entries; never throws. */
export function parseRepmgrConf(text: string): ParsedRepmgrConf {
  const entries: ConfEntry[] = [];
  const errors: ConfSyntaxError[] = [];
  splitLines(text).forEach((l, i) => {
    const lineNumber = i + 1;
    if (/^\s*(#|$)/.test(l.content)) return;
    const m = LINE.exec(l.content);
    if (m === null) {
      errors.push({ lineNumber, message: "not a `name = value` line" });
      return;
    }
    const [, lead, name, sep, rest] = m as unknown as [string, string, string, string, string];
    const parsed = parseValue(rest);
    if ("error" in parsed) {
      errors.push({ lineNumber, message: `${name}: ${parsed.error}` });
      return;
    }
    const tail = rest.slice(parsed.end);
    if (!/^\s*(#.*)?$/.test(tail)) {
      errors.push({ lineNumber, message: `${name}: unexpected text after the value` });
      return;
    }
    const start = lead.length + name.length + sep.length;
    const q = parsed.quote ? 1 : 0;
    entries.push({
      lineNumber,
      name,
      value: parsed.value,
      valueStart: start + q,
      valueEnd: start + parsed.end - q,
      quote: parsed.quote,
      line: l.content,
    });
  });
  return { entries, errors };
}

/** The effective (last uncommented) entry of `name`, or null when it is not set. */
export function readRepmgrSetting(text: string, name: string): ConfEntry | null {
  const all = parseRepmgrConf(text).entries.filter((e) => e.name === name);
  return all[all.length - 1] ?? null;
}

/** Quotes a value the vendor way: `'value'`, embedded quotes doubled. */
function quoteValue(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/**
 * Sets `recovery` by rewriting the value of its last active line in place (spacing, quote style, trailing
 * comment and line terminator kept; commented duplicates untouched), or appends `recovery='<value>'` when no
 * active line exists. No change when the effective value is already `value`.
 */
export function setRecovery(text: string, value: string): FileEdit {
  return setRepmgrSetting(text, "recovery", value);
}

/** Same as {@link setRecovery} for any key. */
function setRepmgrSetting(text: string, name: string, value: string): FileEdit {
  const entry = readRepmgrSetting(text, name);
  if (entry === null)
    return appendLine(text, `${name}=${quoteValue(value)}`, `appended ${name} (it was not set)`);
  if (entry.value === value) return { text, changes: [], notes: [] };
  const bareOk = /^[A-Za-z0-9_.-]+$/.test(value);
  let replacement: string;
  if (entry.quote === "'") replacement = value.replace(/'/g, "''");
  else if (entry.quote === '"') replacement = value.replace(/"/g, '""');
  else replacement = bareOk ? value : quoteValue(value);
  const after = entry.line.slice(0, entry.valueStart) + replacement + entry.line.slice(entry.valueEnd);
  const lines = splitLines(text);
  lines[entry.lineNumber - 1]!.content = after;
  return {
    text: joinLines(lines),
    changes: [{ lineNumber: entry.lineNumber, before: entry.line, after }],
    notes: [],
  };
}

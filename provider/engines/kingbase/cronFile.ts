/**
 * Reader and editor of the `network_rewind.sh` line in the V8R3 cron file `/etc/cron.d/KINGBASECRON`.
 *
 * The vendor scripts build the line as `*\/1 * * * * <user>  <path>/network_rewind.sh` (two spaces before the
 * path) and find it with `grep -wFn` (fixed string, word match); they comment it by inserting one `#` at column
 * 0 and un-comment it by deleting every `#`. If the line is rewritten in any other form the vendor scripts no
 * longer find it and append a second copy, so this module only ever toggles the leading `#` run and keeps every
 * other byte (docs/vendor/kingbase-recovery.md §1.2).
 */
import { StateError } from "../../errors";
import { escapeRegex } from "../../text";
import { appendLine, type FileEdit, joinLines, splitLines } from "./lines";

/** What identifies the network_rewind line: the cron user and the absolute path of `network_rewind.sh`. */
export interface CronLineSpec {
  /** The `KB_EXECUTE_SYS_USER` the job runs as, normally `kingbase`. */
  user: string;
  /** Absolute path of `network_rewind.sh`, e.g. `/home/kingbase/cluster/HAR3/db/bin/network_rewind.sh`. */
  scriptPath: string;
}

/** State of the network_rewind line: one active line, one commented line, none, or more than one. */
type CronLineState = "active" | "commented" | "absent" | "duplicated";

/** One line of the cron file that schedules network_rewind.sh. */
interface CronLineMatch {
  /** 1-based line number. */
  lineNumber: number;
  /** Line text without its terminator. */
  text: string;
  /** True when the first non-blank character is `#`. */
  commented: boolean;
  /** True when the vendor scripts find this line (`grep -wF` of the exact vendor string). */
  vendorFormat: boolean;
}

/** Result of scanning a cron file for the network_rewind line. */
export interface CronScan {
  /** Summary state; `duplicated` when more than one line schedules network_rewind.sh. */
  state: CronLineState;
  /** True when at least one matching line is active, i.e. cron runs network_rewind.sh. */
  effectiveActive: boolean;
  /** Every line that schedules network_rewind.sh (vendor format or other whitespace), in file order. */
  matches: CronLineMatch[];
  /** Remarks for the user: non-vendor format, lines for another user or path, duplicates. */
  warnings: string[];
}

/** The exact line the vendor scripts write and look for. */
export function vendorCronLine(spec: CronLineSpec): string {
  return `*/1 * * * * ${spec.user}  ${spec.scriptPath}`;
}

const WORD = /[A-Za-z0-9_]/;

/** `grep -wF needle`: the needle occurs with a non-word character (or the line edge) on both sides. */
function grepWordFixed(line: string, needle: string): boolean {
  let from = 0;
  for (;;) {
    const at = line.indexOf(needle, from);
    if (at === -1) return false;
    const before = at === 0 ? "" : line[at - 1]!;
    const after = line[at + needle.length] ?? "";
    const startOk = before === "" || !WORD.test(before) || !WORD.test(needle[0]!);
    const endOk = after === "" || !WORD.test(after) || !WORD.test(needle[needle.length - 1]!);
    if (startOk && endOk) return true;
    from = at + 1;
  }
}

/** Same fields as the vendor line with any whitespace between them (accepted for reading only). */
function tolerantPattern(spec: CronLineSpec): RegExp {
  return new RegExp(
    `^[\\s#]*\\*/1\\s+\\*\\s+\\*\\s+\\*\\s+\\*\\s+${escapeRegex(spec.user)}\\s+${escapeRegex(spec.scriptPath)}(\\s|$)`,
  );
}

function isCommented(content: string): boolean {
  return /^\s*#/.test(content);
}

/** Finds the network_rewind line(s) in a KINGBASECRON text (null text = file missing = absent). */
export function scanCronFile(text: string | null, spec: CronLineSpec): CronScan {
  const matches: CronLineMatch[] = [];
  const warnings: string[] = [];
  const expected = vendorCronLine(spec);
  const tolerant = tolerantPattern(spec);
  splitLines(text ?? "").forEach((line, i) => {
    const vendorFormat = grepWordFixed(line.content, expected);
    if (vendorFormat || tolerant.test(line.content)) {
      matches.push({
        lineNumber: i + 1,
        text: line.content,
        commented: isCommented(line.content),
        vendorFormat,
      });
      if (!vendorFormat) {
        warnings.push(
          `line ${i + 1} schedules network_rewind.sh in a non-vendor format (whitespace differs from ` +
            `"${expected}"); the vendor scripts do not find it and append a second line on the next start`,
        );
      }
    } else if (line.content.includes("network_rewind.sh")) {
      warnings.push(
        `line ${i + 1} mentions network_rewind.sh but not as "${expected}"; check paths.clusterPath and ` +
          `paths.cronUser`,
      );
    }
  });
  const effectiveActive = matches.some((m) => !m.commented);
  let state: CronLineState;
  if (matches.length === 0) state = "absent";
  else if (matches.length > 1) state = "duplicated";
  else state = effectiveActive ? "active" : "commented";
  if (state === "duplicated") {
    warnings.push(
      `${matches.length} lines schedule network_rewind.sh (lines ${matches.map((m) => m.lineNumber).join(", ")}); ` +
        `the vendor scripts expect exactly one`,
    );
  }
  return { state, effectiveActive, matches, warnings };
}

/** Removes every `#` of the leading run of blanks and `#`s, keeping every other byte (blanks included). */
function uncomment(content: string): string {
  const lead = /^[\s#]*/.exec(content)![0];
  return lead.replace(/#/g, "") + content.slice(lead.length);
}

/**
 * Makes cron run network_rewind.sh (`active` true) or not (false), changing as few bytes as possible:
 * deactivation inserts one `#` at column 0 of every active matching line (as the vendor `stop` does);
 * activation removes the leading `#`s of the one vendor-format line, or appends the exact vendor line when no
 * line exists. Line terminators and a missing final newline are kept. Throws {@link StateError} when
 * activation is ambiguous (several vendor-format lines, none active).
 */
export function setCronLineActive(text: string | null, spec: CronLineSpec, active: boolean): FileEdit {
  const source = text ?? "";
  const scan = scanCronFile(source, spec);
  const lines = splitLines(source);
  if (!active) {
    const changes = scan.matches
      .filter((m) => !m.commented)
      .map((m) => {
        const line = lines[m.lineNumber - 1]!;
        const after = `#${line.content}`;
        line.content = after;
        return { lineNumber: m.lineNumber, before: m.text, after };
      });
    return { text: joinLines(lines), changes, notes: [] };
  }
  if (scan.effectiveActive) return { text: source, changes: [], notes: [] };
  const vendor = scan.matches.filter((m) => m.vendorFormat);
  if (vendor.length > 1) {
    throw new StateError(
      `the cron file has ${vendor.length} commented network_rewind.sh lines ` +
        `(lines ${vendor.map((m) => m.lineNumber).join(", ")}); it is not clear which one to activate`,
      { hint: "Delete all but one of them by hand, then run again." },
    );
  }
  const only = vendor[0];
  if (only === undefined) {
    const why = scan.matches.length === 0 ? "it was absent" : "only non-vendor-format commented lines exist";
    return appendLine(
      text === null ? "" : source,
      vendorCronLine(spec),
      `appended the vendor network_rewind.sh line (${why})${text === null ? "; the file is created" : ""}`,
    );
  }
  const line = lines[only.lineNumber - 1]!;
  const after = uncomment(line.content);
  line.content = after;
  return {
    text: joinLines(lines),
    changes: [{ lineNumber: only.lineNumber, before: only.text, after }],
    notes: [],
  };
}

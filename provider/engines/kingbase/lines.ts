/**
 * Byte-preserving line handling shared by the KingbaseES file editors: a text is split into lines that keep
 * their own terminator (`\n`, `\r\n` or none for a last line without newline), so joining them again gives
 * back the exact input.
 */

/** One line of a text file with its own terminator. */
export interface TextLine {
  /** Line content without the terminator. */
  content: string;
  /** The terminator as found: `"\n"`, `"\r\n"`, or `""` for a last line without newline. */
  eol: string;
}

/** One changed line of a file, as shown in a plan: 1-based line number, text before and after (no terminator). */
export interface LineChange {
  /** 1-based line number of the line before the change; for an appended line, its number after the change. */
  lineNumber: number;
  /** Line text before the change, or null when the line is appended. */
  before: string | null;
  /** Line text after the change, or null when the line is removed. */
  after: string | null;
}

/** Result of a pure file edit: the new text, the changed lines, and remarks for the plan. */
export interface FileEdit {
  /** The whole new file text. Never put it into outputs: vendor files may hold passwords. */
  text: string;
  /** Changed lines in file order; empty when the file is already right. */
  changes: LineChange[];
  /** Human remarks, e.g. "appended the vendor line (it was absent)". */
  notes: string[];
  /** True when a terminator was added to the old last line before appending (undone on restore). */
  addedTerminator?: boolean;
}

/** Splits a text into lines keeping each terminator; `joinLines(splitLines(t)) === t` for every `t`. */
export function splitLines(text: string): TextLine[] {
  const lines: TextLine[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf("\n", start);
    if (nl === -1) {
      lines.push({ content: text.slice(start), eol: "" });
      break;
    }
    const crlf = nl > start && text[nl - 1] === "\r";
    lines.push({ content: text.slice(start, crlf ? nl - 1 : nl), eol: crlf ? "\r\n" : "\n" });
    start = nl + 1;
  }
  return lines;
}

/** Inverse of {@link splitLines}. */
export function joinLines(lines: readonly TextLine[]): string {
  return lines.map((l) => l.content + l.eol).join("");
}

/** The terminator to use for a line added to this text: `\r\n` when most lines use it, else `\n`. */
function dominantEol(lines: readonly TextLine[]): string {
  let crlf = 0;
  let lf = 0;
  for (const l of lines) {
    if (l.eol === "\r\n") crlf++;
    else if (l.eol === "\n") lf++;
  }
  return crlf > lf ? "\r\n" : "\n";
}

/**
 * Appends one line to a text. When the text does not end with a terminator, one is added to the old last line
 * first (a line cannot be appended otherwise; cron also ignores an unterminated last line). Returns the edit.
 */
export function appendLine(text: string, line: string, note: string): FileEdit {
  const lines = splitLines(text);
  const eol = dominantEol(lines);
  const notes = [note];
  const last = lines[lines.length - 1];
  const addedTerminator = last !== undefined && last.eol === "";
  if (addedTerminator) {
    last.eol = eol;
    notes.push("added the missing line terminator to the last line before appending");
  }
  lines.push({ content: line, eol });
  return {
    text: joinLines(lines),
    changes: [{ lineNumber: lines.length, before: null, after: line }],
    notes,
    addedTerminator,
  };
}

/**
 * Reads GUC values straight from `postgresql.conf` lines — the file `gs_guc check` reads — so one `grep` per node
 * replaces one `gs_guc check` process per parameter. Same semantics as {@link parseGucCheck}: the last active
 * (not commented-out) line wins; no active line = unset; `''` = explicitly empty.
 */
import { type GucValue, gucValueOfRaw } from "./gucCheck";

/** The text after `=` up to a `#` that is outside single quotes, trimmed. */
function rawValue(rest: string): string {
  let quoted = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i];
    if (c === "'") {
      if (quoted && rest[i + 1] === "'") {
        i++;
        continue;
      }
      quoted = !quoted;
    } else if (c === "#" && !quoted) {
      return rest.slice(0, i).trim();
    }
  }
  return rest.trim();
}

/** The value of `name` in `postgresql.conf` text (or the active lines of it). */
export function confGucValue(text: string, name: string): GucValue {
  let found: GucValue = { state: "unset" };
  const lower = name.toLowerCase();
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*([A-Za-z_][\w.]*)\s*=\s*(.*)$/.exec(line);
    if (m && m[1]!.toLowerCase() === lower) found = gucValueOfRaw(rawValue(m[2]!));
  }
  return found;
}

/**
 * Reads `repmgr.conf` the way repmgr 5 (and PostgreSQL) parse configuration files: `name = value` or
 * `name value`, `#` starts a comment outside quotes, single-quoted strings with `''` (or `\'`) for a quote,
 * names case-insensitive, and the last assignment of a name wins. Used by the emulated daemons and CLI.
 */

/** Parsed settings: lower-case name → value with quotes removed. */
export type RepmgrSettings = Record<string, string>;

/** Parses one line; returns undefined for blank, comment-only or malformed lines. */
function parseConfLine(line: string): { name: string; value: string } | undefined {
  let i = 0;
  const n = line.length;
  const skipWs = () => {
    while (i < n && (line[i] === " " || line[i] === "\t" || line[i] === "\r")) i++;
  };
  skipWs();
  if (i >= n || line[i] === "#") return undefined;
  const nameStart = i;
  while (i < n && /[A-Za-z0-9_.-]/.test(line[i] as string)) i++;
  const name = line.slice(nameStart, i).toLowerCase();
  if (name === "") return undefined;
  skipWs();
  if (line[i] === "=") {
    i++;
    skipWs();
  }
  let value = "";
  if (line[i] === "'") {
    i++;
    let closed = false;
    while (i < n) {
      const c = line[i] as string;
      if (c === "\\" && i + 1 < n) {
        value += line[i + 1];
        i += 2;
        continue;
      }
      if (c === "'") {
        if (line[i + 1] === "'") {
          value += "'";
          i += 2;
          continue;
        }
        closed = true;
        i++;
        break;
      }
      value += c;
      i++;
    }
    if (!closed) return undefined;
  } else {
    const start = i;
    while (i < n && line[i] !== "#" && line[i] !== " " && line[i] !== "\t" && line[i] !== "\r") i++;
    value = line.slice(start, i);
  }
  skipWs();
  if (i < n && line[i] !== "#") return undefined;
  return { name, value };
}

/** Parses a whole file; the last uncommented assignment of each name wins. */
export function parseRepmgrConf(text: string): RepmgrSettings {
  const out: RepmgrSettings = {};
  for (const line of text.split("\n")) {
    const kv = parseConfLine(line);
    if (kv) out[kv.name] = kv.value;
  }
  return out;
}

/**
 * The openGauss view of `postgresql.conf` (and of `cm_agent.conf` / `cm_server.conf`, same syntax):
 * parse, read one GUC, set it the way gs_guc does (replace the active line keeping its trailing comment,
 * else reuse a commented-out line, else append), reset it (comment it out), and split `replconninfoN`.
 */

interface ConfLine {
  commented: boolean;
  name: string;
  value: string;
  comment: string;
}

const LINE_RE = /^\s*(#?)\s*([A-Za-z_][\w.]*)\s*=\s*(.*)$/;

/** Splits `value  # comment` honouring single quotes ('' escapes). */
function splitValue(rest: string): { value: string; comment: string } {
  const s = rest.trimStart();
  if (s.startsWith("'")) {
    let i = 1;
    while (i < s.length) {
      if (s[i] === "'") {
        if (s[i + 1] === "'") {
          i += 2;
          continue;
        }
        break;
      }
      i++;
    }
    const value = s.slice(0, i + 1);
    const after = s.slice(i + 1);
    const hash = after.indexOf("#");
    return { value, comment: hash >= 0 ? after.slice(hash) : "" };
  }
  const hash = s.indexOf("#");
  const raw = hash >= 0 ? s.slice(0, hash) : s;
  return { value: raw.trim(), comment: hash >= 0 ? s.slice(hash) : "" };
}

function parseLine(line: string): ConfLine | undefined {
  const m = LINE_RE.exec(line);
  if (!m) return undefined;
  const { value, comment } = splitValue(m[3]!);
  return { commented: m[1] === "#", name: m[2]!, value, comment };
}

/** Every active GUC (last occurrence wins), raw values (quotes kept), names lower-cased. */
export function parseConf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split("\n")) {
    const p = parseLine(line);
    if (p && !p.commented) out.set(p.name.toLowerCase(), p.value);
  }
  return out;
}

/** Raw value of an active GUC, or undefined when unset (absent or commented out). */
export function getGuc(text: string, name: string): string | undefined {
  return parseConf(text).get(name.toLowerCase());
}

/** Removes one level of single quotes. */
export function unquote(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  return t;
}

function render(name: string, value: string, comment: string): string {
  return `${name} = ${value}${comment ? `\t\t${comment}` : ""}`;
}

/** Sets `name = value` (value raw, as gs_guc received it). */
export function setGuc(text: string, name: string, value: string): string {
  const lines = text.split("\n");
  const key = name.toLowerCase();
  let active = -1;
  let commented = -1;
  lines.forEach((line, i) => {
    const p = parseLine(line);
    if (!p || p.name.toLowerCase() !== key) return;
    if (!p.commented) active = i;
    else if (commented < 0) commented = i;
  });
  if (active >= 0) {
    const p = parseLine(lines[active]!)!;
    lines[active] = render(p.name, value, p.comment);
    // any other active occurrence would shadow nothing (last wins), but keep one source of truth
    lines.forEach((line, i) => {
      const q = parseLine(line);
      if (i !== active && q && !q.commented && q.name.toLowerCase() === key) lines[i] = `#${line}`;
    });
  } else if (commented >= 0) {
    const p = parseLine(lines[commented]!)!;
    lines[commented] = render(p.name, value, p.comment);
  } else {
    if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    lines.push(render(name, value, ""), "");
  }
  return lines.join("\n");
}

/** Resets a GUC to its default: comments out every active occurrence. */
export function resetGuc(text: string, name: string): string {
  const key = name.toLowerCase();
  return text
    .split("\n")
    .map((line) => {
      const p = parseLine(line);
      return p && !p.commented && p.name.toLowerCase() === key ? `#${line}` : line;
    })
    .join("\n");
}

/** `key=value` tokens of a replconninfo value (quotes removed). */
export function parseReplconninfo(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tok of unquote(raw).split(/\s+/)) {
    const eq = tok.indexOf("=");
    if (eq > 0) out[tok.slice(0, eq)] = tok.slice(eq + 1);
  }
  return out;
}

/** One replication channel of the openGauss view. */
export interface ReplChannel {
  index: number;
  remoteHost: string;
  remotePort: number;
  crossRegion: boolean;
}

/** Every set, non-empty replconninfo1..8 channel. */
export function replChannels(text: string): ReplChannel[] {
  const conf = parseConf(text);
  const out: ReplChannel[] = [];
  for (let i = 1; i <= 8; i++) {
    const raw = conf.get(`replconninfo${i}`);
    if (raw === undefined || unquote(raw) === "") continue;
    const kv = parseReplconninfo(raw);
    if (!kv["remotehost"] || !kv["remoteport"]) continue;
    out.push({
      index: i,
      remoteHost: kv["remotehost"],
      remotePort: Number(kv["remoteport"]),
      crossRegion: kv["iscrossregion"] === "true",
    });
  }
  return out;
}

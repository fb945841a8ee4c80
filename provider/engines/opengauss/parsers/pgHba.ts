/**
 * pg_hba.conf as `gs_guc set -h` sees and edits it (openGauss `src/bin/gs_guc/pg_hba.cpp`,
 * docs/vendor/opengauss-gs_sdr.md §3.3 B): parse lines into entries, the identity rule (connection type + database + user +
 * address/mask; the method is ignored) and the two edits — *set* (replace the matching entry, keeping its trailing
 * comment; reuse a commented-out match; otherwise insert in gs_guc's sorted position) and *comment-out* (a line
 * given without a method prefixes the matching active entry with `#`). Used to predict the file after a change.
 *
 * Faithful details: gs_guc re-sorts the whole file (a stable insertion sort that also places commented-out entries)
 * whenever it changes it; a replaced line becomes `<new line> <old trailing comment>` (so a trailing space when the
 * old line had no comment); only the first matching entry (in sorted order) is touched.
 */

import { ParseError } from "../../../errors";

/** Connection types, in gs_guc's enum order. */
type HbaConnType = "local" | "host" | "hostssl" | "hostnossl";

/** One token of a comma-separated field. */
interface HbaToken {
  /** Token text without quotes. */
  value: string;
  /** True when the token started with a double quote. */
  quoted: boolean;
}

/** How the address field matches. */
type HbaAddress =
  | { kind: "all" | "samehost" | "samenet" }
  | { kind: "hostname"; hostname: string }
  | { kind: "ip"; family: 4 | 6; addr: number[]; mask: number[] };

/** A parsed pg_hba entry. */
export interface HbaEntry {
  /** Connection type. */
  conntype: HbaConnType;
  /** Database field tokens. */
  databases: HbaToken[];
  /** User field tokens. */
  roles: HbaToken[];
  /** Address (absent for `local`). */
  address?: HbaAddress;
  /** Authentication method; undefined for a removal argument (a line given without a method). */
  method?: string;
}

/** One line of the file. */
export interface HbaLine {
  /** The line text, without its newline. */
  text: string;
  /** True when the first non-blank character is `#`. */
  commented: boolean;
  /** The entry, when the line (or the commented-out text) is a valid pg_hba entry. */
  entry?: HbaEntry;
}

/** One edit, in the form gs_sdr/ConfigHba passes it to `gs_guc set -h`. */
export type HbaOp =
  | {
      /** Add or replace the entry with this exact line (which has a method). */
      kind: "set";
      line: string;
    }
  | {
      /** Comment out the entry identified by this line (its method, if any, is ignored). */
      kind: "comment-out";
      line: string;
    };

/** What an op did to the file. */
export interface HbaEffect {
  /** The op. */
  op: HbaOp;
  /** add: new line; replace: matching active line rewritten; uncomment: commented-out match reused; comment-out; unchanged. */
  action: "add" | "replace" | "uncomment" | "comment-out" | "unchanged";
  /** The line now in the file (add/replace/uncomment/comment-out). */
  line?: string;
  /** The line it replaced (replace/uncomment/comment-out). */
  previous?: string;
}

const METHODS = new Set([
  "trust",
  "reject",
  "md5",
  "sha256",
  "sm3",
  "ident",
  "peer",
  "gss",
  "sspi",
  "krb5",
  "pam",
  "ldap",
  "cert",
]);

const isBlank = (c: string | undefined): boolean => c === " " || c === "\t" || c === "\r";

/** gs_guc's tokenizer: one field (comma-separated tokens) starting at `pos.i`; `#` outside quotes ends the line. */
function nextField(line: string, pos: { i: number }): HbaToken[] | null {
  const tokens: HbaToken[] = [];
  for (;;) {
    let c = line[pos.i++];
    while (c !== undefined && (isBlank(c) || c === ",")) c = line[pos.i++];
    if (c === undefined || c === "\n") {
      pos.i--;
      break;
    }
    let buf = "";
    let inQuote = false;
    let wasQuote = false;
    let sawQuote = false;
    let initialQuote = false;
    let terminatingComma = false;
    while (c !== undefined && c !== "\n" && (!isBlank(c) || inQuote)) {
      if (c === "#" && !inQuote) {
        pos.i = line.length + 1;
        break;
      }
      if (c === "," && !inQuote) {
        terminatingComma = true;
        break;
      }
      if (c !== '"' || wasQuote) buf += c;
      if (inQuote && c === '"') wasQuote = !wasQuote;
      else wasQuote = false;
      if (c === '"') {
        inQuote = !inQuote;
        sawQuote = true;
        if (buf === "") initialQuote = true;
      }
      c = line[pos.i++];
    }
    pos.i--;
    if (!(sawQuote || buf !== "")) break;
    tokens.push({ value: buf, quoted: initialQuote });
    if (!terminatingComma) break;
    pos.i++; // skip the comma
  }
  return tokens.length === 0 ? null : tokens;
}

function parseIpv4(s: string): number[] | null {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return null;
  const b = m.slice(1).map(Number);
  return b.every((x) => x <= 255) ? b : null;
}

function parseIpv6(s: string): number[] | null {
  if (!/^[0-9A-Fa-f:.]+$/.test(s) || !s.includes(":")) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const items = part.split(":");
    for (let i = 0; i < items.length; i++) {
      const g = items[i]!;
      if (i === items.length - 1 && g.includes(".")) {
        const v4 = parseIpv4(g);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return null;
        out.push(Number.parseInt(g, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  let all: number[];
  if (halves.length === 2) {
    const fill = 8 - head.length - tail.length;
    if (fill < 1) return null;
    all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  } else {
    all = head;
  }
  if (all.length !== 8) return null;
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

function parseNumericIp(s: string): { family: 4 | 6; bytes: number[] } | null {
  const v4 = parseIpv4(s);
  if (v4) return { family: 4, bytes: v4 };
  const v6 = parseIpv6(s);
  if (v6) return { family: 6, bytes: v6 };
  return null;
}

function cidrMask(bits: string, family: 4 | 6): number[] | null {
  if (!/^\d+$/.test(bits)) return null;
  let n = Number(bits);
  const len = family === 4 ? 4 : 16;
  if (n > len * 8) return null;
  const out: number[] = [];
  for (let i = 0; i < len; i++) {
    out.push(n >= 8 ? 0xff : n <= 0 ? 0 : (0xff << (8 - n)) & 0xff);
    n -= 8;
  }
  return out;
}

/**
 * Parses one line as gs_guc does (`parse_hba_line`). `inComment` skips leading blanks and `#` (a commented-out
 * entry); `isArgument` is true for a line given to `gs_guc -h`, which may omit the method (a removal).
 * Returns null when the line is not a valid entry.
 */
export function parseHbaEntry(
  line: string,
  opts: { inComment?: boolean; isArgument?: boolean } = {},
): HbaEntry | null {
  const pos = { i: 0 };
  if (opts.inComment) while (isBlank(line[pos.i]) || line[pos.i] === "#") pos.i++;
  const typeField = nextField(line, pos);
  if (typeField?.length !== 1) return null;
  const t = typeField[0]!.value;
  if (t !== "local" && t !== "host" && t !== "hostssl" && t !== "hostnossl") return null;
  const conntype = t as HbaConnType;
  const databases = nextField(line, pos);
  if (!databases) return null;
  const roles = nextField(line, pos);
  if (!roles) return null;
  const entry: HbaEntry = { conntype, databases, roles };
  if (conntype !== "local") {
    const addrField = nextField(line, pos);
    if (addrField?.length !== 1) return null;
    const tok = addrField[0]!;
    if (!tok.quoted && (tok.value === "all" || tok.value === "samehost" || tok.value === "samenet")) {
      entry.address = { kind: tok.value };
    } else {
      const slash = tok.value.indexOf("/");
      const host = slash >= 0 ? tok.value.slice(0, slash) : tok.value;
      const ip = parseNumericIp(host);
      if (!ip) {
        if (slash >= 0) return null; // host name with a CIDR mask
        entry.address = { kind: "hostname", hostname: host };
      } else if (slash >= 0) {
        const mask = cidrMask(tok.value.slice(slash + 1), ip.family);
        if (!mask) return null;
        entry.address = { kind: "ip", family: ip.family, addr: ip.bytes, mask };
      } else {
        const maskField = nextField(line, pos);
        if (maskField?.length !== 1) return null;
        const mask = parseNumericIp(maskField[0]!.value);
        if (!mask || mask.family !== ip.family) return null;
        entry.address = { kind: "ip", family: ip.family, addr: ip.bytes, mask: mask.bytes };
      }
    }
  }
  const methodField = nextField(line, pos);
  if (!methodField) return opts.isArgument ? entry : null;
  if (methodField.length !== 1) return null;
  const method = methodField[0]!.value;
  if (!METHODS.has(method)) return null;
  if (method === "peer" && conntype !== "local") return null;
  if ((method === "krb5" || method === "gss") && conntype === "local") return null;
  if (method === "cert" && conntype !== "hostssl") return null;
  for (let opt = nextField(line, pos); opt; opt = nextField(line, pos)) {
    if (opt.some((o) => !o.value.includes("="))) return null;
  }
  entry.method = method;
  return entry;
}

/** True when the first non-blank character of the line is `#`. */
function isCommentedLine(line: string): boolean {
  return /^[ \t\r]*#/.test(line);
}

/** Splits pg_hba text into lines and parses each (commented-out entries too). */
export function parsePgHba(text: string): HbaLine[] {
  const body = text.endsWith("\n") ? text.slice(0, -1) : text;
  if (body === "" && text === "") return [];
  return body.split("\n").map((line) => {
    const commented = isCommentedLine(line);
    const entry = parseHbaEntry(line, { inComment: commented });
    return entry ? { text: line, commented, entry } : { text: line, commented };
  });
}

function tokensEqual(a: HbaToken[], b: HbaToken[]): boolean {
  return a.length === b.length && a.every((t, i) => t.value === b[i]!.value && t.quoted === b[i]!.quoted);
}

function addressEqual(a: HbaAddress | undefined, b: HbaAddress | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.kind !== b.kind) {
    // gs_guc compares the ip_cmp_method first: host names and IPs are both "mask" and never match each other.
    return false;
  }
  if (a.kind === "hostname" && b.kind === "hostname") return a.hostname === b.hostname;
  if (a.kind === "ip" && b.kind === "ip") {
    if (a.family !== b.family || a.mask.length !== b.mask.length) return false;
    return a.mask.every((m, i) => m === b.mask[i] && (a.addr[i]! & m) === (b.addr[i]! & m));
  }
  return true;
}

/** gs_guc's identity rule (`exact_match_hba_line`): same connection type, address/mask, databases and users. */
export function sameHbaIdentity(a: HbaEntry, b: HbaEntry): boolean {
  if (a.conntype !== b.conntype) return false;
  if (a.conntype !== "local" && !addressEqual(a.address, b.address)) return false;
  return tokensEqual(a.databases, b.databases) && tokensEqual(a.roles, b.roles);
}

const CONN_INDEX: Record<HbaConnType, number> = { local: 0, host: 1, hostssl: 2, hostnossl: 3 };
const CONN_ORDER = [7, 4, 6, 5, 3, 0, 2, 1];
const ADDR_INDEX = { ip: 0, hostname: 0, samehost: 1, samenet: 2, all: 3 } as const;
const ADDR_ORDER = [1, 3, 2, 0];

function hasKeyword(list: HbaToken[], kw: string): boolean {
  return list.some((t) => !t.quoted && t.value === kw);
}

function cmpLists(a: HbaToken[], b: HbaToken[]): number {
  const aAll = hasKeyword(a, "all");
  const bAll = hasKeyword(b, "all");
  if (aAll === bAll) return b.length - a.length;
  return aAll ? -1 : 1;
}

function maskValue(mask: number[]): number {
  // s_addr (network byte order) read as a little-endian uint32, as gs_guc does on x86/ARM.
  return ((mask[0]! | (mask[1]! << 8) | (mask[2]! << 16)) >>> 0) + mask[3]! * 0x1000000;
}

/**
 * gs_guc's ordering (`cmp_hba_line`); a positive result means `a` sorts before `b`. Order: local, hostssl,
 * hostnossl, host, then the replication-only variants; samehost, samenet, addresses (host names first, then
 * IPv4, longer prefix first), all; then specific databases/users before `all`.
 */
export function compareHbaEntries(a: HbaEntry, b: HbaEntry): number {
  const aRepl = a.databases.length === 1 && hasKeyword(a.databases, "replication") ? 1 : 0;
  const bRepl = b.databases.length === 1 && hasKeyword(b.databases, "replication") ? 1 : 0;
  if (a.conntype !== b.conntype || aRepl !== bRepl) {
    return CONN_ORDER[CONN_INDEX[a.conntype] + 4 * aRepl]! - CONN_ORDER[CONN_INDEX[b.conntype] + 4 * bRepl]!;
  }
  if (a.conntype !== "local" && a.address && b.address) {
    const am = ADDR_INDEX[a.address.kind];
    const bm = ADDR_INDEX[b.address.kind];
    if (am !== bm) return ADDR_ORDER[am]! - ADDR_ORDER[bm]!;
    if (am === 0) {
      const ah = a.address.kind === "hostname" ? 1 : 0;
      const bh = b.address.kind === "hostname" ? 1 : 0;
      if (ah || bh) return ah - bh;
      const ax = a.address as Extract<HbaAddress, { kind: "ip" }>;
      const bx = b.address as Extract<HbaAddress, { kind: "ip" }>;
      if (ax.family !== bx.family) return ax.family === 4 ? 1 : -1;
      if (ax.family === 4) {
        const d = maskValue(ax.mask) - maskValue(bx.mask);
        if (d !== 0) return d > 0 ? 1 : -1;
      } else {
        for (let i = 0; i < 16; i++) if (ax.mask[i] !== bx.mask[i]) return ax.mask[i]! - bx.mask[i]!;
      }
    }
  }
  const d = cmpLists(a.databases, b.databases);
  if (d !== 0) return d;
  return cmpLists(a.roles, b.roles);
}

/** gs_guc's `insert_into_sorted_hbalines`: moves the line at `inpos` up to its sorted place. */
function insertSorted(lines: HbaLine[], inpos: number): void {
  const entry = lines[inpos]!.entry!;
  let idx = inpos - 1;
  let minValid = inpos;
  while (idx >= 0) {
    const e = lines[idx]!.entry;
    if (e) {
      if (compareHbaEntries(e, entry) >= 0) break;
      minValid = idx;
    }
    idx--;
  }
  if (minValid === inpos) return;
  const insertPos = idx === -1 ? minValid : idx + 1;
  const [moved] = lines.splice(inpos, 1);
  lines.splice(insertPos, 0, moved!);
}

/** gs_guc's `sort_hba_lines`: the file re-sorted (stable), comments and invalid lines kept in place relative order. */
export function sortHbaLines(lines: readonly HbaLine[]): HbaLine[] {
  const out: HbaLine[] = [];
  for (const l of lines) {
    out.push(l);
    if (l.entry) insertSorted(out, out.length - 1);
  }
  return out;
}

function commentPart(line: string): string {
  let i = 0;
  while (isBlank(line[i]) || line[i] === "#") i++;
  while (i < line.length && line[i] !== "#") i++;
  return line.slice(i);
}

function applyOne(lines: HbaLine[], op: HbaOp): { lines: HbaLine[]; effect: HbaEffect } {
  const arg = op.line.trim();
  const parsed = parseHbaEntry(arg, { isArgument: true });
  if (!parsed) throw new ParseError(`not a valid pg_hba line: ${arg}`);
  const isDelete = op.kind === "comment-out" || parsed.method === undefined;
  if (!isDelete && op.kind === "set" && parsed.method === undefined)
    throw new ParseError(`set needs a method: ${arg}`);
  const sorted = sortHbaLines(lines);
  let i = sorted.findIndex((l) => !l.commented && l.entry && sameHbaIdentity(parsed, l.entry));
  if (i < 0) i = sorted.findIndex((l) => l.commented && l.entry && sameHbaIdentity(parsed, l.entry));
  if (i >= 0) {
    const old = sorted[i]!;
    if (isDelete) {
      if (old.commented) return { lines, effect: { op, action: "unchanged" } };
      const text = `#${old.text}`;
      sorted[i] = { text, commented: true, entry: old.entry! };
      return { lines: sorted, effect: { op, action: "comment-out", line: text, previous: old.text } };
    }
    const text = `${arg} ${commentPart(old.text)}`;
    sorted[i] = { text, commented: false, entry: parseHbaEntry(arg)! };
    let action: HbaEffect["action"] = old.commented ? "uncomment" : "replace";
    if (action === "replace" && old.text.trimEnd() === text.trimEnd()) action = "unchanged";
    return { lines: sorted, effect: { op, action, line: text, previous: old.text } };
  }
  if (isDelete) return { lines, effect: { op, action: "unchanged" } };
  const entry = parseHbaEntry(arg);
  if (!entry) throw new ParseError(`not a valid pg_hba line: ${arg}`);
  sorted.push({ text: arg, commented: false, entry });
  insertSorted(sorted, sorted.length - 1);
  return { lines: sorted, effect: { op, action: "add", line: arg } };
}

/** Renders lines back to file text (newline-terminated). */
function renderPgHba(lines: readonly HbaLine[]): string {
  return lines.length === 0 ? "" : `${lines.map((l) => l.text).join("\n")}\n`;
}

/**
 * Applies ops in order the way gs_guc does and returns the predicted file and what each op did. Throws when an
 * op's line is not a valid pg_hba entry (gs_guc would refuse it).
 */
export function applyHbaOps(
  text: string,
  ops: readonly HbaOp[],
): { text: string; effects: HbaEffect[]; reordered: boolean } {
  let lines = parsePgHba(text);
  const original = lines;
  const effects: HbaEffect[] = [];
  let changed = false;
  for (const op of ops) {
    const r = applyOne(lines, op);
    if (r.lines !== lines) changed = true;
    lines = r.lines;
    effects.push(r.effect);
  }
  const reordered = changed && sortHbaLines(original).some((l, i) => l !== original[i]);
  return { text: changed ? renderPgHba(lines) : text, effects, reordered };
}

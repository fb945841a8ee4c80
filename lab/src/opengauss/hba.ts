/**
 * pg_hba.conf, openGauss view and PostgreSQL runtime.
 *
 * gs_guc `-h` semantics (docs/vendor/opengauss-gs_sdr.md §3.3 B): an entry is identified by type + database + user + address/mask; a
 * match is replaced keeping its trailing `#comment`; a commented-out match is reused; a new entry is inserted
 * after the last active entry of the same type and database (else of the same type, else appended); a line
 * without a method comments the matching active entry out.
 *
 * Runtime translation: every connection between lab hosts arrives from 127.0.0.1 (one network namespace),
 * so each view line whose address lies in 127.0.0.0/8 also gets a twin for 127.0.0.1/32 right after it:
 * 127.0.0.1 stands for "any lab host". Methods: sha256/sm3 → scram-sha-256, md5/trust/reject/password/peer/
 * ident/cert kept, others dropped. Three baseline lines for the OS user come first (local trust, host and
 * replication trust from 127.0.0.1) so the emulation's own tooling and in-cluster streaming always work.
 */

const TYPES = new Set(["local", "host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc"]);
const METHODS = new Set([
  "trust",
  "reject",
  "md5",
  "sha256",
  "sm3",
  "password",
  "scram-sha-256",
  "gss",
  "sspi",
  "ident",
  "peer",
  "pam",
  "ldap",
  "radius",
  "cert",
  "krb5",
]);

/** A parsed hba entry. */
interface HbaEntry {
  type: string;
  database: string;
  user: string;
  /** Address with mask folded in (`a.b.c.d/32`), empty for `local`. */
  address: string;
  /** Method and options, or undefined when the line has none. */
  method?: string;
  options: string[];
}

function maskBits(mask: string): number | undefined {
  const parts = mask.split(".").map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return undefined;
  const bits = parts.map((p) => p.toString(2).padStart(8, "0")).join("");
  if (!/^1*0*$/.test(bits)) return undefined;
  return bits.indexOf("0") < 0 ? 32 : bits.indexOf("0");
}

/** Parses the content of an hba line (no leading `#`, no trailing comment). */
function parseHbaEntry(content: string): HbaEntry | undefined {
  const t = content.trim().split(/\s+/);
  if (t.length < 3 || !TYPES.has(t[0]!)) return undefined;
  const [type, database, user] = t as [string, string, string];
  let i = 3;
  let address = "";
  if (type !== "local") {
    if (t.length < 4) return undefined;
    address = t[3]!;
    i = 4;
    if (
      !address.includes("/") &&
      /^\d+\.\d+\.\d+\.\d+$/.test(address) &&
      t[4] &&
      maskBits(t[4]) !== undefined
    ) {
      address = `${address}/${maskBits(t[4])}`;
      i = 5;
    }
  }
  const method = t[i];
  if (method !== undefined && !METHODS.has(method)) return undefined;
  return { type, database, user, address, method, options: t.slice(i + 1) };
}

function identity(e: HbaEntry): string {
  return `${e.type}|${e.database}|${e.user}|${e.address}`;
}

interface HbaLine {
  commented: boolean;
  entry?: HbaEntry;
  comment: string;
}

function splitLine(line: string): HbaLine {
  const m = /^\s*(#?)\s*(.*)$/.exec(line)!;
  const commented = m[1] === "#";
  const rest = m[2]!;
  const hash = rest.indexOf("#");
  const content = hash >= 0 ? rest.slice(0, hash) : rest;
  const comment = hash >= 0 ? rest.slice(hash) : "";
  return { commented, entry: parseHbaEntry(content), comment };
}

/** Result of one `gs_guc -h` edit. */
export interface HbaEditResult {
  text: string;
  /** The line as gs_guc echoes it: the given line, with `#` in front for a removal. */
  echoed: string;
}

/** Applies one `gs_guc … -h "<line>"`; throws on a line gs_guc would refuse. */
export function applyHbaLine(text: string, given: string): HbaEditResult {
  const entry = parseHbaEntry(given);
  if (!entry) throw new Error(`invalid hba line: ${given}`);
  const lines = text.split("\n");
  const parsed = lines.map(splitLine);
  const id = identity(entry);
  const activeIdx = parsed.findIndex((p) => !p.commented && p.entry && identity(p.entry) === id);
  const content = given.trim();
  if (entry.method === undefined) {
    if (activeIdx >= 0) lines[activeIdx] = `#${lines[activeIdx]}`;
    return { text: lines.join("\n"), echoed: `#${content}` };
  }
  const withComment = (i: number): string =>
    parsed[i]!.comment ? `${content}\t${parsed[i]!.comment}` : content;
  if (activeIdx >= 0) {
    lines[activeIdx] = withComment(activeIdx);
    return { text: lines.join("\n"), echoed: content };
  }
  const commentedIdx = parsed.findIndex((p) => p.commented && p.entry && identity(p.entry) === id);
  if (commentedIdx >= 0) {
    lines[commentedIdx] = withComment(commentedIdx);
    return { text: lines.join("\n"), echoed: content };
  }
  const lastWhere = (pred: (e: HbaEntry) => boolean): number => {
    let idx = -1;
    parsed.forEach((p, i) => {
      if (!p.commented && p.entry && pred(p.entry)) idx = i;
    });
    return idx;
  };
  let at = lastWhere((e) => e.type === entry.type && e.database === entry.database);
  if (at < 0) at = lastWhere((e) => e.type === entry.type);
  if (at >= 0) {
    lines.splice(at + 1, 0, content);
  } else {
    if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    lines.push(content, "");
  }
  return { text: lines.join("\n"), echoed: content };
}

/** Active entries of an hba file. */
function activeHbaEntries(text: string): HbaEntry[] {
  return text
    .split("\n")
    .map(splitLine)
    .filter((p) => !p.commented && p.entry && p.entry.method !== undefined)
    .map((p) => p.entry!);
}

function inLoopback(address: string): boolean {
  const m = /^127\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(address);
  return !!m && Number(m[4]) >= 8 && address !== "127.0.0.1/32";
}

const METHOD_MAP: Record<string, string | undefined> = {
  sha256: "scram-sha-256",
  sm3: "scram-sha-256",
  "scram-sha-256": "scram-sha-256",
  md5: "md5",
  trust: "trust",
  reject: "reject",
  password: "password",
  peer: "peer",
  ident: "ident",
  cert: "cert",
};

/** The pg_hba file PostgreSQL loads, generated from the openGauss view. */
export function runtimeHba(viewText: string, osUser: string): string {
  const out = [
    "# GENERATED by the pulumi-hadr lab from the openGauss view (<datadir>/pg_hba.conf); do not edit",
    `local all ${osUser} trust`,
    `host all ${osUser} 127.0.0.1/32 trust`,
    `host replication ${osUser} 127.0.0.1/32 trust`,
  ];
  for (const e of activeHbaEntries(viewText)) {
    const method = METHOD_MAP[e.method!];
    if (!method) continue;
    const tail = [method, ...e.options].join(" ");
    if (e.type === "local") {
      out.push(`local ${e.database} ${e.user} ${tail}`);
      continue;
    }
    out.push(`${e.type} ${e.database} ${e.user} ${e.address} ${tail}`);
    if (inLoopback(e.address)) out.push(`${e.type} ${e.database} ${e.user} 127.0.0.1/32 ${tail}`);
  }
  return `${out.join("\n")}\n`;
}

/** The standard install lines of the openGauss view (docs/vendor/opengauss-gs_sdr.md §3.3 B), four spaces between fields. */
export function installHbaLines(osUser: string, clusterIps: string[]): string[] {
  const out: string[] = [];
  for (const ip of clusterIps) {
    out.push(`host    all    ${osUser}    ${ip}/32    trust`);
    out.push(`host    all    all    ${ip}/32    sha256`);
  }
  return out;
}

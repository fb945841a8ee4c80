/**
 * One `replconninfoN` value: the 8 connection fields plus the optional `iscascade`/`iscrossregion` flags
 * (docs/vendor/opengauss-gs_sdr.md §3.3 A), and the exact regex gs_sdr applies to `gs_guc check` output.
 */

/** The 8 fields of a replication channel plus the DR flags. */
export interface ReplConnInfo {
  /** Local (data) IP. */
  localhost: string;
  /** Local HA port (dataPortBase + 1). */
  localport: number;
  /** Local heartbeat port (dataPortBase + 5). */
  localheartbeatport: number;
  /** Local service port (dataPortBase + 4). */
  localservice: number;
  /** Remote (data) IP. */
  remotehost: string;
  /** Remote HA port. */
  remoteport: number;
  /** Remote heartbeat port. */
  remoteheartbeatport: number;
  /** Remote service port. */
  remoteservice: number;
  /** `iscascade=…` when present. */
  iscascade?: boolean;
  /** `iscrossregion=…` when present. */
  iscrossregion?: boolean;
}

const IPV4 = "\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}";
const IPV6_FULL = "[0-9a-fA-F]{1,4}(?::[0-9a-fA-F]{1,4}){7}";
const IP = `(?:${IPV4}|${IPV6_FULL})`;
const PORT = "\\d{4,5}";

/** Field names in their fixed order. */
const REPLCONNINFO_FIELDS = [
  "localhost",
  "localport",
  "localheartbeatport",
  "localservice",
  "remotehost",
  "remoteport",
  "remoteheartbeatport",
  "remoteservice",
] as const;

const FIELDS_RE = REPLCONNINFO_FIELDS.map((f) => `${f}=(${f.endsWith("host") ? IP : PORT})`).join(" ");

/**
 * gs_sdr's regex (§3.3 A step 1) over `gs_guc check` output for slot `idx`: the first channel's 8 fields, IPv4 or
 * full 8-group IPv6, ports of 4 or 5 digits. gs_sdr fails with `Failed to do search repl infos` when it does not match.
 */
export function gsSdrReplInfoRegex(idx: number): RegExp {
  return new RegExp(`replconninfo${idx}='${FIELDS_RE}`);
}

/** The same pattern applied to a bare value (what is inside the quotes). */
const REPLCONNINFO_VALUE_RE = new RegExp(`^\\s*${FIELDS_RE}`);

/**
 * Parses the first channel of a replconninfo value (without surrounding quotes) the way gs_sdr does: the 8 fields
 * must come first and in order; `iscascade`/`iscrossregion` are read when present. Returns null when gs_sdr's
 * regex would not match.
 */
export function parseReplConnInfo(value: string): ReplConnInfo | null {
  const m = REPLCONNINFO_VALUE_RE.exec(value);
  if (!m) return null;
  const info: ReplConnInfo = {
    localhost: m[1]!,
    localport: Number(m[2]),
    localheartbeatport: Number(m[3]),
    localservice: Number(m[4]),
    remotehost: m[5]!,
    remoteport: Number(m[6]),
    remoteheartbeatport: Number(m[7]),
    remoteservice: Number(m[8]),
  };
  const cascade = /\biscascade=(true|false)\b/.exec(value);
  if (cascade) info.iscascade = cascade[1] === "true";
  const cross = /\biscrossregion=(true|false)\b/.exec(value);
  if (cross) info.iscrossregion = cross[1] === "true";
  return info;
}

/** The 8 fields only, space-separated, as OM writes an intra-cluster entry (and as §3.8 restores it). */
export function formatReplConnFields(info: ReplConnInfo): string {
  return REPLCONNINFO_FIELDS.map((f) => `${f}=${info[f]}`).join(" ");
}

/** Formats a value: the 8 fields, then ` iscascade=… iscrossregion=…` when the flags are set. */
export function formatReplConnInfo(info: ReplConnInfo): string {
  let s = formatReplConnFields(info);
  if (info.iscascade !== undefined) s += ` iscascade=${info.iscascade}`;
  if (info.iscrossregion !== undefined) s += ` iscrossregion=${info.iscrossregion}`;
  return s;
}

/** True when the value carries `iscrossregion=true` (a DR entry written by gs_sdr). */
export function isCrossRegion(value: string): boolean {
  return value.includes("iscrossregion=true");
}

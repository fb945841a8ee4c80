/**
 * Parsers of `repmgr cluster show` and `repmgr service status` output (spec kingbase-recovery.md §2.7, §2.8;
 * upstream repmgr 5 formats): the `|` tables with columns located by header name (newer builds add columns
 * such as `LSN_Lag`), status decorations (`*` primary/witness, `!` unexpected role, `?` unreachable, `-`
 * failed), the trailing `WARNING:` block, and the `--csv` forms.
 */
import { ParseError } from "../../errors";

/** Status decoration of a `cluster show` / `service status` cell. */
export type StatusFlag = "*" | "!" | "?" | "-" | null;

/** One row of `repmgr cluster show`. */
export interface ClusterShowRow {
  /** Node ID. */
  id: number;
  /** Node name. */
  name: string;
  /** Registered role (`primary`, `standby`, `witness`). */
  role: string;
  /** Status text without decoration, e.g. `running`, `running as primary`, `unreachable`, `failed`. */
  status: string;
  /** Status decoration. */
  flag: StatusFlag;
  /** Upstream node name ("" for none). */
  upstream: string;
  /** True when the upstream cell is marked `?` (upstream unreachable). */
  upstreamUnreachable: boolean;
  /** Every cell by header name, trimmed (includes Location, Priority, Timeline, LSN_Lag, Connection string…). */
  columns: Record<string, string>;
}

/** Parsed `repmgr cluster show`. */
export interface ClusterShow {
  /** Rows in output order. */
  rows: ClusterShowRow[];
  /** Items of the `WARNING: following issues were detected` block, without the leading `- `. */
  issues: string[];
}

/** One row of `repmgr service status`. */
export interface ServiceStatusRow {
  /** Node ID. */
  id: number;
  /** Node name. */
  name: string;
  /** Role. */
  role: string;
  /** Database status without decoration. */
  status: string;
  /** Status decoration. */
  flag: StatusFlag;
  /** Upstream node name. */
  upstream: string;
  /** repmgrd running: true, false, or null when unknown (`n/a`). */
  repmgrdRunning: boolean | null;
  /** repmgrd PID, null when not running/unknown. */
  pid: number | null;
  /** repmgrd paused: true, false, or null when unknown. */
  paused: boolean | null;
  /** Every cell by header name. */
  columns: Record<string, string>;
}

/** One line of `repmgr cluster show --csv`: `id,availability,recovery-state`. */
export interface ClusterShowCsvRow {
  /** Node ID. */
  id: number;
  /** availability 0 = available, -1 = unavailable. */
  available: boolean;
  /** recovery state: 0 not in recovery (primary), 1 in recovery (standby), -1 unknown → null. */
  inRecovery: boolean | null;
}

function splitRow(line: string): string[] {
  return line.split("|").map((c) => c.trim());
}

interface Table {
  header: string[];
  rows: string[][];
  after: string[];
}

function parseTable(text: string, required: readonly string[], what: string): Table {
  const lines = text.split(/\r?\n/);
  const h = lines.findIndex((l) => {
    const cells = splitRow(l);
    return l.includes("|") && required.every((r) => cells.some((c) => c.toLowerCase() === r.toLowerCase()));
  });
  if (h === -1) {
    throw new ParseError(`${what}: no header with the columns ${required.join(", ")}`, {
      where: { tool: "repmgr" },
    });
  }
  const header = splitRow(lines[h]!);
  const rows: string[][] = [];
  let i = h + 1;
  if (/^[\s-]*\+[-+\s]*$/.test(lines[i] ?? "")) i++;
  for (; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.includes("|")) break;
    const cells = splitRow(line);
    if (cells.length > header.length) {
      cells.splice(header.length - 1, cells.length, cells.slice(header.length - 1).join(" | "));
    }
    rows.push(cells);
  }
  return { header, rows, after: lines.slice(i) };
}

function cellMap(header: string[], cells: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  header.forEach((name, i) => {
    out[name] = cells[i] ?? "";
  });
  return out;
}

function get(cols: Record<string, string>, name: string): string {
  const key = Object.keys(cols).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? "" : cols[key]!;
}

/** Splits a decorated status cell: `* running` → flag `*`, `running`. */
export function splitStatus(cell: string): { flag: StatusFlag; status: string } {
  const m = /^([*!?-])\s+(.*)$/.exec(cell.trim());
  return m ? { flag: m[1] as StatusFlag, status: m[2]!.trim() } : { flag: null, status: cell.trim() };
}

function parseId(value: string, what: string): number {
  if (!/^\d+$/.test(value))
    throw new ParseError(`${what}: node ID "${value}" is not a number`, { where: { tool: "repmgr" } });
  return Number(value);
}

/** Parses `repmgr cluster show` (table form). Throws {@link ParseError} when the table is missing. */
export function parseClusterShow(text: string): ClusterShow {
  const t = parseTable(text, ["ID", "Name", "Role", "Status"], "repmgr cluster show");
  const rows = t.rows.map((cells) => {
    const columns = cellMap(t.header, cells);
    const { flag, status } = splitStatus(get(columns, "Status"));
    const up = get(columns, "Upstream");
    const upstreamUnreachable = up.startsWith("?");
    return {
      id: parseId(get(columns, "ID"), "repmgr cluster show"),
      name: get(columns, "Name"),
      role: get(columns, "Role"),
      status,
      flag,
      upstream: upstreamUnreachable ? up.slice(1).trim() : up,
      upstreamUnreachable,
      columns,
    };
  });
  const issues: string[] = [];
  let inWarning = false;
  for (const line of t.after) {
    if (/^\s*WARNING:/.test(line)) inWarning = true;
    else if (inWarning && /^\s*-\s+/.test(line)) issues.push(line.replace(/^\s*-\s+/, "").trim());
    else if (line.trim() !== "") inWarning = false;
  }
  return { rows, issues };
}

function yesNo(value: string): boolean | null {
  const v = value.trim().toLowerCase();
  if (v === "yes" || v === "running") return true;
  if (v === "no" || v === "not running") return false;
  return null;
}

/** Parses `repmgr service status` (table form). Throws {@link ParseError} when the table is missing. */
export function parseServiceStatus(text: string): ServiceStatusRow[] {
  const t = parseTable(text, ["ID", "Name", "repmgrd"], "repmgr service status");
  return t.rows.map((cells) => {
    const columns = cellMap(t.header, cells);
    const { flag, status } = splitStatus(get(columns, "Status"));
    const pid = get(columns, "PID");
    return {
      id: parseId(get(columns, "ID"), "repmgr service status"),
      name: get(columns, "Name"),
      role: get(columns, "Role"),
      status,
      flag,
      upstream: get(columns, "Upstream"),
      repmgrdRunning: yesNo(get(columns, "repmgrd")),
      pid: /^\d+$/.test(pid) ? Number(pid) : null,
      paused: yesNo(get(columns, "Paused?")),
      columns,
    };
  });
}

function csvLines(text: string): string[][] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => /^\d+,/.test(l))
    .map((l) => l.split(","));
}

function tri(value: string | undefined, what: string): boolean | null {
  if (value === "1") return true;
  if (value === "0") return false;
  if (value === "-1") return null;
  throw new ParseError(`${what}: unexpected value "${value ?? ""}"`, { where: { tool: "repmgr" } });
}

/** Parses `repmgr cluster show --csv`: `id,availability(0|-1),recovery-state(0|1|-1)` per line. */
export function parseClusterShowCsv(text: string): ClusterShowCsvRow[] {
  return csvLines(text).map((f) => {
    if (f.length < 3)
      throw new ParseError("repmgr cluster show --csv: expected 3 fields", { where: { tool: "repmgr" } });
    if (f[1] !== "0" && f[1] !== "-1") {
      throw new ParseError(`repmgr cluster show --csv: availability "${f[1]}"`, {
        where: { tool: "repmgr" },
      });
    }
    return {
      id: Number(f[0]),
      available: f[1] === "0",
      inRecovery: tri(f[2], "repmgr cluster show --csv recovery state"),
    };
  });
}

/**
 * Parses `repmgr service status --csv` (upstream 5.x fields: id, name, role, db running, repmgrd running,
 * pid, paused, priority, upstream-last-seen seconds, location; the last ones may be missing on old builds).
 */
export function parseServiceStatusCsv(text: string): ServiceStatusRow[] {
  return csvLines(text).map((f) => {
    if (f.length < 7)
      throw new ParseError("repmgr service status --csv: expected at least 7 fields", {
        where: { tool: "repmgr" },
      });
    const dbRunning = tri(f[3], "repmgr service status --csv server running");
    const pid = Number(f[5]);
    const columns: Record<string, string> = {};
    [
      "id",
      "name",
      "role",
      "running",
      "repmgrd",
      "pid",
      "paused",
      "priority",
      "upstream_last_seen",
      "location",
    ].forEach((k, i) => {
      if (f[i] !== undefined) columns[k] = f[i]!;
    });
    return {
      id: Number(f[0]),
      name: f[1]!,
      role: f[2]!,
      status: dbRunning === true ? "running" : dbRunning === false ? "not running" : "unknown",
      flag: null,
      upstream: "",
      repmgrdRunning: tri(f[4], "repmgr service status --csv repmgrd running"),
      pid: pid > 0 ? pid : null,
      paused: tri(f[6], "repmgr service status --csv paused"),
      columns,
    };
  });
}

/**
 * Conditions under which the policy should not be changed (spec §4.5): several primaries, rows marked `!`,
 * `?` or `-`, a WARNING block, or repmgrd paused/not running. Each entry is a human sentence.
 */
export function clusterProblems(show: ClusterShow, service?: readonly ServiceStatusRow[]): string[] {
  const out: string[] = [];
  const running = show.rows.filter(
    (r) =>
      r.status === "running as primary" || (r.role === "primary" && r.status === "running" && r.flag !== "?"),
  );
  if (running.length > 1) out.push(`several primaries: ${running.map((r) => r.name).join(", ")}`);
  for (const r of show.rows) {
    if (r.flag === "!") out.push(`node ${r.name} (ID ${r.id}): ${r.status}`);
    if (r.flag === "?") out.push(`node ${r.name} (ID ${r.id}) is not reachable (${r.status})`);
    if (r.flag === "-") out.push(`node ${r.name} (ID ${r.id}) has failed`);
  }
  out.push(...show.issues);
  for (const s of service ?? []) {
    if (s.paused === true) out.push(`repmgrd is paused on ${s.name}`);
    if (s.repmgrdRunning === false) out.push(`repmgrd is not running on ${s.name}`);
  }
  return out;
}

/**
 * The observed cluster behind a RecoveryPolicy: parsers of the vendor's cluster views (`repmgr cluster show`
 * on V8R6, `show pool_nodes` as kept in `<cluster>/log/pool_nodes` on V8R3) and of the vendor logs that record
 * automatic recoveries (V8R6 `hamgr.log`, spec §2.9; V8R3 `recovery.log`, spec §1.6), and the health decision
 * over them. Pure: the text comes from the snapshot.
 */

/** How many lines of a vendor log are read (the last recovery is near the end). */
export const LOG_TAIL_LINES = 400;

/** One node as the cluster view shows it. */
export interface ObservedNode {
  /** Address (V8R6: `host=` of the connection string; V8R3: `hostname`). */
  host: string;
  /** Node name (V8R6 `Name`; V8R3 `node<id + 1>`). */
  name: string;
  /** `primary`, `standby`, or what the view says. */
  role: string;
  /** `running`, `failed`, `unreachable`, `running as primary` (V8R6) / `up`, `down`, `waiting` (V8R3). */
  state: string;
  /** Name of the upstream node (V8R6 standbys), else null. */
  upstream: string | null;
}

/** The last automatic recovery a node's vendor log shows. */
export interface RecoveryEvent {
  /** When, as the log stamps it (`YYYY-MM-DD HH:MM:SS`, the node's local time), null when not stamped. */
  at: string | null;
  /** The node that was (or was not) recovered: the host whose log it is. */
  node: string;
  /** `rejoined` (back as a standby), `refused` (left out on purpose), `failed` (tried, did not work), or `running`. */
  outcome: "rejoined" | "refused" | "failed" | "running";
  /** The log line that says so. */
  reason: string;
}

/** Typed health of the cluster. */
type HealthState = "healthy" | "degraded" | "recovering" | "unknown";

/** Health: the state and a one-line summary (`healthy: …`, `degraded: node … down`, …). */
export interface ClusterHealth {
  state: HealthState;
  summary: string;
}

/** Splits a psql/repmgr text table into rows keyed by trimmed header name; markers in cells are kept. */
function parseTable(text: string): Array<Record<string, string>> {
  const lines = text.split("\n").filter((l) => l.includes("|"));
  const header = lines[0];
  if (header === undefined) return [];
  const names = header.split("|").map((c) => c.trim());
  return lines.slice(1).map((l) => {
    const cells = l.split("|");
    return Object.fromEntries(names.map((n, i) => [n, (cells[i] ?? "").trim()]));
  });
}

/** The `host=` of a libpq connection string, or null. */
function conninfoHost(conninfo: string): string | null {
  return /(?:^|\s)host=(\S+)/.exec(conninfo)?.[1] ?? null;
}

/**
 * `repmgr cluster show` (columns found by header name, so builds with `LSN_Lag` parse too). The status marker
 * (`*` primary, `!` unexpected, `?` unreachable, `-` failed) is dropped from `state`.
 */
export function parseRepmgrClusterShow(text: string): ObservedNode[] {
  return parseTable(text)
    .filter((r) => /^\d+$/.test(r["ID"] ?? ""))
    .map((r) => ({
      host: conninfoHost(r["Connection string"] ?? "") ?? r["Name"] ?? "",
      name: r["Name"] ?? "",
      role: r["Role"] ?? "",
      state: (r["Status"] ?? "").replace(/^[*!?-]\s*/, ""),
      upstream: (r["Upstream"] ?? "").replace(/^[!?]\s*/, "") || null,
    }));
}

/** `show pool_nodes` of kingbasecluster (pgpool): node_id, hostname, status, role. */
export function parsePoolNodes(text: string): ObservedNode[] {
  return parseTable(text)
    .filter((r) => /^\d+$/.test(r["node_id"] ?? ""))
    .map((r) => ({
      host: r["hostname"] ?? "",
      name: `node${Number(r["node_id"]) + 1}`,
      role: r["role"] ?? "",
      state: r["status"] ?? "",
      upstream: null,
    }));
}

const STAMP = /^\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\]/;

/**
 * The last automatic recovery in a V8R6 `hamgr.log` (spec §2.9): `NODE REJOIN successful` → rejoined;
 * `can not do auto-recovery …` / `… multiple nodes running as primary …` → refused; `auto-recovery … failed` →
 * failed; `begin to do auto-recovery` with nothing after it → running. Null when the log shows none.
 */
export function lastV8r6Recovery(log: string, node: string): RecoveryEvent | null {
  let last: RecoveryEvent | null = null;
  for (const line of log.split("\n")) {
    const at = STAMP.exec(line)?.[1] ?? null;
    const reason = line.replace(STAMP, "").trim();
    let outcome: RecoveryEvent["outcome"] | null = null;
    if (/NODE REJOIN successful/.test(line)) outcome = "rejoined";
    else if (/can not do (auto-)?recovery/.test(line)) outcome = "refused";
    else if (/auto-recovery of .* failed/.test(line)) outcome = "failed";
    else if (/begin to do auto-recovery/.test(line)) outcome = "running";
    if (outcome) last = { at, node, outcome, reason };
  }
  return last;
}

/**
 * The last recovery decision in a V8R3 `recovery.log` (spec §1.6), per `network_rewind.sh` run (a run starts
 * with `<stamp> recover beging...`): `recovery success,exit script with success` → rejoined; `… can not do
 * recovery.` → refused; `I will be in recovery.` without an end → running. Runs that found nothing to
 * recover are not events. Null when the log shows none.
 */
export function lastV8r3Recovery(log: string, node: string): RecoveryEvent | null {
  let last: RecoveryEvent | null = null;
  let at: string | null = null;
  let run: RecoveryEvent | null = null;
  const close = () => {
    if (run) last = run;
    run = null;
  };
  for (const line of log.split("\n")) {
    const begin = /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) recover beging/.exec(line);
    if (begin) {
      close();
      at = begin[1] ?? null;
      continue;
    }
    const reason = line.trim();
    if (/I will be in recovery\./.test(line)) run = { at, node, outcome: "running", reason };
    else if (/can not do recovery\./.test(line)) run = { at, node, outcome: "refused", reason };
    else if (/recovery success,exit script with success/.test(line))
      run = { at, node, outcome: "rejoined", reason };
  }
  close();
  return last;
}

/** The latest of several nodes' events (by stamp; unstamped ones lose). */
export function latestEvent(events: Array<RecoveryEvent | null>): RecoveryEvent | null {
  let best: RecoveryEvent | null = null;
  for (const e of events) {
    if (e && (best === null || (e.at ?? "") >= (best.at ?? ""))) best = e;
  }
  return best;
}

/** Whether a node of the view is up (`running`, `running as primary` on V8R6, `up` on V8R3). */
function isUp(n: ObservedNode): boolean {
  return n.state === "running" || n.state === "running as primary" || n.state === "up";
}

/** The running primaries of a view, a standby that `! running as primary` (split brain) included. */
function runningPrimaries(view: ObservedNode[]): ObservedNode[] {
  return view.filter((n) => (n.role === "primary" && isUp(n)) || n.state === "running as primary");
}

/** The one running primary's address, null when there is none or more than one. */
export function primaryOf(view: ObservedNode[] | null): string | null {
  const p = view ? runningPrimaries(view) : [];
  return p.length === 1 ? p[0]!.host : null;
}

/**
 * Health from the cluster view, the policy's nodes and the recovery state: `recovering` while a recovery runs
 * (V8R3 `KB_RECOVERY_FLAG`, or a V8R6 recovery begun and not finished); `unknown` without a view; `degraded`
 * when there is not exactly one running primary or a policy node is not a running standby/primary (`node …
 * down`); else `healthy`.
 */
export function clusterHealth(
  view: ObservedNode[] | null,
  hosts: string[],
  recovering: string[],
): ClusterHealth {
  if (recovering.length > 0) return { state: "recovering", summary: `recovering: ${recovering.join(", ")}` };
  if (view === null) return { state: "unknown", summary: "unknown: no node answered with a cluster view" };
  const primaries = runningPrimaries(view);
  const problems: string[] = [];
  if (primaries.length === 0) problems.push("no running primary");
  if (primaries.length > 1)
    problems.push(`${primaries.length} primaries (${primaries.map((n) => n.host).join(", ")})`);
  for (const h of hosts) {
    const n = view.find((x) => x.host === h);
    if (!n) problems.push(`node ${h} not in the cluster view`);
    else if (!isUp(n)) problems.push(`node ${h} down (${n.state || "no status"})`);
  }
  if (problems.length > 0) return { state: "degraded", summary: `degraded: ${problems.join("; ")}` };
  const primary = primaries[0]!;
  return {
    state: "healthy",
    summary: `healthy: ${primary.host} primary, ${view.length - 1} standby(s) running`,
  };
}

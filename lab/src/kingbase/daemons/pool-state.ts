/**
 * The backend table of the kingbasecluster stand-in (V8R3's pgpool-II fork, docs/vendor/kingbase-recovery.md
 * §1.1): what `show pool_nodes` answers and how health checks, `pcp_attach_node` and failover change it.
 * Pure; kingbasecluster.ts does the probing, the promotion and the files.
 *
 * As pgpool does without `auto_failback`: a backend that fails `retries` health checks in a row is detached
 * (`down`) and stays down until `pcp_attach_node`; when the detached backend was the primary, the first
 * attached standby (lowest node id) is promoted (the failover command).
 */

/** One backend as the pool sees it. */
export interface PoolBackend {
  id: number;
  host: string;
  port: number;
  status: "up" | "down";
  role: "primary" | "standby";
}

/** One health-check round: per backend id, whether it answered, and (when it did) whether it is in recovery. */
export interface ProbeRound {
  ok: Record<number, boolean>;
  inRecovery: Record<number, boolean | undefined>;
}

/** What the pool does after a round: the new table and, on a primary's detachment, whom to promote. */
export interface PoolStep {
  backends: PoolBackend[];
  fails: Record<number, number>;
  detached: number[];
  /** Backend to promote (failover), if the primary was detached and an attached standby is left. */
  promote?: PoolBackend;
}

/** Applies one round of health checks and pending attach requests to the table. */
export function poolStep(
  backends: PoolBackend[],
  fails: Record<number, number>,
  round: ProbeRound,
  attach: number[],
  retries: number,
): PoolStep {
  const next = backends.map((b) => ({ ...b }));
  const nextFails: Record<number, number> = {};
  const detached: number[] = [];
  let primaryLost = false;
  for (const b of next) {
    const ok = round.ok[b.id] === true;
    nextFails[b.id] = ok ? 0 : (fails[b.id] ?? 0) + 1;
    if (ok && round.inRecovery[b.id] !== undefined) b.role = round.inRecovery[b.id] ? "standby" : "primary";
    if (b.status === "down" && ok && attach.includes(b.id)) b.status = "up";
    if (b.status === "up" && (nextFails[b.id] ?? 0) >= retries) {
      b.status = "down";
      detached.push(b.id);
      if (b.role === "primary") primaryLost = true;
      b.role = "standby";
    }
  }
  const step: PoolStep = { backends: next, fails: nextFails, detached };
  if (primaryLost && !next.some((b) => b.status === "up" && b.role === "primary")) {
    const target = next.find((b) => b.status === "up" && b.role === "standby" && round.ok[b.id]);
    if (target) step.promote = target;
  }
  return step;
}

/**
 * The first table of a pool with no peer to copy from: every backend attached (as pgpool starts without a
 * status file); health checks detach the ones that do not answer. Roles from the first round.
 */
export function initialBackends(
  hosts: Array<{ host: string; port: number }>,
  round: ProbeRound,
): PoolBackend[] {
  return hosts.map((h, id) => ({
    id,
    host: h.host,
    port: h.port,
    status: "up",
    role: round.inRecovery[id] === false ? "primary" : "standby",
  }));
}

/** `show pool_nodes` as ksql prints it (the columns of spec §1.5). */
export function poolNodesTable(backends: PoolBackend[]): string {
  const weight = (1 / Math.max(1, backends.length)).toFixed(6);
  const primaryId = backends.find((b) => b.status === "up" && b.role === "primary")?.id;
  const rows = backends.map(
    (b) =>
      ` ${String(b.id).padEnd(7)} | ${b.host.padEnd(9)} | ${b.port} | ${b.status.padEnd(6)} | ${weight}  | ${b.role.padEnd(7)} | 0          | ${(b.id === primaryId ? "true" : "false").padEnd(17)} | 0`,
  );
  return [
    " node_id | hostname  | port  | status | lb_weight |  role   | select_cnt | load_balance_node | replication_delay",
    "---------+-----------+-------+--------+-----------+---------+------------+-------------------+-------------------",
    ...rows,
    `(${backends.length} rows)`,
    "",
  ].join("\n");
}

/**
 * CM's model of the cluster, derived from PostgreSQL on every node (over TCP, as the OS user):
 * - not running → `Down` (`Manually stopped` after cm_ctl/gs_ctl stop, else `Unknown`);
 * - not in recovery → `Primary Normal`;
 * - streaming from a host of the other cluster → `Main Standby Normal`;
 * - streaming from a local standby → `Cascade Standby Normal`; from the local primary → `Standby Normal`;
 * - in recovery and not streaming → the configured role (`og_lab.role`: Main Standby / Cascade Standby /
 *   Standby / Pending) with `Need repair(Disconnected)` (`(Connecting)` while a walreceiver is connected to
 *   a sender but not streaming yet).
 * Cluster state: a primary cluster is Normal when it has exactly one Primary and every other DN is
 * `Standby Normal`, Degraded when it has one Primary and something else is wrong, else Unavailable.
 * A DR cluster (any Main Standby, no Primary) is Normal when the Main Standby streams and every other DN is
 * `Cascade Standby Normal`, Degraded when a Main Standby runs but something is wrong, else Unavailable.
 */
import { cmArbitrate } from "./arbiter";
import { psql } from "./exec";
import { dnFiles, type OgNode, type StaticConfig } from "./layout";
import { agentOp, hostGone } from "./remote";

/** Raw state of one DN as PostgreSQL reports it. */
export interface DnRaw {
  running: boolean;
  inRecovery?: boolean;
  role?: string;
  receiver?: {
    status: string;
    sender_host: string | null;
    sender_port: number | null;
    flushed_lsn: string | null;
  };
  receiveLsn?: string | null;
  replayLsn?: string | null;
  currentLsn?: string | null;
  timeline?: number;
  senders: Array<{
    app: string;
    state: string;
    sync_state: string;
    sent: string | null;
    write: string | null;
    flush: string | null;
    replay: string | null;
  }>;
  manuallyStopped?: boolean;
  /** Neither the DN nor its host's agent answers, and the host has no route (the machine is gone). */
  unreachable?: boolean;
}

/** One DN as CM shows it. */
export interface DnView {
  node: OgNode;
  raw: DnRaw;
  /** Dynamic role: Primary, Standby, Main Standby, Cascade Standby, Pending, Down. */
  role: string;
  /** HA state: Normal, Need repair, Manually stopped, Unknown, Building. */
  ha: string;
  /** Reason (Normal, Disconnected, Connecting, Unknown). */
  reason: string;
  /** Upstream node (local) or ip (remote) when streaming. */
  upstream?: string;
}

/** The whole cluster as CM shows it. */
export interface ClusterView {
  cfg: StaticConfig;
  state: "Normal" | "Degraded" | "Unavailable";
  dns: DnView[];
}

/** SQL returning one JSON document describing the DN. */
export const DN_STATUS_SQL = `select json_build_object(
 'in_recovery', pg_is_in_recovery(),
 'role', current_setting('og_lab.role', true),
 'receiver', (select json_build_object('status', status, 'sender_host', sender_host, 'sender_port', sender_port,
   'flushed_lsn', flushed_lsn::text) from pg_stat_wal_receiver limit 1),
 'receive_lsn', pg_last_wal_receive_lsn()::text,
 'replay_lsn', pg_last_wal_replay_lsn()::text,
 'current_lsn', case when pg_is_in_recovery() then null else pg_current_wal_lsn()::text end,
 'timeline', (select timeline_id from pg_control_checkpoint()),
 'senders', coalesce((select json_agg(json_build_object('app', application_name, 'state', state,
   'sync_state', sync_state, 'sent', sent_lsn::text, 'write', write_lsn::text, 'flush', flush_lsn::text,
   'replay', replay_lsn::text) order by application_name) from pg_stat_replication), '[]'::json))`;

/** Reads one DN's raw state; `localNode` lets the local marker files be read without SSH. */
async function readDn(cfg: StaticConfig, n: OgNode, local: OgNode | undefined): Promise<DnRaw> {
  const r = await psql({ host: n.ip, port: n.port, user: cfg.user }, DN_STATUS_SQL, { timeoutMs: 8000 });
  if (r.code === 0 && r.stdout.trim().startsWith("{")) {
    const j = JSON.parse(r.stdout.trim()) as Record<string, unknown>;
    return {
      running: true,
      inRecovery: j["in_recovery"] as boolean,
      role: (j["role"] as string | null) ?? undefined,
      receiver: (j["receiver"] as DnRaw["receiver"]) ?? undefined,
      receiveLsn: j["receive_lsn"] as string | null,
      replayLsn: j["replay_lsn"] as string | null,
      currentLsn: j["current_lsn"] as string | null,
      timeline: j["timeline"] as number,
      senders: (j["senders"] as DnRaw["senders"]) ?? [],
    };
  }
  let manuallyStopped = false;
  let unreachable = false;
  if (local && local.nodeId === n.nodeId) {
    const fs = await import("node:fs");
    manuallyStopped = fs.existsSync(dnFiles(cfg.labDir).stopped);
  } else {
    const info = await agentOp(cfg, n, { op: "dn-info" }, 5000).catch(() => undefined);
    manuallyStopped = !!(info && (info as { stopped?: boolean }).stopped);
    unreachable = info === undefined && (await hostGone(n));
  }
  return { running: false, senders: [], manuallyStopped, ...(unreachable ? { unreachable } : {}) };
}

function label(role: string | undefined): string {
  switch (role) {
    case "main_standby":
      return "Main Standby";
    case "cascade_standby":
      return "Cascade Standby";
    case "pending":
      return "Pending";
    default:
      return "Standby";
  }
}

/** Derives CM's view from the raw states. */
export function deriveView(cfg: StaticConfig, raws: Array<{ node: OgNode; raw: DnRaw }>): ClusterView {
  const localIps = new Set(cfg.nodes.map((n) => n.ip));
  const byIp = new Map(raws.map((x) => [x.node.ip, x]));
  const dns: DnView[] = raws.map(({ node, raw }) => {
    if (!raw.running) {
      return {
        node,
        raw,
        role: "Down",
        ha: raw.manuallyStopped ? "Manually stopped" : "Unknown",
        reason: "Unknown",
      };
    }
    if (!raw.inRecovery) return { node, raw, role: "Primary", ha: "Normal", reason: "Normal" };
    const rcv = raw.receiver;
    if (rcv && rcv.status === "streaming" && rcv.sender_host) {
      if (!localIps.has(rcv.sender_host)) {
        return { node, raw, role: "Main Standby", ha: "Normal", reason: "Normal", upstream: rcv.sender_host };
      }
      const up = byIp.get(rcv.sender_host);
      // an upstream that is down (its walreceiver has not timed out yet): the configured role tells
      const upIsStandby = up?.raw.running ? !!up.raw.inRecovery : raw.role === "cascade_standby";
      return {
        node,
        raw,
        role: upIsStandby ? "Cascade Standby" : "Standby",
        ha: "Normal",
        reason: "Normal",
        upstream: rcv.sender_host,
      };
    }
    // Connecting only while a connection to a sender exists (not yet streaming); a walreceiver still trying
    // to connect (peer gone, no route) is Disconnected, as CM reports a main standby that lost its primary
    const reason = rcv?.sender_host ? "Connecting" : "Disconnected";
    if (raw.role === "pending") return { node, raw, role: "Pending", ha: "Normal", reason: "Normal" };
    return { node, raw, role: label(raw.role), ha: "Need repair", reason };
  });
  const primaries = dns.filter((d) => d.role === "Primary");
  const mains = dns.filter((d) => d.role === "Main Standby");
  let state: ClusterView["state"];
  if (primaries.length === 1) {
    const others = dns.filter((d) => d !== primaries[0]);
    state = others.every((d) => d.role === "Standby" && d.ha === "Normal") ? "Normal" : "Degraded";
  } else if (primaries.length === 0 && mains.length === 1) {
    const others = dns.filter((d) => d !== mains[0]);
    const ok =
      mains[0]!.ha === "Normal" && others.every((d) => d.role === "Cascade Standby" && d.ha === "Normal");
    state = ok ? "Normal" : "Degraded";
  } else {
    state = "Unavailable";
  }
  return { cfg, state, dns };
}

async function readView(cfg: StaticConfig, local: OgNode | undefined): Promise<ClusterView> {
  const raws = await Promise.all(
    cfg.nodes.map(async (node) => ({ node, raw: await readDn(cfg, node, local) })),
  );
  return deriveView(cfg, raws);
}

/**
 * Queries every DN of the cluster in parallel. Read on a node (`local`), CM's arbitration runs first
 * (arbiter.ts: a DR cluster whose Main Standby's host is gone gets a new Main Standby) and the view shown is
 * the one after it.
 */
export async function clusterView(cfg: StaticConfig, local?: OgNode): Promise<ClusterView> {
  const view = await readView(cfg, local);
  if (!local || !(await cmArbitrate(cfg, view))) return view;
  return readView(cfg, local);
}

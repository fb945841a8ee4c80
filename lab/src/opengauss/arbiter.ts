/**
 * CM's DN arbitration in a DR (disaster standby) cluster, as cm_server does it (CM
 * `cms_arbitrate_datanode_pms.cpp`, `backup_open == CLUSTER_STREAMING_STANDBY`): cm_agent reports a Main
 * Standby as the group's primary and a Cascade Standby as a standby (`ChangeLocalRoleInBackup`), so a lost Main
 * Standby is failed over like a lost primary — the running Cascade Standby with the most WAL (the static
 * primary first on a tie, then the lowest instance) is sent a failover and becomes the Main Standby
 * (`SendFailoverInQuarmBackup`, "local promoting"); a Main Standby that comes back and is not the last one
 * failed over to is restarted as Cascade Standby (`MoreDyPrimary`).
 *
 * cm_server only arbitrates while it has a primary, i.e. while its DCC has a quorum: a majority of the nodes
 * answer, or, in a two-node cluster, `cms_enable_failover_on2nodes = true` with a `third_party_gateway_ip`
 * (cm_server.conf) lets the surviving node win. The lab has no daemon: the arbitration is evaluated each time
 * CM's view of the cluster is read (`cm_ctl query`, `gs_om -t status`), before it is shown. A DN that was
 * stopped by hand (`cm_ctl stop`, gs_sdr's stop-by-node) is never replaced: only a host that does not answer.
 */
import { cmConfPaths, readIfExists, type StaticConfig } from "./layout";
import { getGuc, unquote } from "./ogconf";
import { agentOp } from "./remote";
import type { ClusterView, DnView } from "./status";

/** What cm_server does now, if anything. */
export type CmArbitration =
  | { kind: "elect"; candidate: DnView; cascades: DnView[] }
  | { kind: "demote-returned"; mainStandbys: DnView[] };

/** The cm_server.conf settings that decide arbitration in a two-node cluster. */
export interface CmServerSettings {
  /** `backup_open` (2: a streaming DR cluster). */
  backupOpen: number;
  /** `cms_enable_failover_on2nodes = true` with a non-empty `third_party_gateway_ip`. */
  failoverOn2Nodes: boolean;
}

/** Reads the arbitration settings from a cm_server.conf text (missing → CM's defaults). */
export function cmServerSettings(text: string | undefined): CmServerSettings {
  const get = (k: string): string => {
    const v = text === undefined ? undefined : getGuc(text, k);
    return v === undefined ? "" : unquote(v).trim();
  };
  const on2 = /^(on|true|yes|1)$/i.test(get("cms_enable_failover_on2nodes"));
  return {
    backupOpen: Number(get("backup_open")) || 0,
    failoverOn2Nodes: on2 && get("third_party_gateway_ip") !== "",
  };
}

/** True when the DCC of the cm_servers still has a quorum (see the module comment). */
function hasQuorum(view: ClusterView, settings: CmServerSettings): boolean {
  const n = view.dns.length;
  const answering = view.dns.filter((d) => !d.raw.unreachable).length;
  return answering * 2 > n || (n === 2 && answering === 1 && settings.failoverOn2Nodes);
}

/** Numeric LSN (`X/Y`), 0 when unknown. */
function lsn(s: string | null | undefined): bigint {
  const m = /^([0-9A-F]+)\/([0-9A-F]+)$/i.exec(s ?? "");
  return m ? (BigInt(`0x${m[1]}`) << 32n) + BigInt(`0x${m[2]}`) : 0n;
}

/** The pure decision: what cm_server of a DR cluster does about its Main Standby, given CM's view. */
export function arbitrate(view: ClusterView, settings: CmServerSettings): CmArbitration | undefined {
  if (settings.backupOpen !== 2 || !hasQuorum(view, settings)) return undefined;
  const running = view.dns.filter((d) => d.raw.running && d.raw.inRecovery);
  const mains = running.filter((d) => d.raw.role === "main_standby");
  if (mains.length > 1) return { kind: "demote-returned", mainStandbys: mains };
  if (mains.length === 1 || view.dns.some((d) => d.raw.running && !d.raw.inRecovery)) return undefined;
  if (!view.dns.some((d) => d.raw.unreachable)) return undefined;
  const cascades = running.filter((d) => d.raw.role === "cascade_standby");
  const flushed = (d: DnView) => lsn(d.raw.receiveLsn ?? d.raw.replayLsn);
  const best = [...cascades].sort((a, b) => {
    const byLsn = flushed(b) - flushed(a);
    if (byLsn !== 0n) return byLsn > 0n ? 1 : -1;
    const byStatic = Number(b.node.staticRole === "P") - Number(a.node.staticRole === "P");
    return byStatic !== 0 ? byStatic : a.node.instanceId - b.node.instanceId;
  })[0];
  return best ? { kind: "elect", candidate: best, cascades: cascades.filter((d) => d !== best) } : undefined;
}

/**
 * Carries out the decision as cm_server would, through the node agents: the candidate becomes the Main
 * Standby (`cm-failover`: configured role `main_standby`, reload, so it streams from the primary cluster) and
 * the other Cascade Standbys reload to follow it; of several running Main Standbys, all but the one that
 * became Main Standby last restart as Cascade Standbys. True when something was done (the view is stale).
 */
async function applyArbitration(cfg: StaticConfig, action: CmArbitration): Promise<boolean> {
  if (action.kind === "elect") {
    await agentOp(cfg, action.candidate.node, { op: "cm-failover" }, 30_000);
    await Promise.all(action.cascades.map((d) => agentOp(cfg, d.node, { op: "dn-reload" }, 30_000)));
    return true;
  }
  const since = await Promise.all(
    action.mainStandbys.map(async (d) => {
      const info = (await agentOp(cfg, d.node, { op: "dn-info" }, 10_000).catch(() => ({}))) as {
        electedAt?: number;
      };
      return { d, at: info.electedAt ?? 0 };
    }),
  );
  const last = since.reduce((a, b) => (b.at > a.at ? b : a));
  // none was elected by CM (two Main Standbys from gs_sdr itself): not CM's to settle
  const older = last.at > 0 ? since.filter((x) => x !== last) : [];
  await Promise.all(
    older.map((x) => agentOp(cfg, x.d.node, { op: "dn-start", role: "cascade_standby" }, 180_000)),
  );
  return older.length > 0;
}

/** Reads cm_server.conf on this node, decides and acts; true when the view must be read again. */
export async function cmArbitrate(cfg: StaticConfig, view: ClusterView): Promise<boolean> {
  const action = arbitrate(view, cmServerSettings(readIfExists(cmConfPaths(cfg.cmDataPath).server)));
  return action ? applyArbitration(cfg, action).catch(() => false) : false;
}

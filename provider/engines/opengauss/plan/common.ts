/**
 * What every DR plan computes the same way (docs/vendor/opengauss-gs_sdr.md §3): value helpers and the
 * {@link PlanBuilder} that collects GUC and pg_hba changes, notes and problems, and knows the topology, the
 * snapshots and each cluster's OM release behaviour. Pure.
 */
import { InternalError } from "../../../errors";
import type { ClusterDevice, ClusterTopology, DataNode } from "../clusterXml";
import { type DrParams, pairOfDn, remoteStreamIpPairs } from "../drParams";
import { formatGucValue } from "../parsers/gucCheck";
import { applyHbaOps, type HbaOp } from "../parsers/pgHba";
import { formatReplConnFields, isCrossRegion, parseReplConnInfo } from "../parsers/replconninfo";
import { MASTER_BEHAVIOUR, type OmBehaviour } from "../releases";
import {
  type DnGuc,
  type DrNodeSnapshot,
  type DrPlan,
  type GucChange,
  type HbaChange,
  MAX_REPLCONNINFO,
  type PlanInput,
  type PlanNote,
  type PlanProblem,
  type PlanStep,
  type PlanValue,
  type SnapshotValue,
} from "./model";

/** A snapshot value as a plan value (undefined = not read = unknown). */
function norm(v: SnapshotValue | undefined): PlanValue {
  if (v === undefined) return { state: "unknown" };
  if (v === null) return { state: "unset" };
  if (typeof v === "string") return { state: "set", value: v };
  return v;
}

/** A plan value set to `value`. */
export function set(value: string): PlanValue {
  return { state: "set", value };
}

/** Whether two plan values are the same. */
function sameValue(a: PlanValue, b: PlanValue): boolean {
  if (a.state !== b.state) return false;
  return a.state !== "set" || a.value === (b as { value: string }).value;
}

/** Whether a plan value is set to one of `values`. */
export function valueIs(v: PlanValue, ...values: string[]): boolean {
  return v.state === "set" && values.includes(v.value);
}

const GUC_ORDER: Record<string, number> = {
  stream_cluster_run_mode: 10,
  synchronous_commit: 11,
  most_available_sync: 12,
  wal_keep_segments: 13,
  default_transaction_read_only: 14,
  backup_open: 20,
  agent_backup_open: 21,
};

function gucRank(c: GucChange): number {
  const m = /^replconninfo(\d+)$/.exec(c.name);
  if (m) return Number(m[1]);
  if (c.component === "dcc") return 30;
  return GUC_ORDER[c.name] ?? 40;
}

const QUOTED_GUCS = /^(replconninfo\d+|stream_cluster_run_mode)$/;

/**
 * A plan value as a GUC setting reads (replconninfo and stream_cluster_run_mode quoted, any other when `quoted`);
 * `(unknown)` when not read.
 */
export function formatPlanValue(v: PlanValue, name: string, quoted = false): string {
  if (v.state === "unknown") return "(unknown)";
  return formatGucValue(v, quoted || QUOTED_GUCS.test(name));
}

/** On releases whose failover notifies only Primary DNs, what cannot be read from the source; else undefined. */
export function unverifiedFailoverNotify(rel: OmBehaviour): string | undefined {
  if (rel.failoverNotifyRole !== "Primary") return undefined;
  return `not verified: OM ${rel.label}'s failover sends gs_ctl notify with the new term only to DNs whose role is Primary, and a DR cluster has none; how CM then promotes the Main Standby cannot be read from the OM source`;
}

/** Collects the changes, notes and problems of one plan over the input's topologies and snapshots. */
export class PlanBuilder {
  readonly gucs: GucChange[] = [];
  readonly hba: HbaChange[] = [];
  readonly notes: PlanNote[] = [];
  readonly problems: PlanProblem[] = [];
  private readonly snaps = new Map<string, DrNodeSnapshot>();
  readonly names: string[];

  constructor(readonly input: PlanInput) {
    this.names = Object.keys(input.topologies).sort();
    if (this.names.length !== 2)
      throw new InternalError(`a DR plan needs exactly two clusters, got ${this.names.length}`);
    if (!this.names.includes(input.primary))
      throw new InternalError(`primary "${input.primary}" is not one of the clusters`);
    for (const s of input.snapshots) this.snaps.set(`${s.cluster}\u0000${s.node}`, s);
  }

  topo(c: string): ClusterTopology {
    return this.input.topologies[c]!;
  }

  other(c: string): string {
    return this.names[0] === c ? this.names[1]! : this.names[0]!;
  }

  snap(c: string, node: string): DrNodeSnapshot | undefined {
    return this.snaps.get(`${c}\u0000${node}`);
  }

  pgUser(c: string): string {
    return this.input.facts?.[c]?.pgUser ?? "omm";
  }

  runNode(c: string): string {
    return this.input.runNodes?.[c] ?? this.topo(c).masterNode;
  }

  /** The cluster's OM release behaviour. */
  rel(c: string): OmBehaviour {
    return this.input.releases?.[c] ?? MASTER_BEHAVIOUR;
  }

  /** The DCC key failover/promote write the new term to, as this cluster's release does. */
  termKey(c: string): string {
    return this.rel(c).dccTermKey;
  }

  /** The DN's stream data IP (its pair's dataIp); undefined, with a problem recorded, when no pair is bound there. */
  localDataIp(c: string, dn: DataNode): string | undefined {
    const snap = this.snap(c, dn.name);
    const pair = pairOfDn(this.topo(c), dn, snap?.hostIps);
    if (pair) return pair.dataIp;
    this.problems.push({
      cluster: c,
      node: dn.name,
      message: `no localStreamIpmap1 pair has its ip bound on this host (hostname -I: ${snap?.hostIps?.join(" ") || "not read"}): gs_sdr fails with "obtain shards from local cluster info"`,
    });
    return undefined;
  }

  /** The peer's data IPs as this cluster's gs_sdr uses them (its remoteStreamIpmap1). */
  remoteDataIps(c: string): string[] {
    return remoteStreamIpPairs(this.topo(c), this.topo(this.other(c))).map((p) => p.dataIp);
  }

  /** DNs hosting the shard's primary: by the snapshot role, else the XML master. */
  primaryDns(c: string): DataNode[] {
    const t = this.topo(c);
    const byRole = t.dataNodes.filter((d) => this.snap(c, d.name)?.dnRole === "Primary");
    return byRole.length > 0 ? byRole : t.dataNodes.filter((d) => d.isMaster);
  }

  guc(change: GucChange, onlyIfDifferent = true): void {
    if (onlyIfDifferent && change.current.state !== "unknown" && sameValue(change.current, change.planned))
      return;
    this.gucs.push(change);
  }

  dnGuc(c: string, dn: DataNode, name: DnGuc): PlanValue {
    return norm(this.snap(c, dn.name)?.gucs?.[name]);
  }

  missingSnapshots(c: string): void {
    for (const d of this.topo(c).dataNodes) {
      if (!this.snap(c, d.name)) {
        this.notes.push({
          cluster: c,
          node: d.name,
          message: "no snapshot of this node: its current values are shown as (unknown)",
        });
      }
    }
  }

  /** Sets a DN GUC on every DN of the cluster (skipping nodes where it already has the value). */
  allDns(c: string, name: DnGuc, planned: PlanValue, how: GucChange["how"]): void {
    for (const dn of this.topo(c).dataNodes) {
      this.guc({
        cluster: c,
        node: dn.name,
        component: "datanode",
        name,
        current: this.dnGuc(c, dn, name),
        planned,
        how,
      });
    }
  }

  /** `stream_cluster_run_mode` on every DN where the release sets it; a note where it does not (5.0.0). */
  streamRunMode(c: string, value: "cluster_primary" | "cluster_standby", task: string): void {
    if (this.rel(c).setsStreamRunMode) {
      this.allDns(c, "stream_cluster_run_mode", set(value), "set");
      return;
    }
    this.notes.push({
      cluster: c,
      message: `OM ${this.rel(c).label}'s ${task} does not set stream_cluster_run_mode (it stays as it is)`,
    });
  }

  /** The `$GAUSSHOME/bin/cluster_maintance` a switchover leaves on the promoted cluster's nodes (OM master). */
  maintenanceFileLeftover(c: string): void {
    this.notes.push({
      cluster: c,
      message: `left behind on ${this.topo(c)
        .devices.map((d) => d.name)
        .join(
          ", ",
        )}: $GAUSSHOME/bin/cluster_maintance (OM ${this.rel(c).label}'s switchover -m primary creates it and never removes it)`,
    });
  }

  /** Releases whose failover notifies only DNs with role Primary (none on a DR cluster): the outcome is not verified. */
  failoverNotifyNote(c: string): void {
    const message = unverifiedFailoverNotify(this.rel(c));
    if (message) this.notes.push({ cluster: c, message });
  }

  cm(c: string, value: string): void {
    const t = this.topo(c);
    for (const d of t.devices) {
      if (t.cm.serverNodes.includes(d.name)) {
        this.guc({
          cluster: c,
          node: d.name,
          component: "cmserver",
          name: "backup_open",
          current: norm(this.snap(c, d.name)?.cmServerBackupOpen),
          planned: set(value),
          how: "set",
        });
      }
    }
    for (const d of t.devices) {
      this.guc({
        cluster: c,
        node: d.name,
        component: "cmagent",
        name: "agent_backup_open",
        current: norm(this.snap(c, d.name)?.cmAgentBackupOpen),
        planned: set(value),
        how: "set",
      });
    }
  }

  dcc(c: string, key: string, planned: PlanValue): void {
    this.guc(
      {
        cluster: c,
        node: "*",
        component: "dcc",
        name: `/${this.input.facts?.[c]?.osUser ?? this.pgUser(c)}/CMServer/${key}`,
        current: { state: "unknown" },
        planned,
        how: "dcc",
      },
      false,
    );
  }

  /** Whether the cluster's cm_agent says it is a DR cluster (agent_backup_open 1|2); undefined when unknown. */
  isDisasterCluster(c: string): boolean | undefined {
    let known = false;
    for (const d of this.topo(c).devices) {
      const v = norm(this.snap(c, d.name)?.cmAgentBackupOpen);
      if (v.state === "unknown") continue;
      known = true;
      if (valueIs(v, "1", "2")) return true;
    }
    return known ? false : undefined;
  }

  segment(c: string, ip: string): string | undefined {
    if (this.rel(c).segmentSource === "ipv4-split") {
      const [a, b] = ip.split(".");
      return `${a}.${b}.0.0/16`;
    }
    const ipType = this.input.facts?.[c]?.ipType === undefined ? "ipv4" : this.input.facts[c]!.ipType;
    if (ipType === null) return undefined;
    if (ipType === "ipv6") return undefined; // topologies are IPv4-only
    const [a, b] = ip.split(".");
    return `${a}.${b}.0.0/16`;
  }

  hbaLine(...fields: string[]): string {
    return fields.join("    ");
  }

  /** The install lines ConfigHba re-applies first (§3.3 B). */
  standardHbaOps(c: string): HbaOp[] {
    const t = this.topo(c);
    const u = this.pgUser(c);
    const ips: string[] = [];
    for (const d of t.devices) for (const ip of [d.backIp, d.sshIp]) if (!ips.includes(ip)) ips.push(ip);
    const ops: HbaOp[] = [];
    for (const ip of ips) {
      ops.push({ kind: "set", line: this.hbaLine("host", "all", u, `${ip}/32`, "trust") });
      ops.push({ kind: "set", line: this.hbaLine("host", "all", "all", `${ip}/32`, "sha256") });
    }
    if (this.rel(c).replicationTrustLines) {
      for (const d of t.dataNodes) {
        ops.push({ kind: "set", line: this.hbaLine("host", "replication", u, `${d.backIp}/32`, "trust") });
      }
    }
    return ops;
  }

  /** The DR lines for every remote data IP (§3.3 B). */
  drHbaOps(c: string): HbaOp[] {
    const u = this.pgUser(c);
    const ops: HbaOp[] = [];
    for (const ip of this.remoteDataIps(c)) {
      ops.push({ kind: "set", line: this.hbaLine("host", "all", u, `${ip}/32`, "trust") });
      if (this.rel(c).replicationTrustLines)
        ops.push({ kind: "set", line: this.hbaLine("host", "replication", u, `${ip}/32`, "trust") });
      ops.push({ kind: "set", line: this.hbaLine("host", "all", "all", `${ip}/32`, "sha256") });
      const seg = this.segment(c, ip);
      if (seg !== undefined)
        ops.push({ kind: "set", line: this.hbaLine("host", "replication", "all", seg, "sha256") });
    }
    return ops;
  }

  /** The removal lines of §3.8. */
  removeHbaOps(c: string): HbaOp[] {
    const u = this.pgUser(c);
    const ops: HbaOp[] = [];
    for (const ip of this.remoteDataIps(c)) {
      ops.push({ kind: "comment-out", line: this.hbaLine("host", "all", "all", `${ip}/32`) });
      ops.push({ kind: "comment-out", line: this.hbaLine("host", "all", u, `${ip}/32`) });
      const seg = this.segment(c, ip);
      if (seg !== undefined)
        ops.push({ kind: "comment-out", line: this.hbaLine("host", "replication", "all", seg) });
    }
    return ops;
  }

  applyHba(c: string, ops: HbaOp[]): void {
    for (const dn of this.topo(c).dataNodes) {
      const text = this.snap(c, dn.name)?.pgHba;
      if (text === undefined) {
        for (const op of ops) {
          if (op.kind === "set") this.hba.push({ cluster: c, node: dn.name, action: "set", line: op.line });
          else this.hba.push({ cluster: c, node: dn.name, action: "comment-out", line: op.line });
        }
        continue;
      }
      const r = applyHbaOps(text, ops);
      for (const e of r.effects) {
        if (e.action === "unchanged") continue;
        const change: HbaChange = {
          cluster: c,
          node: dn.name,
          action: e.action,
          line: e.action === "comment-out" ? e.previous!.trimEnd() : e.line!.trimEnd(),
        };
        if (e.previous !== undefined && e.action !== "comment-out") change.previous = e.previous;
        this.hba.push(change);
      }
      if (r.reordered) {
        this.notes.push({
          cluster: c,
          node: dn.name,
          message: "gs_guc re-sorts pg_hba.conf when it edits it: existing lines will move",
        });
      }
    }
  }

  /** §3.3 A for one DN. */
  replconninfoCreate(c: string, dn: DataNode, how: GucChange["how"]): void {
    const snap = this.snap(c, dn.name);
    const where = { cluster: c, node: dn.name };
    let k: number | undefined;
    let ports: [number, number, number] | undefined;
    for (let idx = 1; idx <= MAX_REPLCONNINFO; idx++) {
      const v = norm(snap?.replconninfo?.[idx]);
      const name = `replconninfo${idx}`;
      if (v.state === "unknown") {
        this.problems.push({
          ...where,
          message: `${name} was not read; the replconninfo changes cannot be predicted`,
        });
        return;
      }
      if (v.state === "unset" || (v.state === "set" && isCrossRegion(v.value))) {
        k = idx;
        break;
      }
      if (v.state === "empty") {
        if (this.rel(c).emptyReplconninfoFails) {
          this.problems.push({
            ...where,
            message: `${name} is empty (''): OM ${this.rel(c).label}'s start does not skip empty slots and fails with "search repl infos"`,
          });
          return;
        }
        continue;
      }
      const info = parseReplConnInfo(v.value);
      if (!info) {
        this.problems.push({
          ...where,
          message: `${name} does not match gs_sdr's pattern (8 fields, 4-5 digit ports): gs_sdr fails with "Failed to do search repl infos"`,
        });
        return;
      }
      this.guc({
        ...where,
        component: "datanode",
        name,
        current: v,
        planned: set(`${formatReplConnFields(info)} iscascade=true iscrossregion=false`),
        how,
      });
      ports = [info.localport, info.localheartbeatport, info.localservice];
    }
    if (k === undefined) {
      this.problems.push({
        ...where,
        message: "all 8 replconninfo slots hold local entries: gs_sdr has no free slot for the DR entries",
      });
      return;
    }
    if (!ports) {
      this.problems.push({
        ...where,
        message:
          "no existing local replconninfo entry to copy the local ports from (a 1-node cluster?): gs_sdr crashes (TypeError) in this case",
      });
      return;
    }
    const localIp = this.localDataIp(c, dn);
    if (localIp === undefined) return;
    const p = this.topo(this.other(c)).dataPortBase;
    for (const remoteIp of this.remoteDataIps(c)) {
      if (k > MAX_REPLCONNINFO) {
        this.problems.push({
          ...where,
          message: `the DR entry for ${remoteIp} would need replconninfo${k}; openGauss has only 8 slots`,
        });
        return;
      }
      const planned =
        `localhost=${localIp} localport=${ports[0]} localheartbeatport=${ports[1]} localservice=${ports[2]} ` +
        `remotehost=${remoteIp} remoteport=${p + 1} remoteheartbeatport=${p + 5} remoteservice=${p + 4} ` +
        "iscascade=false iscrossregion=true";
      this.guc({
        ...where,
        component: "datanode",
        name: `replconninfo${k}`,
        current: norm(snap?.replconninfo?.[k]),
        planned: set(planned),
        how,
      });
      k++;
    }
  }

  /** §3.8 for one DN. */
  replconninfoRemove(c: string, dn: DataNode, how: GucChange["how"]): void {
    const snap = this.snap(c, dn.name);
    const n = Math.min(
      MAX_REPLCONNINFO,
      this.topo(c).dataNodes.length - 1 + this.topo(this.other(c)).dataNodes.length,
    );
    for (let idx = 1; idx <= n; idx++) {
      const name = `replconninfo${idx}`;
      const v = norm(snap?.replconninfo?.[idx]);
      if (v.state === "unknown") {
        this.notes.push({
          cluster: c,
          node: dn.name,
          message: `${name} was not read: entries with iscrossregion=true are reset, iscrossregion=false ones lose their flags`,
        });
        continue;
      }
      if (v.state !== "set") continue;
      if (v.value.includes("iscrossregion=false")) {
        const info = parseReplConnInfo(v.value);
        if (info)
          this.guc({
            cluster: c,
            node: dn.name,
            component: "datanode",
            name,
            current: v,
            planned: set(formatReplConnFields(info)),
            how,
          });
      } else if (isCrossRegion(v.value)) {
        this.guc({
          cluster: c,
          node: dn.name,
          component: "datanode",
          name,
          current: v,
          planned: { state: "unset" },
          how,
        });
      }
    }
  }

  commonCreateChecks(c: string): void {
    const t = this.topo(c);
    for (const dn of t.dataNodes) {
      const s = this.snap(c, dn.name);
      if (valueIs(this.dnGuc(c, dn, "enable_dcf"), "on")) {
        this.problems.push({
          cluster: c,
          node: dn.name,
          message: "enable_dcf is on: gs_sdr requires enable_dcf=off (DCF mode is not supported)",
        });
      }
      if (s?.dnRole === "Main Standby" || s?.dnRole === "Cascade Standby") {
        this.problems.push({
          cluster: c,
          node: dn.name,
          message: `the DN is a ${s.dnRole}: gs_sdr start refuses a cluster that already has a main or cascade standby`,
        });
      }
    }
  }

  /** synchronous_commit / most_available_sync per check_dn_instance_params + set_most_available (§3.3 C). */
  syncGucs(c: string): void {
    const t = this.topo(c);
    const few = t.dataNodes.length <= 2;
    const decider = this.primaryDns(c)[0]!;
    const current = this.dnGuc(c, decider, "synchronous_commit");
    if (few || !valueIs(current, "on")) this.allDns(c, "synchronous_commit", set("on"), "reload");
    if (!valueIs(current, "on")) {
      this.notes.push({
        cluster: c,
        message: `synchronous_commit is recorded in .streaming_guc_backup (now ${formatPlanValue(current, "synchronous_commit")}); stop/failover restore it as on/off, any other value as off`,
      });
    }
    if (few) {
      this.allDns(c, "most_available_sync", set("on"), "reload");
      this.notes.push({
        cluster: c,
        message: "most_available_sync=on (≤ 2 DNs) is never restored by stop or failover",
      });
    }
  }

  finish(
    operation: DrPlan["operation"],
    primary: string,
    steps: PlanStep[],
    drParams: Record<string, DrParams>,
  ): DrPlan {
    const clusterIdx = (c: string): number => this.names.indexOf(c);
    const nodeIdx = (c: string, node: string): number => {
      if (node === "*") return 1000;
      const t = this.topo(c);
      const i = t.dataNodes.findIndex((d) => d.name === node);
      return i >= 0 ? i : 100 + t.devices.findIndex((d: ClusterDevice) => d.name === node);
    };
    const gucs = this.gucs
      .map((g, i) => ({ g, i }))
      .sort(
        (x, y) =>
          clusterIdx(x.g.cluster) - clusterIdx(y.g.cluster) ||
          nodeIdx(x.g.cluster, x.g.node) - nodeIdx(y.g.cluster, y.g.node) ||
          gucRank(x.g) - gucRank(y.g) ||
          x.i - y.i,
      )
      .map((x) => x.g);
    const hba = this.hba
      .map((h, i) => ({ h, i }))
      .sort(
        (x, y) =>
          clusterIdx(x.h.cluster) - clusterIdx(y.h.cluster) ||
          nodeIdx(x.h.cluster, x.h.node) - nodeIdx(y.h.cluster, y.h.node) ||
          x.i - y.i,
      )
      .map((x) => x.h);
    const byPlace = <T extends { cluster?: string; node?: string }>(list: T[]): T[] =>
      list
        .map((v, i) => ({ v, i }))
        .sort((x, y) => {
          const cx = x.v.cluster === undefined ? -1 : clusterIdx(x.v.cluster);
          const cy = y.v.cluster === undefined ? -1 : clusterIdx(y.v.cluster);
          if (cx !== cy) return cx - cy;
          const nx =
            x.v.node === undefined || x.v.cluster === undefined ? -1 : nodeIdx(x.v.cluster, x.v.node);
          const ny =
            y.v.node === undefined || y.v.cluster === undefined ? -1 : nodeIdx(y.v.cluster, y.v.node);
          return nx - ny || x.i - y.i;
        })
        .map((x) => x.v);
    return {
      operation,
      primary,
      steps,
      drParams,
      gucs,
      hba,
      notes: byPlace(this.notes),
      problems: byPlace(this.problems),
    };
  }
}

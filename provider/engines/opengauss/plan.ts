/**
 * The DR plan: exactly which GUCs and pg_hba lines gs_sdr will change on every node, computed before anything runs
 * (what `pulumi preview` shows). Pure: it takes the two topologies, which cluster is primary, and a per-node
 * {@link NodeSnapshot} of current values and follows docs/vendor/opengauss-gs_sdr.md §3.3 (create = `start` on both
 * sides), §3.6–3.8 (delete = `failover` on the DR cluster + `stop` on the primary) and §3.4–3.5 (switchover).
 *
 * Deterministic: clusters sorted by name, nodes in dataNode1 order (then the other devices), GUCs in a fixed order,
 * pg_hba edits in the order gs_sdr applies them. Contains no secrets (no password, no key, no DR user name).
 */
import type { ClusterDevice, ClusterTopology, DataNode } from "./clusterXml";
import { type DrParams, deriveDrParams, pairOfDn, remoteStreamIpPairs } from "./drParams";
import { parseGucBackup, restoredSynchronousCommit } from "./parsers/cabin";
import { formatGucValue, type GucValue } from "./parsers/gucCheck";
import { applyHbaOps, type HbaOp } from "./parsers/pgHba";
import { formatReplConnFields, isCrossRegion, parseReplConnInfo } from "./parsers/replconninfo";
import { MASTER_BEHAVIOUR, type OmBehaviour } from "./releases";

/** Maximum replconninfo slots of a DN. */
export const MAX_REPLCONNINFO = 8;
/** The temporary `wal_keep_segments` gs_sdr sets on the primary cluster's primary DN during start. */
export const START_WAL_KEEP_SEGMENTS = "16384";

/** DN GUCs a snapshot may carry besides replconninfo. */
export type DnGuc =
  | "synchronous_commit"
  | "most_available_sync"
  | "wal_keep_segments"
  | "stream_cluster_run_mode"
  | "enable_dcf"
  | "default_transaction_read_only";

/** A value in a snapshot: a {@link GucValue}, a plain string (= set to it), or null (= unset). Absent = not read. */
export type SnapshotValue = GucValue | string | null;

/** Current values on one node, read before planning (by gs_guc check / show / cat). */
export interface NodeSnapshot {
  /** Cluster name (as in the resource inputs). */
  cluster: string;
  /** Node (DEVICE) name. */
  node: string;
  /** `replconninfo1`..`8` as `gs_guc check` reports them (index → value). */
  replconninfo?: Partial<Record<number, SnapshotValue>>;
  /** Other DN GUCs; `wal_keep_segments`/`synchronous_commit` should be what `show` returns (gs_sdr records those). */
  gucs?: Partial<Record<DnGuc, SnapshotValue>>;
  /** cm_server `backup_open` on this node (if it runs a cm_server). */
  cmServerBackupOpen?: SnapshotValue;
  /** cm_agent `agent_backup_open` on this node. */
  cmAgentBackupOpen?: SnapshotValue;
  /** The DN's pg_hba.conf text. */
  pgHba?: string;
  /** The DN's `instance_state` from `gs_om -t status --all` (Primary, Standby, Main Standby, Cascade Standby, …). */
  dnRole?: string;
  /** The DN host's addresses (`hostname -I`): gs_sdr picks the DN's stream pair by them. */
  hostIps?: string[];
}

/** Facts about one cluster's environment. */
export interface ClusterFacts {
  /** PGUSER, the pg_hba user (defaults to the OS user, `omm`). */
  pgUser?: string;
  /** The OS user gs_sdr runs as: the DCC key prefix (default {@link pgUser}). */
  osUser?: string;
  /** `IP_TYPE` from the env file; null when it is not exported (gs_sdr then writes an empty CIDR segment). Default ipv4. */
  ipType?: "ipv4" | "ipv6" | null;
  /** Content of `streaming_cabin/.streaming_guc_backup` (delete plans). */
  streamingGucBackup?: string;
}

/** Everything the planner needs. */
export interface PlanInput {
  /** Both clusters, by name. */
  topologies: Record<string, ClusterTopology>;
  /** The primary cluster (before the operation). */
  primary: string;
  /** Current values per node (any order). */
  snapshots: readonly NodeSnapshot[];
  /** Per-cluster environment facts. */
  facts?: Record<string, ClusterFacts>;
  /** Node gs_sdr runs on per cluster (default: the master node). */
  runNodes?: Record<string, string>;
  /** Per cluster, what its OM release does differently (releases.ts); default OM master. */
  releases?: Record<string, OmBehaviour>;
}

/** A planned value; `unknown` when it was not read. */
export type PlanValue = GucValue | { state: "unknown" };

/** One GUC/CM/DCC change. */
export interface GucChange {
  /** Cluster name. */
  cluster: string;
  /** Node name, or `*` for a cluster-wide (DCC) setting. */
  node: string;
  /** Which configuration it lives in. */
  component: "datanode" | "cmserver" | "cmagent" | "dcc";
  /** Parameter name (for DCC: the key). */
  name: string;
  /** Value now. */
  current: PlanValue;
  /** Value after the operation (for a temporary change: during it). */
  planned: PlanValue;
  /** How gs_sdr applies it: `reload` (takes effect now), `set` (file; needs a restart), `dcc` (cm_ctl ddb --put). */
  how: "reload" | "set" | "dcc";
  /** Set when gs_sdr reverts the change itself at the end of the operation. */
  temporary?: {
    /** Value it is restored to. */
    restoredTo: PlanValue;
    /** When. */
    when: string;
  };
}

/** One pg_hba edit. */
export interface HbaChange {
  /** Cluster name. */
  cluster: string;
  /** Node name. */
  node: string;
  /** add a line, replace/uncomment a matching entry, comment one out; `set` when the file was not read. */
  action: "add" | "replace" | "uncomment" | "comment-out" | "set";
  /** The line as it will be in the file (for comment-out: the entry identified, without `#`). */
  line: string;
  /** The line it replaces (replace/uncomment/comment-out). */
  previous?: string;
}

/** Something the user should know that is not a change gs_sdr makes (side effects left behind, assumptions). */
export interface PlanNote {
  /** Cluster it concerns, if one. */
  cluster?: string;
  /** Node it concerns, if one. */
  node?: string;
  /** The note. */
  message: string;
}

/** Something gs_sdr would fail on, found in the snapshot. */
export interface PlanProblem {
  /** Cluster. */
  cluster: string;
  /** Node, if one. */
  node?: string;
  /** What is wrong and what to do. */
  message: string;
}

/** One gs_sdr invocation of the operation. */
export interface PlanStep {
  /** Cluster it runs on. */
  cluster: string;
  /** Node it runs on. */
  node: string;
  /** The command, without credentials or file paths. */
  command: string;
}

/** The whole plan. */
export interface DrPlan {
  /** Operation planned. */
  operation: "create" | "delete" | "switchover";
  /** Primary cluster after the operation (delete: the cluster left standing as primary). */
  primary: string;
  /** gs_sdr invocations. */
  steps: PlanStep[];
  /** Derived DR params per cluster (create). */
  drParams: Record<string, DrParams>;
  /** GUC, CM and DCC changes. */
  gucs: GucChange[];
  /** pg_hba edits. */
  hba: HbaChange[];
  /** Notes. */
  notes: PlanNote[];
  /** Problems gs_sdr would hit. Empty when the operation can proceed. */
  problems: PlanProblem[];
}

// ---------------------------------------------------------------------------------------------------------------

function norm(v: SnapshotValue | undefined): PlanValue {
  if (v === undefined) return { state: "unknown" };
  if (v === null) return { state: "unset" };
  if (typeof v === "string") return { state: "set", value: v };
  return v;
}

function set(value: string): PlanValue {
  return { state: "set", value };
}

function sameValue(a: PlanValue, b: PlanValue): boolean {
  if (a.state !== b.state) return false;
  return a.state !== "set" || a.value === (b as { value: string }).value;
}

function valueIs(v: PlanValue, ...values: string[]): boolean {
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

class PlanBuilder {
  readonly gucs: GucChange[] = [];
  readonly hba: HbaChange[] = [];
  readonly notes: PlanNote[] = [];
  readonly problems: PlanProblem[] = [];
  private readonly snaps = new Map<string, NodeSnapshot>();
  readonly names: string[];

  constructor(readonly input: PlanInput) {
    this.names = Object.keys(input.topologies).sort();
    if (this.names.length !== 2)
      throw new Error(`a DR plan needs exactly two clusters, got ${this.names.length}`);
    if (!this.names.includes(input.primary))
      throw new Error(`primary "${input.primary}" is not one of the clusters`);
    for (const s of input.snapshots) this.snaps.set(`${s.cluster}\u0000${s.node}`, s);
  }

  topo(c: string): ClusterTopology {
    return this.input.topologies[c]!;
  }

  other(c: string): string {
    return this.names[0] === c ? this.names[1]! : this.names[0]!;
  }

  snap(c: string, node: string): NodeSnapshot | undefined {
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
      if (v.state === "empty") continue;
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

/** Plan of **create**: `gs_sdr -t start -m primary` on the primary and `-m disaster_standby` on the DR cluster (§3.1–3.3). */
export function planCreate(input: PlanInput): DrPlan {
  const b = new PlanBuilder(input);
  const primary = input.primary;
  const dr = b.other(primary);
  const drParams: Record<string, DrParams> = {};
  for (const c of b.names) drParams[c] = deriveDrParams(b.topo(c), b.topo(b.other(c)));
  for (const c of b.names) {
    const isPrimary = c === primary;
    const how = isPrimary ? "reload" : "set";
    const t = b.topo(c);
    b.missingSnapshots(c);
    b.commonCreateChecks(c);
    for (const dn of t.dataNodes) b.replconninfoCreate(c, dn, how);
    b.allDns(c, "stream_cluster_run_mode", set(isPrimary ? "cluster_primary" : "cluster_standby"), "set");
    b.syncGucs(c);
    if (isPrimary) {
      for (const dn of b.primaryDns(c)) {
        const current = b.dnGuc(c, dn, "wal_keep_segments");
        b.guc(
          {
            cluster: c,
            node: dn.name,
            component: "datanode",
            name: "wal_keep_segments",
            current,
            planned: set(START_WAL_KEEP_SEGMENTS),
            how: "reload",
            temporary:
              b.rel(c).walKeepRestore === "recorded"
                ? {
                    restoredTo: current,
                    when: `when start finishes (recorded in .wal_keep_segments_record on ${b.runNode(c)}; an instance missing from the record gets 128)`,
                  }
                : {
                    restoredTo: set("128"),
                    when: `when start finishes (OM ${b.rel(c).label} always restores 128: its record lookup never matches)`,
                  },
          },
          false,
        );
      }
      if (b.isDisasterCluster(c) === true) {
        b.problems.push({
          cluster: c,
          message:
            "cm_agent agent_backup_open is 1 or 2: this cluster is configured as a disaster-recovery cluster and cannot be started as primary",
        });
      }
      b.dcc(c, "backup_open", set("0"));
    } else {
      b.cm(c, "2");
      b.dcc(c, "backup_open", set("2"));
      b.notes.push({
        cluster: c,
        message:
          "the DR cluster is stopped and fully rebuilt from the primary cluster: the primary DN becomes the Main Standby, the others Cascade Standbys; logical replication slots are dropped",
      });
    }
    b.applyHba(c, [...b.standardHbaOps(c), ...b.drHbaOps(c)]);
    if (b.rel(c).segmentSource === "ip-type" && input.facts?.[c]?.ipType === null) {
      b.problems.push({
        cluster: c,
        message:
          "IP_TYPE is not exported in the env file: gs_sdr writes `host replication all <empty> sha256`, which gs_guc rejects; export IP_TYPE=ipv4",
      });
    }
  }
  b.notes.push({
    message: `both start commands must run at the same time (the primary waits for the main standby within --time-out)`,
  });
  b.notes.push({
    message:
      "the DR user is stored encrypted as hadr_user_info on the primary cluster; it cannot change after setup",
  });
  const steps: PlanStep[] = [
    { cluster: primary, node: b.runNode(primary), command: "gs_sdr -t start -m primary" },
    { cluster: dr, node: b.runNode(dr), command: "gs_sdr -t start -m disaster_standby" },
  ];
  return b.finish("create", primary, steps, drParams);
}

/** Plan of **delete**: `gs_sdr -t failover` on the DR cluster, then `gs_sdr -t stop` on the primary (§3.6–3.8, §6.10). */
export function planDelete(input: PlanInput): DrPlan {
  const b = new PlanBuilder(input);
  const primary = input.primary;
  const dr = b.other(primary);
  for (const c of b.names) {
    const isDr = c === dr;
    const t = b.topo(c);
    const how = isDr ? "set" : "reload";
    b.missingSnapshots(c);
    for (const dn of t.dataNodes) b.replconninfoRemove(c, dn, how);
    // restore_guc_params
    const backupText = input.facts?.[c]?.streamingGucBackup;
    if (backupText === undefined) {
      b.notes.push({
        cluster: c,
        message:
          ".streaming_guc_backup was not read: synchronous_commit is restored to its recorded value (on/off; any other value → off)",
      });
    } else {
      const entry = parseGucBackup(backupText).find((e) => e.name === "synchronous_commit");
      if (entry) b.allDns(c, "synchronous_commit", set(restoredSynchronousCommit(entry.oldValue)), "reload");
    }
    if (t.dataNodes.length <= 2) {
      b.notes.push({
        cluster: c,
        message: "left behind: most_available_sync=on (gs_sdr never restores it with ≤ 2 DNs)",
      });
    }
    if (isDr) {
      b.allDns(c, "stream_cluster_run_mode", set("cluster_primary"), "set");
      b.cm(c, "0");
      b.dcc(c, "backup_open", set("0"));
      b.dcc(c, b.termKey(c), set("max DN term + 100"));
      b.applyHba(c, [...b.standardHbaOps(c), ...b.drHbaOps(c), ...b.removeHbaOps(c)]);
      if (b.isDisasterCluster(c) === false) {
        b.problems.push({
          cluster: c,
          message:
            "cm_agent agent_backup_open is 0: this is not a disaster-recovery cluster, and gs_sdr -t failover refuses to run on a primary cluster",
        });
      }
      b.notes.push({
        cluster: c,
        message:
          "failover promotes the Main Standby to Primary (replication slots dn_*_hadr dropped); the relationship cannot be resumed, only rebuilt",
      });
    } else {
      b.applyHba(c, [...b.standardHbaOps(c), ...b.removeHbaOps(c)]);
      b.notes.push({
        cluster: c,
        message:
          "stop leaves stream_cluster_run_mode and cm backup_open/agent_backup_open as they are (cluster_primary / 0)",
      });
    }
    if (b.rel(c).replicationTrustLines) {
      const lines = b
        .remoteDataIps(c)
        .map((ip) => `host    replication    ${b.pgUser(c)}    ${ip}/32    trust`);
      b.notes.push({
        cluster: c,
        message: `left behind in pg_hba.conf (OM master never removes it): ${lines.join("; ")}`,
      });
    }
    b.notes.push({
      cluster: c,
      message: "hadr_user_info is dropped and $PGHOST/streaming_cabin is removed on every node",
    });
  }
  const steps: PlanStep[] = [
    { cluster: dr, node: b.runNode(dr), command: "gs_sdr -t failover" },
    { cluster: primary, node: b.runNode(primary), command: "gs_sdr -t stop" },
  ];
  return b.finish("delete", primary, steps, {});
}

/** Plan of a planned **switchover** to `newPrimary` (§3.4–3.5): which GUCs and CM settings flip on each side. */
export function planSwitchover(input: PlanInput, newPrimary: string): DrPlan {
  const b = new PlanBuilder(input);
  const old = input.primary;
  if (newPrimary === old || !b.names.includes(newPrimary)) {
    throw new Error(`switchover needs the other cluster as new primary, got "${newPrimary}"`);
  }
  for (const c of b.names) {
    const promote = c === newPrimary;
    b.missingSnapshots(c);
    b.allDns(c, "stream_cluster_run_mode", set(promote ? "cluster_primary" : "cluster_standby"), "set");
    if (!promote) {
      // check_dn_instance_params on the demote side (its DNs are the only "Primary" ones): values that differ are
      // recorded in .streaming_guc_backup and set on every DN.
      const decider = b.primaryDns(c)[0]!;
      for (const name of ["synchronous_commit", "most_available_sync"] as const) {
        if (name === "most_available_sync" && b.topo(c).dataNodes.length > 2) continue;
        const current = b.dnGuc(c, decider, name);
        if (valueIs(current, "on")) continue;
        b.allDns(c, name, set("on"), "reload");
        b.notes.push({
          cluster: c,
          message: `${name} is recorded in .streaming_guc_backup (now ${formatPlanValue(current, name)}); ${name === "most_available_sync" ? "never restored with ≤ 2 DNs" : "stop/failover restore it as on/off, any other value as off"}`,
        });
      }
    }
    for (const dn of b.topo(c).dataNodes) {
      b.guc(
        {
          cluster: c,
          node: dn.name,
          component: "datanode",
          name: "default_transaction_read_only",
          current: b.dnGuc(c, dn, "default_transaction_read_only"),
          planned: set("on"),
          how: "set",
          temporary: { restoredTo: set("off"), when: "when the cluster has restarted in its new role" },
        },
        false,
      );
    }
    b.cm(c, promote ? "0" : "2");
    b.dcc(c, "backup_open", set(promote ? "0" : "2"));
    if (promote) b.dcc(c, b.termKey(c), set("max DN term + 100"));
    const disaster = b.isDisasterCluster(c);
    if (promote && disaster === false) {
      b.problems.push({
        cluster: c,
        message:
          "cm_agent agent_backup_open is 0: not a disaster-recovery cluster, switchover -m primary refuses to run",
      });
    }
    if (!promote && disaster === true) {
      b.problems.push({
        cluster: c,
        message:
          "cm_agent agent_backup_open is 1 or 2: a DR cluster cannot be demoted (switchover -m disaster_standby)",
      });
    }
    for (const dn of b.topo(c).dataNodes) {
      if (valueIs(b.dnGuc(c, dn, "enable_dcf"), "on")) {
        b.problems.push({
          cluster: c,
          node: dn.name,
          message: "enable_dcf is on: gs_sdr requires enable_dcf=off",
        });
      }
    }
    b.notes.push({
      cluster: c,
      message: promote
        ? "its Main Standby becomes Primary (CM promotes it), the Cascade Standbys become Standbys"
        : "its primary DN becomes the Main Standby of the new primary cluster, the others Cascade Standbys; cm_server enable_transaction_read_only is turned off during the switchover and restored",
    });
  }
  b.notes.push({ message: "replconninfo and pg_hba.conf are not changed by a switchover" });
  b.notes.push({
    message:
      "if the demote side rolls back, stream_cluster_run_mode stays cluster_standby in postgresql.conf (gs_sdr does not revert it)",
  });
  b.notes.push({
    message:
      "both switchover commands must run at the same time (the promote side waits for the switchover barrier)",
  });
  const steps: PlanStep[] = [
    { cluster: old, node: b.runNode(old), command: "gs_sdr -t switchover -m disaster_standby" },
    { cluster: newPrimary, node: b.runNode(newPrimary), command: "gs_sdr -t switchover -m primary" },
  ];
  return b.finish("switchover", newPrimary, steps, {});
}

const QUOTED_GUCS = /^(replconninfo\d+|stream_cluster_run_mode)$/;

function formatPlanValue(v: PlanValue, name: string): string {
  if (v.state === "unknown") return "(unknown)";
  return formatGucValue(v, QUOTED_GUCS.test(name));
}

function gucLabel(g: GucChange): string {
  switch (g.component) {
    case "cmserver":
      return `cm_server ${g.name}`;
    case "cmagent":
      return `cm_agent ${g.name}`;
    case "dcc":
      return `dcc ${g.name}`;
    default:
      return g.name;
  }
}

/** Compact human lines for `pulumi preview`, e.g. `A/oga1 replconninfo2: (unset) → 'localhost=… iscrossregion=true'`. */
export function renderPlan(plan: DrPlan): string[] {
  const out: string[] = [];
  for (const s of plan.steps) out.push(`${plan.operation}: ${s.cluster} runs \`${s.command}\` on ${s.node}`);
  for (const [c, p] of Object.entries(plan.drParams).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    out.push(
      `${c} drParams: localStreamIpmap1=${p.localStreamIpmap1} remoteStreamIpmap1=${p.remoteStreamIpmap1} remotedataPortBase=${p.remotedataPortBase}`,
    );
  }
  for (const g of plan.gucs) {
    const where = g.node === "*" ? g.cluster : `${g.cluster}/${g.node}`;
    let line = `${where} ${gucLabel(g)}: ${formatPlanValue(g.current, g.name)} → ${formatPlanValue(g.planned, g.name)}`;
    if (g.temporary)
      line += ` (temporary: restored to ${formatPlanValue(g.temporary.restoredTo, g.name)} ${g.temporary.when})`;
    else if (g.how === "set" && g.component === "datanode") line += " (on restart)";
    out.push(line);
  }
  for (const h of plan.hba) {
    const where = `${h.cluster}/${h.node} pg_hba`;
    switch (h.action) {
      case "add":
        out.push(`${where} + ${h.line}`);
        break;
      case "uncomment":
        out.push(`${where} + ${h.line} (re-enables a commented-out entry)`);
        break;
      case "replace":
        out.push(`${where} ~ ${h.previous?.trimEnd()} → ${h.line}`);
        break;
      case "comment-out":
        out.push(`${where} # ${h.line}`);
        break;
      case "set":
        out.push(`${where} set ${h.line} (file not read)`);
        break;
    }
  }
  for (const n of plan.notes) {
    const where =
      n.cluster === undefined ? "" : n.node === undefined ? `${n.cluster}: ` : `${n.cluster}/${n.node}: `;
    out.push(`note: ${where}${n.message}`);
  }
  for (const p of plan.problems) {
    out.push(`problem: ${p.node === undefined ? p.cluster : `${p.cluster}/${p.node}`}: ${p.message}`);
  }
  return out;
}

/**
 * Parser of `gs_om -t status --all` (= `cm_ctl query -v`, docs/vendor/opengauss-gs_sdr.md §5.2) into the cluster state
 * and the DN instances, with gs_sdr's own reading rules (§3.0 "Cluster status parsing"): lines that do not split
 * on `:` into exactly two parts are ignored; an instance record starts at `instance_id` and is attached at `type`.
 */
import { ParseError } from "../../../errors";

/** One instance record (Datanode, CMServer, …). */
interface OmInstance {
  /** `node` number the record belongs to. */
  node: number;
  /** Host name of that node (from its `node_name`). */
  nodeName?: string;
  /** `instance_id`, e.g. `6001`. */
  instanceId: string;
  /** `node_ip`. */
  nodeIp?: string;
  /** `data_path`. */
  dataPath?: string;
  /** `type`: Datanode, CMServer, … */
  type: string;
  /** `instance_state`: Primary, Standby, Main Standby, Cascade Standby, Down, … */
  instanceState?: string;
  /** `HA_state` (DN): Normal, Need repair, Building, … */
  haState?: string;
  /** `reason` (DN): Normal, Disconnected, Connecting, … */
  reason?: string;
  /** `sync_state` (DN): Sync, Async, Potential, Most available, Unknown. */
  syncState?: string;
  /** `static_connections` (DN). */
  staticConnections?: number;
  /** `process_schedule` while building, e.g. 45 for `45%`. */
  buildPercent?: number;
}

/** gs_sdr's mapping of `cluster_state` (everything not listed is Abnormal, including CM's Unavailable). */
export type GsSdrClusterStatus = "Normal" | "Degraded" | "Starting" | "Redistributing" | "Abnormal";

/** The parsed status. */
export interface OmClusterStatus {
  /** `cluster_state` as printed. */
  clusterState: string;
  /** gs_sdr's view of it. */
  status: GsSdrClusterStatus;
  /** `redistributing`. */
  redistributing?: string;
  /** `balanced`. */
  balanced?: string;
  /** node number → node name. */
  nodes: Array<{ node: number; nodeName: string }>;
  /** DN instances in output order. */
  datanodes: OmInstance[];
  /** Every other instance (CMServer, …). */
  others: OmInstance[];
  /** Ids of DNs whose instance_state is Primary. */
  primaryDnIds: string[];
  /** Ids of Main Standby DNs. */
  mainStandbyIds: string[];
  /** Ids of Cascade Standby DNs. */
  cascadeIds: string[];
  /** DNs gs_sdr counts as normal (Primary; Standby/Cascade with HA_state Normal; Main Standby always). */
  normalDnIds: string[];
}

const STATUS_MAP: Record<string, GsSdrClusterStatus> = {
  Normal: "Normal",
  Degraded: "Degraded",
  Starting: "Starting",
  Redistributing: "Redistributing",
};

/** True when gs_sdr counts the DN as normal (§3.0). */
function isNormalDn(dn: OmInstance): boolean {
  switch (dn.instanceState) {
    case "Primary":
    case "Main Standby":
      return true;
    case "Standby":
    case "Cascade Standby":
      return dn.haState === "Normal";
    default:
      return false;
  }
}

/** Parses `gs_om -t status --all` output; throws a {@link ParseError} when there is no `cluster_state`. */
export function parseOmStatus(text: string): OmClusterStatus {
  let clusterState: string | undefined;
  let redistributing: string | undefined;
  let balanced: string | undefined;
  const nodes = new Map<number, string>();
  const instances: OmInstance[] = [];
  let node = 0;
  let current: Partial<OmInstance> | undefined;
  for (const line of text.split(/\r?\n/)) {
    const parts = line.split(":");
    if (parts.length !== 2) continue;
    const key = parts[0]!.trim();
    const value = parts[1]!.trim();
    switch (key) {
      case "cluster_state":
        clusterState = value;
        break;
      case "redistributing":
        redistributing = value;
        break;
      case "balanced":
        balanced = value;
        break;
      case "node":
        node = Number(value);
        break;
      case "node_name":
        nodes.set(node, value);
        break;
      case "instance_id":
        current = { node, instanceId: value };
        break;
      case "type":
        if (current) {
          current.type = value;
          instances.push(current as OmInstance);
        }
        break;
      case "node_ip":
        if (current) current.nodeIp = value;
        break;
      case "data_path":
        if (current) current.dataPath = value;
        break;
      case "instance_state":
        if (current) current.instanceState = value;
        break;
      case "HA_state":
        if (current) current.haState = value;
        break;
      case "reason":
        if (current) current.reason = value;
        break;
      case "sync_state":
        if (current) current.syncState = value;
        break;
      case "static_connections":
        if (current) current.staticConnections = Number(value);
        break;
      case "process_schedule":
        if (current && /^\d+%$/.test(value)) current.buildPercent = Number(value.slice(0, -1));
        break;
      default:
        break;
    }
  }
  if (clusterState === undefined) {
    throw new ParseError("gs_om -t status --all: no cluster_state line", { where: { tool: "gs_om" } });
  }
  for (const inst of instances) {
    const name = nodes.get(inst.node);
    if (name !== undefined) inst.nodeName = name;
  }
  const datanodes = instances.filter((i) => i.type === "Datanode");
  const ids = (state: string): string[] =>
    datanodes.filter((d) => d.instanceState === state).map((d) => d.instanceId);
  const status: OmClusterStatus = {
    clusterState,
    status: STATUS_MAP[clusterState] ?? "Abnormal",
    nodes: [...nodes.entries()].map(([n, nodeName]) => ({ node: n, nodeName })),
    datanodes,
    others: instances.filter((i) => i.type !== "Datanode"),
    primaryDnIds: ids("Primary"),
    mainStandbyIds: ids("Main Standby"),
    cascadeIds: ids("Cascade Standby"),
    normalDnIds: datanodes.filter(isNormalDn).map((d) => d.instanceId),
  };
  if (redistributing !== undefined) status.redistributing = redistributing;
  if (balanced !== undefined) status.balanced = balanced;
  return status;
}

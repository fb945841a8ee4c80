/**
 * Cluster status parsing (`base.parse_cluster_status` over OM `DbClusterStatus`) of `gs_om -t status --all`
 * (§5.2): lines `key : value`, lines that do not split on ':' into exactly two parts are ignored, an instance
 * record starts at `instance_id` and is attached to its node at `type`.
 */

/** One instance of the status output. */
export interface InstanceStatus {
  nodeId: string;
  nodeName: string;
  nodeIp: string;
  instanceId: string;
  dataPath: string;
  type: string;
  state: string;
  haState: string;
  reason: string;
}

/** The parsed status. */
export interface ClusterStatus {
  clusterState: string;
  nodes: Array<{ id: string; name: string; ip: string }>;
  dns: InstanceStatus[];
  /** The CMServer instances. */
  cms: InstanceStatus[];
}

/** Parses `gs_om -t status --all` output. */
export function parseStatus(text: string): ClusterStatus {
  const st: ClusterStatus = { clusterState: "", nodes: [], dns: [], cms: [] };
  let nodeId = "";
  let nodeName = "";
  let inst: InstanceStatus | undefined;
  const all: InstanceStatus[] = [];
  for (const line of text.split("\n")) {
    const parts = line.split(":");
    if (parts.length !== 2) continue;
    const key = parts[0]!.trim();
    const value = parts[1]!.trim();
    switch (key) {
      case "cluster_state":
        st.clusterState = value;
        break;
      case "node":
        nodeId = value;
        inst = undefined;
        break;
      case "node_name":
        nodeName = value;
        if (!st.nodes.some((n) => n.id === nodeId)) st.nodes.push({ id: nodeId, name: nodeName, ip: "" });
        break;
      case "instance_id":
        inst = {
          nodeId,
          nodeName,
          nodeIp: "",
          instanceId: value,
          dataPath: "",
          type: "",
          state: "",
          haState: "",
          reason: "",
        };
        all.push(inst);
        break;
      case "node_ip":
        if (inst) inst.nodeIp = value;
        {
          const n = st.nodes.find((x) => x.id === nodeId);
          if (n && !n.ip) n.ip = value;
        }
        break;
      case "data_path":
        if (inst) inst.dataPath = value;
        break;
      case "type":
        if (inst) inst.type = value;
        break;
      case "instance_state":
        if (inst) inst.state = value;
        break;
      case "HA_state":
        if (inst) inst.haState = value;
        break;
      case "reason":
        if (inst) inst.reason = value;
        break;
      default:
        break;
    }
  }
  st.dns = all.filter((i) => i.type === "Datanode");
  st.cms = all.filter((i) => i.type === "CMServer");
  return st;
}

/** `cluster_state` mapped like OM: Normal/Degraded/Starting/Redistributing, everything else Abnormal. */
export function mappedClusterState(st: ClusterStatus): string {
  return ["Normal", "Degraded", "Starting", "Redistributing"].includes(st.clusterState)
    ? st.clusterState
    : "Abnormal";
}

/** DNs whose instance_state is Primary. */
export function primaryDns(st: ClusterStatus): InstanceStatus[] {
  return st.dns.filter((d) => d.state === "Primary");
}

/** DNs in Main Standby state. */
export function mainStandbyDns(st: ClusterStatus): InstanceStatus[] {
  return st.dns.filter((d) => d.state === "Main Standby");
}

/** DNs in Cascade Standby state. */
export function cascadeDns(st: ClusterStatus): InstanceStatus[] {
  return st.dns.filter((d) => d.state === "Cascade Standby");
}

/** "Normal" DNs: Primary/Standby/Cascade Standby with HA_state Normal, Main Standby always. */
export function normalDns(st: ClusterStatus): InstanceStatus[] {
  return st.dns.filter(
    (d) =>
      d.state === "Main Standby" ||
      (["Primary", "Standby", "Cascade Standby"].includes(d.state) && d.haState === "Normal"),
  );
}

/**
 * Node ids of OM's `normal_instances` (`base.__parse_instance_status`): nodes with a normal DN or a CMServer in
 * state Primary/Standby.
 */
export function normalNodeIds(st: ClusterStatus): string[] {
  const cms = st.cms.filter((c) => c.state === "Primary" || c.state === "Standby");
  return [...new Set([...cms, ...normalDns(st)].map((i) => i.nodeId))].filter(Boolean);
}

/** Parses `cluster_state : X` out of `cm_ctl query` output. */
export function parseClusterState(text: string): string {
  return /cluster_state\s*:\s*(\S+)/.exec(text)?.[1] ?? "";
}

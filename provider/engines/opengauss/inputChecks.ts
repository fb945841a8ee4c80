/**
 * The checks of `DrRelationship` inputs that need the clusters' install XML: each cluster's XML read, each
 * cluster's login and run node against its own topology, and the two clusters against each other (shared hosts,
 * replconninfo slots, DR params). Pure; each failure names the narrowest property path.
 */
import { propertyPath } from "../../config/issues";
import type { SshSettings } from "../../config/ssh";
import type { PropertyFailure } from "../../errors";
import {
  type ClusterDevice,
  type ClusterTopology,
  parseStreamIpmap,
  readClusterXml,
  type XmlDrParams,
} from "./clusterXml";
import { compareDrParams } from "./drParams";

/** What the checks read of one cluster's parsed inputs (keys not yet resolved). */
export interface ClusterInputs {
  /** `clusters.<n>.node`. */
  node?: string | undefined;
  /** `clusters.<n>.drParams`, parsed. */
  drParams?: unknown;
  /** `clusters.<n>.ssh`, parsed. */
  ssh: Pick<SshSettings, "hostKeys" | "insecure"> & { user: string };
}

/** Number of replconninfo slots openGauss has per DN. */
const REPLCONNINFO_SLOTS = 8;

/** Host-key lookup rule shared with the transport: the key pinned for the node's sshIp, else for its name. */
export function hostKeyFor(ssh: Pick<SshSettings, "hostKeys">, device: ClusterDevice): string | undefined {
  return ssh.hostKeys[device.sshIp] ?? ssh.hostKeys[device.name];
}

/** The topology of each cluster whose XML parses (`clusters.<n>.xml`), and every failure of those XMLs. */
export function readTopologies(
  rawClusters: Record<string, unknown> | undefined,
  names: readonly string[],
): { topologies: Record<string, ClusterTopology>; failures: PropertyFailure[] } {
  const topologies: Record<string, ClusterTopology> = {};
  const failures: PropertyFailure[] = [];
  for (const n of names) {
    const c = rawClusters?.[n] as { xml?: unknown } | undefined;
    if (typeof c?.xml !== "string" || c.xml === "") continue;
    const res = readClusterXml(c.xml, propertyPath(["clusters", n, "xml"]));
    failures.push(...res.failures);
    if (res.topology) topologies[n] = res.topology;
  }
  return { topologies, failures };
}

/** One cluster's login and run node against its own topology: not root, `node` a DEVICE, host keys pinned. */
export function clusterFailures(name: string, c: ClusterInputs, t: ClusterTopology): PropertyFailure[] {
  const failures: PropertyFailure[] = [];
  if (c.ssh.user === "root") {
    failures.push({
      property: propertyPath(["clusters", name, "ssh", "user"]),
      reason:
        "gs_sdr refuses to run as root ([GAUSS-50105]); log in as the cluster's OS user (the owner of the install, e.g. omm)",
    });
  }
  if (c.node !== undefined && !t.devices.some((d) => d.name === c.node || d.sshIp === c.node)) {
    failures.push({
      property: propertyPath(["clusters", name, "node"]),
      reason: `must name a DEVICE of the cluster's XML (${t.devices.map((d) => d.name).join(", ")})`,
    });
  }
  if (!c.ssh.insecure) {
    for (const d of t.devices) {
      if (hostKeyFor(c.ssh, d) === undefined) {
        failures.push({
          property: propertyPath(["clusters", name, "ssh", "hostKeys"]),
          reason: `no host key pinned for ${d.sshIp} (${d.name}); add "${d.sshIp}": "SHA256:…" (ssh-keyscan ${d.sshIp} | ssh-keygen -lf -) or set insecure: true`,
        });
      }
    }
  }
  for (const key of Object.keys(c.ssh.hostKeys).sort()) {
    if (!t.devices.some((d) => d.sshIp === key || d.name === key)) {
      failures.push({
        property: propertyPath(["clusters", name, "ssh", "hostKeys", key]),
        reason: `is not a host of cluster "${name}" (its hosts: ${t.devices.map((d) => `${d.name}/${d.sshIp}`).join(", ")})`,
      });
    }
  }
  return failures;
}

/** One of the two clusters, as the pair checks see it. */
export interface PairSide {
  /** Cluster name. */
  name: string;
  /** Its topology (from its XML). */
  topology: ClusterTopology;
  /** Its parsed inputs, when the schema accepted them. */
  args?: ClusterInputs | undefined;
  /** Its `drParams` as given (before parsing), if any. */
  rawDrParams?: unknown;
}

/**
 * The two clusters against each other: no shared host or data IP, enough replconninfo slots, and each side's DR
 * params (user-supplied `drParams` once they parse, else the XML's) agreeing with the peer's topology. A
 * supplied `drParams` replaces the topology's (`topology.drParams` is set).
 */
export function pairFailures(a: PairSide, b: PairSide): PropertyFailure[] {
  return [...sharedIpFailures(a, b), ...slotFailures(a, b), ...slotFailures(b, a), ...drParamsFailures(a, b)];
}

/** A host or data IP of `b` also used by `a`. */
function sharedIpFailures(a: PairSide, b: PairSide): PropertyFailure[] {
  const failures: PropertyFailure[] = [];
  const ipsOf = (t: ClusterTopology, pick: (d: ClusterDevice) => string): Map<string, string> =>
    new Map(t.devices.map((d) => [pick(d), d.name]));
  for (const [label, pick] of [
    ["host (sshIp1)", (d: ClusterDevice) => d.sshIp],
    ["data IP (backIp1)", (d: ClusterDevice) => d.backIp],
  ] as const) {
    const ia = ipsOf(a.topology, pick);
    for (const [ip, devB] of ipsOf(b.topology, pick)) {
      const devA = ia.get(ip);
      if (devA !== undefined) {
        failures.push({
          property: propertyPath(["clusters", b.name, "xml"]),
          reason: `${label} ${ip} of "${devB}" is also used by "${devA}" of cluster "${a.name}"; the two clusters must not share hosts or data IPs`,
        });
      }
    }
  }
  return failures;
}

/** Each DN of `local` needs a replconninfo slot per local peer and per remote DN. */
function slotFailures(local: PairSide, remote: PairSide): PropertyFailure[] {
  const localPeers = local.topology.dataNodes.length - 1;
  const remoteDns = remote.topology.dataNodes.length;
  const needed = localPeers + remoteDns;
  if (needed <= REPLCONNINFO_SLOTS) return [];
  return [
    {
      property: propertyPath(["clusters", local.name, "xml"]),
      reason: `each DN needs ${localPeers} local + ${remoteDns} remote = ${needed} replconninfo slots; openGauss has ${REPLCONNINFO_SLOTS}`,
    },
  ];
}

/**
 * User-supplied drParams replace the XML's (and the derived ones) once they parse; then each side is checked
 * against the pairs its peer uses.
 */
function drParamsFailures(a: PairSide, b: PairSide): PropertyFailure[] {
  const failures: PropertyFailure[] = [];
  const supplied = new Set<string>();
  for (const side of [a, b]) {
    if (!side.args?.drParams || !side.rawDrParams) continue;
    const sup = suppliedDrParams(side.args.drParams);
    if ("error" in sup) {
      failures.push({ property: propertyPath(["clusters", side.name, "drParams"]), reason: sup.error });
    } else {
      side.topology.drParams = sup;
      supplied.add(side.name);
    }
  }
  for (const [local, remote] of [
    [a, b],
    [b, a],
  ] as const) {
    const drParams = local.topology.drParams;
    if (!drParams) continue;
    const names = { local: local.name, remote: remote.name };
    for (const d of compareDrParams(drParams, local.topology, remote.topology, names)) {
      failures.push(
        supplied.has(local.name)
          ? { property: propertyPath(["clusters", local.name, "drParams", d.param]), reason: d.reason }
          : { property: propertyPath(["clusters", local.name, "xml"]), reason: `${d.param} ${d.reason}` },
      );
    }
  }
  return failures;
}

function suppliedDrParams(raw: unknown): XmlDrParams | { error: string } {
  const p = raw as {
    localStreamIpmap1: string;
    remoteStreamIpmap1: string;
    remotedataPortBase: number | string;
  };
  const local = parseStreamIpmap(p.localStreamIpmap1);
  if ("error" in local) return { error: `localStreamIpmap1 ${local.error}` };
  const remote = parseStreamIpmap(p.remoteStreamIpmap1);
  if ("error" in remote) return { error: `remoteStreamIpmap1 ${remote.error}` };
  return {
    localStreamIpmap1: local.pairs,
    remoteStreamIpmap1: remote.pairs,
    remotedataPortBase: Number(p.remotedataPortBase),
  };
}

/**
 * Topology preflight: the install XML a user gave for a cluster must describe the cluster that answers.
 * gs_sdr trusts the XML for its DR params and fails half-way (GAUSS-51632, after editing pg_hba and GUCs on
 * every node) when a DN is missing from it, so a mismatch is a check failure naming `clusters.<name>.xml`,
 * found before anything runs. Pure: compares the parsed XML with `gs_om -t status --all`.
 */

import type { PropertyFailure } from "../../errors";
import type { ClusterTopology } from "./clusterXml";
import type { OmClusterStatus } from "./parsers/omStatus";

/** Every difference between the XML's DN shard and the live DN instances, as check failures. */
export function topologyMismatches(
  cluster: string,
  xml: ClusterTopology,
  live: OmClusterStatus,
): PropertyFailure[] {
  const property = `clusters.${cluster}.xml`;
  const out: string[] = [];
  const liveDns = live.datanodes;
  if (liveDns.length === 0) return [];
  const describeLive = (d: (typeof liveDns)[number]) =>
    `${d.nodeName ?? `node ${d.node}`} (${d.nodeIp ?? "?"}, ${d.dataPath ?? "?"})`;
  for (const d of liveDns) {
    const match = xml.dataNodes.find(
      (x) => x.name === d.nodeName || x.backIp === d.nodeIp || x.sshIp === d.nodeIp,
    );
    if (!match) out.push(`the cluster runs DN ${describeLive(d)}, which the XML does not list`);
    else if (d.dataPath && match.dataDir !== d.dataPath)
      out.push(
        `DN ${match.name}: the XML says data dir ${match.dataDir}, the cluster runs it at ${d.dataPath}`,
      );
  }
  for (const x of xml.dataNodes) {
    const found = liveDns.some((d) => d.nodeName === x.name || d.nodeIp === x.backIp || d.nodeIp === x.sshIp);
    if (!found) out.push(`the XML lists DN ${x.name} (${x.backIp}), which the cluster does not run`);
  }
  if (out.length === 0) return [];
  return [
    {
      property,
      reason: `does not match the cluster it reaches: ${out.join("; ")} (XML: ${xml.dataNodes.length} DN, cluster: ${liveDns.length} DN). Give the cluster's own install XML; nothing was run.`,
    },
  ];
}

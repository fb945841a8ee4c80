/** Observed cluster views for the decision-core tests: a healthy, dissolved cluster by default. */
import type { ClusterView } from "../../../provider/engines/opengauss/decide";

/** A reachable cluster view (normal, Normal, every DN normal) with `o` overriding. */
export function view(name: string, o: Partial<ClusterView> = {}): ClusterView {
  return {
    name,
    reachable: true,
    stat: "normal",
    status: "Normal",
    clusterState: "Normal",
    allDnNormal: true,
    disasterCluster: false,
    stepFiles: [],
    locks: [],
    running: [],
    rpoSeconds: null,
    rtoSeconds: null,
    ...o,
  };
}

/** A cluster whose run node does not answer. */
export const down = (name: string): ClusterView =>
  view(name, {
    reachable: false,
    unreachableReason: "connect EHOSTUNREACH",
    stat: null,
    status: null,
    clusterState: null,
  });

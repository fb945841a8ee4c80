/** Observed cluster views for the decision-core tests: a healthy, dissolved cluster by default. */
import assert from "node:assert/strict";
import { type ClusterView, type Operation, operationKey } from "../../../provider/engines/opengauss/decide";

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
/** The primary side of an established pair. */
export const archive = (name: string, o: Partial<ClusterView> = {}) =>
  view(name, { stat: "archive", rpoSeconds: 0, ...o });
/** The DR side of an established pair. */
export const recovery = (name: string, o: Partial<ClusterView> = {}) =>
  view(name, { stat: "recovery", disasterCluster: true, ...o });

/**
 * Asserts a decided operation against a table row's expectation: an operation key, or
 * `blocked:<property>:<fragment>` (the fragment in the reason or the hint).
 */
export function expectOperation(op: Operation, expect: string): void {
  if (!expect.startsWith("blocked:")) {
    assert.equal(operationKey(op), expect, op.kind === "blocked" ? `${op.reason} / ${op.hint}` : "");
    return;
  }
  const property = expect.split(":")[1]!;
  const fragment = expect.slice(`blocked:${property}:`.length);
  assert.equal(op.kind, "blocked", `got ${operationKey(op)}`);
  if (op.kind !== "blocked") return;
  assert.equal(op.property, property, op.reason);
  assert.ok(
    op.reason.includes(fragment) || op.hint.includes(fragment),
    `"${fragment}" not in: ${op.reason} / ${op.hint}`,
  );
}

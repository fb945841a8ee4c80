/**
 * A failover never leaves two writable primaries and survives a lost run node: the decision (who is fenced,
 * when it is lifted, which node runs the failover), health, and what the fence runs.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  assessHealth,
  type ClusterView,
  decide,
  type Operation,
  operationKey,
} from "../../../provider/engines/opengauss/decide";
import { FENCE_COMMANDS, UNFENCE_COMMANDS } from "../../../provider/engines/opengauss/fence";
import { down, view } from "./views";

const degradedA = view("A", {
  stat: "archive",
  status: "Degraded",
  clusterState: "Degraded",
  allDnNormal: false,
});
const drB = view("B", { stat: "recovery", disasterCluster: true });

function failover(a: ClusterView, b: ClusterView): Extract<Operation, { kind: "failover" }> {
  const op = decide({ views: [a, b], desiredPrimary: "B", allowDataLoss: true, lastRpoSeconds: 3 });
  assert.equal(op.kind, "failover");
  return op as Extract<Operation, { kind: "failover" }>;
}

test("a failover fences the old primary when it answers (Degraded, or a cut link), never when it is gone", () => {
  assert.equal(failover(degradedA, drB).fence, "A");
  assert.equal(
    failover(view("A", { stat: "archive_fail" }), view("B", { stat: "recovery_fail" })).fence,
    "A",
  );
  assert.equal(failover(down("A"), drB).fence, null);
  // Resuming an unfinished failover fences again (idempotent) when A answers.
  assert.equal(
    failover(view("A", { stat: "archive_fail" }), view("B", { stat: "promote", stepFiles: ["failover"] }))
      .fence,
    "A",
  );
});

test("preview and apply agree on the fence: a fence that became impossible changes the decision", () => {
  const withA = decide({
    views: [degradedA, drB],
    desiredPrimary: "B",
    allowDataLoss: true,
    lastRpoSeconds: 3,
  });
  const withoutA = decide({
    views: [down("A"), drB],
    desiredPrimary: "B",
    allowDataLoss: true,
    lastRpoSeconds: 3,
  });
  assert.notEqual(
    (withA.kind === "failover" && withA.fence) || "",
    (withoutA.kind === "failover" && withoutA.fence) || "",
  );
});

test("the rebuild after our failover lifts the fence of the old primary (only when it is fenced)", () => {
  const last = { kind: "failover", status: "rebuild-needed", to: "B" };
  const fencedA = view("A", { stat: "archive", fenced: true });
  const op = decide({
    views: [fencedA, view("B")],
    desiredPrimary: "B",
    allowDataLoss: false,
    last,
    lastRpoSeconds: 0,
  });
  assert.equal(op.kind, "rebuild");
  assert.deepEqual(op.kind === "rebuild" && op.unfence, ["A"]);
  const plain = decide({
    views: [view("A", { stat: "archive" }), view("B")],
    desiredPrimary: "B",
    allowDataLoss: false,
    last,
    lastRpoSeconds: 0,
  });
  assert.deepEqual(plain.kind === "rebuild" && plain.unfence, []);
});

test("health says whether the old primary is fenced, and that an unreachable one could not be", () => {
  assert.match(
    assessHealth([view("A", { stat: "archive", fenced: true }), view("B")]).summary,
    /rebuild needed .*; A is fenced \(read-only\) until the rebuild/,
  );
  assert.match(
    assessHealth([view("A", { stat: "archive" }), view("B")]).summary,
    /A is NOT fenced and may accept writes/,
  );
  assert.match(assessHealth([down("A"), view("B")]).summary, /A could not be fenced/);
});

test("the fence makes every DN read-only the way gs_sdr's demote does, and the unfence undoes exactly that", () => {
  const fence = Object.values(FENCE_COMMANDS).join("\n");
  assert.match(fence, /gs_guc reload -Z datanode -N all -I all -c "default_transaction_read_only=on"/);
  assert.match(fence, /gs_guc set -Z datanode -N all -I all -c "default_transaction_read_only=on"/);
  assert.match(fence, /gs_guc set -Z cmserver -N all -I all -c "enable_transaction_read_only=off"/);
  const unfence = Object.values(UNFENCE_COMMANDS).join("\n");
  assert.match(unfence, /default_transaction_read_only=off/);
  assert.match(unfence, /enable_transaction_read_only=\$\{v:-on\}/);
});

test("B's run node down, another B DN answers, A gone: the failover runs from that DN and the key says so", () => {
  const b = view("B", {
    stat: "recovery",
    status: "Degraded",
    clusterState: "Degraded",
    disasterCluster: true,
    substituteRunNode: { host: "127.0.16.12", runNodeDown: "ogb1: connect EHOSTUNREACH" },
  });
  const op = failover(down("A"), b);
  assert.equal(op.runOn, "127.0.16.12");
  assert.equal(op.fence, null);
  assert.equal(operationKey(op), "failover to B (gs_sdr on 127.0.16.12)");
  // Through its run node, the same failover has another key: preview and apply cannot mix them up.
  assert.equal(operationKey(failover(down("A"), drB)), "failover to B");
});

test("with a run node down only a failover (or nothing) runs: a start is refused naming clusters.<name>.node", () => {
  const sub = { host: "127.0.16.12", runNodeDown: "ogb1: connect EHOSTUNREACH" };
  const noop = decide({
    views: [view("A", { stat: "archive" }), view("B", { stat: "recovery", substituteRunNode: sub })],
    desiredPrimary: "A",
    allowDataLoss: false,
    lastRpoSeconds: 0,
  });
  assert.equal(noop.kind, "noop");
  const start = decide({
    views: [view("A"), view("B", { substituteRunNode: sub })],
    desiredPrimary: "A",
    allowDataLoss: false,
    lastRpoSeconds: 0,
  });
  assert.equal(start.kind, "blocked");
  assert.equal(start.kind === "blocked" && start.property, "clusters.B.node");
  assert.match(
    start.kind === "blocked" ? start.reason : "",
    /B's run node does not answer \(ogb1: connect EHOSTUNREACH\); start A->B/,
  );
});

/**
 * A DrRelationship's outputs (outputs.ts) computed from what was observed on the fake pair (`fakePair.ts`):
 * the real primary whatever the inputs say, each cluster's stat, RPO/RTO from the primary side, health; and
 * the record of an operation from the gs_sdr runs it made.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { observe } from "../../../provider/engines/opengauss/observe";
import { operation, outputsOf, statsLine } from "../../../provider/engines/opengauss/outputs";
import { summarizeSdrOutput } from "../../../provider/engines/opengauss/parsers/sdrOutput";
import type { SdrRun } from "../../../provider/engines/opengauss/tasks";
import { FakePair, OWN } from "./fakePair";

/** The outputs of the pair as observed now (`stats` per cluster, `down` clusters not answering). */
async function outputs(stats: Record<string, string>, down: string[] = [], fallback?: string) {
  const pair = new FakePair();
  Object.assign(pair.stat, stats);
  for (const c of down) pair.down(c);
  const obs = await observe(pair.ctx, OWN);
  return { out: outputsOf(pair.ctx, obs, fallback), line: statsLine(obs) };
}

test("an established pair: primary is the archive side, RPO/RTO from its query, healthy", async () => {
  const { out, line } = await outputs({ A: "archive", B: "recovery" });
  assert.deepEqual(out, {
    primary: "A",
    hadrClusterStat: { A: "archive", B: "recovery" },
    rpoSeconds: 3,
    rtoSeconds: 12,
    health: out["health"],
    healthState: "healthy",
  });
  assert.equal(line, "A=archive, B=recovery");
});

test("the primary output is the observed one, not the input: B archive, A recovery gives B", async () => {
  const { out } = await outputs({ A: "recovery", B: "archive" }, [], "A");
  assert.equal(out["primary"], "B");
  assert.deepEqual(out["hadrClusterStat"], { A: "recovery", B: "archive" });
});

test("the DR side unreachable: the archive side is the primary, with its RPO", async () => {
  const { out } = await outputs({ A: "archive" }, ["B"]);
  assert.equal(out["primary"], "A");
  assert.deepEqual(out["hadrClusterStat"], { A: "archive", B: "unreachable" });
  assert.equal(out["rpoSeconds"], 3);
});

test("the primary side unreachable: it is still the primary; its stat says unreachable; RPO unknown", async () => {
  const { out, line } = await outputs({ B: "recovery" }, ["A"]);
  assert.equal(out["primary"], "A");
  assert.deepEqual(out["hadrClusterStat"], { A: "unreachable", B: "recovery" });
  assert.equal(out["rpoSeconds"], null);
  assert.notEqual(out["healthState"], "healthy");
  assert.equal(line, "A=unreachable, B=recovery");
});

test("after a failover (B normal alone, A gone): the primary is B, in refresh (no input) and apply alike", async () => {
  assert.equal((await outputs({ B: "normal" }, ["A"])).out["primary"], "B");
  assert.equal((await outputs({ B: "normal" }, ["A"], "B")).out["primary"], "B");
});

test("a dissolved pair (both normal): the primary falls back to the input, health says dissolved", async () => {
  const { out } = await outputs({}, [], "A");
  assert.equal(out["primary"], "A");
  assert.equal(out["healthState"], "dissolved");
  const none = await outputs({});
  assert.equal("primary" in none.out, false, "no primary output when nothing says which");
});

test("the operation record carries each run's trace and node by cluster, and the target", () => {
  const run = (cluster: string, node: string, trace: string | null): SdrRun => ({
    cluster,
    node,
    exitCode: 0,
    summary: summarizeSdrOutput(
      trace ? `${"-".repeat(80)}\nStreaming disaster recovery start ${trace}\n` : "",
    ),
    detached: false,
    outputFile: "x",
  });
  const op = operation(
    "start",
    "succeeded",
    [run("A", "127.0.1.1", "a1".repeat(16)), run("B", "127.0.2.1", null)],
    "A",
  );
  assert.equal(op.kind, "start");
  assert.equal(op.status, "succeeded");
  assert.equal(op.to, "A");
  assert.deepEqual(op.traceIds, { A: "a1".repeat(16) }, "a run without a trace header has none");
  assert.deepEqual(op.nodes, { A: "127.0.1.1", B: "127.0.2.1" });
  assert.ok(Math.abs(Date.parse(op.at) - Date.now()) < 5000);
  assert.equal("to" in operation("failover", "failed", []), false);
});

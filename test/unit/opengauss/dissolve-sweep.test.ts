/**
 * The dissolve decision over every combination of observed states (as `decide` has its sweep): whatever the two
 * clusters look like, destroy never acts on a cluster it cannot reach, never past a gs_sdr run or a lock that is
 * not ours, undoes each reachable cluster at most one way, and leaves a dissolved cluster alone.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type ClusterView, decideDissolve } from "../../../provider/engines/opengauss/decide";
import { HADR_CLUSTER_STATS } from "../../../provider/engines/opengauss/parsers/query";
import { down, view } from "./views";

const STATS: Array<string | null> = [...HADR_CLUSTER_STATS, "", null];
const STEPS: string[][] = [[], ["start_primary"], ["start_standby"], ["switchover_primary"], ["failover"]];

/** Every kind of observation of one cluster the sweep combines. */
function variants(name: string): ClusterView[] {
  const out: ClusterView[] = [down(name)];
  for (const stat of STATS) {
    for (const stepFiles of STEPS) out.push(view(name, { stat, stepFiles }));
    out.push(view(name, { stat, disasterCluster: true }));
    out.push(view(name, { stat, running: ["switchover"] }));
    out.push(view(name, { stat, locks: [{ node: "n", trace: "f".repeat(32), ours: false }] }));
    out.push(view(name, { stat, locks: [{ node: "n", trace: "e".repeat(32), ours: true }] }));
  }
  return out;
}

test("decideDissolve keeps its invariants for every pair of observations", () => {
  let n = 0;
  for (const a of variants("A")) {
    for (const b of variants("B")) {
      n++;
      const views = [a, b] as const;
      const d = decideDissolve(views);
      const ctx = `A=${a.reachable ? a.stat : "down"}[${a.stepFiles}] B=${b.reachable ? b.stat : "down"}[${b.stepFiles}]`;
      const running = views.some((v) => v.running.length > 0);
      const foreign = views.some((v) => v.reachable && v.locks.some((l) => !l.ours));
      if ("kind" in d) {
        assert.ok(d.kind === "wait" || d.kind === "blocked", `${ctx}: ${d.kind}`);
        if (d.kind === "wait") assert.ok(running, `${ctx}: waits with nothing running`);
        continue;
      }
      assert.ok(!running, `${ctx}: dissolves while gs_sdr runs`);
      assert.ok(!foreign, `${ctx}: dissolves past a lock that is not ours`);
      const acted = [...d.failover, ...d.stop];
      for (const name of acted) {
        const v = views.find((x) => x.name === name)!;
        assert.ok(v.reachable, `${ctx}: acts on unreachable ${name}`);
      }
      assert.equal(new Set(acted).size, acted.length, `${ctx}: a cluster undone two ways`);
      assert.deepEqual(
        d.unreachable,
        views.filter((v) => !v.reachable).map((v) => v.name),
        `${ctx}: unreachable clusters are named`,
      );
      for (const v of views) {
        if (v.reachable && v.stat === "normal" && v.stepFiles.length === 0 && !v.disasterCluster)
          assert.ok(!acted.includes(v.name), `${ctx}: acts on dissolved ${v.name}`);
      }
      for (const k of Object.keys(d.forgetStartSteps))
        assert.ok(d.stop.includes(k), `${ctx}: forgets on ${k}`);
      assert.ok(
        d.clearLocks.every((l) => l.ours),
        `${ctx}: clears a lock that is not ours`,
      );
    }
  }
  assert.ok(n > 2000, `${n} combinations`);
});

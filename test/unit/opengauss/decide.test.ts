/**
 * Table tests of the DR decision core: every observed combination we can name → the one operation.
 * Each row states the observation of A and B, the desired primary, allowDataLoss and the last operation,
 * and the expected operation key (or a fragment of the refusal and the property it names).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  assessHealth,
  type ClusterView,
  type DecisionInput,
  decide,
  decideAdopt,
  decideDissolve,
  type LastOperation,
  operationKey,
} from "../../../provider/engines/opengauss/decide";
import { HADR_CLUSTER_STATS } from "../../../provider/engines/opengauss/parsers/query";
import { archive, down, expectOperation, recovery, view } from "./views";

interface Row {
  name: string;
  a: ClusterView;
  b: ClusterView;
  primary: string;
  allowDataLoss?: boolean;
  last?: LastOperation;
  lastRpo?: number | null;
  /** Expected operation key, or `blocked:<property>:<fragment>` / `wait:<fragment>`. */
  expect: string;
}

function run(r: Row) {
  const input: DecisionInput = {
    views: [r.a, r.b],
    desiredPrimary: r.primary,
    allowDataLoss: r.allowDataLoss ?? false,
    lastRpoSeconds: r.lastRpo ?? null,
    ...(r.last ? { last: r.last } : {}),
  };
  return decide(input);
}

const rows: Row[] = [
  // Dissolved and fresh starts.
  {
    name: "both normal → start both",
    a: view("A"),
    b: view("B"),
    primary: "A",
    expect: "start A->B (primary+standby)",
  },
  {
    name: "both normal, B wanted → start B->A",
    a: view("A"),
    b: view("B"),
    primary: "B",
    expect: "start B->A (primary+standby)",
  },
  // Established pairs.
  {
    name: "healthy, A primary, A wanted → noop",
    a: archive("A"),
    b: recovery("B"),
    primary: "A",
    expect: "noop",
  },
  {
    name: "link down both sides → noop",
    a: archive("A", { stat: "archive_fail" }),
    b: recovery("B", { stat: "recovery_fail" }),
    primary: "A",
    expect: "noop",
  },
  {
    name: "link down, primary side only → noop",
    a: archive("A", { stat: "archive_fail" }),
    b: recovery("B"),
    primary: "A",
    expect: "noop",
  },
  {
    name: "link down, DR side only → noop",
    a: archive("A"),
    b: recovery("B", { stat: "recovery_fail" }),
    primary: "A",
    expect: "noop",
  },
  {
    name: "healthy, B wanted → switchover",
    a: archive("A"),
    b: recovery("B"),
    primary: "B",
    expect: "switchover A->B",
  },
  {
    name: "B primary already, B wanted → noop",
    a: recovery("A"),
    b: archive("B"),
    primary: "B",
    expect: "noop",
  },
  {
    name: "B wanted, A Degraded → refused naming allowDataLoss",
    a: archive("A", { status: "Degraded", clusterState: "Degraded", allDnNormal: false }),
    b: recovery("B"),
    primary: "B",
    expect: "blocked:allowDataLoss:A is Degraded",
  },
  {
    name: "B wanted, A Normal but a DN not normal → refused",
    a: archive("A", { allDnNormal: false }),
    b: recovery("B"),
    primary: "B",
    expect: "blocked:allowDataLoss:A has a DN that is not normal",
  },
  {
    name: "B wanted, A Degraded, allowDataLoss → failover",
    a: archive("A", { status: "Degraded", clusterState: "Degraded", allDnNormal: false }),
    b: recovery("B"),
    primary: "B",
    allowDataLoss: true,
    expect: "failover to B, fencing A",
  },
  {
    name: "B wanted, link down → refused (switchover needs the link)",
    a: archive("A", { stat: "archive_fail", rpoSeconds: 7 }),
    b: recovery("B", { stat: "recovery_fail" }),
    primary: "B",
    expect: "blocked:allowDataLoss:last known RPO: 7 s",
  },
  {
    name: "B wanted, link down, allowDataLoss → failover",
    a: archive("A", { stat: "archive_fail" }),
    b: recovery("B", { stat: "recovery_fail" }),
    primary: "B",
    allowDataLoss: true,
    expect: "failover to B, fencing A",
  },
  {
    name: "B wanted, B Abnormal → failover impossible",
    a: archive("A", { stat: "archive_fail" }),
    b: recovery("B", { stat: "recovery_fail", status: "Abnormal", clusterState: "Unavailable" }),
    primary: "B",
    allowDataLoss: true,
    expect: "blocked:clusters.B:Normal or Degraded",
  },
  // A whole site gone.
  {
    name: "primary site down, A wanted → noop + warning",
    a: down("A"),
    b: recovery("B", { stat: "recovery_fail" }),
    primary: "A",
    expect: "noop",
  },
  {
    name: "primary site down, B wanted, no allowDataLoss → refused with last RPO",
    a: down("A"),
    b: recovery("B", { stat: "recovery_fail" }),
    primary: "B",
    lastRpo: 3,
    expect: "blocked:allowDataLoss:last known RPO: 3 s",
  },
  {
    name: "primary site down, B wanted, allowDataLoss → failover",
    a: down("A"),
    b: recovery("B", { stat: "recovery_fail", status: "Degraded", clusterState: "Degraded" }),
    primary: "B",
    allowDataLoss: true,
    expect: "failover to B",
  },
  {
    name: "DR site down, A wanted → noop",
    a: archive("A", { stat: "archive_fail" }),
    b: down("B"),
    primary: "A",
    expect: "noop",
  },
  {
    name: "DR site down, B wanted → refused (B unreachable)",
    a: archive("A", { stat: "archive_fail" }),
    b: down("B"),
    primary: "B",
    allowDataLoss: true,
    expect: "blocked:clusters.B:cannot be reached",
  },
  {
    name: "both sites down → refused",
    a: down("A"),
    b: down("B"),
    primary: "A",
    expect: "blocked:clusters:neither cluster",
  },
  {
    name: "after failover, A still down → noop (rebuild later)",
    a: down("A"),
    b: view("B"),
    primary: "B",
    last: { kind: "failover", status: "rebuild-needed", to: "B" },
    expect: "noop",
  },
  {
    name: "start in progress and the DR site gone → refused",
    a: archive("A", { stat: "full_backup", stepFiles: ["start_primary"] }),
    b: down("B"),
    primary: "A",
    expect: "blocked:clusters.B:needs both clusters",
  },
  // Failover aftermath: rebuild.
  {
    name: "after our failover, A back as stale archive → rebuild (stop A)",
    a: archive("A", { stat: "archive_fail" }),
    b: view("B"),
    primary: "B",
    last: { kind: "failover", status: "rebuild-needed", to: "B" },
    expect: "rebuild: stop A, start B->A",
  },
  {
    name: "after our failover, stale A holds a start step file → rebuild forgets it",
    a: archive("A", { stat: "archive", stepFiles: ["start_primary"] }),
    b: view("B"),
    primary: "B",
    last: { kind: "failover", status: "rebuild-needed", to: "B" },
    expect: "rebuild: stop A, start B->A",
  },
  {
    name: "out-of-band failover (no record), B wanted → needs allowDataLoss",
    a: archive("A", { stat: "archive_fail" }),
    b: view("B"),
    primary: "B",
    expect: "blocked:allowDataLoss:discards what A committed",
  },
  {
    name: "out-of-band failover, B wanted, allowDataLoss → rebuild",
    a: archive("A", { stat: "archive_fail" }),
    b: view("B"),
    primary: "B",
    allowDataLoss: true,
    expect: "rebuild: stop A, start B->A",
  },
  {
    name: "after failover, user set primary back to stale A → needs allowDataLoss",
    a: archive("A", { stat: "archive_fail" }),
    b: view("B"),
    primary: "A",
    last: { kind: "failover", status: "rebuild-needed", to: "B" },
    expect: "blocked:allowDataLoss:may hold writes A lacks",
  },
  {
    name: "after failover, primary back to A with allowDataLoss → rebuild stopping A",
    a: archive("A", { stat: "archive_fail" }),
    b: view("B"),
    primary: "A",
    allowDataLoss: true,
    expect: "rebuild: stop A, start A->B",
  },
  // Unfinished starts.
  {
    name: "start failed on both sides → resume both",
    a: archive("A", { stat: "backup_fail", stepFiles: ["start_primary"] }),
    b: view("B", { stat: "restore_fail", stepFiles: ["start_standby"] }),
    primary: "A",
    expect: "start A->B (primary+standby)",
  },
  {
    name: "start failed early (normal + step files) → resume both",
    a: view("A", { stepFiles: ["start_primary"] }),
    b: view("B", { stepFiles: ["start_standby"] }),
    primary: "A",
    expect: "start A->B (primary+standby)",
  },
  {
    name: "primary side timed out waiting, DR side done → resume primary only",
    a: archive("A", { stat: "backup_fail", stepFiles: ["start_primary"] }),
    b: recovery("B"),
    primary: "A",
    expect: "start A->B (primary)",
  },
  {
    name: "primary done, DR side failed at the build → resume standby only",
    a: archive("A"),
    b: view("B", { stat: "restore_fail", stepFiles: ["start_standby"] }),
    primary: "A",
    expect: "start A->B (standby)",
  },
  {
    name: "primary done, DR side without a step file → rebuild (secure files are gone)",
    a: archive("A", { stat: "archive" }),
    b: view("B", { stat: "restore_fail" }),
    primary: "A",
    expect: "rebuild: stop A, start A->B",
  },
  {
    name: "start with B as primary unfinished, A wanted → refused",
    a: view("A", { stat: "restore_fail", stepFiles: ["start_standby"] }),
    b: archive("B", { stat: "backup_fail", stepFiles: ["start_primary"] }),
    primary: "A",
    expect: "blocked:primary:start with B as primary",
  },
  // Unfinished switchovers and failovers.
  {
    name: "switchover: demote rolled back, promote failed → resume switchover",
    a: archive("A"),
    b: view("B", { stat: "promote_fail", stepFiles: ["switchover_primary"], disasterCluster: true }),
    primary: "B",
    last: { kind: "switchover", status: "failed", to: "B" },
    expect: "switchover A->B",
  },
  {
    name: "switchover in flight the other way → refused",
    a: view("A", { stat: "switchover", stepFiles: ["switchover_primary"] }),
    b: view("B", { stat: "switchover", stepFiles: ["switchover_standby"] }),
    primary: "B",
    expect: "blocked:primary:unfinished switchover makes A primary",
  },
  {
    name: "switchover unfinished, demote side Degraded → refused",
    a: archive("A", { status: "Degraded", clusterState: "Degraded", allDnNormal: false }),
    b: view("B", { stat: "promote_fail", stepFiles: ["switchover_primary"] }),
    primary: "B",
    expect: "blocked:allowDataLoss:cannot resume",
  },
  {
    name: "failover to B unfinished → resume failover (B alone)",
    a: down("A"),
    b: view("B", { stat: "promote_fail", stepFiles: ["failover"] }),
    primary: "B",
    expect: "failover to B",
  },
  {
    name: "failover to B unfinished, A reachable → resume failover",
    a: archive("A", { stat: "archive_fail" }),
    b: view("B", { stat: "promote", stepFiles: ["failover"] }),
    primary: "B",
    expect: "failover to B, fencing A",
  },
  // Locks and running processes.
  {
    name: "gs_sdr running → wait",
    a: archive("A", { running: ["switchover@127.0.1.1"] }),
    b: recovery("B"),
    primary: "B",
    expect: "wait:switchover@127.0.1.1",
  },
  {
    name: "our stale lock → switchover clears it",
    a: archive("A", { locks: [{ node: "127.0.1.1", trace: "ab".repeat(16), ours: true }] }),
    b: recovery("B"),
    primary: "B",
    expect: "switchover A->B",
  },
  {
    name: "foreign stale lock → refused naming the lock",
    a: archive("A", { locks: [{ node: "127.0.1.2", trace: "cd".repeat(16), ours: false }] }),
    b: recovery("B"),
    primary: "B",
    expect: "blocked:clusters.A:not one of ours",
  },
  {
    name: "foreign lock but nothing to do → noop",
    a: archive("A", { locks: [{ node: "127.0.1.2", trace: "cd".repeat(16), ours: false }] }),
    b: recovery("B"),
    primary: "A",
    expect: "noop",
  },
  {
    name: "unknown primary name → refused",
    a: view("A"),
    b: view("B"),
    primary: "C",
    expect: "blocked:primary:not one of the clusters",
  },
  {
    name: "query failed on a reachable cluster → refused, nothing guessed",
    a: view("A", { stat: null }),
    b: recovery("B"),
    primary: "A",
    expect: "blocked:clusters:does not resolve",
  },
];

describe("decide", () => {
  for (const r of rows) {
    test(r.name, () => {
      const op = run(r);
      if (r.expect.startsWith("wait:")) {
        assert.equal(op.kind, "wait");
        if (op.kind === "wait") assert.ok(op.reason.includes(r.expect.slice(5)), op.reason);
      } else expectOperation(op, r.expect);
    });
  }

  test("the primary-site-down noop warns how to fail over, with the last RPO", () => {
    const op = run({
      name: "",
      a: down("A"),
      b: recovery("B", { stat: "recovery_fail" }),
      primary: "A",
      lastRpo: 4,
      expect: "",
    });
    assert.equal(op.kind, "noop");
    if (op.kind === "noop") {
      assert.match(op.warnings.join(" "), /set primary: B and allowDataLoss: true/);
      assert.match(op.warnings.join(" "), /last known RPO: 4 s/);
      assert.equal(op.health.state, "degraded");
    }
  });

  test("a failover quotes the live RPO when the primary answers, else the stored one", () => {
    const live = run({
      name: "",
      a: archive("A", { stat: "archive_fail", rpoSeconds: 9 }),
      b: recovery("B", { stat: "recovery_fail" }),
      primary: "B",
      allowDataLoss: true,
      lastRpo: 2,
      expect: "",
    });
    assert.ok(live.kind === "failover" && live.rpoSeconds === 9);
    const gone = run({
      name: "",
      a: down("A"),
      b: recovery("B"),
      primary: "B",
      allowDataLoss: true,
      lastRpo: 2,
      expect: "",
    });
    assert.ok(gone.kind === "failover" && gone.rpoSeconds === 2);
  });

  test("our locks are listed for clearing; a rebuild forgets the stale side's start step files", () => {
    const lock = { node: "127.0.1.1", trace: "ef".repeat(16), ours: true };
    const op = run({
      name: "",
      a: archive("A", { stepFiles: ["start_primary"], locks: [lock] }),
      b: view("B"),
      primary: "B",
      last: { kind: "failover", status: "rebuild-needed", to: "B" },
      expect: "",
    });
    assert.equal(op.kind, "rebuild");
    if (op.kind === "rebuild") {
      assert.deepEqual(op.forgetStartSteps, ["start_primary"]);
      assert.deepEqual(op.clearLocks, [lock]);
      assert.equal(op.discards, undefined);
    }
  });
});

describe("assessHealth", () => {
  const cases: Array<[string, ClusterView, ClusterView, string]> = [
    ["healthy", archive("A"), recovery("B"), "healthy"],
    [
      "link down",
      archive("A", { stat: "archive_fail" }),
      recovery("B", { stat: "recovery_fail" }),
      "degraded: DR link down",
    ],
    // OM ≤ 5.1.0: the DR side has no walreceiver check and still says recovery with the link cut
    [
      "link down, DR side on 5.x",
      archive("A", { stat: "archive_fail" }),
      recovery("B"),
      "degraded: DR link down",
    ],
    [
      "link down, DR side on 5.x, B primary",
      recovery("A"),
      archive("B", { stat: "archive_fail" }),
      "degraded: DR link down",
    ],
    ["DR site down", archive("A"), down("B"), "degraded: DR cluster B unreachable"],
    ["primary site down", down("A"), recovery("B"), "degraded: primary cluster A unreachable"],
    ["after failover", archive("A", { stat: "archive_fail" }), view("B"), "rebuild needed"],
    ["dissolved", view("A"), view("B"), "dissolved"],
    ["both down", down("A"), down("B"), "broken"],
  ];
  for (const [name, a, b, summary] of cases) {
    test(name, () =>
      assert.ok(assessHealth([a, b]).summary.startsWith(summary), assessHealth([a, b]).summary),
    );
  }
});

describe("decideDissolve", () => {
  test("failover on the DR side, stop on the primary side", () => {
    const d = decideDissolve([archive("A"), recovery("B")]);
    assert.ok(!("kind" in d));
    if (!("kind" in d)) {
      assert.deepEqual(d.failover, ["B"]);
      assert.deepEqual(d.stop, ["A"]);
      assert.deepEqual(d.unreachable, []);
    }
  });
  test("DR site gone: stop the primary, report the other as unreachable", () => {
    const d = decideDissolve([archive("A", { stat: "archive_fail" }), down("B")]);
    assert.ok(!("kind" in d) && d.stop[0] === "A" && d.unreachable[0] === "B" && d.failover.length === 0);
  });
  test("half-started pair: stop forgets start step files", () => {
    const d = decideDissolve([
      archive("A", { stat: "backup_fail", stepFiles: ["start_primary"] }),
      view("B", { stepFiles: ["start_standby"] }),
    ]);
    assert.ok(!("kind" in d));
    if (!("kind" in d)) {
      assert.deepEqual(d.stop, ["A", "B"]);
      assert.deepEqual(d.forgetStartSteps, { A: ["start_primary"], B: ["start_standby"] });
    }
  });
  test("already dissolved: nothing runs", () => {
    const d = decideDissolve([view("A"), view("B")]);
    assert.ok(!("kind" in d) && d.stop.length === 0 && d.failover.length === 0);
  });
  test("gs_sdr running → wait; foreign lock → blocked", () => {
    assert.equal(
      (decideDissolve([archive("A", { running: ["stop@x"] }), recovery("B")]) as { kind: string }).kind,
      "wait",
    );
    const locked = decideDissolve([
      archive("A", { locks: [{ node: "n", trace: "0".repeat(32), ours: false }] }),
      recovery("B"),
    ]);
    assert.equal((locked as { kind: string }).kind, "blocked");
  });
});

describe("decide over every combination of observed states", () => {
  const STATS: Array<string | null> = [...HADR_CLUSTER_STATS, "", null];
  const STEPS: string[][] = [
    [],
    ["start_primary"],
    ["start_standby"],
    ["switchover_primary"],
    ["switchover_standby"],
    ["failover"],
  ];
  const variants = (name: string): ClusterView[] => {
    const out: ClusterView[] = [down(name)];
    for (const stat of STATS) {
      for (const stepFiles of STEPS) {
        out.push(view(name, { stat, stepFiles }));
      }
      out.push(view(name, { stat, status: "Degraded", clusterState: "Degraded", allDnNormal: false }));
      out.push(view(name, { stat, locks: [{ node: "n", trace: "f".repeat(32), ours: false }] }));
      out.push(view(name, { stat, locks: [{ node: "n", trace: "e".repeat(32), ours: true }] }));
    }
    return out;
  };
  const lasts: Array<LastOperation | undefined> = [
    undefined,
    { kind: "failover", status: "rebuild-needed", to: "B" },
    { kind: "switchover", status: "failed", to: "B" },
    { kind: "start", status: "failed", to: "A" },
  ];
  const A = variants("A");
  const B = variants("B");

  test("the invariants hold for every observation (no start on a finished side, no unasked data loss, nothing on an unreachable cluster)", () => {
    let n = 0;
    for (const a of A) {
      for (const b of B) {
        for (const primary of ["A", "B"]) {
          for (const allowDataLoss of [false, true]) {
            for (const last of lasts) {
              n++;
              const op = decide({
                views: [a, b],
                desiredPrimary: primary,
                allowDataLoss,
                lastRpoSeconds: null,
                ...(last ? { last } : {}),
              });
              const ctx = () =>
                `${a.name}=${a.reachable ? a.stat : "down"}[${a.stepFiles}] ${b.name}=${b.reachable ? b.stat : "down"}[${b.stepFiles}] primary=${primary} allowDataLoss=${allowDataLoss} → ${operationKey(op)}`;
              const byName = (x: string) => (x === "A" ? a : b);
              const mutating = ["start", "switchover", "failover", "rebuild"].includes(op.kind);
              if (mutating) {
                const involved = op.kind === "failover" ? [byName(op.to)] : [a, b];
                for (const v of involved) {
                  assert.ok(v.reachable, `acts on an unreachable cluster: ${ctx()}`);
                  assert.ok(!v.locks.some((l) => !l.ours), `acts past a foreign lock: ${ctx()}`);
                }
              }
              if (op.kind === "start") {
                const p = byName(op.primary);
                const s = byName(op.standby);
                if (op.sides.includes("primary"))
                  assert.ok(
                    !["archive", "archive_fail"].includes(p.stat ?? "") ||
                      p.stepFiles.includes("start_primary"),
                    `start on a finished primary side: ${ctx()}`,
                  );
                if (op.sides.includes("standby"))
                  assert.ok(
                    !["recovery", "recovery_fail"].includes(s.stat ?? "") ||
                      s.stepFiles.includes("start_standby"),
                    `start on a finished DR side: ${ctx()}`,
                  );
              }
              if (op.kind === "failover" && !op.resume)
                assert.ok(allowDataLoss, `failover without allowDataLoss: ${ctx()}`);
              if (op.kind === "switchover") {
                const from = byName(op.from);
                assert.ok(
                  from.status === "Normal" && from.allDnNormal,
                  `switchover from a cluster not all Normal: ${ctx()}`,
                );
              }
              if (op.kind === "rebuild" && op.discards)
                assert.ok(allowDataLoss, `rebuild discarding writes without allowDataLoss: ${ctx()}`);
              if (op.kind === "blocked") assert.ok(op.reason.length > 0 && op.hint.length > 0, ctx());
            }
          }
        }
      }
    }
    assert.ok(n > 100_000, `${n} combinations`);
  });
});

describe("decideAdopt (create with adopt: true)", () => {
  const adoptRows: Row[] = [
    {
      name: "healthy pair, requested primary is primary → adopt",
      a: archive("A"),
      b: recovery("B"),
      primary: "A",
      expect: "noop",
    },
    {
      name: "pair with the link down, requested primary is primary → adopt (with a warning)",
      a: archive("A", { stat: "archive_fail" }),
      b: recovery("B", { stat: "recovery_fail" }),
      primary: "A",
      expect: "noop",
    },
    {
      name: "pair the other way round → refused on primary, says to set primary: B",
      a: archive("B"),
      b: recovery("A"),
      primary: "B",
      expect: "noop",
    },
    {
      name: "A is DR of B, primary A requested → refused",
      a: recovery("A"),
      b: archive("B"),
      primary: "A",
      expect: "blocked:primary:Set primary: B",
    },
    {
      name: "both normal (no pair) → refused, never a start",
      a: view("A"),
      b: view("B"),
      primary: "A",
      expect: "blocked:adopt:no DR relationship to adopt",
    },
    {
      name: "a start half done (step files) → refused, never resumed",
      a: view("A", { stat: "full_backup", stepFiles: ["start_primary"] }),
      b: view("B", { stat: "restore", stepFiles: ["start_standby"] }),
      primary: "A",
      expect: "blocked:adopt:step files",
    },
    {
      name: "established pair but a step file left behind → refused",
      a: archive("A", { stepFiles: ["switchover_primary"] }),
      b: recovery("B"),
      primary: "A",
      expect: "blocked:adopt:switchover_primary",
    },
    {
      name: "gs_sdr running → refused (not a wait)",
      a: archive("A", { running: ["switchover@127.0.1.1"] }),
      b: recovery("B"),
      primary: "A",
      expect: "blocked:adopt:gs_sdr is running",
    },
    {
      name: "DR cluster unreachable → refused on clusters.B",
      a: archive("A"),
      b: down("B"),
      primary: "A",
      expect: "blocked:clusters.B:cannot be reached",
    },
    {
      name: "primary unreachable → refused on clusters.A",
      a: down("A"),
      b: recovery("B"),
      primary: "A",
      expect: "blocked:clusters.A:cannot be reached",
    },
    {
      name: "after a failover (B alone normal, A still archive) → refused",
      a: archive("A"),
      b: view("B", { disasterCluster: true }),
      primary: "A",
      expect: "blocked:adopt:not an established pair",
    },
    {
      name: "primary names no cluster → refused on primary",
      a: archive("A"),
      b: recovery("B"),
      primary: "C",
      expect: "blocked:primary:not one of the clusters",
    },
  ];
  for (const r of adoptRows) {
    test(r.name, () => {
      const op = decideAdopt({
        views: [r.a, r.b],
        desiredPrimary: r.primary,
        allowDataLoss: true,
        lastRpoSeconds: null,
      });
      expectOperation(op, r.expect);
      if (op.kind === "blocked") assert.match(op.hint, /Nothing was run and no file was written|Set primary/);
    });
  }

  test("the only outcomes are noop and blocked: over every combination adopt never starts, switches or fails over", () => {
    const stats = [null, ...HADR_CLUSTER_STATS];
    for (const sa of stats)
      for (const sb of stats)
        for (const steps of [[], ["start_primary"]]) {
          const op = decideAdopt({
            views: [view("A", { stat: sa, stepFiles: steps }), view("B", { stat: sb })],
            desiredPrimary: "A",
            allowDataLoss: true,
            lastRpoSeconds: null,
          });
          assert.ok(op.kind === "noop" || op.kind === "blocked", `${sa}/${sb}: ${operationKey(op)}`);
          const expectAdopt =
            steps.length === 0 &&
            ["archive", "archive_fail"].includes(sa ?? "") &&
            ["recovery", "recovery_fail"].includes(sb ?? "");
          assert.equal(op.kind === "noop", expectAdopt, `${sa}/${sb} steps=${steps.join(",")}`);
        }
  });

  test("a link-down adoption carries a warning; a healthy one none", () => {
    const down_ = decideAdopt({
      views: [archive("A", { stat: "archive_fail" }), recovery("B", { stat: "recovery_fail" })],
      desiredPrimary: "A",
      allowDataLoss: false,
      lastRpoSeconds: null,
    });
    assert.ok(
      down_.kind === "noop" && down_.warnings.length === 1 && /DR link is down/.test(down_.warnings[0]!),
    );
    const ok = decideAdopt({
      views: [archive("A"), recovery("B")],
      desiredPrimary: "A",
      allowDataLoss: false,
      lastRpoSeconds: null,
    });
    assert.ok(ok.kind === "noop" && ok.warnings.length === 0);
  });
});

/**
 * Drills as code, without a lab: the decision (table rows like decide.test.ts), when a declared drill is
 * pending, the probe-log analysis on recorded and generated logs (gaps, lost rows, clock steps), the writer
 * script itself run locally against a stand-in gsql, the verdict, and the Markdown report.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, test } from "node:test";
import { drillReportMain, findDrills } from "../../../provider/cli/drillReport";
import {
  type ClusterView,
  type DecisionInput,
  decide,
  decideDrill,
  operationKey,
} from "../../../provider/engines/opengauss/decide";
import { analyseSegment, lostRows } from "../../../provider/engines/opengauss/drill/analysis";
import { drillReport, type LastDrill, verdict } from "../../../provider/engines/opengauss/drill/evidence";
import { parseDrillMarkers } from "../../../provider/engines/opengauss/drill/marker";
import { writerScript } from "../../../provider/engines/opengauss/drill/probe";
import {
  drillRequest,
  drStateOf,
  expectsPlan,
  lastDrillOf,
} from "../../../provider/engines/opengauss/engine";
import { validateDrRelationship } from "../../../provider/engines/opengauss/schema";
import { fixture } from "./fixtures";
import { archive, down, expectOperation, recovery } from "./views";

const A = (o: Partial<ClusterView> = {}) => archive("A", o);
const B = (o: Partial<ClusterView> = {}) => recovery("B", o);

interface Row {
  name: string;
  a: ClusterView;
  b: ClusterView;
  primary?: string;
  drill?: { id: string; switchBack?: boolean; pending?: boolean };
  lastDrill?: { id: string; failed: boolean };
  /** Expected operation key, or `blocked:<property>:<fragment>`. */
  expect: string;
}

const rows: Row[] = [
  {
    name: "a new drill on a healthy pair: over and back",
    a: A(),
    b: B(),
    drill: { id: "q4" },
    expect: "drill q4: switchover A->B, then back B->A",
  },
  {
    name: "a drill that already ran: nothing",
    a: A(),
    b: B(),
    drill: { id: "q4", pending: false },
    expect: "noop",
  },
  {
    name: "switchBack false with primary B: a measured switchover",
    a: A(),
    b: B(),
    primary: "B",
    drill: { id: "q4", switchBack: false },
    expect: "drill q4: switchover A->B",
  },
  {
    name: "switchBack false without changing primary: refused on drill.switchBack",
    a: A(),
    b: B(),
    drill: { id: "q4", switchBack: false },
    expect: "blocked:drill.switchBack:primary must name it",
  },
  {
    name: "DR link cut: refused, never a failover",
    a: A({ stat: "archive_fail" }),
    b: B({ stat: "recovery_fail" }),
    drill: { id: "q4" },
    expect: "blocked:drill:not healthy (degraded: DR link down",
  },
  {
    name: "DR cluster unreachable: refused",
    a: A(),
    b: down("B"),
    drill: { id: "q4" },
    expect: "blocked:drill:B cannot be reached",
  },
  {
    name: "primary unreachable with allowDataLoss-free drill: refused, no failover",
    a: down("A"),
    b: B(),
    drill: { id: "q4" },
    expect: "blocked:drill:A cannot be reached",
  },
  {
    name: "a DN not normal: refused",
    a: A(),
    b: B({ allDnNormal: false }),
    drill: { id: "q4" },
    expect: "blocked:drill:B has a DN that is not normal",
  },
  {
    name: "A Degraded: refused",
    a: A({ status: "Degraded", clusterState: "Degraded" }),
    b: B(),
    drill: { id: "q4" },
    expect: "blocked:drill:A is Degraded",
  },
  {
    name: "gs_sdr running: refused naming drill",
    a: A({ running: ["switchover@127.0.0.1"] }),
    b: B(),
    drill: { id: "q4" },
    expect: "blocked:drill:gs_sdr is running",
  },
  {
    name: "a stale lock of ours: refused (a run did not finish cleanly)",
    a: A({ locks: [{ node: "127.0.0.1", trace: "ab", ours: true }] }),
    b: B(),
    drill: { id: "q4" },
    expect: "blocked:drill:streaming_lock_ab",
  },
  {
    name: "a pending switchover (primary changed) with switchBack: refused",
    a: A(),
    b: B(),
    primary: "B",
    drill: { id: "q4" },
    expect: "blocked:drill:another operation is pending (switchover A->B",
  },
  {
    name: "a step file left: refused",
    a: A({ stepFiles: ["switchover_standby"], stat: "switchover" }),
    b: B(),
    drill: { id: "q4" },
    expect: "blocked:drill:another operation is pending",
  },
  {
    name: "a failed drill left an unfinished switchover towards B: resumed, then back",
    a: A(),
    b: B({ stat: "promote_fail", stepFiles: ["switchover_primary"] }),
    drill: { id: "q4", pending: false },
    lastDrill: { id: "q4", failed: true },
    expect: "drill q4: resume switchover A->B, then back B->A",
  },
  {
    name: "the same state without a failed drill: the switchover decision stands (blocked on primary)",
    a: A(),
    b: B({ stat: "promote_fail", stepFiles: ["switchover_primary"] }),
    drill: { id: "q4", pending: false },
    lastDrill: { id: "q4", failed: false },
    expect: "blocked:primary:unfinished switchover",
  },
  {
    name: "a failed drill whose switch back failed: the plain switchover back resumes",
    a: A({ stat: "promote_fail", stepFiles: ["switchover_primary"] }),
    b: B(),
    lastDrill: { id: "q4", failed: true },
    expect: "switchover B->A",
  },
];

function input(r: Row): DecisionInput {
  return {
    views: [r.a, r.b],
    desiredPrimary: r.primary ?? "A",
    allowDataLoss: false,
    lastRpoSeconds: null,
    ...(r.drill
      ? {
          drill: { id: r.drill.id, switchBack: r.drill.switchBack ?? true, pending: r.drill.pending ?? true },
        }
      : {}),
    ...(r.lastDrill ? { lastDrill: r.lastDrill } : {}),
  };
}

const sample: LastDrill = {
  id: "2026-Q4",
  startedAt: "2026-12-06T21:00:00.000Z",
  finishedAt: "2026-12-06T21:04:00.000Z",
  from: "A",
  to: "B",
  switchoverSeconds: 61.2,
  switchbackSeconds: 58.9,
  writeOutageSeconds: 12.4,
  writeOutagesSeconds: [12.4, 10.1],
  rowsWritten: 812,
  rowsLost: 0,
  rpoSecondsBefore: 0,
  rtoSecondsReported: 0,
  result: "passed",
  clockSteps: [],
};

describe("decideDrill", () => {
  for (const r of rows) {
    test(r.name, () => {
      const i = input(r);
      const op = decideDrill(i, decide(i));
      expectOperation(op, r.expect);
    });
  }

  test("a refused drill never turns into another operation: over every row, only drill, noop or blocked", () => {
    for (const r of rows.filter((x) => x.drill?.pending !== false && x.drill)) {
      const i = input(r);
      const op = decideDrill(i, decide(i));
      assert.ok(["drill", "blocked"].includes(op.kind), `${r.name}: ${operationKey(op)}`);
    }
  });
});

describe("drillRequest (which declared drill is pending)", () => {
  const d = { id: "q4", switchBack: true, database: "postgres" };
  const ran = (id: string): LastDrill => ({ ...sample, id });
  const ran0 = ran("q0");
  test("a new id is pending; the last drill's id or the stored input's is not; a create is the baseline", () => {
    assert.equal(drillRequest(d, false, {})?.pending, true);
    assert.equal(drillRequest(d, false, { lastDrill: ran("q4") })?.pending, false);
    assert.equal(drillRequest(d, false, { drillId: "q4", lastDrill: ran("q3") })?.pending, false);
    assert.equal(drillRequest(d, false, { drillId: "q3", lastDrill: ran("q3") })?.pending, true);
    assert.equal(drillRequest(d, true, {})?.pending, false);
    assert.equal(drillRequest(undefined, false, {}), undefined);
  });

  test("a marker on the hosts says an id ran even when the stored state does not (a failed up keeps old inputs)", () => {
    const ran = parseDrillMarkers("id=q4 mark=failed\nnoise\nid=q2 mark=passed\nid=q9 mark=bogus\n");
    assert.deepEqual(ran, [
      { id: "q4", mark: "failed" },
      { id: "q2", mark: "passed" },
    ]);
    assert.equal(drillRequest(d, false, { drillId: "q3" }, ran)?.pending, false);
    assert.deepEqual(lastDrillOf("q4", {}, ran), { id: "q4", failed: true });
    assert.deepEqual(lastDrillOf("q4", {}, [{ id: "q4", mark: "started" }]), { id: "q4", failed: true });
    assert.deepEqual(lastDrillOf("q4", {}, [{ id: "q4", mark: "resumed" }]), { id: "q4", failed: false });
    assert.deepEqual(lastDrillOf("q5", { lastDrill: { ...ran0, result: "failed: x" } }, ran), {
      id: "q0",
      failed: true,
    });
    assert.equal(lastDrillOf("q5", {}, ran), undefined);
  });

  test("the stored outputs parse into the state the decision reads", () => {
    const st = drStateOf({ drill: { id: "q3" }, lastDrill: ran("q3"), rpoSeconds: 0 });
    assert.equal(st.drillId, "q3");
    assert.equal(st.lastDrill?.id, "q3");
    assert.equal(drStateOf({ lastDrill: { id: 1 } }).lastDrill, undefined);
  });

  test("check() reads the plan's facts in its observation when a drill is pending (the preview shows two plans)", () => {
    const state = drStateOf({
      primary: "A",
      drill: { id: "q3" },
      lastDrill: ran("q3"),
      lastOperation: { kind: "drill", status: "succeeded" },
    });
    assert.equal(expectsPlan("check", false, false, "A", state, d), true);
    assert.equal(expectsPlan("check", false, false, "A", state, { ...d, id: "q3" }), false);
    assert.equal(expectsPlan("apply", false, false, "A", state, d), false);
  });
});

describe("drill input validation", () => {
  const base = (drill: unknown) => ({
    clusters: {},
    primary: "A",
    drUser: { name: "u", password: "Secret_123" },
    drill,
  });
  const failures = (drill: unknown) =>
    validateDrRelationship(base(drill)).failures.filter((f) => f.property.startsWith("drill"));
  test("each bad field is named by its path", () => {
    assert.deepEqual(
      failures({ id: "bad id!", database: "x;y", maxWriteOutageSeconds: 0, switchBack: "yes" })
        .map((f) => f.property)
        .sort(),
      ["drill.database", "drill.id", "drill.maxWriteOutageSeconds", "drill.switchBack"],
    );
    assert.match(failures({ id: "" })[0]!.reason, /1 to 64 characters/);
    assert.deepEqual(
      failures({}).map((f) => f.property),
      ["drill.id"],
    );
    assert.deepEqual(
      failures({ id: "q4", extra: 1 }).map((f) => f.property),
      ["drill.extra"],
    );
    assert.deepEqual(failures({ id: "2026-Q4", database: "app_db", maxWriteOutageSeconds: 30 }), []);
  });
});

describe("probe-log analysis", () => {
  test("a recorded lab log: the switchover's gap is the outage, every ack counted", () => {
    const a = analyseSegment([fixture("drill-switchover.log")]);
    assert.equal(a.unparsed, 0);
    // Recorded on the lab (drill d1, switchover A->B): 187 attempts, 46 acknowledged, 20.8 s without an ack.
    assert.equal(a.attempts.length, 187);
    assert.equal(a.acked.length, 46);
    assert.equal(a.outageSeconds, 20.8);
    // The outage runs from the last ack on A to the first ack on B.
    const last = a.attempts.filter((x) => x.ok && x.at <= a.outageFrom!).at(-1)!;
    const next = a.attempts.find((x) => x.ok && x.at >= a.outageTo!)!;
    assert.notEqual(last.writer, next.writer);
    assert.deepEqual(a.clockSteps, []);
  });

  const line = (w: string, n: number, real: number, mono: number, ok = true) =>
    `w ${w} ${n} ${(real - 0.05).toFixed(3)} ${real.toFixed(3)} ${mono.toFixed(2)} ${ok ? "ok" : "fail"}`;

  test("gaps: the longest time between two acks of any writer, failed attempts in between do not count", () => {
    const log = [
      "begin 1-A 1000.000 50.00",
      line("1-A", 1, 1000.2, 50.2),
      line("1-A", 2, 1000.4, 50.4),
      line("1-A", 3, 1003.4, 53.4, false),
      "begin 1-B 1000.100 70.00",
      line("1-B", 1, 1000.3, 70.2, false),
      line("1-B", 2, 1004.1, 74.0),
      line("1-B", 3, 1004.3, 74.2),
    ];
    const a = analyseSegment([log.join("\n")]);
    assert.equal(a.outageSeconds, 3.7);
    assert.deepEqual(a.acked, ["1-A:1", "1-A:2", "1-B:2", "1-B:3"]);
  });

  test("a clock step forward on a host is reported and does not make an outage", () => {
    const log = [
      "begin 1-A 1000.000 50.00",
      line("1-A", 1, 1000.2, 50.2),
      line("1-A", 2, 1000.4, 50.4),
      line("1-A", 3, 1030.6, 50.6), // realtime jumped 30 s, monotonic 0.2 s
      line("1-A", 4, 1030.8, 50.8),
    ];
    const a = analyseSegment([log.join("\n")]);
    assert.equal(a.outageSeconds, 0.2);
    assert.equal(a.clockSteps.length, 1);
    assert.equal(a.clockSteps[0]!.seconds, 30);
  });

  test("a clock step backwards does not hide an outage", () => {
    const log = [
      "begin 1-A 1000.000 50.00",
      line("1-A", 1, 1000.2, 50.2),
      line("1-A", 2, 995.2, 56.2), // 6 s passed, the clock went back 5 s
    ];
    const a = analyseSegment([log.join("\n")]);
    assert.equal(a.outageSeconds, 6);
    assert.equal(a.clockSteps[0]!.seconds, -11);
  });

  test("a truncated line is counted, not guessed at", () => {
    const a = analyseSegment(["begin 1-A 1000.000 50.00\nw 1-A 1 999.9 1000.2 50.2 ok\nw 1-A 2 1000.3"]);
    assert.equal(a.unparsed, 1);
    assert.equal(a.outageSeconds, null);
  });

  test("lost rows: acknowledged but missing afterwards", () => {
    assert.deepEqual(lostRows(["1-A:1", "1-A:2", "1-B:5"], ["1-A:1", "1-B:5", "1-B:4", ""]), ["1-A:2"]);
    assert.deepEqual(lostRows(["1-A:1"], ["1-A:1"]), []);
  });
});

describe("the writer script (run locally against a stand-in gsql)", () => {
  test("writes one INSERT per attempt, logs ok/fail with host times, stops on its stop file and at its bound", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "drill-writer-"));
    try {
      const bin = path.join(dir, "bin");
      fs.mkdirSync(bin);
      // Fails while a flag file exists (the outage), records every statement it is given.
      fs.writeFileSync(
        path.join(bin, "gsql"),
        `#!/bin/bash\nfor a in "$@"; do :; done\nprintf '%s\\n' "$*" >> "${dir}/calls"\n[ -e "${dir}/down" ] && exit 2\nexit 0\n`,
        { mode: 0o755 },
      );
      const script = writerScript({
        writer: "1-A",
        database: "appdb",
        port: 26000,
        boundSeconds: 3,
        file: "t-1-A",
      });
      const env = { ...process.env, HOME: dir, PATH: `${bin}:${process.env["PATH"]}` };
      const child = spawnSync(
        "bash",
        ["-c", `(sleep 1; touch "${dir}/down"; sleep 0.8; rm -f "${dir}/down") & bash -s`],
        { input: script, env, timeout: 20_000, encoding: "utf8" },
      );
      assert.equal(child.status, 0, child.stderr);
      const a = analyseSegment([child.stdout]);
      assert.equal(a.unparsed, 0, child.stdout);
      assert.ok(a.attempts.length >= 5, child.stdout);
      assert.ok(
        a.attempts.some((x) => !x.ok),
        "the outage shows as failed attempts",
      );
      assert.ok(a.outageSeconds! >= 0.7 && a.outageSeconds! < 2, `outage ${a.outageSeconds}`);
      const calls = fs.readFileSync(path.join(dir, "calls"), "utf8").trim().split("\n");
      assert.equal(calls.length, a.attempts.length);
      assert.match(
        calls[0]!,
        /^-d appdb -p 26000 -t -A -X -q -c INSERT INTO hadr_drill\.heartbeat \(writer, seq, host_time\) VALUES \('1-A', 1, \d+\.\d+\)$/,
      );
      assert.equal(fs.readFileSync(path.join(dir, ".pulumi-hadr/drill/t-1-A.log"), "utf8"), child.stdout);
      // Bounded: 3 s, not forever.
      const last = a.attempts.at(-1)!.at - a.attempts[0]!.at;
      assert.ok(last < 4.5, `ran ${last} s`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("verdict and report", () => {
  test("passed, or failed with every reason", () => {
    assert.equal(verdict({ writeOutageSeconds: 12, rowsLost: 0 }, 30, []), "passed");
    assert.equal(
      verdict({ writeOutageSeconds: 40, rowsLost: 2 }, 30, ["switchover A->B: boom"]),
      "failed: switchover A->B: boom; 2 acknowledged row(s) lost; write outage 40 s above maxWriteOutageSeconds 30",
    );
    assert.equal(verdict({ writeOutageSeconds: 40, rowsLost: 0 }, undefined, []), "passed");
  });

  test("the Markdown report carries every figure", () => {
    const md = drillReport(sample, "prod");
    assert.match(md, /^# DR drill 2026-Q4 — prod$/m);
    assert.match(md, /\*\*Result: passed\*\*/);
    assert.match(md, /\| switchover \| A → B: 61\.2 s \|/);
    assert.match(md, /\| switch back \| B → A: 58\.9 s \|/);
    assert.match(md, /\| longest write outage \| 12\.4 s \(per switchover: 12\.4 s, 10\.1 s\) \|/);
    assert.match(md, /\| acknowledged rows lost \| 0 \|/);
  });

  test("drill-report finds lastDrill in stack outputs, on stdin or in a file; none is an error", async () => {
    assert.deepEqual(
      findDrills({ primary: "A", lastDrill: sample }).map((d) => d.name),
      ["lastDrill"],
    );
    assert.deepEqual(
      findDrills({ dr: { lastDrill: sample } }).map((d) => d.name),
      ["dr"],
    );
    assert.deepEqual(
      findDrills(sample).map((d) => d.name),
      ["lastDrill"],
    );
    const out: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((s: string) => {
      out.push(s);
      return true;
    }) as unknown as typeof process.stdout.write;
    try {
      assert.equal(await drillReportMain([], async () => JSON.stringify({ lastDrill: sample })), 0);
    } finally {
      process.stdout.write = write;
    }
    assert.match(out.join(""), /Result: passed/);
    const err = console.error;
    console.error = () => undefined;
    try {
      assert.equal(await drillReportMain(["-"], async () => JSON.stringify({ primary: "A" })), 1);
      assert.equal(await drillReportMain(["--bogus"], async () => "{}"), 2);
    } finally {
      console.error = err;
    }
  });
});

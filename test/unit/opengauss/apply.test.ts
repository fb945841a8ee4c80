/**
 * Carrying out decided operations (apply.ts `execute`) on the fake pair (`fakePair.ts`): which gs_sdr runs on
 * which node, in which order and at the same time, the DR password only on the PTY prompts, the record of what
 * ran, and the resumable {@link Incomplete} when a side fails or passes our deadline.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Incomplete } from "../../../provider/core/partial";
import { withProgress } from "../../../provider/core/progress";
import { execute } from "../../../provider/engines/opengauss/apply";
import type { Operation } from "../../../provider/engines/opengauss/decide";
import { observe } from "../../../provider/engines/opengauss/observe";
import type { DrOperation, Observed } from "../../../provider/engines/opengauss/outputs";
import { LockedError, StateError, ToolError } from "../../../provider/errors";
import { overlapped } from "../support/fakeRemote";
import { FakePair, OPS, OUR_TRACE, OWN, PASSWORD } from "./fakePair";
import { fixture } from "./fixtures";

/**
 * Observes the pair, then executes `op` (or the operation made from the observation, as decide() makes it)
 * on it; returns the result and the progress lines and warnings.
 */
async function run(pair: FakePair, op: Operation | ((obs: Observed) => Operation)) {
  const lines: string[] = [];
  const sink = { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(`warning: ${l}`) };
  const obs = await observe(pair.ctx, OWN);
  const decided = typeof op === "function" ? op(obs) : op;
  const out = withProgress(sink, () => execute(pair.ctx, decided, obs, OWN, "dr"));
  return { out, lines };
}

/** The result of executing `op` (rejects as execute does). */
async function exec(pair: FakePair, op: Operation | ((obs: Observed) => Operation)) {
  const { out, lines } = await run(pair, op);
  return { ...(await out), lines };
}

const START: Operation = OPS.start;

/** The records of the gs_sdr runs (their wrapped command lines). */
const sdrRecords = (pair: FakePair) => pair.runs.map((r) => r.record);

/** Asserts an {@link Incomplete} carrying a failed operation record; returns the record. */
function partial(e: unknown, kind: DrOperation["kind"], to: string): DrOperation {
  assert.ok(e instanceof Incomplete, String(e));
  assert.equal(e.code, "HADR_PARTIAL");
  const op = e.outputs["lastOperation"] as DrOperation;
  assert.equal(op.kind, kind);
  assert.equal(op.status, "failed");
  assert.equal(op.to, to);
  return op;
}

test("start: DR XML placed on both run nodes, then start -m primary on A and -m disaster_standby on B at the same time", async () => {
  const pair = new FakePair();
  const r = await exec(pair, START);
  assert.deepEqual(pair.runLines(), ["A@127.0.1.1 start primary", "B@127.0.2.1 start disaster_standby"]);
  assert.ok(overlapped(pair.runs[0]!.record, pair.runs[1]!.record), "both sides run at once");
  const placed = pair.remote.log.filter((x) => x.command.includes('cat > "$HOME/.pulumi-hadr/dr-'));
  assert.deepEqual(
    placed.map((x) => x.host),
    ["127.0.1.1", "127.0.2.1"],
  );
  for (const p of placed) assert.ok(p.seq < pair.runs[0]!.record.seq, "XML placed before gs_sdr runs");
  assert.match(pair.xml["A"]!, /<PARAM name="localStreamIpmap1"/);
  assert.match(
    pair.runs[0]!.line,
    /^gs_sdr -t start -m primary -X "\$HOME\/\.pulumi-hadr\/dr-A\.xml" -U dr_user --time-out=\d+$/,
  );
  assert.equal(r.op?.kind, "start");
  assert.equal(r.op?.status, "succeeded");
  assert.equal(r.op?.to, "A");
  assert.deepEqual(r.op?.traceIds, { A: pair.runs[0]!.trace, B: pair.runs[1]!.trace });
  assert.deepEqual(r.op?.nodes, { A: "127.0.1.1", B: "127.0.2.1" });
  assert.equal(r.after["A"]!.view.stat, "archive", "the result is the observation after the run");
  assert.equal(r.after["B"]!.view.stat, "recovery");
});

test("start: the DR password answers gs_sdr's two prompts on the PTY and is in no command line", async () => {
  const pair = new FakePair();
  await exec(pair, START);
  for (const s of pair.runs) {
    assert.deepEqual(s.answers, [PASSWORD, PASSWORD]);
    assert.equal(s.record.stdin, `${PASSWORD}\n${PASSWORD}\n`);
    assert.equal(s.record.pty, true);
  }
  for (const c of pair.commandLines()) assert.ok(!c.includes(PASSWORD), `password in argv: ${c}`);
  for (const x of Object.values(pair.xml)) assert.ok(!x.includes(PASSWORD), "nor in the placed XML");
});

test("start resuming one side runs only that side, on the same run node", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  pair.steps["127.0.2.1"] = ["start_standby"];
  const r = await exec(pair, { ...START, sides: ["standby"], resume: true });
  assert.deepEqual(pair.runLines(), ["B@127.0.2.1 start disaster_standby"]);
  assert.equal(r.op?.status, "succeeded");
});

test("switchover A->B: demote (-m disaster_standby) on A and promote (-m primary) on B at once, demote started first", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  pair.stat["B"] = "recovery";
  const r = await exec(pair, { kind: "switchover", from: "A", to: "B", resume: false, clearLocks: [] });
  assert.deepEqual(pair.runLines(), [
    "A@127.0.1.1 switchover disaster_standby",
    "B@127.0.2.1 switchover primary",
  ]);
  const [demote, promote] = sdrRecords(pair);
  assert.ok(demote!.seq < promote!.seq && overlapped(demote!, promote!));
  assert.match(pair.runs[0]!.line, /^gs_sdr -t switchover -m disaster_standby --time-out=\d+$/);
  assert.deepEqual(pair.runs[0]!.answers, [], "no prompt, nothing typed");
  assert.equal(r.op?.kind, "switchover");
  assert.equal(r.op?.to, "B");
  assert.equal(r.after["B"]!.view.stat, "archive");
});

test("start with a failed side: Incomplete (HADR_PARTIAL) recording the failed start, naming the side and what the other did", async () => {
  const pair = new FakePair();
  pair.stage("B start disaster_standby", { code: 1, stdout: fixture("start-standby-failed.txt") });
  const { out } = await run(pair, START);
  await assert.rejects(out, (e: unknown) => {
    const op = partial(e, "start", "A");
    assert.deepEqual(op.nodes, { A: "127.0.1.1", B: "127.0.2.1" });
    const failure = (e as Incomplete).failure;
    assert.ok(failure instanceof ToolError, String(failure));
    assert.equal(failure.where.cluster, "B");
    assert.match(failure.message, /gs_sdr start failed on B \(127\.0\.2\.1/);
    assert.match(failure.hint ?? "", /\(A finished\.\) .*resumes on the same node/);
    return true;
  });
  assert.equal(pair.runs.length, 2, "the other side was never stopped for it");
});

test("a gs_sdr run past our deadline is left running (the channel hung up, never killed): Incomplete, retryable", async () => {
  const pair = new FakePair({ deadlineMs: Date.now() + 1500 });
  pair.stat["A"] = "archive";
  pair.stat["B"] = "recovery";
  pair.stage("B switchover primary", "hang");
  const { out } = await run(pair, { kind: "switchover", from: "A", to: "B", resume: false, clearLocks: [] });
  await assert.rejects(out, (e: unknown) => {
    partial(e, "switchover", "B");
    const failure = (e as Incomplete).failure as ToolError;
    assert.match(
      failure.message,
      /on B \(127\.0\.2\.1\) passed our deadline and was left running \(never killed\)/,
    );
    assert.match(failure.hint ?? "", /\.pulumi-hadr\/runs\/\d+-switchover-[0-9a-f]+\.out on 127\.0\.2\.1/);
    assert.equal(failure.retryable, true);
    return true;
  });
  assert.equal(pair.runs[1]!.record.abandoned, "close", "hung up only: no signal was sent");
});

test("failover: the old primary is fenced first, then gs_sdr -t failover on the DR side; the record says rebuild-needed", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  pair.stat["B"] = "recovery";
  const r = await exec(pair, OPS.failover);
  const fence = pair.reads.filter((x) => ["save", "cms", "dnSet", "dnReload"].includes(x.key));
  assert.deepEqual(
    fence.map((x) => `${x.host} ${x.key}`),
    ["127.0.1.1 save", "127.0.1.1 cms", "127.0.1.1 dnSet", "127.0.1.1 dnReload"],
  );
  assert.deepEqual(pair.runLines(), ["B@127.0.2.1 failover"]);
  assert.ok(fence[0]!.record.seq < pair.runs[0]!.record.seq, "fenced before anything is promoted");
  assert.equal(r.op?.status, "rebuild-needed");
  assert.equal(r.op?.to, "B");
  assert.ok(
    r.lines.some((l) => l.startsWith("A: fenced — every DN read-only")),
    r.lines.join("\n"),
  );
});

test("failover with the old primary unreachable and B's run node down: not fenced (warned), run on B's other DN", async () => {
  const pair = new FakePair();
  pair.stat["B"] = "recovery";
  pair.down("A");
  pair.down("B", ["127.0.2.1"]);
  const r = await exec(pair, { ...OPS.failover, rpoSeconds: null, fence: null, runOn: "127.0.2.2" });
  assert.deepEqual(pair.runLines(), ["B@127.0.2.2 failover"]);
  assert.deepEqual(
    pair.reads.filter((x) => x.key === "save"),
    [],
  );
  assert.ok(r.lines.includes("warning: A cannot be reached and is not fenced"), r.lines.join("\n"));
  assert.deepEqual(r.op?.nodes, { B: "127.0.2.2" });
});

test("a fence that changes no DN setting stops the failover before anything is promoted (StateError)", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  pair.stat["B"] = "recovery";
  pair.gucRc["dnSet"] = 1;
  pair.gucRc["dnReload"] = 1;
  const { out } = await run(pair, OPS.failover);
  await assert.rejects(
    out,
    (e: unknown) => e instanceof StateError && /nothing was promoted/.test(e.message),
  );
  assert.deepEqual(pair.runs, []);
});

test("a failed failover is Incomplete with the failed record, resumable", async () => {
  const pair = new FakePair();
  pair.stat["B"] = "recovery";
  pair.down("A");
  pair.stage("B failover", { code: 1, stdout: "[GAUSS-51632] : Failed to do failover.\n" });
  const { out } = await run(pair, { ...OPS.failover, rpoSeconds: null, fence: null });
  await assert.rejects(out, (e: unknown) => {
    partial(e, "failover", "B");
    assert.equal(((e as Incomplete).failure as ToolError).vendorCode, "GAUSS-51632");
    return true;
  });
});

const REBUILD: Operation = OPS.rebuild;

test("rebuild: our stale lock and the start step go, XML placed, fence lifted, stop on A, then both start (B primary)", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  pair.locks["127.0.1.2"] = [OUR_TRACE];
  pair.locks["127.0.2.2"] = ["cd".repeat(16)];
  pair.steps["127.0.1.1"] = ["start_primary"];
  pair.fence["A"] = "enable_transaction_read_only=on at=2026-01-01T00:00:00Z";
  // as decide() does: our locks, the very objects the observation holds (not someone else's lock on B)
  const r = await exec(pair, (obs) => ({
    ...REBUILD,
    clearLocks: Object.values(obs).flatMap((o) => o.view.locks.filter((l) => l.ours)),
  }));
  const mutating = pair.remote.log
    .filter((x) => /rm -f|gs_guc reload -Z datanode|cat > "\$HOME|exec gs_sdr/.test(x.command))
    .map((x) => {
      if (x.command.includes("exec gs_sdr"))
        return `${x.host} gs_sdr ${/-t (\w+(?: -m \w+)?)/.exec(x.command)![1]}`;
      if (x.command.includes("streaming_lock_")) return `${x.host} rm lock`;
      if (x.command.includes(".streaming_start_primary.step")) return `${x.host} rm step`;
      if (x.command.includes("cat > ")) return `${x.host} place xml`;
      if (x.command.includes('rm -f "$HOME/.pulumi-hadr/fence"')) return `${x.host} rm fence`;
      if (x.command.includes("default_transaction_read_only=off")) return `${x.host} unfence`;
      return `${x.host} other`;
    })
    .filter((l) => !l.endsWith("other"));
  assert.deepEqual(mutating, [
    "127.0.1.2 rm lock",
    "127.0.1.1 rm step",
    "127.0.1.1 place xml",
    "127.0.1.1 unfence",
    "127.0.1.1 rm fence",
    "127.0.1.1 gs_sdr stop",
    "127.0.2.1 place xml",
    "127.0.1.1 place xml",
    "127.0.2.1 gs_sdr start -m primary",
    "127.0.1.1 gs_sdr start -m disaster_standby",
  ]);
  assert.equal(r.op?.kind, "rebuild");
  assert.equal(r.op?.status, "succeeded");
  assert.equal(r.op?.to, "B");
});

test("rebuild: a failed stop is Incomplete and nothing starts", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  pair.stage("A stop", { code: 1, stdout: "Stop failed.\n" });
  const { out } = await run(pair, { ...REBUILD, forgetStartSteps: [], unfence: [], clearLocks: [] });
  await assert.rejects(out, (e: unknown) => {
    partial(e, "rebuild", "B");
    assert.match(
      (e as Incomplete).failure instanceof ToolError ? String((e as Incomplete).failure) : "",
      /Stop failed/,
    );
    return true;
  });
  assert.deepEqual(pair.runLines(), ["A@127.0.1.1 stop"]);
});

test("wait is a LockedError, blocked a StateError naming the property, noop only warns: nothing runs", async () => {
  const pair = new FakePair();
  const w = await run(pair, { kind: "wait", reason: "gs_sdr is running (start@127.0.1.1)" });
  await assert.rejects(
    w.out,
    (e: unknown) => e instanceof LockedError && /gs_sdr is running/.test(e.message),
  );
  const b = await run(pair, { kind: "blocked", reason: "why", hint: "do this", property: "clusters.B" });
  await assert.rejects(
    b.out,
    (e: unknown) => e instanceof StateError && e.message === "clusters.B: why" && e.hint === "do this",
  );
  const n = await exec(pair, {
    kind: "noop",
    health: { state: "healthy", summary: "ok" } as never,
    warnings: ["w1"],
  });
  assert.equal(n.op, null);
  assert.deepEqual(n.lines, ["warning: w1"]);
  assert.deepEqual(pair.runs, []);
  const writes = pair.remote.log.filter((x) => !x.command.includes("echo @@HADR@@locks"));
  assert.deepEqual(writes, [], "only the observations ran");
});

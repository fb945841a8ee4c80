/**
 * What check() shows (preview.ts `planOf`), read from the fake pair (`fakePair.ts`): the operation header
 * apply compares with, the per-node plan from a full read (made only when the observation did not carry it),
 * the failover's fence and data-loss lines, and the preconditions that stop a start. Preview never writes.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Operation, operationKey } from "../../../provider/engines/opengauss/decide";
import { observe } from "../../../provider/engines/opengauss/observe";
import { OPERATION_PREFIX, planOf } from "../../../provider/engines/opengauss/preview";
import { FakePair, HOSTS, OPS, OWN } from "./fakePair";

const START: Operation = OPS.start;

/** Observes (with the plan's reads or not), then plans `op`; returns the plan and the commands planOf ran. */
async function preview(pair: FakePair, op: Operation, withPlanReads = false) {
  const obs = await observe(pair.ctx, OWN, withPlanReads);
  const before = pair.remote.log.length;
  const plan = await planOf(pair.ctx, op, obs);
  return { ...plan, ran: pair.remote.log.slice(before) };
}

/** Nothing that writes: every command preview ran is a batch of reads or gs_om/gs_sdr query. */
function readOnly(pair: FakePair): void {
  assert.deepEqual(pair.runs, [], "no gs_sdr task ran");
  for (const r of pair.reads) assert.doesNotMatch(r.command, /\brm -|cat > |gs_guc (set|reload)/, r.key);
}

test("noop, wait and blocked show no plan and read nothing more", async () => {
  const pair = new FakePair();
  for (const op of [
    { kind: "noop", health: { state: "healthy", summary: "ok" }, warnings: [] },
    { kind: "wait", reason: "gs_sdr runs" },
    { kind: "blocked", reason: "r", hint: "h", property: "clusters.A" },
  ] as Operation[]) {
    const p = await preview(pair, op);
    assert.deepEqual([p.lines, p.failures, p.ran], [[], [], []], op.kind);
  }
});

test("start: the header is the operation key, every node's changes follow from a full read of both clusters", async () => {
  const pair = new FakePair();
  const p = await preview(pair, START);
  assert.equal(p.lines[0], `${OPERATION_PREFIX}${operationKey(START)}`);
  assert.deepEqual(p.failures, []);
  const hosts = [...new Set(p.ran.map((r) => r.host))].sort();
  assert.deepEqual(hosts, [...HOSTS["A"]!, ...HOSTS["B"]!].sort(), "every DN read");
  const text = p.lines.join("\n");
  for (const node of ["oga1", "oga2", "ogb1", "ogb2"]) assert.match(text, new RegExp(node), node);
  assert.match(text, /most_available_sync/);
  assert.match(text, /127\.0\.2\.1\/32/, "pg_hba lines for the peer's addresses");
  readOnly(pair);
});

test("an observation that carried the plan's reads is planned from without reading again", async () => {
  const pair = new FakePair();
  const p = await preview(pair, START, true);
  assert.deepEqual(p.ran, []);
  assert.equal(p.lines[0], `${OPERATION_PREFIX}${operationKey(START)}`);
  const fresh = await preview(new FakePair(), START);
  assert.deepEqual(p.lines, fresh.lines, "same plan either way");
});

test("start preconditions: a DR user without REPLICATION and different builds are failures naming the property", async () => {
  const pair = new FakePair();
  pair.drUser = "dr_user|f";
  pair.commit["B"] = "ffff999";
  const p = await preview(pair, START);
  const by = Object.fromEntries(p.failures.map((f) => [f.property, f.reason]));
  assert.match(by["drUser.name"] ?? "", /lacks REPLICATION/);
  assert.match(by["clusters"] ?? "", /different openGauss builds.*GAUSS-51632/);
  const none = new FakePair();
  none.drUser = null;
  const q = await preview(none, START);
  assert.match(
    q.failures.find((f) => f.property === "drUser.name")?.reason ?? "",
    /does not exist on the primary cluster A/,
  );
});

test("a resumed start is not held back by the preconditions (it continues from gs_sdr's step files)", async () => {
  const pair = new FakePair();
  pair.drUser = null;
  const p = await preview(pair, { ...START, sides: ["standby"], resume: true });
  assert.deepEqual(p.failures, []);
  assert.ok(
    p.lines.includes("resume: B re-run start on the same node, continuing from gs_sdr's step files"),
    p.lines.join("\n"),
  );
});

test("switchover: header, then per-node plan of demote on A and promote on B, our stale locks named first", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  pair.stat["B"] = "recovery";
  const lock = { node: "127.0.1.1", trace: "ab".repeat(16), ours: true };
  const op: Operation = { kind: "switchover", from: "A", to: "B", resume: false, clearLocks: [lock] };
  const p = await preview(pair, op);
  assert.equal(p.lines[0], `${OPERATION_PREFIX}${operationKey(op)}`);
  assert.ok(
    p.lines.includes(
      `first: remove our stale lock streaming_lock_${"ab".repeat(16)} on 127.0.1.1 (no gs_sdr runs)`,
    ),
  );
  assert.ok(p.lines.length > 4);
  readOnly(pair);
});

test("failover: fence line, the node it runs on (not the down run node), the last known RPO; nothing read", async () => {
  const pair = new FakePair();
  pair.stat["B"] = "recovery";
  const op: Operation = { ...OPS.failover, rpoSeconds: 7, fence: null, runOn: "127.0.2.2" };
  const obs = await observe(pair.ctx, OWN);
  const before = pair.remote.log.length;
  const p = await planOf(pair.ctx, op, obs);
  assert.equal(pair.remote.log.length, before, "planned from the observation alone");
  assert.equal(p.lines[0], `${OPERATION_PREFIX}${operationKey(op)}`);
  const text = p.lines.join("\n");
  assert.match(text, /not fenced: A cannot be reached/);
  assert.match(text, /`gs_sdr -t failover` on ogb2 \(127\.0\.2\.2\), not its run node ogb1/);
  assert.match(text, /last known RPO: 7 s/);
  const unknown = await planOf(
    pair.ctx,
    { ...op, rpoSeconds: null, fence: "A", runOn: undefined as never },
    obs,
  );
  assert.match(unknown.lines.join("\n"), /last known RPO: unknown/);
  assert.match(unknown.lines.join("\n"), /first: fence A on oga1/);
});

test("rebuild: fence lifted first, stop on the old side first, leftover step forgotten, then the start plan", async () => {
  const pair = new FakePair();
  pair.stat["A"] = "archive";
  const op: Operation = OPS.rebuild;
  const p = await preview(pair, op);
  const i = (re: RegExp) => p.lines.findIndex((l) => re.test(l));
  assert.equal(p.lines[0], `${OPERATION_PREFIX}${operationKey(op)}`);
  assert.ok(i(/^first: lift the write fence of A/) > 0);
  assert.ok(i(/^rebuild: A runs `gs_sdr -t stop` first/) > i(/^first: lift the write fence of A/));
  assert.ok(i(/first forget the leftover \.streaming_start_primary\.step on A/) > i(/^rebuild: /));
  assert.deepEqual(p.failures, [], "no start preconditions on a rebuild");
  readOnly(pair);
});

/**
 * Applying a policy plan on fake nodes (`fakeNodes.ts`): the byte-exact edits, the daemon restarts only where
 * planned, rollback of every write when a node fails, and the partial-failure record once the writes landed.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Incomplete } from "../../../provider/core/partial";
import { withProgress } from "../../../provider/core/progress";
import { applyPlan } from "../../../provider/engines/kingbase/apply";
import { planPolicy } from "../../../provider/engines/kingbase/planApply";
import { readSnapshots } from "../../../provider/engines/kingbase/remote";
import { RemoteCommandError, StateError } from "../../../provider/errors";
import { FakeRemote } from "../support/fakeRemote";
import { fakePolicyFleet, R6, v8r6Nodes } from "./fakeNodes";
import { fixture } from "./fixtures";
import { v8r6Args } from "./helpers";

const HOSTS = ["127.0.4.1", "127.0.4.2"];
const conf = (host: string, recovery: string) =>
  fixture("v8r6/repmgr.conf")
    .replace("host=127.0.4.1", `host=${host}`)
    .replace("\nrecovery='standby'", `\nrecovery='${recovery}'`);

/** Plans `mode` from what the fake nodes hold now and applies it, collecting the progress lines. */
async function planAndApply(remote: FakeRemote, mode: "manual" | "standby", apply?: "file-only") {
  const args = v8r6Args(mode, apply);
  const pf = fakePolicyFleet(remote, args);
  const result = planPolicy(args, await readSnapshots(pf, args));
  const lines: string[] = [];
  const sink = { info: (l: string) => lines.push(l), warn: (l: string) => lines.push(`warning: ${l}`) };
  try {
    const out = await withProgress(sink, () => applyPlan(pf, args, result, result.plan.previous, "p"));
    return { out, lines, result };
  } finally {
    await pf.fleet.close();
  }
}

const writes = (remote: FakeRemote) => remote.log.filter((r) => r.command.includes('base64 -d > "$t"'));

test("apply writes the planned edit byte-exact and restarts repmgrd/kbha only on the node it changed", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, HOSTS, { "127.0.4.2": "manual" });
  const { out, lines } = await planAndApply(remote, "manual");
  assert.equal(nodes.get("127.0.4.1")!.text(R6.conf), conf("127.0.4.1", "manual"));
  assert.equal(nodes.get("127.0.4.2")!.text(R6.conf), conf("127.0.4.2", "manual"));
  assert.deepEqual(
    writes(remote).map((r) => r.host),
    ["127.0.4.1"],
    "the node already in manual is not written",
  );
  assert.deepEqual(nodes.get("127.0.4.1")!.events, [`kill ${R6.kbha}`, "start kbha", `kill ${R6.repmgrd}`]);
  assert.deepEqual(nodes.get("127.0.4.2")!.events, [], "no restart where the plan has none");
  assert.deepEqual(out["effective"], { "127.0.4.1": "manual", "127.0.4.2": "manual" });
  assert.equal(out["pendingRestart"], false, "outputs come from the read after the restart");
  assert.ok(lines.includes(`127.0.4.1: wrote ${R6.conf}`), lines.join("\n"));
  assert.ok(lines.includes("127.0.4.1: repmgrd and kbha restarted"), lines.join("\n"));
});

test("a node whose daemons loaded repmgr.conf before it changed is restarted without a write", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, HOSTS, { "127.0.4.1": "manual", "127.0.4.2": "manual" });
  const node2 = nodes.get("127.0.4.2")!;
  node2.put(R6.conf, node2.text(R6.conf)!, { mtimeSec: 1_900_000_000 });
  const { out } = await planAndApply(remote, "manual");
  assert.deepEqual(writes(remote), []);
  assert.deepEqual(nodes.get("127.0.4.1")!.events, [], "its daemons are current");
  assert.deepEqual(node2.events, [`kill ${R6.kbha}`, "start kbha", `kill ${R6.repmgrd}`]);
  assert.equal(node2.text(R6.conf), conf("127.0.4.2", "manual"));
  assert.equal(out["pendingRestart"], false);
});

test("the new file text travels on stdin, never in the command line", async () => {
  const remote = new FakeRemote();
  v8r6Nodes(remote, HOSTS);
  await planAndApply(remote, "manual");
  const w = writes(remote);
  assert.equal(w.length, 2);
  for (const r of w) {
    assert.equal(Buffer.from(r.stdin, "base64").toString("utf8"), conf(r.host, "manual"));
    assert.ok(!r.command.includes("recovery='manual'"), "no file text in argv");
  }
});

test("file-only: the edit is written and no daemon is touched; the outputs say a restart is pending", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, HOSTS);
  const { out } = await planAndApply(remote, "manual", "file-only");
  for (const h of HOSTS) {
    assert.equal(nodes.get(h)!.text(R6.conf), conf(h, "manual"));
    assert.deepEqual(nodes.get(h)!.events, []);
  }
  assert.equal(out["pendingRestart"], true);
});

test("a node whose write fails: every other node's write is rolled back byte-exact, a StateError names it", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, HOSTS);
  nodes.get("127.0.4.2")!.failWrites.add(R6.conf);
  await assert.rejects(planAndApply(remote, "manual"), (e: unknown) => {
    assert.ok(e instanceof StateError, String(e));
    assert.match(e.message, /node 127\.0\.4\.2 failed; every other node was rolled back: .*No space left/);
    return true;
  });
  for (const h of HOSTS) assert.equal(nodes.get(h)!.text(R6.conf), conf(h, "standby"), h);
  for (const h of HOSTS) assert.deepEqual(nodes.get(h)!.events, [], "nothing restarted");
  assert.deepEqual(
    writes(remote).map((r) => r.host),
    ["127.0.4.1", "127.0.4.2", "127.0.4.1"],
    "write, failed write, rollback",
  );
});

test("a rollback that cannot land is named file by file in the error", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, HOSTS);
  nodes.get("127.0.4.2")!.failWrites.add(R6.conf);
  // someone edits node 1's file between our write and the rollback: compare-and-swap refuses to clobber it
  remote.host("127.0.4.2").on((cmd) => {
    if (cmd.includes('base64 -d > "$t"')) nodes.get("127.0.4.1")!.put(R6.conf, "edited by hand\n");
    return undefined;
  });
  await assert.rejects(planAndApply(remote, "manual"), (e: unknown) => {
    assert.ok(e instanceof StateError, String(e));
    assert.match(e.message, /these files could not be rolled back: 127\.0\.4\.1:\S+repmgr\.conf \(.*changed/);
    return true;
  });
  assert.equal(
    nodes.get("127.0.4.1")!.text(R6.conf),
    "edited by hand\n",
    "a concurrent edit is never clobbered",
  );
});

test("a failure after the writes landed is Incomplete (HADR_PARTIAL) with the plan and what delete restores", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, HOSTS);
  // the read after the restart fails on node 2 (its disk errors once the edit is in)
  remote
    .host("127.0.4.2")
    .on((cmd) =>
      cmd.includes("@@HADR-FILE@@") && nodes.get("127.0.4.2")!.text(R6.conf)?.includes("recovery='manual'")
        ? { code: 1, stderr: "base64: read error: Input/output error" }
        : undefined,
    );
  await assert.rejects(planAndApply(remote, "manual"), (e: unknown) => {
    assert.ok(e instanceof Incomplete, String(e));
    assert.equal(e.code, "HADR_PARTIAL");
    assert.ok(e.failure instanceof RemoteCommandError);
    const previous = e.outputs["previous"] as { nodes: Array<{ host: string }> };
    assert.deepEqual(
      previous.nodes.map((n) => n.host),
      HOSTS,
    );
    assert.ok((e.outputs["plan"] as string[]).length > 0);
    return true;
  });
  for (const h of HOSTS)
    assert.equal(nodes.get(h)!.text(R6.conf), conf(h, "manual"), "writes kept, not undone");
});

test("a plan with blockers is refused before anything is written", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, HOSTS);
  nodes.get("127.0.4.2")!.files.delete(R6.conf);
  await assert.rejects(planAndApply(remote, "manual"), (e: unknown) => {
    assert.ok(e instanceof StateError, String(e));
    assert.equal(e.where.node, "127.0.4.2");
    return true;
  });
  assert.deepEqual(writes(remote), []);
  assert.deepEqual(nodes.get("127.0.4.1")!.events, []);
});

/**
 * The RecoveryPolicy engine's hooks on fake nodes (`fakeNodes.ts`), as the controller calls them: observe →
 * decide → apply, then dissolve restoring every file byte-exact; adopt never writing; preview never writing.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { Call, CallPhase } from "../../../provider/core/engine";
import { withProgress } from "../../../provider/core/progress";
import type { Props } from "../../../provider/core/props";
import { type PolicyState, policyEngine, policyStateOf } from "../../../provider/engines/kingbase/engine";
import type { PolicyFleet } from "../../../provider/engines/kingbase/remote";
import type { PolicySpec } from "../../../provider/engines/kingbase/schema";
import { StateError } from "../../../provider/errors";
import { FakeRemote } from "../support/fakeRemote";
import { fakePolicyFleet, R6, v8r6Nodes } from "./fakeNodes";
import { fixture } from "./fixtures";
import { v8r6Args } from "./helpers";

const HOSTS = ["127.0.4.1", "127.0.4.2"];
const original = (host: string) => fixture("v8r6/repmgr.conf").replace("host=127.0.4.1", `host=${host}`);
const quiet = { info: () => undefined, warn: () => undefined };

function call(
  spec: PolicySpec,
  session: PolicyFleet,
  phase: CallPhase,
  stored: Props = {},
  creating = false,
): Call<PolicySpec, PolicyFleet, PolicyState> {
  return { spec, session, name: "p", state: policyStateOf(stored), creating, phase };
}

/** One controller round: observe, decide, apply (as create/update does); returns the outputs. */
async function up(
  remote: FakeRemote,
  spec: PolicySpec,
  stored: Props = {},
  creating = false,
): Promise<Props> {
  const pf = fakePolicyFleet(remote, spec);
  try {
    const c = call(spec, pf, "apply", stored, creating);
    const snaps = await policyEngine.observe(c);
    return await withProgress(quiet, () => policyEngine.apply(c, snaps, policyEngine.decide(c, snaps)));
  } finally {
    await pf.fleet.close();
  }
}

async function destroy(remote: FakeRemote, spec: PolicySpec, stored: Props): Promise<void> {
  const pf = fakePolicyFleet(remote, spec);
  try {
    await withProgress(quiet, () => policyEngine.dissolve(call(spec, pf, "delete", stored)));
  } finally {
    await pf.fleet.close();
  }
}

const isWrite = (cmd: string) => cmd.includes('base64 -d > "$t"') || cmd.includes("rm -f");

test("apply then dissolve: every file is back byte-exact and the daemons reload it (restarted again)", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, HOSTS);
  const out = await up(remote, v8r6Args("manual"), {}, true);
  for (const h of HOSTS) assert.notEqual(nodes.get(h)!.text(R6.conf), original(h));
  await destroy(remote, v8r6Args("manual"), out);
  for (const h of HOSTS) {
    assert.equal(nodes.get(h)!.text(R6.conf), original(h), `${h} restored byte-exact`);
    assert.deepEqual(
      nodes.get(h)!.events.filter((e) => e === "start kbha"),
      ["start kbha", "start kbha"],
      "restarted after the edit and after the restore",
    );
  }
});

test("a second update keeps what the first one found: dissolve restores the state before the first", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, HOSTS);
  const first = await up(remote, v8r6Args("manual"), {}, true);
  const second = await up(remote, v8r6Args("standby"), first);
  const third = await up(remote, v8r6Args("manual"), second);
  await destroy(remote, v8r6Args("manual"), third);
  for (const h of HOSTS) assert.equal(nodes.get(h)!.text(R6.conf), original(h), h);
});

test("dissolve of a policy that never changed a file touches nothing", async () => {
  const remote = new FakeRemote();
  v8r6Nodes(remote, HOSTS);
  await destroy(remote, v8r6Args("manual"), { previous: { engine: "kingbase-v8r6", nodes: [] } });
  assert.deepEqual(remote.log, [], "not even a read");
});

test("adopt when every node already has the mode: nothing written or restarted, restore set empty", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, HOSTS, { "127.0.4.1": "manual", "127.0.4.2": "manual" });
  const spec = { ...v8r6Args("manual"), adopt: true };
  const out = await up(remote, spec, {}, true);
  assert.deepEqual((out["previous"] as { nodes: unknown[] }).nodes, []);
  assert.deepEqual(out["effective"], { "127.0.4.1": "manual", "127.0.4.2": "manual" });
  assert.equal(remote.log.filter((r) => isWrite(r.command)).length, 0);
  for (const h of HOSTS) assert.deepEqual(nodes.get(h)!.events, []);
});

test("adopt when a node would be edited: a StateError naming that node, nothing written", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, HOSTS, { "127.0.4.1": "manual" });
  const spec = { ...v8r6Args("manual"), adopt: true };
  await assert.rejects(up(remote, spec, {}, true), (e: unknown) => {
    assert.ok(e instanceof StateError, String(e));
    assert.equal(e.where.node, "127.0.4.2");
    return true;
  });
  assert.equal(remote.log.filter((r) => isWrite(r.command)).length, 0);
  assert.equal(nodes.get("127.0.4.2")!.text(R6.conf), original("127.0.4.2"));
});

test("preview shows the plan and never writes; its operation key changes when the edit to make changes", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, HOSTS);
  const spec = v8r6Args("manual");
  const pf = fakePolicyFleet(remote, spec);
  const c = call(spec, pf, "check", {}, true);
  const snaps = await policyEngine.observe(c);
  const d = policyEngine.decide(c, snaps);
  const p = await withProgress(quiet, () => policyEngine.preview(c, snaps, d));
  assert.ok("outputs" in p);
  assert.ok((p.outputs["plan"] as string[]).some((l) => l.includes("recovery")));
  assert.equal(remote.log.filter((r) => isWrite(r.command)).length, 0);
  assert.match(policyEngine.operationOf(d), /^edit 127\.0\.4\.1,127\.0\.4\.2 #/);
  const moved = (from: string, to: string) => original("127.0.4.2").replace(from, to);
  // a line the plan does not touch moved: same operation
  nodes.get("127.0.4.2")!.put(R6.conf, moved("reconnect_attempts=10", "reconnect_attempts=9"));
  const same = policyEngine.decide(c, await policyEngine.observe(c));
  assert.equal(policyEngine.operationOf(same), policyEngine.operationOf(d));
  // someone set node 2 to manual meanwhile: only node 1 is left to edit, a different operation
  nodes.get("127.0.4.2")!.put(R6.conf, moved("\nrecovery='standby'", "\nrecovery='manual'"));
  const other = policyEngine.decide(c, await policyEngine.observe(c));
  assert.match(policyEngine.operationOf(other), /^edit 127\.0\.4\.1 #/);
  await pf.fleet.close();
});

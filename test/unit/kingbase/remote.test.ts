/**
 * The policy's remote side on fake nodes (`fakeNodes.ts`): which login reads what (the root-owned cron file
 * through `sudo -n` or a root login), typed errors naming the node, compare-and-swap writes and deletes, and
 * the V8R6 daemon restart order with its bounded wait.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyWrite,
  type PolicyFleet,
  readSnapshot,
  readSnapshots,
  restartDaemons,
} from "../../../provider/engines/kingbase/remote";
import { type PolicySpec, parseRecoveryPolicy } from "../../../provider/engines/kingbase/schema";
import type { V8r6PolicySpec } from "../../../provider/engines/kingbase/versions/v8r6";
import { SshConnectError, StateError } from "../../../provider/errors";
import { FakeRemote } from "../support/fakeRemote";
import { fakeNodes, fakePolicyFleet, R6, v8r6Nodes } from "./fakeNodes";
import { FP, fixture, KEY } from "./fixtures";
import { v8r3Args, v8r6Args } from "./helpers";

const R3 = "/home/kingbase/cluster/HAR3";
const CRON = "/etc/cron.d/KINGBASECRON";

/** V8R3 nodes from the vendor fixtures: both HAmodule.conf files, the cron file (root, 0644), no recovery flag. */
function v8r3Nodes(remote: FakeRemote, hosts: string[]) {
  const nodes = fakeNodes(remote, hosts);
  for (const [h, n] of nodes) {
    const ha = fixture("v8r3/HAmodule.conf").replace('KB_LOCALHOST_IP="127.0.3.1"', `KB_LOCALHOST_IP="${h}"`);
    n.put(`${R3}/db/etc/HAmodule.conf`, ha);
    n.put(`${R3}/kingbasecluster/etc/HAmodule.conf`, ha);
    n.put(CRON, fixture("v8r3/KINGBASECRON"), { uid: 0, gid: 0 });
  }
  return nodes;
}

async function withFleet<T>(remote: FakeRemote, args: PolicySpec, fn: (pf: PolicyFleet) => Promise<T>) {
  const pf = fakePolicyFleet(remote, args);
  try {
    return await fn(pf);
  } finally {
    await pf.fleet.close();
  }
}

test("V8R3 with sudo: the user login reads its files in one round trip, the cron file through sudo -n", async () => {
  const remote = new FakeRemote();
  v8r3Nodes(remote, ["127.0.3.1", "127.0.3.2"]);
  const args = v8r3Args("standby");
  const snap = await withFleet(remote, args, (pf) => readSnapshot(pf, args, "127.0.3.1"));
  assert.equal(snap.engine, "kingbase-v8r3");
  if (snap.engine !== "kingbase-v8r3") return;
  assert.equal(snap.cronFile, fixture("v8r3/KINGBASECRON"));
  assert.equal(snap.recoveryFlag, null);
  const reads = remote.log.filter((r) => r.command.includes("@@HADR-FILE@@"));
  assert.deepEqual(
    reads.map((r) => [r.user, r.command.startsWith("sudo -n ")]),
    [
      ["kingbase", false],
      ["kingbase", true],
    ],
  );
  assert.ok(reads[0]!.command.includes(`${R3}/db/etc/HAmodule.conf`));
  assert.ok(reads[0]!.command.includes("/dev/shm/KB_RECOVERY_FLAG"));
  assert.ok(reads[1]!.command.includes(CRON) && !reads[1]!.command.includes("HAmodule"));
  assert.deepEqual(
    remote.log.map((r) => r.host),
    remote.log.map(() => "127.0.3.1"),
    "only the node asked for",
  );
});

test("V8R3 with root-ssh: the cron file is read over the root login, without sudo", async () => {
  const remote = new FakeRemote();
  v8r3Nodes(remote, ["127.0.3.1"]);
  const args = parseRecoveryPolicy({
    engine: "kingbase-v8r3",
    sshKey: { privateKey: KEY },
    rootSshKey: { privateKey: KEY },
    mode: "manual",
    nodes: [{ host: "127.0.3.1", ssh: { hostKeys: { "127.0.3.1": FP } }, rootAccess: "root-ssh" }],
  });
  await withFleet(remote, args, (pf) => readSnapshot(pf, args, "127.0.3.1"));
  const cron = remote.log.find((r) => r.command.includes(CRON))!;
  assert.equal(cron.user, "root");
  assert.ok(!cron.command.startsWith("sudo"));
});

test("a refused sudo -n is a StateError naming the node and the way out (rootAccess root-ssh)", async () => {
  const remote = new FakeRemote();
  const nodes = v8r3Nodes(remote, ["127.0.3.1", "127.0.3.2"]);
  nodes.get("127.0.3.2")!.sudo = false;
  const args = v8r3Args("standby");
  await assert.rejects(
    withFleet(remote, args, (pf) => readSnapshots(pf, args)),
    (e: unknown) => {
      assert.ok(e instanceof StateError, String(e));
      assert.equal(e.where.node, "127.0.3.2");
      assert.match(e.message, /`sudo -n` is refused/);
      assert.match(e.hint ?? "", /root-ssh/);
      return true;
    },
  );
});

test("readSnapshots: a node that does not answer fails the read, after every other node was read", async () => {
  const remote = new FakeRemote();
  v8r6Nodes(remote, ["127.0.4.1", "127.0.4.2"]);
  remote.host("127.0.4.1").down = "connect ECONNREFUSED";
  const args = v8r6Args("manual");
  await assert.rejects(
    withFleet(remote, args, (pf) => readSnapshots(pf, args)),
    (e: unknown) => e instanceof SshConnectError && /127\.0\.4\.1/.test(e.message),
  );
  assert.ok(
    remote.commands("127.0.4.2").some((c) => c.includes(R6.conf)),
    "the other node was read",
  );
});

test("applyWrite: compare-and-swap refuses a file that changed since it was read (StateError), and deletes only what it planned", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, ["127.0.4.1", "127.0.4.2"]);
  const node = nodes.get("127.0.4.1")!;
  const before = node.text(R6.conf)!;
  const args = v8r6Args("manual");
  await withFleet(remote, args, async (pf) => {
    const w = { host: "127.0.4.1", file: "repmgrConf" as const, path: R6.conf, access: "user" as const };
    await assert.rejects(
      applyWrite(pf, { ...w, expected: `${before}x`, text: "new\n" }),
      (e: unknown) => e instanceof StateError && /changed on 127\.0\.4\.1 after it was read/.test(e.message),
    );
    assert.equal(node.text(R6.conf), before);
    await applyWrite(pf, { ...w, expected: before, text: "new\r\nno final newline" });
    assert.equal(node.text(R6.conf), "new\r\nno final newline", "bytes kept exactly");
    assert.equal(node.files.get(R6.conf)!.mode, "644");
    await assert.rejects(applyWrite(pf, { ...w, expected: before, text: null }));
    assert.equal(node.text(R6.conf), "new\r\nno final newline", "a file that moved is not deleted");
    await applyWrite(pf, { ...w, expected: "new\r\nno final newline", text: null });
    assert.equal(node.text(R6.conf), undefined);
    await applyWrite(pf, { ...w, expected: null, text: "created\n" });
    assert.equal(node.text(R6.conf), "created\n");
  });
});

test("restartDaemons: kbha is killed and started first, then repmgrd killed for kbha to start again", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, ["127.0.4.1", "127.0.4.2"]);
  const args = v8r6Args("manual") as V8r6PolicySpec;
  const oldPid = nodes.get("127.0.4.1")!.daemons.get(R6.repmgrd)!.pid;
  await withFleet(remote, args, (pf) => restartDaemons(pf, args, "127.0.4.1", 2000));
  assert.deepEqual(nodes.get("127.0.4.1")!.events, [`kill ${R6.kbha}`, "start kbha", `kill ${R6.repmgrd}`]);
  assert.notEqual(nodes.get("127.0.4.1")!.daemons.get(R6.repmgrd)!.pid, oldPid);
  assert.deepEqual(nodes.get("127.0.4.2")!.events, [], "only the node named");
  const start = remote.log.find((r) => r.command.includes("-A daemon -f"))!;
  assert.match(start.command, /setsid nohup .*\/bin\/kbha -A daemon -f .*\/etc\/repmgr\.conf/);
});

test("restartDaemons: a repmgrd that does not come back is a StateError after the bounded wait", async () => {
  const remote = new FakeRemote();
  const nodes = v8r6Nodes(remote, ["127.0.4.1", "127.0.4.2"]);
  nodes.get("127.0.4.1")!.repmgrdStaysDown = true;
  const args = v8r6Args("manual") as V8r6PolicySpec;
  const started = Date.now();
  await assert.rejects(
    withFleet(remote, args, (pf) => restartDaemons(pf, args, "127.0.4.1", 600)),
    (e: unknown) =>
      e instanceof StateError && e.where.node === "127.0.4.1" && /did not come back within/.test(e.message),
  );
  assert.ok(Date.now() - started < 5000, "bounded by the wait given");
});

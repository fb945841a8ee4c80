/**
 * Failover safety through the real Pulumi CLI on the lab. Fencing: A Degraded but answering, failover to B
 * with allowDataLoss — preview shows the fence, after `up` no DN of A accepts a write (the test's own writer
 * on every A node) while B takes writes; the next `up` lifts the fence and rebuilds A as the DR cluster.
 * A lost run node: the DR cluster's first DN host is gone (one machine) and the primary site too — the
 * failover runs from the DR cluster's other DN host, and preview says which. (The second case runs on the
 * pair the first one left: B primary, A DR.)
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { labCli, sshExec } from "pulumi-hadr-lab";
import { DrHarness, until } from "./dr-support";

let h: DrHarness;
const RUN = Date.now().toString(36);

async function fault(...args: string[]): Promise<void> {
  const r = await labCli(["fault", ...args]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

/**
 * The test's own writer: one INSERT on a node's DN (fresh session, no SET); `accepted` only when gsql reports
 * no error (it exits 0 after a failed statement, as psql does without ON_ERROR_STOP).
 */
async function write(ip: string, tag: string): Promise<{ accepted: boolean; out: string }> {
  const r = await h.gsql(
    ip,
    `CREATE TABLE IF NOT EXISTS fence_rows (tag text); INSERT INTO fence_rows VALUES ('${tag}');`,
  );
  return { accepted: r.code === 0 && !/ERROR|FATAL|failed/i.test(r.out), out: r.out };
}

/** Lifts any fence left on A by hand (a failed run must not leave the lab read-only for the next file). */
async function liftFenceByHand(): Promise<void> {
  const cmd =
    ". ~/.bashrc; gs_guc reload -Z datanode -N all -I all -c default_transaction_read_only=off || gs_guc set -Z datanode -N all -I all -c default_transaction_read_only=off; gs_guc set -Z cmserver -N all -I all -c enable_transaction_read_only=on; rm -f ~/.pulumi-hadr/fence";
  for (const c of ["A", "B"]) await sshExec(h.lab, h.hosts(c)[0]!, "omm", cmd, { timeoutMs: 120_000 });
}

describe("failover safety", { timeout: 20 * 60_000 }, () => {
  before(async () => {
    h = await DrHarness.setup("drfence");
    await h.pulumi(["up", "--yes", "--skip-preview"]);
    await until(
      "pair established",
      () => h.stats(),
      (s) => s.A === "archive" && s.B === "recovery",
    );
  });
  after(async () => {
    await labCli(["reset"]);
    if (h) await liftFenceByHand();
    h?.dispose();
  });

  test("A Degraded but answering: the failover fences A first; no DN of A accepts a write; the rebuild lifts it", {
    timeout: 900_000,
  }, async () => {
    const [a1, a2] = h.hosts("A") as [string, string];
    assert.ok((await write(a1, `before-${RUN}`)).accepted, "A takes writes before");
    await fault("pg-stop", a2);
    await h.setSpec({ primary: "B", allowDataLoss: true });
    const pre = await h.pulumi(["preview", "--diff"]);
    assert.match(pre, /operation: failover to B, fencing A/);
    assert.match(pre, /first: fence A on \S+: every DN read-only/);

    const up = await h.pulumi(["up", "--yes", "--skip-preview"]);
    assert.match(up, /A: fenced/);
    const o = await h.outputs();
    assert.equal(o["primary"], "B");
    assert.match(String(o["health"]), /A is fenced \(read-only\) until the rebuild/);
    // The stopped DN comes back (CM would restart it): it must not accept writes either.
    assert.equal((await labCli(["reset"])).code, 0);
    for (const ip of h.hosts("A")) {
      const w = await until(
        `write refused on ${ip}`,
        () => write(ip, `split-${RUN}`),
        (r) => /read-only/.test(r.out),
        60_000,
      );
      assert.ok(!w.accepted, `${ip} accepted a write: ${w.out}`);
    }
    assert.ok((await write(h.hosts("B")[0]!, `on-B-${RUN}`)).accepted, "B takes writes");

    const rebuild = await h.pulumi(["preview", "--diff"]);
    assert.match(rebuild, /operation: rebuild: stop A, start B->A/);
    assert.match(rebuild, /first: lift the write fence of A .*gs_sdr -t stop's last step/);
    const up2 = await h.pulumi(["up", "--yes", "--skip-preview"]);
    assert.match(up2, /A: fence lifted for the rebuild/);
    assert.deepEqual(await h.stats(), { A: "recovery", B: "archive" });
    const marker = await sshExec(h.lab, a1, "omm", "test -e ~/.pulumi-hadr/fence", { timeoutMs: 30_000 });
    assert.notEqual(marker.code, 0, "the fence marker is gone");
    await until(
      "B's row on A",
      () => h.gsql(a1, `SELECT count(*) FROM fence_rows WHERE tag='on-B-${RUN}'`),
      (r) => r.out.trim() === "1",
      60_000,
    );
  });

  test("the DR cluster's run node is gone and the primary site too: the failover runs from its other DN host", {
    timeout: 600_000,
  }, async () => {
    // A's run node is set to its second host: the lab's CM keeps a DR cluster Degraded (failover-able) only
    // while its Main Standby runs, and that is on the first host (docs/guard-rails.md §3).
    const [a1, a2] = h.hosts("A") as [string, string];
    const spec = h.spec();
    const clusters = spec["clusters"] as Record<string, Record<string, unknown>>;
    clusters["A"] = { ...clusters["A"], node: a2 };
    await h.setSpec({ primary: "A", allowDataLoss: true, clusters });
    await fault("host-down", a2);
    await fault("site-down", "B");
    const pre = await h.pulumi(["preview", "--diff"]);
    assert.match(pre, new RegExp(`operation: failover to A \\(gs_sdr on ${a1.replace(/\./g, "\\.")}\\)`));
    assert.match(pre, /not its run node \S+, which does not answer/);
    assert.match(pre, /not fenced: B cannot be reached/);
    // gs_sdr runs on the other DN host and accepts the cluster there (a clean start: no step file on it).
    const up = await h.pulumiRun(["up", "--yes", "--skip-preview"]);
    const onA1 = /A\/\S+: gs_sdr -t failover[\s\S]*A\/\S+: Successfully check cluster status is: Degraded/;
    assert.match(up.out, onA1);
    const lines = up.out.split("\n").filter((l) => /\bA\/og\S+: gs_sdr -t failover/.test(l));
    assert.ok(lines.length > 0 && lines.every((l) => !l.includes("A/oga2:")), "never on the lost run node");
    if (up.code === 0) {
      const o = await h.outputs();
      assert.equal(o["primary"], "A");
      assert.equal((o["lastOperation"] as { nodes: Record<string, string> }).nodes["A"], a1);
      assert.match(String(o["health"]), /B could not be fenced/);
      assert.ok((await write(a1, `after-run-node-loss-${RUN}`)).accepted, "A takes writes");
    } else {
      // gs_sdr's own step 2 stops every node (`cm_ctl stop -n <id>`), which fails for the node whose machine is
      // gone (docs/guard-rails.md §3): the provider must surface exactly that, as gs_sdr's error on that node.
      assert.match(
        up.out,
        /HADR_TOOL\] cluster=A node=127\.\d+\.\d+\.1 tool=gs_sdr[\s\S]*stop cluster by node/,
      );
    }
  });
});

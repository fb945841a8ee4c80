/**
 * Failover safety through the real Pulumi CLI on the lab. Fencing: A Degraded but answering, failover to B
 * with allowDataLoss — preview shows the fence, after `up` no DN of A accepts a write (the test's own writer
 * on every A node) while B takes writes; the next `up` lifts the fence and rebuilds A as the DR cluster.
 * A lost run node: B, the DR cluster, loses its first DN host (one machine) and A its site — CM elects B's
 * other DN the Main Standby, the failover runs there, and preview says which. (The second case switches the
 * pair the first one left back to A → B first.)
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { labCli, sshExec } from "pulumi-hadr-lab";
import { DrHarness, until } from "./dr-support";

let h: DrHarness;
/** Set once the second test took B's run node down: the file's end repairs it. */
let lostRunNode = false;
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

/** A regular expression matching `s` literally. */
function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * cm_server's two-node failover (`cms_enable_failover_on2nodes` with a `third_party_gateway_ip`) on every node
 * of the cluster `ip` is in: without it a two-node cluster that loses a machine has no cm_server quorum.
 */
async function cmServerGateway(ip: string, on: boolean): Promise<void> {
  const c = on
    ? '-c "cms_enable_failover_on2nodes=true" -c "third_party_gateway_ip=127.0.0.1"'
    : '-c "cms_enable_failover_on2nodes=false" -c "third_party_gateway_ip"';
  const r = await sshExec(h.lab, ip, "omm", `. ~/.bashrc; gs_guc set -Z cmserver -N all -I all ${c}`, {
    timeoutMs: 60_000,
  });
  assert.equal(r.code, 0, r.stdout + r.stderr);
}

/**
 * B's lost run node came back (lab reset: its DN boots as the Main Standby it was, its cabin still says
 * recovery): what an operator does — drop its stale DR state, set it to the primary cluster's mode and rebuild
 * it as a standby of B's new primary; cm_server's two-node settings back to the defaults.
 */
async function repairReturnedRunNode(): Promise<void> {
  const b1 = h.hosts("B")[0]!;
  const cmd = [
    ". ~/.bashrc",
    "rm -rf $PGHOST/streaming_cabin",
    'gs_guc set -Z cmagent -D cm_instance_data_path -c "agent_backup_open=0"',
    'gs_guc set -Z cmserver -D ~/cm/cm_server -c "backup_open=0"',
    "gs_ctl stop -D ~/data/dn1 -m fast",
    "gs_ctl build -D ~/data/dn1 -M standby -b full",
  ].join(" && ");
  const r = await sshExec(h.lab, b1, "omm", cmd, { timeoutMs: 300_000 });
  assert.equal(r.code, 0, r.stdout + r.stderr);
  await cmServerGateway(b1, false);
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
    if (h && lostRunNode) await repairReturnedRunNode();
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

  test("B, the DR cluster, loses its run node's machine and A its site: the failover runs from B's other DN host", {
    timeout: 900_000,
  }, async () => {
    // the first test left B primary and A its DR cluster: switch back, so that B is the DR cluster again
    await h.setSpec({ primary: "A" });
    await h.pulumi(["up", "--yes", "--skip-preview"]);
    assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
    const [b1, b2] = h.hosts("B") as [string, string];
    // a two-node cluster: cm_server arbitrates with one node lost only with a third-party gateway
    await cmServerGateway(b1, true);
    lostRunNode = true;
    await fault("host-down", b1);
    await fault("site-down", "A");
    // CM elects B's other DN the Main Standby (it has nothing to stream from: Need repair)
    await until(
      `${b2} Main Standby`,
      () => sshExec(h.lab, b2, "omm", ". ~/.bashrc; cm_ctl query -Cvipdw", { timeoutMs: 60_000 }),
      (r) =>
        new RegExp(`${esc(b2)}\\s.*\\sS\\s+Main Standby`).test(r.stdout) &&
        /cluster_state\s*:\s*Degraded/.test(r.stdout),
      60_000,
    );
    await h.setSpec({ primary: "B", allowDataLoss: true });
    const pre = await h.pulumi(["preview", "--diff"]);
    assert.match(pre, new RegExp(`operation: failover to B \\(gs_sdr on ${esc(b2)}\\)`));
    assert.match(pre, /not its run node \S+, which does not answer/);
    assert.match(pre, /not fenced: A cannot be reached/);
    // gs_sdr runs on b2 (a clean start: no step file there); its stop-by-node skips the node whose machine is
    // gone (no normal instance on it), as OM's stop_cluster_by_node does, and B becomes primary
    const up = await h.pulumiRun(["up", "--yes", "--skip-preview"]);
    assert.equal(up.code, 0, up.out);
    assert.match(
      up.out,
      /B\/ogb2: gs_sdr -t failover[\s\S]*B\/ogb2: Successfully check cluster status is: Degraded/,
    );
    const lines = up.out.split("\n").filter((l) => /\bB\/og\S+: gs_sdr -t failover/.test(l));
    assert.ok(lines.length > 0 && lines.every((l) => l.includes("B/ogb2:")), "never on the lost run node");
    const o = await h.outputs();
    assert.equal(o["primary"], "B");
    assert.equal((o["lastOperation"] as { nodes: Record<string, string> }).nodes["B"], b2);
    assert.match(String(o["health"]), /A could not be fenced/);
    assert.ok((await write(b2, `after-run-node-loss-${RUN}`)).accepted, "B takes writes");
  });
});

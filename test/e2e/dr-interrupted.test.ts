/**
 * Interrupted runs, through the real Pulumi CLI on the lab: a switchover whose promote side fails part-way
 * (the demote side rolls itself back, no committed row is lost, the next up completes it), and the CLI
 * killed with its whole process tree mid-switchover and mid-create (the next up converges with no step on
 * any host).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { labCli, sshExec } from "pulumi-hadr-lab";
import { DrHarness, until } from "./dr-support";

let h: DrHarness;

const stats = () => h.stats();

/** `pulumi up` until it succeeds (a killed run may leave gs_sdr finishing: preview says wait meanwhile). */
async function converge(): Promise<string> {
  const end = Date.now() + 900_000;
  let last = "";
  while (Date.now() < end) {
    const r = await h.pulumiRun(["up", "--yes", "--skip-preview"]);
    if (r.code === 0) return r.out;
    last = r.out;
    // What Pulumi itself needs after its CLI was killed (its own stack lock, an empty checkpoint sidecar, pending
    // operations): no host step.
    if (/stack is currently locked/.test(r.out)) await h.pulumiRun(["cancel", "--yes"]);
    else if (/failed to load checkpoint: EOF/.test(r.out))
      assert.ok(h.project.world.repairKilledCheckpoint().length > 0, `nothing to repair:\n${r.out}`);
    else if (/pending operations?/i.test(r.out))
      await h.pulumiRun(["refresh", "--yes", "--skip-preview", "--clear-pending-creates"]);
    else if (!/gs_sdr is running|HADR_LOCKED|state changed since preview/.test(r.out))
      assert.fail(`up failed:\n${r.out}`);
    await new Promise((res) => setTimeout(res, 5000));
  }
  assert.fail(`up did not converge:\n${last}`);
}

/** No gs_sdr lock is left on any node of either cluster. */
async function noLocks(): Promise<void> {
  for (const ip of [...h.hosts("A"), ...h.hosts("B")]) {
    const r = await sshExec(
      h.lab,
      ip,
      "omm",
      ". ~/.bashrc; ls $PGHOST | grep -c '^streaming_lock_' || true",
      { timeoutMs: 30_000 },
    );
    assert.equal(r.stdout.trim(), "0", `lock left on ${ip}`);
  }
}

async function rows(ip: string): Promise<number> {
  const r = await h.gsql(ip, "SELECT count(*) FROM interrupted_rows");
  return Number(r.out.trim());
}

describe("interrupted runs", { timeout: 45 * 60_000 }, () => {
  before(async () => {
    h = await DrHarness.setup("drint", { timeoutSeconds: 60 });
    await h.pulumi(["up", "--yes", "--skip-preview"]);
    await until("pair established", stats, (s) => s.A === "archive" && s.B === "recovery");
    const r = await h.gsql(
      h.hosts("A")[0]!,
      "CREATE TABLE IF NOT EXISTS interrupted_rows (n int); TRUNCATE interrupted_rows;",
    );
    assert.equal(r.code, 0, r.out);
  });
  after(async () => {
    await labCli(["reset"]);
    h?.dispose();
  });

  test("a switchover whose promote side fails part-way: the demote side rolls back, no row lost, the next up completes it", {
    timeout: 900_000,
  }, async () => {
    const a1 = h.hosts("A")[0]!;
    const w = await h.gsql(a1, "INSERT INTO interrupted_rows SELECT generate_series(1, 500);");
    assert.equal(w.code, 0, w.out);
    const f = await labCli(["fault", "sdr-fail", h.hosts("B")[0]!, "switchover:primary", "term"]);
    assert.equal(f.code, 0, f.stderr);
    await h.setSpec({ primary: "B", timeoutSeconds: 60 });
    const first = await h.pulumiRun(["up", "--yes"]);
    assert.notEqual(first.code, 0, "the switchover failed part-way");
    assert.match(first.out, /Failed get term/);
    assert.equal(await h.stat("A"), "archive", "the demote side rolled itself back to primary");
    const ok = await h.gsql(a1, "INSERT INTO interrupted_rows VALUES (501);");
    assert.equal(ok.code, 0, `A takes writes again: ${ok.out}`);
    const pre = await h.pulumi(["preview", "--diff"]);
    assert.match(pre, /operation: switchover A->B/);
    await h.pulumi(["up", "--yes", "--skip-preview"]);
    assert.deepEqual(await stats(), { A: "recovery", B: "archive" });
    assert.equal(await rows(h.hosts("B")[0]!), 501, "no committed row lost");
  });

  test("the CLI killed mid-switchover: the next up converges, no step on any host", {
    timeout: 1_200_000,
  }, async () => {
    await h.setSpec({ primary: "A", timeoutSeconds: 60 });
    const killed = await h.project.world.run(["up", "--yes", "--skip-preview"], {
      timeoutMs: 600_000,
      killWhen: (out) =>
        /gs_sdr -t switchover -m primary/.test(out) && /gs_sdr -t switchover -m disaster_standby/.test(out),
    });
    assert.notEqual(killed.code, 0, "the CLI was killed");
    await converge();
    await until("A primary again", stats, (s) => s.A === "archive" && s.B === "recovery", 300_000);
    assert.equal(await rows(h.hosts("A")[0]!), 501);
    await noLocks();
  });

  test("the CLI killed mid-create: the next up converges, no step on any host", {
    timeout: 1_200_000,
  }, async () => {
    await h.pulumi(["destroy", "--yes", "--skip-preview"]);
    assert.deepEqual(await stats(), { A: "normal", B: "normal" });
    const killed = await h.project.world.run(["up", "--yes", "--skip-preview"], {
      timeoutMs: 600_000,
      killWhen: (out) => /gs_sdr -t start -m disaster_standby/.test(out),
    });
    assert.notEqual(killed.code, 0, "the CLI was killed");
    await converge();
    await until("pair established", stats, (s) => s.A === "archive" && s.B === "recovery", 300_000);
    await noLocks();
  });
});

/**
 * Drills as code through the real Pulumi CLI on the lab (one established 2×2 pair for every case): a drill
 * measured against the test's own independent writer (preview shows the operation, the probe and both
 * plans; `up` switches over and back; lastDrill agrees with the writer; no row lost; the drill's schema is
 * gone; the same id runs nothing; `drill-report` prints the evidence), a drill refused at preview while the
 * DR link is cut, and a drill whose first switchover fails on the promote side (`sdr-fail`): the result says
 * failed and the next `up` converges back to the declared primary without losing a row; and `switchBack: false`
 * with `maxWriteOutageSeconds`: a measured switchover that stays switched and fails on its outage bound,
 * then one back that passes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { labCli, sshExec } from "pulumi-hadr-lab";
import { DR_PROGRAM, DrHarness, HA_PORT, until } from "./dr-support";

let h: DrHarness;

const PROGRAM = `${DR_PROGRAM}exports.lastDrill = dr.lastDrill;\n`;
const healthy = (s: { A: string; B: string }) => s.A === "archive" && s.B === "recovery";
const RAN_SDR = /gs_sdr -t (start|switchover|failover|stop)/;

async function lastDrill(): Promise<Record<string, unknown>> {
  return ((await h.outputs())["lastDrill"] ?? {}) as Record<string, unknown>;
}

/**
 * The test's own writer, independent of the provider's probe: on each host, a loop of `gsql -c INSERT` into
 * `public.drill_e2e` as omm (the way an application on the DN host would write), one line per acknowledged
 * write with the host's time. Bounded by its own deadline; stopped by a stop file.
 */
class TestWriter {
  private runs: Array<Promise<string>> = [];
  constructor(private readonly hosts: string[]) {}

  start(seconds: number): void {
    this.runs = this.hosts.map((ip) =>
      sshExec(
        h.lab,
        ip,
        "omm",
        `. ~/.bashrc; rm -f /tmp/drill-e2e-stop-${ip}; end=$(( $(date +%s) + ${seconds} )); n=0; while [ ! -e /tmp/drill-e2e-stop-${ip} ] && [ $(date +%s) -lt $end ]; do n=$((n+1)); if gsql -d postgres -p ${HA_PORT} -t -A -X -q -c "INSERT INTO drill_e2e VALUES ('${ip}', $n)" </dev/null >/dev/null 2>&1; then echo "ok ${ip}:$n $(date +%s.%N)"; fi; sleep 0.2; done`,
        { timeoutMs: (seconds + 60) * 1000 },
      ).then((r) => r.stdout),
    );
  }

  /** Stops the loops; the acknowledged rows and the longest gap between two acknowledged writes. */
  async stop(): Promise<{ acked: string[]; longestGap: number }> {
    for (const ip of this.hosts)
      await sshExec(h.lab, ip, "omm", `touch /tmp/drill-e2e-stop-${ip}`, { timeoutMs: 30_000 });
    const acks = (await Promise.all(this.runs))
      .flatMap((o) => o.split("\n"))
      .map((l) => /^ok (\S+) (\d+\.\d+)$/.exec(l.trim()))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ row: m[1]!, at: Number(m[2]) }))
      .sort((a, b) => a.at - b.at);
    let longestGap = 0;
    for (let i = 1; i < acks.length; i++) longestGap = Math.max(longestGap, acks[i]!.at - acks[i - 1]!.at);
    return { acked: acks.map((a) => a.row), longestGap };
  }
}

async function rowsOn(ip: string, sql: string): Promise<string[]> {
  const r = await h.gsql(ip, sql);
  assert.equal(r.code, 0, r.out);
  return r.out.split("\n").filter((l) => l !== "");
}

describe("drills as code", { timeout: 30 * 60_000 }, () => {
  before(async () => {
    h = await DrHarness.setup("drill", { timeoutSeconds: 60 }, { program: PROGRAM });
    // Drill markers of earlier runs on this lab: an id that ran on these clusters never runs again.
    await h.onEveryNode("rm -rf ~/.pulumi-hadr/drill");
    await h.pulumi(["up", "--yes", "--skip-preview"]);
    await until("pair established", () => h.stats(), healthy);
    const r = await h.gsql(
      h.hosts("A")[0]!,
      "CREATE TABLE IF NOT EXISTS drill_e2e (writer text, n int, PRIMARY KEY (writer, n)); TRUNCATE drill_e2e;",
    );
    assert.equal(r.code, 0, r.out);
  });
  after(async () => {
    await labCli(["reset"]);
    // A drill cut short leaves an unfinished switchover (a step file the next file's setup cannot dissolve):
    // let the provider resume it, so the pair is established with A primary again.
    if (h && !healthy(await h.stats())) await h.pulumiRun(["up", "--yes", "--skip-preview"], 600_000);
    h?.dispose();
  });

  test("a drill switches over and back, measured; its evidence agrees with an independent writer", {
    timeout: 900_000,
  }, async () => {
    const [a1, b1] = [h.hosts("A")[0]!, h.hosts("B")[0]!];
    await h.setSpec({ timeoutSeconds: 60, drill: { id: "e2e-1" } });
    const pre = await h.pulumi(["preview", "--diff"]);
    assert.match(pre, /operation: drill e2e-1: switchover A->B, then back B->A/);
    assert.match(
      pre,
      new RegExp(`probe: a heartbeat writer on A/oga1 \\(Primary, ${a1.replace(/\./g, "\\.")}\\)`),
    );
    assert.match(pre, /hadr_drill\.heartbeat/);
    assert.match(pre, /drill step 1: switchover A->B/);
    assert.match(pre, /drill step 2: switchover B->A/);
    assert.equal((pre.match(/gs_sdr -t switchover -m primary/g) ?? []).length >= 2, true, "both plans");
    assert.equal(await h.stat("A"), "archive", "preview ran nothing");

    const writer = new TestWriter([a1, b1]);
    writer.start(600);
    let measured: { acked: string[]; longestGap: number };
    try {
      const up = await h.pulumi(["up", "--yes", "--skip-preview"]);
      assert.match(up, /drill e2e-1: passed/);
    } finally {
      measured = await writer.stop();
    }
    assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" }, "back on the declared primary");
    const d = await lastDrill();
    assert.equal(d["id"], "e2e-1");
    assert.equal(d["result"], "passed");
    assert.equal(d["from"], "A");
    assert.equal(d["to"], "B");
    assert.equal(d["rowsLost"], 0);
    assert.ok(Number(d["rowsWritten"]) > 10, `rowsWritten ${d["rowsWritten"]}`);
    assert.ok(Number(d["switchoverSeconds"]) > 0 && Number(d["switchbackSeconds"]) > 0);
    const outage = Number(d["writeOutageSeconds"]);
    assert.ok(
      Math.abs(outage - measured.longestGap) <= 1,
      `probe ${outage} s vs the test's writer ${measured.longestGap.toFixed(2)} s`,
    );
    const present = new Set(await rowsOn(a1, "SELECT writer || ':' || n FROM drill_e2e"));
    assert.deepEqual(
      measured.acked.filter((r) => !present.has(r)),
      [],
      "no row the test's writer had acknowledged is missing",
    );
    for (const ip of [a1, b1])
      assert.deepEqual(await rowsOn(ip, "SELECT count(*) FROM pg_namespace WHERE nspname = 'hadr_drill'"), [
        "0",
      ]);

    // The evidence as Markdown, from `pulumi stack output --json` piped in.
    const outputs = await h.pulumi(["stack", "output", "--json"]);
    const cli = path.resolve(__dirname, "../../provider/cli/main.js");
    const report = spawnSync(process.execPath, [cli, "drill-report"], { input: outputs, encoding: "utf8" });
    assert.equal(report.status, 0, report.stderr);
    assert.match(report.stdout, /^# DR drill e2e-1/m);
    assert.match(report.stdout, /\*\*Result: passed\*\*/);

    // The same id again runs nothing.
    const again = await h.pulumi(["preview", "--diff"]);
    assert.doesNotMatch(again, /operation: /);
    const up2 = await h.pulumi(["up", "--yes", "--skip-preview"]);
    assert.doesNotMatch(up2, RAN_SDR);
    assert.equal((await lastDrill())["finishedAt"], d["finishedAt"]);
  });

  test("a drill asked while the DR link is cut is refused at preview; nothing runs", {
    timeout: 600_000,
  }, async () => {
    const [a1, b1] = [h.hosts("A")[0]!, h.hosts("B")[0]!];
    assert.equal((await labCli(["fault", "dr-link-cut", a1, b1])).code, 0);
    try {
      await until(
        "link down",
        () => h.stats(),
        (s) => s.A === "archive_fail" || s.B === "recovery_fail",
      );
      await h.setSpec({ timeoutSeconds: 60, drill: { id: "e2e-cut" } });
      const files = await h.ourFiles();
      const pre = await h.pulumiRun(["preview", "--diff"]);
      assert.notEqual(pre.code, 0);
      assert.match(pre.out, /drill e2e-cut cannot run: the pair is not healthy \(degraded: DR link down/);
      const up = await h.pulumiRun(["up", "--yes"]);
      assert.notEqual(up.code, 0);
      assert.doesNotMatch(up.out, RAN_SDR);
      assert.equal(await h.ourFiles(), files, "no file written on any node");
      assert.equal((await lastDrill())["id"], "e2e-1", "the refused drill left no evidence");
    } finally {
      assert.equal((await labCli(["fault", "dr-link-restore", a1, b1])).code, 0);
      await until("link back", () => h.stats(), healthy, 180_000);
    }
  });

  test("the drill's first switchover fails on the promote side: failed, then the next up converges back, no row lost", {
    timeout: 1_200_000,
  }, async () => {
    const [a1, b1] = [h.hosts("A")[0]!, h.hosts("B")[0]!];
    const w = await h.gsql(
      a1,
      "TRUNCATE drill_e2e; INSERT INTO drill_e2e SELECT 'bulk', generate_series(1, 300);",
    );
    assert.equal(w.code, 0, w.out);
    assert.equal((await labCli(["fault", "sdr-fail", b1, "switchover:primary", "term"])).code, 0);
    await h.setSpec({ timeoutSeconds: 60, drill: { id: "e2e-fail" } });
    const first = await h.pulumiRun(["up", "--yes"]);
    assert.notEqual(first.code, 0, "the drill failed");
    assert.match(first.out, /drill e2e-fail: failed: switchover A->B: gs_sdr switchover failed/);
    assert.match(first.out, /Failed get term/, "the promote side's own error is shown");
    assert.match(first.out, /next `pulumi up` resumes it/);
    const d = await lastDrill();
    assert.equal(d["id"], "e2e-fail");
    assert.match(String(d["result"]), /^failed: switchover A->B/);

    const pre = await h.pulumi(["preview", "--diff"]);
    assert.match(pre, /operation: drill e2e-fail: resume switchover A->B, then back B->A/);
    await h.pulumi(["up", "--yes", "--skip-preview"]);
    await until("back on A", () => h.stats(), healthy, 300_000);
    assert.deepEqual(await rowsOn(a1, "SELECT count(*) FROM drill_e2e WHERE writer = 'bulk'"), ["300"]);
    const resumed = await lastDrill();
    assert.match(String(resumed["result"]), /^failed: /, "the failed drill's evidence stands");
    assert.ok(resumed["resumedAt"], "and says it was resumed");
    const quiet = await h.pulumi(["preview", "--diff"]);
    assert.doesNotMatch(quiet, /operation: /);
  });

  test("switchBack: false is one measured switchover, the pair stays switched and the next drill goes back; an outage above maxWriteOutageSeconds fails it", {
    timeout: 900_000,
  }, async () => {
    await h.setSpec({
      timeoutSeconds: 60,
      primary: "B",
      drill: { id: "e2e-over", switchBack: false, maxWriteOutageSeconds: 0.01 },
    });
    const pre = await h.pulumi(["preview", "--diff"]);
    assert.match(pre, /operation: drill e2e-over: switchover A->B/);
    assert.match(pre, /B stays primary, as declared/);
    assert.match(pre, /fails above 0\.01 s of outage/);
    // the new plan only: the diff also shows the previous drill's lines on the left of `=>`
    const planned = pre.replace(/"[^"\n]*" => /g, "");
    assert.doesNotMatch(planned, /then back|drill step 2/);
    const up = await h.pulumi(["up", "--yes", "--skip-preview"]);
    assert.match(up, /drill e2e-over: failed: write outage [\d.]+ s above maxWriteOutageSeconds 0\.01/);
    assert.deepEqual(await h.stats(), { A: "recovery", B: "archive" }, "the pair stays switched");
    const over = await lastDrill();
    assert.equal(over["id"], "e2e-over");
    assert.equal(over["from"], "A");
    assert.equal(over["to"], "B");
    assert.match(String(over["result"]), /^failed: write outage [\d.]+ s above maxWriteOutageSeconds 0\.01$/);
    assert.ok(Number(over["writeOutageSeconds"]) > 0.01, `outage ${over["writeOutageSeconds"]}`);
    assert.ok(Number(over["switchoverSeconds"]) > 0);
    assert.equal(over["switchbackSeconds"] ?? null, null, "no switch back");
    assert.equal(over["rowsLost"], 0);
    assert.equal((await h.outputs())["primary"], "B");

    // The next drill goes back the same way; without a bound it passes.
    await h.setSpec({ timeoutSeconds: 60, primary: "A", drill: { id: "e2e-back", switchBack: false } });
    const back = await h.pulumi(["up", "--yes", "--skip-preview"]);
    assert.match(back, /drill e2e-back: passed/);
    assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
    const d = await lastDrill();
    assert.equal(d["id"], "e2e-back");
    assert.equal(d["from"], "B");
    assert.equal(d["to"], "A");
    assert.equal(d["result"], "passed");
    assert.equal(d["switchbackSeconds"] ?? null, null);
  });
});

/**
 * When disaster strikes, through the real Pulumi CLI on the lab: the DR link cut, the DR site gone, a
 * switchover asked of a Degraded cluster, and the primary site gone (without and with allowDataLoss, then
 * the rebuild when it is back). Sites go down the way machines do: their addresses stop answering.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { labCli } from "pulumi-hadr-lab";
import { DrHarness, until } from "./dr-support";

let h: DrHarness;
/** Tags rows of this run only: the clusters keep their data between runs. */
const RUN = Date.now().toString(36);

const stats = () => h.stats();
const healthy = (s: { A: string; B: string }) =>
  (s.A === "archive" && s.B === "recovery") || (s.A === "recovery" && s.B === "archive");

async function fault(...args: string[]): Promise<void> {
  const r = await labCli(["fault", ...args]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

/** An operation ran if gs_sdr was started by the provider (it relays `<cluster>/<node>: gs_sdr -t …`). */
const RAN_SDR = /\b[AB]\/og[ab]\d: gs_sdr -t (start|switchover|failover|stop)/;

async function writeRow(ip: string, tag: string): Promise<void> {
  const r = await h.gsql(
    ip,
    `CREATE TABLE IF NOT EXISTS disaster_rows (tag text); INSERT INTO disaster_rows VALUES ('${tag}');`,
  );
  assert.equal(r.code, 0, r.out);
}

describe("when disaster strikes", { timeout: 45 * 60_000 }, () => {
  before(async () => {
    h = await DrHarness.setup("drdis");
    await h.pulumi(["up", "--yes", "--skip-preview"]);
    await until("pair established", stats, healthy);
  });
  after(async () => {
    await labCli(["reset"]);
    h?.dispose();
  });

  test("pulumi-hadr status of the established pair: healthy, roles, RPO, no lock, no gs_sdr running", {
    timeout: 300_000,
  }, async () => {
    const s = await h.status();
    assert.equal(s.code, 0, s.out);
    const o = s.json!.outputs;
    assert.equal(o["healthState"], "healthy");
    assert.equal(o["primary"], "A");
    assert.equal(typeof o["rpoSeconds"], "number");
    assert.deepEqual(
      s.json!.clusters.map((c) => [c.name, c.stat, c.running.length, c.locks.length, c.stepFiles.length]),
      [
        ["A", "archive", 0, 0, 0],
        ["B", "recovery", 0, 0, 0],
      ],
    );
    const text = await h.status(false);
    assert.equal(text.code, 0, text.out);
    assert.match(text.out, /^health: {2}healthy \(healthy: A primary, B DR\)$/m);
    assert.match(text.out, /^A: hadr_cluster_stat archive, cluster_state Normal; run node /m);
    assert.match(text.out, /^ {2}gs_sdr running: none$/m);
  });

  test("DR link cut: refresh shows degraded, preview has nothing to run, up changes nothing; link back: healthy", {
    timeout: 600_000,
  }, async () => {
    const [a1, b1] = [h.hosts("A")[0]!, h.hosts("B")[0]!];
    await fault("dr-link-cut", a1, b1);
    await until("link down seen by query", stats, (s) => s.A === "archive_fail" || s.B === "recovery_fail");
    await h.pulumi(["refresh", "--yes", "--skip-preview"]);
    assert.match(String((await h.outputs())["health"]), /^degraded: DR link down/);
    assert.equal((await h.outputs())["healthState"], "degraded");
    const st = await h.status();
    assert.equal(st.json?.outputs["healthState"], "degraded", st.out);
    assert.match(String(st.json?.outputs["health"]), /^degraded: DR link down/);
    const pre = await h.pulumi(["preview", "--diff"]);
    assert.doesNotMatch(pre, /operation: /);
    assert.doesNotMatch(pre, /DrRelationship: \((update|replace|create)\)/);
    const up = await h.pulumi(["up", "--yes", "--skip-preview"]);
    assert.doesNotMatch(up, RAN_SDR, "no gs_sdr task ran on a degraded pair");
    await fault("dr-link-restore", a1, b1);
    await until("link back", stats, healthy, 180_000);
    await h.pulumi(["refresh", "--yes", "--skip-preview"]);
    assert.match(String((await h.outputs())["health"]), /^healthy/);
    assert.equal((await h.outputs())["healthState"], "healthy");
  });

  test("DR site down: refresh reports it, the primary keeps serving writes, up runs nothing and warns", {
    timeout: 600_000,
  }, async () => {
    await fault("site-down", "B");
    await h.pulumi(["refresh", "--yes", "--skip-preview"]);
    const o = await h.outputs();
    assert.match(String(o["health"]), /DR cluster B unreachable/);
    assert.equal(o["healthState"], "degraded");
    const st = await h.status();
    assert.equal(st.code, 0, st.out);
    assert.equal(st.json!.outputs["healthState"], "degraded");
    assert.deepEqual(
      st.json!.clusters.map((c) => [c.name, c.reachable]),
      [
        ["A", true],
        ["B", false],
      ],
    );
    assert.equal((o["hadrClusterStat"] as Record<string, string>)["B"], "unreachable");
    await writeRow(h.hosts("A")[0]!, "while-B-down");
    const up = await h.pulumi(["up", "--yes", "--skip-preview"]);
    assert.match(up, /warning: DR cluster B is unreachable/);
    assert.doesNotMatch(up, RAN_SDR);
    await fault("site-up", "B");
    await until("B back in the pair", stats, healthy, 240_000);
  });

  test("a switchover asked while A is Degraded is refused with a clear message, nothing touched", {
    timeout: 600_000,
  }, async () => {
    await fault("pg-stop", h.hosts("A")[1]!);
    await h.setSpec({ primary: "B" });
    const r = await h.pulumiRun(["preview"]);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /allowDataLoss/);
    assert.match(r.out, /switchover to B is impossible now \(A (is Degraded|has a DN that is not normal)/);
    assert.deepEqual(await stats(), { A: "archive", B: "recovery" });
    const up = await h.pulumiRun(["up", "--yes"]);
    assert.notEqual(up.code, 0);
    assert.doesNotMatch(up.out, RAN_SDR);
    await h.setSpec();
    assert.equal((await labCli(["reset"])).code, 0);
    await until("healthy again", stats, healthy, 180_000);
  });

  test("primary site down, no allowDataLoss: preview fails naming allowDataLoss and the last RPO; nothing changes", {
    timeout: 600_000,
  }, async () => {
    await h.pulumi(["refresh", "--yes", "--skip-preview"]);
    await fault("site-down", "A");
    await h.setSpec({ primary: "B" });
    const r = await h.pulumiRun(["preview"]);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /allowDataLoss/);
    assert.match(r.out, /last known RPO: (\d+ s|unknown)/);
    const up = await h.pulumiRun(["up", "--yes"]);
    assert.notEqual(up.code, 0);
    assert.doesNotMatch(up.out, RAN_SDR);
    assert.match(await h.stat("B"), /^recovery/, "B is still the DR side");
  });

  test("primary site down, allowDataLoss: B fails over and takes writes; A back: preview shows the rebuild, up rebuilds, B's rows reach every A node", {
    timeout: 1_200_000,
  }, async () => {
    await h.setSpec({ primary: "B", allowDataLoss: true });
    const pre = await h.pulumi(["preview", "--diff"]);
    assert.match(pre, /operation: failover to B/);
    // The plan's data-loss line and the failover's own line quote the same last known RPO (a number: the
    // stack was refreshed while A answered).
    const rpoOf = (out: string) => [...out.matchAll(/last known RPO: (\d+ s|unknown)/g)].map((m) => m[1]);
    const shown = rpoOf(pre);
    assert.ok(shown.length > 0 && shown.every((r) => r === shown[0] && r !== "unknown"), `${shown}`);
    const failover = await h.pulumi(["up", "--yes", "--skip-preview"]);
    assert.deepEqual([...new Set(rpoOf(failover))], [shown[0]], "up quotes the RPO the preview showed");
    const o = await h.outputs();
    assert.equal(o["primary"], "B");
    assert.equal((o["lastOperation"] as { status: string }).status, "rebuild-needed");
    assert.match(String(o["health"]), /rebuild needed/);
    assert.equal(o["healthState"], "rebuild-needed");
    await writeRow(h.hosts("B")[0]!, `after-failover-${RUN}`);

    // While A is still gone, nothing more can run: up is a no-op that says why.
    const wait = await h.pulumi(["up", "--yes", "--skip-preview"]);
    assert.doesNotMatch(wait, RAN_SDR);

    await fault("site-up", "A");
    const rebuild = await h.pulumi(["preview", "--diff"]);
    assert.match(rebuild, /operation: rebuild: stop A, start B->A/);
    await h.pulumi(["up", "--yes", "--skip-preview"]);
    assert.deepEqual(await stats(), { A: "recovery", B: "archive" });
    assert.equal((await h.outputs())["healthState"], "healthy");
    await writeRow(h.hosts("B")[0]!, `after-rebuild-${RUN}`);
    for (const ip of h.hosts("A")) {
      await until(
        `rows on ${ip}`,
        () =>
          h.gsql(
            ip,
            `SELECT count(*) FROM disaster_rows WHERE tag IN ('after-failover-${RUN}','after-rebuild-${RUN}')`,
          ),
        (r) => r.out.trim() === "2",
        60_000,
      );
    }
    assert.equal((await h.outputs())["primary"], "B");
  });
});

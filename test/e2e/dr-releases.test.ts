/**
 * Every OM release plans what its own gs_sdr does, through the real CLI on the lab: an OM 5.0.3 pair (no IP_TYPE
 * in its env files) from preview through up, switchover and destroy, each phase's live GUCs, CM settings, DCC keys
 * and pg_hba lines equal to what its preview said; then OM master the same way, streaming over a dedicated
 * replication network (a second address per host).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { LabInfo } from "pulumi-hadr-lab";
import { setOmVersion, sshExec } from "pulumi-hadr-lab";
import { DrHarness, until } from "./dr-support";
import { assertPlanIsLive, planFromPreview } from "./plan-live";

/** Runs `pulumi preview --diff` and returns the plan check() printed (its `[dr] plan:` lines go to stderr). */
async function previewPlan(h: DrHarness): Promise<string[]> {
  const r = await h.pulumiRun(["preview", "--diff"]);
  assert.equal(r.code, 0, r.out);
  return planFromPreview(r.out);
}

function ipOf(lab: LabInfo, cluster: string, i: number): string {
  return lab.clusters[cluster]!.hosts[i]!.ip;
}

/** What differs between the two releases tested here (the table is releases.ts / README). */
const RELEASES = {
  "5.0.3": {
    header: "5.0.3 (5.0.x–5.1.x)",
    trust: false,
    walAlways128: true,
    termKey: "status_key/term",
    streamNet: false,
  },
  master: {
    header: "7.0.0-RC3 (master)",
    trust: true,
    walAlways128: false,
    termKey: "status_key/dn_term/0",
    streamNet: true,
  },
} as const;

for (const [release, want] of Object.entries(RELEASES)) {
  const over = want.streamNet ? " over a dedicated replication network" : "";
  describe(`OM ${release}${over}: preview, up, switchover and destroy do what preview said`, {
    timeout: 1_500_000,
  }, () => {
    let h: DrHarness;
    let lab: LabInfo;
    /** Per host, the active pg_hba lines naming the other cluster before this cycle (left by earlier runs). */
    const baseline = new Map<string, string[]>();
    /** The address each host replicates over: its stream address on the dedicated network. */
    const dataIp = (x: { ip: string; streamIp?: string }) => (want.streamNet ? x.streamIp! : x.ip);

    /** The `dr` config with `primary`; on the dedicated network, `(ip,streamIp)` pairs for both clusters. */
    async function configure(primary: string): Promise<void> {
      const spec = h.spec({ primary }) as { clusters: Record<string, Record<string, unknown>> };
      if (want.streamNet) {
        const pairs = (c: string) =>
          lab.clusters[c]!.hosts.map((x) => {
            assert.ok(x.streamIp, `the lab gives ${x.ip} a stream address`);
            return `(${x.ip},${x.streamIp})`;
          });
        for (const [c, other] of [
          ["A", "B"],
          ["B", "A"],
        ] as const) {
          spec.clusters[c]!["drParams"] = {
            localStreamIpmap1: pairs(c).join(","),
            remoteStreamIpmap1: pairs(other).join(","),
            remotedataPortBase: lab.portBase,
          };
        }
      }
      await h.project.config("dr", JSON.stringify(spec));
    }

    before(
      async () => {
        h = await DrHarness.setup(`rel-${release}`);
        lab = await setOmVersion(release);
        // Master's gs_sdr adds `host replication <user> <ip>/32 trust` lines and no release removes them, so a
        // master run before this file (the lab's self-tests, another file) would hide the ones this preview
        // must plan: every cycle starts without them.
        for (const c of ["A", "B"])
          for (const host of lab.clusters[c]!.hosts) {
            const r = await sshExec(
              lab,
              host.ip,
              "omm",
              "sed -i -E '/^[[:space:]]*host[[:space:]]+replication[[:space:]]+omm[[:space:]]+[^[:space:]]+[[:space:]]+trust[[:space:]]*$/d' /home/omm/data/dn1/pg_hba.conf",
            );
            assert.equal(r.code, 0, r.stderr);
          }
        await configure("A");
        for (const [c, other] of [
          ["A", "B"],
          ["B", "A"],
        ] as const)
          for (const host of lab.clusters[c]!.hosts) baseline.set(host.ip, await peerLines(host.ip, other));
      },
      { timeout: 600_000 },
    );
    after(
      async () => {
        await setOmVersion("master").catch(() => undefined);
        h?.dispose();
      },
      { timeout: 120_000 },
    );

    /** Active pg_hba lines of a host that name a host of `other` (by its address or stream address). */
    async function peerLines(ip: string, other: string): Promise<string[]> {
      const r = await sshExec(lab, ip, "omm", "grep -vE '^[[:space:]]*#' /home/omm/data/dn1/pg_hba.conf");
      const active = r.stdout.split("\n").map((l) => l.trim().split(/\s+/).join(" "));
      return active.filter((l) =>
        lab.clusters[other]!.hosts.some((p) => l.includes(` ${p.ip}/32 `) || l.includes(` ${dataIp(p)}/32 `)),
      );
    }

    test("preview plans this release's gs_sdr", async () => {
      const env = await sshExec(lab, ipOf(lab, "A", 0), "omm", "grep -c IP_TYPE ~/.bashrc || true");
      assert.equal(env.stdout.trim() === "0", release === "5.0.3", "5.0.x preinstall never exported IP_TYPE");
      const plan = await previewPlan(h);
      assert.equal(plan[0], "operation: start A->B (primary+standby)");
      assert.equal(plan[1], `OM release: A ${want.header}, B ${want.header}`);
      assert.ok(!plan.some((l) => /^warning:/.test(l)), plan.join("\n"));
      assert.equal(
        plan.some((l) => /pg_hba \+ host {4}replication {4}omm /.test(l)),
        want.trust,
        "trust replication lines only on master",
      );
      assert.ok(
        plan.some((l) => /pg_hba \+ host {4}replication {4}all {4}127\.\d+\.0\.0\/16 {4}sha256/.test(l)),
      );
      assert.equal(plan.join(" ").includes("always restores 128"), want.walAlways128);
      const a1 = lab.clusters["A"]!.hosts[0]!;
      assert.ok(
        plan.some((l) => l.includes(`pg_hba + host    all    all    ${dataIp(a1)}/32    sha256`)),
        `B accepts A over ${dataIp(a1)}\n${plan.join("\n")}`,
      );
    });

    test("up: the live nodes equal the preview; a row reaches B over the planned addresses", async () => {
      const plan = await previewPlan(h);
      await h.pulumi(["up", "--yes", "--skip-preview"]);
      assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
      const checked = await assertPlanIsLive(lab, plan);
      assert.ok(checked >= 30, `checked ${checked} plan entries`);
      const a1 = lab.clusters["A"]!.hosts[0]!;
      const b1 = lab.clusters["B"]!.hosts[0]!;
      const conf = await sshExec(
        lab,
        a1.ip,
        "omm",
        "grep -E '^replconninfo' /home/omm/data/dn1/postgresql.conf",
      );
      const esc = (ip: string) => ip.replace(/\./g, "\\.");
      assert.match(conf.stdout, new RegExp(`localhost=${esc(dataIp(a1))} .*remotehost=${esc(dataIp(b1))} `));
      const tag = `rel-${Date.now()}`;
      const w = await h.gsql(
        a1.ip,
        `CREATE TABLE IF NOT EXISTS hadr_release_probe(v text); INSERT INTO hadr_release_probe VALUES ('${tag}');`,
      );
      assert.equal(w.code, 0, w.out);
      await until(
        `the row reaches ${b1.ip}`,
        async () => (await h.gsql(b1.ip, `SELECT count(*) FROM hadr_release_probe WHERE v = '${tag}'`)).out,
        (v) => v === "1",
        120_000,
      );
    });

    test("switchover to B: the live nodes and the DCC term key equal the preview", async () => {
      await configure("B");
      const plan = await previewPlan(h);
      assert.equal(plan[0], "operation: switchover A->B");
      assert.ok(
        plan.some((l) => l === `B dcc /omm/CMServer/${want.termKey}: (unknown) → max DN term + 100`),
        plan.join("\n"),
      );
      await h.pulumi(["up", "--yes", "--skip-preview"]);
      assert.deepEqual(await h.stats(), { A: "recovery", B: "archive" });
      const checked = await assertPlanIsLive(lab, plan);
      assert.ok(checked >= 10, `checked ${checked} plan entries`);
    });

    test("destroy: both clusters normal; what is left of the DR lines is only what gs_sdr leaves", async () => {
      const { code, out } = await h.pulumiRun(["destroy", "--yes", "--skip-preview"]);
      assert.equal(code, 0, out);
      assert.deepEqual(await h.stats(), { A: "normal", B: "normal" });
      const reported = [...out.matchAll(/left behind on \w+\/\S+ pg_hba\.conf \([^)]*\): (.*)$/gm)].map((m) =>
        m[1]!.trim(),
      );
      for (const [c, other] of [
        ["A", "B"],
        ["B", "A"],
      ] as const) {
        for (const host of lab.clusters[c]!.hosts) {
          const before = baseline.get(host.ip) ?? [];
          const left = (await peerLines(host.ip, other)).filter((l) => !before.includes(l));
          // master's trust lines (never removed by gs_sdr); any release: nothing else
          const allowed = (l: string) => want.trust && /^host replication omm \S+\/32 trust$/.test(l);
          assert.deepEqual(
            left.filter((l) => !allowed(l)),
            [],
            `${host.ip} still accepts the other cluster`,
          );
          if (want.trust) for (const l of left) assert.ok(reported.includes(l), `destroy reports ${l}`);
        }
      }
      if (!want.trust) {
        const known = [...baseline.values()].flat();
        for (const l of reported)
          assert.ok(known.includes(l), `${release} left ${l} (gs_sdr ${release} writes no trust lines)`);
      }
    });
  });
}

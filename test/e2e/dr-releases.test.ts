/**
 * Every OM release plans what its own gs_sdr does, through the real CLI on the lab. One harness, one DR pair
 * (A, B), one cycle per release: preview → up → the live nodes equal the plan line for line → (a DR-link cut shows
 * as degraded) → (switchover, live again) → destroy reports exactly what stays.
 *
 * The releases and their steps follow docs/vendor/opengauss-gs_sdr.md §11 (measured on a machine at load ~25 on 2
 * cores: a create-and-destroy cycle 3 minutes, a full one 4–7; the file 30; the budget is 12 on a quiet machine):
 * every release creates and destroys (its create plan and destroy report are its own); the
 * link cut runs once per DR-query behaviour (5.0.0 for ≤ 5.1.0 whose DR side cannot see the cut, 6.0.0 and master
 * for the walreceiver releases); the switchover once per switchover plan (5.0.0 without run mode and read-only
 * toggle; 6.0.3 for 5.0.1–7.0.0-RC3; master, which keeps cluster_maintance). 5.0.5, 7.0.0-RC1 and 7.0.0-RC3 share
 * those rows, so they only create and destroy.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { LabInfo } from "pulumi-hadr-lab";
import { labCli, setOmVersion, sshExec } from "pulumi-hadr-lab";
import { DrHarness, until } from "./dr-support";
import { assertPlanIsLive, logicalPlan, planFromPreview } from "./plan-live";

/** One release's expectations (from the OM source, docs/vendor §11) and the steps its cycle runs. */
interface Release {
  release: string;
  /** The plan header's `<version> (<row>)`. */
  header: string;
  trust: boolean;
  /** How the plan shows wal_keep_segments at start: `'16384'` quoted or bare, and restored to 128 or the record. */
  walQuoted: boolean;
  walAlways128: boolean;
  termKey: string;
  /** start/switchover set stream_cluster_run_mode (5.0.0 does not). */
  runMode: boolean;
  /** The DR side reports recovery_fail when the link is cut (6.0.0+). */
  drSeesCut: boolean;
  /** Switchover leaves cluster_maintance on the promoted cluster (master). */
  leavesMaint: boolean;
  streamNet: boolean;
  cut: boolean;
  switchover: boolean;
}

const base = {
  trust: false,
  walQuoted: false,
  walAlways128: false,
  termKey: "status_key/term",
  runMode: true,
  drSeesCut: true,
  leavesMaint: false,
  streamNet: false,
  cut: false,
  switchover: false,
};

const RELEASES: Release[] = [
  {
    ...base,
    release: "5.0.0",
    header: "5.0.0 (5.0.0)",
    walQuoted: true,
    walAlways128: true,
    runMode: false,
    drSeesCut: false,
    cut: true,
    switchover: true,
  },
  { ...base, release: "5.0.5", header: "5.0.5 (5.0.5)", walAlways128: true, drSeesCut: false },
  { ...base, release: "6.0.0", header: "6.0.0 (6.0.0)", walQuoted: true, walAlways128: true, cut: true },
  { ...base, release: "6.0.3", header: "6.0.3 (6.0.3)", switchover: true },
  { ...base, release: "7.0.0-RC1", header: "7.0.0-RC1 (7.0.0-RC1)", walQuoted: true, walAlways128: true },
  { ...base, release: "7.0.0-RC3", header: "7.0.0-RC3 (7.0.0-RC3)" },
  {
    ...base,
    release: "master",
    header: "7.0.0-RC3 (master)",
    trust: true,
    termKey: "status_key/dn_term/0",
    leavesMaint: true,
    streamNet: true,
    cut: true,
    switchover: true,
  },
];

let h: DrHarness;
let lab: LabInfo;
/** Seconds each release's cycle took (printed at the end). */
const took: Record<string, number> = {};

/**
 * Runs `pulumi preview --diff` and returns the plan check() printed (its `[dr] plan:` lines go to stderr), its
 * display wrapping joined back into one entry per line.
 */
async function previewPlan(): Promise<string[]> {
  const r = await h.pulumiRun(["preview", "--diff"]);
  assert.equal(r.code, 0, r.out);
  return logicalPlan(planFromPreview(r.out));
}

async function fault(...args: string[]): Promise<void> {
  const r = await labCli(["fault", ...args]);
  assert.equal(r.code, 0, r.stderr + r.stdout);
}

/** Runs a shell command as omm on every host of both clusters; asserts it succeeds. */
async function onEveryHost(cmd: string): Promise<void> {
  for (const c of ["A", "B"])
    for (const host of lab.clusters[c]!.hosts) {
      const r = await sshExec(lab, host.ip, "omm", cmd);
      assert.equal(r.code, 0, `${host.ip}: ${r.stderr}`);
    }
}

/** Removes the `cluster_maintance` file OM master's switchover leaves on the promoted cluster. */
const RM_MAINT = '. ~/.bashrc >/dev/null 2>&1; rm -f "$GAUSSHOME/bin/cluster_maintance"';

const healthy = (s: { A: string; B: string }) =>
  (s.A === "archive" && s.B === "recovery") || (s.A === "recovery" && s.B === "archive");

before(
  async () => {
    h = await DrHarness.setup("releases");
    lab = h.lab;
  },
  { timeout: 600_000 },
);

after(
  async () => {
    await fault("dr-link-restore", h.hosts("A")[0]!, h.hosts("B")[0]!).catch(() => undefined);
    await setOmVersion("master").catch(() => undefined);
    h?.dispose();
    console.log(`# release cycles (s): ${JSON.stringify(took)}`);
  },
  { timeout: 300_000 },
);

for (const want of RELEASES) {
  const { release } = want;
  const over = want.streamNet ? " over a dedicated replication network" : "";
  describe(`OM ${release}${over}: ${["create", want.cut && "link cut", want.switchover && "switchover", "destroy"].filter(Boolean).join(", ")} as preview said`, {
    timeout: 900_000,
  }, () => {
    /** Per host, the active pg_hba lines naming the other cluster before this cycle (left by earlier runs). */
    const baseline = new Map<string, string[]>();
    const dataIp = (x: { ip: string; streamIp?: string }) => (want.streamNet ? x.streamIp! : x.ip);
    let t0 = 0;
    let switched = false;

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

    /** Active pg_hba lines of a host that name a host of `other` (by its address or stream address). */
    async function peerLines(ip: string, other: string): Promise<string[]> {
      const r = await sshExec(lab, ip, "omm", "grep -vE '^[[:space:]]*#' /home/omm/data/dn1/pg_hba.conf");
      const active = r.stdout.split("\n").map((l) => l.trim().split(/\s+/).join(" "));
      return active.filter((l) =>
        lab.clusters[other]!.hosts.some((p) => l.includes(` ${p.ip}/32 `) || l.includes(` ${dataIp(p)}/32 `)),
      );
    }

    before(
      async () => {
        t0 = Date.now();
        lab = await setOmVersion(release);
        // Master's gs_sdr adds `host replication <user> <ip>/32 trust` lines and no release removes them, so a
        // master run before this cycle would hide the ones this preview must plan: every cycle starts without them.
        await onEveryHost(
          "sed -i -E '/^[[:space:]]*host[[:space:]]+replication[[:space:]]+omm[[:space:]]+[^[:space:]]+[[:space:]]+trust[[:space:]]*$/d' /home/omm/data/dn1/pg_hba.conf",
        );
        // likewise master's switchover leaves cluster_maintance (an earlier file's or cycle's): destroy reports it
        await onEveryHost(RM_MAINT);
        await configure("A");
        for (const [c, other] of [
          ["A", "B"],
          ["B", "A"],
        ] as const)
          for (const host of lab.clusters[c]!.hosts) baseline.set(host.ip, await peerLines(host.ip, other));
      },
      { timeout: 300_000 },
    );
    after(() => {
      took[release] = Math.round((Date.now() - t0) / 1000);
    });

    test("preview plans this release's gs_sdr; up makes the live nodes equal it", async () => {
      const plan = await previewPlan();
      assert.equal(plan[0], "operation: start A->B (primary+standby)");
      assert.equal(plan[1], `OM release: A ${want.header}, B ${want.header}`);
      assert.ok(!plan.some((l) => /^warning:/.test(l)), plan.join("\n"));
      assert.equal(
        plan.some((l) => /pg_hba \+ host {4}replication {4}omm /.test(l)),
        want.trust,
        "trust replication lines only on master",
      );
      const wal = plan.find((l) => l.startsWith("A/oga1 wal_keep_segments:")) ?? "";
      const q = want.walQuoted ? "'" : "";
      assert.match(wal, new RegExp(` → ${q}16384${q} \\(temporary: restored to `), wal);
      assert.equal(
        wal.includes(`restored to ${q}128${q} `) && /always restores 128/.test(wal),
        want.walAlways128,
        wal,
      );
      assert.equal(
        plan.some((l) => /^[AB]\/\S+ stream_cluster_run_mode: /.test(l)),
        want.runMode,
        "stream_cluster_run_mode is planned where the release sets it",
      );
      await h.pulumi(["up", "--yes", "--skip-preview"]);
      assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
      const checked = await assertPlanIsLive(lab, plan);
      assert.ok(checked >= 30, `checked ${checked} plan entries`);
      if (want.streamNet) {
        const [a1, b1] = [lab.clusters["A"]!.hosts[0]!, lab.clusters["B"]!.hosts[0]!];
        const conf = await sshExec(
          lab,
          a1.ip,
          "omm",
          "grep -E '^replconninfo' /home/omm/data/dn1/postgresql.conf",
        );
        const esc = (ip: string) => ip.replace(/\./g, "\\.");
        assert.match(
          conf.stdout,
          new RegExp(`localhost=${esc(dataIp(a1))} .*remotehost=${esc(dataIp(b1))} `),
        );
      }
    });

    if (want.cut)
      test("a DR-link cut shows as degraded; the link back, healthy", async () => {
        const [a1, b1] = [h.hosts("A")[0]!, h.hosts("B")[0]!];
        await fault("dr-link-cut", a1, b1);
        try {
          const s = await until(
            "the primary side sees the cut",
            () => h.stats(),
            (x) => x.A === "archive_fail",
          );
          // ≤ 5.1.0 has no walreceiver check: its DR side keeps saying recovery
          if (!want.drSeesCut) assert.equal(s.B, "recovery", "5.x DR side is blind to the cut");
          await h.pulumi(["refresh", "--yes", "--skip-preview"]);
          assert.match(String((await h.outputs())["health"]), /^degraded: DR link down/);
        } finally {
          await fault("dr-link-restore", a1, b1);
        }
        await until("link back", () => h.stats(), healthy, 180_000);
      });

    if (want.switchover)
      test("switchover to B: the live nodes and the DCC term key equal the preview", async () => {
        await configure("B");
        const plan = await previewPlan();
        assert.equal(plan[0], "operation: switchover A->B");
        assert.ok(
          plan.some((l) => l === `B dcc /omm/CMServer/${want.termKey}: (unknown) → max DN term + 100`),
          plan.join("\n"),
        );
        assert.equal(
          plan.some((l) => / default_transaction_read_only: /.test(l)),
          want.runMode,
          "read-only toggle",
        );
        assert.equal(
          plan.some((l) => /^note: B: left behind on .*\$GAUSSHOME\/bin\/cluster_maintance/.test(l)),
          want.leavesMaint,
        );
        await h.pulumi(["up", "--yes", "--skip-preview"]);
        switched = true;
        assert.deepEqual(await h.stats(), { A: "recovery", B: "archive" });
        const checked = await assertPlanIsLive(lab, plan);
        assert.ok(checked >= 4, `checked ${checked} plan entries`);
      });

    test("destroy: both clusters normal; it reports exactly what gs_sdr leaves", async () => {
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
          assert.ok(known.includes(l), `${release} left ${l} (it writes no trust lines)`);
      }
      // cluster_maintance: reported on the promoted cluster's nodes exactly when the release leaves it (the CLI
      // may show each progress line twice: as it comes and in its summary)
      const maint = [
        ...new Set(
          [...out.matchAll(/left behind on (\w+)\/(\S+): \$GAUSSHOME\/bin\/cluster_maintance/gm)].map(
            (m) => `${m[1]}/${m[2]}`,
          ),
        ),
      ];
      const expected = want.leavesMaint && switched ? lab.clusters["B"]!.hosts.map((x) => `B/${x.name}`) : [];
      assert.deepEqual(maint.sort(), expected.sort(), out);
      await onEveryHost(RM_MAINT);
    });
  });
}

/**
 * Every OM release's plans on the seed topology (cluster-A/B fixtures), pinned as one golden file per release under
 * test/unit/opengauss/goldens/ (create, switchover to B, delete = failover on B then stop on A). Regenerate after a
 * deliberate change with `UPDATE_GOLDENS=1 node --test dist/test/unit/opengauss/release-plans.test.js` and review
 * the diff. A second test fails when two releases the table says differ (in what a plan shows) plan the same.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { parseClusterXml } from "../../../provider/engines/opengauss/clusterXml";
import { planCreate } from "../../../provider/engines/opengauss/plan/create";
import { planDelete } from "../../../provider/engines/opengauss/plan/delete";
import type { PlanInput } from "../../../provider/engines/opengauss/plan/model";
import { renderDrPlan } from "../../../provider/engines/opengauss/plan/render";
import { planSwitchover } from "../../../provider/engines/opengauss/plan/switchover";
import {
  CHECKED_RELEASES,
  type MasterMarkers,
  type OmBehaviour,
  omRelease,
  RELEASE_BEHAVIOURS,
  RELEASE_TABLE,
} from "../../../provider/engines/opengauss/releases";
import { fixture, fixtureSnapshots, settledSnapshot } from "./fixtures";

const GOLDENS = resolve(__dirname, "../../../../test/unit/opengauss/goldens");
const A = parseClusterXml(fixture("cluster-A.xml"));
const B = parseClusterXml(fixture("cluster-B.xml"));

function input(rel: OmBehaviour, edge = false): PlanInput {
  const snapshots = fixtureSnapshots(settledSnapshot);
  // the edge case: an empty replconninfo2 slot on A/oga1 and no IP_TYPE in the env file
  if (edge) {
    const s = snapshots.find((x) => x.node === "oga1")!;
    s.replconninfo = { ...s.replconninfo, 2: { state: "empty" }, 3: null };
  }
  const ipType = edge ? null : "ipv4";
  return {
    topologies: { A, B },
    primary: "A",
    snapshots,
    facts: { A: { pgUser: "omm", ipType }, B: { pgUser: "omm", ipType } },
    releases: { A: rel, B: rel },
  };
}

/** The release's behaviour as the provider derives it from version.cfg and the installed scripts' markers. */
function behaviourOf(release: string): OmBehaviour {
  const master = release === "master";
  const markers: MasterMarkers = { dnTermKey: master, replicationTrust: master, passwordRegex: master };
  const r = omRelease(`openGauss-${master ? "7.0.0-RC3" : release}`, markers);
  assert.equal(r.warning, undefined, release);
  return r.behaviour;
}

function golden(rel: OmBehaviour): string {
  const section = (title: string, lines: string[]) => [`## ${title}`, ...lines, ""];
  return [
    `# OM ${rel.label}: plans on the seed topology (A primary, B DR; 2 DNs each)`,
    "",
    ...section("create", renderDrPlan(planCreate(input(rel)))),
    ...section("switchover to B", renderDrPlan(planSwitchover(input(rel), "B"))),
    ...section("delete: failover on B, stop on A", renderDrPlan(planDelete(input(rel)))),
    ...section(
      "create with an empty replconninfo2 on A/oga1 and no IP_TYPE",
      renderDrPlan(planCreate(input(rel, true))),
    ),
  ].join("\n");
}

const ALL = [...CHECKED_RELEASES, "master"];

test("every release's plans match its golden file", () => {
  const update = process.env["UPDATE_GOLDENS"] === "1";
  if (update) mkdirSync(GOLDENS, { recursive: true });
  for (const release of ALL) {
    const file = resolve(GOLDENS, `${release}.txt`);
    const text = golden(behaviourOf(release));
    if (update) writeFileSync(file, text);
    assert.ok(existsSync(file), `no golden for ${release}: run with UPDATE_GOLDENS=1`);
    assert.equal(text, readFileSync(file, "utf8"), `${release}: plan differs from ${file}`);
  }
});

/** Behaviours a create/switchover/delete plan shows (the others act in preflight, health or the decision). */
const PLAN_VISIBLE: ReadonlyArray<keyof OmBehaviour> = [
  "replicationTrustLines",
  "dccTermKey",
  "walKeepRestore",
  "walKeepQuoted",
  "segmentSource",
  "setsStreamRunMode",
  "switchoverReadOnlyToggle",
  "emptyReplconninfoFails",
  "failoverNotifyRole",
  "switchoverLeavesMaintenanceFile",
];

/** The plans without the release's name (so that only behaviour can make them differ). */
function anonymous(rel: OmBehaviour): string {
  return golden(rel).split(`OM ${rel.label}`).join("OM <release>");
}

test("two releases that differ in what a plan shows never get the same plans", () => {
  let pairs = 0;
  for (let i = 0; i < ALL.length; i++) {
    for (let j = i + 1; j < ALL.length; j++) {
      const a = behaviourOf(ALL[i]!);
      const b = behaviourOf(ALL[j]!);
      const differs = PLAN_VISIBLE.filter((k) => a[k] !== b[k]);
      if (differs.length === 0) continue;
      pairs++;
      assert.notEqual(anonymous(a), anonymous(b), `${a.label} vs ${b.label} differ in ${differs.join(", ")}`);
    }
  }
  assert.ok(pairs > 50, `only ${pairs} differing pairs`);
});

test("every release is a row by name, and every difference has a reason", () => {
  // the releases docs/vendor/opengauss-gs_sdr.md §11's table names, in order, each a row of its own
  const doc = readFileSync(resolve(__dirname, "../../../../docs/vendor/opengauss-gs_sdr.md"), "utf8");
  const section = doc.slice(doc.indexOf("## 11. "));
  const named = [...section.matchAll(/^\| ([0-9][^|]*?|master) \|/gm)].flatMap((m) =>
    m[1]!.split(", ").map((r, _i, all) => (r.startsWith("RC") ? all[0]!.replace(/RC\d+$/, r) : r)),
  );
  assert.equal(named.length, 15, named.join(" "));
  assert.deepEqual(
    RELEASE_TABLE.map((r) => r.release),
    named,
  );
  for (const r of RELEASE_TABLE) {
    for (const k of Object.keys(r.changes) as Array<keyof typeof r.changes>) {
      const first = r === RELEASE_TABLE[0];
      // the first row states every behaviour; a reason where it is not what later releases do
      if (!first || k in r.reasons) assert.ok(r.reasons[k], `${r.release}: ${k} has no reason`);
    }
    for (const k of Object.keys(r.reasons))
      assert.ok(k in r.changes, `${r.release}: reason for unchanged ${k}`);
  }
  // spot checks against the source (docs/vendor/opengauss-gs_sdr.md §11)
  const b = (r: string) => RELEASE_BEHAVIOURS[r]!;
  assert.equal(b("7.0.0-RC1").walKeepRestore, "always-128");
  assert.equal(b("6.0.5").walKeepRestore, "recorded");
  assert.deepEqual(
    ALL.filter((r) => b(r).walKeepQuoted),
    ["5.0.0", "5.0.1", "5.0.2", "5.0.3", "5.1.0", "6.0.0", "6.0.1", "7.0.0-RC1"],
  );
  assert.deepEqual(
    ALL.filter(
      (r) => !b(r).setsStreamRunMode || !b(r).switchoverReadOnlyToggle || b(r).emptyReplconninfoFails,
    ),
    ["5.0.0"],
  );
  assert.deepEqual(
    ALL.filter((r) => !b(r).drQueryChecksWalreceiver),
    ["5.0.0", "5.0.1", "5.0.2", "5.0.3", "5.0.5", "5.1.0"],
  );
  assert.deepEqual(
    ALL.filter((r) => b(r).failoverNotifyRole === "Primary"),
    ["5.0.0", "5.0.1", "5.0.2", "5.0.3", "5.0.5", "5.1.0"],
  );
  assert.deepEqual(
    ALL.filter((r) => b(r).switchoverLeavesMaintenanceFile),
    ["master"],
  );
});

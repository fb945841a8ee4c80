import assert from "node:assert/strict";
import { test } from "node:test";
import { parseClusterXml } from "../../../provider/engines/opengauss/clusterXml";
import { streamIpPairs } from "../../../provider/engines/opengauss/drParams";
import { planCreate } from "../../../provider/engines/opengauss/plan/create";
import { planDelete } from "../../../provider/engines/opengauss/plan/delete";
import type { PlanInput } from "../../../provider/engines/opengauss/plan/model";
import { renderDrPlan } from "../../../provider/engines/opengauss/plan/render";
import { planSwitchover } from "../../../provider/engines/opengauss/plan/switchover";
import {
  compareOmVersions,
  MASTER_BEHAVIOUR,
  type MasterMarkers,
  omRelease,
  parseOmVersion,
  releaseHeader,
} from "../../../provider/engines/opengauss/releases";
import { fixture, fixtureSnapshots, settledSnapshot } from "./fixtures";

const MASTER_MARKERS: MasterMarkers = { dnTermKey: true, replicationTrust: true, passwordRegex: true };
const RC3_MARKERS: MasterMarkers = { dnTermKey: false, replicationTrust: false, passwordRegex: false };

test("versions parse from version.cfg's first line and order RCs before the release", () => {
  assert.deepEqual(parseOmVersion("openGauss-5.0.3"), {
    text: "5.0.3",
    major: 5,
    minor: 0,
    patch: 3,
    rc: Infinity,
  });
  assert.equal(parseOmVersion("openGauss-7.0.0-RC2")?.rc, 2);
  assert.equal(parseOmVersion("no version here"), null);
  const order = ["5.0.0", "5.1.0", "6.0.0-RC1", "6.0.0", "6.0.2", "7.0.0-RC2", "7.0.0-RC3", "7.0.0"];
  for (let i = 1; i < order.length; i++)
    assert.ok(compareOmVersions(parseOmVersion(order[i - 1]!)!, parseOmVersion(order[i]!)!) < 0, order[i]);
});

test("each release gets the row of docs/vendor/opengauss-gs_sdr.md §8/§10", () => {
  const row = (line: string, m?: MasterMarkers) => omRelease(line, m).behaviour;
  // [version, trust lines, term key, wal restore, segment, start forbidden, -f, password]
  const table: Array<[string, boolean, string, string, string, boolean, boolean, string]> = [
    ["openGauss-5.0.3", false, "status_key/term", "always-128", "ipv4-split", false, false, "injection-list"],
    ["openGauss-5.1.0", false, "status_key/term", "always-128", "ipv4-split", false, false, "injection-list"],
    ["openGauss-6.0.0", false, "status_key/term", "always-128", "ipv4-split", true, false, "injection-list"],
    ["openGauss-6.0.1", false, "status_key/term", "always-128", "ipv4-split", true, false, "injection-list"],
    ["openGauss-6.0.2", false, "status_key/term", "always-128", "ip-type", true, false, "injection-list"],
    ["openGauss-6.0.3", false, "status_key/term", "recorded", "ip-type", true, false, "injection-list"],
    ["openGauss-7.0.0-RC2", false, "status_key/term", "recorded", "ip-type", true, true, "injection-list"],
  ];
  for (const [line, trust, key, wal, seg, forbidden, force, pwd] of table) {
    const b = row(line);
    assert.deepEqual(
      [
        b.replicationTrustLines,
        b.dccTermKey,
        b.walKeepRestore,
        b.segmentSource,
        b.startForbiddenWhenEstablished,
        b.forceOption,
        b.passwordRule,
      ],
      [trust, key, wal, seg, forbidden, force, pwd],
      line,
    );
    assert.equal(omRelease(line).warning, undefined, line);
  }
  // 7.0.0-RC3 is also what master builds call themselves: the installed scripts decide.
  assert.equal(row("openGauss-7.0.0-RC3", RC3_MARKERS).dccTermKey, "status_key/term");
  assert.equal(row("openGauss-7.0.0-RC3", RC3_MARKERS).label, "7.0.0-RC3");
  assert.equal(row("openGauss-7.0.0-RC3", RC3_MARKERS).switchoverLeavesMaintenanceFile, false);
  const master = row("openGauss-7.0.0-RC3", MASTER_MARKERS);
  assert.deepEqual({ ...master }, { ...MASTER_BEHAVIOUR });
  assert.equal(omRelease("openGauss-7.0.0-RC3", MASTER_MARKERS).warning, undefined);
  // before fe6c09f: master's hba line and password regex, the old DCC key
  const partial = row("openGauss-7.0.0-RC3", { ...MASTER_MARKERS, dnTermKey: false });
  assert.equal(partial.dccTermKey, "status_key/term");
  assert.equal(partial.replicationTrustLines, true);
});

test("unknown, unread and newer versions fall back with a warning", () => {
  const between = omRelease("openGauss-6.0.4");
  assert.equal(between.behaviour.label, "6.0.3");
  assert.match(
    between.warning ?? "",
    /6\.0\.4 is not a release that was checked: planned as 6\.0\.3, the nearest one below it/,
  );
  const old = omRelease("openGauss-3.1.0");
  assert.equal(old.behaviour.label, "5.0.0");
  assert.match(
    old.warning ?? "",
    /3\.1\.0 is not a release that was checked: planned as 5\.0\.0, the oldest one checked/,
  );
  const newer = omRelease("openGauss-7.1.0", MASTER_MARKERS);
  assert.equal(newer.behaviour.label, "master");
  assert.match(newer.warning ?? "", /newer than the newest release checked \(7\.0\.0-RC3\)/);
  const unreadScripts = omRelease("openGauss-7.0.0-RC3");
  assert.equal(unreadScripts.behaviour.dccTermKey, "status_key/term");
  assert.match(unreadScripts.warning ?? "", /scripts under \$GPHOME\/script could not be read/);
  const unreadVersion = omRelease(null);
  assert.equal(unreadVersion.behaviour, MASTER_BEHAVIOUR);
  assert.match(unreadVersion.warning ?? "", /could not be read/);
  assert.equal(
    releaseHeader({ B: omRelease("openGauss-5.0.3"), A: omRelease("openGauss-5.0.3") }),
    "OM release: A 5.0.3 (5.0.3), B 5.0.3 (5.0.3)",
  );
});

// ---------------------------------------------------------------------------------------------------------------
// The same two clusters planned under each release: the plans differ exactly where the table says.

const A = parseClusterXml(fixture("cluster-A.xml"));
const B = parseClusterXml(fixture("cluster-B.xml"));

function inputFor(version: string, markers?: MasterMarkers): PlanInput {
  const behaviour = omRelease(`openGauss-${version}`, markers).behaviour;
  return {
    topologies: { A, B },
    primary: "A",
    snapshots: fixtureSnapshots(settledSnapshot),
    facts: { A: { pgUser: "omm", ipType: "ipv4" }, B: { pgUser: "omm", ipType: "ipv4" } },
    releases: { A: behaviour, B: behaviour },
  };
}

/** Lines of `next` not in `base`, and of `base` not in `next`. */
function delta(base: string[], next: string[]): { added: string[]; removed: string[] } {
  return { added: next.filter((l) => !base.includes(l)), removed: base.filter((l) => !next.includes(l)) };
}

const RELEASES: Array<[string, MasterMarkers | undefined]> = [
  ["5.0.3", undefined],
  ["6.0.0", undefined],
  ["6.0.3", undefined],
  ["7.0.0-RC3", RC3_MARKERS],
];

test("create under each release differs from master exactly in its rows", () => {
  const master = renderDrPlan(planCreate(inputFor("7.0.0-RC3", MASTER_MARKERS)));
  for (const [version, markers] of RELEASES) {
    const d = delta(master, renderDrPlan(planCreate(inputFor(version, markers))));
    // no replication-trust lines for HA IPs nor remote data IPs
    const trust = master.filter((l) =>
      / pg_hba \+ host {4}replication {4}omm {4}127\.0\.\d\.\d\/32 {4}trust$/.test(l),
    );
    assert.ok(trust.length > 0);
    for (const l of trust) assert.ok(d.removed.includes(l), `${version}: ${l}`);
    // wal_keep_segments restore: ≤ 6.0.2 always 128, later the recorded 256
    const walLine = (lines: string[]) => lines.find((l) => l.startsWith("A/oga1 wal_keep_segments:"));
    assert.match(walLine(master)!, /restored to 256/);
    const wal = walLine(renderDrPlan(planCreate(inputFor(version, markers))))!;
    if (version === "5.0.3" || version === "6.0.0")
      assert.match(wal, /→ '16384' \(temporary: restored to '128' .*always restores 128/, version);
    else assert.match(wal, /→ 16384 \(temporary: restored to 256/, version);
    const expectedChanged = trust.length + (version === "5.0.3" || version === "6.0.0" ? 1 : 0);
    assert.equal(d.removed.length, expectedChanged, `${version} removed:\n${d.removed.join("\n")}`);
    assert.equal(
      d.added.filter((l) => !l.startsWith("A/oga1 wal_keep_segments:")).length,
      0,
      `${version} added:\n${d.added.join("\n")}`,
    );
  }
});

test("the /16 segment follows IP_TYPE only from 6.0.2; without IP_TYPE 5.0.3 is fine and 6.0.3 is refused", () => {
  for (const [version, segmentLines, problem] of [
    ["5.0.3", true, false],
    ["6.0.1", true, false],
    ["6.0.2", false, true],
    ["6.0.3", false, true],
  ] as const) {
    const input = inputFor(version);
    input.facts = { A: { pgUser: "omm", ipType: null }, B: { pgUser: "omm", ipType: null } };
    const plan = planCreate(input);
    const seg = plan.hba.filter((h) => h.line === "host    replication    all    127.0.0.0/16    sha256");
    assert.equal(seg.length > 0, segmentLines, version);
    assert.equal(
      plan.problems.some((p) => /IP_TYPE is not exported/.test(p.message)),
      problem,
      version,
    );
  }
});

test("the DCC term key and its prefix (the OS user) per release, on delete and switchover", () => {
  for (const [version, markers, key] of [
    ["5.0.3", undefined, "status_key/term"],
    ["7.0.0-RC3", RC3_MARKERS, "status_key/term"],
    ["7.0.0-RC3", MASTER_MARKERS, "status_key/dn_term/0"],
  ] as const) {
    const input = inputFor(version, markers);
    input.facts = { A: { pgUser: "dbuser", osUser: "gauss" }, B: { pgUser: "dbuser", osUser: "gauss" } };
    const del = planDelete(input)
      .gucs.filter((g) => g.component === "dcc")
      .map((g) => g.name);
    assert.ok(del.includes(`/gauss/CMServer/${key}`), `${version}: ${del.join(", ")}`);
    const sw = planSwitchover(input, "B")
      .gucs.filter((g) => g.component === "dcc")
      .map((g) => g.name);
    assert.deepEqual(
      sw.sort(),
      ["/gauss/CMServer/backup_open", "/gauss/CMServer/backup_open", `/gauss/CMServer/${key}`].sort(),
    );
  }
});

test("switchover records and sets most_available_sync on the demote side with ≤ 2 DNs", () => {
  const input = inputFor("6.0.3");
  for (const s of input.snapshots) s.gucs = { ...s.gucs, most_available_sync: "off" };
  const lines = renderDrPlan(planSwitchover(input, "B"));
  assert.ok(lines.includes("A/oga1 most_available_sync: off → on"), lines.join("\n"));
  assert.ok(lines.includes("A/oga2 most_available_sync: off → on"));
  assert.ok(!lines.some((l) => l.startsWith("B/") && l.includes("most_available_sync")));
  assert.ok(
    lines.some((l) =>
      /note: A: most_available_sync is recorded in \.streaming_guc_backup \(now off\)/.test(l),
    ),
  );
  for (const s of input.snapshots) s.gucs = { ...s.gucs, most_available_sync: "on" };
  assert.ok(!renderDrPlan(planSwitchover(input, "B")).some((l) => l.includes("most_available_sync")));
});

test("a dedicated replication network: replconninfo and DR pg_hba lines use the pairs' data IPs", () => {
  const a = parseClusterXml(fixture("cluster-A.xml"));
  const b = parseClusterXml(fixture("cluster-B.xml"));
  // stream IPs 127.0.11.x / 127.0.12.x, bound on the hosts next to their XML addresses
  a.drParams = {
    localStreamIpmap1: [
      { ip: "127.0.11.1", dataIp: "127.0.11.1" },
      { ip: "127.0.11.2", dataIp: "127.0.11.2" },
    ],
    remoteStreamIpmap1: [
      { ip: "127.0.12.1", dataIp: "127.0.12.1" },
      { ip: "127.0.12.2", dataIp: "127.0.12.2" },
    ],
    remotedataPortBase: b.dataPortBase,
  };
  b.drParams = {
    localStreamIpmap1: a.drParams.remoteStreamIpmap1,
    remoteStreamIpmap1: a.drParams.localStreamIpmap1,
    remotedataPortBase: a.dataPortBase,
  };
  const input = inputFor("6.0.3");
  input.topologies = { A: a, B: b };
  const hostIps: Record<string, string[]> = {
    oga1: ["127.0.1.1", "127.0.11.1"],
    oga2: ["127.0.1.2", "127.0.11.2"],
    ogb1: ["127.0.2.1", "127.0.12.1"],
    ogb2: ["127.0.2.2", "127.0.12.2"],
  };
  for (const s of input.snapshots) s.hostIps = hostIps[s.node]!;
  const plan = planCreate(input);
  assert.deepEqual(plan.problems, []);
  const rc = plan.gucs.find((g) => g.cluster === "A" && g.node === "oga2" && g.name === "replconninfo2")!;
  assert.match(
    (rc.planned as { value: string }).value,
    /^localhost=127\.0\.11\.2 .* remotehost=127\.0\.12\.1 /,
  );
  const lines = renderDrPlan(plan);
  assert.ok(
    lines.includes("B/ogb1 pg_hba + host    all    all    127.0.11.2/32    sha256"),
    lines.join("\n"),
  );
  assert.ok(!lines.some((l) => / pg_hba \+ .*127\.0\.2\.\d\/32/.test(l) && l.startsWith("A/")));
  assert.deepEqual(streamIpPairs(a), a.drParams.localStreamIpmap1);
  // a host where none of the pairs is bound: the problem gs_sdr would hit
  input.snapshots[1]!.hostIps = ["127.0.1.2"];
  const bad = planCreate(input);
  assert.ok(
    bad.problems.some(
      (p) => p.node === "oga2" && /no localStreamIpmap1 pair has its ip bound on this host/.test(p.message),
    ),
  );
});

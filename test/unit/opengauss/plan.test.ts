import assert from "node:assert/strict";
import { test } from "node:test";
import { type ClusterTopology, parseClusterXml } from "../../../provider/engines/opengauss/clusterXml";
import { planCreate } from "../../../provider/engines/opengauss/plan/create";
import { planDelete } from "../../../provider/engines/opengauss/plan/delete";
import type { DrPlan, PlanInput } from "../../../provider/engines/opengauss/plan/model";
import { renderDrPlan } from "../../../provider/engines/opengauss/plan/render";
import { planSwitchover } from "../../../provider/engines/opengauss/plan/switchover";
import { omRelease } from "../../../provider/engines/opengauss/releases";
import { dnSnapshot, fixture, fixtureSnapshots, localReplConnInfo, makeXml } from "./fixtures";

const A = parseClusterXml(fixture("cluster-A.xml"));
const B = parseClusterXml(fixture("cluster-B.xml"));

const local = localReplConnInfo;
function dr(from: string, to: string): string {
  return `${local(from, to)} iscascade=false iscrossregion=true`;
}
const snapshot = dnSnapshot;

function baseInput(): PlanInput {
  return {
    topologies: { A, B },
    primary: "A",
    snapshots: fixtureSnapshots(snapshot),
  };
}

function guc(plan: DrPlan, cluster: string, node: string, name: string) {
  return plan.gucs.filter((g) => g.cluster === cluster && g.node === node && g.name === name);
}

test("create: the §3.3 A worked example, replconninfo on every DN", () => {
  const plan = planCreate(baseInput());
  assert.deepEqual(plan.problems, []);
  const rc = (c: string, n: string) =>
    plan.gucs
      .filter((g) => g.cluster === c && g.node === n && g.name.startsWith("replconninfo"))
      .map((g) => [g.name, g.current, g.planned, g.how]);
  assert.deepEqual(rc("A", "oga1"), [
    [
      "replconninfo1",
      { state: "set", value: local("127.0.1.1", "127.0.1.2") },
      { state: "set", value: `${local("127.0.1.1", "127.0.1.2")} iscascade=true iscrossregion=false` },
      "reload",
    ],
    ["replconninfo2", { state: "unset" }, { state: "set", value: dr("127.0.1.1", "127.0.2.1") }, "reload"],
    ["replconninfo3", { state: "unset" }, { state: "set", value: dr("127.0.1.1", "127.0.2.2") }, "reload"],
  ]);
  assert.deepEqual(
    rc("A", "oga2").map((x) => (x[2] as { value: string }).value),
    [
      `${local("127.0.1.2", "127.0.1.1")} iscascade=true iscrossregion=false`,
      dr("127.0.1.2", "127.0.2.1"),
      dr("127.0.1.2", "127.0.2.2"),
    ],
  );
  assert.deepEqual(
    rc("B", "ogb1").map((x) => [x[0], (x[2] as { value: string }).value, x[3]]),
    [
      ["replconninfo1", `${local("127.0.2.1", "127.0.2.2")} iscascade=true iscrossregion=false`, "set"],
      ["replconninfo2", dr("127.0.2.1", "127.0.1.1"), "set"],
      ["replconninfo3", dr("127.0.2.1", "127.0.1.2"), "set"],
    ],
  );
  const lines = renderDrPlan(plan);
  assert.ok(
    lines.includes(
      "A/oga1 replconninfo2: (unset) → 'localhost=127.0.1.1 localport=26001 localheartbeatport=26005 localservice=26004 remotehost=127.0.2.1 remoteport=26001 remoteheartbeatport=26005 remoteservice=26004 iscascade=false iscrossregion=true'",
    ),
    lines.join("\n"),
  );
});

test("create: ports of the DR entries come from the last local entry and the peer's dataPortBase", () => {
  const B2 = parseClusterXml(makeXml("b", "ogb", "127.0.2", 2, 27000));
  const input = baseInput();
  input.topologies = { A, B: B2 };
  (input.snapshots[0]!.replconninfo as Record<number, string>)[1] = local("127.0.1.1", "127.0.1.2").replace(
    /2600(\d)/g,
    "3100$1",
  );
  const plan = planCreate(input);
  assert.equal(
    (guc(plan, "A", "oga1", "replconninfo2")[0]!.planned as { value: string }).value,
    "localhost=127.0.1.1 localport=31001 localheartbeatport=31005 localservice=31004 remotehost=127.0.2.1 remoteport=27001 remoteheartbeatport=27005 remoteservice=27004 iscascade=false iscrossregion=true",
  );
});

test("create: other GUCs, the temporary wal_keep_segments, CM and DCC", () => {
  const plan = planCreate(baseInput());
  const lines = renderDrPlan(plan);
  const has = (l: string) => assert.ok(lines.includes(l), `missing: ${l}\n${lines.join("\n")}`);
  has("A/oga1 stream_cluster_run_mode: (unset) → 'cluster_primary' (on restart)");
  has("B/ogb2 stream_cluster_run_mode: (unset) → 'cluster_standby' (on restart)");
  has("A/oga2 synchronous_commit: remote_receive → on");
  has("B/ogb1 most_available_sync: off → on");
  assert.equal(guc(plan, "A", "oga1", "wal_keep_segments").length, 1);
  assert.equal(guc(plan, "A", "oga2", "wal_keep_segments").length, 0, "only the primary DN");
  assert.equal(plan.gucs.filter((g) => g.cluster === "B" && g.name === "wal_keep_segments").length, 0);
  assert.match(
    lines.find((l) => l.startsWith("A/oga1 wal_keep_segments"))!,
    /^A\/oga1 wal_keep_segments: 128 → 16384 \(temporary: restored to 128 when start finishes/,
  );
  has("B/ogb1 cm_server backup_open: 0 → 2");
  has("B/ogb2 cm_agent agent_backup_open: 0 → 2");
  assert.equal(
    plan.gucs.filter((g) => g.cluster === "A" && (g.component === "cmserver" || g.component === "cmagent"))
      .length,
    0,
  );
  has("A dcc /omm/CMServer/backup_open: (unknown) → 0");
  has("B dcc /omm/CMServer/backup_open: (unknown) → 2");
  assert.deepEqual(plan.steps, [
    { cluster: "A", node: "oga1", command: "gs_sdr -t start -m primary" },
    { cluster: "B", node: "ogb1", command: "gs_sdr -t start -m disaster_standby" },
  ]);
  has(
    "A drParams: localStreamIpmap1=(127.0.1.1,127.0.1.1),(127.0.1.2,127.0.1.2) remoteStreamIpmap1=(127.0.2.1,127.0.2.1),(127.0.2.2,127.0.2.2) remotedataPortBase=26000",
  );
});

test("create: exactly the DR pg_hba lines are added (master variant, /16 segment)", () => {
  const plan = planCreate(baseInput());
  const hbaA1 = plan.hba
    .filter((h) => h.cluster === "A" && h.node === "oga1")
    .map((h) => `${h.action} ${h.line}`);
  assert.deepEqual(hbaA1, [
    "add host    all    omm    127.0.2.1/32    trust",
    "add host    replication    omm    127.0.2.1/32    trust",
    "add host    all    all    127.0.2.1/32    sha256",
    "add host    replication    all    127.0.0.0/16    sha256",
    "add host    all    omm    127.0.2.2/32    trust",
    "add host    replication    omm    127.0.2.2/32    trust",
    "add host    all    all    127.0.2.2/32    sha256",
  ]);
  assert.ok(renderDrPlan(plan).includes("B/ogb2 pg_hba + host    all    omm    127.0.1.2/32    trust"));
  const release = planCreate({ ...baseInput(), releases: { A: omRelease("openGauss-6.0.3").behaviour } });
  assert.ok(!release.hba.some((h) => h.line.startsWith("host    replication    omm    127.0.2.")));
  const pgUser = planCreate({ ...baseInput(), facts: { A: { pgUser: "gauss" } } });
  assert.ok(
    pgUser.hba.some((h) => h.cluster === "A" && h.line === "host    all    gauss    127.0.2.1/32    trust"),
  );
});

test("create: '' slots are skipped and a re-run rewrites nothing", () => {
  const input = baseInput();
  const s = input.snapshots[0]!;
  s.replconninfo = { 1: { state: "empty" }, 2: local("127.0.1.1", "127.0.1.2"), 3: null };
  let plan = planCreate(input);
  assert.deepEqual(guc(plan, "A", "oga1", "replconninfo1"), []);
  assert.equal(
    (guc(plan, "A", "oga1", "replconninfo3")[0]!.planned as { value: string }).value,
    dr("127.0.1.1", "127.0.2.1"),
  );
  assert.equal(
    (guc(plan, "A", "oga1", "replconninfo4")[0]!.planned as { value: string }).value,
    dr("127.0.1.1", "127.0.2.2"),
  );
  s.replconninfo = {
    1: `${local("127.0.1.1", "127.0.1.2")} iscascade=true iscrossregion=false`,
    2: dr("127.0.1.1", "127.0.2.1"),
    3: dr("127.0.1.1", "127.0.2.2"),
  };
  plan = planCreate(input);
  assert.deepEqual(
    plan.gucs.filter((g) => g.node === "oga1" && g.name.startsWith("replconninfo")),
    [],
  );
});

test("create: problems gs_sdr would hit are reported, not thrown", () => {
  const one = parseClusterXml(makeXml("one", "ogs", "127.0.3", 1));
  const p1 = planCreate({
    topologies: { A, S: one },
    primary: "A",
    snapshots: [
      ...baseInput().snapshots.slice(0, 2),
      { cluster: "S", node: "ogs1", replconninfo: { 1: null } },
    ],
  });
  assert.ok(
    p1.problems.some(
      (p) => p.cluster === "S" && p.node === "ogs1" && /no existing local replconninfo entry/.test(p.message),
    ),
    JSON.stringify(p1.problems),
  );

  const full = baseInput();
  full.snapshots[1]!.replconninfo = Object.fromEntries(
    Array.from({ length: 8 }, (_, i) => [i + 1, local("127.0.1.2", `127.0.1.${i + 10}`)]),
  );
  full.snapshots[2]!.gucs!.enable_dcf = "on";
  full.snapshots[3]!.dnRole = "Cascade Standby";
  full.snapshots[0]!.replconninfo![1] = local("127.0.1.1", "127.0.1.2").replace(
    "localport=26001",
    "localport=601",
  );
  full.facts = { B: { ipType: null } };
  const problems = planCreate(full).problems.map((p) => `${p.cluster}/${p.node ?? "-"}: ${p.message}`);
  assert.ok(
    problems.some((p) => p.startsWith("A/oga1: replconninfo1 does not match gs_sdr's pattern")),
    problems.join("\n"),
  );
  assert.ok(
    problems.some((p) => p.startsWith("A/oga2: all 8 replconninfo slots hold local entries")),
    problems.join("\n"),
  );
  assert.ok(
    problems.some((p) => p.startsWith("B/ogb1: enable_dcf is on")),
    problems.join("\n"),
  );
  assert.ok(
    problems.some((p) => p.startsWith("B/ogb2: the DN is a Cascade Standby")),
    problems.join("\n"),
  );
  assert.ok(
    problems.some((p) => p.startsWith("B/-: IP_TYPE is not exported")),
    problems.join("\n"),
  );
  assert.ok(renderDrPlan(planCreate(full)).some((l) => l.startsWith("problem: B/ogb1: enable_dcf is on")));
});

test("the plan is deterministic: input order does not matter", () => {
  const input = baseInput();
  const shuffled: PlanInput = { ...input, topologies: { B, A }, snapshots: [...input.snapshots].reverse() };
  assert.deepEqual(planCreate(shuffled), planCreate(input));
  assert.deepEqual(renderDrPlan(planCreate(shuffled)), renderDrPlan(planCreate(input)));
  const order = planCreate(input).gucs.map((g) => `${g.cluster}/${g.node}/${g.name}`);
  assert.deepEqual(order.slice(0, 4), [
    "A/oga1/replconninfo1",
    "A/oga1/replconninfo2",
    "A/oga1/replconninfo3",
    "A/oga1/stream_cluster_run_mode",
  ]);
  assert.equal(order.indexOf("B/ogb1/replconninfo1") > order.indexOf("A/*//omm/CMServer/backup_open"), true);
});

function established(): PlanInput {
  const input = baseInput();
  for (const s of input.snapshots) {
    const t: ClusterTopology = s.cluster === "A" ? A : B;
    const other = s.cluster === "A" ? B : A;
    const me = t.dataNodes.find((d) => d.name === s.node)!;
    const peer = t.dataNodes.find((d) => d.name !== s.node)!;
    s.replconninfo = {
      1: `${local(me.backIp, peer.backIp)} iscascade=true iscrossregion=false`,
      2: dr(me.backIp, other.dataNodes[0]!.backIp),
      3: dr(me.backIp, other.dataNodes[1]!.backIp),
      4: null,
    };
    s.gucs = {
      synchronous_commit: "on",
      most_available_sync: "on",
      stream_cluster_run_mode: s.cluster === "A" ? "cluster_primary" : "cluster_standby",
    };
    s.cmAgentBackupOpen = s.cluster === "A" ? "0" : "2";
    s.cmServerBackupOpen = s.cluster === "A" ? "0" : "2";
    const after = planCreate(baseInput()); // to get the lines; apply them textually
    void after;
    s.pgHba = `${s.pgHba}${(s.cluster === "A" ? ["127.0.2.1", "127.0.2.2"] : ["127.0.1.1", "127.0.1.2"])
      .flatMap((ip) => [
        `host    all    omm    ${ip}/32    trust`,
        `host    replication    omm    ${ip}/32    trust`,
        `host    all    all    ${ip}/32    sha256`,
      ])
      .join("\n")}\nhost    replication    all    127.0.0.0/16    sha256\n`;
    s.dnRole =
      s.cluster === "A"
        ? me.isMaster
          ? "Primary"
          : "Standby"
        : me.isMaster
          ? "Main Standby"
          : "Cascade Standby";
  }
  input.facts = {
    A: { streamingGucBackup: "synchronous_commit,remote_receive,2f4e6a808d2c11ef9a3e0242ac110002\n" },
    B: { streamingGucBackup: "" },
  };
  return input;
}

test("delete: failover on B and stop on A revert replconninfo, hba and GUCs, and say what is left", () => {
  const plan = planDelete(established());
  assert.deepEqual(plan.problems, []);
  assert.deepEqual(
    plan.steps.map((s) => `${s.cluster}: ${s.command}`),
    ["B: gs_sdr -t failover", "A: gs_sdr -t stop"],
  );
  const lines = renderDrPlan(plan);
  const has = (l: string) => assert.ok(lines.includes(l), `missing: ${l}\n${lines.join("\n")}`);
  has(
    `A/oga1 replconninfo1: '${local("127.0.1.1", "127.0.1.2")} iscascade=true iscrossregion=false' → '${local("127.0.1.1", "127.0.1.2")}'`,
  );
  has(`A/oga1 replconninfo2: '${dr("127.0.1.1", "127.0.2.1")}' → (unset)`);
  has(`B/ogb2 replconninfo3: '${dr("127.0.2.2", "127.0.1.2")}' → (unset) (on restart)`);
  has("A/oga1 synchronous_commit: on → off");
  assert.equal(
    plan.gucs.filter((g) => g.cluster === "B" && g.name === "synchronous_commit").length,
    0,
    "B recorded no change",
  );
  has("B/ogb1 stream_cluster_run_mode: 'cluster_standby' → 'cluster_primary' (on restart)");
  has("B/ogb1 cm_agent agent_backup_open: 2 → 0");
  assert.equal(plan.gucs.filter((g) => g.cluster === "A" && g.name === "stream_cluster_run_mode").length, 0);
  has("A/oga1 pg_hba # host    all    all    127.0.2.1/32    sha256");
  has("A/oga1 pg_hba # host    all    omm    127.0.2.2/32    trust");
  has("A/oga1 pg_hba # host    replication    all    127.0.0.0/16    sha256");
  has("B/ogb1 pg_hba # host    all    all    127.0.1.1/32    sha256");
  assert.ok(
    !plan.hba.some((h) => h.line.startsWith("host    replication    omm    127.0.2.1")),
    "the replication trust line stays",
  );
  assert.ok(
    lines.some((l) =>
      l.startsWith(
        "note: A: left behind in pg_hba.conf (OM master never removes it): host    replication    omm    127.0.2.1/32    trust",
      ),
    ),
    lines.join("\n"),
  );
  assert.ok(lines.some((l) => l.startsWith("note: A: left behind: most_available_sync=on")));
});

test("delete: failover on a cluster that is not a DR cluster is a problem", () => {
  const input = established();
  for (const s of input.snapshots) s.cmAgentBackupOpen = "0";
  assert.ok(
    planDelete(input).problems.some((p) => p.cluster === "B" && p.message.includes("failover refuses")),
  );
});

test("switchover: which GUCs flip on each side", () => {
  const plan = planSwitchover(established(), "B");
  assert.equal(plan.primary, "B");
  assert.deepEqual(plan.problems, []);
  assert.deepEqual(
    plan.steps.map((s) => `${s.cluster}: ${s.command}`),
    ["A: gs_sdr -t switchover -m disaster_standby", "B: gs_sdr -t switchover -m primary"],
  );
  const lines = renderDrPlan(plan);
  const has = (l: string) => assert.ok(lines.includes(l), `missing: ${l}\n${lines.join("\n")}`);
  has("A/oga1 stream_cluster_run_mode: 'cluster_primary' → 'cluster_standby' (on restart)");
  has("B/ogb2 stream_cluster_run_mode: 'cluster_standby' → 'cluster_primary' (on restart)");
  has("A/oga2 cm_server backup_open: 0 → 2");
  has("B/ogb1 cm_agent agent_backup_open: 2 → 0");
  has("A dcc /omm/CMServer/backup_open: (unknown) → 2");
  has("B dcc /omm/CMServer/status_key/dn_term/0: (unknown) → max DN term + 100");
  assert.equal(plan.gucs.filter((g) => g.name.startsWith("replconninfo")).length, 0);
  assert.deepEqual(plan.hba, []);
  assert.throws(() => planSwitchover(established(), "A"));
});

test("plans carry no secrets", () => {
  const text = JSON.stringify([
    planCreate(baseInput()),
    planDelete(established()),
    planSwitchover(established(), "B"),
  ]);
  assert.ok(!/PRIVATE KEY|password/i.test(text));
});

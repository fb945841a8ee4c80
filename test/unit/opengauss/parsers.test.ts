import assert from "node:assert/strict";
import { test } from "node:test";
import { parseGucBackup, restoredSynchronousCommit } from "../../../provider/engines/opengauss/parsers/cabin";
import { parseOmStatus } from "../../../provider/engines/opengauss/parsers/omStatus";
import { confGucValue } from "../../../provider/engines/opengauss/parsers/postgresqlConf";
import { parseQueryOutput } from "../../../provider/engines/opengauss/parsers/query";
import {
  formatReplConnInfo,
  gsSdrReplInfoRegex,
  parseReplConnInfo,
} from "../../../provider/engines/opengauss/parsers/replconninfo";
import {
  classifySdrLine,
  SdrLineSplitter,
  summarizeSdrOutput,
} from "../../../provider/engines/opengauss/parsers/sdrOutput";
import { ParseError } from "../../../provider/errors";
import { fixture } from "./fixtures";

test("query: the primary's result with RPO/RTO numbers", () => {
  const r = parseQueryOutput(fixture("query-primary.txt"));
  assert.equal(r.hadrClusterStat, "archive");
  assert.equal(r.rpoSeconds, 3);
  assert.equal(r.rtoSeconds, 12);
  assert.equal(r.hadrFailoverStat, null);
  assert.equal(r.raw["hadr_switchover_stat"], "");
});

test("query: the documented spelling and '' RPO/RTO become null", () => {
  const r = parseQueryOutput(fixture("query-dr.txt"));
  assert.equal(r.hadrClusterStat, "recovery");
  assert.equal(r.rpoSeconds, null);
  assert.equal(r.rtoSeconds, null);
  assert.equal(parseQueryOutput(fixture("query-promote.txt")).hadrFailoverStat, "30%");
});

test("query: missing sentinel, unknown state and non-numeric RPO are ParseErrors", () => {
  assert.throws(() => parseQueryOutput("Start streaming disaster query.\n"), ParseError);
  assert.throws(
    () => parseQueryOutput(fixture("query-primary.txt").replace("'archive'", "'weird'")),
    ParseError,
  );
  assert.throws(
    () => parseQueryOutput(fixture("query-primary.txt").replace("'RPO': '3'", "'RPO': 'x'")),
    ParseError,
  );
});

test("gs_sdr output: header, trace id, step and success of a primary start", () => {
  const s = summarizeSdrOutput(fixture("start-primary.txt"));
  assert.equal(s.task, "start");
  assert.equal(s.traceId, "2f4e6a808d2c11ef9a3e0242ac110002");
  assert.equal(s.succeeded, true);
  assert.equal(s.step, -1);
  assert.deepEqual(s.errors, []);
  assert.equal(s.lastMilestone, "step file removed");
  assert.ok(s.lines.some((l) => l.kind === "milestone" && l.label === "start: waiting for the main standby"));
});

test("gs_sdr output: a failed standby start resumed at step 5 with a GAUSS error", () => {
  const s = summarizeSdrOutput(fixture("start-standby-failed.txt"));
  assert.equal(s.succeeded, false);
  assert.equal(s.step, 5);
  assert.deepEqual(s.errors, [
    {
      code: "GAUSS-51632",
      message: "Failed to do build dns.Error:[GAUSS-51632] : Failed to do full build from remote cluster.",
    },
  ]);
});

test("gs_sdr output: switchover progress percentages and a barrier timeout", () => {
  const s = summarizeSdrOutput(fixture("switchover-demote.txt"));
  assert.deepEqual(
    s.lines.filter((l) => l.kind === "progress").map((l) => (l.kind === "progress" ? l.percent : -1)),
    [10, 30, 50],
  );
  assert.equal(s.succeeded, true);
  const t = summarizeSdrOutput(fixture("switchover-promote-timeout.txt"));
  assert.equal(t.succeeded, false);
  assert.equal(t.errors[0]!.code, "GAUSS-51632");
  assert.match(t.errors[0]!.message, /check timeout: 1200s$/);
  assert.deepEqual(classifySdrLine("Got step:[-1] for action:[start]."), {
    kind: "step",
    text: "Got step:[-1] for action:[start].",
    task: "start",
    step: -1,
  });
  assert.equal(classifySdrLine("Successfully do streaming disaster recovery stop.").kind, "success");
  assert.equal(classifySdrLine("Exception: [GAUSS-51632] : Failed to do x.").kind, "error");
});

test("gs_sdr output: the splitter classifies lines across chunk boundaries", () => {
  const sp = new SdrLineSplitter();
  const text = fixture("start-standby-failed.txt");
  const out = [];
  for (let i = 0; i < text.length; i += 7) out.push(...sp.push(text.slice(i, i + 7)));
  out.push(...sp.flush());
  assert.deepEqual(out, summarizeSdrOutput(text).lines);
  assert.equal(out.filter((l) => l.kind === "header").length, 1);
});

test("gs_om status --all of a primary cluster", () => {
  const s = parseOmStatus(fixture("om-status-primary.txt"));
  assert.equal(s.clusterState, "Normal");
  assert.equal(s.status, "Normal");
  assert.deepEqual(s.nodes, [
    { node: 1, nodeName: "oga1" },
    { node: 2, nodeName: "oga2" },
  ]);
  assert.deepEqual(s.primaryDnIds, ["6001"]);
  assert.deepEqual(s.mainStandbyIds, []);
  assert.deepEqual(s.normalDnIds, ["6001", "6002"]);
  assert.deepEqual(s.datanodes[1], {
    node: 2,
    nodeName: "oga2",
    instanceId: "6002",
    nodeIp: "127.0.1.2",
    dataPath: "/opt/opengauss/data/dn",
    type: "Datanode",
    instanceState: "Standby",
    staticConnections: 1,
    haState: "Normal",
    reason: "Normal",
    syncState: "Sync",
  });
  assert.equal(s.others.length, 2);
});

test("gs_om status --all of a DR cluster with Main and Cascade Standby", () => {
  const s = parseOmStatus(fixture("om-status-dr.txt"));
  assert.equal(s.status, "Degraded");
  assert.deepEqual(s.primaryDnIds, []);
  assert.deepEqual(s.mainStandbyIds, ["6001"]);
  assert.deepEqual(s.cascadeIds, ["6002"]);
  assert.deepEqual(s.normalDnIds, ["6001"], "a building cascade standby is not normal");
  assert.equal(s.datanodes[1]!.buildPercent, 45);
  assert.equal(parseOmStatus(fixture("om-status-unavailable.txt")).status, "Abnormal");
  assert.throws(() => parseOmStatus("nothing here"), ParseError);
});

test("postgresql.conf lines: the value gs_guc check reports (last active line; unset, empty, set, bare)", () => {
  const conf = [
    "#replconninfo1 = 'localhost=127.0.0.9'\t# commented out: not active",
    "replconninfo1 = 'localhost=127.0.1.1 localport=26001 localheartbeatport=26005 localservice=26004 remotehost=127.0.1.2 remoteport=26001 remoteheartbeatport=26005 remoteservice=26004'\t\t# old",
    "  replconninfo2 = ''",
    "replconninfo4 = 'a'",
    "replconninfo4 = 'it''s # not a comment'   # a comment",
    "wal_keep_segments = 128 # bare",
    "REPLCONNINFO5='x'",
  ].join("\n");
  assert.deepEqual(confGucValue(conf, "replconninfo1"), {
    state: "set",
    value:
      "localhost=127.0.1.1 localport=26001 localheartbeatport=26005 localservice=26004 remotehost=127.0.1.2 remoteport=26001 remoteheartbeatport=26005 remoteservice=26004",
  });
  assert.deepEqual(confGucValue(conf, "replconninfo2"), { state: "empty" });
  assert.deepEqual(confGucValue(conf, "replconninfo3"), { state: "unset" });
  assert.deepEqual(confGucValue(conf, "replconninfo4"), { state: "set", value: "it''s # not a comment" });
  assert.deepEqual(confGucValue(conf, "wal_keep_segments"), { state: "set", value: "128" });
  assert.deepEqual(confGucValue(conf, "replconninfo5"), { state: "set", value: "x" });
  assert.deepEqual(confGucValue("", "replconninfo1"), { state: "unset" });
});

test("replconninfo: gs_sdr's regex, parse and format", () => {
  assert.match(fixture("guc-check-set.txt"), gsSdrReplInfoRegex(1));
  assert.doesNotMatch(fixture("guc-check-set.txt"), gsSdrReplInfoRegex(2));
  const v =
    "localhost=127.0.1.1 localport=26001 localheartbeatport=26005 localservice=26004 remotehost=127.0.2.1 remoteport=26001 remoteheartbeatport=26005 remoteservice=26004 iscascade=false iscrossregion=true";
  const info = parseReplConnInfo(v);
  assert.deepEqual(info, {
    localhost: "127.0.1.1",
    localport: 26001,
    localheartbeatport: 26005,
    localservice: 26004,
    remotehost: "127.0.2.1",
    remoteport: 26001,
    remoteheartbeatport: 26005,
    remoteservice: 26004,
    iscascade: false,
    iscrossregion: true,
  });
  assert.equal(formatReplConnInfo(info!), v);
  assert.equal(
    parseReplConnInfo(v.replace("localport=26001", "localport=601")),
    null,
    "3-digit ports do not match",
  );
  assert.equal(parseReplConnInfo(v.replace("localhost=127.0.1.1 ", "")), null);
});

test("cabin: .streaming_guc_backup and the restore rule", () => {
  const e = parseGucBackup("synchronous_commit,remote_receive,2f4e6a808d2c11ef9a3e0242ac110002\ngarbage\n");
  assert.deepEqual(e, [
    { name: "synchronous_commit", oldValue: "remote_receive", traceId: "2f4e6a808d2c11ef9a3e0242ac110002" },
  ]);
  assert.equal(restoredSynchronousCommit("remote_receive"), "off");
  assert.equal(restoredSynchronousCommit("on"), "on");
});

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  clusterProblems,
  parseClusterShow,
  parseClusterShowCsv,
  parseServiceStatus,
  parseServiceStatusCsv,
  splitStatus,
} from "../../../provider/engines/kingbase/repmgrOutput";
import { ParseError } from "../../../provider/errors";
import { fixture } from "./fixtures";

test("cluster show: rows, decorations, columns by header name", () => {
  const show = parseClusterShow(fixture("v8r6/cluster-show.txt"));
  assert.deepEqual(
    show.rows.map((r) => [r.id, r.name, r.role, r.flag, r.status, r.upstream]),
    [
      [1, "node243", "primary", "*", "running", ""],
      [2, "node248", "standby", null, "running", "node243"],
    ],
  );
  assert.equal(show.rows[0]!.columns["Timeline"], "3");
  assert.match(show.rows[1]!.columns["Connection string"]!, /^host=127\.0\.4\.2 user=esrep/);
  assert.deepEqual(show.issues, []);
  assert.deepEqual(clusterProblems(show), []);
});

test("cluster show with the extra LSN_Lag column", () => {
  const show = parseClusterShow(fixture("v8r6/cluster-show-lsn-lag.txt"));
  assert.equal(show.rows[1]!.columns["LSN_Lag"], "0 bytes");
  assert.match(show.rows[1]!.columns["Connection string"]!, /tcp_user_timeout=9000$/);
  assert.equal(show.rows[1]!.upstream, "node1");
});

test("split brain: ! and ? rows, unreachable upstream, WARNING block", () => {
  const show = parseClusterShow(fixture("v8r6/cluster-show-split-brain.txt"));
  assert.deepEqual(
    show.rows.map((r) => [r.flag, r.status, r.upstream, r.upstreamUnreachable]),
    [
      ["*", "running", "", false],
      ["!", "running as primary", "node1", true],
      ["?", "unreachable", "node1", true],
    ],
  );
  assert.deepEqual(show.issues, [
    'node "node2" (ID: 2) is registered as standby but running as primary',
    'unable to connect to node "node3" (ID: 3)',
  ]);
  const problems = clusterProblems(show);
  assert.equal(problems[0], "several primaries: node1, node2");
  assert.ok(problems.includes("node node2 (ID 2): running as primary"));
  assert.ok(problems.includes("node node3 (ID 3) is not reachable (unreachable)"));
});

test("status decoration split", () => {
  assert.deepEqual(splitStatus("- failed"), { flag: "-", status: "failed" });
  assert.deepEqual(splitStatus("  running"), { flag: null, status: "running" });
});

test("no table is a ParseError", () => {
  assert.throws(() => parseClusterShow("ERROR: connection to database failed\n"), ParseError);
  assert.throws(() => parseServiceStatus(" ID | Name | Role\n"), ParseError);
});

test("service status table: repmgrd running, PID, paused", () => {
  const rows = parseServiceStatus(fixture("v8r6/service-status.txt"));
  assert.deepEqual(
    rows.map((r) => [r.id, r.name, r.flag, r.repmgrdRunning, r.pid, r.paused]),
    [
      [1, "node1", "*", true, 96563, false],
      [2, "node2", null, false, null, null],
      [3, "node3", null, true, 96584, true],
    ],
  );
  const show = parseClusterShow(fixture("v8r6/cluster-show.txt"));
  assert.deepEqual(clusterProblems(show, rows), [
    "repmgrd is not running on node2",
    "repmgrd is paused on node3",
  ]);
});

test("csv forms", () => {
  assert.deepEqual(parseClusterShowCsv(fixture("v8r6/cluster-show.csv")), [
    { id: 1, available: true, inRecovery: false },
    { id: 2, available: true, inRecovery: true },
    { id: 3, available: false, inRecovery: null },
  ]);
  const rows = parseServiceStatusCsv(fixture("v8r6/service-status.csv"));
  assert.deepEqual(
    rows.map((r) => [r.id, r.name, r.role, r.status, r.repmgrdRunning, r.pid, r.paused]),
    [
      [1, "node1", "primary", "running", true, 5722, true],
      [2, "node2", "standby", "running", false, null, true],
      [3, "node3", "standby", "running", true, 5779, true],
    ],
  );
  assert.equal(rows[0]!.columns["location"], "default");
  assert.throws(() => parseClusterShowCsv("1,5,0\n"), ParseError);
});

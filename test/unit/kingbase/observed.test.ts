/**
 * The observed-cluster parsers and the health decision, pinned by outputs recorded on the lab (real repmgr 5.3
 * `cluster show`, the kbha lines in hamgr.log, the V8R3 pool view and network_rewind.sh's recovery.log).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  clusterHealth,
  lastV8r3Recovery,
  lastV8r6Recovery,
  latestEvent,
  parsePoolNodes,
  parseRepmgrClusterShow,
  primaryOf,
} from "../../../provider/engines/kingbase/observed";
import { fixture } from "./fixtures";

const R6 = ["127.12.4.1", "127.12.4.2", "127.12.4.3"];

test("repmgr cluster show (healthy): roles, states without markers, upstream names, hosts from the conninfo", () => {
  const v = parseRepmgrClusterShow(fixture("v8r6/cluster-show-healthy.txt"));
  assert.deepEqual(v, [
    { host: "127.12.4.1", name: "kb6n1", role: "primary", state: "running", upstream: null },
    { host: "127.12.4.2", name: "kb6n2", role: "standby", state: "running", upstream: "kb6n1" },
    { host: "127.12.4.3", name: "kb6n3", role: "standby", state: "running", upstream: "kb6n1" },
  ]);
  assert.equal(primaryOf(v), "127.12.4.1");
  assert.deepEqual(clusterHealth(v, R6, []), {
    state: "healthy",
    summary: "healthy: 127.12.4.1 primary, 2 standby(s) running",
  });
});

test("repmgr cluster show after a failover: the old primary `- failed` with upstream `?`, the new primary running", () => {
  const v = parseRepmgrClusterShow(fixture("v8r6/cluster-show-failed.txt"));
  assert.deepEqual(v[0], {
    host: "127.12.4.1",
    name: "kb6n1",
    role: "primary",
    state: "failed",
    upstream: null,
  });
  assert.equal(v[2]?.upstream, "kb6n2");
  assert.equal(primaryOf(v), "127.12.4.2");
  assert.deepEqual(clusterHealth(v, R6, []), {
    state: "degraded",
    summary: "degraded: node 127.12.4.1 down (failed)",
  });
});

test("columns are found by header name (a build with LSN_Lag before the connection string)", () => {
  const v = parseRepmgrClusterShow(fixture("v8r6/cluster-show-lsn-lag.txt"));
  assert.deepEqual(
    v.map((n) => [n.host, n.role, n.state, n.upstream]),
    [
      ["127.0.4.1", "primary", "running", null],
      ["127.0.4.2", "standby", "running", "node1"],
    ],
  );
});

test("split brain: a standby `! running as primary` counts as a second primary, `? unreachable` is down", () => {
  const v = parseRepmgrClusterShow(fixture("v8r6/cluster-show-split-brain.txt"));
  assert.equal(v.length, 3, "the WARNING block after the table is not a row");
  assert.deepEqual(v[2], {
    host: "127.0.4.3",
    name: "node3",
    role: "standby",
    state: "unreachable",
    upstream: "node1",
  });
  assert.equal(primaryOf(v), null);
  assert.deepEqual(clusterHealth(v, ["127.0.4.1", "127.0.4.2", "127.0.4.3"], []), {
    state: "degraded",
    summary: "degraded: 2 primaries (127.0.4.1, 127.0.4.2); node 127.0.4.3 down (unreachable)",
  });
});

test("health: recovering wins; no view is unknown; a policy node missing from the view is degraded", () => {
  const v = parseRepmgrClusterShow(fixture("v8r6/cluster-show-healthy.txt"));
  assert.equal(clusterHealth(v, R6, ["127.12.4.1"]).state, "recovering");
  assert.equal(clusterHealth(v, R6, ["127.12.4.1"]).summary, "recovering: 127.12.4.1");
  assert.equal(clusterHealth(null, R6, []).state, "unknown");
  assert.match(
    clusterHealth(v, [...R6, "127.12.4.9"], []).summary,
    /node 127\.12\.4\.9 not in the cluster view/,
  );
});

test("hamgr.log, recovery=standby: the returning old primary is refused (spec §2.9 line)", () => {
  const e = lastV8r6Recovery(fixture("v8r6/hamgr-refused.log"), "127.12.4.1");
  assert.ok(e);
  assert.equal(e.outcome, "refused");
  assert.equal(e.node, "127.12.4.1");
  assert.match(e.at ?? "", /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  assert.match(e.reason, /can not do auto-recovery because not confirmed a standby node/);
});

test("hamgr.log, recovery=automatic: rewound and rejoined is the last event", () => {
  const log = fixture("v8r6/hamgr-rejoined.log");
  const e = lastV8r6Recovery(log, "127.12.4.1");
  assert.equal(e?.outcome, "rejoined");
  assert.match(e?.reason ?? "", /NODE REJOIN successful/);
  // cut before the end: the recovery is still running
  const begun = log.slice(0, log.indexOf("NODE REJOIN successful"));
  assert.equal(lastV8r6Recovery(begun, "127.12.4.1")?.outcome, "running");
  assert.equal(
    lastV8r6Recovery("[2026-12-06 20:51:14] [NOTICE] repmgrd (repmgrd 5.3.3) starting up\n", "h"),
    null,
  );
});

test("V8R3 pool view: show pool_nodes rows (node_id 0-based → node1), status and role", () => {
  const v = parsePoolNodes(fixture("v8r3/pool_nodes"));
  assert.deepEqual(
    v.map((n) => [n.host, n.name, n.role, n.state]),
    [
      ["127.12.3.1", "node1", "primary", "up"],
      ["127.12.3.2", "node2", "standby", "up"],
    ],
  );
  assert.equal(primaryOf(v), "127.12.3.1");
  assert.equal(clusterHealth(v, ["127.12.3.1", "127.12.3.2"], []).state, "healthy");
  const down = v.map((n) => (n.name === "node2" ? { ...n, state: "down" } : n));
  assert.equal(
    clusterHealth(down, ["127.12.3.1", "127.12.3.2"], []).summary,
    "degraded: node 127.12.3.2 down (down)",
  );
});

test("V8R3 recovery.log: per network_rewind.sh run; refused, rejoined, nothing-to-do runs are not events", () => {
  const log = fixture("v8r3/recovery.log");
  const e = lastV8r3Recovery(log, "127.12.3.2");
  assert.equal(e?.outcome, "rejoined");
  assert.equal(e?.at, "2026-12-06 21:09:09");
  assert.equal(e?.reason, "recovery success,exit script with success");
  const refusedOnly = log.slice(0, log.lastIndexOf("---"));
  const r = lastV8r3Recovery(refusedOnly, "127.12.3.2");
  assert.equal(r?.outcome, "refused");
  assert.match(r?.reason ?? "", /maybe it's primary, can not do recovery\./);
  assert.equal(r?.at, "2026-12-06 21:09:08");
  assert.equal(lastV8r3Recovery(log.slice(0, log.indexOf("---", 10)), "127.12.3.2"), null);
  // a run cut after "I will be in recovery." is still running
  const cut = log.slice(0, log.indexOf("sys_rewind..."));
  assert.equal(lastV8r3Recovery(cut, "127.12.3.2")?.outcome, "running");
});

test("latestEvent: the latest stamp wins across nodes", () => {
  const a = { at: "2026-12-06 21:00:00", node: "a", outcome: "refused" as const, reason: "" };
  const b = { at: "2026-12-06 21:05:00", node: "b", outcome: "rejoined" as const, reason: "" };
  assert.equal(latestEvent([a, null, b])?.node, "b");
  assert.equal(latestEvent([null, null]), null);
});

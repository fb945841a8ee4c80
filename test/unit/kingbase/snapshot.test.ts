import assert from "node:assert/strict";
import { test } from "node:test";
import { clusterState, effectiveState, parseRecoveryFlag } from "../../../provider/engines/kingbase/snapshot";
import { v8r3Args, v8r3Snap, v8r6Args, v8r6Snap } from "./helpers";

const LINE = "*/1 * * * * kingbase  /home/kingbase/cluster/HAR3/db/bin/network_rewind.sh";

test("V8R3 vendor install reads as standby, no pending restart", () => {
  const s = effectiveState(v8r3Snap("127.0.3.1"), v8r3Args("standby"), "standby");
  assert.equal(s.mode, "standby");
  assert.equal(s.pendingRestart, false);
  assert.deepEqual(s.drift, []);
  assert.equal(s.v8r3!.aprDb!.value, "0");
  assert.equal(s.v8r3!.cron.state, "active");
  assert.equal(s.v8r3!.gatewayIps, "127.0.0.1");
});

test("V8R3 drift: kingbase_monitor.sh restart re-enabled the cron line under a manual policy", () => {
  const s = effectiveState(v8r3Snap("127.0.3.1"), v8r3Args("manual"), "manual");
  assert.equal(s.mode, "standby");
  assert.match(s.drift[0]!, /cron line is active although the policy is manual/);
  const ok = effectiveState(v8r3Snap("127.0.3.1", { cronFile: `#${LINE}\n` }), v8r3Args("manual"), "manual");
  assert.equal(ok.mode, "manual");
  assert.deepEqual(ok.drift, []);
});

test("V8R3 recovery flag: set with a live or unknown PID is in progress, dead PID is not", () => {
  assert.deepEqual(parseRecoveryFlag("1\n12345\n"), { set: true, pid: 12345 });
  assert.deepEqual(parseRecoveryFlag(null), { set: false, pid: null });
  const args = v8r3Args("standby");
  const flag = { recoveryFlag: "1\n12345\n" };
  assert.equal(
    effectiveState(v8r3Snap("h", { ...flag, recoveryFlagPidAlive: true }), args).recoveryInProgress,
    true,
  );
  assert.equal(
    effectiveState(v8r3Snap("h", { ...flag, recoveryFlagPidAlive: null }), args).recoveryInProgress,
    true,
  );
  assert.equal(
    effectiveState(v8r3Snap("h", { ...flag, recoveryFlagPidAlive: false }), args).recoveryInProgress,
    false,
  );
  assert.equal(effectiveState(v8r3Snap("h"), args).recoveryInProgress, false);
});

test("V8R6 pending restart: daemon started before the file's mtime", () => {
  const args = v8r6Args("standby");
  assert.equal(effectiveState(v8r6Snap("127.0.4.1"), args).pendingRestart, false);
  const stale = v8r6Snap("127.0.4.1", { repmgrd: { pid: 1, startTimeMs: 1_699_999_999_000 } });
  const s = effectiveState(stale, args, "standby");
  assert.equal(s.pendingRestart, true);
  assert.match(s.drift.join("\n"), /still run with the repmgr.conf they loaded before it changed/);
  const kbhaStale = v8r6Snap("127.0.4.1", { kbha: { pid: 2, startTimeMs: 1_699_000_000_000 } });
  assert.equal(effectiveState(kbhaStale, args).pendingRestart, true);
});

test("V8R6 pending restart: a known loaded value beats timestamps; unknown facts give null", () => {
  const args = v8r6Args("standby");
  const loadedOld = v8r6Snap("h", {
    repmgrd: { pid: 1, startTimeMs: 1_800_000_000_000, loadedRecovery: "automatic" },
  });
  assert.equal(effectiveState(loadedOld, args).pendingRestart, true);
  const loadedSame = v8r6Snap("h", { repmgrd: { pid: 1, startTimeMs: 1, loadedRecovery: "standby" } });
  assert.equal(effectiveState(loadedSame, args).pendingRestart, false);
  const unknown = v8r6Snap("h", { repmgrConfMtimeMs: null });
  assert.equal(effectiveState(unknown, args).pendingRestart, null);
  const notRunning = v8r6Snap("h", { repmgrd: { pid: null, startTimeMs: null } });
  const st = effectiveState(notRunning, args);
  assert.equal(st.pendingRestart, false);
  assert.match(st.warnings.join("\n"), /repmgrd is not running/);
});

test("V8R6 effective values and drift against the declared mode", () => {
  const s = effectiveState(v8r6Snap("h"), v8r6Args("automatic"), "automatic");
  assert.equal(s.mode, "standby");
  assert.deepEqual(s.v8r6, {
    recovery: "standby",
    failover: "automatic",
    synchronous: "quorum",
    trustedServers: "127.0.0.1",
  });
  assert.deepEqual(s.drift, ["repmgr.conf amounts to standby, policy is automatic"]);
  const missing = effectiveState(v8r6Snap("h", { repmgrConf: null }), v8r6Args("standby"));
  assert.equal(missing.mode, "custom");
});

test("cluster: nodes disagreeing is drift", () => {
  const args = v8r6Args("standby");
  const a = v8r6Snap("127.0.4.1");
  const b = v8r6Snap("127.0.4.2", { repmgrConf: "recovery='automatic'\n" });
  const c = clusterState([a, b], args, "standby");
  assert.equal(c.agreed, false);
  assert.deepEqual(c.drift, ["nodes disagree: 127.0.4.1=standby, 127.0.4.2=automatic"]);
  assert.equal(clusterState([a, v8r6Snap("127.0.4.2")], args).agreed, true);
});

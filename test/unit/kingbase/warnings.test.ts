import assert from "node:assert/strict";
import { test } from "node:test";
import { clusterState } from "../../../provider/engines/kingbase/snapshot";
import { inputWarnings, policyWarnings, renderWarnings } from "../../../provider/engines/kingbase/warnings";
import { fixture } from "./fixtures";
import { v8r3Args, v8r3Snap, v8r6Args, v8r6Snap } from "./helpers";

const codes = (ws: { code: string }[]) => ws.map((w) => w.code);

test("input warnings per engine and mode", () => {
  assert.deepEqual(codes(inputWarnings(v8r3Args("manual"))), [
    "V8R3_MANUAL_DISABLES_FENCING",
    "V8R3_MONITOR_RESTART_REENABLES_CRON",
  ]);
  assert.deepEqual(codes(inputWarnings(v8r3Args("standby"))), []);
  assert.deepEqual(codes(inputWarnings(v8r3Args("automatic"))), ["AUTOMATIC_DISCARDS_TRANSACTIONS"]);
  assert.deepEqual(codes(inputWarnings(v8r6Args("manual", "file-only"))), ["V8R6_FILE_ONLY"]);
  assert.match(inputWarnings(v8r3Args("manual"))[0]!.text, /fencing.*split-brain guard/);
});

test("automatic without fencing and with async replication", () => {
  const ha = fixture("v8r3/HAmodule.conf")
    .replace('KB_GATEWAY_IP="127.0.0.1"', 'KB_GATEWAY_IP=""')
    .replace("\nSYNC_FLAG=1\n", "\nSYNC_FLAG=0\n");
  const args = v8r3Args("automatic");
  const c = clusterState([v8r3Snap("127.0.3.1", { haModuleDb: ha }), v8r3Snap("127.0.3.2")], args);
  const ws = policyWarnings(args, c);
  assert.deepEqual(ws.find((w) => w.code === "AUTOMATIC_WITHOUT_FENCING")!.hosts, ["127.0.3.1"]);
  assert.deepEqual(ws.find((w) => w.code === "AUTOMATIC_ASYNC_REPLICATION")!.hosts, ["127.0.3.1"]);
});

test("V8R6: failover=manual with automatic, standby on unknown builds, pending restart, disagreement", () => {
  const manualFailover = fixture("v8r6/repmgr.conf").replace(
    "failover='automatic'",
    "#failover='automatic'\nfailover='manual'",
  );
  const args = v8r6Args("automatic");
  const c = clusterState(
    [
      v8r6Snap("127.0.4.1", { repmgrConf: manualFailover, repmgrd: { pid: 1, startTimeMs: 1 } }),
      v8r6Snap("127.0.4.2", { repmgrConf: "recovery='manual'\n" }),
    ],
    args,
  );
  const ws = policyWarnings(args, c);
  assert.deepEqual(ws.find((w) => w.code === "V8R6_FAILOVER_MANUAL_WITH_AUTOMATIC")!.hosts, ["127.0.4.1"]);
  assert.deepEqual(ws.find((w) => w.code === "V8R6_PENDING_RESTART")!.hosts, ["127.0.4.1"]);
  assert.deepEqual(ws.find((w) => w.code === "NODES_DISAGREE")!.hosts, ["127.0.4.1", "127.0.4.2"]);
  assert.ok(ws.some((w) => w.code === "AUTOMATIC_WITHOUT_FENCING" && w.hosts.join() === "127.0.4.2"));
  const standby = v8r6Args("standby");
  const none = clusterState([v8r6Snap("127.0.4.1", { repmgrConf: "recovery='manual'\n" })], standby);
  assert.ok(codes(policyWarnings(standby, none)).includes("V8R6_STANDBY_UNKNOWN_ON_OLD_BUILDS"));
  const has = clusterState([v8r6Snap("127.0.4.1")], standby);
  assert.equal(codes(policyWarnings(standby, has)).includes("V8R6_STANDBY_UNKNOWN_ON_OLD_BUILDS"), false);
});

test("recovery in progress and reader remarks surface as warnings", () => {
  const args = v8r3Args("standby");
  const c = clusterState(
    [
      v8r3Snap("127.0.3.1", { recoveryFlag: "1\n99\n", recoveryFlagPidAlive: true }),
      v8r3Snap("127.0.3.2", {
        cronFile: "*/1 * * * * kingbase /home/kingbase/cluster/HAR3/db/bin/network_rewind.sh\n",
      }),
    ],
    args,
  );
  const ws = policyWarnings(args, c);
  assert.deepEqual(ws.find((w) => w.code === "RECOVERY_IN_PROGRESS")!.hosts, ["127.0.3.1"]);
  const remark = ws.find((w) => w.code === "NODE_REMARK")!;
  assert.deepEqual(remark.hosts, ["127.0.3.2"]);
  assert.match(remark.text, /non-vendor format/);
  assert.match(
    renderWarnings(ws).join("\n"),
    /^\[RECOVERY_IN_PROGRESS\] 127\.0\.3\.1: network_rewind\.sh is recovering/m,
  );
});

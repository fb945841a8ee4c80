import assert from "node:assert/strict";
import { test } from "node:test";
import { ENGINES } from "../../../provider/engines/kingbase/schema";
import { versionOf, versionOfInput } from "../../../provider/engines/kingbase/versions";
import { v8r3Args, v8r3Snap, v8r6Args, v8r6Snap } from "./helpers";

test("versionOf: one version object per engine, each naming the other", () => {
  for (const e of ENGINES) {
    const v = versionOf(e);
    assert.equal(v.engine, e);
    assert.notEqual(v.otherEngine, e);
    assert.equal(versionOf(v.otherEngine).otherEngine, e);
    assert.equal(versionOfInput(e), v);
  }
  assert.equal(versionOfInput("kingbase-v9"), undefined);
  assert.equal(versionOfInput(undefined), undefined);
});

test("version rules: root access, apply, daemon restarts, vendor main file", () => {
  const v3 = versionOf("kingbase-v8r3");
  const v6 = versionOf("kingbase-v8r6");
  assert.equal(v3.needsRootAccess, true);
  assert.equal(v6.needsRootAccess, false);
  assert.match(v3.rootAccessFailure(undefined)!, /^is required for kingbase-v8r3/);
  assert.equal(v3.rootAccessFailure("sudo"), null);
  assert.equal(v6.rootAccessFailure(undefined), null);
  assert.match(v6.rootAccessFailure("sudo")!, /only used with kingbase-v8r3/);
  assert.match(v3.applyFailure("file-only")!, /only used with kingbase-v8r6/);
  assert.equal(v3.applyFailure(undefined), null);
  assert.equal(v6.applyFailure("file-only"), null);
  assert.equal(v3.restartsDaemons(v8r3Args("manual")), false);
  assert.equal(v6.restartsDaemons(v8r6Args("manual")), true);
  assert.equal(v6.restartsDaemons(v8r6Args("manual", "file-only")), false);
  assert.equal(v3.defaultMainFile, "/home/kingbase/cluster/HAR3/db/etc/HAmodule.conf");
  assert.equal(v6.defaultMainFile, "/home/kingbase/cluster/R6HA/kingbase/etc/repmgr.conf");
});

test("a version refuses another version's args and snapshots", () => {
  const v3 = versionOf("kingbase-v8r3");
  assert.throws(() => v3.targets(v8r6Args("manual"), v8r3Snap("127.0.3.1"), "manual"), TypeError);
  assert.throws(() => v3.targets(v8r3Args("manual"), v8r6Snap("127.0.3.1"), "manual"), TypeError);
  assert.deepEqual(
    v3.targets(v8r3Args("manual"), v8r3Snap("127.0.3.1"), "manual").targets.map((t) => t.file),
    ["cron", "haModuleDb", "haModuleCluster"],
  );
  assert.deepEqual(
    versionOf("kingbase-v8r6")
      .targets(v8r6Args("manual"), v8r6Snap("127.0.4.1"), "manual")
      .targets.map((t) => t.file),
    ["repmgrConf"],
  );
});

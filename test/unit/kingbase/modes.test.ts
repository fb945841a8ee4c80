import assert from "node:assert/strict";
import { test } from "node:test";
import {
  modeFromV8r3,
  modeFromV8r6,
  v8r3KnobsForMode,
  v8r6RecoveryForMode,
} from "../../../provider/engines/kingbase/modes";
import { MODES } from "../../../provider/engines/kingbase/schema";

test("mode -> V8R3 knobs", () => {
  assert.deepEqual(v8r3KnobsForMode("manual"), { cronActive: false, autoPrimaryRecovery: 0 });
  assert.deepEqual(v8r3KnobsForMode("standby"), { cronActive: true, autoPrimaryRecovery: 0 });
  assert.deepEqual(v8r3KnobsForMode("automatic"), { cronActive: true, autoPrimaryRecovery: 1 });
});

test("V8R3 round trip: knobs of every mode read back as that mode", () => {
  for (const mode of MODES) {
    const k = v8r3KnobsForMode(mode);
    const apr = k.autoPrimaryRecovery === 1;
    assert.deepEqual(modeFromV8r3({ cronActive: k.cronActive, aprDb: apr, aprCluster: apr }), {
      mode,
      reasons: [],
    });
  }
});

test("V8R3 inconsistent states are custom with reasons", () => {
  const a = modeFromV8r3({ cronActive: false, aprDb: true, aprCluster: true });
  assert.equal(a.mode, "custom");
  assert.match(a.reasons[0]!, /commented but AUTO_PRIMARY_RECOVERY=1/);
  const b = modeFromV8r3({ cronActive: true, aprDb: false, aprCluster: true });
  assert.equal(b.mode, "custom");
  assert.match(b.reasons[0]!, /copies disagree \(db: AUTO_PRIMARY_RECOVERY=0, kingbasecluster: 1\)/);
  const c = modeFromV8r3({ cronActive: true, aprDb: null, aprCluster: false });
  assert.equal(c.mode, "custom");
  assert.match(c.reasons[0]!, /missing/);
});

test("V8R3: a missing kingbasecluster copy alone does not make the node custom", () => {
  assert.equal(modeFromV8r3({ cronActive: true, aprDb: true, aprCluster: null }).mode, "automatic");
});

test("V8R6 both ways", () => {
  for (const mode of MODES) {
    assert.equal(v8r6RecoveryForMode(mode), mode);
    assert.deepEqual(modeFromV8r6(v8r6RecoveryForMode(mode)), { mode, reasons: [] });
  }
  assert.equal(modeFromV8r6(null).mode, "custom");
  const odd = modeFromV8r6("Automatic");
  assert.equal(odd.mode, "custom");
  assert.match(odd.reasons[0]!, /recovery='Automatic'/);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  parseRepmgrConf,
  readRepmgrSetting,
  setRecovery,
} from "../../../provider/engines/kingbase/repmgrConf";
import { fixture } from "./fixtures";

test("commented duplicates are ignored; the last uncommented assignment wins", () => {
  const text = fixture("v8r6/repmgr.conf");
  const r = readRepmgrSetting(text, "recovery")!;
  assert.equal(r.value, "standby");
  assert.equal(r.lineNumber, 18);
  assert.equal(r.quote, "'");
  assert.equal(readRepmgrSetting(text, "failover")!.value, "automatic");
  assert.equal(readRepmgrSetting(text, "reconnect_attempts")!.value, "10");
  assert.equal(readRepmgrSetting(text, "conninfo")!.value.startsWith("host=127.0.4.1 user=esrep"), true);
  assert.deepEqual(parseRepmgrConf(text).errors, []);
});

test("PostgreSQL syntax: blanks, optional =, quotes, doubled quotes, comments after the value", () => {
  const { entries, errors } = parseRepmgrConf(
    "recovery = 'manual'   # off\nfailover manual\nnode_name='it''s'\nrecovery=\"automatic\"\nbad line here\nx='open\n",
  );
  assert.deepEqual(
    entries.map((e) => [e.name, e.value]),
    [
      ["recovery", "manual"],
      ["failover", "manual"],
      ["node_name", "it's"],
      ["recovery", "automatic"],
    ],
  );
  assert.deepEqual(
    errors.map((e) => e.lineNumber),
    [5, 6],
  );
});

test("setRecovery replaces the last active line in place, keeping every other byte", () => {
  const text = fixture("v8r6/repmgr.conf");
  const edit = setRecovery(text, "automatic");
  assert.deepEqual(edit.changes, [
    { lineNumber: 18, before: "recovery='standby'", after: "recovery='automatic'" },
  ]);
  const expected = text.replace("\nrecovery='standby'\n", "\nrecovery='automatic'\n");
  assert.ok(Buffer.from(edit.text).equals(Buffer.from(expected)));
  assert.ok(edit.text.includes("#recovery='automatic'\n"));
  assert.ok(edit.text.includes("# recovery = 'manual'    # tried during maintenance"));
  assert.equal(readRepmgrSetting(edit.text, "recovery")!.value, "automatic");
  const back = setRecovery(edit.text, "standby");
  assert.ok(Buffer.from(back.text).equals(Buffer.from(text)));
});

test("setRecovery keeps spacing, bare style, comment and CRLF", () => {
  assert.equal(setRecovery("recovery = standby  # x\r\n", "manual").text, "recovery = manual  # x\r\n");
  assert.equal(setRecovery("recovery   =   'standby'\r\n", "manual").text, "recovery   =   'manual'\r\n");
});

test("setRecovery appends recovery='<v>' when only commented lines exist; no change when already right", () => {
  const edit = setRecovery("#recovery='automatic'\nnode_id=1\n", "manual");
  assert.equal(edit.text, "#recovery='automatic'\nnode_id=1\nrecovery='manual'\n");
  assert.deepEqual(edit.changes, [{ lineNumber: 3, before: null, after: "recovery='manual'" }]);
  assert.equal(setRecovery("recovery='manual'\n", "manual").changes.length, 0);
});

test("last active assignment wins for read and edit; commented lines after it never count", () => {
  const text = "recovery='manual'\nrecovery = 'automatic'\n#recovery='standby'\n";
  assert.equal(readRepmgrSetting(text, "recovery")!.value, "automatic");
  const edit = setRecovery(text, "standby");
  assert.equal(edit.text, "recovery='manual'\nrecovery = 'standby'\n#recovery='standby'\n");
  assert.deepEqual(edit.changes, [
    { lineNumber: 2, before: "recovery = 'automatic'", after: "recovery = 'standby'" },
  ]);
});

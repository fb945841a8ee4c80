import assert from "node:assert/strict";
import { test } from "node:test";
import {
  isHaTruthy,
  parseHaModuleConf,
  readAutoPrimaryRecovery,
  setAutoPrimaryRecovery,
} from "../../../provider/engines/kingbase/haModuleConf";
import { fixture } from "./fixtures";

const COMMENT = '#whether to turn on automatic recovery,0->off,1->on.example:AUTO_PRIMARY_RECOVERY="1"';

test("the installer's misleading comment is never read as the setting", () => {
  const text = fixture("v8r3/HAmodule.conf");
  assert.ok(text.includes(COMMENT));
  const r = readAutoPrimaryRecovery(text);
  assert.equal(r.value, "0");
  assert.equal(r.enabled, false);
  assert.equal(r.assignment!.lineNumber, 80);
  assert.deepEqual(r.warnings, []);
});

test("a commented assignment alone means unset (off)", () => {
  const r = readAutoPrimaryRecovery(`${COMMENT}\n#AUTO_PRIMARY_RECOVERY=1\n  # AUTO_PRIMARY_RECOVERY=1\n`);
  assert.equal(r.value, null);
  assert.equal(r.enabled, false);
});

test("last assignment wins, trailing comments dropped, quotes removed, leading blanks allowed", () => {
  const r = readAutoPrimaryRecovery(
    "AUTO_PRIMARY_RECOVERY=1\n  AUTO_PRIMARY_RECOVERY=\"0\" # later\nAUTO_PRIMARY_RECOVERY='on'\n",
  );
  assert.equal(r.value, "on");
  assert.equal(r.enabled, true);
  assert.equal(readAutoPrimaryRecovery("AUTO_PRIMARY_RECOVERY=1\nAUTO_PRIMARY_RECOVERY=0\n").enabled, false);
});

test("vendor truthy set is exact", () => {
  for (const v of ["1", "on", "true", "yes"]) assert.equal(isHaTruthy(v), true, v);
  for (const v of ["0", "off", "ON", "Yes", "2", "", null]) assert.equal(isHaTruthy(v), false, String(v));
});

test("not an assignment for the script: space before =, empty value, unterminated quote", () => {
  for (const line of ["AUTO_PRIMARY_RECOVERY =1", "AUTO_PRIMARY_RECOVERY=", 'AUTO_PRIMARY_RECOVERY="1#x"']) {
    const r = readAutoPrimaryRecovery(`AUTO_PRIMARY_RECOVERY=1\n${line}\n`);
    assert.equal(r.value, "1", line);
  }
  assert.match(readAutoPrimaryRecovery("AUTO_PRIMARY_RECOVERY =1\n").warnings[0]!, /not an assignment/);
});

test("arrays and other keys parse as LoadCfg sees them", () => {
  const all = parseHaModuleConf(fixture("v8r3/HAmodule.conf"));
  const byName = new Map(all.map((a) => [a.name, a.value]));
  assert.equal(byName.get("KB_ALL_IP"), "(127.0.3.1 127.0.3.2)");
  assert.equal(byName.get("KB_LOCALHOST_IP"), "127.0.3.1");
  assert.equal(byName.get("SYNC_FLAG"), "1");
});

test("CRLF: the script reads 1\\r, which is off; reported", () => {
  const r = readAutoPrimaryRecovery("AUTO_PRIMARY_RECOVERY=1\r\n");
  assert.equal(r.value, "1\r");
  assert.equal(r.enabled, false);
  assert.match(r.warnings[0]!, /CRLF/);
  assert.equal(readAutoPrimaryRecovery("AUTO_PRIMARY_RECOVERY=1 # on\r\n").enabled, true);
});

test("set edits the last active assignment in place, every other byte kept", () => {
  const text = fixture("v8r3/HAmodule.conf");
  const edit = setAutoPrimaryRecovery(text, 1);
  assert.deepEqual(edit.changes, [
    { lineNumber: 80, before: "AUTO_PRIMARY_RECOVERY=0", after: "AUTO_PRIMARY_RECOVERY=1" },
  ]);
  const a = Buffer.from(text);
  const b = Buffer.from(edit.text);
  assert.equal(a.length, b.length);
  const diff = [...a.keys()].filter((i) => a[i] !== b[i]);
  assert.deepEqual(diff, [text.indexOf("\nAUTO_PRIMARY_RECOVERY=0") + "\nAUTO_PRIMARY_RECOVERY=".length]);
  assert.ok(edit.text.includes(COMMENT));
  assert.equal(readAutoPrimaryRecovery(edit.text).enabled, true);
  const back = setAutoPrimaryRecovery(edit.text, 0);
  assert.ok(Buffer.from(back.text).equals(a));
});

test("set keeps quote style, spacing and trailing comment; earlier assignments untouched", () => {
  const text = 'AUTO_PRIMARY_RECOVERY=1\n  AUTO_PRIMARY_RECOVERY="on"   # ops 2024\r\nX=1';
  const edit = setAutoPrimaryRecovery(text, 0);
  assert.equal(edit.text, 'AUTO_PRIMARY_RECOVERY=1\n  AUTO_PRIMARY_RECOVERY="0"   # ops 2024\r\nX=1');
  assert.deepEqual(edit.changes, [
    {
      lineNumber: 2,
      before: '  AUTO_PRIMARY_RECOVERY="on"   # ops 2024',
      after: '  AUTO_PRIMARY_RECOVERY="0"   # ops 2024',
    },
  ]);
  assert.equal(setAutoPrimaryRecovery("AUTO_PRIMARY_RECOVERY='1'\n", 0).text, "AUTO_PRIMARY_RECOVERY='0'\n");
});

test("set when absent appends; when only commented, appends and leaves the comment", () => {
  const edit = setAutoPrimaryRecovery(`${COMMENT}\nNODE_NAME="node1"`, 1);
  assert.equal(edit.text, `${COMMENT}\nNODE_NAME="node1"\nAUTO_PRIMARY_RECOVERY=1\n`);
  assert.deepEqual(edit.changes, [{ lineNumber: 3, before: null, after: "AUTO_PRIMARY_RECOVERY=1" }]);
  assert.equal(edit.addedTerminator, true);
});

test("set to the same spelled value is no change; a different spelling is rewritten", () => {
  assert.equal(setAutoPrimaryRecovery("AUTO_PRIMARY_RECOVERY=0\n", 0).changes.length, 0);
  assert.equal(setAutoPrimaryRecovery("AUTO_PRIMARY_RECOVERY=off\n", 0).text, "AUTO_PRIMARY_RECOVERY=0\n");
});

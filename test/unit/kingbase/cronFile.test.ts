import assert from "node:assert/strict";
import { test } from "node:test";
import { scanCronFile, setCronLineActive, vendorCronLine } from "../../../provider/engines/kingbase/cronFile";
import { StateError } from "../../../provider/errors";
import { fixture } from "./fixtures";

const spec = { user: "kingbase", scriptPath: "/home/kingbase/cluster/HAR3/db/bin/network_rewind.sh" };
const LINE = "*/1 * * * * kingbase  /home/kingbase/cluster/HAR3/db/bin/network_rewind.sh";
const POOL = "*/1 * * * * root  /home/kingbase/cluster/HAR3/kingbasecluster/bin/restartcluster.sh";

test("vendor line has two spaces before the path", () => {
  assert.equal(vendorCronLine(spec), LINE);
});

test("scan of the vendor fixture: one active vendor-format line", () => {
  const scan = scanCronFile(fixture("v8r3/KINGBASECRON"), spec);
  assert.equal(scan.state, "active");
  assert.equal(scan.effectiveActive, true);
  assert.deepEqual(scan.matches, [{ lineNumber: 1, text: LINE, commented: false, vendorFormat: true }]);
  assert.deepEqual(scan.warnings, []);
});

test("commented, double-commented, absent, missing file and duplicated states", () => {
  assert.equal(scanCronFile(`#${LINE}\n${POOL}\n`, spec).state, "commented");
  const dbl = scanCronFile(`##${LINE}\n`, spec);
  assert.equal(dbl.state, "commented");
  assert.equal(dbl.matches[0]!.vendorFormat, true);
  assert.equal(scanCronFile(`${POOL}\n`, spec).state, "absent");
  assert.equal(scanCronFile(null, spec).state, "absent");
  const dup = scanCronFile(`#${LINE}\n${LINE}\n`, spec);
  assert.equal(dup.state, "duplicated");
  assert.equal(dup.effectiveActive, true);
  assert.match(dup.warnings.join("\n"), /2 lines schedule network_rewind\.sh/);
});

test("other whitespace is read but reported as non-vendor format", () => {
  const scan = scanCronFile(
    "*/1 * * * *\tkingbase /home/kingbase/cluster/HAR3/db/bin/network_rewind.sh\n",
    spec,
  );
  assert.equal(scan.state, "active");
  assert.equal(scan.matches[0]!.vendorFormat, false);
  assert.match(scan.warnings[0]!, /non-vendor format/);
});

test("a line for another user or path is not the line, but is reported", () => {
  const scan = scanCronFile(
    "*/1 * * * * postgres  /home/kingbase/cluster/HAR3/db/bin/network_rewind.sh\n",
    spec,
  );
  assert.equal(scan.state, "absent");
  assert.match(scan.warnings[0]!, /mentions network_rewind\.sh/);
});

test("grep -w semantics: a word character glued to the path end is not the vendor line", () => {
  assert.equal(scanCronFile(`${LINE}x\n`, spec).state, "absent");
  assert.equal(scanCronFile(`${LINE} >/dev/null 2>&1\n`, spec).state, "active");
});

test("deactivate inserts exactly one # at column 0 and keeps every other byte", () => {
  const text = fixture("v8r3/KINGBASECRON");
  const edit = setCronLineActive(text, spec, false);
  const expected = Buffer.concat([Buffer.from("#"), Buffer.from(text)]);
  assert.ok(Buffer.from(edit.text).equals(expected));
  assert.deepEqual(edit.changes, [{ lineNumber: 1, before: LINE, after: `#${LINE}` }]);
});

test("activate removes the whole leading # run (double #) and nothing else", () => {
  const text = `##${LINE}\n${POOL}\n`;
  const edit = setCronLineActive(text, spec, true);
  assert.ok(Buffer.from(edit.text).equals(Buffer.from(`${LINE}\n${POOL}\n`)));
  assert.deepEqual(edit.changes, [{ lineNumber: 1, before: `##${LINE}`, after: LINE }]);
});

test("activate keeps a blank between # and the line (only # removed)", () => {
  const edit = setCronLineActive(`# ${LINE}\n`, spec, true);
  assert.equal(edit.text, ` ${LINE}\n`);
});

test("CRLF endings and a missing final newline are kept on toggle", () => {
  const text = `${POOL}\r\n#${LINE}`;
  const on = setCronLineActive(text, spec, true);
  assert.ok(Buffer.from(on.text).equals(Buffer.from(`${POOL}\r\n${LINE}`)));
  const off = setCronLineActive(on.text, spec, false);
  assert.ok(Buffer.from(off.text).equals(Buffer.from(text)));
  const crlf = `#${LINE}\r\n${POOL}\r\n`;
  assert.equal(setCronLineActive(crlf, spec, true).text, `${LINE}\r\n${POOL}\r\n`);
});

test("toggle round trip gives back the original bytes", () => {
  const text = fixture("v8r3/KINGBASECRON");
  const off = setCronLineActive(text, spec, false);
  const on = setCronLineActive(off.text, spec, true);
  assert.ok(Buffer.from(on.text).equals(Buffer.from(text)));
});

test("already in the wanted state: no change", () => {
  const text = fixture("v8r3/KINGBASECRON");
  assert.deepEqual(setCronLineActive(text, spec, true).changes, []);
  assert.equal(setCronLineActive(`#${LINE}\n`, spec, false).changes.length, 0);
});

test("activation when absent appends the exact vendor line, and says so", () => {
  const edit = setCronLineActive(`${POOL}\n`, spec, true);
  assert.equal(edit.text, `${POOL}\n${LINE}\n`);
  assert.deepEqual(edit.changes, [{ lineNumber: 2, before: null, after: LINE }]);
  assert.match(edit.notes[0]!, /appended the vendor network_rewind\.sh line \(it was absent\)/);
  const unterminated = setCronLineActive(POOL, spec, true);
  assert.equal(unterminated.text, `${POOL}\n${LINE}\n`);
  assert.equal(unterminated.addedTerminator, true);
  const created = setCronLineActive(null, spec, true);
  assert.equal(created.text, `${LINE}\n`);
  assert.match(created.notes[0]!, /file is created/);
});

test("activation with only a non-vendor commented line appends the vendor line", () => {
  const odd = "#*/1 * * * * kingbase /home/kingbase/cluster/HAR3/db/bin/network_rewind.sh";
  const edit = setCronLineActive(`${odd}\n`, spec, true);
  assert.equal(edit.text, `${odd}\n${LINE}\n`);
});

test("deactivation comments every active line, vendor or not", () => {
  const odd = "*/1  * * * * kingbase  /home/kingbase/cluster/HAR3/db/bin/network_rewind.sh";
  const edit = setCronLineActive(`${LINE}\n${odd}\n`, spec, false);
  assert.equal(edit.text, `#${LINE}\n#${odd}\n`);
});

test("activation with two commented vendor lines is refused", () => {
  assert.throws(() => setCronLineActive(`#${LINE}\n##${LINE}\n`, spec, true), StateError);
});

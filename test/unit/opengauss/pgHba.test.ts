import assert from "node:assert/strict";
import { test } from "node:test";
import {
  applyHbaOps,
  compareHbaEntries,
  parseHbaEntry,
  parsePgHba,
  sameHbaIdentity,
  sortHbaLines,
} from "../../../provider/engines/opengauss/parsers/pgHba";
import { fixture } from "./fixtures";

const e = (line: string) => parseHbaEntry(line, { isArgument: true })!;

test("parses entries, commented-out entries and prose comments", () => {
  const lines = parsePgHba(fixture("pg_hba-oga1.txt"));
  const valid = lines.filter((l) => l.entry);
  assert.equal(valid.length, 12);
  assert.equal(lines.find((l) => l.text.startsWith('# "local" is'))?.entry, undefined);
  const commentedLocal = lines.find((l) => l.text.startsWith("#local"))!;
  assert.equal(commentedLocal.commented, true);
  assert.equal(commentedLocal.entry?.conntype, "local");
  assert.equal(parseHbaEntry("host all all 127.0.0.1/32 peer"), null, "peer is local-only");
  assert.equal(parseHbaEntry("host all all 127.0.0.1/33 trust"), null);
  assert.equal(
    parseHbaEntry("host all all 127.0.0.1 trust"),
    null,
    "an IP without a mask needs a netmask field",
  );
  assert.ok(parseHbaEntry("host all all 127.0.0.1 255.255.255.255 trust"));
});

test("identity is type + database + user + address; the method is ignored", () => {
  assert.ok(
    sameHbaIdentity(e("host all omm 127.0.2.1/32 trust"), e("host    all    omm    127.0.2.1/32    sha256")),
  );
  assert.ok(sameHbaIdentity(e("host all omm 127.0.2.1/32"), e("host all omm 127.0.2.1 255.255.255.255 md5")));
  assert.ok(
    sameHbaIdentity(e("host replication all 127.0.0.0/16"), e("host replication all 127.0.9.9/16 sha256")),
  );
  assert.ok(!sameHbaIdentity(e("host all omm 127.0.2.1/32 trust"), e("host all all 127.0.2.1/32 trust")));
  assert.ok(!sameHbaIdentity(e("host all omm 127.0.2.1/32 trust"), e("hostssl all omm 127.0.2.1/32 trust")));
  assert.ok(!sameHbaIdentity(e("host all omm 127.0.2.1/32 trust"), e("host all omm 127.0.2.1/31 trust")));
  assert.ok(
    !sameHbaIdentity(e('host "all" omm 127.0.2.1/32 trust'), e("host all omm 127.0.2.1/32 trust")),
    "quoted differs",
  );
});

test("ordering: local first, specific users before all, longer prefixes first, replication last", () => {
  assert.ok(compareHbaEntries(e("local all all trust"), e("host all all 127.0.0.1/32 trust")) > 0);
  assert.ok(
    compareHbaEntries(e("host all omm 127.0.0.1/32 trust"), e("host all all 127.0.0.1/32 trust")) > 0,
  );
  assert.ok(
    compareHbaEntries(e("host all all 127.0.0.1/32 trust"), e("host all all 127.0.0.0/16 trust")) > 0,
  );
  assert.ok(compareHbaEntries(e("host all all 127.0.0.1/32 trust"), e("host all all ::1/128 trust")) > 0);
  assert.ok(
    compareHbaEntries(e("host all all ::1/128 trust"), e("host replication omm 127.0.0.1/32 trust")) > 0,
  );
  assert.equal(
    compareHbaEntries(e("host all all 127.0.0.1/32 trust"), e("host all all 127.0.9.9/32 md5")),
    0,
  );
});

test("the fixture file is in gs_guc's sorted order (sorting is a no-op)", () => {
  const lines = parsePgHba(fixture("pg_hba-oga1.txt"));
  assert.deepEqual(
    sortHbaLines(lines).map((l) => l.text),
    lines.map((l) => l.text),
  );
});

test("set inserts a new entry at gs_guc's sorted position", () => {
  const r = applyHbaOps(fixture("pg_hba-oga1.txt"), [
    { kind: "set", line: "host    all    omm    127.0.2.1/32    trust" },
    { kind: "set", line: "host    replication    all    127.0.0.0/16    sha256" },
  ]);
  assert.deepEqual(
    r.effects.map((x) => x.action),
    ["add", "add"],
  );
  const lines = r.text.split("\n");
  assert.equal(
    lines[lines.indexOf("host    all    omm    127.0.1.2/32    trust") + 1],
    "host    all    omm    127.0.2.1/32    trust",
  );
  // Walking up from the end, the first entry that sorts at or before a /16 replication line is the
  // commented-out /32 one: the new line goes right after it (before the IPv6 one).
  assert.equal(
    lines[lines.indexOf("#host    replication     omm        127.0.0.1/32            trust") + 1],
    "host    replication    all    127.0.0.0/16    sha256",
  );
  assert.equal(r.reordered, false);
});

test("set replaces a matching entry, keeping its trailing comment; identical text is unchanged", () => {
  const text = "local all all trust\nhost all omm 127.0.2.1/32 md5 # peer cluster\n";
  const r = applyHbaOps(text, [{ kind: "set", line: "host    all    omm    127.0.2.1/32    trust" }]);
  assert.equal(r.effects[0]!.action, "replace");
  assert.equal(r.text, "local all all trust\nhost    all    omm    127.0.2.1/32    trust # peer cluster\n");
  const again = applyHbaOps(r.text, [{ kind: "set", line: "host    all    omm    127.0.2.1/32    trust" }]);
  assert.equal(again.effects[0]!.action, "unchanged");
});

test("set reuses a commented-out match instead of adding a line", () => {
  const text = "local all all trust\n#host all omm 127.0.2.1/32 trust\n";
  const r = applyHbaOps(text, [{ kind: "set", line: "host    all    omm    127.0.2.1/32    trust" }]);
  assert.equal(r.effects[0]!.action, "uncomment");
  assert.equal(r.text, "local all all trust\nhost    all    omm    127.0.2.1/32    trust \n");
});

test("a line without a method comments out the active match only", () => {
  const text = "local all all trust\nhost all all 127.0.2.1/32 sha256\nhost all omm 127.0.2.1/32 trust\n";
  const r = applyHbaOps(text, [
    { kind: "comment-out", line: "host    all    all    127.0.2.1/32" },
    { kind: "comment-out", line: "host    all    all    127.0.2.1/32" },
    { kind: "comment-out", line: "host    all    all    127.0.2.9/32" },
  ]);
  assert.deepEqual(
    r.effects.map((x) => x.action),
    ["comment-out", "unchanged", "unchanged"],
  );
  assert.equal(
    r.text,
    "local all all trust\nhost all omm 127.0.2.1/32 trust\n#host all all 127.0.2.1/32 sha256\n",
  );
  const none = applyHbaOps(text, [{ kind: "comment-out", line: "host all all 127.0.2.9/32" }]);
  assert.equal(none.text, text, "nothing matched: the file is not rewritten (not even re-sorted)");
});

test("an unsorted file is re-sorted by the first edit", () => {
  const text = "host all all 127.0.0.1/32 trust\nlocal all all trust\n";
  const r = applyHbaOps(text, [{ kind: "set", line: "host all all 127.0.0.2/32 trust" }]);
  assert.equal(r.reordered, true);
  assert.equal(
    r.text,
    "local all all trust\nhost all all 127.0.0.1/32 trust\nhost all all 127.0.0.2/32 trust\n",
  );
});

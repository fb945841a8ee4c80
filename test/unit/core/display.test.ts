import assert from "node:assert/strict";
import { test } from "node:test";
import { wrapForDisplay } from "../../../provider/core/display";

const LONG =
  "A/oga1 replconninfo2: (unset) → 'localhost=127.0.1.1 localport=26001 localheartbeatport=26005 localservice=26004 remotehost=127.0.2.1 remoteport=26001 remoteheartbeatport=26005 remoteservice=26004 iscascade=false iscrossregion=true'";

test("short lines pass through untouched", () => {
  assert.deepEqual(wrapForDisplay(["A/oga1 most_available_sync: off → on"]), [
    "A/oga1 most_available_sync: off → on",
  ]);
});

test("a long change becomes header, - before, + after, each line within the width, no word lost", () => {
  const out = wrapForDisplay([LONG], 100);
  assert.equal(out[0], "A/oga1 replconninfo2:");
  assert.equal(out[1], "  - (unset)");
  assert.ok(out[2]!.startsWith("  + 'localhost=127.0.1.1"));
  for (const l of out) assert.ok(l.length <= 100, l);
  const words = (s: string) =>
    s
      .replace(/^A\/oga1 replconninfo2:/, "")
      .split(/\s+/)
      .filter((w) => w && w !== "→" && w !== "-" && w !== "+");
  assert.deepEqual(words(out.join(" ")), words(LONG));
});

test("a long line without a change arrow is word-wrapped with indented continuations", () => {
  const out = wrapForDisplay([`note: ${"word ".repeat(40).trim()}`], 50);
  assert.ok(out.length > 1);
  assert.ok(out.slice(1).every((l) => l.startsWith("    ")));
  assert.ok(out.every((l) => l.length <= 50));
});

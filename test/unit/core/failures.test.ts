import assert from "node:assert/strict";
import { test } from "node:test";
import { narrowFailures } from "../../../provider/core/failures";

test("a failure on a whole object input moves to the resource (the CLI would print the object); nested paths stay", () => {
  const out = narrowFailures(
    [
      { property: "clusters", reason: "must name exactly two clusters" },
      { property: "clusters.B.ssh.user", reason: "no root" },
      { property: "primary", reason: "unknown" },
    ],
    ["clusters", "drUser"],
  );
  assert.deepEqual(out, [
    { property: "", reason: "clusters: must name exactly two clusters" },
    { property: "clusters.B.ssh.user", reason: "no root" },
    { property: "primary", reason: "unknown" },
  ]);
});

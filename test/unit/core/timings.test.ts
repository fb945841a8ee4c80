import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import type * as pulumi from "@pulumi/pulumi";
import { parseTimings, withTimings } from "../../../provider/core/timings";

function fake(): pulumi.dynamic.ResourceProvider {
  return {
    check: async (_o, news) => ({ inputs: news }),
    create: async () => {
      throw new Error("boom");
    },
  };
}

test("timings: each hook's start and end, names and times only; results and errors pass through", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hadr-timings-"));
  const file = path.join(dir, "t.log");
  try {
    const p = withTimings(fake(), file);
    assert.deepEqual(await p.check!({}, { secret: "s3cret" }), { inputs: { secret: "s3cret" } });
    await assert.rejects(p.create({ secret: "s3cret" }), /boom/);
    assert.equal(p.update, undefined);
    const text = fs.readFileSync(file, "utf8");
    assert.ok(!text.includes("s3cret") && !text.includes("boom"));
    const t = parseTimings(text);
    assert.deepEqual(
      t.map((x) => `${x.hook} ${x.what}`),
      ["check start", "check end", "create start", "create end"],
    );
    assert.ok(t.every((x) => x.pid === process.pid && x.ms <= Date.now()));
    assert.ok(t[1]!.ms >= t[0]!.ms);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("timings: off without a file; a file that cannot be written never fails a hook", async () => {
  const p = fake();
  assert.equal(withTimings(p, undefined), p);
  assert.equal(withTimings(p, ""), p);
  const w = withTimings(p, "/nonexistent-dir/x/t.log");
  assert.deepEqual(await w.check!({}, { a: 1 }), { inputs: { a: 1 } });
});

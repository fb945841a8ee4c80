/**
 * `adopt: true` and visible previews through the real Pulumi CLI on the lab: one stack establishes the pair;
 * `preview --diff` of a change to one cluster's login shows that field (only the key inputs are `[secret]`); a
 * second, fresh stack with `adopt: true` takes the pair over without running anything (no gs_sdr start, no
 * file of ours written on any node); and `adopt: true` against two clusters that are not a pair fails at
 * preview and at up with nothing changed.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { TestProject } from "../support/project";
import { DR_PASSWORD, DR_PROGRAM, DrHarness } from "./dr-support";

let h: DrHarness;

/** A fresh project running the same user program with the given `dr` spec. */
async function freshProject(name: string, spec: Record<string, unknown>): Promise<TestProject> {
  const p = await TestProject.create(name, DR_PROGRAM);
  await p.config("sshKey", h.key, true);
  await p.config("drPassword", DR_PASSWORD, true);
  await p.config("dr", JSON.stringify(spec));
  return p;
}

describe("adopt: true and visible previews", { timeout: 40 * 60_000 }, () => {
  before(
    async () => {
      h = await DrHarness.setup("dradopt1");
    },
    { timeout: 600_000 },
  );
  after(
    async () => {
      await h?.pulumiRun(["destroy", "--yes", "--skip-preview"], 600_000);
      h?.dispose();
    },
    { timeout: 900_000 },
  );

  test("the first stack establishes the pair", { timeout: 900_000 }, async () => {
    await h.pulumi(["up", "--yes", "--skip-preview"]);
    assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
  });

  test("preview --diff shows a change to one cluster's login in clear; the key inputs stay [secret]", {
    timeout: 300_000,
  }, async () => {
    const s = h.spec() as { clusters: Record<string, { ssh: Record<string, unknown> }> };
    s.clusters["B"]!.ssh["connectTimeoutSeconds"] = 21;
    await h.project.config("dr", JSON.stringify(s));
    try {
      const out = await h.pulumi(["preview", "--diff"]);
      // The changed field of cluster B, in clear (not `clusters: [secret]`).
      assert.match(
        out,
        /~ clusters\s*: \{\s*~ B: \{\s*~ ssh: \{\s*\+ connectTimeoutSeconds: 21/,
        out.slice(0, 2000),
      );
      assert.doesNotMatch(out, /clusters\s*:\s*\[secret\]/, out);
      assert.doesNotMatch(out, /BEGIN [A-Z ]*PRIVATE KEY/);
      const state = JSON.stringify(await h.project.world.exportStack());
      assert.doesNotMatch(state, /PRIVATE KEY/, "the key is encrypted in the state");
      const outputs = await h.outputs();
      assert.equal(typeof outputs["clusters"], "object", "clusters is stored in clear");
      for (const k of ["sshKey", "drUser"]) {
        const v = outputs[k] as Record<string, unknown>;
        assert.ok(v && "ciphertext" in v, `${k} is stored as a secret`);
      }
    } finally {
      await h.setSpec();
    }
  });

  test("a fresh stack with adopt: true takes the pair over: nothing runs, no file is written", {
    timeout: 600_000,
  }, async () => {
    const before0 = await h.ourFiles();
    const p = await freshProject("dradopt2", h.spec({ adopt: true }));
    try {
      const pre = await p.world.ok(["preview"], { timeoutMs: 300_000 });
      assert.match(pre.stdout, /adopt: the established pair is taken over as it is/);
      assert.doesNotMatch(pre.stdout, /operation: start/);
      const up = await p.world.ok(["up", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
      assert.doesNotMatch(up.stdout, /operation: start|runs `gs_sdr -t start/);
      const state = await p.world.exportStack();
      const res = state.deployment.resources?.find(
        (r) => r["type"] === "pulumi-nodejs:dynamic/hadr:DrRelationship",
      );
      const o = res?.["outputs"] as Record<string, unknown>;
      assert.equal(o["primary"], "A");
      assert.equal((o["lastOperation"] as { kind: string }).kind, "adopt");
      assert.equal(await h.ourFiles(), before0, "no file of ours was written or changed on any node");
      assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
      // Forget it without dissolving: the first stack still owns the pair.
      await p.world.ok(["stack", "rm", "--force", "--yes"]);
    } finally {
      p.dispose();
    }
  });

  test("adopt: true with the wrong primary fails at preview, naming primary, with nothing changed", {
    timeout: 300_000,
  }, async () => {
    const before0 = await h.ourFiles();
    const p = await freshProject("dradopt3", h.spec({ adopt: true, primary: "B" }));
    try {
      const r = await p.world.run(["up", "--yes"], { timeoutMs: 300_000 });
      assert.notEqual(r.code, 0);
      assert.match(r.stdout + r.stderr, /primary.*existing pair has A as primary.*Set primary: A/s);
      assert.equal(await h.ourFiles(), before0);
      assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
    } finally {
      p.dispose();
    }
  });

  test("adopt: true against two clusters that are not a pair fails with nothing changed", {
    timeout: 900_000,
  }, async () => {
    await h.pulumi(["destroy", "--yes", "--skip-preview"]);
    assert.deepEqual(await h.stats(), { A: "normal", B: "normal" });
    const before0 = await h.ourFiles();
    const p = await freshProject("dradopt4", h.spec({ adopt: true }));
    try {
      const pre = await p.world.run(["preview"], { timeoutMs: 300_000 });
      assert.notEqual(pre.code, 0);
      assert.match(pre.stdout + pre.stderr, /adopt.*no DR relationship to adopt.*remove adopt/s);
      const up = await p.world.run(["up", "--yes", "--skip-preview"], { timeoutMs: 300_000 });
      assert.notEqual(up.code, 0);
      assert.match(up.stdout + up.stderr, /no DR relationship to adopt/);
      assert.doesNotMatch(up.stdout, /operation: start|runs `gs_sdr -t start/);
      const state = await p.world.exportStack();
      assert.equal(
        state.deployment.resources?.some((r) => r["type"] === "pulumi-nodejs:dynamic/hadr:DrRelationship"),
        false,
        "nothing was recorded",
      );
      assert.equal(await h.ourFiles(), before0, "no file of ours was written on any node");
      assert.deepEqual(await h.stats(), { A: "normal", B: "normal" }, "no start ran");
    } finally {
      p.dispose();
    }
  });
});

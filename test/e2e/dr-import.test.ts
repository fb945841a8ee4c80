/**
 * `pulumi-hadr import-spec` + `pulumi import --file` through the real CLI on the lab: one stack establishes the
 * pair; the command reads it and writes the import file (no secret in it); a fresh stack imports it with a CLI
 * that reads inputs and outputs from the file (≥ 3.254, taken from PULUMI_HADR_IMPORT_CLI_DIR or
 * .tools/pulumi/3.274.1/bin; skipped with the reason when there is none); then the user's program with the
 * keys runs `up` — nothing runs on the clusters — and `refresh` reads the pair.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { TestProject } from "../support/project";
import { REPO_ROOT } from "../support/pulumi";
import { DR_PASSWORD, DR_PROGRAM, DrHarness } from "./dr-support";

/** A CLI that supports `import --file` with outputs, or undefined. */
function importCliDir(): string | undefined {
  const candidates = [
    process.env["PULUMI_HADR_IMPORT_CLI_DIR"],
    path.join(REPO_ROOT, ".tools", "pulumi", "3.274.1", "bin"),
  ].filter((d): d is string => typeof d === "string");
  return candidates.find((d) => fs.existsSync(path.join(d, "pulumi")));
}

const CLI = importCliDir();
let h: DrHarness;

describe("import-spec + pulumi import --file", {
  skip: CLI ? false : "no Pulumi CLI >= 3.254 here (set PULUMI_HADR_IMPORT_CLI_DIR)",
  timeout: 30 * 60_000,
}, () => {
  before(
    async () => {
      h = await DrHarness.setup("drimport1");
      await h.pulumi(["up", "--yes", "--skip-preview"]);
      assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
    },
    { timeout: 900_000 },
  );
  after(
    async () => {
      await h?.pulumiRun(["destroy", "--yes", "--skip-preview"], 600_000);
      h?.dispose();
    },
    { timeout: 900_000 },
  );

  test("the spec is written from the live pair, imported by the CLI, and the program's up runs nothing", {
    timeout: 900_000,
  }, async () => {
    const p = await TestProject.create("drimport2", DR_PROGRAM);
    try {
      const spec = h.spec() as Record<string, unknown>;
      const inputsFile = path.join(p.dir, "dr-inputs.json");
      fs.writeFileSync(inputsFile, JSON.stringify({ ...spec, drUser: { name: spec["drUser"] } }));
      const importJson = path.join(p.dir, "import.json");
      const gen = spawnSync(
        process.execPath,
        [
          path.join(REPO_ROOT, "dist", "provider", "cli", "main.js"),
          "import-spec",
          "dr-relationship",
          "dr",
          "--inputs",
          inputsFile,
          "--ssh-key-file",
          h.lab.clientKeyPath,
          "--out",
          importJson,
        ],
        { cwd: p.dir, encoding: "utf8", timeout: 300_000 },
      );
      assert.equal(gen.status, 0, gen.stdout + gen.stderr);
      const file = fs.readFileSync(importJson, "utf8");
      assert.doesNotMatch(file, /PRIVATE KEY|Dr_e2e/, "no key and no DR password in the import file");
      assert.doesNotMatch(gen.stdout + gen.stderr, /PRIVATE KEY/);

      const before0 = await h.ourFiles();
      const env = { ...p.world.env, PATH: `${CLI}:${p.world.env["PATH"]}` };
      const imp = spawnSync(
        path.join(CLI!, "pulumi"),
        [
          "import",
          "--file",
          importJson,
          "--generate-code=false",
          "--yes",
          "--non-interactive",
          "--color",
          "never",
        ],
        { cwd: p.dir, env, encoding: "utf8", timeout: 600_000 },
      );
      assert.equal(imp.status, 0, imp.stdout + imp.stderr);
      const state = await p.world.exportStack();
      const res = state.deployment.resources?.find(
        (r) => r["type"] === "pulumi-nodejs:dynamic/hadr:DrRelationship",
      );
      assert.ok(res, "imported");
      assert.equal(res["id"], "dr:A:B");
      assert.equal((res["outputs"] as Record<string, unknown>)["primary"], "A");

      await p.config("sshKey", h.key, true);
      await p.config("drPassword", DR_PASSWORD, true);
      await p.config("dr", JSON.stringify(spec));
      const up = await p.world.ok(["up", "--yes", "--skip-preview"], { timeoutMs: 600_000 });
      assert.doesNotMatch(up.stdout, /runs `gs_sdr -t start|operation: /);
      assert.equal(await h.ourFiles(), before0, "the import and the first up wrote nothing on any node");
      await p.world.ok(["refresh", "--yes", "--skip-preview"], { timeoutMs: 300_000 });
      const after0 = JSON.stringify(await p.world.exportStack());
      assert.doesNotMatch(after0, /PRIVATE KEY/, "the key is stored encrypted");
      assert.deepEqual(await h.stats(), { A: "archive", B: "recovery" });
      await p.world.ok(["stack", "rm", "--force", "--yes"]);
    } finally {
      p.dispose();
    }
  });
});

/**
 * The runnable examples (examples/*) are standalone user programs importing "pulumi-hadr": each has a tsconfig
 * mapping `pulumi-hadr` to this checkout's provider/ sources, so the TypeScript compiler checks them against the
 * current public API. Any compiler error fails the test.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";

const REPO = path.resolve(__dirname, "..", "..", "..");
const TSC = path.join(REPO, "node_modules", ".bin", "tsc");

for (const example of ["opengauss-dr", "kingbase-policy"]) {
  test(`examples/${example} type-checks against the public API`, () => {
    const dir = path.join(REPO, "examples", example);
    for (const f of ["Pulumi.yaml", "package.json", "index.ts", "tsconfig.json", "README.md"]) {
      assert.ok(fs.existsSync(path.join(dir, f)), `examples/${example}/${f} exists`);
    }
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    assert.ok(pkg.dependencies?.["pulumi-hadr"], "the example depends on pulumi-hadr like a user's project");
    const r = spawnSync(TSC, ["-p", dir, "--noEmit", "--pretty", "false"], { cwd: REPO, encoding: "utf8" });
    assert.equal(r.status, 0, `tsc -p examples/${example} --noEmit:\n${r.stdout}${r.stderr}`);
    const source = fs.readFileSync(path.join(dir, "index.ts"), "utf8");
    assert.match(source, /from "pulumi-hadr"/, "imports the package, not a relative path");
  });
}

/**
 * The lab is its own package (`lab/`, `pulumi-hadr-lab`) that depends on nothing of pulumi-hadr (decisions D5):
 * every module it names is Node's, its own (a relative path inside lab/) or a dependency in its package.json;
 * nothing is loaded through a computed path; and the published package carries none of it.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { repoRoot, sources, specifiers } from "./scan";

const REPO = repoRoot();
const LAB = path.join(REPO, "lab");

test("specifiers() finds static, dynamic and require forms", () => {
  const src = [
    'import a from "x";',
    "import {",
    "  b,",
    '} from "v";',
    'import "y";',
    'const z = await import("z");',
    'require.resolve("w/p");',
    ' * `import { a } from "in-a-comment"`',
    'const sql = `select 1 from "${table}"`;',
  ].join("\n");
  assert.deepEqual(specifiers(src).sort(), ["v", "w/p", "x", "y", "z"]);
});

test("the lab names only Node's modules, its own files and its declared dependencies", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(LAB, "package.json"), "utf8"));
  assert.equal(pkg.name, "pulumi-hadr-lab");
  assert.equal(pkg.private, true);
  const deps = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.devDependencies ?? {})]);
  assert.ok(!deps.has("pulumi-hadr"), "the lab does not depend on pulumi-hadr");
  const files = [...sources(path.join(LAB, "src")), ...sources(path.join(LAB, "test"))];
  assert.ok(files.length > 50, `found the lab's sources (${files.length})`);
  const bad: string[] = [];
  for (const f of files) {
    const text = fs.readFileSync(f, "utf8");
    const where = path.relative(REPO, f);
    if (/\brequire\s*\(\s*[^"\s)]/.test(text)) bad.push(`${where}: require() of a computed path`);
    for (const s of specifiers(text)) {
      if (s.startsWith("node:")) continue;
      if (s.startsWith(".")) {
        const target = path.resolve(path.dirname(f), s);
        if (!target.startsWith(`${LAB}${path.sep}`)) bad.push(`${where}: ${s} is outside lab/`);
        continue;
      }
      const name = s.startsWith("@") ? s.split("/").slice(0, 2).join("/") : s.split("/")[0]!;
      if (!deps.has(name) && !deps.has(`@types/${name}`)) bad.push(`${where}: ${s} is not a lab dependency`);
    }
  }
  assert.deepEqual(bad, []);
});

test("the published package carries no lab code", () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(REPO, "package.json"), "utf8"));
  assert.deepEqual(pkg.workspaces, ["lab"]);
  const shipped = ["README.md", "CHANGELOG.md", "LICENSE", "policy-pack/*"];
  for (const f of pkg.files as string[]) assert.ok(f.startsWith("dist/provider/") || shipped.includes(f), f);
});

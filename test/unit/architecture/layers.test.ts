/**
 * The layering the README's "Where things are" describes, checked on the sources: each layer imports only
 * the layers below it, engines do not know about each other or about the resource classes, and nothing but
 * the package index imports `resources/`. A new import that breaks the direction fails here. (The lab's
 * boundary is `lab.test.ts`.)
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { repoRoot, sources, specifiers } from "./scan";

const ROOT = repoRoot();
const PROVIDER = path.join(ROOT, "provider");

/** Repository-relative paths of the `.ts` files under `dir`. */
const files = (dir: string) => sources(dir).map((f) => path.relative(ROOT, f));

/** The repository-relative targets of a file's relative imports (static, dynamic and require). */
function importsOf(file: string): string[] {
  const text = fs.readFileSync(path.join(ROOT, file), "utf8");
  return specifiers(text)
    .filter((s) => s.startsWith("."))
    .map((s) => path.relative(ROOT, path.resolve(path.dirname(path.join(ROOT, file)), s)));
}

/** The layer of a provider path: its first folder under provider/ (or the file name at the top). */
function layer(p: string): string {
  const parts = p.split(path.sep);
  if (parts[0] !== "provider") return parts[0]!;
  if (parts.length === 2) return parts[1]!.replace(/\.ts$/, "");
  return parts[1] === "engines" ? `engines/${parts[2]}` : parts[1]!;
}

/** What each layer may import (besides itself); `engines/*` stands for every engine folder. */
const ALLOWED: Record<string, string[]> = {
  text: [],
  errors: [],
  config: ["errors"],
  transport: ["errors"],
  core: ["errors", "config", "transport"],
  "engines/*": ["errors", "config", "transport", "core"],
  dynamic: ["errors", "core"],
  native: ["errors", "core", "runtime"],
  runtime: ["core", "dynamic", "engines/*"],
  resources: ["dynamic", "engines/*"],
  index: ["errors", "resources"],
  cli: ["errors", "core", "dynamic", "runtime", "engines/*"],
  policy: [],
  schema: ["core", "runtime", "engines/*"],
};

/** The rule name a layer falls under. */
const rule = (l: string) => (l.startsWith("engines/") ? "engines/*" : l);

/** True when layer `from` may import layer `to` (`text`, the small string helpers, is open to all). */
function allowed(from: string, to: string): boolean {
  return to === from || to === "text" || (ALLOWED[rule(from)] ?? []).includes(rule(to));
}

/** Every import in `graph` (file → its imports) that breaks the rules above, as `from → to`. */
function violations(graph: Record<string, string[]>): string[] {
  const bad: string[] = [];
  for (const [file, targets] of Object.entries(graph)) {
    const from = layer(file);
    for (const target of targets) {
      if (!allowed(from, layer(target))) bad.push(`${file} → ${target}`);
    }
  }
  return bad;
}

const p = (...parts: string[]) => path.join("provider", ...parts);

test("every provider layer imports only the layers below it", () => {
  const all = files(PROVIDER);
  assert.ok(all.length > 40, "the provider's sources are found");
  for (const file of all)
    assert.ok(rule(layer(file)) in ALLOWED, `${file}: layer ${layer(file)} has no rule`);
  assert.deepEqual(violations(Object.fromEntries(all.map((f) => [f, importsOf(f)]))), []);
});

test("the rules bite: an engine importing a resource class or another engine, or a lower layer an upper one", () => {
  const graph = {
    [p("engines", "opengauss", "apply.ts")]: [
      p("resources", "drRelationship"),
      p("engines", "opengauss", "tasks"),
      p("dynamic", "shim"),
    ],
    [p("engines", "kingbase", "engine.ts")]: [p("engines", "opengauss", "outputs"), p("core", "engine")],
    [p("transport", "ssh.ts")]: [p("config", "ssh"), p("errors")],
    [p("core", "controller.ts")]: [p("runtime")],
  };
  assert.deepEqual(violations(graph), [
    `${p("engines", "opengauss", "apply.ts")} → ${p("resources", "drRelationship")}`,
    `${p("engines", "opengauss", "apply.ts")} → ${p("dynamic", "shim")}`,
    `${p("engines", "kingbase", "engine.ts")} → ${p("engines", "opengauss", "outputs")}`,
    `${p("transport", "ssh.ts")} → ${p("config", "ssh")}`,
    `${p("core", "controller.ts")} → ${p("runtime")}`,
  ]);
});

test("nothing imports resources/ but the package index (and the resource classes themselves)", () => {
  const everything = [
    ...files(PROVIDER),
    ...files(path.join(ROOT, "test")),
    ...files(path.join(ROOT, "program")),
  ];
  const importers = everything.filter((f) =>
    importsOf(f).some((t) => t.startsWith(path.join("provider", "resources"))),
  );
  const allowed = (f: string) =>
    f === path.join("provider", "index.ts") || f.startsWith(path.join("provider", "resources") + path.sep);
  assert.deepEqual(
    importers.filter((f) => !allowed(f)),
    [],
  );
});

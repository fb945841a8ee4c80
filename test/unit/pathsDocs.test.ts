/**
 * `paths` is documented twice for users (the TSDoc of V8r3PathsArgs / V8r6PathsArgs and docs/paths.md): both
 * list every key of the engine's schema with the default the engine really applies.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { V8R3_DEFAULT_PATHS } from "../../provider/engines/kingbase/versions/v8r3";
import { V8R6_DEFAULT_PATHS } from "../../provider/engines/kingbase/versions/v8r6";
import { REPO_ROOT } from "../support/pulumi";

const ENGINES = { "kingbase-v8r3": V8R3_DEFAULT_PATHS, "kingbase-v8r6": V8R6_DEFAULT_PATHS } as const;

/** key → default from the TSDoc of one interface in provider/resources/paths.ts. */
function tsdocDefaults(iface: string): Record<string, string> {
  const src = fs.readFileSync(path.join(REPO_ROOT, "provider", "resources", "paths.ts"), "utf8");
  const body = src.split(`export interface ${iface} {`)[1]!.split("\n}")[0]!;
  const out: Record<string, string> = {};
  for (const m of body.matchAll(/Default `([^`]+)`\. \*\/\n\s+(\w+)\?:/g)) out[m[2]!] = m[1]!;
  return out;
}

/** key → default from the table under `engine` in docs/paths.md. */
function docDefaults(engine: string): Record<string, string> {
  const doc = fs.readFileSync(path.join(REPO_ROOT, "docs", "paths.md"), "utf8");
  const section = doc.split(`engine: "${engine}"`)[1]!.split("\n## ")[0]!;
  const out: Record<string, string> = {};
  for (const m of section.matchAll(/^\| `(\w+)` \| `([^`]+)` \|/gm)) out[m[1]!] = m[2]!;
  return out;
}

test("the TSDoc of V8r3PathsArgs / V8r6PathsArgs gives every key its real default", () => {
  assert.deepEqual(tsdocDefaults("V8r3PathsArgs"), { ...ENGINES["kingbase-v8r3"] });
  assert.deepEqual(tsdocDefaults("V8r6PathsArgs"), { ...ENGINES["kingbase-v8r6"] });
});

test("docs/paths.md lists every key of each engine with its real default", () => {
  for (const [engine, defaults] of Object.entries(ENGINES)) {
    assert.deepEqual(docDefaults(engine), { ...defaults }, engine);
  }
});

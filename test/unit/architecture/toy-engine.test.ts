/**
 * docs/adding-an-engine.md, proven: a toy third engine, written here as its folder would hold it (an `Engine`
 * object and its zod schema) plus its public class's source (as `provider/resources/` would hold it), is added
 * to the engine map with one line — `runtimeOf({ ...engines, toyDr: toyEngine })`, the same function the
 * package's map goes through — and then the dynamic resource, the native plugin's served types, the package
 * schema, the CLI's import-spec and the shapes check all pick it up. And the modules every engine goes through
 * name none of today's kinds, so there is nothing in them to edit for a new one.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { after, test } from "node:test";
import { z } from "zod";
import { main } from "../../../provider/cli/main";
import type { Engine, Session } from "../../../provider/core/engine";
import { progress } from "../../../provider/core/progress";
import { nativeProvider, served } from "../../../provider/native/provider";
import { isSecret } from "../../../provider/native/secrets";
import { engines, runtimeOf } from "../../../provider/runtime";
import {
  inputProblems,
  kindsOf,
  packageSchema,
  resourceSources,
  SCHEMA_FILE,
} from "../../../provider/schema/generate";
import { readTsResources } from "../../../provider/schema/tsShapes";
import type { Fleet } from "../../../provider/transport/fleet";
import { repoRoot, sources } from "./scan";

// ---- the toy engine's folder ----------------------------------------------------------------------------

const toySchema = z
  .object({
    size: z.number().int().min(1),
    adopt: z.boolean().optional(),
    sshKey: z.object({ privateKey: z.string() }).strict().optional(),
  })
  .strict();

type ToySpec = z.output<typeof toySchema>;

/** The toy's "cluster": one number, as observed and changed by the toy's effects. */
const world = { size: 3, applied: 0 };

const toyEngine: Engine<ToySpec, Session, { live: number }, string> = {
  kind: {
    type: "ToyDr",
    command: "toy-dr",
    secretInputs: ["sshKey"],
    inputSchema: toySchema,
    imports: {
      nestedSecrets: {},
      keyInputs: { all: "sshKey", perTarget: "hostSshKeys" },
      fileInputs: {},
      recorded: (_inputs, at) => ({ adoptedAt: at }),
    },
  },
  keys: {
    outputs: ["plan", "state"],
    previewOutputs: ["plan"],
    inputs: ["size", "sshKey"],
    objectInputs: ["sshKey"],
  },
  stateOf: (stored) => stored,
  validate(raw) {
    const r = toySchema.safeParse(raw);
    if (r.success) return { failures: [], spec: r.data };
    return { failures: r.error.issues.map((i) => ({ property: i.path.join("."), reason: i.message })) };
  },
  lift: (raw) => raw,
  idOf: (spec) => `toy:${spec.size}`,
  open: () => ({ fleet: { close: async () => {} } as unknown as Fleet }),
  observe: async () => ({ live: world.size }),
  decide(call, obs) {
    if (call.spec.adopt && call.creating) return obs.live === call.spec.size ? "adopt" : "blocked";
    return obs.live === call.spec.size ? "noop" : `resize ${obs.live}->${call.spec.size}`;
  },
  operationOf: (d) => d,
  async preview(call, _obs, d) {
    if (d === "blocked")
      return { failures: [{ property: "size", reason: `the live size is ${world.size}` }] };
    progress(call.name, `plan: ${d}`);
    return { outputs: { plan: [d] } };
  },
  async apply(call) {
    world.applied += 1;
    world.size = call.spec.size;
    return { plan: [], state: `size ${world.size}` };
  },
  refresh: (_call, obs) => ({ outputs: { state: `size ${obs.live}` } }),
  async dissolve() {},
  replaces: () => [],
  failureProperty: () => "",
};

/** The toy's public class, as `provider/resources/toyDr.ts` would declare it (read by the schema, not run). */
const TOY_RESOURCE = `import * as pulumi from "@pulumi/pulumi";
/** The inputs of a toy resource. */
export interface ToyDrArgs {
  /** How big it is. */
  size: pulumi.Input<number>;
  /** Take an existing one over. */
  adopt?: pulumi.Input<boolean>;
  /** The SSH key. */
  sshKey?: pulumi.Input<{ privateKey: pulumi.Input<string> }>;
}
/** A toy resource. */
export class ToyDr extends pulumi.dynamic.Resource {
  /** What the next update does. */
  declare readonly plan: pulumi.Output<string[]>;
  /** What was read. */
  declare readonly state: pulumi.Output<string>;
}
`;

// ---- the one map line -----------------------------------------------------------------------------------

const rt = runtimeOf({ ...engines, toyDr: toyEngine });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hadr-toy-engine-"));
after(() => fs.rmSync(dir, { recursive: true, force: true }));
const toyResourceFile = path.join(dir, "toyDr.ts");
fs.writeFileSync(toyResourceFile, TOY_RESOURCE);
const tsWithToy = () => ({ ...readTsResources(resourceSources()), ...readTsResources([toyResourceFile]) });

test("the dynamic resource: the map's entry has a controller and a dynamic provider that run the toy", async () => {
  const toy = rt.entries.find((x) => x.name === "toyDr")!;
  assert.equal(toy.engine, toyEngine);
  world.size = 3;
  const log = console.log;
  console.log = () => {};
  try {
    const checked = await toy.dynamic.check!({}, { size: 5, __hadrName: "t" });
    assert.deepEqual(checked.inputs?.["plan"], ["resize 3->5"]);
    assert.equal(checked.inputs?.["operationKey"], "resize 3->5");
    const created = await toy.dynamic.create({ ...checked.inputs, __hadrName: "t" });
    assert.equal(created.id, "toy:5");
    assert.equal(created.outs["state"], "size 5");
    assert.equal(world.size, 5);
  } finally {
    console.log = log;
  }
});

test("the native plugin serves it as hadr:index:ToyDr, its secret input concealed", async () => {
  assert.ok(served(rt).has("hadr:index:ToyDr"));
  assert.ok(!served().has("hadr:index:ToyDr"), "the package's own map is not changed by the test");
  world.size = 2;
  const p = nativeProvider("0.0.0", "{}", { log: async () => {} }, rt);
  const r = await p.check!(
    "urn:pulumi:s::p::hadr:index:ToyDr::t",
    {},
    { size: 2, sshKey: { privateKey: "k" } },
  );
  assert.deepEqual(r.failures ?? [], []);
  assert.deepEqual(r.inputs?.["plan"], ["noop"]);
  assert.ok(isSecret(r.inputs?.["sshKey"]), "sshKey is returned as a secret");
});

test("the native plugin imports it from an inputs file: the toy's adopt decision guards, then read", async () => {
  const p = nativeProvider("0.0.0", "{}", { log: async () => {} }, rt);
  const file = path.join(dir, "native-import.json");
  fs.writeFileSync(path.join(dir, "native-key"), "TOY-NATIVE-KEY");
  fs.writeFileSync(file, JSON.stringify({ size: 6, sshKeyFile: "native-key" }));
  const urn = "urn:pulumi:s::p::hadr:index:ToyDr::t";
  world.size = 5;
  world.applied = 0;
  await assert.rejects(
    p.read!(file, urn, {}),
    /import refused \(the adopt guard[^)]*\): size: the live size is 5/,
  );
  world.size = 6;
  const r = await p.read!(file, urn, {});
  assert.equal(r.id, "toy:6");
  assert.equal(r.props?.["state"], "size 6");
  assert.deepEqual(r.inputs, { size: 6 });
  assert.doesNotMatch(JSON.stringify(r), /TOY-NATIVE-KEY/);
  assert.equal(world.applied, 0, "an import applies nothing");
});

test("the package schema has it, and the other kinds exactly as schema.json has them", () => {
  const schema = packageSchema("0.0.0", tsWithToy(), kindsOf(rt)) as {
    resources: Record<string, { inputProperties: Record<string, { secret?: boolean }>; properties: object }>;
  };
  const toy = schema.resources["hadr:index:ToyDr"]!;
  assert.deepEqual(Object.keys(toy.inputProperties).sort(), ["adopt", "size", "sshKey"]);
  assert.equal(toy.inputProperties["sshKey"]!.secret, true);
  assert.ok("state" in toy.properties && "plan" in toy.properties);
  const published = JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8")).resources;
  for (const token of Object.keys(published))
    assert.deepEqual(schema.resources[token], published[token], token);
});

test("the CLI's import-spec imports it (the toy's own adopt decision guards it) and refuses a mismatch", async () => {
  const inputs = path.join(dir, "inputs.json");
  const key = path.join(dir, "key");
  const out = path.join(dir, "import.json");
  fs.writeFileSync(inputs, JSON.stringify({ size: 4 }));
  fs.writeFileSync(key, "TOY-SECRET-KEY");
  const argv = ["import-spec", "toy-dr", "t", "--inputs", inputs, "--ssh-key-file", key, "--out", out];
  const printed: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (...a: unknown[]) => printed.push(a.join(" "));
  console.error = (...a: unknown[]) => printed.push(a.join(" "));
  try {
    world.size = 3;
    world.applied = 0;
    assert.equal(await main(argv, rt), 1, "size 4 is not what runs: not importable");
    assert.ok(!fs.existsSync(out), "nothing was written");
    assert.match(printed.join("\n"), /size: the live size is 3/);
    world.size = 4;
    assert.equal(await main(argv, rt), 0, printed.join("\n"));
  } finally {
    [console.log, console.error] = [log, error];
  }
  const text = fs.readFileSync(out, "utf8");
  assert.doesNotMatch(text, /TOY-SECRET-KEY/);
  const r = JSON.parse(text).resources[0];
  assert.equal(r.type, "pulumi-nodejs:dynamic/hadr:ToyDr");
  assert.equal(r.id, "toy:4");
  assert.equal(r.outputs.state, "size 4");
  assert.equal(typeof r.outputs.adoptedAt, "string");
  assert.equal(world.applied, 0, "an import applies nothing");
  assert.match(printed.join("\n"), /import-spec <dr-relationship\|recovery-policy\|toy-dr>|wrote /);
});

test("the shapes check holds it to its class's Args", () => {
  const toyKind = kindsOf(rt).find((k) => k.name === "ToyDr")!;
  assert.deepEqual(inputProblems(toyKind, tsWithToy()), []);
  const ts = tsWithToy();
  delete ts["ToyDr"]!.inputs.props["adopt"];
  assert.deepEqual(inputProblems(toyKind, ts), ["ToyDr input adopt: only the zod schema has it"]);
});

const kindNames = Object.entries(engines).flatMap(([n, e]) => [n, e.kind.type, e.kind.command]);
const kindWord = new RegExp(`(?<![\\w-])(${kindNames.join("|")})(?![\\w-])`);
/** The map's own lines: `  name: xEngine,`. */
const mapLine = /^\s+\w+: \w+Engine,$/;

/** The code lines of `text` (comments dropped) that name a kind, but for `runtime.ts`'s map lines. */
function namingLines(text: string, isRuntime: boolean): string[] {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
  return code
    .split("\n")
    .filter((l) => kindWord.test(l) && !(isRuntime && mapLine.test(l)))
    .map((l) => l.trim());
}

test("nothing to edit outside the engine's folder but one map line: the shared modules name no kind", () => {
  const root = repoRoot();
  const shared = [
    ...["core", "dynamic", "native", "schema"].flatMap((d) => sources(path.join(root, "provider", d))),
    ...["main.ts", "importSpec.ts"].map((f) => path.join(root, "provider", "cli", f)),
    path.join(root, "provider", "runtime.ts"),
    path.join(root, "test", "unit", "architecture", "shapes.test.ts"),
  ];
  assert.ok(shared.length > 15, `the shared modules are found (${shared.length})`);
  const hits = shared.flatMap((f) =>
    namingLines(fs.readFileSync(f, "utf8"), f.endsWith("runtime.ts")).map(
      (l) => `${path.relative(root, f)}: ${l}`,
    ),
  );
  assert.deepEqual(hits, []);
  const runtimeText = fs.readFileSync(path.join(root, "provider", "runtime.ts"), "utf8");
  const mapLines = runtimeText.split("\n").filter((l) => kindWord.test(l));
  assert.equal(mapLines.length, Object.keys(engines).length, "one map line per engine");
  // The scan bites: a kind named in code (a type, a CLI word, a map name) counts, a comment does not.
  const sample = [
    "/** DrRelationship in a doc comment */",
    "// recovery-policy in a line comment",
    'const t = "DrRelationship";',
    'if (kind === "recovery-policy") x();',
    "  drRelationship: drEngine,",
    "const drRelationshipSchema = 1;",
  ].join("\n");
  assert.deepEqual(namingLines(sample, false), [
    'const t = "DrRelationship";',
    'if (kind === "recovery-policy") x();',
    "drRelationship: drEngine,",
  ]);
  assert.deepEqual(namingLines(sample, true).length, 2, "runtime.ts may hold its map lines");
});

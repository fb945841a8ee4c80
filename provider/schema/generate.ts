/**
 * The `hadr` Pulumi package schema, generated: every engine of the runtime's engine map is a resource
 * `hadr:index:<kind.type>`; its inputs from the engine's zod schema (names, required, kinds, enums),
 * descriptions and object type names from the public TypeScript types (provider/resources/*.ts), outputs
 * from the engine's output key list typed by the class's `declare readonly` properties, secret marks from
 * the engine's `kind.secretInputs`. `npm run schema` writes schema.json; test/unit/schema.test.ts fails when
 * it is stale or when the sources disagree.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { z } from "zod";
import { type AnyEngine, type Runtime, runtime } from "../runtime";
import { disagreements, fromJsonSchema, merge, type Prop, type Shape } from "./shapes";
import { readTsResources, type TsResource } from "./tsShapes";

/** The package name of the type tokens. */
export const PACKAGE = "hadr";

/** `hadr:index:<name>`. */
export const typeToken = (name: string): string => `${PACKAGE}:index:${name}`;

/** One resource kind of the package. */
export interface Kind {
  /** The type token's last part, also the TypeScript class name. */
  readonly name: string;
  /** The engine. */
  readonly engine: AnyEngine;
  /** Its zod input schema (`kind.inputSchema`). */
  readonly input: z.ZodType;
}

/** Every engine of a runtime's map (the package's by default) as a kind of the package, in map order. */
export function kindsOf(rt: Runtime = runtime): readonly Kind[] {
  return rt.entries.map(({ engine }) => ({ name: engine.kind.type, engine, input: engine.kind.inputSchema }));
}

/** The package's kinds. */
export const KINDS: readonly Kind[] = kindsOf();

/** A Pulumi schema type spec (the subset this package uses). */
type TypeSpec = Record<string, unknown>;

/** Repository root (this file compiles to dist/provider/native). */
export const PACKAGE_ROOT = path.resolve(__dirname, "..", "..", "..");

/** provider/resources/*.ts and the files they import relatively (e.g. the output record types). */
export function resourceSources(root = PACKAGE_ROOT): string[] {
  const dir = path.join(root, "provider", "resources");
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => path.join(dir, f));
  const imported = files.flatMap((f) =>
    [...fs.readFileSync(f, "utf8").matchAll(/from "(\.[^"]+)"/g)].map(
      (m) => `${path.resolve(dir, m[1]!)}.ts`,
    ),
  );
  return [...new Set([...files, ...imported])].filter((f) => fs.existsSync(f)).sort();
}

const pascal = (s: string) => s.replace(/(^|[^A-Za-z0-9])([a-z])/g, (_m, _p, c: string) => c.toUpperCase());

/** Builds the schema's `types` while converting shapes to property specs. */
class Types {
  readonly types: Record<string, TypeSpec> = {};

  spec(shape: Shape, hint: string): TypeSpec {
    switch (shape.kind) {
      case "string":
      case "integer":
      case "number":
      case "boolean":
        return { type: shape.kind };
      case "any":
        return { $ref: "pulumi.json#/Any" };
      case "array":
        return { type: "array", items: this.spec(shape.items, hint) };
      case "map":
        return { type: "object", additionalProperties: this.spec(shape.values, hint) };
      case "union":
        return { oneOf: shape.members.map((m) => this.spec(m, hint)) };
      case "enum":
        return this.define(hint, { type: "string", enum: shape.values.map((value) => ({ value })) });
      case "object": {
        const name = shape.name ?? hint;
        const { properties, required } = this.properties(shape.props, name);
        return this.define(name, { type: "object", properties, ...(required.length ? { required } : {}) });
      }
    }
  }

  properties(props: Record<string, Prop>, owner: string, secrets: readonly string[] = []) {
    const properties: Record<string, TypeSpec> = {};
    for (const [k, p] of Object.entries(props)) {
      properties[k] = {
        ...this.spec(p.shape, `${owner}${pascal(k)}`),
        ...(p.description ? { description: p.description } : {}),
        ...(secrets.includes(k) ? { secret: true } : {}),
      };
    }
    return { properties, required: Object.keys(props).filter((k) => props[k]!.required) };
  }

  private define(name: string, spec: TypeSpec): TypeSpec {
    const token = typeToken(name);
    const prior = this.types[token];
    if (prior && JSON.stringify(prior) !== JSON.stringify(spec))
      throw new Error(`two different types would be named ${token}`);
    this.types[token] = spec;
    return { $ref: `#/types/${token}` };
  }
}

/** A kind's zod input schema as a shape. */
const zodShape = (k: Kind): Shape =>
  fromJsonSchema(z.toJSONSchema(k.input, { io: "input", unrepresentable: "any" }) as never);

/**
 * Every disagreement between a kind's zod input schema and its class's `<type>Args` (names at every level,
 * required flags, kinds, enums), or that it has no such class.
 */
export function inputProblems(k: Kind, ts: Record<string, TsResource>): string[] {
  const t = ts[k.name];
  if (!t) return [`${k.name}: no class with a ${k.name}Args interface in provider/resources`];
  return disagreements(zodShape(k), t.inputs).map((d) => `${k.name} input ${d}`);
}

/** Every disagreement between the zod schemas, the TypeScript types and the engines' output lists. */
export function schemaProblems(
  ts: Record<string, TsResource> = readTsResources(resourceSources()),
  kinds: readonly Kind[] = KINDS,
): string[] {
  return kinds.flatMap((k) => {
    const t = ts[k.name];
    const out = inputProblems(k, ts);
    if (!t) return out;
    const computed = k.engine.keys.outputs;
    for (const o of computed)
      if (!t.outputs[o])
        out.push(`${k.name} output ${o}: the engine computes it, the class does not declare it`);
    for (const o of Object.keys(t.outputs))
      if (!computed.includes(o) && !t.inputs.props[o])
        out.push(`${k.name} output ${o}: the class declares it, it is neither an input nor an engine output`);
    for (const s of k.engine.kind.secretInputs)
      if (!t.inputs.props[s]) out.push(`${k.name} secret ${s}: is not an input`);
    return out;
  });
}

/** The package schema of `version` (throws listing every disagreement between the sources). */
export function packageSchema(
  version: string,
  ts = readTsResources(resourceSources()),
  kinds: readonly Kind[] = KINDS,
): Record<string, unknown> {
  const problems = schemaProblems(ts, kinds);
  if (problems.length > 0) throw new Error(`the schema sources disagree:\n${problems.join("\n")}`);
  const types = new Types();
  const resources: Record<string, unknown> = {};
  for (const k of kinds) {
    const t = ts[k.name]!;
    const inputs = merge(zodShape(k), t.inputs) as Shape & { kind: "object" };
    const secrets = k.engine.kind.secretInputs;
    const ins = types.properties(inputs.props, k.name, secrets);
    const outputs: Record<string, Prop> = { ...inputs.props };
    for (const o of k.engine.keys.outputs) outputs[o] = { ...t.outputs[o]!, required: false };
    const outs = types.properties(outputs, k.name, secrets);
    resources[typeToken(k.name)] = {
      description: t.description,
      inputProperties: ins.properties,
      requiredInputs: ins.required,
      properties: outs.properties,
      required: ins.required,
    };
  }
  return {
    name: PACKAGE,
    displayName: "pulumi-hadr",
    version,
    description:
      "Declarative disaster recovery for openGauss (gs_sdr streaming DR) and KingbaseES (automatic recovery policies)",
    keywords: ["pulumi", "opengauss", "kingbase", "disaster-recovery", "kind/native"],
    license: "Apache-2.0",
    publisher: "pulumi-hadr",
    config: {},
    provider: { description: "The hadr provider: no configuration." },
    types: Object.fromEntries(Object.entries(types.types).sort(([a], [b]) => a.localeCompare(b))),
    resources,
    language: {
      nodejs: {
        packageName: "@pulumi-hadr/hadr",
        dependencies: { "@pulumi/pulumi": "^3.0.0" },
        respectSchemaVersion: true,
      },
      python: {
        packageName: "pulumi_hadr",
        requires: { pulumi: ">=3.0.0,<4.0.0" },
        respectSchemaVersion: true,
      },
      go: {
        importBasePath: "github.com/pulumi-hadr/pulumi-hadr/sdk/go/hadr",
        generateResourceContainerTypes: false,
      },
    },
  };
}

/** schema.json as the generator writes it (stable key order, a final newline). */
export function schemaText(version: string): string {
  return `${JSON.stringify(packageSchema(version), null, 2)}\n`;
}

/** The package version (package.json). */
export function packageVersion(root = PACKAGE_ROOT): string {
  return JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
}

/** Where schema.json lives. */
export const SCHEMA_FILE = path.join(PACKAGE_ROOT, "schema.json");

if (require.main === module) {
  fs.writeFileSync(SCHEMA_FILE, schemaText(packageVersion()));
  console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)}`);
}

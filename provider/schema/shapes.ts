/**
 * A small common language for "what a property looks like", so the engines' zod input schemas (read through
 * `z.toJSONSchema`) and the public TypeScript types (read by `./tsShapes`) can be compared and turned into
 * the Pulumi package schema: kinds, required flags, enum values, object properties, descriptions.
 */

/** The shape of a value. */
export type Shape =
  | { kind: "string" | "number" | "integer" | "boolean" | "any" }
  | { kind: "enum"; values: string[] }
  | { kind: "array"; items: Shape }
  | { kind: "map"; values: Shape }
  | { kind: "union"; members: Shape[] }
  | { kind: "object"; name?: string; props: Record<string, Prop> };

/** One property of an object shape. */
export interface Prop {
  shape: Shape;
  required: boolean;
  description?: string;
}

type Json = Record<string, unknown>;

/** The shape of a JSON Schema as `z.toJSONSchema(schema, { io: "input" })` writes it. */
export function fromJsonSchema(s: Json): Shape {
  if (Array.isArray(s["anyOf"]))
    return { kind: "union", members: (s["anyOf"] as Json[]).map(fromJsonSchema) };
  if (Array.isArray(s["enum"])) return { kind: "enum", values: (s["enum"] as unknown[]).map(String) };
  switch (s["type"]) {
    case "string":
    case "integer":
    case "number":
    case "boolean":
      return { kind: s["type"] };
    case "array":
      return { kind: "array", items: fromJsonSchema((s["items"] ?? {}) as Json) };
    case "object": {
      const props = s["properties"] as Record<string, Json> | undefined;
      if (!props) {
        const ap = s["additionalProperties"];
        return {
          kind: "map",
          values: ap && typeof ap === "object" ? fromJsonSchema(ap as Json) : { kind: "any" },
        };
      }
      const required = new Set((s["required"] as string[] | undefined) ?? []);
      return {
        kind: "object",
        props: Object.fromEntries(
          Object.entries(props).map(([k, v]) => [k, { shape: fromJsonSchema(v), required: required.has(k) }]),
        ),
      };
    }
    default:
      return { kind: "any" };
  }
}

/** `a` and `b` are the same kind of value (a zod union accepting `ts`'s kind counts; `any` matches all). */
function compatible(zod: Shape, ts: Shape): boolean {
  if (zod.kind === "any" || ts.kind === "any") return true;
  if (ts.kind === "union") return ts.members.every((m) => compatible(zod, m));
  if (zod.kind === "union") return zod.members.some((m) => compatible(m, ts));
  if (zod.kind === "integer" || zod.kind === "number") return ts.kind === "number";
  return zod.kind === ts.kind;
}

const describe = (s: Shape): string =>
  s.kind === "enum"
    ? `enum(${s.values.join("|")})`
    : s.kind === "union"
      ? s.members.map(describe).join("|")
      : s.kind;

/**
 * Every disagreement between the zod shape and the TypeScript shape of the same inputs, as
 * `<path>: <what>`: a property only one side has, a required flag, a kind, enum values. Empty when they agree.
 */
export function disagreements(zod: Shape, ts: Shape, path = ""): string[] {
  const at = path || "(inputs)";
  if (!compatible(zod, ts)) return [`${at}: zod says ${describe(zod)}, TypeScript says ${describe(ts)}`];
  if (zod.kind === "enum" && ts.kind === "enum") {
    const a = [...zod.values].sort().join("|");
    const b = [...ts.values].sort().join("|");
    return a === b ? [] : [`${at}: zod allows ${a}, TypeScript ${b}`];
  }
  if (zod.kind === "array" && ts.kind === "array") return disagreements(zod.items, ts.items, `${path}[]`);
  if (zod.kind === "map" && ts.kind === "map") return disagreements(zod.values, ts.values, `${path}.*`);
  if (zod.kind !== "object" || ts.kind !== "object") return [];
  const out: string[] = [];
  for (const k of new Set([...Object.keys(zod.props), ...Object.keys(ts.props)])) {
    const p = path ? `${path}.${k}` : k;
    const z = zod.props[k];
    const t = ts.props[k];
    if (!z || !t) {
      out.push(`${p}: only ${z ? "the zod schema" : "the TypeScript type"} has it`);
      continue;
    }
    if (z.required !== t.required)
      out.push(
        `${p}: zod says ${z.required ? "required" : "optional"}, TypeScript ${t.required ? "required" : "optional"}`,
      );
    out.push(...disagreements(z.shape, t.shape, p));
  }
  return out;
}

/**
 * The zod shape (the engines' truth: names, required, kinds, enums) with what only the TypeScript shape
 * knows: descriptions, object type names, and a concrete kind where zod accepts anything.
 */
export function merge(zod: Shape, ts: Shape | undefined): Shape {
  if (!ts) return zod;
  if (zod.kind === "any") return ts;
  if (zod.kind === "array" && ts.kind === "array")
    return { kind: "array", items: merge(zod.items, ts.items) };
  if (zod.kind === "map" && ts.kind === "map") return { kind: "map", values: merge(zod.values, ts.values) };
  if (zod.kind !== "object" || ts.kind !== "object") return zod;
  const props: Record<string, Prop> = {};
  for (const [k, p] of Object.entries(zod.props)) {
    const t = ts.props[k];
    const description = t?.description ?? p.description;
    props[k] = {
      shape: merge(p.shape, t?.shape),
      required: p.required,
      ...(description ? { description } : {}),
    };
  }
  return { kind: "object", ...(ts.name ? { name: ts.name } : {}), props };
}

/**
 * Importing an existing resource, the same for every engine and both front-ends (`pulumi-hadr import-spec`
 * and the native plugin's `pulumi import`): the declared inputs without any secret, placeholders for the
 * secrets the reads never use, the engine's own `adopt: true` decision as the guard (check() of a resource
 * being created: an established pair with the requested primary, every node already in the requested mode),
 * then read(). Nothing runs and nothing is written. Engine specifics come from `kind.imports`
 * ({@link ImportRules}).
 */
import { type PropertyFailure, ValidationError } from "../errors";
import type { HookContext, Hooks } from "./controller";
import type { Engine, EngineKind, ImportRules, Session } from "./engine";
import type { Props } from "./props";

const isRecord = (v: unknown): v is Props => typeof v === "object" && v !== null && !Array.isArray(v);

/** The nested secrets of `rules` as [top-level input, field] pairs. */
const nested = (rules: ImportRules): Array<[string, string, string]> =>
  Object.entries(rules.nestedSecrets).map(([p, placeholder]) => {
    const dot = p.indexOf(".");
    return [p.slice(0, dot), p.slice(dot + 1), placeholder];
  });

/**
 * A copy of `props` without any secret of `kind`: its secret inputs are left out, except a secret object
 * that holds a nested secret ({@link ImportRules.nestedSecrets}), which keeps its other fields.
 */
export function withoutSecrets(kind: EngineKind, props: Props): Props {
  const keep = new Map<string, string[]>();
  for (const [top, field] of nested(kind.imports)) keep.set(top, [...(keep.get(top) ?? []), field]);
  const out: Props = {};
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined) continue;
    const fields = keep.get(k);
    if (fields && isRecord(v))
      out[k] = Object.fromEntries(Object.entries(v).filter(([f]) => !fields.includes(f)));
    else if (!kind.secretInputs.includes(k)) out[k] = v;
  }
  return out;
}

/** `declared` with each nested secret it lacks set to its placeholder (validation needs a value; reads don't). */
export function withPlaceholders(rules: ImportRules, declared: Props): Props {
  const out: Props = { ...declared };
  for (const [top, field, placeholder] of nested(rules)) {
    const v = out[top];
    if (isRecord(v) && !(field in v)) out[top] = { ...v, [field]: placeholder };
  }
  return out;
}

/**
 * `declared` with every `<key>File` of the objects {@link ImportRules.fileInputs} names replaced by `<key>`
 * holding the file's content (`read` resolves the name, e.g. relative to the inputs file).
 */
export function withFiles(rules: ImportRules, declared: Props, read: (file: string) => string): Props {
  const at = (v: unknown, parts: readonly string[], key: string): unknown => {
    if (!isRecord(v)) return v;
    if (parts.length === 0) {
      const { [`${key}File`]: file, ...rest } = v;
      return typeof file === "string" ? { ...rest, [key]: read(file) } : v;
    }
    const [head, ...tail] = parts as [string, ...string[]];
    if (head === "*") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, at(x, tail, key)]));
    return head in v ? { ...v, [head]: at(v[head], tail, key) } : v;
  };
  let out: unknown = declared;
  for (const [p, key] of Object.entries(rules.fileInputs)) out = at(out, p.split("."), key);
  return out as Props;
}

/**
 * What an import read found: the id create would give, what read() returned (`props`: the inputs read with
 * and the live outputs; `inputs`: the inputs it writes back, if any) and the live outputs alone (`live`); or
 * why it may not be imported.
 */
export type ImportRead =
  | { id: string; props: Props; live: Props; inputs?: Props }
  | { failures: PropertyFailure[]; refused: boolean };

/**
 * Reads an existing resource for an import from `login` (the declared inputs with keys and placeholders):
 * validation, the adopt guard (check() with `adopt: true` of a resource being created, so the engine's own
 * adopt decision says whether it may be imported), then read(). `refused` marks a guard failure (the inputs
 * were valid). Never writes.
 */
export async function readForImport(
  engine: Pick<Engine<unknown, Session, unknown, unknown, unknown>, "validate" | "lift" | "idOf" | "keys">,
  hooks: Hooks,
  login: Props,
  ctx: HookContext,
): Promise<ImportRead> {
  const v = engine.validate(engine.lift(login));
  if (v.failures.length > 0 || v.spec === undefined) return { failures: v.failures, refused: false };
  const guard = await hooks.check({}, { ...login, adopt: true }, ctx);
  if (guard.failures && guard.failures.length > 0) return { failures: guard.failures, refused: true };
  const id = engine.idOf(v.spec);
  const r = await hooks.read(id, login, ctx);
  const live: Props = {};
  for (const k of engine.keys.outputs) if (r.props[k] !== undefined) live[k] = r.props[k];
  return { id, props: r.props, live, ...(r.inputs ? { inputs: r.inputs } : {}) };
}

/** Throws the failures of a refused or invalid import read (for front-ends that report by exception). */
export function importFailure(r: Extract<ImportRead, { failures: unknown }>): Error {
  if (!r.refused) return new Error(new ValidationError(r.failures).describe());
  const why = r.failures.map((f) => (f.property ? `${f.property}: ${f.reason}` : f.reason)).join("; ");
  return new Error(`import refused (the adopt guard: nothing was run or written): ${why}`);
}

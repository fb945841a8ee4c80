/**
 * Helpers every resource controller uses: the engine's unknown-value sentinel, separating user inputs from
 * provider-computed properties, turning typed errors into check failures, recording partial failures so the
 * next `pulumi up` resumes, and progress lines.
 */
import { propertyPath } from "../config/issues";
import { describeError, HadrError, type PropertyFailure, ValidationError } from "../errors";

/** What the engine passes for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** True when any value nested in `v` is unknown (preview with inputs computed by other resources). */
export function containsUnknown(v: unknown): boolean {
  if (v === UNKNOWN) return true;
  if (Array.isArray(v)) return v.some(containsUnknown);
  if (v && typeof v === "object") return Object.values(v).some(containsUnknown);
  return false;
}

/** Property paths (as users write them) whose value is unknown at preview. */
export function unknownPaths(v: unknown, path: PropertyKey[] = []): string[] {
  if (v === UNKNOWN) return [propertyPath(path)];
  if (Array.isArray(v)) return v.flatMap((x, i) => unknownPaths(x, [...path, i]));
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => unknownPaths(x, [...path, k]));
  return [];
}

/**
 * The failures that do not depend on a value unknown at preview: a failure at or under an unknown path is
 * dropped (it is checked again at `up`, when the value is known); every other one stands.
 */
export function knownFailures(failures: PropertyFailure[], raw: unknown): PropertyFailure[] {
  const unknown = unknownPaths(raw);
  const under = (p: string, u: string) => p === u || p.startsWith(`${u}.`) || p.startsWith(`${u}[`);
  return failures.filter((f) => !unknown.some((u) => under(f.property, u)));
}

/** The user's inputs only: drops engine-internal `__*` keys and the listed provider-computed keys. */
export function userInputs(
  props: Record<string, unknown>,
  computed: readonly string[],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith("__") || computed.includes(k) || v === undefined) continue;
    out[k] = v;
  }
  return out;
}

/** The resource name the class passed in (`__hadrName`), for progress lines and messages. */
export function resourceName(props: Record<string, unknown>): string {
  return typeof props["__hadrName"] === "string" ? props["__hadrName"] : "resource";
}

/** Check failures from an error: a ValidationError keeps its property list; anything else names `at`. */
export function failuresOf(err: unknown, at: string): PropertyFailure[] {
  if (err instanceof ValidationError) return err.failures;
  return [{ property: at, reason: describeError(err) }];
}

/**
 * Check failures safe to show: the CLI prints the value of a failure's property when it names a top-level
 * input, so a failure on a whole object that holds XML or secrets (`clusters`, `drUser`, `nodes`) is moved to
 * the resource itself, its path kept at the start of the reason. Nested paths print no value and stay.
 */
export function narrowFailures(
  failures: PropertyFailure[],
  objectKeys: readonly string[],
): PropertyFailure[] {
  return failures.map((f) =>
    objectKeys.includes(f.property) ? { property: "", reason: `${f.property}: ${f.reason}` } : f,
  );
}

/** A progress line relayed live by the engine (stdout of the dynamic provider becomes a diagnostic). */
export function progress(name: string, line: string): void {
  console.log(`[${name}] ${line}`);
}

/**
 * The error shape the dynamic-provider server turns into a partial-failure record: the resource is kept in
 * state with `properties` (which must carry `__provider` so destroy can load the provider) and the next
 * `pulumi up` calls update, which resumes.
 */
export function partialFailure(
  err: unknown,
  id: string,
  properties: Record<string, unknown>,
  inputs: Record<string, unknown>,
): Error {
  const message = describeError(err);
  const out = new Error(message) as Error & {
    id: string;
    properties: Record<string, unknown>;
    reasons: string[];
  };
  out.id = id;
  out.properties = { ...properties, __provider: inputs["__provider"], __hadrName: inputs["__hadrName"] };
  out.reasons = [message];
  return out;
}

/** The message a hook throws: the typed description, so the CLI shows code, location and hint. */
export function surface(err: unknown): Error {
  if (err instanceof HadrError) return new Error(err.describe());
  return err instanceof Error ? err : new Error(String(err));
}

/** JSON with object keys sorted, so two values compare equal whatever their key order. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );
}

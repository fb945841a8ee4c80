/**
 * The property bag the engine hands a dynamic provider: the unknown-value sentinel, the user's inputs apart
 * from provider-computed and engine-internal keys, the resource's name, and order-independent comparison.
 */
import { propertyPath } from "../config/issues";

/** What the engine passes for a value not known during preview. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Properties as the engine passes them. */
export type Props = Record<string, unknown>;

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

/** The user's inputs only: drops engine-internal `__*` keys and the listed provider-computed keys. */
export function userInputs(props: Props, computed: readonly string[]): Props {
  const out: Props = {};
  for (const [k, v] of Object.entries(props)) {
    if (k.startsWith("__") || computed.includes(k) || v === undefined) continue;
    out[k] = v;
  }
  return out;
}

/** JSON with object keys sorted, so two values compare equal whatever their key order. */
export function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x) =>
    x && typeof x === "object" && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)))
      : x,
  );
}

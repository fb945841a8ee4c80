/**
 * Check failures and hook errors as the CLI shows them: failures that wait for unknown values are dropped,
 * failures on whole objects holding XML or secrets are moved to the resource, typed errors keep their code,
 * location and hint.
 */
import { describeError, HadrError, type PropertyFailure, ValidationError } from "../errors";
import { unknownPaths } from "./props";

/**
 * The failures that do not depend on a value unknown at preview: a failure at or under an unknown path is
 * dropped (it is checked again at `up`, when the value is known); every other one stands.
 */
export function knownFailures(failures: PropertyFailure[], raw: unknown): PropertyFailure[] {
  const unknown = unknownPaths(raw);
  const under = (p: string, u: string) => p === u || p.startsWith(`${u}.`) || p.startsWith(`${u}[`);
  return failures.filter((f) => !unknown.some((u) => under(f.property, u)));
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

/** The message a hook throws: the typed description, so the CLI shows code, location and hint. */
export function surface(err: unknown): Error {
  if (err instanceof HadrError) return new Error(err.describe());
  return err instanceof Error ? err : new Error(String(err));
}

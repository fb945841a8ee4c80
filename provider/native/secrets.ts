/**
 * Secrets on the native provider's wire. The Node.js provider server tells the engine it accepts secrets, so
 * a secret arrives wrapped in the RPC sentinel object and the engine no longer re-marks outputs itself:
 * what the provider returns unwrapped is stored in plaintext. So every hook reveals its inputs for the
 * controller and conceals its results: each top-level property the schema marks secret, and each one that
 * held a secret when it came in (a value the program made secret), is returned wrapped.
 */

/** The key marking a special RPC value, and the value marking a secret (sdk/nodejs/runtime/rpc). */
const SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

type Props = Record<string, unknown>;

/** True for a wrapped secret. */
export function isSecret(v: unknown): v is { value: unknown } {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SIG] === SECRET_SIG;
}

/** `v` wrapped as a secret (once). */
export function secret(v: unknown): unknown {
  return isSecret(v) ? v : { [SIG]: SECRET_SIG, value: v };
}

/** `v` with every secret unwrapped, however deep. */
export function reveal(v: unknown): unknown {
  if (isSecret(v)) return reveal(v.value);
  if (Array.isArray(v)) return v.map(reveal);
  if (typeof v === "object" && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, reveal(x)]));
  return v;
}

/** True when `v` holds a secret anywhere. */
export function holdsSecret(v: unknown): boolean {
  if (isSecret(v)) return true;
  if (Array.isArray(v)) return v.some(holdsSecret);
  if (typeof v === "object" && v !== null) return Object.values(v).some(holdsSecret);
  return false;
}

/** The top-level keys of `props` that hold a secret. */
export function secretKeysOf(props: Props | undefined): string[] {
  return Object.entries(props ?? {})
    .filter(([, v]) => holdsSecret(v))
    .map(([k]) => k);
}

/** `props` with each of `keys` that is present wrapped as a secret. */
export function conceal(props: Props, keys: readonly string[]): Props {
  const out: Props = {};
  for (const [k, v] of Object.entries(props)) out[k] = keys.includes(k) && v !== undefined ? secret(v) : v;
  return out;
}

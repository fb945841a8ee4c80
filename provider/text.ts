/** Small text helpers every layer may use. */

/** `s` with every regular-expression metacharacter escaped, to match it literally inside a RegExp. */
export function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

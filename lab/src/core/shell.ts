/** Shell quoting: the lab's one helper for putting a string into a bash/POSIX shell command line. */

/** Single-quotes `s` for a POSIX shell (a `'` inside becomes `'\''`). */
export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

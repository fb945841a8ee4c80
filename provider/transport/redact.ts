/** The mask that replaces every secret in text that leaves the provider. */
export const SECRET_MASK = "[secret]";

/**
 * Masks known secret values in text (tool output, error messages, progress lines). Secrets shorter than
 * 4 characters are still masked; empty ones are ignored. Longer secrets are replaced first so that a secret
 * containing another is masked whole.
 */
export class Redactor {
  private readonly secrets: string[];

  constructor(secrets: Array<string | undefined | null>) {
    const uniq = new Set(secrets.filter((s): s is string => typeof s === "string" && s.length > 0));
    // A multi-line secret (a private key) is also masked line by line, in case a tool echoes part of it.
    for (const s of [...uniq]) {
      if (s.includes("\n")) {
        for (const line of s.split(/\r?\n/)) if (line.trim().length >= 16) uniq.add(line.trim());
      }
    }
    this.secrets = [...uniq].sort((a, b) => b.length - a.length);
  }

  /** Returns `text` with every secret replaced by {@link SECRET_MASK}. */
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join(SECRET_MASK);
    return out;
  }

  /** True when `text` contains any secret (used by tests and by last-line-of-defence checks). */
  leaks(text: string): boolean {
    return this.secrets.some((s) => text.includes(s));
  }

  /** A redactor that also masks `more`. */
  with(...more: Array<string | undefined | null>): Redactor {
    return new Redactor([...this.secrets, ...more]);
  }
}

/** Quotes a string for a POSIX shell (single quotes, embedded quotes escaped). */
export function shellQuote(s: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}

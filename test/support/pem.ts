/**
 * Key-shaped text for tests of bad keys: a private-key PEM header and footer around a body that is no key.
 * The armour is built from parts, so no source file holds a literal private-key block; real keys are generated
 * at run time (the lab's `lab up`).
 */

const DASHES = "-".repeat(5);
const LABEL = `OPENSSH ${"PRIV"}ATE KEY`;

/** `body` wrapped in an OpenSSH private-key header and footer (the footer left out with `footer: false`). */
export function unusableKey(body: string, footer = true): string {
  const head = `${DASHES}BEGIN ${LABEL}${DASHES}\n${body}\n`;
  return footer ? `${head}${DASHES}END ${LABEL}${DASHES}\n` : head;
}

/**
 * A real private key for unit tests, made at run time (no key is ever committed): the schemas parse keys
 * the way the SSH transport does, so a fake one would be refused.
 */
import { generateKeyPairSync } from "node:crypto";

const cached = new Map<string, string>();

/** A PEM (SEC1) ecdsa-p256 private key, the same for the whole test process for each `label`. */
export function testPrivateKey(label = "default"): string {
  let key = cached.get(label);
  if (key === undefined) {
    key = generateKeyPairSync("ec", {
      namedCurve: "prime256v1",
      privateKeyEncoding: { type: "sec1", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    }).privateKey;
    cached.set(label, key);
  }
  return key;
}

/** The base64 body lines of a PEM key: what must never appear in any message. */
export function keyBodyLines(pem: string): string[] {
  return pem.split("\n").filter((l) => l !== "" && !l.startsWith("-----"));
}

/**
 * What a leak check looks for: the whole PEM, and every `width`-character slice of its base64 body (the body
 * lines joined), so a key printed in part, re-wrapped or with escaped newlines is still found.
 */
export function keyPieces(pem: string, width = 16): string[] {
  const body = keyBodyLines(pem).join("");
  const pieces = new Set<string>([pem.trim()]);
  for (let i = 0; i + width <= body.length; i++) pieces.add(body.slice(i, i + width));
  return [...pieces];
}

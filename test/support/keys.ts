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

/**
 * hadr keys and the DR user cipher. The real tool runs `gs_guc generate -S default -o hadr` and
 * `gs_encrypt -f hadr "<user>|<pwd>"` (the password on an argv); the lab emulation does both in-process
 * (AES-256-CBC keyed from `hadr.key.cipher` + `hadr.key.rand`) so the secret never reaches a command line.
 */
import { createCipheriv, createHash, randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Paths of the hadr key files under `$GAUSSHOME/bin`. */
export function hadrKeyPaths(gausshome: string): { cipher: string; rand: string } {
  return {
    cipher: path.join(gausshome, "bin", "hadr.key.cipher"),
    rand: path.join(gausshome, "bin", "hadr.key.rand"),
  };
}

/** True when both key files exist. */
export function hadrKeysExist(gausshome: string): boolean {
  const k = hadrKeyPaths(gausshome);
  return fs.existsSync(k.cipher) && fs.existsSync(k.rand);
}

/** Generates the two key files (mode 0600). */
export function generateHadrKeys(gausshome: string): void {
  const k = hadrKeyPaths(gausshome);
  fs.mkdirSync(path.dirname(k.cipher), { recursive: true });
  fs.writeFileSync(k.cipher, randomBytes(64), { mode: 0o600 });
  fs.writeFileSync(k.rand, randomBytes(32), { mode: 0o600 });
  fs.chmodSync(k.cipher, 0o600);
  fs.chmodSync(k.rand, 0o600);
}

/** `gs_encrypt -f hadr "<user>|<pwd>"`: base64 of iv + AES-256-CBC ciphertext. */
export function encryptHadrUserInfo(gausshome: string, user: string, password: string): string {
  const k = hadrKeyPaths(gausshome);
  const key = createHash("sha256")
    .update(Buffer.concat([fs.readFileSync(k.cipher), fs.readFileSync(k.rand)]))
    .digest();
  const iv = randomBytes(16);
  const c = createCipheriv("aes-256-cbc", key, iv);
  return Buffer.concat([iv, c.update(`${user}|${password}`, "utf8"), c.final()]).toString("base64");
}

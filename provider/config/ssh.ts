import { z } from "zod";

/** `SHA256:<base64 without padding>` as `ssh-keygen -lf` prints an ed25519/ecdsa/rsa host key fingerprint. */
export const HOST_KEY_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** A host name or IPv4 address a node is reached at. */
export const hostSchema = z
  .string()
  .min(1, "must not be empty")
  .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$|^\d{1,3}(\.\d{1,3}){3}$/, "must be a host name or an IPv4 address");

/** SSH settings of one cluster or node. `hostKeys` pins host keys by host; `insecure` is the only way around. */
export const sshSettingsSchema = z
  .object({
    /** Login user; the engines give the vendor default (omm, kingbase). */
    user: z
      .string()
      .regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a POSIX user name")
      .optional(),
    /** OpenSSH or PEM private key text (secret). */
    privateKey: z
      .string()
      .min(1, "must be the private key text (not a path)")
      .refine((k) => /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(k), "must be a PEM/OpenSSH private key text"),
    /** Passphrase of the private key, if any (secret). */
    passphrase: z.string().optional(),
    port: z.number().int().min(1, "must be 1..65535").max(65535, "must be 1..65535").default(22),
    /** host -> `SHA256:...` fingerprint; required for every host unless `insecure` is true. */
    hostKeys: z
      .record(z.string(), z.string().regex(HOST_KEY_FINGERPRINT, "must be a `SHA256:…` fingerprint"))
      .default({}),
    /** Skip host-key verification. Never the default. */
    insecure: z.boolean().default(false),
    /** Seconds to wait for the TCP connection and SSH handshake. */
    connectTimeoutSeconds: z.number().int().min(1).max(600).default(15),
  })
  .strict()
  .superRefine((ssh, ctx) => {
    const problem = privateKeyProblem(ssh.privateKey, ssh.passphrase);
    if (problem) ctx.addIssue({ code: "custom", path: ["privateKey"], message: problem });
  });

/**
 * Parses a private key the way the SSH transport will (ssh2) and says what is wrong in fixed words: the
 * parser's own message is never used, so no byte of the key can reach a failure.
 */
export function privateKeyProblem(key: string, passphrase: string | undefined): string | null {
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key)) return null; // reported by the schema itself
  const { utils } = require("ssh2") as typeof import("ssh2");
  let parsed: ReturnType<typeof utils.parseKey>;
  try {
    parsed = utils.parseKey(key, passphrase);
  } catch {
    return "is not a usable private key (expected an OpenSSH or PEM ed25519, ecdsa or rsa key)";
  }
  if (!(parsed instanceof Error)) return null;
  if (/passphrase|encrypted/i.test(parsed.message))
    return passphrase === undefined
      ? "is encrypted: give its passphrase in ssh.passphrase"
      : "cannot be decrypted with ssh.passphrase";
  return "is not a usable private key (expected an OpenSSH or PEM ed25519, ecdsa or rsa key)";
}

/** Parsed SSH settings. */
export type SshSettings = z.infer<typeof sshSettingsSchema>;
/** SSH settings as a user writes them (defaults not applied yet). */
export type SshSettingsInput = z.input<typeof sshSettingsSchema>;

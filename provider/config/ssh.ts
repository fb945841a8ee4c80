import { z } from "zod";
import type { PropertyFailure } from "../errors";
import { propertyPath } from "./issues";

/** The armour line a PEM or OpenSSH private key starts with (RSA, EC, OPENSSH, PKCS#8, …). */
const PRIVATE_KEY_HEADER = /-{5}BEGIN [A-Z ]*PRIVATE KEY-{5}/;

/** `SHA256:<base64 without padding>` as `ssh-keygen -lf` prints an ed25519/ecdsa/rsa host key fingerprint. */
const HOST_KEY_FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** A host name or IPv4 address a node is reached at. */
export const hostSchema = z
  .string()
  .min(1, "must not be empty")
  .regex(/^[A-Za-z0-9][A-Za-z0-9.-]*$|^\d{1,3}(\.\d{1,3}){3}$/, "must be a host name or an IPv4 address");

/**
 * The key material of a login (secret): a top-level input of each resource (`sshKey`, and per-cluster or
 * per-node overrides), never inside `clusters` / `nodes`, so those stay visible in `pulumi preview --diff`.
 */
export const sshKeySchema = z
  .object({
    /** OpenSSH or PEM private key text (secret). */
    privateKey: z
      .string()
      .min(1, "must be the private key text (not a path)")
      .refine((k) => PRIVATE_KEY_HEADER.test(k), "must be a PEM/OpenSSH private key text"),
    /** Passphrase of the private key, if any (secret). */
    passphrase: z.string().optional(),
  })
  .strict()
  .superRefine((key, ctx) => {
    const problem = privateKeyProblem(key.privateKey, key.passphrase);
    if (problem) ctx.addIssue({ code: "custom", path: ["privateKey"], message: problem });
  });

/** Parsed key material. */
export type SshKey = z.infer<typeof sshKeySchema>;

/** Where key material used to sit (pulumi-hadr before 0.3); refused in new inputs with where it moved. */
const LEGACY_KEY_FIELDS = ["privateKey", "passphrase"] as const;

/** A POSIX login name. */
const posixUser = z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, "must be a POSIX user name");

/**
 * A jump host (bastion) the login goes through: the provider logs in there first and opens a TCP channel to
 * each node from it (`direct-tcpip`, what `ssh -J` does). Its host key is pinned like the nodes'. Its key is the
 * top-level `proxySshKey`, else the login's own key (or agent).
 */
const sshProxySchema = z
  .object({
    host: hostSchema.describe("Address or name of the jump host, as this machine reaches it."),
    port: z
      .number()
      .int()
      .min(1, "must be 1..65535")
      .max(65535, "must be 1..65535")
      .default(22)
      .describe("SSH port of the jump host (default 22)."),
    user: posixUser.describe("Login user on the jump host."),
    hostKey: z
      .string()
      .regex(HOST_KEY_FINGERPRINT, "must be the jump host's `SHA256:…` fingerprint (ssh-keygen -lf)")
      .describe("Pinned `SHA256:…` host-key fingerprint of the jump host (always verified)."),
  })
  .strict();

/** A parsed jump host. */
type SshProxy = z.infer<typeof sshProxySchema>;

const AGENT_RULE = "must be true ($SSH_AUTH_SOCK) or the absolute path of an ssh-agent socket";

/** An ssh-agent socket path: absolute, no whitespace. */
const AGENT_SOCKET_PATTERN = /^\/[^\s]*$/;

/** SSH settings of one cluster or node, without key material. `hostKeys` pins host keys by host. */
export const sshLoginSchema = z
  .object({
    /** Login user; the engines give the vendor default (omm, kingbase). */
    user: posixUser.optional(),
    port: z.number().int().min(1, "must be 1..65535").max(65535, "must be 1..65535").default(22),
    /** host -> `SHA256:...` fingerprint; required for every host unless `insecure` is true. */
    hostKeys: z
      .record(z.string(), z.string().regex(HOST_KEY_FINGERPRINT, "must be a `SHA256:…` fingerprint"))
      .default({}),
    /** Skip host-key verification. Never the default. */
    insecure: z.boolean().default(false),
    /** Seconds to wait for the TCP connection and SSH handshake. */
    connectTimeoutSeconds: z.number().int().min(1).max(600).default(15),
    /** Jump host the login goes through (see {@link sshProxySchema}). */
    proxy: sshProxySchema
      .optional()
      .describe("Jump host (bastion) every connection of this login goes through; its host key is pinned."),
    /** Authenticate with an ssh-agent: `true` = `$SSH_AUTH_SOCK` of the Pulumi process, or a socket path. */
    agent: z
      .union([z.boolean(), z.string().regex(AGENT_SOCKET_PATTERN, AGENT_RULE)], AGENT_RULE)
      .optional()
      .describe(
        "Authenticate with an ssh-agent instead of (or besides) a key input: true uses $SSH_AUTH_SOCK of the Pulumi process, a string is the agent's socket path.",
      ),
  })
  .strict();

/** Parsed login settings (no key). */
export type SshLogin = z.infer<typeof sshLoginSchema>;

/**
 * Parses a private key the way the SSH transport will (ssh2) and says what is wrong in fixed words: the
 * parser's own message is never used, so no byte of the key can reach a failure.
 */
export function privateKeyProblem(key: string, passphrase: string | undefined): string | null {
  if (!PRIVATE_KEY_HEADER.test(key)) return null; // reported by the schema itself
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
      ? "is encrypted: give its passphrase in passphrase (next to privateKey)"
      : "cannot be decrypted with the passphrase given next to it";
  return "is not a usable private key (expected an OpenSSH or PEM ed25519, ecdsa or rsa key)";
}

/**
 * Parsed SSH settings of one login as the transport uses them: login settings plus the resolved key (absent
 * when the login authenticates with its agent only) and route (agent socket, jump host with its key).
 */
export type SshSettings = SshLogin & Partial<SshKey> & LoginRoute;

/** How a login authenticates beyond its key and which way it goes (resolved by {@link resolveRoute}). */
export interface LoginRoute {
  /** The ssh-agent socket to authenticate with (from `agent`). */
  agentSocket?: string;
  /** The jump host with what it authenticates with. */
  via?: SshProxy & Partial<SshKey> & { agentSocket?: string };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Failures for key material written inside a login object (`clusters.A.ssh.privateKey`): it moved to a
 * top-level secret input. `movedTo` names that input for this login (e.g. `sshKey or clusterSshKeys.A`).
 */
export function legacyKeyFailures(ssh: unknown, at: PropertyKey[], movedTo: string): PropertyFailure[] {
  if (!isObject(ssh)) return [];
  return LEGACY_KEY_FIELDS.filter((k) => k in ssh).map((k) => ({
    property: propertyPath([...at, k]),
    reason: `has moved out of ${propertyPath(at)}: give it as ${movedTo.replace(/\*/g, k)} (a top-level secret input, so ${String(at[0])} stays visible in previews; see README "Upgrading")`,
  }));
}

/** The login object without the legacy key fields (they are reported by {@link legacyKeyFailures}). */
export function withoutLegacyKey(ssh: unknown): unknown {
  if (!isObject(ssh)) return ssh;
  return Object.fromEntries(
    Object.entries(ssh).filter(([k]) => !(LEGACY_KEY_FIELDS as readonly string[]).includes(k)),
  );
}

/** Every string of key material anywhere under `v` (for redaction of failure reasons). */
export function keyMaterial(v: unknown): string[] {
  if (!isObject(v)) return [];
  const out: string[] = [];
  for (const k of LEGACY_KEY_FIELDS) if (typeof v[k] === "string") out.push(v[k] as string);
  for (const x of Object.values(v)) if (isObject(x)) out.push(...keyMaterial(x));
  return out;
}

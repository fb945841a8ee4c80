/**
 * The root program's stack-config schema and reader. Each config object is derived from its engine's input
 * schema (provider/engines/{opengauss,kingbase}/schema.ts): the key-material inputs are omitted (keys are named config values, see
 * `privateKeyConfig`, `passphraseConfig`, `drUser.passwordConfig`) and config-only keys are added (`xmlFile`).
 * Fields the config checks only by type are overridden with type-only checks, so every value problem is reported
 * once, by the resource, with the same message as when the resource is used from a program; a new engine input
 * appears here with the engine's own check.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { issueReason } from "../provider/config/issues";
import { sshLoginSchema } from "../provider/config/ssh";
import { policyNodeSchema, recoveryPolicyInputSchema } from "../provider/engines/kingbase/schema";
import { drClusterSchema, drRelationshipSchema, drUserSchema } from "../provider/engines/opengauss/schema";

/** The config namespace. */
export const NS = "hadr";

/** The config keys (namespace {@link NS}) that declare resources: name → the resource's config. */
export const CONFIG_KEYS = {
  drRelationships: "drRelationships",
  recoveryPolicies: "recoveryPolicies",
} as const;

/** The secret config keys used when a config names no other (`privateKeyConfig`, `drUser.passwordConfig`). */
export const SECRET_KEYS = { sshPrivateKey: "sshPrivateKey", drPassword: "drPassword" } as const;

/** A config key naming another (secret) config value: `name` (namespace `hadr`) or `namespace:name`. */
const configKeyName = z
  .string()
  .regex(/^([A-Za-z0-9_.-]+:)?[A-Za-z0-9_.-]+$/, "must be a config key such as `otherKey` or `ns:otherKey`");

/** A login in config: the engine's login settings (types only) plus the names of the key's config values. */
const sshConfig = sshLoginSchema.extend({
  user: z.string().optional(),
  port: z.number().int().optional(),
  hostKeys: z.record(z.string(), z.string()).optional(),
  insecure: z.boolean().optional(),
  connectTimeoutSeconds: z.number().int().optional(),
  privateKeyConfig: configKeyName.optional(),
  passphraseConfig: configKeyName.optional(),
});
/** A parsed login from config. */
export type SshConfig = z.infer<typeof sshConfig>;

/** One cluster of a DR relationship: the engine's cluster, with `xml` or `xmlFile` (read here). */
const drClusterConfig = drClusterSchema
  .extend({
    xml: z.string().min(1).optional(),
    xmlFile: z.string().min(1).optional(),
    ssh: sshConfig,
    envFile: z.string().optional(),
    node: z.string().optional(),
    drParams: z
      .object({
        localStreamIpmap1: z.string(),
        remoteStreamIpmap1: z.string(),
        remotedataPortBase: z.number().int(),
      })
      .strict()
      .optional(),
  })
  .refine((c) => (c.xml === undefined) !== (c.xmlFile === undefined), {
    message:
      "give exactly one of `xml` (the install XML's content) or `xmlFile` (a path relative to the project)",
  })
  // `xmlFile` is read here, so a missing file is reported with every other config problem at once.
  .transform((c, ctx) => {
    const { xml, xmlFile, ...rest } = c;
    if (xml !== undefined) return { ...rest, xml };
    const abs = path.resolve(pulumi.runtime.getRootDirectory(), xmlFile!);
    try {
      return { ...rest, xml: fs.readFileSync(abs, "utf8") };
    } catch (e) {
      const why =
        e instanceof Error && "code" in e ? String((e as NodeJS.ErrnoException).code) : "unreadable";
      ctx.addIssue({ code: "custom", path: ["xmlFile"], message: `cannot read ${abs} (${why})` });
      return z.NEVER;
    }
  });

/** `hadr:drRelationships.<name>`: the engine's inputs without key material; the password is a config name. */
export const drRelationshipConfig = drRelationshipSchema
  .omit({ sshKey: true, clusterSshKeys: true, proxySshKey: true })
  .extend({
    clusters: z.record(z.string(), drClusterConfig),
    primary: z.string().min(1),
    drUser: drUserSchema
      .omit({ password: true })
      .extend({ name: z.string().min(1), passwordConfig: configKeyName.optional() }),
    allowDataLoss: z.boolean().optional(),
    timeoutSeconds: z.number().int().optional(),
    adopt: z.boolean().optional(),
  });

/** One `hadr:drRelationships` entry as written in stack config (before `xmlFile` is read). */
export type DrRelationshipConfigInput = z.input<typeof drRelationshipConfig>;

/** One node of a recovery policy: the engine's node, with config logins. */
const policyNodeConfig = policyNodeSchema.extend({
  host: z.string().min(1),
  ssh: sshConfig,
  rootSsh: sshConfig.optional(),
});

/** `hadr:recoveryPolicies.<name>`: the engine's inputs without key material. */
export const recoveryPolicyConfig = recoveryPolicyInputSchema
  .omit({ sshKey: true, nodeSshKeys: true, rootSshKey: true, nodeRootSshKeys: true, proxySshKey: true })
  .extend({
    nodes: z.array(policyNodeConfig).min(1, "must list every node of the cluster"),
    paths: z.record(z.string(), z.string()).optional(),
    acknowledgeDataLoss: z.boolean().optional(),
    adopt: z.boolean().optional(),
  });

/** One `hadr:recoveryPolicies` entry as written in stack config. */
export type RecoveryPolicyConfigInput = z.input<typeof recoveryPolicyConfig>;

const SECRET_PROPS: Record<string, string> = {
  privateKey:
    "private keys never go in plain config: set the secret `hadr:sshPrivateKey` or name another secret key with `privateKeyConfig`",
  passphrase: "passphrases never go in plain config: name a secret config key with `passphraseConfig`",
  password:
    "the DR password never goes in plain config: set the secret `hadr:drPassword` or name another secret key with `drUser.passwordConfig`",
};

/** A config path as users write it: `hadr:<key>.<a>[0]["b c"]`. */
export function pathOf(key: string, segments: readonly PropertyKey[]): string {
  let out = `${NS}:${key}`;
  for (const s of segments) {
    if (typeof s === "number") out += `[${s}]`;
    else if (typeof s === "string" && /^[A-Za-z_$][A-Za-z0-9_$-]*$/.test(s)) out += `.${s}`;
    else out += `[${JSON.stringify(String(s))}]`;
  }
  return out;
}

/**
 * Parses one structured config key with zod. Returns the value, or the problems as
 * `hadr:<key>.<path>: <reason>` lines (never a config value: it could be a misplaced secret).
 */
export function readObject<T>(
  cfg: pulumi.Config,
  key: string,
  schema: z.ZodType<T>,
): { value?: T; problems: string[] } {
  let raw: unknown;
  try {
    raw = cfg.getObject<unknown>(key);
  } catch {
    return { problems: [`${NS}:${key}: must be a YAML/JSON object`] };
  }
  if (raw === undefined) return { problems: [] };
  const r = schema.safeParse(raw);
  if (r.success) return { value: r.data, problems: [] };
  const lines: string[] = [];
  for (const issue of r.error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const k of issue.keys) {
        lines.push(`${pathOf(key, [...issue.path, k])}: ${SECRET_PROPS[k] ?? "unknown property"}`);
      }
      continue;
    }
    lines.push(`${pathOf(key, issue.path)}: ${issueReason(issue)}`);
  }
  return { problems: [...new Set(lines)] };
}

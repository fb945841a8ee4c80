/**
 * Inputs of the `DrRelationship` resource (openGauss two-cluster streaming DR driven through gs_sdr): the zod
 * schema, and {@link validateDrRelationship}, which reports **every** problem at once, each with the property path
 * and what is allowed — schema issues, the clusters' install XML, and the cross-checks between the two clusters.
 *
 * SSH key material is a top-level secret input (`sshKey`, per-cluster overrides in `clusterSshKeys`), not part
 * of `clusters.<name>.ssh`, so `clusters` stays visible in `pulumi preview --diff`. Secrets (`drUser.password`,
 * `sshKey`, `clusterSshKeys`) never appear in a failure reason.
 */
import { z } from "zod";
import { issueFailures, propertyPath } from "../../config/issues";
import { resolveRoute, unusedProxyKeyFailure, usesAgent } from "../../config/route";
import {
  keyMaterial,
  legacyKeyFailures,
  type SshKey,
  type SshSettings,
  sshKeySchema,
  sshLoginSchema,
  withoutLegacyKey,
} from "../../config/ssh";
import type { PropertyFailure } from "../../errors";
import type { ClusterDevice, ClusterTopology } from "./clusterXml";
import { clusterFailures, type PairSide, pairFailures, readTopologies } from "./inputChecks";

/** Top-level inputs that hold secrets: stored encrypted, never shown. */
export const DR_SECRET_INPUTS = ["sshKey", "clusterSshKeys", "drUser", "proxySshKey"] as const;

/** Cluster names: a letter, then letters, digits, `_` or `-` (they appear in plan lines and state keys). */
const CLUSTER_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Characters gs_sdr refuses in the DR user name (§1.3, `[GAUSS-50025]`): `| ; & $ < > \` \ ' " { } ( ) [ ] ~ * ? ! `,
 * space and newline. We also refuse every other whitespace/control character (tab, CR), which would break the
 * `gs_encrypt "<user>|<pwd>"` and `gsql -U` command lines gs_sdr builds.
 */
const DR_USER_FORBIDDEN_CHARS = "|;&$<>`\\'\"{}()[]~*?! \n";

/**
 * Characters allowed in the DR password. gs_sdr's password check differs by version (§1.3): every release up to
 * 7.0.0-RC3 refuses the injection characters `| ; & $ < > \` \ ' " { } ( ) [ ] ~ * ? !`, whitespace and newline;
 * master only accepts `^[A-Za-z0-9~!@#%^*\-_=+?,]+$`. The intersection of both — letters, digits and
 * `@ # % ^ _ = + , -` — is accepted by every version and is inert inside the single- and double-quoted shell
 * words gs_sdr builds (`gs_encrypt -f hadr "<user>|<pwd>"`, `gs_ctl build -P '<pwd>'`, `gsql -W '<pwd>'`).
 * `.` (docs/vendor/opengauss-gs_sdr.md §10) is left out on purpose: master's regex has no `.`, so such a
 * password fails there with `[GAUSS-50024]`.
 */
const DR_PASSWORD_PATTERN = /^[A-Za-z0-9@#%^_=+,-]+$/;

/** DR password length: 8 (openGauss's default `password_min_length`) to 64 (bounded command and PTY lines). */
const DR_PASSWORD_LENGTH = { min: 8, max: 64 } as const;

/** Characters allowed in `envFile`: a path sourced (unquoted, so `~` expands) before every remote command. */
const ENV_FILE_PATTERN = /^(~\/|\/)[A-Za-z0-9_./~-]*$/;

const drParamsSchema = z
  .object({
    /** `(sshIp,dataIp),…` of this cluster's DN nodes. */
    localStreamIpmap1: z.string().min(1, "must be `(sshIp,dataIp),(sshIp,dataIp),…`"),
    /** `(sshIp,dataIp),…` of the peer cluster's DN nodes. */
    remoteStreamIpmap1: z.string().min(1, "must be `(sshIp,dataIp),(sshIp,dataIp),…`"),
    /** The peer cluster's dataPortBase. */
    remotedataPortBase: z.union(
      [z.number().int().min(1).max(65530), z.string().regex(/^\d{1,5}$/)],
      "must be the peer cluster's dataPortBase (a port number)",
    ),
  })
  .strict();

/** One cluster of the relationship. */
export const drClusterSchema = z
  .object({
    /** The cluster's install XML (content, not a path). */
    xml: z.string().min(1, "must be the content of the cluster's install XML"),
    /** SSH login settings (the shared schema, no key material); the login user defaults to `omm`. */
    ssh: sshLoginSchema.transform((s) => ({ ...s, user: s.user ?? "omm" })),
    /** Sourced before every remote command. */
    envFile: z
      .string()
      .regex(ENV_FILE_PATTERN, "must be an absolute path or ~/…, made of letters, digits and _ . / ~ -")
      .default("~/.bashrc"),
    /** Name of the node gs_sdr runs on (its step files are node-local); default the master node of the XML. */
    node: z.string().min(1, "must be the name of a DEVICE of the cluster's XML").optional(),
    /** DR params the user supplies; validated against the topology (they are derived otherwise). */
    drParams: drParamsSchema.optional(),
  })
  .strict();

/** The DR (replication) user. */
export const drUserSchema = z
  .object({
    /** User name, gs_sdr's rule: at most 256 characters and none of {@link DR_USER_FORBIDDEN_CHARS}. */
    name: z
      .string()
      .min(1, "must not be empty")
      .max(256, "must be at most 256 characters (gs_sdr)")
      .refine(
        (n) =>
          ![...n].some(
            (c) => DR_USER_FORBIDDEN_CHARS.includes(c) || c.charCodeAt(0) < 0x20 || c === "\u007f",
          ),
        "must not contain whitespace, control characters or any of | ; & $ < > ` \\ ' \" { } ( ) [ ] ~ * ? ! (gs_sdr refuses them)",
      ),
    /** Password (secret). See {@link DR_PASSWORD_PATTERN}. */
    password: z
      .string()
      .min(
        DR_PASSWORD_LENGTH.min,
        `must be ${DR_PASSWORD_LENGTH.min} to ${DR_PASSWORD_LENGTH.max} characters`,
      )
      .max(
        DR_PASSWORD_LENGTH.max,
        `must be ${DR_PASSWORD_LENGTH.min} to ${DR_PASSWORD_LENGTH.max} characters`,
      )
      .regex(
        DR_PASSWORD_PATTERN,
        "may only contain letters, digits and @ # % ^ _ = + , - (the characters every gs_sdr version accepts)",
      )
      .refine((p) => !p.startsWith("-"), "must not start with '-'"),
  })
  .strict();

/** Drill ids: what appears in plan lines, outputs and the drill's file names on the hosts. */
const DRILL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Database names the drill's probe writes into: a plain SQL identifier (it appears in gsql's `-d`). */
const DRILL_DATABASE_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A declared drill (docs/drills.md): a changed `id` makes the next `up` switch over and back, measured. */
const drillSchema = z
  .object({
    id: z
      .string()
      .regex(
        DRILL_ID_PATTERN,
        "must be 1 to 64 characters: a letter or digit, then letters, digits and . _ : - (e.g. 2026-Q4)",
      )
      .describe(
        "Names the drill; a new id makes the next `pulumi up` run one drill, an id that already ran never runs again.",
      ),
    switchBack: z
      .boolean()
      .default(true)
      .describe(
        "Switch back to the declared primary after the switchover (default true). false: a measured switchover; set `primary` to the other cluster in the same update.",
      ),
    database: z
      .string()
      .regex(
        DRILL_DATABASE_PATTERN,
        "must be a database name: a letter or _, then letters, digits or _ (at most 63)",
      )
      .default("postgres")
      .describe(
        "Database the probe writes its heartbeat rows into (schema `hadr_drill`, created and dropped by the drill); default postgres.",
      ),
    maxWriteOutageSeconds: z
      .number()
      .positive("must be a number of seconds above 0")
      .max(86400, "must be at most 86400 seconds")
      .optional()
      .describe("The drill fails when the longest write outage of a switchover is above this many seconds."),
  })
  .strict()
  .describe(
    "A switchover drill: switch over to the DR cluster and back, measuring the write outage and data loss.",
  );

/** Inputs of a `DrRelationship`. */
export const drRelationshipSchema = z
  .object({
    /** Exactly two clusters, by name. */
    clusters: z.record(z.string(), drClusterSchema),
    /** Which cluster is primary; changing it means a switchover. */
    primary: z.string().min(1, "must name one of the two clusters"),
    /** The DR user that exists on the primary cluster WITH REPLICATION. */
    drUser: drUserSchema,
    /** Permits `gs_sdr -t failover` (data loss possible) when a switchover is impossible. */
    allowDataLoss: z.boolean().default(false),
    /** gs_sdr `--time-out` and our own deadline, in seconds. */
    timeoutSeconds: z
      .number()
      .int("must be a whole number of seconds")
      .min(60, "must be 60..604800 seconds")
      .max(604800, "must be 60..604800 seconds")
      .default(1200),
    /** The SSH key of every cluster's login unless `clusterSshKeys` names one for it (secret). */
    sshKey: sshKeySchema.optional(),
    /** Per-cluster SSH keys, by cluster name; each overrides `sshKey` for that cluster (secret). */
    clusterSshKeys: z.record(z.string(), sshKeySchema).optional(),
    /** The key of every jump host (`clusters.<n>.ssh.proxy`); default: that cluster's own key (secret). */
    proxySshKey: sshKeySchema
      .optional()
      .describe(
        "Key of the jump hosts (clusters.<name>.ssh.proxy); default: each cluster's own key (secret).",
      ),
    /**
     * Create only adopts an established pair that matches the inputs: nothing runs, no file is written;
     * anything else fails with what was found. Only create looks at it.
     */
    adopt: z.boolean().default(false),
    /** A switchover drill, measured by a heartbeat probe (docs/drills.md). */
    drill: drillSchema.optional(),
  })
  .strict();

type ParsedInputs = z.infer<typeof drRelationshipSchema>;
/** One parsed cluster entry; `ssh` carries the key resolved from `clusterSshKeys` / `sshKey`. */
export type DrClusterArgs = Omit<ParsedInputs["clusters"][string], "ssh"> & {
  ssh: SshSettings & { user: string };
};
/**
 * Parsed `DrRelationship` inputs (defaults applied, each cluster's key resolved into `clusters.<n>.ssh`) — what the
 * engine works with; the resource's public input type is `DrRelationshipArgs` (provider/resources/drRelationship.ts).
 */
export type DrSpec = Omit<ParsedInputs, "clusters" | "sshKey" | "clusterSshKeys" | "proxySshKey"> & {
  clusters: Record<string, DrClusterArgs>;
};
/** Result of {@link validateDrRelationship}. */
export interface DrRelationshipValidation {
  /** The parsed inputs, set when the schema accepted them (cross-check failures may still exist). */
  args?: DrSpec;
  /** Topology of every cluster whose XML parsed, by cluster name. */
  topologies: Record<string, ClusterTopology>;
  /** Every failure found; empty when the inputs are valid. */
  failures: PropertyFailure[];
}

function describeType(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

/** zod per-parse messages for the generic issues: say what is allowed, never the value given. */
function errorMessage(iss: z.core.$ZodRawIssue): string | undefined {
  if (iss.code === "invalid_type") {
    if (iss.input === undefined) return `is required (${iss.expected})`;
    return `must be ${iss.expected === "int" ? "a whole number" : `a ${iss.expected}`}, not ${describeType(iss.input)}`;
  }
  return undefined;
}

function collectSecrets(raw: unknown): string[] {
  const out: string[] = [];
  const r = raw as {
    drUser?: { password?: unknown };
    sshKey?: unknown;
    clusterSshKeys?: unknown;
    proxySshKey?: unknown;
    clusters?: Record<string, { ssh?: unknown }>;
  };
  if (typeof r?.drUser?.password === "string") out.push(r.drUser.password);
  out.push(...keyMaterial(r?.sshKey), ...keyMaterial(r?.clusterSshKeys), ...keyMaterial(r?.proxySshKey));
  if (r?.clusters && typeof r.clusters === "object") {
    for (const c of Object.values(r.clusters)) out.push(...keyMaterial(c?.ssh));
  }
  return out.filter((s) => s.length >= 3);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Key material written inside `clusters.<n>.ssh` (the shape before 0.3): the inputs without it, and one
 * failure per field saying where it moved.
 */
function splitLegacyKeys(raw: unknown): { input: unknown; failures: PropertyFailure[] } {
  if (!isRecord(raw) || !isRecord(raw["clusters"])) return { input: raw, failures: [] };
  const failures: PropertyFailure[] = [];
  const clusters: Record<string, unknown> = {};
  for (const [n, c] of Object.entries(raw["clusters"])) {
    if (!isRecord(c)) {
      clusters[n] = c;
      continue;
    }
    failures.push(
      ...legacyKeyFailures(c["ssh"], ["clusters", n, "ssh"], `sshKey.* (or clusterSshKeys.${n}.*)`),
    );
    clusters[n] = "ssh" in c ? { ...c, ssh: withoutLegacyKey(c["ssh"]) } : c;
  }
  return { input: { ...raw, clusters }, failures };
}

/**
 * Stored state written before 0.3 holds each cluster's key in `clusters.<n>.ssh`: moves it to
 * `clusterSshKeys.<n>` (unless one is there already) so refresh, destroy and the diff of an upgrade read it.
 * Inputs in the current shape come back unchanged. Pure.
 */
export function liftLegacyKeys(props: Record<string, unknown>): Record<string, unknown> {
  const clusters = props["clusters"];
  if (!isRecord(clusters)) return props;
  const lifted: Record<string, SshKey> = {};
  const out: Record<string, unknown> = {};
  let changed = false;
  for (const [n, c] of Object.entries(clusters)) {
    const ssh = isRecord(c) ? c["ssh"] : undefined;
    if (isRecord(c) && isRecord(ssh) && typeof ssh["privateKey"] === "string") {
      changed = true;
      lifted[n] = {
        privateKey: ssh["privateKey"],
        ...(typeof ssh["passphrase"] === "string" ? { passphrase: ssh["passphrase"] } : {}),
      };
      out[n] = { ...c, ssh: withoutLegacyKey(ssh) };
    } else out[n] = c;
  }
  if (!changed) return props;
  const existing = isRecord(props["clusterSshKeys"]) ? props["clusterSshKeys"] : {};
  return { ...props, clusters: out, clusterSshKeys: { ...lifted, ...existing } };
}

/**
 * The key of each cluster: `clusterSshKeys.<n>`, else `sshKey`. Failures for a cluster with neither (unless it
 * is listed in `agentOnly`: it logs in with its ssh-agent) and for an override naming no cluster. Pure.
 */
export function resolveClusterKeys(
  names: readonly string[],
  sshKey: SshKey | undefined,
  overrides: Record<string, SshKey> | undefined,
  agentOnly: readonly string[] = [],
): { keys: Record<string, SshKey>; failures: PropertyFailure[] } {
  const keys: Record<string, SshKey> = {};
  const failures: PropertyFailure[] = [];
  for (const n of names) {
    const k = overrides?.[n] ?? sshKey;
    if (k) keys[n] = k;
    else if (!agentOnly.includes(n))
      failures.push({
        property: "sshKey",
        reason: `is required: cluster "${n}" has no SSH key (give sshKey for every cluster, or clusterSshKeys.${n}, or set clusters.${n}.ssh.agent)`,
      });
  }
  for (const n of Object.keys(overrides ?? {}).sort()) {
    if (!names.includes(n))
      failures.push({
        property: propertyPath(["clusterSshKeys", n]),
        reason: `is not one of the clusters (${names.map((x) => JSON.stringify(x)).join(", ")})`,
      });
  }
  return { keys, failures };
}

function redact(failures: PropertyFailure[], secrets: string[]): PropertyFailure[] {
  if (secrets.length === 0) return failures;
  return failures.map((f) => {
    let reason = f.reason;
    for (const s of secrets) reason = reason.split(s).join("[secret]");
    return { property: f.property, reason };
  });
}

/** The node gs_sdr runs on for a cluster: the `node` input, else the master (dataNode1) node. */
export function runNodeOf(cluster: Pick<DrClusterArgs, "node">, topology: ClusterTopology): ClusterDevice {
  const name = cluster.node ?? topology.masterNode;
  return topology.devices.find((d) => d.name === name || d.sshIp === name) ?? topology.dataNodes[0]!;
}

/**
 * Validates `DrRelationship` inputs and returns the parsed args, the topology of each cluster and **every** failure:
 * schema issues; the install XML of each cluster; and the cross-checks — exactly two clusters, `primary` naming one
 * of them, no host or data IP shared by the two clusters, at most 8 replconninfo slots per DN (local peers + remote
 * DNs), a pinned host key for every host unless `insecure`, `node` naming a host of the cluster, user-supplied
 * `drParams` (or DR params inside the XML) agreeing with the topology.
 */
export function validateDrRelationship(given: unknown): DrRelationshipValidation {
  const legacy = splitLegacyKeys(given);
  const raw = legacy.input;
  const failures: PropertyFailure[] = [...legacy.failures];
  const parsed = drRelationshipSchema.safeParse(raw, { error: errorMessage });
  if (!parsed.success) failures.push(...issueFailures(parsed.error.issues));
  const shape = shapeOf(raw);
  failures.push(...shapeFailures(shape));
  // Each cluster's XML, even when other parts of the inputs are invalid.
  const { topologies, failures: xmlFailures } = readTopologies(shape.clusters, shape.names);
  failures.push(...xmlFailures);
  const data = parsed.success ? parsed.data : undefined;
  const login = data ? resolveLogins(data, shape.names) : undefined;
  if (login) failures.push(...login.failures);
  // The cross-checks read the login settings only: they run even when a key is missing.
  for (const n of shape.names) {
    const t = topologies[n];
    const c = data?.clusters[n];
    if (t && c) failures.push(...clusterFailures(n, c, t));
  }
  if (shape.names.length === 2) {
    const [a, b] = shape.names.map((n): PairSide | undefined => {
      const topology = topologies[n];
      if (!topology) return undefined;
      const rawDrParams = (shape.clusters![n] as { drParams?: unknown } | undefined)?.drParams;
      return { name: n, topology, args: data?.clusters[n], rawDrParams };
    });
    if (a && b) failures.push(...pairFailures(a, b));
  }
  const result: DrRelationshipValidation = { topologies, failures: redact(failures, collectSecrets(given)) };
  if (login?.args) result.args = login.args;
  return result;
}

/** The parts of the raw inputs the cross-checks read before (or without) the schema's parse. */
interface RawShape {
  /** `clusters`, when it is an object. */
  clusters?: Record<string, unknown>;
  /** Its keys, sorted. */
  names: string[];
  /** `primary` as given. */
  primary: unknown;
}

function shapeOf(raw: unknown): RawShape {
  const obj = isRecord(raw) ? raw : {};
  const clusters = isRecord(obj["clusters"]) ? obj["clusters"] : undefined;
  return {
    ...(clusters ? { clusters } : {}),
    names: clusters ? Object.keys(clusters).sort() : [],
    primary: obj["primary"],
  };
}

/** Exactly two clusters with valid names, and `primary` naming one of them. */
function shapeFailures({ clusters, names, primary }: RawShape): PropertyFailure[] {
  const failures: PropertyFailure[] = [];
  if (clusters && names.length !== 2) {
    failures.push({
      property: "clusters",
      reason: `must name exactly two clusters (the primary and the disaster-recovery one), got ${names.length}`,
    });
  }
  for (const n of names) {
    if (!CLUSTER_NAME_PATTERN.test(n)) {
      failures.push({
        property: propertyPath(["clusters", n]),
        reason: "cluster names must start with a letter and contain only letters, digits, _ and -",
      });
    }
  }
  if (clusters && typeof primary === "string" && !names.includes(primary)) {
    failures.push({
      property: "primary",
      reason: `must be one of the cluster names (${names.map((n) => JSON.stringify(n)).join(", ")})`,
    });
  }
  return failures;
}

/**
 * How each cluster logs in: its key (`clusterSshKeys.<n>`, else `sshKey`, unless it uses its ssh-agent) and its
 * route (jump hosts); the engine's args with each key resolved into `clusters.<n>.ssh` when every login resolves.
 */
function resolveLogins(
  data: ParsedInputs,
  names: readonly string[],
): { args?: DrSpec; failures: PropertyFailure[] } {
  const { sshKey, clusterSshKeys, proxySshKey, clusters, ...rest } = data;
  const agentOnly = names.filter((n) => clusters[n] !== undefined && usesAgent(clusters[n].ssh));
  const keyed = resolveClusterKeys(names, sshKey, clusterSshKeys, agentOnly);
  const routes = Object.fromEntries(
    Object.entries(clusters).map(([n, c]) => [
      n,
      resolveRoute(c.ssh, ["clusters", n, "ssh"], keyed.keys[n], proxySshKey),
    ]),
  );
  const routeFailures = [
    ...Object.values(routes).flatMap((r) => r.failures),
    ...unusedProxyKeyFailure(
      proxySshKey,
      Object.values(clusters).map((c) => c.ssh),
    ),
  ];
  const failures = [...keyed.failures, ...routeFailures];
  if (failures.length > 0) return { failures };
  const withKeys: Record<string, DrClusterArgs> = {};
  for (const [n, c] of Object.entries(clusters))
    withKeys[n] = { ...c, ssh: { ...c.ssh, ...keyed.keys[n], ...routes[n]!.route } };
  return { args: { ...rest, clusters: withKeys }, failures };
}

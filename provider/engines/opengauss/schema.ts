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

export { propertyPath } from "../../config/issues";

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
import { type PropertyFailure, ValidationError } from "../../errors";
import {
  type ClusterDevice,
  type ClusterTopology,
  parseStreamIpmap,
  readClusterXml,
  type XmlDrParams,
} from "./clusterXml";
import { compareDrParams } from "./drParams";

/** Top-level inputs that hold secrets: stored encrypted, never shown. */
export const DR_SECRET_INPUTS = ["sshKey", "clusterSshKeys", "drUser", "proxySshKey"] as const;

/** Cluster names: a letter, then letters, digits, `_` or `-` (they appear in plan lines and state keys). */
export const CLUSTER_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * Characters gs_sdr refuses in the DR user name (§1.3, `[GAUSS-50025]`): `| ; & $ < > \` \ ' " { } ( ) [ ] ~ * ? ! `,
 * space and newline. We also refuse every other whitespace/control character (tab, CR), which would break the
 * `gs_encrypt "<user>|<pwd>"` and `gsql -U` command lines gs_sdr builds.
 */
export const DR_USER_FORBIDDEN_CHARS = "|;&$<>`\\'\"{}()[]~*?! \n";

/**
 * Characters allowed in the DR password. gs_sdr's password check differs by version (§1.3): every release up to
 * 7.0.0-RC3 refuses the injection characters `| ; & $ < > \` \ ' " { } ( ) [ ] ~ * ? !`, whitespace and newline;
 * master only accepts `^[A-Za-z0-9~!@#%^*\-_=+?,]+$`. The intersection of both — letters, digits and
 * `@ # % ^ _ = + , -` — is accepted by every version and is inert inside the single- and double-quoted shell
 * words gs_sdr builds (`gs_encrypt -f hadr "<user>|<pwd>"`, `gs_ctl build -P '<pwd>'`, `gsql -W '<pwd>'`).
 * `.` (docs/vendor/opengauss-gs_sdr.md §10) is left out on purpose: master's regex has no `.`, so such a
 * password fails there with `[GAUSS-50024]`.
 */
export const DR_PASSWORD_PATTERN = /^[A-Za-z0-9@#%^_=+,-]+$/;

/** DR password length: 8 (openGauss's default `password_min_length`) to 64 (bounded command and PTY lines). */
export const DR_PASSWORD_LENGTH = { min: 8, max: 64 } as const;

/** Characters allowed in `envFile`: a path sourced (unquoted, so `~` expands) before every remote command. */
export const ENV_FILE_PATTERN = /^(~\/|\/)[A-Za-z0-9_./~-]*$/;

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
export const DRILL_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

/** Database names the drill's probe writes into: a plain SQL identifier (it appears in gsql's `-d`). */
export const DRILL_DATABASE_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A declared drill (docs/drills.md): a changed `id` makes the next `up` switch over and back, measured. */
export const drillSchema = z
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
/** `DrRelationship` inputs as a user writes them. */
export type DrRelationshipInput = z.input<typeof drRelationshipSchema>;

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

/** Host-key lookup rule shared with the transport: the key pinned for the node's sshIp, else for its name. */
export function hostKeyFor(ssh: Pick<SshSettings, "hostKeys">, device: ClusterDevice): string | undefined {
  return ssh.hostKeys[device.sshIp] ?? ssh.hostKeys[device.name];
}

/** The node gs_sdr runs on for a cluster: the `node` input, else the master (dataNode1) node. */
export function runNodeOf(cluster: Pick<DrClusterArgs, "node">, topology: ClusterTopology): ClusterDevice {
  const name = cluster.node ?? topology.masterNode;
  return topology.devices.find((d) => d.name === name || d.sshIp === name) ?? topology.dataNodes[0]!;
}

function suppliedDrParams(raw: unknown): XmlDrParams | { error: string } {
  const p = raw as {
    localStreamIpmap1: string;
    remoteStreamIpmap1: string;
    remotedataPortBase: number | string;
  };
  const local = parseStreamIpmap(p.localStreamIpmap1);
  if ("error" in local) return { error: `localStreamIpmap1 ${local.error}` };
  const remote = parseStreamIpmap(p.remoteStreamIpmap1);
  if ("error" in remote) return { error: `remoteStreamIpmap1 ${remote.error}` };
  return {
    localStreamIpmap1: local.pairs,
    remoteStreamIpmap1: remote.pairs,
    remotedataPortBase: Number(p.remotedataPortBase),
  };
}

/** Number of replconninfo slots openGauss has per DN. */
export const REPLCONNINFO_SLOTS = 8;

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

  const rawObj = (typeof raw === "object" && raw !== null ? raw : {}) as Record<string, unknown>;
  const rawClusters =
    typeof rawObj["clusters"] === "object" &&
    rawObj["clusters"] !== null &&
    !Array.isArray(rawObj["clusters"])
      ? (rawObj["clusters"] as Record<string, unknown>)
      : undefined;
  const names = rawClusters ? Object.keys(rawClusters).sort() : [];
  if (rawClusters && names.length !== 2) {
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
  if (rawClusters && typeof rawObj["primary"] === "string" && !names.includes(rawObj["primary"])) {
    failures.push({
      property: "primary",
      reason: `must be one of the cluster names (${names.map((n) => JSON.stringify(n)).join(", ")})`,
    });
  }

  // Each cluster's XML, even when other parts of the inputs are invalid.
  const topologies: Record<string, ClusterTopology> = {};
  for (const n of names) {
    const c = rawClusters![n] as { xml?: unknown } | undefined;
    if (typeof c?.xml !== "string" || c.xml === "") continue;
    const res = readClusterXml(c.xml, propertyPath(["clusters", n, "xml"]));
    failures.push(...res.failures);
    if (res.topology) topologies[n] = res.topology;
  }

  let args: DrSpec | undefined;
  if (parsed.success) {
    const { sshKey, clusterSshKeys, proxySshKey, clusters, ...rest } = parsed.data;
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
    failures.push(...keyed.failures, ...routeFailures);
    if (keyed.failures.length === 0 && routeFailures.length === 0) {
      const withKeys: Record<string, DrClusterArgs> = {};
      for (const [n, c] of Object.entries(clusters))
        withKeys[n] = { ...c, ssh: { ...c.ssh, ...keyed.keys[n], ...routes[n]!.route } };
      args = { ...rest, clusters: withKeys };
    }
  }
  // The cross-checks read the login settings only: they run even when a key is missing.
  const clusterArgs = (n: string) => (parsed.success ? parsed.data.clusters[n] : undefined);

  // Per-cluster checks against its own topology.
  for (const n of names) {
    const t = topologies[n];
    const c = clusterArgs(n);
    if (!t || !c) continue;
    if (c.ssh.user === "root") {
      failures.push({
        property: propertyPath(["clusters", n, "ssh", "user"]),
        reason:
          "gs_sdr refuses to run as root ([GAUSS-50105]); log in as the cluster's OS user (the owner of the install, e.g. omm)",
      });
    }
    if (c.node !== undefined && !t.devices.some((d) => d.name === c.node || d.sshIp === c.node)) {
      failures.push({
        property: propertyPath(["clusters", n, "node"]),
        reason: `must name a DEVICE of the cluster's XML (${t.devices.map((d) => d.name).join(", ")})`,
      });
    }
    if (!c.ssh.insecure) {
      for (const d of t.devices) {
        if (hostKeyFor(c.ssh, d) === undefined) {
          failures.push({
            property: propertyPath(["clusters", n, "ssh", "hostKeys"]),
            reason: `no host key pinned for ${d.sshIp} (${d.name}); add "${d.sshIp}": "SHA256:…" (ssh-keyscan ${d.sshIp} | ssh-keygen -lf -) or set insecure: true`,
          });
        }
      }
    }
    for (const key of Object.keys(c.ssh.hostKeys).sort()) {
      if (!t.devices.some((d) => d.sshIp === key || d.name === key)) {
        failures.push({
          property: propertyPath(["clusters", n, "ssh", "hostKeys", key]),
          reason: `is not a host of cluster "${n}" (its hosts: ${t.devices.map((d) => `${d.name}/${d.sshIp}`).join(", ")})`,
        });
      }
    }
  }

  // Cross-checks between the two clusters.
  if (names.length === 2) {
    const [a, b] = names as [string, string];
    const ta = topologies[a];
    const tb = topologies[b];
    if (ta && tb) {
      const ipsOf = (t: ClusterTopology, pick: (d: ClusterDevice) => string): Map<string, string> =>
        new Map(t.devices.map((d) => [pick(d), d.name]));
      for (const [label, pick] of [
        ["host (sshIp1)", (d: ClusterDevice) => d.sshIp],
        ["data IP (backIp1)", (d: ClusterDevice) => d.backIp],
      ] as const) {
        const ia = ipsOf(ta, pick);
        for (const [ip, devB] of ipsOf(tb, pick)) {
          const devA = ia.get(ip);
          if (devA !== undefined) {
            failures.push({
              property: propertyPath(["clusters", b, "xml"]),
              reason: `${label} ${ip} of "${devB}" is also used by "${devA}" of cluster "${a}"; the two clusters must not share hosts or data IPs`,
            });
          }
        }
      }
      for (const [local, remote, ln] of [
        [ta, tb, a],
        [tb, ta, b],
      ] as const) {
        const needed = local.dataNodes.length - 1 + remote.dataNodes.length;
        if (needed > REPLCONNINFO_SLOTS) {
          failures.push({
            property: propertyPath(["clusters", ln, "xml"]),
            reason: `each DN needs ${local.dataNodes.length - 1} local + ${remote.dataNodes.length} remote = ${needed} replconninfo slots; openGauss has ${REPLCONNINFO_SLOTS}`,
          });
        }
      }
      const pairs: Array<[string, string, ClusterTopology, ClusterTopology]> = [
        [a, b, ta, tb],
        [b, a, tb, ta],
      ];
      // User-supplied drParams replace the XML's (and the derived ones) once they parse; then each side is
      // checked against the pairs its peer uses.
      const supplied: Record<string, boolean> = {};
      for (const [ln, , local] of pairs) {
        const rawDr = (rawClusters![ln] as { drParams?: unknown } | undefined)?.drParams;
        if (!clusterArgs(ln)?.drParams || !rawDr) continue;
        const sup = suppliedDrParams(clusterArgs(ln)!.drParams);
        if ("error" in sup) {
          failures.push({ property: propertyPath(["clusters", ln, "drParams"]), reason: sup.error });
        } else {
          local.drParams = sup;
          supplied[ln] = true;
        }
      }
      for (const [ln, rn, local, remote] of pairs) {
        if (!local.drParams) continue;
        for (const d of compareDrParams(local.drParams, local, remote, { local: ln, remote: rn })) {
          failures.push({
            property: supplied[ln]
              ? propertyPath(["clusters", ln, "drParams", d.param])
              : propertyPath(["clusters", ln, "xml"]),
            reason: supplied[ln] ? d.reason : `${d.param} ${d.reason}`,
          });
        }
      }
    }
  }

  const result: DrRelationshipValidation = { topologies, failures: redact(failures, collectSecrets(given)) };
  if (args) result.args = args;
  return result;
}

/** Like {@link validateDrRelationship} but throws a {@link ValidationError} listing every failure. */
export function parseDrRelationship(raw: unknown): {
  args: DrSpec;
  topologies: Record<string, ClusterTopology>;
} {
  const v = validateDrRelationship(raw);
  if (v.failures.length > 0 || !v.args) throw new ValidationError(v.failures);
  return { args: v.args, topologies: v.topologies };
}

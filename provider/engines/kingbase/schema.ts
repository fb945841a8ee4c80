/**
 * Input schema of the `RecoveryPolicy` resource (KingbaseES automatic recovery, docs/vendor/kingbase-recovery.md) and
 * its validation: every failure is reported with the property path and what is allowed; no reason ever
 * contains an input value that could be a secret. SSH key material is a top-level secret input (`sshKey`,
 * per-node overrides `nodeSshKeys`, root logins `rootSshKey` / `nodeRootSshKeys`), never inside `nodes`, so
 * `nodes` stays visible in `pulumi preview --diff`.
 */
import { z } from "zod";
import { issueFailures, propertyPath } from "../../config/issues";
import { resolveRoute, unusedProxyKeyFailure, usesAgent } from "../../config/route";
import {
  hostSchema,
  type LoginRoute,
  legacyKeyFailures,
  type SshKey,
  type SshSettings,
  sshKeySchema,
  sshLoginSchema,
  withoutLegacyKey,
} from "../../config/ssh";
import { type PropertyFailure, ValidationError } from "../../errors";
import { versionOf, versionOfInput } from "./versions";
import type { V8r3PolicySpec } from "./versions/v8r3";
import type { V8r6PolicySpec } from "./versions/v8r6";

/** Supported engines. */
/** Top-level inputs that hold secrets: stored encrypted, never shown. */
export const POLICY_SECRET_INPUTS = [
  "sshKey",
  "nodeSshKeys",
  "rootSshKey",
  "nodeRootSshKeys",
  "proxySshKey",
] as const;

export const ENGINES = ["kingbase-v8r3", "kingbase-v8r6"] as const;
/** A supported engine. */
export type KingbaseEngine = (typeof ENGINES)[number];

/** Recovery modes: nothing automatic, failed standbys only, standbys and a returning old primary. */
export const MODES = ["manual", "standby", "automatic"] as const;
/** A recovery mode. */
export type PolicyMode = (typeof MODES)[number];

/** V8R6: how a change takes effect. `restart-daemons` restarts repmgrd and kbha; `file-only` edits only. */
const APPLY_MODES = ["restart-daemons", "file-only"] as const;
/** How a V8R6 change takes effect. */
export type ApplyMode = (typeof APPLY_MODES)[number];

/** V8R3: how the root-owned cron file is reached: `sudo -n` as the SSH user, or an SSH login as root. */
const ROOT_ACCESS = ["sudo", "root-ssh"] as const;
/** A way to reach the root-owned cron file. */
type RootAccess = (typeof ROOT_ACCESS)[number];

export { resolveV8r3Paths } from "./versions/v8r3";
export { resolveV8r6Paths } from "./versions/v8r6";

/** SSH login of a node: the shared schema (no key material) with the KingbaseES default user `kingbase`. */
const nodeSshSchema = sshLoginSchema.transform((s) => ({ ...s, user: s.user ?? "kingbase" }));

/**
 * One node. `rootAccess` (V8R3 only) says how the root-owned cron file is reached: `sudo` runs `sudo -n` as the
 * `ssh` user; `root-ssh` logs in as root with `rootSsh` when given (a complete login settings object, user
 * defaulting to `root`, host keys falling back to `ssh.hostKeys`), else with the `ssh` settings and user `root`.
 * Keys are top-level inputs (see {@link resolveNodeKeys}).
 */
export const policyNodeSchema = z
  .object({
    host: hostSchema,
    ssh: nodeSshSchema,
    rootAccess: z.enum(ROOT_ACCESS).optional(),
    rootSsh: sshLoginSchema.optional(),
  })
  .strict();

/** Top-level inputs; engine-specific rules (`paths`, `apply`, `rootAccess`) are checked by the validator. */
export const recoveryPolicyInputSchema = z
  .object({
    engine: z.enum(ENGINES),
    nodes: z.array(policyNodeSchema).min(1, "must list every node of the cluster (at least one)"),
    mode: z.enum(MODES),
    paths: z.record(z.string(), z.unknown()).optional(),
    apply: z.enum(APPLY_MODES).optional(),
    acknowledgeDataLoss: z.boolean().default(false),
    /** The SSH key of every login unless an override below names one (secret). */
    sshKey: sshKeySchema.optional(),
    /** Per-node key of the `ssh` login, by node host (secret). */
    nodeSshKeys: z.record(z.string(), sshKeySchema).optional(),
    /** Key of every `root-ssh` login (default: the node's own key) (secret). */
    rootSshKey: sshKeySchema.optional(),
    /** Per-node key of the `root-ssh` login, by node host (secret). */
    nodeRootSshKeys: z.record(z.string(), sshKeySchema).optional(),
    /** The key of every jump host (`nodes[i].ssh.proxy`, `rootSsh.proxy`); default: the login's own key (secret). */
    proxySshKey: sshKeySchema
      .optional()
      .describe("Key of the jump hosts (nodes[i].ssh.proxy); default: each login's own key (secret)."),
    /** Create only adopts nodes that already have the requested settings; it never edits a file. */
    adopt: z.boolean().default(false),
  })
  .strict();

/** A parsed node. */
export interface PolicyNode {
  /** Host name or IPv4 address. */
  host: string;
  /** SSH settings of the cluster OS user (`user` defaults to `kingbase`). */
  ssh: SshSettings & { user: string };
  /** V8R3: how the root-owned cron file is reached. */
  rootAccess?: RootAccess;
  /** V8R3 with `root-ssh`: settings of the root login when they differ from `ssh` (key resolved). */
  rootSsh?: SshSettings;
  /** V8R3 with `root-ssh`: the key of the root login (resolved: override, `rootSshKey`, or the node's key). */
  rootKey?: SshKey;
}

/** Parsed inputs every KingbaseES version has. */
export interface CommonPolicyArgs {
  /** Every node of the cluster, in input order. */
  nodes: PolicyNode[];
  /** Wanted recovery mode. */
  mode: PolicyMode;
  /** The user acknowledged that `automatic` may discard un-replicated transactions. */
  acknowledgeDataLoss: boolean;
  /** Create only adopts (no edit) when true. */
  adopt: boolean;
}

/**
 * Parsed, valid `RecoveryPolicy` inputs (defaults applied, keys resolved) — what the engine works with; the
 * resource's public input type is `RecoveryPolicyArgs` in provider/resources/recoveryPolicy.ts.
 */
export type PolicySpec = V8r3PolicySpec | V8r6PolicySpec;

/** Outcome of {@link validateRecoveryPolicy}. */
export type RecoveryPolicyValidation =
  | { ok: true; args: PolicySpec }
  | { ok: false; failures: PropertyFailure[] };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function hostKeysOf(ssh: unknown): Record<string, unknown> {
  return isObject(ssh) && isObject(ssh["hostKeys"]) ? ssh["hostKeys"] : {};
}

/** Rules spanning several properties; they run on the raw input so they report even when zod fails elsewhere. */
function crossFailures(raw: Record<string, unknown>): PropertyFailure[] {
  const out: PropertyFailure[] = [];
  const engine = raw["engine"];
  const version = versionOfInput(engine);
  const nodes = Array.isArray(raw["nodes"]) ? raw["nodes"] : [];
  const seen = new Map<string, number>();
  nodes.forEach((node, i) => {
    if (!isObject(node)) return;
    const host = typeof node["host"] === "string" ? node["host"] : undefined;
    if (host !== undefined) {
      const key = host.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        out.push({
          property: `nodes[${i}].host`,
          reason: `duplicates nodes[${first}].host ("${host}"); list every node exactly once`,
        });
      } else seen.set(key, i);
    }
    const ssh = node["ssh"];
    if (host !== undefined && isObject(ssh) && ssh["insecure"] !== true && !(host in hostKeysOf(ssh))) {
      out.push({
        property: `nodes[${i}].ssh.hostKeys`,
        reason: `must pin the host key of "${host}" (a SHA256:… fingerprint as ssh-keygen -lf prints it) unless ssh.insecure is true`,
      });
    }
    const rootAccess = node["rootAccess"];
    const rootAccessReason = version?.rootAccessFailure(rootAccess) ?? null;
    if (rootAccessReason !== null) out.push({ property: `nodes[${i}].rootAccess`, reason: rootAccessReason });
    const rootSsh = node["rootSsh"];
    if (rootSsh !== undefined && rootAccess !== "root-ssh") {
      out.push({ property: `nodes[${i}].rootSsh`, reason: 'is only used with rootAccess "root-ssh"' });
    }
    if (rootAccess === "root-ssh" && isObject(rootSsh) && host !== undefined) {
      const insecure = rootSsh["insecure"] === true;
      const pinned = host in hostKeysOf(rootSsh) || host in hostKeysOf(ssh);
      if (!insecure && !pinned) {
        out.push({
          property: `nodes[${i}].rootSsh.hostKeys`,
          reason: `must pin the host key of "${host}" (here or in ssh.hostKeys) unless rootSsh.insecure is true`,
        });
      }
    }
  });
  const applyReason = version?.applyFailure(raw["apply"]) ?? null;
  if (applyReason !== null) out.push({ property: "apply", reason: applyReason });
  if (raw["mode"] === "automatic" && raw["acknowledgeDataLoss"] !== true) {
    out.push({
      property: "acknowledgeDataLoss",
      reason:
        'must be true when mode is "automatic": a returning old primary is rewound, discarding transactions ' +
        "that were not replicated before the failover",
    });
  }
  const paths = raw["paths"];
  if (isObject(paths)) {
    const schema = version?.pathsSchema ?? null;
    const r = schema?.safeParse(paths);
    if (r && !r.success) {
      for (const f of issueFailures(r.error.issues, ["paths"])) {
        out.push(
          f.reason === "is not a known property"
            ? {
                property: f.property,
                reason: `is not a ${engine} path; allowed: ${Object.keys(schema!.shape).join(", ")}`,
              }
            : f,
        );
      }
    }
  }
  return out;
}

/**
 * Validates raw `RecoveryPolicy` inputs. Returns the parsed arguments (defaults applied), or every failure with
 * its property path and what is allowed. Keys starting with `__` (engine bookkeeping such as `__provider`) are
 * ignored.
 */
export function validateRecoveryPolicy(raw: unknown): RecoveryPolicyValidation {
  if (!isObject(raw)) return { ok: false, failures: [{ property: "(inputs)", reason: "must be an object" }] };
  const legacy = splitLegacyKeys(
    Object.fromEntries(Object.entries(raw).filter(([k]) => !k.startsWith("__"))),
  );
  const input = legacy.input;
  const failures: PropertyFailure[] = [...legacy.failures];
  const base = recoveryPolicyInputSchema.safeParse(input);
  if (!base.success) failures.push(...issueFailures(base.error.issues));
  failures.push(...crossFailures(input));
  const keyed = base.success ? resolveNodeKeys(base.data) : undefined;
  if (keyed) failures.push(...keyed.failures);
  const routes = base.success && keyed ? nodeRoutes(base.data, keyed.keys) : undefined;
  if (routes) failures.push(...routes.failures);
  const unique = failures.filter(
    (f, i) => failures.findIndex((g) => g.property === f.property && g.reason === f.reason) === i,
  );
  if (unique.length > 0 || !base.success || !keyed || !routes) return { ok: false, failures: unique };
  const b = base.data;
  const nodes: PolicyNode[] = b.nodes.map((n, i) => {
    const k = keyed.keys[n.host]!;
    const r = routes.routes[i]!;
    const node: PolicyNode = { host: n.host, ssh: { ...n.ssh, ...k.key, ...r.ssh } };
    if (n.rootAccess !== undefined) node.rootAccess = n.rootAccess;
    if (k.rootKey !== undefined) node.rootKey = k.rootKey;
    if (n.rootSsh !== undefined) node.rootSsh = { ...n.rootSsh, ...(k.rootKey ?? k.key), ...r.rootSsh };
    return node;
  });
  const common: CommonPolicyArgs = {
    nodes,
    mode: b.mode,
    acknowledgeDataLoss: b.acknowledgeDataLoss,
    adopt: b.adopt,
  };
  const args = versionOf(b.engine).parseArgs(common, b.paths, b.apply);
  return { ok: true, args };
}

type ParsedPolicyInputs = z.infer<typeof recoveryPolicyInputSchema>;

/** Each node's route (agent socket, jump host with its key) for its `ssh` and `rootSsh` logins, in node order. */
function nodeRoutes(
  b: ParsedPolicyInputs,
  keys: Record<string, { key?: SshKey; rootKey?: SshKey }>,
): {
  routes: Array<{ ssh: LoginRoute; rootSsh: LoginRoute }>;
  failures: PropertyFailure[];
} {
  const failures: PropertyFailure[] = [];
  const routes = b.nodes.map((n, i) => {
    const k = keys[n.host] ?? {};
    const ssh = resolveRoute(n.ssh, ["nodes", i, "ssh"], k.key, b.proxySshKey);
    const root = n.rootSsh
      ? resolveRoute(n.rootSsh, ["nodes", i, "rootSsh"], k.rootKey ?? k.key, b.proxySshKey)
      : { route: {}, failures: [] };
    failures.push(...ssh.failures, ...root.failures);
    return { ssh: ssh.route, rootSsh: root.route };
  });
  failures.push(
    ...unusedProxyKeyFailure(
      b.proxySshKey,
      b.nodes.flatMap((n) => (n.rootSsh ? [n.ssh, n.rootSsh] : [n.ssh])),
    ),
  );
  return { routes, failures };
}

/** The key inputs of a policy (parsed). */
export interface PolicyKeyInputs {
  nodes: ReadonlyArray<{
    host: string;
    rootAccess?: RootAccess | undefined;
    ssh?: { agent?: boolean | string | undefined };
  }>;
  sshKey?: SshKey | undefined;
  nodeSshKeys?: Record<string, SshKey> | undefined;
  rootSshKey?: SshKey | undefined;
  nodeRootSshKeys?: Record<string, SshKey> | undefined;
}

/**
 * The key of each node's login — `nodeSshKeys[host]`, else `sshKey` — and, for `root-ssh` nodes, of the root
 * login — `nodeRootSshKeys[host]`, else `rootSshKey`, else the node's own key. Failures for a node with no key
 * and for an override naming no node. Pure.
 */
export function resolveNodeKeys(k: PolicyKeyInputs): {
  keys: Record<string, { key?: SshKey; rootKey?: SshKey }>;
  failures: PropertyFailure[];
} {
  const keys: Record<string, { key?: SshKey; rootKey?: SshKey }> = {};
  const failures: PropertyFailure[] = [];
  k.nodes.forEach((n, i) => {
    const key = k.nodeSshKeys?.[n.host] ?? k.sshKey;
    if (!key && !(n.ssh && usesAgent(n.ssh))) {
      failures.push({
        property: "sshKey",
        reason: `is required: node "${n.host}" (nodes[${i}]) has no SSH key (give sshKey for every node, or ${propertyPath(["nodeSshKeys", n.host])}, or set nodes[${i}].ssh.agent)`,
      });
      return;
    }
    const rootKey = n.rootAccess === "root-ssh" ? (k.nodeRootSshKeys?.[n.host] ?? k.rootSshKey) : undefined;
    keys[n.host] = { ...(key ? { key } : {}), ...(rootKey ? { rootKey } : {}) };
  });
  const hosts = k.nodes.map((n) => n.host);
  for (const [name, map] of [
    ["nodeSshKeys", k.nodeSshKeys],
    ["nodeRootSshKeys", k.nodeRootSshKeys],
  ] as const) {
    for (const h of Object.keys(map ?? {}).sort()) {
      if (!hosts.includes(h))
        failures.push({
          property: propertyPath([name, h]),
          reason: `is not the host of a node (${hosts.join(", ")})`,
        });
    }
  }
  for (const h of Object.keys(k.nodeRootSshKeys ?? {}).sort()) {
    const n = k.nodes.find((x) => x.host === h);
    if (n && n.rootAccess !== "root-ssh")
      failures.push({
        property: propertyPath(["nodeRootSshKeys", h]),
        reason: 'is only used with rootAccess "root-ssh"',
      });
  }
  return { keys, failures };
}

/** Key material inside `nodes[i].ssh` / `nodes[i].rootSsh` (the shape before 0.3): stripped, one failure each. */
function splitLegacyKeys(raw: Record<string, unknown>): {
  input: Record<string, unknown>;
  failures: PropertyFailure[];
} {
  if (!Array.isArray(raw["nodes"])) return { input: raw, failures: [] };
  const failures: PropertyFailure[] = [];
  const nodes = raw["nodes"].map((n: unknown, i: number) => {
    if (!isObject(n)) return n;
    const host = typeof n["host"] === "string" ? n["host"] : `<nodes[${i}].host>`;
    failures.push(
      ...legacyKeyFailures(
        n["ssh"],
        ["nodes", i, "ssh"],
        `sshKey.* (or ${propertyPath(["nodeSshKeys", host])}.*)`,
      ),
      ...legacyKeyFailures(
        n["rootSsh"],
        ["nodes", i, "rootSsh"],
        `rootSshKey.* (or ${propertyPath(["nodeRootSshKeys", host])}.*)`,
      ),
    );
    const out: Record<string, unknown> = { ...n };
    if ("ssh" in n) out["ssh"] = withoutLegacyKey(n["ssh"]);
    if ("rootSsh" in n) out["rootSsh"] = withoutLegacyKey(n["rootSsh"]);
    return out;
  });
  return { input: { ...raw, nodes }, failures };
}

/**
 * Stored state written before 0.3 holds keys in `nodes[i].ssh` / `nodes[i].rootSsh`: moves them to
 * `nodeSshKeys[host]` / `nodeRootSshKeys[host]` (unless set there already) so refresh, destroy and the diff of
 * an upgrade read it. Inputs in the current shape come back unchanged. Pure.
 */
export function liftLegacyPolicyKeys(props: Record<string, unknown>): Record<string, unknown> {
  if (!Array.isArray(props["nodes"])) return props;
  const lifted: Record<string, Record<string, SshKey>> = { nodeSshKeys: {}, nodeRootSshKeys: {} };
  let changed = false;
  const keyOf = (ssh: Record<string, unknown>): SshKey => ({
    privateKey: String(ssh["privateKey"]),
    ...(typeof ssh["passphrase"] === "string" ? { passphrase: ssh["passphrase"] } : {}),
  });
  const nodes = props["nodes"].map((n: unknown) => {
    if (!isObject(n) || typeof n["host"] !== "string") return n;
    const out: Record<string, unknown> = { ...n };
    for (const [field, map] of [
      ["ssh", "nodeSshKeys"],
      ["rootSsh", "rootKeys"],
    ] as const) {
      const ssh = n[field];
      if (isObject(ssh) && typeof ssh["privateKey"] === "string") {
        changed = true;
        lifted[map === "rootKeys" ? "nodeRootSshKeys" : map]![n["host"]] = keyOf(ssh);
        out[field] = withoutLegacyKey(ssh);
      }
    }
    return out;
  });
  if (!changed) return props;
  const merged = (name: string) => ({
    ...lifted[name],
    ...(isObject(props[name]) ? (props[name] as Record<string, SshKey>) : {}),
  });
  const out: Record<string, unknown> = { ...props, nodes, nodeSshKeys: merged("nodeSshKeys") };
  if (Object.keys(merged("nodeRootSshKeys")).length > 0) out["nodeRootSshKeys"] = merged("nodeRootSshKeys");
  return out;
}

/** Like {@link validateRecoveryPolicy} but throws a {@link ValidationError} carrying every failure. */
export function parseRecoveryPolicy(raw: unknown): PolicySpec {
  const r = validateRecoveryPolicy(raw);
  if (!r.ok) throw new ValidationError(r.failures, { hint: "Fix the listed RecoveryPolicy inputs." });
  return r.args;
}

/**
 * SSH settings for root work on a V8R3 node: with `root-ssh`, `rootSsh` (user default `root`, host keys merged
 * over `ssh.hostKeys`) or `ssh` with user `root`; with `sudo`, null (the `ssh` login runs `sudo -n`).
 */
export function rootSshSettings(node: PolicyNode): SshSettings | null {
  if (node.rootAccess !== "root-ssh") return null;
  if (node.rootSsh === undefined) return { ...node.ssh, ...node.rootKey, user: "root" };
  return {
    ...node.rootSsh,
    user: node.rootSsh.user ?? "root",
    hostKeys: { ...node.ssh.hostKeys, ...node.rootSsh.hostKeys },
  };
}

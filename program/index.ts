/**
 * The root Pulumi program (`Pulumi.yaml` → `dist/program/index.js`): declares pulumi-hadr resources from stack config,
 * so a user needs no TypeScript. Config (namespace `hadr`, see docs/root-program.md):
 *
 * - `hadr:drRelationships`   name → DrRelationship args; each cluster gives `xml` or `xmlFile`, `ssh` has no key
 * - `hadr:recoveryPolicies`  name → RecoveryPolicy args; `ssh`/`rootSsh` have no key
 * - `hadr:sshPrivateKey`     secret: the private key of every SSH login unless `privateKeyConfig` names another
 *                            (passed as the resource's top-level `sshKey`, or as a per-cluster/per-node override)
 * - `hadr:drPassword`        secret: the DR user's password unless `drUser.passwordConfig` names another
 *
 * Config shape problems stop the program before any resource is declared, each naming the config key.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
  DrRelationship,
  type DrRelationshipArgs,
  RecoveryPolicy,
  type RecoveryPolicyArgs,
  type SshArgs,
  type SshKeyArgs,
} from "../provider";
import {
  CONFIG_KEYS,
  drRelationshipConfig,
  NS,
  pathOf,
  readObject,
  recoveryPolicyConfig,
  SECRET_KEYS,
  type SshConfig,
} from "./config";

function configError(problems: string[]): pulumi.RunError {
  return new pulumi.RunError(`Invalid stack config:\n  ${problems.join("\n  ")}`);
}

/** A secret config value named by `name` or `ns:name` (default namespace `hadr`). */
function secretConfig(name: string, usedBy: string): pulumi.Output<string> {
  const i = name.indexOf(":");
  const [ns, key] = i < 0 ? [NS, name] : [name.slice(0, i), name.slice(i + 1)];
  const value = new pulumi.Config(ns).getSecret(key);
  if (value === undefined) {
    throw new pulumi.RunError(
      `Missing stack config ${ns}:${key} (needed by ${usedBy}): set it with \`pulumi config set --secret ${ns}:${key} < file\``,
    );
  }
  return value;
}

/** The default key of every login: `hadr:sshPrivateKey`, read only when some login uses it. */
const DEFAULT_KEY = SECRET_KEYS.sshPrivateKey;

/**
 * A login's settings (no key) and its key: `undefined` when it uses the default key (the resource's
 * top-level `sshKey`), else an override built from `privateKeyConfig` / `passphraseConfig`.
 */
function toSsh(ssh: SshConfig, where: string): { login: SshArgs; key?: SshKeyArgs } {
  const { privateKeyConfig, passphraseConfig, ...login } = ssh;
  if (privateKeyConfig === undefined && passphraseConfig === undefined) return { login };
  return {
    login,
    key: {
      privateKey: secretConfig(privateKeyConfig ?? DEFAULT_KEY, where),
      ...(passphraseConfig ? { passphrase: secretConfig(passphraseConfig, where) } : {}),
    },
  };
}

/** The default key, when any login uses it (`usedBy` names the first one, for the missing-config message). */
function defaultKey(usedBy: string | undefined): { sshKey?: SshKeyArgs } {
  return usedBy === undefined ? {} : { sshKey: { privateKey: secretConfig(DEFAULT_KEY, usedBy) } };
}

/** Outputs of one DR relationship. */
function drOutputs(dr: DrRelationship) {
  return {
    primary: dr.primary,
    rpoSeconds: dr.rpoSeconds,
    rtoSeconds: dr.rtoSeconds,
    hadrClusterStat: dr.hadrClusterStat,
  };
}

/** Outputs of one recovery policy. */
function policyOutputs(p: RecoveryPolicy) {
  return { effective: p.effective, drift: p.drift, pendingRestart: p.pendingRestart };
}

/**
 * The program: validates `hadr:*` config, declares every DR relationship and recovery policy, and returns the
 * stack outputs: `drRelationships` / `recoveryPolicies` maps (name → outputs), plus flat `drPrimary`,
 * `drRpoSeconds`, `drRtoSeconds`, `drHadrClusterStat` (exactly one relationship) and `policyEffective`,
 * `policyDrift`, `policyPendingRestart` (exactly one policy).
 */
function main(): Record<string, unknown> {
  const cfg = new pulumi.Config(NS);
  const drCfg = readObject(cfg, CONFIG_KEYS.drRelationships, z.record(z.string(), drRelationshipConfig));
  const policyCfg = readObject(cfg, CONFIG_KEYS.recoveryPolicies, z.record(z.string(), recoveryPolicyConfig));
  const problems = [...drCfg.problems, ...policyCfg.problems];
  if (problems.length > 0) throw configError(problems);
  const drs = drCfg.value ?? {};
  const policies = policyCfg.value ?? {};
  if (Object.keys(drs).length + Object.keys(policies).length === 0) {
    pulumi.log.warn(
      `Nothing to declare: set ${NS}:drRelationships and/or ${NS}:recoveryPolicies (see docs/root-program.md)`,
    );
  }

  const outputs: Record<string, unknown> = {};
  const drOut: Record<string, ReturnType<typeof drOutputs>> = {};
  for (const [name, d] of Object.entries(drs)) {
    const where = pathOf(CONFIG_KEYS.drRelationships, [name]);
    const clusters: DrRelationshipArgs["clusters"] = {};
    const clusterSshKeys: Record<string, SshKeyArgs> = {};
    let usesDefault: string | undefined;
    for (const [cname, c] of Object.entries(d.clusters)) {
      const cw = `${pathOf(CONFIG_KEYS.drRelationships, [name, "clusters", cname])}.ssh`;
      const { login, key } = toSsh(c.ssh, cw);
      clusters[cname] = { ...c, ssh: login };
      if (key) clusterSshKeys[cname] = key;
      else if (!c.ssh.agent) usesDefault ??= cw; // an agent-only login needs no key
    }
    const { passwordConfig, name: userName } = d.drUser;
    const dr = new DrRelationship(name, {
      ...d,
      clusters,
      ...defaultKey(usesDefault),
      ...(Object.keys(clusterSshKeys).length > 0 ? { clusterSshKeys } : {}),
      drUser: {
        name: userName,
        password: secretConfig(passwordConfig ?? SECRET_KEYS.drPassword, `${where}.drUser`),
      },
    });
    drOut[name] = drOutputs(dr);
  }
  if (Object.keys(drs).length > 0) outputs["drRelationships"] = drOut;
  const onlyDr = Object.values(drOut);
  if (onlyDr.length === 1) {
    const o = onlyDr[0]!;
    outputs["drPrimary"] = o.primary;
    outputs["drRpoSeconds"] = o.rpoSeconds;
    outputs["drRtoSeconds"] = o.rtoSeconds;
    outputs["drHadrClusterStat"] = o.hadrClusterStat;
  }

  const policyOut: Record<string, ReturnType<typeof policyOutputs>> = {};
  for (const [name, p] of Object.entries(policies)) {
    const nodeSshKeys: Record<string, SshKeyArgs> = {};
    const nodeRootSshKeys: Record<string, SshKeyArgs> = {};
    let usesDefault: string | undefined;
    const nodes: RecoveryPolicyArgs["nodes"] = p.nodes.map((n, i) => {
      const nw = pathOf(CONFIG_KEYS.recoveryPolicies, [name, "nodes", i]);
      const { ssh, rootSsh, ...rest } = n;
      const user = toSsh(ssh, `${nw}.ssh`);
      if (user.key) nodeSshKeys[n.host] = user.key;
      else if (!ssh.agent) usesDefault ??= `${nw}.ssh`; // an agent-only login needs no key
      const root = rootSsh ? toSsh(rootSsh, `${nw}.rootSsh`) : undefined;
      if (root?.key) nodeRootSshKeys[n.host] = root.key;
      return { ...rest, ssh: user.login, ...(root ? { rootSsh: root.login } : {}) };
    });
    const policy = new RecoveryPolicy(name, {
      ...p,
      nodes,
      ...defaultKey(usesDefault),
      ...(Object.keys(nodeSshKeys).length > 0 ? { nodeSshKeys } : {}),
      ...(Object.keys(nodeRootSshKeys).length > 0 ? { nodeRootSshKeys } : {}),
    });
    policyOut[name] = policyOutputs(policy);
  }
  if (Object.keys(policies).length > 0) outputs["recoveryPolicies"] = policyOut;
  const onlyPolicy = Object.values(policyOut);
  if (onlyPolicy.length === 1) {
    const o = onlyPolicy[0]!;
    outputs["policyEffective"] = o.effective;
    outputs["policyDrift"] = o.drift;
    outputs["policyPendingRestart"] = o.pendingRestart;
  }
  return outputs;
}

export = main;

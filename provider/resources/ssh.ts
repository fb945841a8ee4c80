import * as pulumi from "@pulumi/pulumi";

/**
 * SSH login settings of a cluster or node as a program passes them. No key material: the key is a top-level
 * secret input of the resource (`sshKey` and its overrides), so `clusters` / `nodes` stay visible in previews.
 */
export interface SshArgs {
  /** Login user (vendor default: `omm` for openGauss, `kingbase` for KingbaseES). */
  user?: pulumi.Input<string>;
  /** SSH port, default 22. */
  port?: pulumi.Input<number>;
  /** Host (address or name as written in the inputs) → pinned `SHA256:…` host-key fingerprint. */
  hostKeys?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Skip host-key verification (explicit opt-out; never the default). */
  insecure?: pulumi.Input<boolean>;
  /** Seconds to wait for the connection, default 15. */
  connectTimeoutSeconds?: pulumi.Input<number>;
  /** Jump host (bastion) every connection of this login goes through; its key is the resource's `proxySshKey`. */
  proxy?: pulumi.Input<SshProxyArgs>;
  /**
   * Authenticate with an ssh-agent, instead of or besides a key input: `true` uses `$SSH_AUTH_SOCK` of the
   * process Pulumi runs in, a string is the agent's socket path. The agent's keys never enter the state.
   */
  agent?: pulumi.Input<boolean | string>;
}

/** A jump host: the provider logs in there and opens a TCP channel to each node from it (as `ssh -J`). */
interface SshProxyArgs {
  /** Address or name of the jump host. */
  host: pulumi.Input<string>;
  /** SSH port of the jump host, default 22. */
  port?: pulumi.Input<number>;
  /** Login user on the jump host. */
  user: pulumi.Input<string>;
  /** Pinned `SHA256:…` fingerprint of the jump host's host key (always verified). */
  hostKey: pulumi.Input<string>;
}

/** The key of an SSH login. Always stored as a secret. */
export interface SshKeyArgs {
  /** Private key text (OpenSSH or PEM), not a path. */
  privateKey: pulumi.Input<string>;
  /** Passphrase of the private key, if any. */
  passphrase?: pulumi.Input<string>;
}

/** A key input wrapped as one secret (undefined stays undefined), so state and previews never show it. */
export function secretKey(key: pulumi.Input<SshKeyArgs> | undefined): pulumi.Output<SshKeyArgs> | undefined {
  return key === undefined ? undefined : (pulumi.secret(key) as pulumi.Output<SshKeyArgs>);
}

/** A map of key inputs (name → key) wrapped as one secret. */
export function secretKeys(
  keys: pulumi.Input<Record<string, pulumi.Input<SshKeyArgs>>> | undefined,
): pulumi.Output<Record<string, SshKeyArgs>> | undefined {
  return keys === undefined ? undefined : (pulumi.secret(keys) as pulumi.Output<Record<string, SshKeyArgs>>);
}

/**
 * Resource options with `names` added to `additionalSecretOutputs`: the engine then stores those properties
 * encrypted whatever the program passed (a plain string included).
 */
export function withSecretOutputs(
  opts: pulumi.CustomResourceOptions | undefined,
  names: readonly string[],
): pulumi.CustomResourceOptions {
  return {
    ...opts,
    additionalSecretOutputs: [...new Set([...(opts?.additionalSecretOutputs ?? []), ...names])],
  };
}

import * as pulumi from "@pulumi/pulumi";

/** SSH settings as a program passes them. `privateKey` and `passphrase` are always stored as secrets. */
export interface SshArgs {
  /** Login user (vendor default: `omm` for openGauss, `kingbase` for KingbaseES). */
  user?: pulumi.Input<string>;
  /** Private key text (OpenSSH or PEM), not a path. */
  privateKey: pulumi.Input<string>;
  /** Passphrase of the private key, if any. */
  passphrase?: pulumi.Input<string>;
  /** SSH port, default 22. */
  port?: pulumi.Input<number>;
  /** Host (address or name as written in the inputs) → pinned `SHA256:…` host-key fingerprint. */
  hostKeys?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** Skip host-key verification (explicit opt-out; never the default). */
  insecure?: pulumi.Input<boolean>;
  /** Seconds to wait for the connection, default 15. */
  connectTimeoutSeconds?: pulumi.Input<number>;
}

/** The same settings with the key material wrapped as secrets, so state and previews never show it. */
export function secretSsh(ssh: SshArgs): SshArgs {
  return {
    ...ssh,
    privateKey: pulumi.secret(ssh.privateKey),
    ...(ssh.passphrase === undefined ? {} : { passphrase: pulumi.secret(ssh.passphrase) }),
  };
}

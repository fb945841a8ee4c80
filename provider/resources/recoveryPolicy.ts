import * as pulumi from "@pulumi/pulumi";
import { shim } from "./shim";
import { type SshArgs, secretSsh } from "./ssh";

/** One node of a KingbaseES cluster. */
export interface RecoveryPolicyNodeArgs {
  /** Address or host name. */
  host: pulumi.Input<string>;
  /** Login of the cluster OS user (default user `kingbase`). */
  ssh: SshArgs;
  /** V8R3: how the root-owned cron file is reached: `sudo` (`sudo -n` as the cluster user) or `root-ssh`. */
  rootAccess?: pulumi.Input<"sudo" | "root-ssh">;
  /** V8R3 with `root-ssh`: the root login when it differs from `ssh` (user default `root`). */
  rootSsh?: SshArgs;
}

/** Inputs of a {@link RecoveryPolicy}. */
export interface RecoveryPolicyArgs {
  /** `kingbase-v8r3` (kingbasecluster) or `kingbase-v8r6` (repmgr). */
  engine: pulumi.Input<"kingbase-v8r3" | "kingbase-v8r6">;
  /** Every node of the cluster. */
  nodes: RecoveryPolicyNodeArgs[];
  /** `manual` (no automatic recovery), `standby` (failed standbys only) or `automatic` (also old primaries). */
  mode: pulumi.Input<"manual" | "standby" | "automatic">;
  /** Install layout; vendor defaults apply (see README). */
  paths?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /** V8R6: `restart-daemons` (default: repmgrd and kbha load the change) or `file-only`. */
  apply?: pulumi.Input<"restart-daemons" | "file-only">;
  /** Required `true` for `automatic`: an old primary is rewound and loses un-replicated transactions. */
  acknowledgeDataLoss?: pulumi.Input<boolean>;
}

/**
 * KingbaseES automatic-recovery policy on every node of a cluster: V8R3 `AUTO_PRIMARY_RECOVERY` plus the
 * KINGBASECRON network_rewind line, V8R6 `repmgr.conf` `recovery`. Preview shows the exact line edits;
 * refresh reports drift; destroy restores what was there before.
 */
export class RecoveryPolicy extends pulumi.dynamic.Resource {
  /** Preview/apply plan: one line per changed file line or daemon action. */
  declare readonly plan: pulumi.Output<string[]>;
  /** Safety warnings for this policy on this cluster. */
  declare readonly warnings: pulumi.Output<string[]>;
  /** Effective mode per node (`manual` | `standby` | `automatic` | `custom`). */
  declare readonly effective: pulumi.Output<Record<string, string>>;
  /** V8R6: true when a daemon runs with an older repmgr.conf than the one on disk; null when unknown. */
  declare readonly pendingRestart: pulumi.Output<boolean | null>;
  /** Differences between the declared mode and the nodes (refresh). */
  declare readonly drift: pulumi.Output<string[]>;
  /** What delete restores (lines as they were before the policy first changed them). */
  declare readonly previous: pulumi.Output<unknown>;
  /** When the policy was last applied (ISO 8601). */
  declare readonly lastApplied: pulumi.Output<string>;

  constructor(name: string, args: RecoveryPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    const nodes = args.nodes.map((n) => ({
      ...n,
      ssh: secretSsh(n.ssh),
      ...(n.rootSsh ? { rootSsh: secretSsh(n.rootSsh) } : {}),
    }));
    super(
      shim("recoveryPolicy"),
      name,
      {
        plan: undefined,
        warnings: undefined,
        effective: undefined,
        pendingRestart: undefined,
        drift: undefined,
        previous: undefined,
        lastApplied: undefined,
        ...args,
        nodes,
        __hadrName: name,
      },
      opts,
      "hadr",
      "RecoveryPolicy",
    );
  }
}

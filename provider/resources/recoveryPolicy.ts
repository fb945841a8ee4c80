import * as pulumi from "@pulumi/pulumi";
import { shim } from "../dynamic/shim";
import { policyEngine } from "../engines/kingbase/engine";
import { RECOVERY_POLICY_OUTPUTS } from "../engines/kingbase/outputs";
import type { RecoveryPolicyPathsArgs } from "./paths";
import { type SshArgs, type SshKeyArgs, secretKey, secretKeys, withSecretOutputs } from "./ssh";

/** One node of a KingbaseES cluster. */
export interface RecoveryPolicyNodeArgs {
  /** Address or host name. */
  host: pulumi.Input<string>;
  /** Login of the cluster OS user (default user `kingbase`). */
  ssh: pulumi.Input<SshArgs>;
  /** V8R3: how the root-owned cron file is reached: `sudo` (`sudo -n` as the cluster user) or `root-ssh`. */
  rootAccess?: pulumi.Input<"sudo" | "root-ssh">;
  /** V8R3 with `root-ssh`: the root login when it differs from `ssh` (user default `root`). */
  rootSsh?: pulumi.Input<SshArgs>;
}

/** Inputs of a {@link RecoveryPolicy}. */
export interface RecoveryPolicyArgs {
  /** `kingbase-v8r3` (kingbasecluster) or `kingbase-v8r6` (repmgr). */
  engine: pulumi.Input<"kingbase-v8r3" | "kingbase-v8r6">;
  /** Every node of the cluster. Any level may be an Output (nodes from a VM resource, …). */
  nodes: pulumi.Input<pulumi.Input<RecoveryPolicyNodeArgs>[]>;
  /** `manual` (no automatic recovery), `standby` (failed standbys only) or `automatic` (also old primaries). */
  mode: pulumi.Input<"manual" | "standby" | "automatic">;
  /**
   * Install layout, per engine: {@link V8r3PathsArgs} (`clusterPath`, `cronFile`, …) or {@link V8r6PathsArgs}
   * (`installDir`, `repmgrConf`, …); each key's default is the vendor layout (docs/paths.md). A key of the other
   * engine fails at preview on `paths.<key>`.
   */
  paths?: pulumi.Input<RecoveryPolicyPathsArgs>;
  /** V8R6: `restart-daemons` (default: repmgrd and kbha load the change) or `file-only`. */
  apply?: pulumi.Input<"restart-daemons" | "file-only">;
  /** Required `true` for `automatic`: an old primary is rewound and loses un-replicated transactions. */
  acknowledgeDataLoss?: pulumi.Input<boolean>;
  /** The SSH key of every login (secret). Required unless `nodeSshKeys` names a key for each node. */
  sshKey?: pulumi.Input<SshKeyArgs>;
  /** Per-node key of the `ssh` login, by node `host`, overriding `sshKey` (secret). */
  nodeSshKeys?: pulumi.Input<Record<string, pulumi.Input<SshKeyArgs>>>;
  /** V8R3 `root-ssh`: key of every root login (default: the node's own key) (secret). */
  rootSshKey?: pulumi.Input<SshKeyArgs>;
  /** V8R3 `root-ssh`: per-node key of the root login, by node `host` (secret). */
  nodeRootSshKeys?: pulumi.Input<Record<string, pulumi.Input<SshKeyArgs>>>;
  /** Key of the jump hosts (`ssh.proxy`); default: each login's own key (secret). */
  proxySshKey?: pulumi.Input<SshKeyArgs>;
  /**
   * Adopt only: create succeeds only when every node already has the requested settings; it edits no file
   * and restarts nothing (so destroy later restores nothing). Only create reads it. Default false.
   */
  adopt?: pulumi.Input<boolean>;
}

/** Inputs stored encrypted whatever the program passed. */
const POLICY_SECRET_INPUTS = policyEngine.kind.secretInputs;

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
  /** Each node as the vendor's cluster view shows it (V8R6 `repmgr cluster show`, V8R3 `show pool_nodes`). */
  declare readonly clusterNodes: pulumi.Output<
    Array<{ host: string; name: string; role: string; state: string; upstream: string | null }>
  >;
  /** The running primary's address, null when none is seen. */
  declare readonly primary: pulumi.Output<string | null>;
  /** The last automatic recovery in the vendor logs (hamgr.log / recovery.log), null when none. */
  declare readonly lastRecovery: pulumi.Output<{
    at: string | null;
    node: string;
    outcome: "rejoined" | "refused" | "failed" | "running";
    reason: string;
  } | null>;
  /** One-line health: `healthy: …`, `degraded: node … down (failed)`, `recovering: …`, `unknown: …`. */
  declare readonly health: pulumi.Output<string>;
  /** Typed health: `healthy`, `degraded`, `recovering` or `unknown`. */
  declare readonly healthState: pulumi.Output<"healthy" | "degraded" | "recovering" | "unknown">;
  /** What delete restores (lines as they were before the policy first changed them). */
  declare readonly previous: pulumi.Output<unknown>;
  /** When the policy was last applied (ISO 8601). */
  declare readonly lastApplied: pulumi.Output<string>;

  constructor(name: string, args: RecoveryPolicyArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      shim("recoveryPolicy"),
      name,
      {
        ...Object.fromEntries(RECOVERY_POLICY_OUTPUTS.map((k) => [k, undefined])),
        ...args,
        sshKey: secretKey(args.sshKey),
        nodeSshKeys: secretKeys(args.nodeSshKeys),
        rootSshKey: secretKey(args.rootSshKey),
        nodeRootSshKeys: secretKeys(args.nodeRootSshKeys),
        proxySshKey: secretKey(args.proxySshKey),
        __hadrName: name,
      },
      withSecretOutputs(opts, POLICY_SECRET_INPUTS),
      "hadr",
      "RecoveryPolicy",
    );
  }
}

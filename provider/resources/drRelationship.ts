import * as pulumi from "@pulumi/pulumi";
import { shim } from "../dynamic/shim";
import type { HealthState } from "../engines/opengauss/decide";
import type { LastDrill } from "../engines/opengauss/drill/evidence";
import { drEngine } from "../engines/opengauss/engine";
import { DR_OUTPUTS, type DrOperation } from "../engines/opengauss/outputs";
import { type SshArgs, type SshKeyArgs, secretKey, secretKeys, withSecretOutputs } from "./ssh";

/** One openGauss cluster of a DR pair. */
export interface DrClusterArgs {
  /** The cluster's install XML (content, not a path). */
  xml: pulumi.Input<string>;
  /** Login of the cluster OS user (default user `omm`); host keys pinned by node address or name. No key here. */
  ssh: pulumi.Input<SshArgs>;
  /** File sourced before every remote command (default `~/.bashrc`). */
  envFile?: pulumi.Input<string>;
  /** Node (DEVICE name) gs_sdr runs on; default the XML's master node. Its step files are node-local. */
  node?: pulumi.Input<string>;
  /** `localStreamIpmap1` / `remoteStreamIpmap1` / `remotedataPortBase`, when you want to pin them (else derived). */
  drParams?: pulumi.Input<{
    localStreamIpmap1: pulumi.Input<string>;
    remoteStreamIpmap1: pulumi.Input<string>;
    remotedataPortBase: pulumi.Input<number>;
  }>;
}

export type { DrOperation, LastDrill };

/** A switchover drill (docs/drills.md): a new `id` makes the next `pulumi up` switch over and back, measured. */
export interface DrillArgs {
  /** Names the drill; a new id runs one drill at the next `up`, an id that already ran never runs again. */
  id: pulumi.Input<string>;
  /** Switch back to `primary` afterwards (default true). false: a measured switchover; set `primary` to the other cluster with it. */
  switchBack?: pulumi.Input<boolean>;
  /** Database the heartbeat probe writes into (its own schema `hadr_drill`, dropped afterwards); default `postgres`. */
  database?: pulumi.Input<string>;
  /** The drill fails when the longest write outage of a switchover exceeds this many seconds. */
  maxWriteOutageSeconds?: pulumi.Input<number>;
}

export type { HealthState };

/** The DR user gs_sdr connects as. */
export interface DrUserArgs {
  /** User name; create it on the primary `WITH REPLICATION` before the first `up`. */
  name: pulumi.Input<string>;
  /** Its password (stored as a secret). */
  password: pulumi.Input<string>;
}

/** Inputs of a {@link DrRelationship}. */
export interface DrRelationshipArgs {
  /** Exactly two clusters, by name. Any level may be an Output (an XML read by another resource, …). */
  clusters: pulumi.Input<Record<string, pulumi.Input<DrClusterArgs>>>;
  /** Name of the primary cluster. Changing it is a planned switchover. */
  primary: pulumi.Input<string>;
  /** The DR user (created on the primary WITH REPLICATION); the password is stored as a secret. */
  drUser: pulumi.Input<DrUserArgs>;
  /** Permit a failover (possible data loss) when a switchover is impossible. Default false. */
  allowDataLoss?: pulumi.Input<boolean>;
  /** gs_sdr `--time-out` and our own deadline per operation, in seconds (default 1200). */
  timeoutSeconds?: pulumi.Input<number>;
  /** The SSH key of every cluster's login (secret). Required unless `clusterSshKeys` names a key for each. */
  sshKey?: pulumi.Input<SshKeyArgs>;
  /** Per-cluster SSH keys by cluster name, overriding `sshKey` (secret). */
  clusterSshKeys?: pulumi.Input<Record<string, pulumi.Input<SshKeyArgs>>>;
  /** Key of the jump hosts (`ssh.proxy`); default: each login's own key (secret). */
  proxySshKey?: pulumi.Input<SshKeyArgs>;
  /**
   * Adopt only: create succeeds only when the two clusters already form an established pair with `primary`
   * as the primary; it never runs `gs_sdr -t start` and writes no file. Only create reads it. Default false.
   */
  adopt?: pulumi.Input<boolean>;
  /** A switchover drill, measured by a heartbeat probe; preview shows it like every operation. */
  drill?: pulumi.Input<DrillArgs>;
}

/**
 * The DR user with its password as a secret: a plain object keeps `name` readable in previews; a user given
 * as an Output (or promise) is one secret as a whole.
 */
function drUserInput(u: pulumi.Input<DrUserArgs>): pulumi.Input<DrUserArgs> {
  if (pulumi.Output.isInstance(u) || u instanceof Promise) return pulumi.secret(u);
  return { name: u.name, password: pulumi.secret(u.password) };
}

/** Inputs stored encrypted whatever the program passed. */
const DR_SECRET_INPUTS = drEngine.kind.secretInputs;

/**
 * openGauss two-cluster streaming disaster recovery through `gs_sdr`: create starts it on both clusters,
 * a new `primary` switches over, delete dissolves it, refresh reads roles and RPO/RTO. Preview shows the
 * exact GUC and pg_hba changes per node.
 */
export class DrRelationship extends pulumi.dynamic.Resource {
  /** The cluster that is primary (refresh reports the real one). */
  declare readonly primary: pulumi.Output<string>;
  /** `hadr_cluster_stat` per cluster (`archive`, `recovery`, `normal`, ...). */
  declare readonly hadrClusterStat: pulumi.Output<Record<string, string>>;
  /** Recovery point objective in seconds as gs_sdr reports it; null where it reports ''. */
  declare readonly rpoSeconds: pulumi.Output<number | null>;
  /** Recovery time objective in seconds; null where gs_sdr reports ''. */
  declare readonly rtoSeconds: pulumi.Output<number | null>;
  /**
   * One line for people: `healthy: A primary, B DR`, `degraded: DR link down (A=archive_fail, …)`,
   * `degraded: DR cluster B unreachable (…)`, `rebuild needed: …`, `dissolved: no DR relationship`, …
   * Branch on {@link DrRelationship.healthState} instead.
   */
  declare readonly health: pulumi.Output<string>;
  /**
   * The health as a value to branch on (read by `pulumi refresh` and after every `up`):
   * - `healthy`: the primary archives, the DR cluster recovers;
   * - `degraded`: the DR link is down, or one cluster is unreachable while the other keeps its role;
   * - `in-progress`: a gs_sdr operation runs, or one did not finish;
   * - `rebuild-needed`: a cluster runs on its own after a failover; the next `up` rebuilds the pair;
   * - `dissolved`: both clusters are independent primaries (no DR relationship);
   * - `broken`: neither cluster answers, or a combination that needs a human.
   */
  declare readonly healthState: pulumi.Output<HealthState>;
  /** What the next operation changes: per node, each GUC and pg_hba line (empty once it ran). */
  declare readonly plan: pulumi.Output<string[]>;
  /** The last operation run, with its status. */
  declare readonly lastOperation: pulumi.Output<DrOperation>;
  /** The evidence of the last drill: times, measured write outage, rows written and lost, `result`. */
  declare readonly lastDrill: pulumi.Output<LastDrill | undefined>;

  constructor(name: string, args: DrRelationshipArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      shim("drRelationship"),
      name,
      {
        ...Object.fromEntries(DR_OUTPUTS.map((k) => [k, undefined])),
        ...args,
        sshKey: secretKey(args.sshKey),
        clusterSshKeys: secretKeys(args.clusterSshKeys),
        drUser: drUserInput(args.drUser),
        proxySshKey: secretKey(args.proxySshKey),
        __hadrName: name,
      },
      withSecretOutputs(opts, DR_SECRET_INPUTS),
      "hadr",
      "DrRelationship",
    );
  }
}

import type * as pulumi from "@pulumi/pulumi";

/**
 * `paths` of a `kingbase-v8r3` RecoveryPolicy (kingbasecluster). Every key is optional; relative file paths
 * resolve against `clusterPath`. Defaults are the vendor's install layout.
 */
export interface V8r3PathsArgs {
  /** Cluster install directory. Default `/home/kingbase/cluster/HAR3`. */
  clusterPath?: pulumi.Input<string>;
  /** The database side's HAmodule.conf. Default `db/etc/HAmodule.conf`. */
  dbHaModuleConf?: pulumi.Input<string>;
  /** The kingbasecluster side's HAmodule.conf. Default `kingbasecluster/etc/HAmodule.conf`. */
  clusterHaModuleConf?: pulumi.Input<string>;
  /** The script the cron line runs. Default `db/bin/network_rewind.sh`. */
  networkRewindScript?: pulumi.Input<string>;
  /** The root-owned cron file holding the network_rewind.sh line. Default `/etc/cron.d/KINGBASECRON`. */
  cronFile?: pulumi.Input<string>;
  /** The user field of that cron line. Default `kingbase`. */
  cronUser?: pulumi.Input<string>;
  /** The recovery flag file (`pid` on line 2 while a recovery runs). Default `/dev/shm/KB_RECOVERY_FLAG`. */
  recoveryFlagFile?: pulumi.Input<string>;
}

/**
 * `paths` of a `kingbase-v8r6` RecoveryPolicy (repmgr). Every key is optional; relative file paths resolve
 * against `installDir`. Defaults are the vendor's install layout.
 */
export interface V8r6PathsArgs {
  /** The kingbase install directory. Default `/home/kingbase/cluster/R6HA/kingbase`. */
  installDir?: pulumi.Input<string>;
  /** repmgr.conf (holds `recovery=`). Default `etc/repmgr.conf`. */
  repmgrConf?: pulumi.Input<string>;
  /** repmgrd's pid file. Default `etc/hamgrd.pid`. */
  repmgrdPidFile?: pulumi.Input<string>;
  /** kbha's pid file. Default `etc/kbha.pid`. */
  kbhaPidFile?: pulumi.Input<string>;
  /** The repmgr binary. Default `bin/repmgr`. */
  repmgrBin?: pulumi.Input<string>;
  /** The repmgrd binary (restarted to load a change). Default `bin/repmgrd`. */
  repmgrdBin?: pulumi.Input<string>;
  /** The kbha binary (restarted to load a change). Default `bin/kbha`. */
  kbhaBin?: pulumi.Input<string>;
}

/** `paths` of a RecoveryPolicy: the keys of its engine ({@link V8r3PathsArgs} or {@link V8r6PathsArgs}). */
export type RecoveryPolicyPathsArgs = V8r3PathsArgs | V8r6PathsArgs;

/**
 * Where the emulated KingbaseES files live inside a lab host (vendor-default paths, see
 * docs/vendor/kingbase-recovery.md §1.1 and §2.2). Pure constants and path builders, shared by the
 * provisioner, the host-side tools and the tests.
 */

/** Home of the `kingbase` OS user inside a host. */
export const KB_HOME = "/home/kingbase";
/** Env file sourced before every remote command (created by the provisioner). */
export const KB_ENV_FILE = `${KB_HOME}/.bashrc`;
/** The root-owned cron file both versions use. */
export const KB_CRON_FILE = "/etc/cron.d/KINGBASECRON";

/** V8R3 build the lab imitates (the Docker bundle of the vendor notes' S6). */
export const V8R3_VERSION = "V008R003C002B0290";
/** V8R6 build the lab imitates (the build of the vendor notes' `repmgr service status` sample, S37). */
export const V8R6_VERSION = "V008R006C005B0041";

/** Paths of one V8R3 node (kingbasecluster layout created by `V8R3_cluster_install.sh`). */
export interface V8R3Paths {
  clusterPath: string;
  kbBin: string;
  kbEtc: string;
  kbData: string;
  clusterBin: string;
  clusterEtc: string;
  logDir: string;
  haModuleConf: string;
  haModuleConfCluster: string;
  networkRewind: string;
  kingbaseMonitor: string;
  allMonitor: string;
  restartCluster: string;
  recoveryLog: string;
  recoveryFlag: string;
  lockFile: string;
  cronFile: string;
  /** Lab: socket dir of the database and home of the pool's and cron runner's pid files. */
  runDir: string;
  /** Lab: the kingbasecluster stand-in's run dir (pid, backend table, `show pool_nodes` view, attach requests). */
  poolRunDir: string;
  /** Lab: the kingbasecluster stand-in's configuration (backends, SSH trust, check period). */
  poolConf: string;
  /** Lab: node-specific database settings (address, port, socket dir) included by postgresql.conf. */
  nodeConf: string;
  /** Lab: `pg_ctl -l` log of the database. */
  serverLog: string;
  /** Lab: the cron runner standing in for the machine's cron daemon, and its pid file. */
  crond: string;
  crondPid: string;
}

/** Paths of a V8R3 node installed at `clusterPath` (default `/home/kingbase/cluster/HAR3`). */
export function v8r3Paths(clusterPath = `${KB_HOME}/cluster/HAR3`): V8R3Paths {
  const kbBin = `${clusterPath}/db/bin`;
  const kbEtc = `${clusterPath}/db/etc`;
  const clusterBin = `${clusterPath}/kingbasecluster/bin`;
  const clusterEtc = `${clusterPath}/kingbasecluster/etc`;
  const logDir = `${clusterPath}/log`;
  return {
    clusterPath,
    kbBin,
    kbEtc,
    kbData: `${clusterPath}/db/data`,
    clusterBin,
    clusterEtc,
    logDir,
    haModuleConf: `${kbEtc}/HAmodule.conf`,
    haModuleConfCluster: `${clusterEtc}/HAmodule.conf`,
    networkRewind: `${kbBin}/network_rewind.sh`,
    kingbaseMonitor: `${kbBin}/kingbase_monitor.sh`,
    allMonitor: `${kbBin}/all_monitor.sh`,
    restartCluster: `${clusterBin}/restartcluster.sh`,
    recoveryLog: `${logDir}/recovery.log`,
    recoveryFlag: "/dev/shm/KB_RECOVERY_FLAG",
    lockFile: "/dev/shm/kb.lock",
    cronFile: KB_CRON_FILE,
    runDir: `${clusterPath}/run`,
    poolRunDir: `${clusterPath}/run/kingbasecluster`,
    poolConf: `${clusterEtc}/lab-pool.json`,
    nodeConf: `${kbEtc}/kingbase-node.conf`,
    serverLog: `${logDir}/kingbase.log`,
    crond: `${clusterPath}/run/crond`,
    crondPid: `${clusterPath}/run/crond.pid`,
  };
}

/** Paths of one V8R6 node (`${install_dir}/kingbase/...` layout of the V8R6 installer). */
export interface V8R6Paths {
  installDir: string;
  binDir: string;
  etcDir: string;
  logDir: string;
  dataDir: string;
  shareDir: string;
  repmgrConf: string;
  repmgrdPidFile: string;
  kbhaPidFile: string;
  hamgrLog: string;
  kbhaLog: string;
  kbhaLoaded: string;
  /** Lab-only: the node list kbha reads for its peers (the vendor's reads the repmgr schema). */
  clusterJson: string;
  repmgr: string;
  repmgrd: string;
  kbha: string;
  sysMonitor: string;
  cronFile: string;
}

/** Paths of a V8R6 node whose install dir is `installDir` (default `/home/kingbase/cluster/R6HA/kingbase`). */
export function v8r6Paths(installDir = `${KB_HOME}/cluster/R6HA/kingbase`): V8R6Paths {
  const binDir = `${installDir}/bin`;
  const etcDir = `${installDir}/etc`;
  const logDir = `${installDir}/log`;
  return {
    installDir,
    binDir,
    etcDir,
    logDir,
    dataDir: `${installDir}/data`,
    shareDir: `${installDir}/share`,
    repmgrConf: `${etcDir}/repmgr.conf`,
    repmgrdPidFile: `${etcDir}/hamgrd.pid`,
    kbhaPidFile: `${etcDir}/kbha.pid`,
    hamgrLog: `${logDir}/hamgr.log`,
    kbhaLog: `${logDir}/kbha.log`,
    kbhaLoaded: `${logDir}/kbha.loaded.json`,
    clusterJson: `${installDir}/share/lab-cluster.json`,
    repmgr: `${binDir}/repmgr`,
    repmgrd: `${binDir}/repmgrd`,
    kbha: `${binDir}/kbha`,
    sysMonitor: `${binDir}/sys_monitor.sh`,
    cronFile: KB_CRON_FILE,
  };
}

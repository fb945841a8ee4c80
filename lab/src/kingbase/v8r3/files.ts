/**
 * Content of the V8R3 configuration files as the vendor installer leaves them: `HAmodule.conf`
 * (the `alter_HAmodule` sequence of `V8R3_cluster_install.sh`, byte for byte in line format) and
 * `/etc/cron.d/KINGBASECRON` (two spaces between the user and the command).
 */
import type { V8R3Paths } from "../layout";

/** One V8R3 node as the generators need it. */
export interface V8R3NodeSpec {
  /** 1-based position in the cluster (`NODE_NAME="node<index>"`, as the installer numbers nodes). */
  index: number;
  ip: string;
  /** Every node's address, node 1 first (`KB_ALL_IP`, `KB_POOL_IP1/2`). */
  allIps: string[];
  paths: V8R3Paths;
  /** OS user running the database tools (`KB_EXECUTE_SYS_USER`). */
  user: string;
}

/** `*\/1 * * * * <user>  <kbBin>/network_rewind.sh` — the exact text the vendor scripts grep for. */
export function networkRewindCronLine(paths: V8R3Paths, user: string): string {
  return `*/1 * * * * ${user}  ${paths.kbBin}/network_rewind.sh`;
}

/** `*\/1 * * * * root  <clusterBin>/restartcluster.sh` — the kingbasecluster watchdog line. */
function restartClusterCronLine(paths: V8R3Paths): string {
  return `*/1 * * * * root  ${paths.clusterBin}/restartcluster.sh`;
}

/** The V8R3 `/etc/cron.d/KINGBASECRON` after installation (both lines active). */
export function v8r3CronFile(paths: V8R3Paths, user: string): string {
  return `${networkRewindCronLine(paths, user)}\n${restartClusterCronLine(paths)}\n`;
}

/** Address a cluster-wide VIP gets: same /24 as node 1, host part `host` (loopback only). */
function vipOf(firstIp: string, host: number): string {
  const parts = firstIp.split(".");
  return `${parts[0]}.${parts[1]}.${parts[2]}.${host}`;
}

/**
 * `HAmodule.conf` of one node: the installer's comment/value pairs in the installer's order, including the
 * misleading comment right above `AUTO_PRIMARY_RECOVERY=0` that itself contains `AUTO_PRIMARY_RECOVERY="1"`,
 * then the two keys later builds read (`USE_CHECK_DISK`, `MAX_AVAILABLE_LEVEL`) in the same style.
 */
export function haModuleConf(node: V8R3NodeSpec): string {
  const p = node.paths;
  const first = node.allIps[0] ?? node.ip;
  const second = node.allIps[1] ?? first;
  const names = node.allIps.map((_, i) => `node${i + 1}`).join(" ");
  const log = p.logDir;
  const lines: string[] = [
    `#vip is bound to the specified network card.example:DEV="ens33"`,
    `DEV="lo"`,
    `#the path of the ip instruction in the system.example:CMD_IP_PATH="/usr/sbin"`,
    `CMD_IP_PATH="/sbin"`,
    `#the path of the arping instruction in the system.example:CMD_ARPING_PATH="/usr/sbin"`,
    `CMD_ARPING_PATH="${p.kbBin}"`,
    `#the trust server of the cluster,which can be an IP of different segmen.example:KB_GATEWAY_IP="127.0.29.1,127.0.28.1"`,
    `KB_GATEWAY_IP="127.0.0.1"`,
    `#the current node ip.example:KB_LOCALHOST_IP="127.0.28.128"`,
    `KB_LOCALHOST_IP="${node.ip}"`,
    `#1->synchronous cluster,0->asynchronous cluster ,default 1.example:SYNC_FLAG=1`,
    `SYNC_FLAG=1`,
    `#db use vip/the subnet mask.example:KB_VIP="127.0.28.220/24"`,
    `KB_VIP="${vipOf(first, 200)}/24"`,
    `#pool use vip/the subnet mask.example:KB_POOL_VIP="127.0.28.220/24"`,
    `KB_POOL_VIP="${vipOf(first, 201)}"`,
    `#pool use port,default 9999.example:KB_POOL_PORT="9999"`,
    `KB_POOL_PORT="9999"`,
    `#cluster user,default kingbase.example:PCP_USER="kingbase"`,
    `PCP_USER="kingbase"`,
    `#cluster password,default 123456.example:PCP_PASS="123456"`,
    `PCP_PASS="MTIzNDU2"`,
    `#location of the db etc directory.example:KB_ETC_PATH="./cluster/clusterName/db/etc"`,
    `KB_ETC_PATH="${p.kbEtc}"`,
    `#location of the db bin directory.example:KB_PATH="./cluster/clusterName/db/bin"`,
    `KB_PATH="${p.kbBin}"`,
    `#location of the db lib directory.example:KB_LD_PATH="./cluster/clusterName/db/lib"`,
    `KB_LD_PATH="${p.clusterPath}/db/lib"`,
    `#location of the cluster bin directory.example:CLUSTER_BIN_PATH="./cluster/clusterName/kingbasecluster/bin"`,
    `CLUSTER_BIN_PATH="${p.clusterBin}"`,
    `#location of the cluster lib directory.example:CLUSTER_LIB_PATH="./cluster/clusterName/kingbasecluster/lib"`,
    `CLUSTER_LIB_PATH="${p.clusterPath}/kingbasecluster/lib"`,
    `#location of the db data directory.example:KB_DATA_PATH="./cluster/clusterName/db/data"`,
    `KB_DATA_PATH="${p.kbData}"`,
    `KB_USER="SUPERMANAGER_V8ADMIN"`,
    `KB_PASS="S0lOR0JBU0VBRE1JTg=="`,
    `#database instance built-in database.example:KB_DATANAME="TEST"`,
    `KB_DATANAME="TEST"`,
    `#database listening port,default 54321.example:KB_PORT="54321"`,
    `KB_PORT="54321"`,
    `#home users of the cluster.example:KB_EXECUTE_SYS_USER="kingbase"`,
    `KB_EXECUTE_SYS_USER="${node.user}"`,
    `#automatic recovery log path.example:RECOVERY_LOG_DIR="./log/recovery.log"`,
    `RECOVERY_LOG_DIR="${log}/recovery.log"`,
    `#temporary files to query database status in clusster.example:KB_CLUSTER_STATUS="./log/pool_nodes"`,
    `KB_CLUSTER_STATUS="${log}/pool_nodes"`,
    `#IP of all nodes in the cluster.example:KB_ALL_IP="(127.0.28.128 127.0.28.129)"`,
    `KB_ALL_IP=(${node.allIps.join(" ")})`,
    `#pg_pool ip.example:KB_POOL_IP1="127.0.28.128"`,
    `KB_POOL_IP1="${first}"`,
    `#pg_pool ip.example:KB_POOL_IP2="127.0.28.129"`,
    `KB_POOL_IP2="${second}"`,
    `POOL_EXENAME="kingbasecluster"`,
    `#kingbasecluster socket files.example:KINGBASECLUSTERSOCKET1="/tmp/.s.KINGBASE.54321"`,
    `KINGBASECLUSTERSOCKET1="/tmp/.s.KINGBASE.9999"`,
    `KINGBASECLUSTERSOCKET2="/tmp/.s.KINGBASE.9898"`,
    `KINGBASECLUSTERSOCKET3="/tmp/.s.KINGBASECLUSTERWD_CMD.9000"`,
    `KINGBASECLUSTERSOCKET4="/tmp/.s.KINGBASECLUSTERWD_CMD.9000.lock"`,
    `#save kingbasecluster running status file.example:CLUSTER_STAT_FILE=".run/kingbasecluster/kingbasecluster_status"`,
    `CLUSTER_STAT_FILE="${p.clusterPath}/run/kingbasecluster/kingbasecluster_status"`,
    `#kingbasecluster log path.example:CLUSTER_LOG_PATH="./log"`,
    `CLUSTER_LOG_PATH="${log}"`,
    `#kingbasecluster log file name.example:CLUSTER_LOG_NAME="cluster.log"`,
    `CLUSTER_LOG_NAME="cluster.log"`,
    `#trust server check times.example:PING_TIMES="3"`,
    `PING_TIMES="3"`,
    `#kingbasecluster restart log path.example:POOL_RESTART="./log/cluster_restart.log"`,
    `POOL_RESTART="${log}/cluster_restart.log"`,
    `#failover log path.example:FAILOVER_LOG_DIR="./log/failover.log"`,
    `FAILOVER_LOG_DIR="${log}/failover.log"`,
    `#kingbasecluster executes as user,default root.example:KB_POOL_EXECUTE_SYS_USER="root"`,
    `KB_POOL_EXECUTE_SYS_USER="root"`,
    `#ssh connection timeout x senonds.example:CONNECTTIMEOUT="10"`,
    `CONNECTTIMEOUT=10`,
    `#maximum number of health checks.example:HEALTH_CHECK_MAX_RETRIES="3"`,
    // lab-tuned (installer: 6 × 10 s): a down standby is recovered within one cron round, not a minute later
    `HEALTH_CHECK_MAX_RETRIES=3`,
    `#maximum health check delay.example:HEALTH_CHECK_RETRY_DELAY="3"`,
    `HEALTH_CHECK_RETRY_DELAY=1`,
    `#whether to turn on automatic recovery,0->off,1->on.example:AUTO_PRIMARY_RECOVERY="1"`,
    `AUTO_PRIMARY_RECOVERY=0`,
    `#recoord the names of all nodes.example:ALL_NODE_NAME=1 (node1 node2 node3)`,
    `ALL_NODE_NAME=(${names})`,
    `#recoord the names of local node.example:NODE_NAME="node1"`,
    `NODE_NAME="node${node.index}"`,
    `#check read/write on the mount point of the data directory,0->off,1->on,default 1.example:USE_CHECK_DISK=1`,
    `USE_CHECK_DISK=1`,
    `#if all databases are down, start the best one as primary,0->off,1->on,default 0.example:MAX_AVAILABLE_LEVEL=0`,
    `MAX_AVAILABLE_LEVEL=0`,
  ];
  return `${lines.join("\n")}\n`;
}

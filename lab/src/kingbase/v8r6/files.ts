/**
 * Content of the V8R6 files as the vendor installer (`cluster_install.sh`) leaves them: a node's
 * `repmgr.conf` (node-specific keys plus the cluster-wide policy keys, quoted strings and bare integers,
 * one commented duplicate), the kbha line of `/etc/cron.d/KINGBASECRON` (single space after the user),
 * and the lab-only node list kbha and `sys_monitor.sh` read for their peers.
 */
import type { V8R6Paths } from "../layout";

/** One V8R6 node as the generators need it. */
export interface V8R6NodeSpec {
  /** repmgr node_id (1-based position; node 1 is the primary). */
  id: number;
  /** repmgr node_name. */
  name: string;
  ip: string;
  paths: V8R6Paths;
}

/** Database port of every node (KingbaseES default), on the host's own address. */
export const V8R6_DB_PORT = 54321;

/** The conninfo a node registers with (what `repmgr cluster show` prints as "Connection string"). */
function v8r6Conninfo(ip: string): string {
  return `host=${ip} user=esrep dbname=esrep port=${V8R6_DB_PORT} connect_timeout=10 keepalives=1 keepalives_idle=2 keepalives_interval=2 keepalives_count=3`;
}

/** `repmgr.conf` of one node, in the installer's key order and quoting. */
export function repmgrConf(node: V8R6NodeSpec): string {
  const p = node.paths;
  const lines = [
    "on_bmj=0",
    `node_id=${node.id}`,
    `node_name='${node.name}'`,
    `promote_command='${p.binDir}/repmgr standby promote -f ${p.repmgrConf}'`,
    `follow_command='${p.binDir}/repmgr standby follow -f ${p.repmgrConf} -W --upstream-node-id=%n'`,
    `conninfo='${v8r6Conninfo(node.ip)}'`,
    `log_file='${p.hamgrLog}'`,
    `kbha_log_file='${p.kbhaLog}'`,
    `data_directory='${p.dataDir}'`,
    `sys_bindir='${p.binDir}'`,
    `scmd_path='${p.binDir}'`,
    "ssh_options='-q -o ConnectTimeout=10 -o StrictHostKeyChecking=no -o ServerAliveInterval=2 -o ServerAliveCountMax=5 -p 22'",
    // lab-tuned (vendor default 10 × 6 s): repmgrd fails over within ~10 s of the primary vanishing
    "reconnect_attempts=3",
    "reconnect_interval=2",
    "failover='automatic'",
    "#recovery='automatic'",
    "recovery='standby'",
    "monitoring_history='no'",
    "trusted_servers='127.0.0.1'",
    "virtual_ip=''",
    "net_device=''",
    "ipaddr_path='/sbin'",
    `arping_path='${p.binDir}'`,
    "synchronous='quorum'",
    `repmgrd_pid_file='${p.repmgrdPidFile}'`,
    "ping_path='/usr/bin'",
    `kbha_pid_file='${p.kbhaPidFile}'`,
    "auto_cluster_recovery_level='1'",
    "use_check_disk='off'",
    "running_under_failure_trusted_servers='on'",
    "connection_check_type='ping'",
    "location='default'",
    "priority=100",
    "use_scmd=0",
    // lab-tuned (vendor default 60 s): how long `repmgr node rejoin` waits for the rewound node to attach; a
    // loaded test machine (CI runs labs side by side on 2 cores) can take longer than the default
    "standby_reconnect_timeout=180",
  ];
  return `${lines.join("\n")}\n`;
}

/** `*\/1 * * * * kingbase . /etc/profile;<bin>/kbha -A daemon -f <bin>/../etc/repmgr.conf` (single space after the user). */
export function kbhaCronLine(paths: V8R6Paths, user: string): string {
  return `*/1 * * * * ${user} . /etc/profile;${paths.binDir}/kbha -A daemon -f ${paths.binDir}/../etc/repmgr.conf`;
}

/** The V8R6 `/etc/cron.d/KINGBASECRON` after installation. */
export function v8r6CronFile(paths: V8R6Paths, user: string): string {
  return `${kbhaCronLine(paths, user)}\n`;
}

/** One registered node as the lab's `repmgr` stand-in knows it (the real tool reads the repmgr schema). */
interface RegisteredNode {
  id: number;
  name: string;
  ip: string;
  role: "primary" | "standby";
  /** node_name of the upstream ('' for the primary). */
  upstream: string;
  location: string;
  priority: number;
  timeline: number;
  conninfo: string;
  /** Where the node's private tree is visible from any host (`<root>/hosts/<ip>/fs`), to read its pid file. */
  fsRoot: string;
  repmgrdPidFile: string;
  sshPort: number;
}

/** The lab cluster file (`<install>/share/lab-cluster.json`) the `repmgr` and `sys_monitor.sh` stand-ins read. */
export interface RegisteredCluster {
  nodes: RegisteredNode[];
  /** How `sys_monitor.sh start|stop|restart` reaches peers. */
  ssh: { user: string; keyPath: string; knownHostsPath: string };
}

/** Registered node list for a cluster; node 1 is the primary, the others stream from it. */
export function registeredCluster(
  nodes: Array<V8R6NodeSpec & { fsRoot: string; sshPort: number }>,
  ssh: RegisteredCluster["ssh"],
): RegisteredCluster {
  const primary = nodes[0];
  return {
    nodes: nodes.map((n, i) => ({
      id: n.id,
      name: n.name,
      ip: n.ip,
      role: i === 0 ? "primary" : "standby",
      upstream: i === 0 ? "" : (primary?.name ?? ""),
      location: "default",
      priority: 100,
      timeline: 1,
      conninfo: v8r6Conninfo(n.ip),
      fsRoot: n.fsRoot,
      repmgrdPidFile: n.paths.repmgrdPidFile,
      sshPort: n.sshPort,
    })),
    ssh,
  };
}

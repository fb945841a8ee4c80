/**
 * KingbaseES V8R3 provisioner: on each host of the cluster, the kingbasecluster layout under
 * `/home/kingbase/cluster/HAR3` (HAmodule.conf in db/etc and kingbasecluster/etc, the monitor and recovery
 * scripts, the pool_nodes view, a standby's recovery.conf) and the root-owned `/etc/cron.d/KINGBASECRON`.
 * No process runs: network_rewind.sh only runs when invoked (the lab has no cron daemon).
 */
import type { EngineProvisioner, LabClusterOutput, LabClusterSpec, LabContext } from "../types";
import { ensureDir, placeConfig, readHostFile, removeHostFiles, restorePristine, writeTool } from "./hostfs";
import { hostByIp, hostTree, kbOwner, requireRoot, rootOwner } from "./hosts";
import { KB_CRON_FILE, KB_ENV_FILE, KB_HOME, V8R3_VERSION, v8r3Paths } from "./layout";
import { parseHaModule } from "./v8r3-conf";
import { haModuleConf, networkRewindCronLine, v8r3CronFile, v8r3RecoveryConf } from "./v8r3-files";
import {
  allMonitorScript,
  kingbaseMonitorScript,
  networkRewindScript,
  poolNodesFile,
  restartClusterScript,
} from "./v8r3-scripts";

const P = v8r3Paths();

/** Env file of a V8R3 node. */
function envFile(): string {
  return `# pulumi-hadr lab: KingbaseES V8R3 environment\nexport KINGBASE_HOME=${P.clusterPath}/db\nexport KINGBASE_DATA=${P.kbData}\nexport PATH=${P.kbBin}:$PATH\n`;
}

async function up(ctx: LabContext, cluster: LabClusterSpec): Promise<LabClusterOutput> {
  requireRoot(ctx, "kingbase-v8r3");
  const user = ctx.users.kingbase.name;
  const allIps = cluster.hosts.map((h) => h.ip);
  const hop = {
    user,
    keyPath: ctx.clusterKeyPath,
    knownHostsPath: ctx.knownHostsPath,
    ports: Object.fromEntries(cluster.hosts.map((h) => [h.ip, h.sshPort])),
  };
  const nodes: LabClusterOutput["nodes"] = [];
  for (const host of cluster.hosts) {
    const tree = hostTree(ctx, host);
    const dir = kbOwner(ctx, 0o755);
    ensureDir(tree, KB_HOME, kbOwner(ctx, 0o700));
    for (const d of [
      P.kbBin,
      P.kbEtc,
      `${P.clusterPath}/db/lib`,
      P.clusterBin,
      P.clusterEtc,
      `${P.clusterPath}/kingbasecluster/lib`,
      P.logDir,
      `${P.clusterPath}/run/kingbasecluster`,
    ]) {
      ensureDir(tree, d, dir);
    }
    ensureDir(tree, P.kbData, kbOwner(ctx, 0o700));
    const exe = kbOwner(ctx, 0o755);
    for (const bin of [P.kbBin, P.clusterBin]) {
      writeTool(tree, `${bin}/all_monitor.sh`, allMonitorScript(), exe);
      writeTool(tree, `${bin}/kingbase_monitor.sh`, kingbaseMonitorScript(hop), exe);
    }
    writeTool(tree, P.networkRewind, networkRewindScript(), exe);
    writeTool(tree, P.restartCluster, restartClusterScript(), exe);

    const conf = haModuleConf({ index: host.index, ip: host.ip, allIps, paths: P, user });
    placeConfig(tree, P.haModuleConf, conf, kbOwner(ctx, 0o644));
    placeConfig(tree, P.haModuleConfCluster, conf, kbOwner(ctx, 0o644));
    placeConfig(tree, KB_CRON_FILE, v8r3CronFile(P, user), rootOwner(ctx, 0o644));
    placeConfig(tree, `${P.logDir}/pool_nodes`, poolNodesFile(allIps), kbOwner(ctx, 0o644));
    placeConfig(tree, P.recoveryLog, "", kbOwner(ctx, 0o644));
    placeConfig(tree, KB_ENV_FILE, envFile(), kbOwner(ctx, 0o644));
    if (host.index > 1) {
      placeConfig(
        tree,
        `${P.kbData}/recovery.conf`,
        v8r3RecoveryConf(allIps[0] ?? host.ip, host.index),
        kbOwner(ctx, 0o600),
      );
    }
    nodes.push({
      host: host.ip,
      name: host.name,
      nodeName: `node${host.index}`,
      role: host.index === 1 ? "primary" : "standby",
      clusterPath: P.clusterPath,
      haModuleConf: P.haModuleConf,
      haModuleConfCluster: P.haModuleConfCluster,
      cronFile: KB_CRON_FILE,
      cronLine: networkRewindCronLine(P, user),
      networkRewind: P.networkRewind,
      kingbaseMonitor: P.kingbaseMonitor,
      allMonitor: P.allMonitor,
      recoveryLog: P.recoveryLog,
      recoveryFlag: P.recoveryFlag,
      dataDir: P.kbData,
    });
  }
  return {
    user,
    envFile: KB_ENV_FILE,
    nodes,
    extra: {
      version: V8R3_VERSION,
      clusterPath: P.clusterPath,
      cronFile: KB_CRON_FILE,
      sudo: true,
      rootSsh: ctx.asRoot,
    },
  };
}

async function reset(ctx: LabContext, cluster: LabClusterSpec): Promise<void> {
  for (const host of cluster.hosts) {
    const tree = hostTree(ctx, host);
    restorePristine(tree);
    removeHostFiles(tree, [P.recoveryFlag, P.lockFile, `${P.logDir}/cluster_restart.log`]);
  }
}

async function status(ctx: LabContext, cluster: LabClusterSpec): Promise<string[]> {
  const user = ctx.users.kingbase.name;
  return cluster.hosts.map((host) => {
    const tree = hostTree(ctx, host);
    const cron = readHostFile(tree, KB_CRON_FILE);
    const line = networkRewindCronLine(P, user);
    const found = cron?.split("\n").find((l) => l.includes(line));
    const state = found === undefined ? "absent" : found.startsWith("#") ? "commented" : "active";
    const apr = parseHaModule(readHostFile(tree, P.haModuleConf) ?? "")["AUTO_PRIMARY_RECOVERY"] ?? "(unset)";
    return `${host.name} network_rewind cron=${state} AUTO_PRIMARY_RECOVERY=${apr}`;
  });
}

/** KingbaseES V8R3 provisioner (see the module comment). Fault: `kb-monitor-restart <ip>`. */
export const kingbaseV8R3Provisioner: EngineProvisioner = {
  engine: "kingbase-v8r3",
  up,
  async down() {
    /* no process of ours runs on V8R3 hosts */
  },
  status,
  reset,
  faults: {
    "kb-monitor-restart": async (ctx, clusters, args) => {
      const host = hostByIp(clusters, args[0], "kb-monitor-restart <ip>");
      const r = await ctx.run(host, ctx.users.kingbase.name, `${P.kingbaseMonitor} restart`, {
        timeoutMs: 120_000,
      });
      if (r.code !== 0)
        throw new Error(
          `kingbase_monitor.sh restart on ${host.ip} failed (${r.code}): ${r.stderr}${r.stdout}`,
        );
      return `kb-monitor-restart ${host.ip}: kingbase_monitor.sh restart ran as ${ctx.users.kingbase.name} (KINGBASECRON lines re-enabled on every node)`;
    },
  },
};

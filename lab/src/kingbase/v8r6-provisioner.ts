/**
 * KingbaseES V8R6 provisioner: on each host of the cluster, the install dir
 * `/home/kingbase/cluster/R6HA/kingbase` (repmgr.conf, the repmgr/repmgrd/kbha/sys_monitor.sh stand-ins,
 * the registered-node list), the kbha line in `/etc/cron.d/KINGBASECRON`, and the running stand-in
 * daemons repmgrd + kbha (started inside the host with `sys_monitor.sh startlocal`). No database runs.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineProvisioner, LabClusterOutput, LabClusterSpec, LabContext, LabHost } from "../types";
import { isDaemonAlive, type LoadedState, readPidFile } from "./daemon-state";
import { ensureDir, placeConfig, readHostFile, removeHostFiles, restorePristine, writeTool } from "./hostfs";
import { hostByIp, hostTree, kbOwner, requireRoot, rootOwner, stopByPidFile } from "./hosts";
import { KB_CRON_FILE, KB_ENV_FILE, KB_HOME, V8R6_VERSION, v8r6Paths } from "./layout";
import { parseRepmgrConf } from "./repmgr-conf";
import { kbhaCronLine, registeredCluster, repmgrConf, v8r6CronFile } from "./v8r6-files";
import { nodeWrapper, sysMonitorScript, v8r6EnvFile } from "./v8r6-scripts";

const P = v8r6Paths();

async function startLocal(ctx: LabContext, host: LabHost): Promise<void> {
  const r = await ctx.run(host, ctx.users.kingbase.name, `${P.sysMonitor} startlocal`, { timeoutMs: 60_000 });
  if (r.code !== 0)
    throw new Error(`${host.ip}: sys_monitor.sh startlocal failed (${r.code}): ${r.stderr}${r.stdout}`);
}

async function stopDaemons(host: LabHost): Promise<void> {
  await stopByPidFile(host, P.kbhaPidFile, "kbha", "SIGTERM");
  await stopByPidFile(host, P.repmgrdPidFile, "repmgrd", "SIGTERM");
}

async function up(ctx: LabContext, cluster: LabClusterSpec): Promise<LabClusterOutput> {
  requireRoot(ctx, "kingbase-v8r6");
  const user = ctx.users.kingbase.name;
  const specs = cluster.hosts.map((h) => ({
    id: h.index,
    name: h.name,
    ip: h.ip,
    paths: P,
    fsRoot: h.fsRoot,
    sshPort: h.sshPort,
  }));
  const registered = registeredCluster(specs, {
    user,
    keyPath: ctx.clusterKeyPath,
    knownHostsPath: ctx.knownHostsPath,
  });
  const nodes: LabClusterOutput["nodes"] = [];
  for (const host of cluster.hosts) {
    const tree = hostTree(ctx, host);
    const spec = specs.find((s) => s.ip === host.ip)!;
    ensureDir(tree, KB_HOME, kbOwner(ctx, 0o700));
    for (const d of [P.binDir, P.etcDir, P.logDir, P.shareDir]) ensureDir(tree, d, kbOwner(ctx, 0o755));
    ensureDir(tree, P.dataDir, kbOwner(ctx, 0o700));
    const exe = kbOwner(ctx, 0o755);
    writeTool(tree, P.repmgr, nodeWrapper("repmgr", ctx.toolsDir, "kingbase/repmgr-cli.js"), exe);
    writeTool(tree, P.repmgrd, nodeWrapper("repmgrd", ctx.toolsDir, "kingbase/daemons/repmgrd.js"), exe);
    writeTool(tree, P.kbha, nodeWrapper("kbha", ctx.toolsDir, "kingbase/daemons/kbha.js"), exe);
    writeTool(
      tree,
      P.sysMonitor,
      sysMonitorScript(P, {
        localIp: host.ip,
        allIps: cluster.hosts.map((h) => h.ip),
        ports: Object.fromEntries(cluster.hosts.map((h) => [h.ip, h.sshPort])),
        sshUser: user,
        keyPath: ctx.clusterKeyPath,
        knownHostsPath: ctx.knownHostsPath,
      }),
      exe,
    );
    writeTool(tree, P.clusterJson, `${JSON.stringify(registered, null, 2)}\n`, kbOwner(ctx, 0o644));
    placeConfig(tree, P.repmgrConf, repmgrConf(spec), kbOwner(ctx, 0o644));
    placeConfig(tree, KB_CRON_FILE, v8r6CronFile(P, user), rootOwner(ctx, 0o644));
    placeConfig(tree, KB_ENV_FILE, v8r6EnvFile(P), kbOwner(ctx, 0o644));
    if (host.index > 1) placeConfig(tree, `${P.dataDir}/standby.signal`, "", kbOwner(ctx, 0o600));
    nodes.push({
      host: host.ip,
      name: host.name,
      nodeId: host.index,
      nodeName: host.name,
      role: host.index === 1 ? "primary" : "standby",
      installDir: P.installDir,
      binDir: P.binDir,
      repmgrConf: P.repmgrConf,
      repmgrdPidFile: P.repmgrdPidFile,
      kbhaPidFile: P.kbhaPidFile,
      repmgrdLoadedFile: P.repmgrdLoaded,
      kbhaLoadedFile: P.kbhaLoaded,
      hamgrLog: P.hamgrLog,
      kbhaLog: P.kbhaLog,
      cronFile: KB_CRON_FILE,
      cronLine: kbhaCronLine(P, user),
      dataDir: P.dataDir,
    });
  }
  for (const host of cluster.hosts) await startLocal(ctx, host);
  return {
    user,
    envFile: KB_ENV_FILE,
    nodes,
    extra: {
      version: V8R6_VERSION,
      repmgrVersion: "5.0.0",
      installDir: P.installDir,
      cronFile: KB_CRON_FILE,
      sudo: true,
      rootSsh: ctx.asRoot,
      databases: false,
    },
  };
}

async function down(_ctx: LabContext, cluster: LabClusterSpec): Promise<void> {
  for (const host of cluster.hosts) await stopDaemons(host);
}

async function reset(ctx: LabContext, cluster: LabClusterSpec): Promise<void> {
  for (const host of cluster.hosts) {
    await stopDaemons(host);
    const tree = hostTree(ctx, host);
    restorePristine(tree);
    removeHostFiles(tree, [
      P.repmgrdPidFile,
      P.kbhaPidFile,
      P.repmgrdLoaded,
      P.kbhaLoaded,
      P.hamgrLog,
      P.kbhaLog,
    ]);
  }
  for (const host of cluster.hosts) await startLocal(ctx, host);
}

function loaded(host: LabHost, file: string): LoadedState | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(host.fsRoot, file), "utf8")) as LoadedState;
  } catch {
    return undefined;
  }
}

async function status(_ctx: LabContext, cluster: LabClusterSpec): Promise<string[]> {
  return cluster.hosts.map((host) => {
    const declared =
      parseRepmgrConf(readHostFile({ fsRoot: host.fsRoot }, P.repmgrConf) ?? "")["recovery"] ?? "(unset)";
    const part = (name: string, pidFile: string, stateFile: string) => {
      const pid = readPidFile(path.join(host.fsRoot, pidFile));
      if (!isDaemonAlive(pid, name)) return `${name} down`;
      const st = loaded(host, stateFile);
      return `${name} pid ${pid} recovery=${st?.recovery ?? "?"}`;
    };
    return `${host.name} ${part("repmgrd", P.repmgrdPidFile, P.repmgrdLoaded)}, ${part("kbha", P.kbhaPidFile, P.kbhaLoaded)}; repmgr.conf recovery=${declared}`;
  });
}

/** KingbaseES V8R6 provisioner (see the module comment). Fault: `repmgrd-kill <ip>` (SIGKILL; kbha restarts it). */
export const kingbaseV8R6Provisioner: EngineProvisioner = {
  engine: "kingbase-v8r6",
  up,
  down,
  status,
  reset,
  /** site-up: the hosts' daemons start again as at boot (`sys_monitor.sh startlocal` on each host). */
  siteUp: async (ctx, cluster) => {
    await Promise.all(cluster.hosts.map((h) => startLocal(ctx, h)));
  },
  faults: {
    "repmgrd-kill": async (_ctx, clusters, args) => {
      const host = hostByIp(clusters, args[0], "repmgrd-kill <ip>");
      const pid = await stopByPidFile(host, P.repmgrdPidFile, "repmgrd", "SIGKILL");
      return pid === undefined
        ? `repmgrd-kill ${host.ip}: repmgrd was not running`
        : `repmgrd-kill ${host.ip}: repmgrd (pid ${pid}) killed; kbha restarts it within ~3 s`;
    },
  },
};

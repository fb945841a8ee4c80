/**
 * KingbaseES V8R3 provisioner: on each host of the cluster, the kingbasecluster layout under
 * `/home/kingbase/cluster/HAR3` (HAmodule.conf in db/etc and kingbasecluster/etc, the monitor and recovery
 * scripts, the kingbasecluster stand-in and its tools) and the root-owned `/etc/cron.d/KINGBASECRON`; a real
 * PostgreSQL 15 streaming set (node 1 primary, the others cloned; v8r3/db.ts); and, as the machine's boot
 * would, the lab's cron runner (which runs the active KINGBASECRON lines: restartcluster.sh starts the pool,
 * network_rewind.sh recovers). The first `up` keeps a copy of every node's fresh data dir; `reset` puts it back.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineProvisioner, LabClusterOutput, LabClusterSpec, LabContext, LabHost } from "../../types";
import { isDaemonAlive, readPidFile } from "../daemon-state";
import { poolFiles } from "../daemons/kingbasecluster";
import {
  ensureDir,
  forgetConfig,
  placeConfig,
  readHostFile,
  removeHostFiles,
  restorePristine,
  writeTool,
} from "../hostfs";
import {
  hostByIp,
  hostTree,
  kbOwner,
  keepDataCopy,
  requireRoot,
  restoreDataCopy,
  rootOwner,
  stopByPidFile,
} from "../hosts";
import { KB_CRON_FILE, KB_ENV_FILE, KB_HOME, V8R3_VERSION, v8r3Paths } from "../layout";
import { PG_BIN, pgStopScript } from "../pg";
import { nodeWrapper } from "../v8r6/scripts";
import { parseHaModule } from "./conf";
import {
  V8R3_DB_NAME,
  V8R3_DB_PORT,
  V8R3_DB_USER,
  v8r3CloneStandbyScript,
  v8r3InitPrimaryScript,
  v8r3StartDbScript,
} from "./db";
import { haModuleConf, networkRewindCronLine, v8r3CronFile } from "./files";
import {
  allMonitorScript,
  CRON_TICK_S,
  crondScript,
  failoverStreamScript,
  kingbaseMonitorScript,
  networkRewindScript,
  pcpAttachNodeScript,
  poolNodesShowScript,
  restartClusterScript,
} from "./scripts";

const P = v8r3Paths();
/**
 * The pool's health-check period (ms) and failed checks before a backend is detached (lab-tuned: a lost host
 * is detected in seconds), and how long one check of a live backend may take (`health_check_timeout`,
 * pgpool-II's default 20 s: a loaded CI machine must not detach a healthy primary).
 */
const POOL_CHECK_MS = 1000;
const POOL_RETRIES = 3;
const POOL_CHECK_TIMEOUT_MS = 20_000;

async function asUser(
  ctx: LabContext,
  host: LabHost,
  user: string,
  what: string,
  script: string,
): Promise<string> {
  const r = await ctx.run(host, user, script, { timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`${host.ip}: ${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

/** Where the copy of a node's fresh data dir is kept (outside the host). */
function pristineData(ctx: LabContext, host: LabHost): string {
  return path.join(ctx.root, "hosts", host.ip, "kingbase-v8r3-pgdata-pristine");
}

/** Starts the machine's cron runner unless it runs (what the machine's boot does). */
async function startCron(ctx: LabContext, host: LabHost): Promise<void> {
  await asUser(
    ctx,
    host,
    "root",
    "start the cron runner",
    `p=$(head -n 1 ${P.crondPid} 2>/dev/null); if [ -n "$p" ] && tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -q crond; then exit 0; fi
setsid bash ${P.crond} </dev/null >/dev/null 2>&1 & echo $! > ${P.crondPid}`,
  );
}

/** Boots a node fully (lab up/reset/site-up): its database in the role its files say, the pool, cron. */
async function startNode(ctx: LabContext, host: LabHost): Promise<void> {
  await asUser(ctx, host, ctx.users.kingbase.name, "start database", v8r3StartDbScript(P));
  await asUser(ctx, host, "root", "start kingbasecluster", P.restartCluster);
  await startCron(ctx, host);
}

/** Stops cron first (it would restart the rest), then the pool, then the database. */
async function stopNode(ctx: LabContext, host: LabHost): Promise<void> {
  await stopByPidFile(host, P.crondPid, "crond", "SIGTERM");
  await stopByPidFile(host, poolFiles(P.poolRunDir).pid, "kingbasecluster", "SIGTERM");
  await ctx
    .run(host, ctx.users.kingbase.name, pgStopScript(P.kbData), { timeoutMs: 60_000 })
    .catch(() => undefined);
}

/**
 * Creates the streaming set where it does not exist yet (node 1 primary, the others cloned from it) and, the
 * first time, keeps a copy of each fresh data dir for `reset` (clean stops, standbys first).
 */
async function createDatabases(ctx: LabContext, cluster: LabClusterSpec): Promise<void> {
  const [first, ...rest] = cluster.hosts;
  if (!first) return;
  const kb = ctx.users.kingbase.name;
  let created = (await asUser(ctx, first, kb, "initdb", v8r3InitPrimaryScript(P, first.ip))) === "created";
  for (const h of rest) {
    const out = await asUser(ctx, h, kb, "clone standby", v8r3CloneStandbyScript(P, h.ip, first.ip, h.index));
    created = created || out === "created";
  }
  if (!created && cluster.hosts.every((h) => fs.existsSync(pristineData(ctx, h)))) return;
  for (const h of cluster.hosts) await stopNode(ctx, h);
  for (const h of [...rest, first]) await asUser(ctx, h, kb, "stop database", pgStopScript(P.kbData, "fast"));
  await Promise.all(cluster.hosts.map((h) => keepDataCopy(h, P.kbData, pristineData(ctx, h))));
}

/** Puts the fresh data dir of `host` back (everything of the node stopped first). */
async function restoreData(ctx: LabContext, host: LabHost): Promise<void> {
  await restoreDataCopy(host, P.kbData, pristineData(ctx, host));
}

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
    // labs made before the database existed kept a recovery.conf (PostgreSQL 15 refuses to start with one)
    // and a provisioned pool view: neither is a configuration file any more
    forgetConfig(tree, `${P.kbData}/recovery.conf`);
    forgetConfig(tree, `${P.logDir}/pool_nodes`);
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
    writeTool(tree, P.networkRewind, networkRewindScript(P, hop), exe);
    writeTool(tree, P.restartCluster, restartClusterScript(P, user), exe);
    writeTool(tree, `${P.clusterBin}/failover_stream.sh`, failoverStreamScript(P, hop), exe);
    writeTool(tree, `${P.clusterBin}/pcp_attach_node`, pcpAttachNodeScript(P, hop), exe);
    writeTool(tree, `${P.clusterBin}/pool_nodes_show`, poolNodesShowScript(P), exe);
    writeTool(
      tree,
      `${P.clusterBin}/kingbasecluster`,
      nodeWrapper("kingbasecluster", ctx.toolsDir, "kingbase/daemons/kingbasecluster.js"),
      exe,
    );
    writeTool(tree, P.crond, crondScript(), rootOwner(ctx, 0o755));
    writeTool(
      tree,
      P.poolConf,
      `${JSON.stringify(
        {
          localIp: host.ip,
          nodes: cluster.hosts.map((h) => ({ host: h.ip, port: V8R3_DB_PORT, sshPort: h.sshPort })),
          sshUser: user,
          keyPath: ctx.clusterKeyPath,
          knownHostsPath: ctx.knownHostsPath,
          runDir: P.poolRunDir,
          logDir: P.logDir,
          clusterBin: P.clusterBin,
          pgBin: PG_BIN,
          dbUser: V8R3_DB_USER,
          dbName: V8R3_DB_NAME,
          checkMs: POOL_CHECK_MS,
          retries: POOL_RETRIES,
          checkTimeoutMs: POOL_CHECK_TIMEOUT_MS,
        },
        null,
        2,
      )}\n`,
      kbOwner(ctx, 0o644),
    );

    const conf = haModuleConf({ index: host.index, ip: host.ip, allIps, paths: P, user });
    placeConfig(tree, P.haModuleConf, conf, kbOwner(ctx, 0o644));
    placeConfig(tree, P.haModuleConfCluster, conf, kbOwner(ctx, 0o644));
    placeConfig(tree, KB_CRON_FILE, v8r3CronFile(P, user), rootOwner(ctx, 0o644));
    placeConfig(tree, P.recoveryLog, "", kbOwner(ctx, 0o644));
    placeConfig(tree, KB_ENV_FILE, envFile(), kbOwner(ctx, 0o644));
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
  await createDatabases(ctx, cluster);
  for (const host of cluster.hosts) await startNode(ctx, host);
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
      databases: true,
      dbPort: V8R3_DB_PORT,
      dbUser: V8R3_DB_USER,
      dbName: V8R3_DB_NAME,
      socketDir: P.runDir,
      pgBin: PG_BIN,
      cronTickSeconds: CRON_TICK_S,
    },
  };
}

/** Files a run leaves behind that `reset` clears (logs, flags, the pool's state). */
const RUN_FILES = [
  P.recoveryFlag,
  P.lockFile,
  P.recoveryLog,
  `${P.logDir}/pool_nodes`,
  `${P.logDir}/cluster_restart.log`,
  `${P.logDir}/cluster.log`,
  `${P.logDir}/failover.log`,
  `${P.poolRunDir}/pool_status.json`,
  `${P.poolRunDir}/pool_nodes`,
];

async function reset(ctx: LabContext, cluster: LabClusterSpec): Promise<void> {
  await Promise.all(cluster.hosts.map((h) => stopNode(ctx, h)));
  for (const host of cluster.hosts) {
    const tree = hostTree(ctx, host);
    restorePristine(tree);
    removeHostFiles(tree, RUN_FILES);
    for (const f of fs.readdirSync(path.join(host.fsRoot, P.poolRunDir))) {
      if (f.startsWith("attach.")) fs.rmSync(path.join(host.fsRoot, P.poolRunDir, f), { force: true });
    }
    await restoreData(ctx, host);
  }
  for (const host of cluster.hosts) await startNode(ctx, host);
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
    const pg = readPidFile(path.join(host.fsRoot, P.kbData, "postmaster.pid"));
    const db = isDaemonAlive(pg, "postgres")
      ? fs.existsSync(path.join(host.fsRoot, P.kbData, "standby.signal"))
        ? "standby"
        : "primary"
      : "down";
    const alive = (name: string, pidFile: string) =>
      isDaemonAlive(readPidFile(path.join(host.fsRoot, pidFile)), name) ? "up" : "down";
    return `${host.name} db ${db}, kingbasecluster ${alive("kingbasecluster", poolFiles(P.poolRunDir).pid)}, cron ${alive("crond", P.crondPid)}; network_rewind cron=${state} AUTO_PRIMARY_RECOVERY=${apr}`;
  });
}

/** KingbaseES V8R3 provisioner (see the module comment). Fault: `kb-monitor-restart <ip>`. */
export const kingbaseV8R3Provisioner: EngineProvisioner = {
  engine: "kingbase-v8r3",
  up,
  async down(ctx, cluster) {
    for (const host of cluster.hosts) await stopNode(ctx, host);
  },
  status,
  reset,
  /** site-up: each machine boots (database in the role its files say, pool, cron). */
  siteUp: async (ctx, cluster) => {
    for (const host of cluster.hosts) await startNode(ctx, host);
  },
  /**
   * host-up: the machine's cron starts, nothing else: its restartcluster.sh line starts the pool, and its
   * network_rewind.sh line (if active) recovers the database — or fences it — as HAmodule.conf says.
   */
  hostUp: async (ctx, _cluster, host) => {
    await startCron(ctx, host);
  },
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

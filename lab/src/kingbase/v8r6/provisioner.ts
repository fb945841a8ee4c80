/**
 * KingbaseES V8R6 provisioner: on each host of the cluster, the install dir
 * `/home/kingbase/cluster/R6HA/kingbase` (repmgr.conf; repmgr/repmgrd = the community repmgr 5.3 under the
 * vendor path; the kbha stand-in; sys_monitor.sh; the lab's node list), the kbha line in
 * `/etc/cron.d/KINGBASECRON`, a real PostgreSQL 15 streaming set (node 1 primary, the others standbys
 * cloned and registered by repmgr; v8r6/db.ts) and the daemons repmgrd + kbha (`sys_monitor.sh startlocal`).
 * The first `up` keeps a copy of every node's fresh data dir; `reset` puts it back (node 1 primary again).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { EngineProvisioner, LabClusterOutput, LabClusterSpec, LabContext, LabHost } from "../../types";
import { isDaemonAlive, type LoadedState, readPidFile } from "../daemon-state";
import { ensureDir, placeConfig, readHostFile, removeHostFiles, restorePristine, writeTool } from "../hostfs";
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
import { KB_CRON_FILE, KB_ENV_FILE, KB_HOME, V8R6_VERSION, v8r6Paths } from "../layout";
import { parseRepmgrConf } from "../repmgr-conf";
import { cloneStandbyScript, initPrimaryScript, PG_BIN, stopDbScript } from "./db";
import { kbhaCronLine, registeredCluster, repmgrConf, V8R6_DB_PORT, v8r6CronFile } from "./files";
import { nodeWrapper, repmgrWrapper, sysMonitorScript, v8r6EnvFile } from "./scripts";

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

/** Where the copy of a node's fresh data dir is kept (outside the host). */
function pristineData(ctx: LabContext, host: LabHost): string {
  return path.join(ctx.root, "hosts", host.ip, "kingbase-pgdata-pristine");
}

async function asKingbase(ctx: LabContext, host: LabHost, what: string, script: string): Promise<string> {
  const r = await ctx.run(host, ctx.users.kingbase.name, script, { timeoutMs: 180_000 });
  if (r.code !== 0) throw new Error(`${host.ip}: ${what} failed (${r.code}): ${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

/**
 * Creates the streaming set where it does not exist yet (node 1 primary, the others cloned from it) and, the
 * first time, keeps a copy of each fresh data dir for `reset` (databases stopped for a consistent copy).
 */
async function createDatabases(ctx: LabContext, cluster: LabClusterSpec): Promise<void> {
  const [first, ...rest] = cluster.hosts;
  if (!first) return;
  const created: string[] = [];
  if (
    (await asKingbase(ctx, first, "initdb + primary register", initPrimaryScript(P, first.ip))) === "created"
  )
    created.push(first.ip);
  for (const h of rest) {
    const out = await asKingbase(ctx, h, "standby clone + register", cloneStandbyScript(P, h.ip, first.ip));
    if (out === "created") created.push(h.ip);
  }
  if (created.length === 0 && cluster.hosts.every((h) => fs.existsSync(pristineData(ctx, h)))) return;
  // kbha would start a stopped database again: daemons first; then clean (fast) shutdowns, standbys first,
  // so a restored copy starts without crash recovery
  for (const h of cluster.hosts) await stopDaemons(h);
  for (const h of [...rest, first]) await asKingbase(ctx, h, "stop database", stopDbScript(P, "fast"));
  await Promise.all(cluster.hosts.map((h) => keepDataCopy(h, P.dataDir, pristineData(ctx, h))));
}

/** Puts the fresh data dir of `host` back (database stopped first). */
async function restoreData(ctx: LabContext, host: LabHost): Promise<void> {
  const copy = pristineData(ctx, host);
  if (!fs.existsSync(copy)) return;
  await asKingbase(ctx, host, "stop database", stopDbScript(P));
  await restoreDataCopy(host, P.dataDir, copy);
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
    writeTool(tree, P.repmgr, repmgrWrapper("repmgr", P), exe);
    writeTool(tree, P.repmgrd, repmgrWrapper("repmgrd", P), exe);
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
      kbhaLoadedFile: P.kbhaLoaded,
      hamgrLog: P.hamgrLog,
      kbhaLog: P.kbhaLog,
      cronFile: KB_CRON_FILE,
      cronLine: kbhaCronLine(P, user),
      dataDir: P.dataDir,
    });
  }
  await createDatabases(ctx, cluster);
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
      databases: true,
      dbPort: V8R6_DB_PORT,
      pgBin: PG_BIN,
    },
  };
}

async function down(ctx: LabContext, cluster: LabClusterSpec): Promise<void> {
  for (const host of cluster.hosts) {
    await stopDaemons(host);
    await ctx
      .run(host, ctx.users.kingbase.name, stopDbScript(P), { timeoutMs: 60_000 })
      .catch(() => undefined);
  }
}

async function reset(ctx: LabContext, cluster: LabClusterSpec): Promise<void> {
  const one = async (host: LabHost) => {
    await stopDaemons(host);
    const tree = hostTree(ctx, host);
    restorePristine(tree);
    removeHostFiles(tree, [P.repmgrdPidFile, P.kbhaPidFile, P.kbhaLoaded, P.hamgrLog, P.kbhaLog]);
    await restoreData(ctx, host);
  };
  await Promise.all(cluster.hosts.map(one));
  const [first, ...rest] = cluster.hosts;
  if (first) await startLocal(ctx, first);
  await Promise.all(rest.map((h) => startLocal(ctx, h)));
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
    const alive = (name: string, pidFile: string) => {
      const pid = readPidFile(path.join(host.fsRoot, pidFile));
      return isDaemonAlive(pid, name) ? `${name} pid ${pid}` : `${name} down`;
    };
    const kbha = loaded(host, P.kbhaLoaded)?.recovery ?? "?";
    const pg = readPidFile(path.join(host.fsRoot, P.dataDir, "postmaster.pid"));
    const db = isDaemonAlive(pg, "postgres")
      ? fs.existsSync(path.join(host.fsRoot, P.dataDir, "standby.signal"))
        ? "standby"
        : "primary"
      : "down";
    return `${host.name} db ${db}, ${alive("repmgrd", P.repmgrdPidFile)}, ${alive("kbha", P.kbhaPidFile)} (loaded recovery=${kbha}); repmgr.conf recovery=${declared}`;
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
  /**
   * host-up: the machine's cron starts kbha (the KINGBASECRON line); kbha then applies the `recovery` it
   * loads: starts the database, rewinds and rejoins it, or leaves it down (kbha-recovery.ts).
   */
  hostUp: async (ctx, _cluster, host) => {
    await asKingbase(ctx, host, "start kbha", `${P.kbha} -A daemon -f ${P.repmgrConf}`);
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

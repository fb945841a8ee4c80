/**
 * Paths and the cluster description every emulated openGauss tool reads on a lab host.
 *
 * `$GAUSSHOME/bin/cluster_static_config` is, in the lab, a JSON document ({@link StaticConfig}) that the
 * provisioner writes identically on every node of a cluster; `<labDir>/local_node` names the node a host is.
 * Everything the emulation keeps beside the vendor files lives under `<home>/lab` (per host, never copied
 * by a base backup).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** PostgreSQL 15 binaries. */
export const PG_BIN = "/usr/lib/postgresql/15/bin";
/** Node binary the tool wrappers run. */
export const NODE_BIN = "/usr/bin/node";

/** One DN node of a cluster. */
export interface OgNode {
  nodeId: number;
  name: string;
  ip: string;
  /** Dedicated replication-network address (second loopback address; in `hostname -I`, DN listens on it). */
  streamIp?: string;
  instanceId: number;
  dataDir: string;
  port: number;
  sshPort: number;
  /** Static role letter of `cm_ctl query -C`: P for node 1, S otherwise. */
  staticRole: "P" | "S";
}

/** `listen_addresses` of a DN: its address, then its stream address when it has one. */
export function listenAddresses(node: OgNode): string {
  return node.streamIp ? `${node.ip},${node.streamIp}` : node.ip;
}

/** What `hostname -I` reports on a node's host: its address, then its stream address. */
export function hostAddresses(node: OgNode): string[] {
  return node.streamIp ? [node.ip, node.streamIp] : [node.ip];
}

/** Content of `$GAUSSHOME/bin/cluster_static_config` in the lab. */
export interface StaticConfig {
  clusterName: string;
  /** OS user the tools run as. */
  user: string;
  home: string;
  gaussHome: string;
  gpHome: string;
  pgHost: string;
  gaussLog: string;
  cmDataPath: string;
  /** Emulation state directory (runtime PG files, role, fault markers). */
  labDir: string;
  /** Compiled lab code (a copy of lab/dist/src). */
  toolsDir: string;
  clusterKeyPath: string;
  knownHostsPath: string;
  nodes: OgNode[];
}

/** Standard paths under an omm home directory. */
export function homePaths(home: string): {
  gaussHome: string;
  gpHome: string;
  pgHost: string;
  gaussLog: string;
  cmDataPath: string;
  labDir: string;
  dataDir: string;
} {
  return {
    gaussHome: path.join(home, "app"),
    gpHome: path.join(home, "om"),
    pgHost: path.join(home, "tmp"),
    gaussLog: path.join(home, "log"),
    cmDataPath: path.join(home, "cm"),
    labDir: path.join(home, "lab"),
    dataDir: path.join(home, "data", "dn1"),
  };
}

/** `$GAUSSHOME` of the current process (env, else `~/app`). */
function gaussHome(): string {
  return process.env["GAUSSHOME"] || path.join(os.homedir(), "app");
}

/** Path of the static config. */
function staticConfigPath(home = gaussHome()): string {
  return path.join(home, "bin", "cluster_static_config");
}

/** Reads the static config of the host the process runs on. */
export function readStaticConfig(): StaticConfig {
  const p = staticConfigPath();
  try {
    return JSON.parse(fs.readFileSync(p, "utf8")) as StaticConfig;
  } catch (e) {
    throw new Error(`cannot read the cluster static config ${p}: ${(e as Error).message}`);
  }
}

/** The node this host is: `<labDir>/local_node` (node id), else `HADR_LAB_HOST`. */
export function localNode(cfg: StaticConfig): OgNode {
  let id: number | undefined;
  try {
    id = Number(fs.readFileSync(path.join(cfg.labDir, "local_node"), "utf8").trim());
  } catch {
    id = undefined;
  }
  const byId = cfg.nodes.find((n) => n.nodeId === id);
  if (byId) return byId;
  const ip = process.env["HADR_LAB_HOST"];
  const byIp = cfg.nodes.find((n) => n.ip === ip);
  if (byIp) return byIp;
  throw new Error("cannot tell which node of the cluster this host is");
}

/** Per-DN emulation files, under `<labDir>/dn`. */
export function dnFiles(labDir: string): {
  dir: string;
  runtimeConf: string;
  runtimeHba: string;
  role: string;
  stopped: string;
  /** Written when CM elected this DN Main Standby (its mtime: cm_server's `lastFailoverDn`). */
  elected: string;
  build: string;
  log: string;
} {
  const dir = path.join(labDir, "dn");
  return {
    dir,
    runtimeConf: path.join(dir, "postgresql.runtime.conf"),
    runtimeHba: path.join(dir, "pg_hba.runtime.conf"),
    role: path.join(dir, "role"),
    stopped: path.join(dir, "manually_stopped"),
    elected: path.join(dir, "cm_elected"),
    build: path.join(dir, "build.json"),
    log: path.join(dir, "postgresql.log"),
  };
}

/** Directory of the fault markers of a host. */
export function faultDir(labDir: string): string {
  return path.join(labDir, "faults");
}

/** cm_agent.conf / cm_server.conf paths. */
export function cmConfPaths(cmDataPath: string): { agent: string; server: string; dcc: string } {
  return {
    agent: path.join(cmDataPath, "cm_agent", "cm_agent.conf"),
    server: path.join(cmDataPath, "cm_server", "cm_server.conf"),
    dcc: path.join(cmDataPath, "cm_server", "dcc.json"),
  };
}

/** Writes a file atomically (tmp + rename) with the given mode. */
export function writeFileAtomic(file: string, content: string, mode = 0o600): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp${process.pid}`;
  fs.writeFileSync(tmp, content, { mode });
  fs.renameSync(tmp, file);
}

/** Reads a file, or undefined when it does not exist. */
export function readIfExists(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * Stand-in for the KingbaseES V8R6 `repmgr` CLI (repmgr 5.0 fork), the read-only subcommands a
 * `RecoveryPolicy` uses: `cluster show [--csv]`, `service status [--csv] [--detail]` (alias `daemon status`),
 * `--version`. The node list comes from the lab's registered-node file (the real tool reads the repmgr
 * schema); databases are reported running (the lab runs none); repmgrd state is read from each node's
 * pid file (peers through `<root>/hosts/<ip>/fs`). Run by the `bin/repmgr` wrapper; a no-op under `node --test`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { isDaemonAlive, readPidFile } from "./daemon-state";
import { parseRepmgrConf } from "./repmgr-conf";
import { repmgrTable } from "./repmgr-table";
import type { RegisteredCluster, RegisteredNode } from "./v8r6-files";

/** Result of one CLI invocation. */
export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** repmgrd state of one node as `service status` reports it. */
interface RepmgrdInfo {
  running: boolean;
  pid: number | undefined;
}

function repmgrdInfo(node: RegisteredNode, localId: string): RepmgrdInfo {
  const file = String(node.id) === localId ? node.repmgrdPidFile : `${node.fsRoot}${node.repmgrdPidFile}`;
  const pid = readPidFile(file);
  const running = isDaemonAlive(pid, "repmgrd");
  return { running, pid: running ? pid : undefined };
}

function clusterShow(cluster: RegisteredCluster, csv: boolean): string {
  if (csv) {
    return cluster.nodes.map((n) => `${n.id},0,${n.role === "primary" ? 0 : 1}\n`).join("");
  }
  const headers = [
    "ID",
    "Name",
    "Role",
    "Status",
    "Upstream",
    "Location",
    "Priority",
    "Timeline",
    "Connection string",
  ];
  const rows = cluster.nodes.map((n) => [
    String(n.id),
    n.name,
    n.role,
    n.role === "primary" ? "* running" : "  running",
    n.upstream,
    n.location,
    String(n.priority),
    String(n.timeline),
    n.conninfo,
  ]);
  return repmgrTable(headers, rows);
}

function serviceStatus(cluster: RegisteredCluster, localId: string, csv: boolean, detail: boolean): string {
  const infos = cluster.nodes.map((n) => repmgrdInfo(n, localId));
  if (csv) {
    return cluster.nodes
      .map((n, i) => {
        const info = infos[i] as RepmgrdInfo;
        const seen = info.pid === undefined ? -1 : n.role === "primary" ? -1 : 1;
        return `${n.id},${n.name},${n.role},1,${info.running ? 1 : 0},${info.pid ?? -1},0,${n.priority},${seen},${n.location}\n`;
      })
      .join("");
  }
  const headers = ["ID", "Name", "Role", "Status", "Upstream"];
  if (detail) headers.push("Location", "Priority");
  headers.push("repmgrd", "PID", "Paused?", "Upstream last seen");
  const rows = cluster.nodes.map((n, i) => {
    const info = infos[i] as RepmgrdInfo;
    const row = [String(n.id), n.name, n.role, n.role === "primary" ? "* running" : "  running", n.upstream];
    if (detail) row.push(n.location, String(n.priority));
    row.push(info.running ? "running" : "not running", info.pid === undefined ? "n/a" : String(info.pid));
    if (info.pid === undefined) row.push("n/a", "n/a");
    else row.push("no", n.role === "primary" ? "n/a" : "1 second(s) ago");
    return row;
  });
  return repmgrTable(headers, rows);
}

/** Runs the CLI with `args`; `argv0` is the vendor path it was called as (default config is `<bin>/../etc/repmgr.conf`). */
export function repmgrCli(args: string[], argv0: string): CliResult {
  let conf: string | undefined;
  let csv = false;
  let detail = false;
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "-f" || a === "--config-file") conf = args[++i];
    else if (a.startsWith("--config-file=")) conf = a.slice("--config-file=".length);
    else if (a === "--csv") csv = true;
    else if (a === "--detail") detail = true;
    else if (a === "-V" || a === "--version") return { code: 0, stdout: "repmgr 5.0.0\n", stderr: "" };
    else if (a.startsWith("-")) continue;
    else words.push(a);
  }
  const confPath = path.resolve(conf ?? path.join(path.dirname(argv0), "..", "etc", "repmgr.conf"));
  let localId = "";
  try {
    localId = parseRepmgrConf(fs.readFileSync(confPath, "utf8"))["node_id"] ?? "";
  } catch {
    return { code: 1, stdout: "", stderr: `ERROR: configuration file "${confPath}" not found\n` };
  }
  let cluster: RegisteredCluster;
  try {
    const file = path.resolve(path.dirname(confPath), "..", "share", "lab-cluster.json");
    cluster = JSON.parse(fs.readFileSync(file, "utf8")) as RegisteredCluster;
  } catch {
    return { code: 1, stdout: "", stderr: "ERROR: connection to database failed\n" };
  }
  const cmd = words.join(" ");
  if (cmd === "cluster show") return { code: 0, stdout: clusterShow(cluster, csv), stderr: "" };
  if (cmd === "service status" || cmd === "daemon status") {
    return { code: 0, stdout: serviceStatus(cluster, localId, csv, detail), stderr: "" };
  }
  return { code: 1, stdout: "", stderr: `ERROR: lab: "repmgr ${cmd}" is not emulated\n` };
}

if (require.main === module && process.env["NODE_TEST_CONTEXT"] === undefined) {
  const r = repmgrCli(process.argv.slice(2), process.env["KB_LAB_ARGV0"] ?? "repmgr");
  process.stdout.write(r.stdout);
  process.stderr.write(r.stderr);
  process.exitCode = r.code;
}

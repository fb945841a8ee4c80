/**
 * Stand-in for the KingbaseES V8R6 `repmgrd` (repmgr 5.0 fork): `repmgrd -d -v -f <repmgr.conf>`.
 * It monitors nothing; it reads repmgr.conf once at start (last uncommented assignment wins), refuses to
 * start over a live pid file, writes `repmgrd_pid_file`, logs the vendor start-up lines to `log_file`, and
 * records what it loaded and when in `<log dir>/repmgrd.loaded.json` so "pending restart" is observable.
 * SIGHUP reloads only the keys upstream repmgr reloads (failover, reconnect_*), never `recovery`.
 * Run by the `bin/repmgrd` wrapper with /usr/bin/node; a no-op under `node --test`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import {
  appendLog,
  isDaemonAlive,
  type LoadedState,
  logStamp,
  readPidFile,
  writeJsonAtomic,
} from "../daemon-state";
import type { RegisteredCluster } from "../v8r6-files";
import { daemonArgs, detach, setVendorTitle, underTestRunner, vendorArgv0 } from "./daemonize";
import { loadedState } from "./loaded";
import { type LoadedConf, loadConf, parseDaemonOptions } from "./options";

/** Keys upstream repmgrd 5.0 re-reads on SIGHUP (subset relevant here). */
const RELOADABLE = [
  "failover",
  "reconnect_attempts",
  "reconnect_interval",
  "log_level",
  "monitor_interval_secs",
];

/** Loaded-state file of repmgrd for a given log dir. */
export function repmgrdStateFile(logDir: string): string {
  return path.join(logDir, "repmgrd.loaded.json");
}

function clusterOf(conf: LoadedConf): RegisteredCluster | undefined {
  try {
    return JSON.parse(
      fs.readFileSync(`${conf.installDir}/share/lab-cluster.json`, "utf8"),
    ) as RegisteredCluster;
  } catch {
    return undefined;
  }
}

function run(): void {
  const args = daemonArgs();
  const opts = parseDaemonOptions(args);
  if (opts.version) {
    process.stdout.write("repmgrd 5.0.0\n");
    return;
  }
  if (opts.help || !opts.confArg) {
    process.stdout.write(
      "repmgrd: replication management daemon for Kingbase\n\nUsage:\n  repmgrd [OPTIONS]\n",
    );
    process.stdout.write("  -f, --config-file=PATH    path to the repmgr configuration file\n");
    process.stdout.write("  -d, --daemonize           detach process from foreground\n");
    process.stdout.write(
      "  -v, --verbose             display additional log output (useful for debugging)\n",
    );
    return;
  }
  let conf: LoadedConf;
  try {
    conf = loadConf(opts.confArg);
  } catch (e) {
    process.stderr.write(
      `ERROR: specified configuration file "${opts.confArg}" not found: ${(e as Error).message}\n`,
    );
    process.exitCode = 1;
    return;
  }
  if (opts.daemonize && detach()) return;

  const argv0 = vendorArgv0(`${conf.binDir}/repmgrd`);
  setVendorTitle(`${argv0} ${args.join(" ")}`, "repmgrd");
  const log = (level: string, msg: string) => appendLog(conf.hamgrLog, `${logStamp()} [${level}] ${msg}`);

  const existing = readPidFile(conf.repmgrdPidFile);
  if (existing !== undefined && existing !== process.pid && isDaemonAlive(existing, "repmgrd")) {
    log("ERROR", `PID file "${conf.repmgrdPidFile}" exists and seems to contain a valid PID`);
    log("HINT", "if repmgrd is no longer alive, remove the file and restart repmgrd");
    process.exitCode = 1;
    return;
  }
  fs.writeFileSync(conf.repmgrdPidFile, `${process.pid}\n`);
  const startedAt = Date.now();
  const s = conf.settings;
  log("NOTICE", "repmgrd (repmgrd 5.0.0) starting up");
  log("INFO", `connecting to database "${s["conninfo"] ?? ""}"`);
  const cluster = clusterOf(conf);
  const me = cluster?.nodes.find((n) => String(n.id) === s["node_id"]);
  const name = s["node_name"] ?? me?.name ?? "";
  log("NOTICE", `starting monitoring of node "${name}" (ID: ${s["node_id"] ?? "?"})`);
  log("INFO", `"connection_check_type" set to "${s["connection_check_type"] ?? "ping"}"`);
  if (me?.role === "standby") {
    const up = cluster?.nodes.find((n) => n.name === me.upstream);
    log("INFO", `monitoring connection to upstream node "${me.upstream}" (ID: ${up?.id ?? "?"})`);
  } else {
    log("NOTICE", `monitoring cluster primary "${name}" (ID: ${s["node_id"] ?? "?"})`);
  }
  log("INFO", `recovery mode is "${s["recovery"] ?? ""}", failover mode is "${s["failover"] ?? ""}"`);

  const stateFile = repmgrdStateFile(conf.logDir);
  let state: LoadedState = loadedState("repmgrd", conf, startedAt);
  writeJsonAtomic(stateFile, state);

  const timer = setInterval(() => {
    log("INFO", `monitoring node "${name}" (ID: ${s["node_id"] ?? "?"}) in normal state`);
  }, 300_000);

  const stop = (sig: string) => {
    clearInterval(timer);
    log("NOTICE", `${sig} signal received`);
    log("INFO", "repmgrd terminating...");
    if (readPidFile(conf.repmgrdPidFile) === process.pid) {
      try {
        fs.unlinkSync(conf.repmgrdPidFile);
      } catch {
        /* already gone */
      }
    }
    process.exit(0);
  };
  process.on("SIGTERM", () => stop("TERM"));
  process.on("SIGINT", () => stop("INT"));
  process.on("SIGHUP", () => {
    log("NOTICE", "received SIGHUP, reloading configuration");
    try {
      const fresh = loadConf(conf.confPath);
      const settings = { ...state.settings };
      for (const k of RELOADABLE) {
        const v = fresh.settings[k];
        if (v !== undefined && v !== settings[k]) {
          log("INFO", `configuration option "${k}" changed from "${settings[k] ?? ""}" to "${v}"`);
          settings[k] = v;
        }
      }
      if ((fresh.settings["recovery"] ?? "") !== state.recovery) {
        log(
          "WARNING",
          `"recovery" changed in "${conf.confPath}" but requires a restart of repmgrd to take effect`,
        );
      }
      state = {
        ...state,
        settings,
        failover: settings["failover"] ?? "",
        reconnectAttempts: settings["reconnect_attempts"] ?? "",
        reconnectInterval: settings["reconnect_interval"] ?? "",
        reloadedAt: Date.now(),
      };
      writeJsonAtomic(stateFile, state);
    } catch (e) {
      log("ERROR", `unable to reload configuration: ${(e as Error).message}`);
    }
  });
}

if (require.main === module && !underTestRunner()) run();

/**
 * Command-line options of the V8R6 stand-in daemons (`repmgrd -d -v -f <conf>`, `kbha -A daemon -f <conf>`),
 * and the paths a daemon derives from its repmgr.conf.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseRepmgrConf, type RepmgrSettings } from "../repmgr-conf";

/** Parsed daemon options. */
export interface DaemonOptions {
  daemonize: boolean;
  verbose: boolean;
  /** `-f` argument as given. */
  confArg?: string;
  /** `-A` action (kbha). */
  action?: string;
  help: boolean;
  version: boolean;
}

/** Parses `-d`, `-v`, `-f <file>` / `--config-file=<file>`, `-A <action>`, `-?/--help`, `-V/--version`. */
export function parseDaemonOptions(args: string[]): DaemonOptions {
  const o: DaemonOptions = { daemonize: false, verbose: false, help: false, version: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === "-d" || a === "--daemonize") o.daemonize = true;
    else if (a === "-v" || a === "--verbose") o.verbose = true;
    else if (a === "-f" || a === "--config-file") o.confArg = args[++i];
    else if (a.startsWith("--config-file=")) o.confArg = a.slice("--config-file=".length);
    else if (a === "-A" || a === "--action") o.action = args[++i];
    else if (a === "-?" || a === "--help") o.help = true;
    else if (a === "-V" || a === "--version") o.version = true;
  }
  return o;
}

/** A loaded configuration and the paths derived from it. */
export interface LoadedConf {
  /** Absolute, normalised path of repmgr.conf. */
  confPath: string;
  settings: RepmgrSettings;
  mtimeMs: number;
  installDir: string;
  binDir: string;
  logDir: string;
  repmgrdPidFile: string;
  kbhaPidFile: string;
  hamgrLog: string;
  kbhaLog: string;
}

/** Reads repmgr.conf (throws when unreadable) and derives pid/log paths with the installer's defaults. */
export function loadConf(confArg: string): LoadedConf {
  const confPath = path.resolve(confArg);
  const text = fs.readFileSync(confPath, "utf8");
  const mtimeMs = fs.statSync(confPath).mtimeMs;
  const settings = parseRepmgrConf(text);
  const installDir = path.resolve(path.dirname(confPath), "..");
  const hamgrLog = settings["log_file"] || `${installDir}/log/hamgr.log`;
  return {
    confPath,
    settings,
    mtimeMs,
    installDir,
    binDir: settings["sys_bindir"] || `${installDir}/bin`,
    logDir: path.dirname(hamgrLog),
    repmgrdPidFile: settings["repmgrd_pid_file"] || `${installDir}/etc/hamgrd.pid`,
    kbhaPidFile: settings["kbha_pid_file"] || `${installDir}/etc/kbha.pid`,
    hamgrLog,
    kbhaLog: settings["kbha_log_file"] || `${installDir}/log/kbha.log`,
  };
}

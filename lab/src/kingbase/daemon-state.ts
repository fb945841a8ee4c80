/**
 * Host-side helpers shared by the V8R6 stand-in daemons and CLI: pid files, liveness of a pid as a given
 * daemon, and the machine-readable "what did this daemon load, and when" state file.
 */
import * as fs from "node:fs";

/** What a stand-in daemon records when it (re)loads `repmgr.conf` (e.g. `log/repmgrd.loaded.json`). */
export interface LoadedState {
  daemon: "repmgrd" | "kbha";
  pid: number;
  /** Process start, ms since the epoch. */
  startedAt: number;
  confPath: string;
  /** mtime (ms) of repmgr.conf when it was read at start: a later mtime means "pending restart". */
  confMtimeMs: number;
  /** Effective values loaded at start (last uncommented assignment, quotes stripped; '' when absent). */
  recovery: string;
  failover: string;
  autoClusterRecoveryLevel: string;
  useCheckDisk: string;
  reconnectAttempts: string;
  reconnectInterval: string;
  /** Last SIGHUP reload (ms), if any; only upstream-reloadable keys are refreshed by it (never `recovery`). */
  reloadedAt?: number;
  /** Every setting loaded at start. */
  settings: Record<string, string>;
}

/** First line of a pid file as a positive integer, or undefined. */
export function readPidFile(file: string): number | undefined {
  try {
    const first = fs.readFileSync(file, "utf8").split("\n")[0]?.trim() ?? "";
    const pid = Number(first);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True when `pid` exists and its command line contains `match` (guards against pid reuse). */
export function isDaemonAlive(pid: number | undefined, match: string): boolean {
  if (pid === undefined) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
    return cmd.includes(match);
  } catch {
    return false;
  }
}

/** Writes JSON through a temp file and rename, so readers never see half a file. */
export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

/** `[YYYY-MM-DD HH:MM:SS]` in local time, the repmgr log prefix. */
export function logStamp(d = new Date()): string {
  const p = (x: number) => String(x).padStart(2, "0");
  return `[${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}]`;
}

/** Appends one line to a log file, ignoring errors (a daemon must not die because its log is unwritable). */
export function appendLog(file: string, line: string): void {
  try {
    fs.appendFileSync(file, `${line}\n`);
  } catch {
    /* ignored */
  }
}

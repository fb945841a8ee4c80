/**
 * Stand-in for the KingbaseES V8R6 `kbha` daemon: `kbha -A daemon -f <repmgr.conf>` (started by the
 * KINGBASECRON line every minute). One instance per node (live `kbha_pid_file` → exit quietly); it records
 * what it loaded in `<log dir>/kbha.loaded.json` and, like the vendor watchdog, restarts repmgrd
 * (`<sys_bindir>/repmgrd -d -v -f <conf>`) within about 3 s when the pid in `repmgrd_pid_file` is gone.
 * Run by the `bin/kbha` wrapper with /usr/bin/node; a no-op under `node --test`.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { appendLog, isDaemonAlive, logStamp, readPidFile, writeJsonAtomic } from "../daemon-state";
import { childEnv, daemonArgs, detach, setVendorTitle, underTestRunner, vendorArgv0 } from "./daemonize";
import { loadedState } from "./loaded";
import { type LoadedConf, loadConf, parseDaemonOptions } from "./options";

/** How often kbha looks at repmgrd, ms. */
const CHECK_MS = 1000;
/** Consecutive failed checks before kbha restarts repmgrd (≈2 s), then a grace period for it to start. */
const DEAD_CHECKS = 2;
const GRACE_MS = 3000;

function run(): void {
  const args = daemonArgs();
  const opts = parseDaemonOptions(args);
  if (opts.version) {
    process.stdout.write("kbha (Kingbase HA daemon, lab stand-in) V008R006C005B0041\n");
    return;
  }
  if (opts.help || !opts.confArg || opts.action !== "daemon") {
    if (opts.action && opts.action !== "daemon") {
      process.stderr.write(`ERROR: lab: kbha action "${opts.action}" is not emulated\n`);
      process.exitCode = 1;
      return;
    }
    process.stdout.write("Usage:\n  kbha -A daemon -f <repmgr.conf>\n");
    return;
  }
  let conf: LoadedConf;
  try {
    conf = loadConf(opts.confArg);
  } catch (e) {
    process.stderr.write(`ERROR: configuration file "${opts.confArg}" not found: ${(e as Error).message}\n`);
    process.exitCode = 1;
    return;
  }
  const existing = readPidFile(conf.kbhaPidFile);
  if (existing !== undefined && existing !== process.pid && isDaemonAlive(existing, "kbha")) return;
  if (detach()) return;

  const argv0 = vendorArgv0(`${conf.binDir}/kbha`);
  setVendorTitle(`${argv0} ${args.join(" ")}`, "kbha");
  const log = (level: string, msg: string) => appendLog(conf.kbhaLog, `${logStamp()} [${level}] ${msg}`);

  // a concurrent start may have won while we detached
  const again = readPidFile(conf.kbhaPidFile);
  if (again !== undefined && again !== process.pid && isDaemonAlive(again, "kbha")) return;
  fs.writeFileSync(conf.kbhaPidFile, `${process.pid}\n`);
  const startedAt = Date.now();
  log("NOTICE", "kbha starting up");
  log("INFO", `loaded configuration file "${conf.confPath}"`);
  log("INFO", `the use_check_disk = ${conf.settings["use_check_disk"] ?? "off"}`);
  writeJsonAtomic(path.join(conf.logDir, "kbha.loaded.json"), loadedState("kbha", conf, startedAt));

  let dead = 0;
  let graceUntil = 0;
  const timer = setInterval(() => {
    if (Date.now() < graceUntil) return;
    if (isDaemonAlive(readPidFile(conf.repmgrdPidFile), "repmgrd")) {
      dead = 0;
      return;
    }
    dead++;
    if (dead < DEAD_CHECKS) return;
    dead = 0;
    graceUntil = Date.now() + GRACE_MS;
    const repmgrd = `${conf.binDir}/repmgrd`;
    log("WARNING", `repmgrd is not running, will start it: "${repmgrd} -d -v -f ${conf.confPath}"`);
    try {
      const child = spawn(repmgrd, ["-d", "-v", "-f", conf.confPath], {
        detached: true,
        stdio: "ignore",
        env: childEnv(),
      });
      child.on("error", (e) => log("ERROR", `unable to start repmgrd: ${e.message}`));
      child.unref();
    } catch (e) {
      log("ERROR", `unable to start repmgrd: ${(e as Error).message}`);
    }
  }, CHECK_MS);

  const stop = (sig: string) => {
    clearInterval(timer);
    log("NOTICE", `${sig} signal received, kbha terminating...`);
    if (readPidFile(conf.kbhaPidFile) === process.pid) {
      try {
        fs.unlinkSync(conf.kbhaPidFile);
      } catch {
        /* already gone */
      }
    }
    process.exit(0);
  };
  process.on("SIGTERM", () => stop("TERM"));
  process.on("SIGINT", () => stop("INT"));
  process.on("SIGHUP", () => log("NOTICE", "received SIGHUP, ignored (restart kbha to reload)"));
}

if (require.main === module && !underTestRunner()) run();

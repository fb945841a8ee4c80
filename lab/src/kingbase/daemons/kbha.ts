/**
 * Stand-in for the KingbaseES V8R6 `kbha` daemon: `kbha -A daemon -f <repmgr.conf>` (started by the
 * KINGBASECRON line every minute). One instance per node (live `kbha_pid_file` → exit quietly); it records
 * what it loaded in `<log dir>/kbha.loaded.json`; while the node's database runs it restarts repmgrd
 * (`<sys_bindir>/repmgrd -d -v -f <conf>`) within about 3 s when the pid in `repmgrd_pid_file` is gone;
 * while the database is down it applies the `recovery` it loaded (kbha-recovery.ts): start a confirmed
 * standby, rewind and rejoin an old primary (`repmgr node rejoin --force-rewind`), or refuse, logging to
 * hamgr.log the way spec §2.9 shows. Peers are the lab's node list (`<install>/share/lab-cluster.json`).
 * Run by the `bin/kbha` wrapper with /usr/bin/node; a no-op under `node --test`.
 */
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { appendLog, isDaemonAlive, logStamp, readPidFile, writeJsonAtomic } from "../daemon-state";
import type { RegisteredCluster } from "../v8r6/files";
import { childEnv, daemonArgs, detach, setVendorTitle, underTestRunner, vendorArgv0 } from "./daemonize";
import { decideRecovery } from "./kbha-recovery";
import { loadedState } from "./loaded";
import { type LoadedConf, loadConf, parseDaemonOptions } from "./options";

/** PostgreSQL binaries the lab's database runs on. */
const PG_BIN = "/usr/lib/postgresql/15/bin";
/** How long one recovery step (start, rejoin) may take, ms. */
const STEP_MS = 120_000;

/** Runs a program; resolves to its exit code and output (never throws). */
function sh(file: string, args: string[], timeout = STEP_MS): { code: number; out: string } {
  const r = spawnSync(file, args, {
    timeout,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...childEnv(), PATH: `${path.dirname(file)}:${PG_BIN}:/usr/bin:/bin` },
  });
  return { code: r.status ?? 1, out: `${r.stdout ?? ""}${r.stderr ?? ""}` };
}

/** The node's database state, peers answering as primary and the recovery step, for one kbha round. */
class LocalDb {
  constructor(
    private readonly conf: LoadedConf,
    private readonly log: (level: string, msg: string) => void,
  ) {}

  get dataDir(): string {
    return this.conf.settings["data_directory"] || `${this.conf.installDir}/data`;
  }

  running(): boolean {
    return sh(`${PG_BIN}/pg_ctl`, ["-D", this.dataDir, "status"], 10_000).code === 0;
  }

  /** Other nodes whose database answers as primary (`pg_is_in_recovery()` false). */
  otherPrimaries(): string[] {
    let cluster: RegisteredCluster;
    try {
      cluster = JSON.parse(
        fs.readFileSync(`${this.conf.installDir}/share/lab-cluster.json`, "utf8"),
      ) as RegisteredCluster;
    } catch {
      return [];
    }
    const me = this.conf.settings["node_id"];
    return cluster.nodes
      .filter((n) => String(n.id) !== me)
      .filter((n) => {
        const r = sh(
          `${PG_BIN}/psql`,
          [
            `host=${n.ip} port=54321 user=esrep dbname=esrep connect_timeout=3`,
            "-Atc",
            "select pg_is_in_recovery()",
          ],
          10_000,
        );
        return r.code === 0 && r.out.trim() === "f";
      })
      .map((n) => n.ip);
  }

  start(): boolean {
    fs.mkdirSync(`${this.conf.installDir}/run`, { recursive: true });
    const r = sh(`${PG_BIN}/pg_ctl`, [
      "-D",
      this.dataDir,
      "-l",
      `${this.conf.logDir}/kingbase.log`,
      "-w",
      "-t",
      "60",
      "start",
    ]);
    return r.code === 0;
  }

  /** Crash recovery with nobody able to connect, then a clean stop: what pg_rewind needs. */
  cleanShutdown(): boolean {
    const ctl = `${PG_BIN}/pg_ctl`;
    const o = `-c listen_addresses='' -c unix_socket_directories='${this.conf.installDir}/run/recover'`;
    fs.mkdirSync(`${this.conf.installDir}/run/recover`, { recursive: true });
    const up = sh(ctl, [
      "-D",
      this.dataDir,
      "-l",
      `${this.conf.logDir}/kingbase.log`,
      "-o",
      o,
      "-w",
      "-t",
      "60",
      "start",
    ]);
    if (up.code !== 0) return false;
    return sh(ctl, ["-D", this.dataDir, "-m", "fast", "-w", "-t", "60", "stop"]).code === 0;
  }

  /** `repmgr node rejoin --force-rewind` onto the primary at `ip`; the tool's output goes to hamgr.log. */
  rejoin(ip: string): boolean {
    const r = sh(`${this.conf.binDir}/repmgr`, [
      "-f",
      this.conf.confPath,
      "node",
      "rejoin",
      "-d",
      `host=${ip} port=54321 user=esrep dbname=esrep connect_timeout=10`,
      "--force-rewind",
      "--verbose",
    ]);
    for (const l of r.out.split("\n")) {
      if (/^(NOTICE|DETAIL|ERROR|HINT):/.test(l)) this.log("DETAIL", l);
    }
    return r.code === 0;
  }
}

/** How often kbha looks at repmgrd, ms. */
const CHECK_MS = 1000;
/** Consecutive failed checks before kbha restarts repmgrd (≈2 s), then a grace period for it to start. */
const DEAD_CHECKS = 2;
const GRACE_MS = 3000;
/** Pause after a recovery attempt before the next one, ms. */
const RETRY_MS = 10_000;

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
  // recovery lines go where the vendor's recovery threads write them: hamgr.log (spec §2.9)
  const hamgr = (level: string, msg: string) => appendLog(conf.hamgrLog, `${logStamp()} [${level}] ${msg}`);
  const db = new LocalDb(conf, hamgr);
  const recovery = conf.settings["recovery"] ?? "";
  let refused = "";
  const me = `node "${conf.settings["node_name"] ?? "?"}" (ID: ${conf.settings["node_id"] ?? "?"})`;
  const tag = `[thread pid: ${process.pid}]`;
  const recoverRound = (): boolean => {
    const standby = fs.existsSync(`${db.dataDir}/standby.signal`);
    const primaries = db.otherPrimaries();
    const action = decideRecovery(recovery, standby, primaries);
    if (action.kind === "none") return false;
    if (action.kind === "refuse") {
      // once per kbha run, as the vendor log shows it once per failed-node check
      if (refused !== action.line) hamgr(action.level, `${tag} ${action.line}`);
      refused = action.line;
      return false;
    }
    refused = "";
    hamgr("NOTICE", `${tag} ${me} is down, begin to do auto-recovery (recovery=${recovery})`);
    const ok = action.kind === "start" ? db.start() : db.cleanShutdown() && db.rejoin(action.primary);
    const upstream = action.kind === "rejoin" ? action.primary : (primaries[0] ?? "");
    if (ok) {
      hamgr("NOTICE", `${tag} NODE REJOIN successful`);
      hamgr("DETAIL", `${tag} ${me} is now attached to upstream "${upstream}"`);
    } else {
      hamgr("ERROR", `${tag} auto-recovery of ${me} failed`);
    }
    return true;
  };
  const timer = setInterval(() => {
    if (Date.now() < graceUntil) return;
    if (!db.running()) {
      dead = 0;
      graceUntil = Date.now() + (recoverRound() ? RETRY_MS : GRACE_MS);
      return;
    }
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

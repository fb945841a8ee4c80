/**
 * Emulated openGauss `gs_sdr` (two-cluster streaming disaster recovery) for the pulumi-hadr lab.
 * It reproduces the OM tool's observable contract (`docs/vendor/opengauss-gs_sdr.md` §1–§4) and drives the
 * PostgreSQL-backed lab clusters only through the emulated helper commands (`gs_om`, `cm_ctl`, `gs_guc`,
 * `gs_ctl`, `gsql`) and ssh, as OM does. Run by `$GPHOME/script/gs_sdr` with /usr/bin/node.
 *
 * Deliberate deviations from the real tool (the lab must not be the one leaking the DR password):
 * - `gs_ctl build` (secure files, main standby) gets the password in `PGPASSWORD`, not `-P '<pwd>'`;
 *   the password check runs `gsql -U <user>` with `PGPASSWORD` instead of `-W '<pwd>'`; on peer hosts
 *   the variable travels on ssh's stdin (`read -r PGPASSWORD`), never on an argv.
 * - `gs_encrypt -f hadr` and `gs_guc generate -o hadr` are done in-process (sdr/secure.ts).
 * - The pg_hba stage writes only the DR lines (§3.3 B) with `gs_guc reload|set -h`; it does not re-apply the
 *   install lines the way ConfigHba.py does. Data-IP pings (`ping -I`) are skipped.
 * - The process title also blanks a one-token `-W<pwd>`; secrets of 4+ chars are masked in stdout and the log.
 * - optparse usage errors (unknown option, missing value) print `gs_sdr: error: …` on stderr and exit 1
 *   (Python's optparse would exit 2; gs_sdr's contract is 0/1 only).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { hangIfFaulted } from "../faultmarks";
import { type SdrParams, StreamingBase } from "../sdr/base";
import { cabinDir, cabinFile } from "../sdr/cabin";
import { loadConf, validateClusterConf } from "../sdr/conf";
import { LOG_REMARK, STEP_FILES, TASKS, versionString } from "../sdr/consts";
import { LogExit, pythonTraceback } from "../sdr/errors";
import { Runner, readEnv } from "../sdr/exec";
import { runFailover } from "../sdr/failover";
import { checkOtherProcess, createLock, removeLock } from "../sdr/lock";
import { SdrLogger, uuid1Hex } from "../sdr/log";
import {
  checkLogFile,
  checkMode,
  checkPassword,
  checkTimeout,
  checkUserName,
  HELP_MSG,
  OPTPARSE_HELP,
  OptparseError,
  parseArgv,
} from "../sdr/options";
import { promptPassword, promptUserName, StdinReader } from "../sdr/prompts";
import { runQuery } from "../sdr/query";
import { runStart } from "../sdr/start";
import { runStop } from "../sdr/stop";
import { runSwitchover } from "../sdr/switchover";

/**
 * The process title: what `ps` shows for the real tool (`python3 $GPHOME/script/gs_sdr -t …`), with `-W` and
 * its value (and `-W<pwd>`) blanked like OM's `mock_process_user_sensitive_info`.
 */
export function hiddenTitle(argv: string[], script = "gs_sdr"): string {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "-W") {
      i++;
      continue;
    }
    if (a.startsWith("-W")) continue;
    out.push(a);
  }
  return ["python3", script, ...out].join(" ");
}

function exit(code: number): never {
  process.exit(code);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  // python3 keeps a SIGHUP disposition inherited as "ignored"; node resets it at start-up, so the wrapper
  // tells us (HADR_LAB_SIGHUP_IGN) and we ignore it again: a hung-up terminal must not end the run.
  if (process.env["HADR_LAB_SIGHUP_IGN"] === "1") process.on("SIGHUP", () => undefined);
  process.title = hiddenTitle(argv, path.join(process.env["GPHOME"] ?? "", "script", "gs_sdr"));
  await hangIfFaulted("gs_sdr");
  if (typeof process.getuid === "function" && process.getuid() === 0) {
    process.stderr.write("[GAUSS-50105] : Cannot run this script as a user with the root permission.\n");
    return 1;
  }
  const env = readEnv();
  const traceId = uuid1Hex();
  const logger = new SdrLogger(traceId, path.join(env.gausslog, "om", "gs_sdr.log"));
  let base: StreamingBase | undefined;
  let locked = false;
  try {
    let o: ReturnType<typeof parseArgv>;
    try {
      o = parseArgv(argv, env.om.forceOption);
    } catch (e) {
      if (e instanceof OptparseError) {
        process.stderr.write(`Usage: gs_sdr [options]\n\ngs_sdr: error: ${e.message}\n`);
        return 1;
      }
      throw e;
    }
    if (o.help) {
      process.stdout.write(HELP_MSG);
      return 0;
    }
    if (o.optparseHelp) {
      process.stdout.write(env.om.forceOption ? OPTPARSE_HELP : OPTPARSE_HELP.replace("  -f\n", ""));
      return 0;
    }
    if (o.version) {
      let cfg = "";
      try {
        cfg = fs.readFileSync(path.join(env.gphome, "version.cfg"), "utf8");
      } catch {
        // no version.cfg: "unknown"
      }
      process.stdout.write(`${versionString(cfg)}\n`);
      return 0;
    }
    if (o.hadrUserPassword) logger.addSecret(o.hadrUserPassword);
    if (o.force && fs.existsSync(cabinDir(env.pghost))) {
      if (o.task !== "start") {
        process.stdout.write(`Unknown task: ${o.task ?? "None"}\n`);
        return 1;
      }
      for (const k of ["start_primary", "start_standby"])
        fs.rmSync(cabinFile(env.pghost, STEP_FILES[k]!), { force: true });
    }
    if (o.task === undefined)
      throw new LogExit("[GAUSS-50001] : Incorrect parameter. Parameter '-t' is required.");
    if (!(TASKS as readonly string[]).includes(o.task)) {
      throw new LogExit("[GAUSS-50004] : The parameter '-t' value is incorrect.");
    }
    const task = o.task;
    const conf = task === "start" || task === "stop" ? loadConf(o.xmlPath, o.jsonPath) : undefined;
    logger.log(LOG_REMARK);
    logger.log(`Streaming disaster recovery ${task} ${traceId}`);
    logger.log(LOG_REMARK);
    const timeout = checkTimeout(o.timeout);
    let user = o.hadrUserName;
    let password = o.hadrUserPassword;
    if (task === "start") {
      const reader = new StdinReader();
      const fromCli = user !== undefined;
      if (user === undefined) user = await promptUserName(reader);
      if (password === undefined) {
        password = await promptPassword(reader, user, fromCli ? "" : user, (m) => logger.log(m));
      }
      logger.addSecret(password);
      process.stdin.destroy();
    }
    if (task === "start" || task === "switchover") checkMode(o.mode);
    if (task === "start" || task === "stop") {
      if (!conf) throw new LogExit("[GAUSS-50001] : Incorrect parameter. Parameter '-X' is required");
    }
    if (task === "start") {
      checkUserName(user);
      checkPassword(password, env.om.passwordRule);
    }
    if (conf) {
      validateClusterConf(conf.localClusterConf, "localClusterConf");
      validateClusterConf(conf.remoteClusterConf, "remoteClusterConf");
    }
    if (o.logFile !== undefined) {
      checkLogFile(o.logFile);
      logger.open(path.resolve(o.logFile));
    }
    logger.module = task;
    const params: SdrParams = { task, timeout };
    if (o.mode !== undefined) params.mode = o.mode;
    if (user !== undefined) params.user = user;
    if (password !== undefined) params.password = password;
    if (conf) params.conf = conf;
    if (o.xmlPath !== undefined && o.jsonPath === undefined) params.xmlPath = o.xmlPath;
    const runner = new Runner(env);
    base = new StreamingBase(env, runner, logger, traceId, params);
    if (task !== "query") {
      createLock(env.pghost, traceId);
      locked = true;
      await base.parseClusterStatus(true);
      await checkOtherProcess(runner, base.hosts(), env.pghost, traceId, (m) => logger.debug(m));
    }
    switch (task) {
      case "start":
        await runStart(base);
        break;
      case "stop":
        await runStop(base);
        break;
      case "switchover":
        await runSwitchover(base);
        break;
      case "failover":
        await runFailover(base);
        break;
      default:
        await runQuery(base);
        break;
    }
    return 0;
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    if (e instanceof LogExit) {
      logger.error(msg);
      return 1;
    }
    logger.error(msg);
    process.stderr.write(pythonTraceback(msg));
    return 1;
  } finally {
    if (locked) removeLock(env.pghost, traceId);
  }
}

main().then(
  (code) => exit(code),
  (e) => {
    process.stderr.write(pythonTraceback(String(e)));
    exit(1);
  },
);

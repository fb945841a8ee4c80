/**
 * KingbaseES V8R6 (repmgr): the vendor layout, the file read and edited (repmgr.conf `recovery`), the daemon
 * facts read (repmgrd, kbha), how a mode maps to the setting, how the daemons load a change (`apply`), and
 * its validation rules and warnings.
 */
import { z } from "zod";
import { modeFromV8r6, v8r6RecoveryForMode } from "../modes";
import { LOG_TAIL_LINES, lastV8r6Recovery, parseRepmgrClusterShow } from "../observed";
import { readRepmgrSetting, setRecovery } from "../repmgrConf";
import type { ApplyMode, CommonPolicyArgs, PolicyMode, PolicySpec } from "../schema";
import type { DaemonFacts, NodeSnapshot, NodeState } from "../snapshot";
import type { FileTarget, KingbaseVersion } from ".";
import { absPath, relOrAbsPath, under } from "./paths";

const ENGINE = "kingbase-v8r6" as const;

/** Vendor default layout of a V8R6 node (relative paths are below `installDir`). */
export const V8R6_DEFAULT_PATHS = {
  installDir: "/home/kingbase/cluster/R6HA/kingbase",
  repmgrConf: "etc/repmgr.conf",
  repmgrdPidFile: "etc/hamgrd.pid",
  kbhaPidFile: "etc/kbha.pid",
  repmgrBin: "bin/repmgr",
  repmgrdBin: "bin/repmgrd",
  kbhaBin: "bin/kbha",
} as const;

/** `paths` of a V8R6 policy; relative file paths resolve against `installDir`. */
export const v8r6PathsSchema = z
  .object({
    installDir: absPath.default(V8R6_DEFAULT_PATHS.installDir),
    repmgrConf: relOrAbsPath.default(V8R6_DEFAULT_PATHS.repmgrConf),
    repmgrdPidFile: relOrAbsPath.default(V8R6_DEFAULT_PATHS.repmgrdPidFile),
    kbhaPidFile: relOrAbsPath.default(V8R6_DEFAULT_PATHS.kbhaPidFile),
    repmgrBin: relOrAbsPath.default(V8R6_DEFAULT_PATHS.repmgrBin),
    repmgrdBin: relOrAbsPath.default(V8R6_DEFAULT_PATHS.repmgrdBin),
    kbhaBin: relOrAbsPath.default(V8R6_DEFAULT_PATHS.kbhaBin),
  })
  .strict();
/** Parsed V8R6 paths (defaults applied). */
export type V8r6Paths = z.infer<typeof v8r6PathsSchema>;

/** Parsed inputs of a V8R6 policy. */
export interface V8r6PolicySpec extends CommonPolicyArgs {
  /** Engine. */
  engine: typeof ENGINE;
  /** Install layout. */
  paths: V8r6Paths;
  /** How a change takes effect. */
  apply: ApplyMode;
}

/** Absolute V8R6 file locations derived from {@link V8r6Paths}. */
export interface ResolvedV8r6Paths {
  /** `<install>/etc/repmgr.conf`. */
  repmgrConf: string;
  /** `<install>/etc/hamgrd.pid`. */
  repmgrdPidFile: string;
  /** `<install>/etc/kbha.pid`. */
  kbhaPidFile: string;
  /** `<install>/bin/repmgr`. */
  repmgrBin: string;
  /** `<install>/bin/repmgrd`. */
  repmgrdBin: string;
  /** `<install>/bin/kbha`. */
  kbhaBin: string;
}

/** Resolves V8R6 paths to absolute ones. */
export function resolveV8r6Paths(paths: V8r6Paths): ResolvedV8r6Paths {
  return {
    repmgrConf: under(paths.installDir, paths.repmgrConf),
    repmgrdPidFile: under(paths.installDir, paths.repmgrdPidFile),
    kbhaPidFile: under(paths.installDir, paths.kbhaPidFile),
    repmgrBin: under(paths.installDir, paths.repmgrBin),
    repmgrdBin: under(paths.installDir, paths.repmgrdBin),
    kbhaBin: under(paths.installDir, paths.kbhaBin),
  };
}

/** Files and daemon facts read from a V8R6 node; a null text means the file does not exist. */
export interface V8r6NodeSnapshot {
  /** Engine tag. */
  engine: typeof ENGINE;
  /** Node host as in the inputs. */
  host: string;
  /** `<install>/etc/repmgr.conf`. */
  repmgrConf: string | null;
  /** repmgr.conf modification time in ms since the epoch, null when unknown. */
  repmgrConfMtimeMs: number | null;
  /** repmgrd facts, null when not read. */
  repmgrd: DaemonFacts | null;
  /** kbha facts, null when not read. */
  kbha: DaemonFacts | null;
  /** When repmgr.conf is missing: the V8R3 vendor-default HAmodule.conf, if this host has it. */
  otherEngineFile?: string;
  /** `repmgr cluster show` as run on this node (null: it failed or was not run). */
  clusterShow?: string | null;
  /** The last lines of this node's `log_file` (hamgr.log), null when unreadable. */
  hamgrLog?: string | null;
}

/** Exit code of `repmgr cluster show` when it printed the view and found issues (a node failed, split brain). */
const REPMGR_ERR_NODE_STATUS = 25;

function ownArgs(args: PolicySpec): V8r6PolicySpec {
  if (args.engine !== ENGINE) throw new TypeError("snapshot engine differs from the policy engine");
  return args;
}

function ownSnapshot(s: NodeSnapshot): V8r6NodeSnapshot {
  if (s.engine !== ENGINE) throw new TypeError("snapshot engine differs from the policy engine");
  return s;
}

function daemonPending(
  name: string,
  facts: DaemonFacts | null,
  declared: string | null,
  mtimeMs: number | null,
  warnings: string[],
): boolean | null {
  if (facts === null) return null;
  if (facts.pid === null) {
    warnings.push(`${name} is not running (it loads repmgr.conf when it starts)`);
    return false;
  }
  if (facts.loadedRecovery !== undefined) return facts.loadedRecovery !== declared;
  if (facts.startTimeMs === null || mtimeMs === null) return null;
  // ps start times have second resolution: a start in the same second as the change counts as pending.
  return facts.startTimeMs < mtimeMs;
}

function state(s: V8r6NodeSnapshot, desired: PolicyMode | undefined): NodeState {
  const warnings: string[] = [];
  const text = s.repmgrConf;
  if (text === null) warnings.push("repmgr.conf: missing");
  const get = (name: string) => (text === null ? null : (readRepmgrSetting(text, name)?.value ?? null));
  const recovery = get("recovery");
  const observed =
    text === null ? { mode: "custom" as const, reasons: ["repmgr.conf is missing"] } : modeFromV8r6(recovery);
  const r = daemonPending("repmgrd", s.repmgrd, recovery, s.repmgrConfMtimeMs, warnings);
  const k = daemonPending("kbha", s.kbha, recovery, s.repmgrConfMtimeMs, warnings);
  const pendingRestart = r === true || k === true ? true : r === null || k === null ? null : false;
  const drift: string[] = [];
  if (desired !== undefined && observed.mode !== desired) {
    drift.push(`repmgr.conf amounts to ${observed.mode}, policy is ${desired}`);
  }
  if (pendingRestart === true)
    drift.push("the daemons still run with the repmgr.conf they loaded before it changed");
  return {
    host: s.host,
    mode: observed.mode,
    reasons: observed.reasons,
    pendingRestart,
    recoveryInProgress: false,
    drift,
    warnings,
    v8r6: {
      recovery,
      failover: get("failover"),
      synchronous: get("synchronous"),
      trustedServers: get("trusted_servers"),
    },
  };
}

function targets(args: V8r6PolicySpec, s: V8r6NodeSnapshot, mode: PolicyMode) {
  const paths = resolveV8r6Paths(args.paths);
  const wanted = v8r6RecoveryForMode(mode);
  const target: FileTarget = {
    file: "repmgrConf",
    path: paths.repmgrConf,
    access: "user",
    text: s.repmgrConf,
    required: true,
    edit: (t) => setRecovery(t ?? "", wanted),
    verify: (t) =>
      readRepmgrSetting(t, "recovery")?.value === wanted ? null : `recovery would not read as '${wanted}'`,
    value: (t) => (t === null ? null : (readRepmgrSetting(t, "recovery")?.value ?? null)),
  };
  return {
    targets: [target],
    pidFiles: { repmgrdPidFile: paths.repmgrdPidFile, kbhaPidFile: paths.kbhaPidFile },
  };
}

/** The V8R6 version object. */
export const V8R6: KingbaseVersion = {
  engine: ENGINE,
  otherEngine: "kingbase-v8r3",
  pathsSchema: v8r6PathsSchema,
  defaultMainFile: `${V8R6_DEFAULT_PATHS.installDir}/${V8R6_DEFAULT_PATHS.repmgrConf}`,
  needsRootAccess: false,
  rootAccessFailure: (rootAccess) =>
    rootAccess !== undefined ? "is only used with kingbase-v8r3; remove it" : null,
  applyFailure: () => null,
  parseArgs: (common: CommonPolicyArgs, paths: unknown, apply: ApplyMode | undefined) => ({
    engine: ENGINE,
    ...common,
    paths: v8r6PathsSchema.parse(paths ?? {}),
    apply: apply ?? "restart-daemons",
  }),
  async readSnapshot(io, args, host) {
    const p = resolveV8r6Paths(ownArgs(args).paths);
    const [[conf], repmgrd, kbha] = await Promise.all([
      io.userFiles([p.repmgrConf]),
      io.daemon(p.repmgrdPidFile),
      io.daemon(p.kbhaPidFile),
    ]);
    const other = conf!.text === null ? await io.otherVersionFile() : undefined;
    const logFile =
      conf!.text === null
        ? null
        : (readRepmgrSetting(conf!.text, "log_file")?.value ??
          `${ownArgs(args).paths.installDir}/log/hamgr.log`);
    const [clusterShow, hamgrLog] =
      conf!.text === null || logFile === null
        ? [null, null]
        : await Promise.all([
            io.output([p.repmgrBin, "-f", p.repmgrConf, "cluster", "show"], "read cluster view", [
              0,
              REPMGR_ERR_NODE_STATUS,
            ]),
            io.output(["tail", "-n", String(LOG_TAIL_LINES), logFile], "read hamgr.log"),
          ]);
    return {
      engine: ENGINE,
      host,
      ...(other ? { otherEngineFile: other } : {}),
      repmgrConf: conf!.text,
      repmgrConfMtimeMs: conf!.mtimeMs,
      repmgrd,
      kbha,
      clusterShow,
      hamgrLog,
    };
  },
  observe(s) {
    const own = ownSnapshot(s);
    const view = own.clusterShow ? parseRepmgrClusterShow(own.clusterShow) : [];
    return {
      view: view.length > 0 ? view : null,
      event: own.hamgrLog ? lastV8r6Recovery(own.hamgrLog, own.host) : null,
    };
  },
  state: (s, _args, desired) => state(ownSnapshot(s), desired),
  targets: (args, s, mode) => targets(ownArgs(args), ownSnapshot(s), mode),
  fileText: (s, file) => (file === "repmgrConf" ? ownSnapshot(s).repmgrConf : null),
  recoveryPid: () => null,
  restartsDaemons: (args): args is V8r6PolicySpec =>
    args.engine === ENGINE && args.apply === "restart-daemons",
  previousDaemons: (args, pidFiles) => ({ apply: ownArgs(args).apply, ...pidFiles }),
  inputWarnings: (args) => (ownArgs(args).apply === "file-only" ? ["V8R6_FILE_ONLY"] : []),
  stateWarnings: (args, cluster) =>
    args.mode === "standby" && !cluster.nodes.some((n) => n.v8r6?.recovery === "standby")
      ? ["V8R6_STANDBY_UNKNOWN_ON_OLD_BUILDS"]
      : [],
};

/**
 * KingbaseES V8R3 (kingbasecluster): the vendor layout, the files read and edited (the root-owned cron file
 * with the network_rewind.sh line, both HAmodule.conf copies, the recovery flag), how a mode maps to them,
 * and its validation rules and warnings. Changes take effect without restarts (the cron line runs every
 * minute and network_rewind.sh reads HAmodule.conf each time).
 */
import { z } from "zod";
import { waitFor } from "../../../transport/wait";
import { type CronLineSpec, scanCronFile, setCronLineActive } from "../cronFile";
import { parseHaModuleConf, readAutoPrimaryRecovery, setAutoPrimaryRecovery } from "../haModuleConf";
import { modeFromV8r3, v8r3KnobsForMode } from "../modes";
import { LOG_TAIL_LINES, lastV8r3Recovery, parsePoolNodes } from "../observed";
import type { CommonPolicyArgs, PolicyMode, PolicySpec } from "../schema";
import type { NodeSnapshot, NodeState } from "../snapshot";
import type { FileTarget, KingbaseVersion, NodeReader } from ".";
import { absPath, posixUser, relOrAbsPath, under } from "./paths";

const ENGINE = "kingbase-v8r3" as const;

/** Vendor default layout of a V8R3 cluster (relative paths are below `clusterPath`). */
export const V8R3_DEFAULT_PATHS = {
  clusterPath: "/home/kingbase/cluster/HAR3",
  dbHaModuleConf: "db/etc/HAmodule.conf",
  clusterHaModuleConf: "kingbasecluster/etc/HAmodule.conf",
  networkRewindScript: "db/bin/network_rewind.sh",
  cronFile: "/etc/cron.d/KINGBASECRON",
  cronUser: "kingbase",
  recoveryFlagFile: "/dev/shm/KB_RECOVERY_FLAG",
} as const;

/** `paths` of a V8R3 policy; relative file paths resolve against `clusterPath`. */
export const v8r3PathsSchema = z
  .object({
    clusterPath: absPath.default(V8R3_DEFAULT_PATHS.clusterPath),
    dbHaModuleConf: relOrAbsPath.default(V8R3_DEFAULT_PATHS.dbHaModuleConf),
    clusterHaModuleConf: relOrAbsPath.default(V8R3_DEFAULT_PATHS.clusterHaModuleConf),
    networkRewindScript: relOrAbsPath.default(V8R3_DEFAULT_PATHS.networkRewindScript),
    cronFile: absPath.default(V8R3_DEFAULT_PATHS.cronFile),
    cronUser: posixUser.default(V8R3_DEFAULT_PATHS.cronUser),
    recoveryFlagFile: absPath.default(V8R3_DEFAULT_PATHS.recoveryFlagFile),
  })
  .strict();
/** Parsed V8R3 paths (defaults applied). */
export type V8r3Paths = z.infer<typeof v8r3PathsSchema>;

/** Parsed inputs of a V8R3 policy. */
export interface V8r3PolicySpec extends CommonPolicyArgs {
  /** Engine. */
  engine: typeof ENGINE;
  /** Install layout. */
  paths: V8r3Paths;
}

/** Absolute V8R3 file locations derived from {@link V8r3Paths}. */
export interface ResolvedV8r3Paths {
  /** `<cluster>/db/etc/HAmodule.conf`, the copy network_rewind.sh reads. */
  haModuleDb: string;
  /** `<cluster>/kingbasecluster/etc/HAmodule.conf`, the copy kept in sync. */
  haModuleCluster: string;
  /** Absolute path of network_rewind.sh as it appears in the cron line. */
  networkRewindScript: string;
  /** The root-owned cron file. */
  cronFile: string;
  /** User field of the cron line. */
  cronUser: string;
  /** `/dev/shm/KB_RECOVERY_FLAG`. */
  recoveryFlagFile: string;
}

/** Resolves V8R3 paths to absolute ones. */
export function resolveV8r3Paths(paths: V8r3Paths): ResolvedV8r3Paths {
  return {
    haModuleDb: under(paths.clusterPath, paths.dbHaModuleConf),
    haModuleCluster: under(paths.clusterPath, paths.clusterHaModuleConf),
    networkRewindScript: under(paths.clusterPath, paths.networkRewindScript),
    cronFile: paths.cronFile,
    cronUser: paths.cronUser,
    recoveryFlagFile: paths.recoveryFlagFile,
  };
}

/** Files read from a V8R3 node; a null text means the file does not exist. */
export interface V8r3NodeSnapshot {
  /** Engine tag. */
  engine: typeof ENGINE;
  /** Node host as in the inputs. */
  host: string;
  /** `/etc/cron.d/KINGBASECRON`. */
  cronFile: string | null;
  /** `<cluster>/db/etc/HAmodule.conf`. */
  haModuleDb: string | null;
  /** `<cluster>/kingbasecluster/etc/HAmodule.conf`. */
  haModuleCluster: string | null;
  /** `/dev/shm/KB_RECOVERY_FLAG`. */
  recoveryFlag: string | null;
  /** Whether the PID on the flag file's second line is alive; null when unknown or not checked. */
  recoveryFlagPidAlive: boolean | null;
  /** When HAmodule.conf is missing: the V8R6 vendor-default repmgr.conf, if this host has it. */
  otherEngineFile?: string;
  /** The pool view `network_rewind.sh` keeps (`KB_CLUSTER_STATUS`, `show pool_nodes`), null when unreadable. */
  poolNodes?: string | null;
  /** The last lines of `recovery.log` (`RECOVERY_LOG_DIR`), null when unreadable. */
  recoveryLog?: string | null;
}

/**
 * Where `network_rewind.sh` keeps the pool view and its log: `KB_CLUSTER_STATUS` and `RECOVERY_LOG_DIR` of
 * HAmodule.conf (last assignment, as `LoadCfg` leaves them), else the installer's `<cluster>/log/…` defaults.
 */
function haModuleLogs(text: string, clusterPath: string): { poolNodes: string; recoveryLog: string } {
  const last = (name: string) =>
    parseHaModuleConf(text)
      .filter((a) => a.name === name)
      .pop()?.value;
  return {
    poolNodes: last("KB_CLUSTER_STATUS") ?? `${clusterPath}/log/pool_nodes`,
    recoveryLog: last("RECOVERY_LOG_DIR") ?? `${clusterPath}/log/recovery.log`,
  };
}

/** Content of `/dev/shm/KB_RECOVERY_FLAG`: line 1 `1` while network_rewind.sh recovers, line 2 its PID. */
export interface RecoveryFlag {
  /** Line 1 is `1`. */
  set: boolean;
  /** PID on line 2, if any. */
  pid: number | null;
}

/** Parses the V8R3 recovery flag file (null text = no flag). */
export function parseRecoveryFlag(text: string | null): RecoveryFlag {
  const [first, second] = (text ?? "").split(/\r?\n/);
  const pid = /^\s*(\d+)\s*$/.exec(second ?? "");
  return { set: first?.trim() === "1", pid: pid ? Number(pid[1]) : null };
}

/**
 * How long a set recovery flag with a live PID is re-read before it counts as a recovery in progress:
 * network_rewind.sh sets the flag at the start of every cron run, also when it finds nothing to recover, and
 * such a run clears it within seconds; a real recovery (a rewind) holds it far longer (docs/decisions.md D-v8r3-2).
 */
const RECOVERY_FLAG_SETTLE = { timeoutMs: 15_000, intervalMs: 1_000 };

/** The recovery flag's text and whether its PID is alive (null: no PID to ask about). */
interface FlagReading {
  text: string | null;
  pidAlive: boolean | null;
}

/**
 * Reads the recovery flag until it is clear (not set, or its PID is gone) or the settle time passes, starting
 * from the text already read; returns the last reading. Bounded by `opts`.
 */
export async function settleRecoveryFlag(
  io: Pick<NodeReader, "userFiles" | "pidAlive">,
  file: string,
  first: string | null,
  opts = RECOVERY_FLAG_SETTLE,
): Promise<FlagReading> {
  const reading = async (text: string | null): Promise<FlagReading> => {
    const { pid } = parseRecoveryFlag(text);
    return { text, pidAlive: pid === null ? null : await io.pidAlive(String(pid)) };
  };
  const held = (r: FlagReading) => parseRecoveryFlag(r.text).set && r.pidAlive !== false;
  const now = await reading(first);
  if (!held(now)) return now;
  const r = await waitFor(
    async () => reading((await io.userFiles([file]))[0]?.text ?? null),
    (x) => !held(x),
    opts,
  );
  return r.state;
}

/** The cron line the vendor scripts use for these paths. */
function cronSpecFor(paths: V8r3Paths): CronLineSpec {
  const r = resolveV8r3Paths(paths);
  return { user: r.cronUser, scriptPath: r.networkRewindScript };
}

function ownArgs(args: PolicySpec): V8r3PolicySpec {
  if (args.engine !== ENGINE) throw new TypeError("snapshot engine differs from the policy engine");
  return args;
}

function ownSnapshot(s: NodeSnapshot): V8r3NodeSnapshot {
  if (s.engine !== ENGINE) throw new TypeError("snapshot engine differs from the policy engine");
  return s;
}

function state(s: V8r3NodeSnapshot, paths: V8r3Paths, desired: PolicyMode | undefined): NodeState {
  const warnings: string[] = [];
  const cron = scanCronFile(s.cronFile, cronSpecFor(paths));
  warnings.push(...cron.warnings.map((w) => `cron file: ${w}`));
  if (s.cronFile === null) warnings.push("cron file: missing (network_rewind.sh is not scheduled)");
  const read = (text: string | null, label: string) => {
    if (text === null) return null;
    const r = readAutoPrimaryRecovery(text);
    warnings.push(...r.warnings.map((w) => `${label}: ${w}`));
    return { value: r.value, enabled: r.enabled };
  };
  const aprDb = read(s.haModuleDb, "db/etc/HAmodule.conf");
  const aprCluster = read(s.haModuleCluster, "kingbasecluster/etc/HAmodule.conf");
  if (s.haModuleCluster === null) warnings.push("kingbasecluster/etc/HAmodule.conf: missing");
  const observed = modeFromV8r3({
    cronActive: cron.effectiveActive,
    aprDb: aprDb?.enabled ?? null,
    aprCluster: aprCluster?.enabled ?? null,
  });
  const dbAssignments = s.haModuleDb === null ? [] : parseHaModuleConf(s.haModuleDb);
  const haValue = (name: string) => dbAssignments.filter((a) => a.name === name).pop()?.value ?? null;
  const flag = parseRecoveryFlag(s.recoveryFlag);
  const recoveryInProgress = flag.set && s.recoveryFlagPidAlive !== false;
  const drift: string[] = [];
  if (desired !== undefined && observed.mode !== desired) {
    if (desired === "manual" && cron.effectiveActive) {
      drift.push(
        "the network_rewind.sh cron line is active although the policy is manual " +
          "(kingbase_monitor.sh start|restart or network_rewind.sh --force re-enable it)",
      );
    } else {
      drift.push(`files amount to ${observed.mode}, policy is ${desired}`);
    }
  }
  return {
    host: s.host,
    mode: observed.mode,
    reasons: observed.reasons,
    pendingRestart: false,
    recoveryInProgress,
    drift,
    warnings,
    v8r3: { cron, aprDb, aprCluster, gatewayIps: haValue("KB_GATEWAY_IP"), syncFlag: haValue("SYNC_FLAG") },
  };
}

/** The cron line's effective value in a cron file: `active`, `commented` or `absent`. */
export function cronValue(text: string | null, spec: CronLineSpec): string {
  const scan = scanCronFile(text, spec);
  return scan.matches.length === 0 ? "absent" : scan.effectiveActive ? "active" : "commented";
}

function targets(args: V8r3PolicySpec, s: V8r3NodeSnapshot, mode: PolicyMode) {
  const paths = resolveV8r3Paths(args.paths);
  const spec = cronSpecFor(args.paths);
  const knobs = v8r3KnobsForMode(mode);
  const apr = (file: "haModuleDb" | "haModuleCluster", path: string, text: string | null): FileTarget => ({
    file,
    path,
    access: "user",
    text,
    required: file === "haModuleDb",
    edit: (t) => setAutoPrimaryRecovery(t ?? "", knobs.autoPrimaryRecovery),
    verify: (t) =>
      readAutoPrimaryRecovery(t).enabled === (knobs.autoPrimaryRecovery === 1)
        ? null
        : `AUTO_PRIMARY_RECOVERY would still not read as ${knobs.autoPrimaryRecovery} (see the file warnings)`,
    value: (t) => (t === null ? null : readAutoPrimaryRecovery(t).value),
  });
  const list: FileTarget[] = [
    {
      file: "cron",
      path: paths.cronFile,
      access: "root",
      text: s.cronFile,
      required: false,
      edit: (t) => setCronLineActive(t, spec, knobs.cronActive),
      verify: (t) =>
        scanCronFile(t, spec).effectiveActive === knobs.cronActive
          ? null
          : "the network_rewind.sh cron line would not have the wanted state",
      value: (t) => cronValue(t, spec),
    },
    apr("haModuleDb", paths.haModuleDb, s.haModuleDb),
    apr("haModuleCluster", paths.haModuleCluster, s.haModuleCluster),
  ];
  return { targets: list, cron: spec };
}

/** The V8R3 version object. */
export const V8R3: KingbaseVersion = {
  engine: ENGINE,
  otherEngine: "kingbase-v8r6",
  pathsSchema: v8r3PathsSchema,
  defaultMainFile: `${V8R3_DEFAULT_PATHS.clusterPath}/${V8R3_DEFAULT_PATHS.dbHaModuleConf}`,
  needsRootAccess: true,
  rootAccessFailure: (rootAccess) =>
    rootAccess === undefined
      ? `is required for ${ENGINE} (the cron file is root-owned): "sudo" (the SSH user runs sudo -n) or ` +
        '"root-ssh" (log in as root)'
      : null,
  applyFailure: (apply) =>
    apply !== undefined
      ? "is only used with kingbase-v8r6 (V8R3 changes take effect without restarts)"
      : null,
  parseArgs: (common: CommonPolicyArgs, paths: unknown) => ({
    engine: ENGINE,
    ...common,
    paths: v8r3PathsSchema.parse(paths ?? {}),
  }),
  async readSnapshot(io, args, host) {
    const p = resolveV8r3Paths(ownArgs(args).paths);
    const [[db, cluster, flag], [cron]] = await Promise.all([
      io.userFiles([p.haModuleDb, p.haModuleCluster, p.recoveryFlagFile]),
      io.rootFiles([p.cronFile], "read cron file"),
    ]);
    const { text: flagText, pidAlive } = await settleRecoveryFlag(io, p.recoveryFlagFile, flag!.text);
    const other = db!.text === null ? await io.otherVersionFile() : undefined;
    const logs = db!.text === null ? null : haModuleLogs(db!.text, ownArgs(args).paths.clusterPath);
    const [poolNodes, recoveryLog] =
      logs === null
        ? [null, null]
        : await Promise.all([
            io.output(["cat", logs.poolNodes], "read pool view"),
            io.output(["tail", "-n", String(LOG_TAIL_LINES), logs.recoveryLog], "read recovery.log"),
          ]);
    return {
      engine: ENGINE,
      host,
      ...(other ? { otherEngineFile: other } : {}),
      cronFile: cron!.text,
      haModuleDb: db!.text,
      haModuleCluster: cluster!.text,
      recoveryFlag: flagText,
      recoveryFlagPidAlive: pidAlive,
      poolNodes,
      recoveryLog,
    };
  },
  observe(s) {
    const own = ownSnapshot(s);
    const view = own.poolNodes ? parsePoolNodes(own.poolNodes) : [];
    return {
      view: view.length > 0 ? view : null,
      event: own.recoveryLog ? lastV8r3Recovery(own.recoveryLog, own.host) : null,
    };
  },
  state: (s, args, desired) => state(ownSnapshot(s), ownArgs(args).paths, desired),
  targets: (args, s, mode) => targets(ownArgs(args), ownSnapshot(s), mode),
  fileText(s, file) {
    const own = ownSnapshot(s);
    if (file === "cron") return own.cronFile;
    if (file === "haModuleDb") return own.haModuleDb;
    if (file === "haModuleCluster") return own.haModuleCluster;
    return null;
  },
  recoveryPid: (s) => parseRecoveryFlag(ownSnapshot(s).recoveryFlag).pid,
  restartsDaemons: (_args): _args is never => false,
  previousDaemons: () => undefined,
  inputWarnings: (args) =>
    args.mode === "manual" ? ["V8R3_MANUAL_DISABLES_FENCING", "V8R3_MONITOR_RESTART_REENABLES_CRON"] : [],
  stateWarnings: () => [],
};

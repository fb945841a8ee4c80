/**
 * What was read from one KingbaseES node (`NodeSnapshot`, filled by the I/O layer) and what it amounts to
 * (`effectiveState`): effective values, the mode, pending restart (V8R6) and drift. Pure: no I/O here.
 */

import { type CronLineSpec, type CronScan, scanCronFile } from "./cronFile";
import { parseHaModuleConf, readAutoPrimaryRecovery } from "./haModuleConf";
import { modeFromV8r3, modeFromV8r6 } from "./modes";
import { readRepmgrSetting } from "./repmgrConf";
import { type PolicyMode, type RecoveryPolicyArgs, resolveV8r3Paths, type V8r3Paths } from "./schema";

/** Facts about one V8R6 daemon (repmgrd or kbha). */
export interface DaemonFacts {
  /** PID from the pid file when that process is alive, else null (not running). */
  pid: number | null;
  /** Process start time in ms since the epoch (`ps -o lstart=`, second resolution), null when unknown. */
  startTimeMs: number | null;
  /** The `recovery` value the daemon loaded, when it can be known (e.g. a daemon that records it); else absent. */
  loadedRecovery?: string | null;
}

/** Files read from a V8R3 node; a null text means the file does not exist. */
export interface V8r3NodeSnapshot {
  /** Engine tag. */
  engine: "kingbase-v8r3";
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
}

/** Files and daemon facts read from a V8R6 node; a null text means the file does not exist. */
export interface V8r6NodeSnapshot {
  /** Engine tag. */
  engine: "kingbase-v8r6";
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
}

/** Everything read from one node. */
export type NodeSnapshot = V8r3NodeSnapshot | V8r6NodeSnapshot;

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

/** Effective V8R3 values of one node. */
export interface V8r3Effective {
  /** The network_rewind cron line scan. */
  cron: CronScan;
  /** Effective `AUTO_PRIMARY_RECOVERY` of the db copy (raw value and vendor meaning), null if the file is missing. */
  aprDb: { value: string | null; enabled: boolean } | null;
  /** Same for the kingbasecluster copy. */
  aprCluster: { value: string | null; enabled: boolean } | null;
  /** `KB_GATEWAY_IP` of the db copy (trusted IPs for self-fencing), null when unset. */
  gatewayIps: string | null;
  /** `SYNC_FLAG` of the db copy (1 synchronous, 0 asynchronous), null when unset. */
  syncFlag: string | null;
}

/** Effective V8R6 values of one node. */
export interface V8r6Effective {
  /** Last uncommented `recovery`, null when not set or the file is missing. */
  recovery: string | null;
  /** Last uncommented `failover`. */
  failover: string | null;
  /** Last uncommented `synchronous`. */
  synchronous: string | null;
  /** Last uncommented `trusted_servers` (self-isolation detection), null when unset. */
  trustedServers: string | null;
}

/** What one node's snapshot amounts to. */
export interface NodeState {
  /** Node host. */
  host: string;
  /** The mode the node's files amount to, or `custom`. */
  mode: PolicyMode | "custom";
  /** Why `custom`. */
  reasons: string[];
  /** V8R6: true when the daemons run with an older file than the one on disk; null when unknown; V8R3: false. */
  pendingRestart: boolean | null;
  /** True while a V8R3 network_rewind.sh recovery runs (`KB_RECOVERY_FLAG`). */
  recoveryInProgress: boolean;
  /** Differences from the declared mode. */
  drift: string[];
  /** Remarks found while reading (file format, missing files, daemons not running). */
  warnings: string[];
  /** V8R3 details. */
  v8r3?: V8r3Effective;
  /** V8R6 details. */
  v8r6?: V8r6Effective;
}

/** The cron line the vendor scripts use for these paths. */
export function cronSpecFor(paths: V8r3Paths): CronLineSpec {
  const r = resolveV8r3Paths(paths);
  return { user: r.cronUser, scriptPath: r.networkRewindScript };
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

function v8r3State(s: V8r3NodeSnapshot, paths: V8r3Paths, desired: PolicyMode | undefined): NodeState {
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

function v8r6State(s: V8r6NodeSnapshot, desired: PolicyMode | undefined): NodeState {
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

/**
 * Effective state of one node. `desired` (the declared mode, if any) turns differences into drift reasons.
 * Throws nothing; missing files show as `custom` with a reason or as a warning.
 */
export function effectiveState(
  snapshot: NodeSnapshot,
  args: RecoveryPolicyArgs,
  desired?: PolicyMode,
): NodeState {
  if (snapshot.engine === "kingbase-v8r3") {
    if (args.engine !== "kingbase-v8r3")
      throw new TypeError("snapshot engine differs from the policy engine");
    return v8r3State(snapshot, args.paths, desired);
  }
  return v8r6State(snapshot, desired);
}

/** The whole cluster: per-node states plus drift when nodes disagree. */
export interface ClusterState {
  /** Per node, in input order. */
  nodes: NodeState[];
  /** True when every node amounts to the same mode (or all are `custom`). */
  agreed: boolean;
  /** Cluster-wide drift reasons (nodes disagreeing). */
  drift: string[];
}

/** Effective state of every node and whether they agree (whichever node is primary acts on failed nodes). */
export function clusterState(
  snapshots: readonly NodeSnapshot[],
  args: RecoveryPolicyArgs,
  desired?: PolicyMode,
): ClusterState {
  const nodes = snapshots.map((s) => effectiveState(s, args, desired));
  const modes = new Set(nodes.map((n) => n.mode));
  const agreed = modes.size <= 1;
  const drift = agreed ? [] : [`nodes disagree: ${nodes.map((n) => `${n.host}=${n.mode}`).join(", ")}`];
  return { nodes, agreed, drift };
}

/** Why a required file is missing, with a hint when the host looks like the other KingbaseES version. */
export function missingFileReason(path: string, s: NodeSnapshot): string {
  if (s.otherEngineFile) {
    const other = s.engine === "kingbase-v8r3" ? "kingbase-v8r6" : "kingbase-v8r3";
    return `${path} does not exist, but ${s.otherEngineFile} does: this looks like a ${other} host; check engine (and paths)`;
  }
  return `${path} does not exist; check engine and paths (vendor defaults unless paths says otherwise)`;
}

/**
 * Apply planning of a `RecoveryPolicy`: from the desired inputs and per-node snapshots, the plan that brings every
 * node to the mode, the writes that carry it out, and `previous` (what delete puts back). Pure and
 * deterministic (nodes in input order, files in a fixed order).
 */
import type { CronLineSpec } from "./cronFile";
import type { FileEdit } from "./lines";
import {
  type DaemonAction,
  editFailure,
  emptyPlan,
  type FilePlan,
  type FileWrite,
  type PlanResult,
  type PreviousFile,
  restartBoth,
} from "./plan";
import type { PolicySpec } from "./schema";
import { effectiveState, missingFileReason, type NodeSnapshot } from "./snapshot";
import { type FileTarget, versionOf } from "./versions";

function daemonActions(
  args: PolicySpec,
  changed: boolean,
  pending: boolean | null,
  pidFiles: { repmgrdPidFile: string; kbhaPidFile: string },
): DaemonAction[] {
  if (!versionOf(args.engine).restartsDaemons(args)) return [];
  if (!changed && pending !== true) return [];
  const reason = changed
    ? "load the changed repmgr.conf"
    : "the running daemons loaded repmgr.conf before it changed";
  return restartBoth(pidFiles, reason);
}

/**
 * Plans bringing every node to `args.mode`. Nodes already right get no entry (only their host in
 * `unchanged`); a node that could not be read, a missing required file, an ambiguous cron file, an edit that
 * would not take effect, or (V8R3) a running recovery become blockers.
 */
export function planPolicy(args: PolicySpec, snapshots: readonly NodeSnapshot[]): PlanResult {
  const version = versionOf(args.engine);
  const byHost = new Map(snapshots.map((s) => [s.host, s]));
  const plan = emptyPlan(args.engine, args.mode);
  const writes: FileWrite[] = [];
  let cronSpec: CronLineSpec | undefined;
  let pidFiles = { repmgrdPidFile: "", kbhaPidFile: "" };
  for (const node of args.nodes) {
    const s = byHost.get(node.host);
    if (s === undefined) {
      plan.blockers.push({ host: node.host, reason: "the node was not read" });
      continue;
    }
    const t = version.targets(args, s, args.mode);
    const targets = t.targets;
    if (t.cron) cronSpec = t.cron;
    if (t.pidFiles) pidFiles = t.pidFiles;
    const state = effectiveState(s, args);
    const files: FilePlan[] = [];
    const previous: PreviousFile[] = [];
    for (const f of targets) {
      const p = planFile(f, s);
      for (const reason of p.blockers) plan.blockers.push({ host: node.host, reason });
      if (!p.change) continue;
      files.push(p.change.file);
      previous.push(p.change.previous);
      writes.push({ host: node.host, ...p.change.write });
    }
    const actions = daemonActions(args, files.length > 0, state.pendingRestart, pidFiles);
    if (files.length === 0 && actions.length === 0) {
      plan.unchanged.push(node.host);
      continue;
    }
    if (state.recoveryInProgress) {
      const pid = version.recoveryPid(s);
      plan.blockers.push({
        host: node.host,
        reason: `network_rewind.sh is recovering this node (KB_RECOVERY_FLAG set${pid ? `, PID ${pid}` : ""}); wait until it finishes`,
      });
    }
    plan.nodes.push({ host: node.host, files, daemonActions: actions });
    if (previous.length > 0) plan.previous.nodes.push({ host: node.host, files: previous });
  }
  if (cronSpec) plan.previous.cron = cronSpec;
  const daemons = version.previousDaemons(args, pidFiles);
  if (daemons) plan.previous.daemons = daemons;
  return { plan, writes };
}

/** One file's edit: what blocks it, and (when it changes) its plan entry, its `previous` record and its write. */
interface FileOutcome {
  blockers: string[];
  change?: { file: FilePlan; previous: PreviousFile; write: Omit<FileWrite, "host"> };
}

/**
 * Plans one target file of a node: a missing required file, an edit that throws or one that would not take
 * effect is a blocker; a missing optional file is left alone (except cron, which is created).
 */
function planFile(f: FileTarget, s: NodeSnapshot): FileOutcome {
  if (f.text === null && f.required) return { blockers: [missingFileReason(f.path, s)] };
  if (f.text === null && f.file !== "cron") return { blockers: [] };
  let edit: FileEdit;
  try {
    edit = f.edit(f.text);
  } catch (err) {
    return { blockers: [`${f.path}: ${editFailure(err)}`] };
  }
  const problem = f.verify(edit.text);
  const blockers = problem === null ? [] : [`${f.path}: ${problem}`];
  if (edit.changes.length === 0) return { blockers };
  const where = { file: f.file, path: f.path, access: f.access };
  return {
    blockers,
    change: {
      file: { ...where, changes: edit.changes, notes: edit.notes },
      previous: {
        ...where,
        changes: edit.changes,
        addedTerminator: edit.addedTerminator === true,
        created: f.text === null,
        value: f.value(f.text),
      },
      write: { ...where, expected: f.text, text: edit.text },
    },
  };
}

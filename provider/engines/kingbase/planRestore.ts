/**
 * Restore planning of a `RecoveryPolicy` (what delete runs): every recorded change undone line by line, else the
 * previous value set again. Pure and deterministic (nodes and files in the order recorded).
 */
import { type CronLineSpec, setCronLineActive } from "./cronFile";
import { isHaTruthy, readAutoPrimaryRecovery, setAutoPrimaryRecovery } from "./haModuleConf";
import { type FileEdit, joinLines, type LineChange, splitLines } from "./lines";
import {
  type DaemonAction,
  editFailure,
  emptyPlan,
  type FilePlan,
  type FileWrite,
  type PlanResult,
  type PolicyPrevious,
  type PreviousFile,
  restartBoth,
} from "./plan";
import { readRepmgrSetting, setRecovery } from "./repmgrConf";
import type { PolicySpec } from "./schema";
import { missingFileReason, type NodeSnapshot } from "./snapshot";
import { versionOf } from "./versions";
import { cronValue } from "./versions/v8r3";

/**
 * The daemon restarts that make restored files take effect: those recorded with the policy (`daemons`), or,
 * for state that recorded none, a repmgrd restart when the version restarts daemons for these inputs.
 */
function restoreRestarts(previous: PolicyPrevious, args: PolicySpec): DaemonAction[] {
  const reason = "load the restored repmgr.conf";
  const d = previous.daemons;
  if (d) return d.apply === "restart-daemons" ? restartBoth(d, reason) : [];
  return versionOf(args.engine).restartsDaemons(args)
    ? [{ action: "restart-repmgrd", pidFile: "", reason }]
    : [];
}

function findLine(lines: { content: string }[], text: string, preferred: number): number {
  if (lines[preferred - 1]?.content === text) return preferred - 1;
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i]!.content === text) return i;
  return -1;
}

/** Undoes recorded changes line by line; returns the text and the changes made, or null if a line moved away. */
function undoLines(text: string, f: PreviousFile): FileEdit | null {
  const lines = splitLines(text);
  const changes: LineChange[] = [];
  for (const c of [...f.changes].reverse()) {
    if (c.after === null) continue;
    const at = findLine(lines, c.after, c.lineNumber);
    if (c.before === null) {
      if (at === -1) continue;
      const wasLast = at === lines.length - 1;
      lines.splice(at, 1);
      if (wasLast && f.addedTerminator && lines.length > 0) lines[lines.length - 1]!.eol = "";
      changes.push({ lineNumber: at + 1, before: c.after, after: null });
    } else if (at !== -1) {
      lines[at]!.content = c.before;
      changes.push({ lineNumber: at + 1, before: c.after, after: c.before });
    } else if (lines[c.lineNumber - 1]?.content !== c.before) {
      return null;
    }
  }
  return { text: joinLines(lines), changes: changes.reverse(), notes: [] };
}

function currentValue(f: PreviousFile, text: string, cron: CronLineSpec | undefined): string | null {
  if (f.file === "cron") return cron ? cronValue(text, cron) : null;
  if (f.file === "repmgrConf") return readRepmgrSetting(text, "recovery")?.value ?? null;
  return readAutoPrimaryRecovery(text).value;
}

function sameEffect(f: PreviousFile, a: string | null, b: string | null): boolean {
  return f.file === "cron" ? (a === "active") === (b === "active") : a === b;
}

/** Restores by value when the recorded lines are gone (the file changed since). */
function restoreByValue(f: PreviousFile, text: string, cron: CronLineSpec | undefined): FileEdit {
  const note =
    "the file changed since the policy was applied: restoring the previous value, not the exact bytes";
  if (f.file === "cron") {
    if (!cron) return { text, changes: [], notes: ["no cron line spec recorded; cron line left as is"] };
    const e = setCronLineActive(text, cron, f.value === "active");
    return { ...e, notes: [note, ...e.notes] };
  }
  if (f.file === "repmgrConf") {
    if (f.value === null) return { text, changes: [], notes: ["recovery was not set before; left as is"] };
    const e = setRecovery(text, f.value);
    return { ...e, notes: [note, ...e.notes] };
  }
  const e = setAutoPrimaryRecovery(text, isHaTruthy(f.value) ? 1 : 0);
  return { ...e, notes: [note, ...e.notes] };
}

/**
 * Plans the restore for delete: every recorded change undone line by line (giving back the original bytes
 * when the lines are still as the policy left them), else the previous value set with the same editors. V8R6
 * with `restart-daemons` restarts the daemons of changed nodes.
 */
export function planRestore(
  previous: PolicyPrevious,
  snapshots: readonly NodeSnapshot[],
  args: PolicySpec,
): PlanResult {
  const byHost = new Map(snapshots.map((s) => [s.host, s]));
  const plan = emptyPlan(previous.engine, "restore");
  const writes: FileWrite[] = [];
  for (const node of previous.nodes) {
    const s = byHost.get(node.host);
    if (s === undefined) {
      plan.blockers.push({ host: node.host, reason: "the node was not read" });
      continue;
    }
    const files: FilePlan[] = [];
    for (const f of node.files) {
      const current = versionOf(s.engine).fileText(s, f.file);
      if (current === null && f.file !== "cron") {
        plan.blockers.push({ host: node.host, reason: missingFileReason(f.path, s) });
        continue;
      }
      const text = current ?? "";
      let edit: FileEdit;
      try {
        const undone = undoLines(text, f);
        const ok = undone !== null && sameEffect(f, currentValue(f, undone.text, previous.cron), f.value);
        edit = ok ? undone : restoreByValue(f, text, previous.cron);
      } catch (err) {
        plan.blockers.push({ host: node.host, reason: `${f.path}: ${editFailure(err)}` });
        continue;
      }
      if (edit.changes.length === 0) continue;
      files.push({ file: f.file, path: f.path, access: f.access, changes: edit.changes, notes: edit.notes });
      const remove = f.created && edit.text === "";
      writes.push({
        host: node.host,
        file: f.file,
        path: f.path,
        access: f.access,
        expected: current,
        text: remove ? null : edit.text,
      });
      if (remove) files[files.length - 1]!.notes.push("the file did not exist before: it is deleted");
    }
    const actions = files.length > 0 ? restoreRestarts(previous, args) : [];
    if (files.length === 0 && actions.length === 0) plan.unchanged.push(node.host);
    else plan.nodes.push({ host: node.host, files, daemonActions: actions });
  }
  return { plan, writes };
}

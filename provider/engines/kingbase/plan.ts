/**
 * The plan of a `RecoveryPolicy`: from the desired inputs and per-node snapshots, per node and file the exact
 * lines before and after, the V8R6 daemon actions, what blocks the change, and `previous` — what delete puts
 * back. Also the restore plan for delete. Pure and deterministic (nodes in input order, files in a fixed
 * order); plans hold only the touched lines, never whole files (vendor files may contain passwords).
 */

import { HadrError } from "../../errors";
import { type CronLineSpec, setCronLineActive } from "./cronFile";
import { isHaTruthy, readAutoPrimaryRecovery, setAutoPrimaryRecovery } from "./haModuleConf";
import { type FileEdit, joinLines, type LineChange, splitLines } from "./lines";
import { readRepmgrSetting, setRecovery } from "./repmgrConf";
import type { PolicyMode, PolicySpec } from "./schema";
import { effectiveState, missingFileReason, type NodeSnapshot } from "./snapshot";
import { versionOf } from "./versions";
import { cronValue } from "./versions/v8r3";

/** The files a policy touches. */
export type PolicyFileKind = "cron" | "haModuleDb" | "haModuleCluster" | "repmgrConf";

const FILE_ORDER: readonly PolicyFileKind[] = ["cron", "haModuleDb", "haModuleCluster", "repmgrConf"];

/** Changes to one file of one node. */
export interface FilePlan {
  /** Which file. */
  file: PolicyFileKind;
  /** Absolute path on the node. */
  path: string;
  /** `root` for the root-owned cron file (sudo -n or root SSH), `user` otherwise. */
  access: "root" | "user";
  /** Changed lines in file order. */
  changes: LineChange[];
  /** Remarks such as "appended … (it was absent)". */
  notes: string[];
}

/** A V8R6 daemon restart: kill the process from its pid file; kbha restarts repmgrd (~3 s), cron restarts kbha (≤60 s). */
export interface DaemonAction {
  /** Which daemon. */
  action: "restart-repmgrd" | "restart-kbha";
  /** Its pid file. */
  pidFile: string;
  /** Why. */
  reason: string;
}

/** Everything that changes on one node. */
export interface NodePlan {
  /** Node host. */
  host: string;
  /** Files with changes, in fixed order. */
  files: FilePlan[];
  /** V8R6 daemon restarts, in order. */
  daemonActions: DaemonAction[];
}

/** Something that prevents applying the plan on a node. */
export interface PlanBlocker {
  /** Node host. */
  host: string;
  /** What is wrong and what to do. */
  reason: string;
}

/** What one file looked like before the policy touched it. */
export interface PreviousFile {
  /** Which file. */
  file: PolicyFileKind;
  /** Absolute path. */
  path: string;
  /** Access needed to write it. */
  access: "root" | "user";
  /** The changes that were made (restore applies them backwards). */
  changes: LineChange[];
  /** A line terminator was added to the old last line before an append. */
  addedTerminator: boolean;
  /** The file did not exist before (restore deletes it again when nothing else was added). */
  created: boolean;
  /**
   * The previous effective value, for restoring by value when the lines changed since: cron `"active"` |
   * `"commented"` | `"absent"`; HAmodule.conf the raw `AUTO_PRIMARY_RECOVERY` (null = unset); repmgr.conf the
   * `recovery` value (null = unset).
   */
  value: string | null;
}

/** Previous state of one node. */
export interface PreviousNode {
  /** Node host. */
  host: string;
  /** Touched files. */
  files: PreviousFile[];
}

/** What delete restores; self-contained so restore needs only this and fresh snapshots. */
export interface PolicyPrevious {
  /** Engine. */
  engine: PolicySpec["engine"];
  /** Nodes that were changed, in input order. */
  nodes: PreviousNode[];
  /** V8R3: the cron line spec used. */
  cron?: CronLineSpec;
  /** V8R6: how changes take effect, and the pid files. */
  daemons?: { apply: "restart-daemons" | "file-only"; repmgrdPidFile: string; kbhaPidFile: string };
}

/** The plan shown in preview and stored in outputs: no file contents, no secrets. */
export interface PolicyPlan {
  /** Engine. */
  engine: PolicySpec["engine"];
  /** Target mode, or `restore` for a delete plan. */
  mode: PolicyMode | "restore";
  /** Nodes with changes, in input order. */
  nodes: NodePlan[];
  /** Hosts already right. */
  unchanged: string[];
  /** Problems that must be fixed before applying. */
  blockers: PlanBlocker[];
  /** What to restore on delete (empty for a restore plan). */
  previous: PolicyPrevious;
}

/** One file to write when applying. Holds whole texts: keep it in memory only, never in outputs or logs. */
export interface FileWrite {
  /** Node host. */
  host: string;
  /** Which file. */
  file: PolicyFileKind;
  /** Absolute path. */
  path: string;
  /** Access needed. */
  access: "root" | "user";
  /** Text read for the plan (null = file missing): write only if the file still has exactly this content. */
  expected: string | null;
  /** New text, or null to delete the file (restore of a file the policy created). */
  text: string | null;
}

/** A plan and the writes that carry it out. */
export interface PlanResult {
  /** The plan (serialisable, secret-free). */
  plan: PolicyPlan;
  /** The writes, in plan order. */
  writes: FileWrite[];
}

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
  return [
    { action: "restart-repmgrd", pidFile: pidFiles.repmgrdPidFile, reason },
    { action: "restart-kbha", pidFile: pidFiles.kbhaPidFile, reason },
  ];
}

/**
 * The daemon restarts that make restored files take effect: those recorded with the policy (`daemons`), or,
 * for state that recorded none, a repmgrd restart when the version restarts daemons for these inputs.
 */
function restoreRestarts(previous: PolicyPrevious, args: PolicySpec): DaemonAction[] {
  const reason = "load the restored repmgr.conf";
  const d = previous.daemons;
  if (d)
    return d.apply === "restart-daemons"
      ? [
          { action: "restart-repmgrd", pidFile: d.repmgrdPidFile, reason },
          { action: "restart-kbha", pidFile: d.kbhaPidFile, reason },
        ]
      : [];
  return versionOf(args.engine).restartsDaemons(args)
    ? [{ action: "restart-repmgrd", pidFile: "", reason }]
    : [];
}

function describe(err: unknown): string {
  return err instanceof HadrError ? `${err.message}${err.hint ? ` ${err.hint}` : ""}` : String(err);
}

/**
 * Plans bringing every node to `args.mode`. Nodes already right get no entry (only their host in
 * `unchanged`); a node that could not be read, a missing required file, an ambiguous cron file, an edit that
 * would not take effect, or (V8R3) a running recovery become blockers.
 */
export function planPolicy(args: PolicySpec, snapshots: readonly NodeSnapshot[]): PlanResult {
  const version = versionOf(args.engine);
  const byHost = new Map(snapshots.map((s) => [s.host, s]));
  const plan: PolicyPlan = {
    engine: args.engine,
    mode: args.mode,
    nodes: [],
    unchanged: [],
    blockers: [],
    previous: { engine: args.engine, nodes: [] },
  };
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
      if (f.text === null && f.required) {
        plan.blockers.push({ host: node.host, reason: missingFileReason(f.path, s) });
        continue;
      }
      if (f.text === null && f.file !== "cron") continue;
      let edit: FileEdit;
      try {
        edit = f.edit(f.text);
      } catch (err) {
        plan.blockers.push({ host: node.host, reason: `${f.path}: ${describe(err)}` });
        continue;
      }
      const problem = f.verify(edit.text);
      if (problem !== null) plan.blockers.push({ host: node.host, reason: `${f.path}: ${problem}` });
      if (edit.changes.length === 0) continue;
      files.push({ file: f.file, path: f.path, access: f.access, changes: edit.changes, notes: edit.notes });
      previous.push({
        file: f.file,
        path: f.path,
        access: f.access,
        changes: edit.changes,
        addedTerminator: edit.addedTerminator === true,
        created: f.text === null,
        value: f.value(f.text),
      });
      writes.push({
        host: node.host,
        file: f.file,
        path: f.path,
        access: f.access,
        expected: f.text,
        text: edit.text,
      });
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

/**
 * Combines the `previous` of an earlier create/update with a newer one: the earliest record of each
 * (host, file) wins, so delete restores what was there before the policy first touched it.
 */
export function mergePrevious(older: PolicyPrevious, newer: PolicyPrevious): PolicyPrevious {
  const nodes: PreviousNode[] = older.nodes.map((n) => ({ host: n.host, files: [...n.files] }));
  for (const n of newer.nodes) {
    let target = nodes.find((m) => m.host === n.host);
    if (target === undefined) {
      target = { host: n.host, files: [] };
      nodes.push(target);
    }
    for (const f of n.files) if (!target.files.some((g) => g.file === f.file)) target.files.push(f);
    target.files.sort((a, b) => FILE_ORDER.indexOf(a.file) - FILE_ORDER.indexOf(b.file));
  }
  const merged: PolicyPrevious = { engine: older.engine, nodes };
  const cron = older.cron ?? newer.cron;
  const daemons = older.daemons ?? newer.daemons;
  if (cron) merged.cron = cron;
  if (daemons) merged.daemons = daemons;
  return merged;
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
  const plan: PolicyPlan = {
    engine: previous.engine,
    mode: "restore",
    nodes: [],
    unchanged: [],
    blockers: [],
    previous: { engine: previous.engine, nodes: [] },
  };
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
        plan.blockers.push({ host: node.host, reason: `${f.path}: ${describe(err)}` });
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

/** Compact human lines for preview: one per changed line, note, daemon action, unchanged node and blocker. */
export function renderPolicyPlan(plan: PolicyPlan): string[] {
  // Short lines: the CLI shortens long strings in a create preview, and a diff reads best line by line.
  const out: string[] = [];
  for (const n of plan.nodes) {
    for (const f of n.files) {
      const who = f.access === "root" ? " (as root)" : "";
      for (const c of f.changes) {
        out.push(`${n.host} ${f.path}:${c.lineNumber}${who}`);
        if (c.before !== null) out.push(`  - ${c.before}`);
        if (c.after !== null) out.push(`  + ${c.after}`);
      }
      for (const note of f.notes) out.push(`${n.host} ${f.path}: ${note}`);
    }
    for (const a of n.daemonActions) {
      const daemon = a.action === "restart-repmgrd" ? "repmgrd" : "kbha";
      out.push(`${n.host} restart ${daemon} (${a.reason})`);
    }
  }
  for (const b of plan.blockers) out.push(`${b.host} BLOCKED: ${b.reason}`);
  return out;
}

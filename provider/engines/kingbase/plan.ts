/**
 * The shape of a `RecoveryPolicy` plan, shared by its planners: per node and file the exact lines before and
 * after, the V8R6 daemon actions, what blocks the change, and `previous` — what delete puts back. Apply
 * planning is `planApply.ts`, restore planning `planRestore.ts`, merging `previous` records `previous.ts`,
 * the preview lines `renderPlan.ts`. Plans hold only the touched lines, never whole files (vendor files may
 * contain passwords).
 */

import { HadrError } from "../../errors";
import type { CronLineSpec } from "./cronFile";
import type { LineChange } from "./lines";
import type { PolicyMode, PolicySpec } from "./schema";

/** The files a policy touches. */
export type PolicyFileKind = "cron" | "haModuleDb" | "haModuleCluster" | "repmgrConf";

/** The fixed order of files in a node's plan. */
export const FILE_ORDER: readonly PolicyFileKind[] = ["cron", "haModuleDb", "haModuleCluster", "repmgrConf"];

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
interface NodePlan {
  /** Node host. */
  host: string;
  /** Files with changes, in fixed order. */
  files: FilePlan[];
  /** V8R6 daemon restarts, in order. */
  daemonActions: DaemonAction[];
}

/** Something that prevents applying the plan on a node. */
interface PlanBlocker {
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

/** An empty plan for `engine` towards `mode`. */
export function emptyPlan(engine: PolicySpec["engine"], mode: PolicyPlan["mode"]): PolicyPlan {
  return { engine, mode, nodes: [], unchanged: [], blockers: [], previous: { engine, nodes: [] } };
}

/** The two V8R6 daemon restarts (repmgrd, then kbha), for `reason`. */
export function restartBoth(
  pidFiles: { repmgrdPidFile: string; kbhaPidFile: string },
  reason: string,
): DaemonAction[] {
  return [
    { action: "restart-repmgrd", pidFile: pidFiles.repmgrdPidFile, reason },
    { action: "restart-kbha", pidFile: pidFiles.kbhaPidFile, reason },
  ];
}

/** A blocker's text for an edit that threw: a HadrError's message and hint, else the error as text. */
export function editFailure(err: unknown): string {
  return err instanceof HadrError ? `${err.message}${err.hint ? ` ${err.hint}` : ""}` : String(err);
}

/**
 * What differs between KingbaseES V8R3 (kingbasecluster: cron line + HAmodule.conf) and V8R6 (repmgr:
 * repmgr.conf + repmgrd/kbha daemons), behind one interface. Callers ask `versionOf(engine)` instead of
 * comparing engine names; each version module (`v8r3.ts`, `v8r6.ts`) holds every rule of its version.
 */
import type { z } from "zod";
import type { CronLineSpec } from "../cronFile";
import type { FileEdit } from "../lines";
import type { ObservedNode, RecoveryEvent } from "../observed";
import type { PolicyFileKind, PolicyPrevious } from "../plan";
import type { ApplyMode, CommonPolicyArgs, KingbaseEngine, PolicyMode, PolicySpec } from "../schema";
import type { ClusterState, DaemonFacts, NodeSnapshot, NodeState } from "../snapshot";
import type { WarningCode } from "../warnings";
import { V8R3 } from "./v8r3";
import { V8R6, type V8r6PolicySpec } from "./v8r6";

/** One file a policy edits on a node, with how to edit and check it. */
export interface FileTarget {
  /** Which file. */
  file: PolicyFileKind;
  /** Absolute path on the node. */
  path: string;
  /** `root` for the root-owned cron file, `user` otherwise. */
  access: "root" | "user";
  /** Text read (null = missing). */
  text: string | null;
  /** Computes the edit; may throw a HadrError (becomes a blocker). */
  edit: (text: string | null) => FileEdit;
  /** Checks the edited text has the wanted effect; returns a problem or null. */
  verify: (text: string) => string | null;
  /** Previous effective value of this file. */
  value: (text: string | null) => string | null;
  /** A missing file is a blocker (else it is skipped with a note). */
  required: boolean;
}

/** The files to edit on one node, and what the version records for delete. */
interface NodeTargets {
  /** Files in fixed order. */
  targets: FileTarget[];
  /** V8R3: the cron line spec used. */
  cron?: CronLineSpec;
  /** V8R6: the daemons' pid files. */
  pidFiles?: { repmgrdPidFile: string; kbhaPidFile: string };
}

/** The reads a version needs from one node (implemented over SSH by remote.ts; errors name the node). */
export interface NodeReader {
  /** Reads files as the cluster user; null text = missing. */
  userFiles(paths: string[]): Promise<{ text: string | null; mtimeMs: number | null }[]>;
  /** Reads root-owned files through the node's root route (`sudo -n` or a root login). */
  rootFiles(paths: string[], step: string): Promise<{ text: string | null }[]>;
  /** Whether a process with this PID is alive (`kill -0` as the cluster user). */
  pidAlive(pid: string): Promise<boolean>;
  /** Facts about the daemon whose pid file this is. */
  daemon(pidFile: string): Promise<DaemonFacts>;
  /** The other version's vendor-default main file when this host has it (a wrong `engine`), else undefined. */
  otherVersionFile(): Promise<string | undefined>;
  /**
   * Runs `argv` (each word quoted) as the cluster user, stderr discarded: its stdout, or null when the exit code
   * is not one of `okCodes` (default 0).
   */
  output(argv: string[], step: string, okCodes?: number[]): Promise<string | null>;
}

/** What one node's snapshot shows of the cluster: its view of every node and its last automatic recovery. */
interface NodeObservation {
  /** The cluster view this node gave (null: none, e.g. its database is down). */
  view: ObservedNode[] | null;
  /** The last automatic recovery in this node's vendor log. */
  event: RecoveryEvent | null;
}

/** Everything that differs between KingbaseES versions. Pure except {@link KingbaseVersion.readSnapshot}. */
export interface KingbaseVersion {
  /** The `engine` input value. */
  readonly engine: KingbaseEngine;
  /** The other version's `engine` (named in hints when a host looks like it). */
  readonly otherEngine: KingbaseEngine;
  /** `paths` schema; its defaults are the vendor layout. */
  readonly pathsSchema: z.ZodType & { shape: Record<string, unknown> };
  /** Vendor-default path of this version's main file (probed to tell a wrong `engine` from a wrong path). */
  readonly defaultMainFile: string;
  /** Whether nodes need root access (V8R3: the cron file is root-owned) — a root login is built for root-ssh. */
  readonly needsRootAccess: boolean;
  /** Validation of `nodes[i].rootAccess`: the failure reason, or null when fine. */
  rootAccessFailure(rootAccess: unknown): string | null;
  /** Validation of `apply`: the failure reason, or null when fine. */
  applyFailure(apply: unknown): string | null;
  /** The parsed arguments: the common ones plus this version's `paths` (defaults applied) and settings. */
  parseArgs(common: CommonPolicyArgs, paths: unknown, apply: ApplyMode | undefined): PolicySpec;
  /** Reads one node's files (and daemon facts). */
  readSnapshot(io: NodeReader, args: PolicySpec, host: string): Promise<NodeSnapshot>;
  /** The cluster view and last recovery event one node's snapshot shows. */
  observe(s: NodeSnapshot): NodeObservation;
  /** What one node's snapshot amounts to; `desired` turns differences into drift. */
  state(s: NodeSnapshot, args: PolicySpec, desired: PolicyMode | undefined): NodeState;
  /** The files to edit to bring a node to `mode`. */
  targets(args: PolicySpec, s: NodeSnapshot, mode: PolicyMode): NodeTargets;
  /** Text of one policy file in a snapshot (null when missing or not a file of this version). */
  fileText(s: NodeSnapshot, file: PolicyFileKind): string | null;
  /** PID of the recovery running on the node, when known. */
  recoveryPid(s: NodeSnapshot): number | null;
  /** Whether a change is loaded by restarting the daemons (V8R6 with `apply: restart-daemons`). */
  restartsDaemons(args: PolicySpec): args is V8r6PolicySpec;
  /** What delete needs to know about the daemons, given their pid files. */
  previousDaemons(
    args: PolicySpec,
    pidFiles: { repmgrdPidFile: string; kbhaPidFile: string },
  ): PolicyPrevious["daemons"];
  /** Warnings of this version that follow from the inputs alone. */
  inputWarnings(args: PolicySpec): WarningCode[];
  /** Warnings of this version from the observed cluster state. */
  stateWarnings(args: PolicySpec, cluster: ClusterState): WarningCode[];
}

/** The version object of an engine. */
export function versionOf(engine: KingbaseEngine): KingbaseVersion {
  return engine === V8R3.engine ? V8R3 : V8R6;
}

/** The version object of a raw `engine` input, or undefined when it names no supported engine. */
export function versionOfInput(engine: unknown): KingbaseVersion | undefined {
  return [V8R3, V8R6].find((v) => v.engine === engine);
}

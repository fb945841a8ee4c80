/**
 * Child processes for the lab core: run a command to completion with a timeout, collect its output.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import type { LabRunResult } from "../types";

/** Options of {@link runCommand}. */
export interface RunCommandOptions {
  /** Kill the whole process group after this many milliseconds (default 120 s). */
  timeoutMs?: number;
  /** Written to the child's stdin, which is then closed. */
  input?: string;
  /** Environment of the child (default: the current one). */
  env?: NodeJS.ProcessEnv;
  /** Working directory of the child. */
  cwd?: string;
  /** Written to the child's file descriptor 3 (a pipe), which is then closed: how scripts avoid argv. */
  fd3?: string;
}

/** Default timeout of {@link runCommand}. */
export const DEFAULT_TIMEOUT_MS = 120_000;

/**
 * Runs `file args…` (no shell) in its own process group and resolves with its exit code and output.
 * A timeout kills the group and resolves with code 124 and a note on stderr. Output pipes inherited by
 * daemons the command started do not keep the promise pending: once the command itself has exited,
 * its pipes get a short grace period and are then closed.
 */
export function runCommand(
  file: string,
  args: string[],
  opts: RunCommandOptions = {},
): Promise<LabRunResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      detached: true,
      stdio: opts.fd3 === undefined ? ["pipe", "pipe", "pipe"] : ["pipe", "pipe", "pipe", "pipe"],
      env: opts.env ?? process.env,
      cwd: opts.cwd,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let settled = false;
    let exitCode: number | null = null;
    let graceTimer: NodeJS.Timeout | undefined;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (graceTimer) clearTimeout(graceTimer);
      child.stdout?.destroy();
      child.stderr?.destroy();
      let stderr = Buffer.concat(err).toString("utf8");
      if (timedOut) stderr += `\n[lab] ${file} timed out after ${timeoutMs} ms and was killed\n`;
      resolve({ code: timedOut ? 124 : code, stdout: Buffer.concat(out).toString("utf8"), stderr });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid) process.kill(-child.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
      setTimeout(() => finish(124), 500).unref();
    }, timeoutMs);
    child.stdout?.on("data", (b: Buffer) => out.push(b));
    child.stderr?.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      err.push(Buffer.from(`[lab] cannot run ${file}: ${e.message}\n`));
      finish(127);
    });
    child.on("exit", (code, signal) => {
      exitCode = code ?? (signal ? 128 : 1);
      graceTimer = setTimeout(() => finish(exitCode ?? 1), 300);
      graceTimer.unref();
    });
    child.on("close", () => finish(exitCode ?? 1));
    child.stdin?.on("error", () => {
      /* the child may exit without reading its input */
    });
    child.stdin?.end(opts.input ?? "");
    if (opts.fd3 !== undefined) {
      const fd3 = child.stdio[3] as import("node:stream").Writable | null;
      fd3?.on("error", () => {
        /* the child may exit without reading its script */
      });
      fd3?.end(opts.fd3);
    }
  });
}

/** Like {@link runCommand} but throws (with stderr in the message) when the exit code is not 0. */
export async function mustRun(file: string, args: string[], opts: RunCommandOptions = {}): Promise<string> {
  const r = await runCommand(file, args, opts);
  if (r.code !== 0) {
    throw new Error(`${file} ${args.join(" ")} failed (exit ${r.code}): ${(r.stderr || r.stdout).trim()}`);
  }
  return r.stdout;
}

/**
 * True when a process with this pid exists and is not a zombie (an exited child nobody reaped yet: the
 * machine's init may be slow to reap orphans).
 */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Sleeps for `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

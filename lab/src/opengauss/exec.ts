/**
 * Child processes for the emulated tools: run a program to completion, and run SQL through psql.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { PG_BIN } from "./layout";

/** Output of a finished child. */
export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `file args…` without a shell; a timeout kills it and yields code 124. */
export function execFile(
  file: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {},
): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { env: opts.env ?? process.env, stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let done = false;
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            if (!done) child.kill("SIGKILL");
          }, opts.timeoutMs)
        : undefined;
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      err.push(Buffer.from(String(e)));
    });
    child.on("close", (code, signal) => {
      done = true;
      if (timer) clearTimeout(timer);
      resolve({
        code: signal === "SIGKILL" && opts.timeoutMs !== undefined ? 124 : (code ?? 1),
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** Where psql connects: a unix socket directory or a TCP host, plus port, database and user. */
export interface PgTarget {
  host: string;
  port: number;
  user: string;
  database?: string;
  password?: string;
}

/** Runs SQL through psql (`-X -q -A -t` unless `formatted`), the password only in PGPASSWORD. */
export function psql(
  t: PgTarget,
  sql: string,
  opts: { timeoutMs?: number; formatted?: boolean; extraArgs?: string[] } = {},
): Promise<ExecResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, PGCONNECT_TIMEOUT: "3", PGAPPNAME: "og_lab" };
  delete env["PGPASSWORD"];
  if (t.password !== undefined) env["PGPASSWORD"] = t.password;
  const args = ["-X", "-h", t.host, "-p", String(t.port), "-U", t.user, "-d", t.database ?? "postgres"];
  if (!opts.formatted) args.push("-q", "-A", "-t");
  args.push(...(opts.extraArgs ?? []), "-c", sql);
  return execFile(path.join(PG_BIN, "psql"), args, { env, timeoutMs: opts.timeoutMs ?? 15_000 });
}

/** Sleeps. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

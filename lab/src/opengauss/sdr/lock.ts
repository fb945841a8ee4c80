/**
 * The single-instance lock (§1.6, `base.handle_lock_file` and `check_streaming_process_is_running`):
 * `$PGHOST/streaming_lock_<trace_id>` (0600) on the local node, a 3 s pause, then `ls $PGHOST/streaming_lock_*`
 * on every node; any lock of another trace id fails the run. The lock is removed in `finally`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { shq } from "../../core/shell";
import { gauss51632, SdrException } from "./errors";
import { type Runner, sleep } from "./exec";

/** Path of this run's lock file. */
function lockPath(pghost: string, traceId: string): string {
  return path.join(pghost, `streaming_lock_${traceId}`);
}

/** Creates the local lock file. */
export function createLock(pghost: string, traceId: string): void {
  fs.mkdirSync(pghost, { recursive: true });
  const f = lockPath(pghost, traceId);
  fs.writeFileSync(f, "", { mode: 0o600 });
  fs.chmodSync(f, 0o600);
}

/** Removes this run's lock file (never another one). */
export function removeLock(pghost: string, traceId: string): void {
  fs.rmSync(lockPath(pghost, traceId), { force: true });
}

/** Waits 3 s then lists the locks of every host; a foreign one raises GAUSS-51632. */
export async function checkOtherProcess(
  runner: Runner,
  hosts: string[],
  pghost: string,
  traceId: string,
  debug: (m: string) => void,
): Promise<void> {
  await sleep(3000);
  const results = await Promise.all(
    hosts.map(async (h) => ({
      host: h,
      r: await runner.on(h, `ls ${shq(pghost)}/streaming_lock_* 2>/dev/null`, { timeoutMs: 10000 }),
    })),
  );
  for (const { host, r } of results) {
    debug(`Lock files on node [${host}]: ${r.stdout.trim()}`);
    for (const line of r.stdout.split("\n").map((s) => s.trim())) {
      if (!line) continue;
      const suffix = path.basename(line).replace(/^streaming_lock_/, "");
      if (suffix !== traceId) {
        throw new SdrException(
          gauss51632(
            `check streaming process, please execute streaming options after other process exited, if you ensure no other process is running, remove the lock file [${line}] on node [${host}], and try again`,
          ),
        );
      }
    }
  }
}

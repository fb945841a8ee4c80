/**
 * Process plumbing for the V8R6 stand-in daemons: detach into the background (`-d`), and make `ps` show
 * the vendor command line (`…/bin/repmgrd -d -v -f …/etc/repmgr.conf`) instead of `node …/repmgrd.js`.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";

/** Env var set in the detached child so it does not detach again. */
const CHILD_ENV = "KB_LAB_DAEMON_CHILD";
/** Extra argv word that reserves room in the process's argv area for the vendor-looking title. */
const PAD_PREFIX = "--kb-lab-title-room=";

/** True when this module is being run by `node --test` (every .js under dist/test is), not as a daemon. */
export function underTestRunner(): boolean {
  return process.env["NODE_TEST_CONTEXT"] !== undefined;
}

/** Arguments after the script, without the title padding word. */
export function daemonArgs(): string[] {
  return process.argv.slice(2).filter((a) => !a.startsWith(PAD_PREFIX));
}

/** The vendor program path the wrapper script was called as (set by the wrapper), or `fallback`. */
export function vendorArgv0(fallback: string): string {
  return process.env["KB_LAB_ARGV0"] ?? fallback;
}

/**
 * When not yet detached, re-runs this script in a new session with stdio closed and returns true (the caller
 * then exits 0, like a forking daemon's parent). In the child returns false.
 */
export function detach(): boolean {
  if (process.env[CHILD_ENV] === "1") return false;
  const script = process.argv[1] as string;
  const child = spawn(process.execPath, [script, ...daemonArgs(), PAD_PREFIX + "x".repeat(120)], {
    detached: true,
    stdio: "ignore",
    env: { ...process.env, [CHILD_ENV]: "1" },
  });
  child.unref();
  return true;
}

/** Environment for processes a daemon starts (they must detach on their own). */
export function childEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env[CHILD_ENV];
  delete env["KB_LAB_ARGV0"];
  return env;
}

/** Sets the `ps` command line to `title` and the short name (`comm`) to `comm`. */
export function setVendorTitle(title: string, comm: string): void {
  process.title = title;
  try {
    fs.writeFileSync("/proc/self/comm", comm.slice(0, 15));
  } catch {
    /* not Linux, or not permitted: cosmetic only */
  }
}

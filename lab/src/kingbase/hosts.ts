/**
 * Provisioner-side glue between the lab context and the KingbaseES host trees: owners and modes, a host's
 * tree and pristine store, finding a host by address for faults, and stopping a daemon by its pid file.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { mustRun } from "../core/proc";
import type { LabClusterSpec, LabContext, LabHost } from "../types";
import { isDaemonAlive, readPidFile } from "./daemon-state";
import type { FileOwner, HostTree } from "./hostfs";

/** Owner `kingbase` (or the stand-in user without root) with `mode`. */
export function kbOwner(ctx: LabContext, mode: number): FileOwner {
  return { uid: ctx.users.kingbase.uid, gid: ctx.users.kingbase.gid, mode };
}

/** Owner root:root (the current user without root) with `mode`. */
export function rootOwner(ctx: LabContext, mode: number): FileOwner {
  return ctx.asRoot
    ? { uid: 0, gid: 0, mode }
    : { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, mode };
}

/** The private tree and pristine store of `host`. */
export function hostTree(ctx: LabContext, host: LabHost): HostTree {
  return {
    fsRoot: host.fsRoot,
    pristineDir: path.join(ctx.root, "hosts", host.ip, "kingbase-pristine"),
    chown: ctx.asRoot,
  };
}

/** Throws the "how to get it" message when the lab does not run as root (KingbaseES hosts need namespaces). */
export function requireRoot(ctx: LabContext, engine: string): void {
  if (!ctx.asRoot) {
    throw new Error(
      `${engine} needs a root lab (private /home/kingbase and root-owned /etc/cron.d per host): run \`sudo npm run lab -- up\`, or leave it out with --engines opengauss`,
    );
  }
}

/** The host with address `ip` among `clusters`, or an error naming the fault's usage. */
export function hostByIp(clusters: LabClusterSpec[], ip: string | undefined, usage: string): LabHost {
  const host = clusters.flatMap((c) => c.hosts).find((h) => h.ip === ip);
  if (!host)
    throw new Error(`usage: lab fault ${usage} (${ip ?? "no address"} is not a host of this engine)`);
  return host;
}

/**
 * Sends `signal` to the daemon named in `pidFile` (a host path) when it is alive as `match`; with SIGTERM,
 * waits up to `graceMs` and then SIGKILLs. Returns the pid signalled, or undefined when none was running.
 */
export async function stopByPidFile(
  host: LabHost,
  pidFile: string,
  match: string,
  signal: NodeJS.Signals,
  graceMs = 5000,
): Promise<number | undefined> {
  const pid = readPidFile(path.join(host.fsRoot, pidFile));
  if (pid === undefined || !isDaemonAlive(pid, match)) return undefined;
  process.kill(pid, signal);
  if (signal !== "SIGTERM") return pid;
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && isDaemonAlive(pid, match)) await new Promise((r) => setTimeout(r, 50));
  if (isDaemonAlive(pid, match)) process.kill(pid, "SIGKILL");
  return pid;
}

/** Copies a host's data dir (`dataDir`, a host path) to `copy` outside the host, replacing an older copy. */
export async function keepDataCopy(host: LabHost, dataDir: string, copy: string): Promise<void> {
  fs.rmSync(copy, { recursive: true, force: true });
  await mustRun("cp", ["-a", path.join(host.fsRoot, dataDir), copy], { timeoutMs: 120_000 });
}

/** Puts the copy of a host's data dir back (the database must be stopped); false when there is no copy. */
export async function restoreDataCopy(host: LabHost, dataDir: string, copy: string): Promise<boolean> {
  if (!fs.existsSync(copy)) return false;
  const data = path.join(host.fsRoot, dataDir);
  fs.rmSync(data, { recursive: true, force: true });
  await mustRun("cp", ["-a", copy, data], { timeoutMs: 120_000 });
  return true;
}

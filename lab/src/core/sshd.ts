/**
 * One sshd per lab host: its config, start (inside the host's mount namespace as root), readiness,
 * clean stop and kill. Processes are only ever found through the host's own pid file and verified by
 * their command line, so other labs' and the system's sshd are never touched.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as path from "node:path";
import type { LabHost } from "../types";
import { hostDir } from "./addresses";
import { hostKeyPath, writeIfChanged } from "./keys";
import { holderPid } from "./namespace";
import { pidAlive, sleep } from "./proc";

/** Files of one host's sshd. */
export interface SshdPaths {
  dir: string;
  config: string;
  pidFile: string;
  log: string;
}

/** Where a host's sshd files live. */
export function sshdPaths(root: string, ip: string): SshdPaths {
  const dir = path.join(hostDir(root, ip), "ssh");
  return {
    dir,
    config: path.join(dir, "sshd_config"),
    pidFile: path.join(dir, "sshd.pid"),
    log: path.join(dir, "sshd.log"),
  };
}

/** What the config of a host's sshd depends on. */
export interface SshdConfigInput {
  root: string;
  host: LabHost;
  /** Login names sshd accepts (AllowUsers). */
  allowUsers: string[];
  /** `PermitRootLogin prohibit-password` (KingbaseES hosts) instead of `no`. */
  rootLogin: boolean;
  /** Unprivileged lab only: HOME of sessions (the host's private home of the current user). */
  home?: string;
}

/** The sshd_config text of a host. */
export function sshdConfig(c: SshdConfigInput): string {
  const p = sshdPaths(c.root, c.host.ip);
  return [
    `# pulumi-hadr lab host ${c.host.name} (${c.host.ip}), cluster ${c.host.cluster}`,
    `ListenAddress ${c.host.ip}:${c.host.sshPort}`,
    `HostKey ${hostKeyPath(c.root, c.host.ip)}`,
    `PidFile ${p.pidFile}`,
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "AuthenticationMethods publickey",
    `AuthorizedKeysFile ${path.join(hostDir(c.root, c.host.ip), "authorized_keys")}/%u`,
    // The lab root may sit under /var/tmp (mode 1777), which StrictModes' path walk rejects; the
    // authorized_keys files are root-owned 0644 in a root-owned 0755 directory instead.
    "StrictModes no",
    `PermitRootLogin ${c.rootLogin ? "prohibit-password" : "no"}`,
    `AllowUsers ${c.allowUsers.join(" ")}`,
    "UsePAM no",
    "PrintMotd no",
    "PrintLastLog no",
    "X11Forwarding no",
    "UseDNS no",
    "MaxStartups 100:30:200",
    "MaxSessions 64",
    "LogLevel VERBOSE",
    `SetEnv HADR_LAB_HOST=${c.host.ip} HADR_LAB_ROOT=${c.root}${c.home ? ` HOME=${c.home}` : ""}`,
    "Subsystem sftp internal-sftp",
    "",
  ].join("\n");
}

/** Writes the config (only when changed); returns true when it changed. */
export function writeSshdConfig(c: SshdConfigInput): boolean {
  const p = sshdPaths(c.root, c.host.ip);
  fs.mkdirSync(p.dir, { recursive: true, mode: 0o755 });
  return writeIfChanged(p.config, sshdConfig(c), 0o644);
}

/** Pid of the host's running sshd listener, verified against its command line, or undefined. */
export function sshdPid(root: string, ip: string): number | undefined {
  const p = sshdPaths(root, ip);
  let pid: number;
  try {
    pid = Number(fs.readFileSync(p.pidFile, "utf8").trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || !pidAlive(pid)) return undefined;
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return cmd.includes(p.config) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves true when `ip:port` answers with an SSH banner within `timeoutMs`. */
function sshBanner(ip: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: ip, port });
    let buf = "";
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on("data", (d) => {
      buf += d.toString("latin1");
      if (buf.includes("\n")) done(buf.startsWith("SSH-2.0-"));
    });
    sock.on("error", () => done(false));
    sock.on("close", () => done(false));
  });
}

/**
 * Starts the host's sshd (`sshd -D -E <log> -f <config>`, inside the host's namespace as root) unless it
 * already runs, and waits until it answers. Returns its pid and whether it was started now.
 */
export async function startSshd(
  root: string,
  host: LabHost,
  asRoot: boolean,
): Promise<{ pid: number; started: boolean }> {
  const running = sshdPid(root, host.ip);
  if (running !== undefined) return { pid: running, started: false };
  const p = sshdPaths(root, host.ip);
  fs.rmSync(p.pidFile, { force: true });
  const sshdArgs = ["-D", "-E", p.log, "-f", p.config];
  let file = "/usr/sbin/sshd";
  let args = sshdArgs;
  if (asRoot) {
    const holder = holderPid(root, host.ip);
    if (holder === undefined) throw new Error(`${host.ip}: no namespace holder, cannot start sshd`);
    file = "nsenter";
    args = ["-t", String(holder), "-m", "--", "/usr/sbin/sshd", ...sshdArgs];
  }
  const child = spawn(file, args, { detached: true, stdio: "ignore", cwd: "/" });
  let exited: string | undefined;
  child.on("exit", (code, sig) => {
    exited = `exit ${code ?? sig}`;
  });
  child.unref();
  const deadline = Date.now() + 15_000;
  for (;;) {
    const pid = sshdPid(root, host.ip);
    if (pid !== undefined && (await sshBanner(host.ip, host.sshPort, 500))) return { pid, started: true };
    if (exited || Date.now() > deadline) {
      let tail = "";
      try {
        tail = fs.readFileSync(p.log, "utf8").trim().split("\n").slice(-5).join(" | ");
      } catch {
        /* no log */
      }
      throw new Error(`${host.ip}: sshd did not come up (${exited ?? "timeout"}): ${tail}`);
    }
    await sleep(exited ? 0 : 20);
  }
}

/** Asks a running sshd to reload its config (SIGHUP; sshd re-executes itself with the same pid). */
export async function reloadSshd(root: string, host: LabHost): Promise<void> {
  const pid = sshdPid(root, host.ip);
  if (pid === undefined) return;
  process.kill(pid, "SIGHUP");
  const deadline = Date.now() + 10_000;
  await sleep(50);
  while (!(await sshBanner(host.ip, host.sshPort, 500))) {
    if (Date.now() > deadline) throw new Error(`${host.ip}: sshd did not come back after SIGHUP`);
    await sleep(50);
  }
}

/**
 * Stops the host's sshd listener with `signal` (SIGTERM: clean stop; SIGKILL: the `sshd-kill` fault) and
 * waits for it to exit. Established sessions survive a SIGTERM, as with the real service.
 * Returns the pid it stopped, or undefined when sshd was not running.
 */
export async function stopSshd(
  root: string,
  ip: string,
  signal: NodeJS.Signals = "SIGTERM",
): Promise<number | undefined> {
  const pid = sshdPid(root, ip);
  if (pid === undefined) return undefined;
  process.kill(pid, signal);
  const deadline = Date.now() + 10_000;
  while (pidAlive(pid)) {
    if (Date.now() > deadline) {
      process.kill(pid, "SIGKILL");
      await sleep(100);
      break;
    }
    await sleep(20);
  }
  if (signal !== "SIGKILL") fs.rmSync(sshdPaths(root, ip).pidFile, { force: true });
  return pid;
}

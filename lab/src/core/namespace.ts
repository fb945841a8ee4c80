/**
 * Per-host private mount namespaces (root only) and running commands inside a host.
 *
 * Each host has a "holder" process (`unshare --mount --propagation private`, bind mounts of
 * `<fsRoot>/{home,etc/cron.d,dev/shm}` on `/home`, `/etc/cron.d`, `/dev/shm`, then `sleep infinity` named
 * `hadr-lab-ns:<ip>`). sshd and every `ctx.run` enter that namespace with nsenter, so stopping or killing
 * sshd (a fault) never loses the host's view of its files.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { LabHost, LabRunResult } from "../types";
import { hostDir } from "./addresses";
import { DEFAULT_TIMEOUT_MS, pidAlive, runCommand, sleep } from "./proc";

/** Reads the script from fd 3 (scripts may hold secrets: never in argv), closes it, and runs it. */
const SCRIPT_FROM_FD3 = 'lab_script="$(cat <&3)"; exec 3<&-; eval "$lab_script"';
const PATH_USER = "/usr/local/bin:/usr/bin:/bin";
const PATH_ROOT = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** Paths of one host's private filesystem pieces, in the machine's root filesystem. */
export function hostFsDirs(fsRoot: string): { home: string; cron: string; shm: string } {
  return {
    home: path.join(fsRoot, "home"),
    cron: path.join(fsRoot, "etc", "cron.d"),
    shm: path.join(fsRoot, "dev", "shm"),
  };
}

function holderPidFile(root: string, ip: string): string {
  return path.join(hostDir(root, ip), "ns.pid");
}

function holderIdFile(root: string, ip: string): string {
  return path.join(hostDir(root, ip), "ns.id");
}

/** The name the namespace holder of `ip` shows in its command line. */
export function holderName(ip: string): string {
  return `hadr-lab-ns:${ip}`;
}

function readPid(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string[] {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
}

/** Mount namespace id (`mnt:[…]`) of a process, or undefined when it is gone. */
function mountNsOf(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/mnt`);
  } catch {
    return undefined;
  }
}

/** Pid of the host's namespace holder when it is alive (verified by its name, so a reused pid is not taken). */
export function holderPid(root: string, ip: string): number | undefined {
  const pid = readPid(holderPidFile(root, ip));
  if (pid === undefined || !pidAlive(pid)) return undefined;
  return cmdline(pid)[0] === holderName(ip) ? pid : undefined;
}

/** Creates the host's private dirs and starts its namespace holder unless it already runs; returns its pid. */
export async function ensureNamespace(root: string, host: LabHost): Promise<number> {
  const existing = holderPid(root, host.ip);
  if (existing !== undefined) return existing;
  const d = hostFsDirs(host.fsRoot);
  const script = [
    "set -e",
    'mount --bind "$1" /home',
    'mount --bind "$2" /etc/cron.d',
    'mount --bind "$3" /dev/shm',
    'exec -a "$4" sleep infinity',
  ].join("\n");
  const logFile = path.join(hostDir(root, host.ip), "ns.log");
  const log = fs.openSync(logFile, "a");
  const child = spawn(
    "unshare",
    [
      "--mount",
      "--propagation",
      "private",
      "--",
      "/bin/bash",
      "-c",
      script,
      "lab-ns",
      d.home,
      d.cron,
      d.shm,
      holderName(host.ip),
    ],
    { detached: true, stdio: ["ignore", log, log], cwd: "/" },
  );
  fs.closeSync(log);
  let exited: string | undefined;
  child.on("exit", (code, sig) => {
    exited = `exit ${code ?? sig}`;
  });
  child.unref();
  const pid = child.pid;
  if (!pid) throw new Error(`${host.ip}: cannot start unshare`);
  const deadline = Date.now() + 10_000;
  while (cmdline(pid)[0] !== holderName(host.ip)) {
    if (exited || Date.now() > deadline) {
      const tail = fs.readFileSync(logFile, "utf8").trim().split("\n").slice(-5).join(" | ");
      throw new Error(`${host.ip}: mount namespace setup failed (${exited ?? "timeout"}): ${tail}`);
    }
    await sleep(10);
  }
  fs.writeFileSync(holderPidFile(root, host.ip), `${pid}\n`);
  fs.writeFileSync(holderIdFile(root, host.ip), `${mountNsOf(pid) ?? ""}\n`);
  return pid;
}

/** Pids of every process (but the caller) whose mount namespace is the host's. */
export function processesInNamespace(root: string, ip: string): number[] {
  let id: string;
  try {
    id = fs.readFileSync(holderIdFile(root, ip), "utf8").trim();
  } catch {
    return [];
  }
  if (!id || id === mountNsOf(process.pid)) return [];
  const out: number[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    const pid = Number(name);
    if (pid !== process.pid && mountNsOf(pid) === id) out.push(pid);
  }
  return out;
}

/** Ends every process of the host's namespace (SIGTERM, then SIGKILL after `graceMs`), holder included. */
export async function destroyNamespace(root: string, ip: string, graceMs = 3000): Promise<number> {
  let pids = processesInNamespace(root, ip);
  const holder = holderPid(root, ip);
  if (holder !== undefined && !pids.includes(holder)) pids.push(holder);
  const count = pids.length;
  for (const p of pids) {
    try {
      process.kill(p, "SIGTERM");
    } catch {
      /* gone */
    }
  }
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    pids = pids.filter(pidAlive);
    if (pids.length === 0) break;
    await sleep(50);
  }
  for (const p of [...pids, ...processesInNamespace(root, ip)]) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  fs.rmSync(holderPidFile(root, ip), { force: true });
  return count;
}

/** What {@link runInHost} needs to know about the lab. */
export interface RunTarget {
  root: string;
  asRoot: boolean;
  host: LabHost;
}

/**
 * Runs `bash -c script` inside the host as `user`: as root through
 * `nsenter -t <holder> -m --wdns=<home> -- runuser -u <user> -- env -i … bash -c <read fd 3 and eval>` (the
 * script travels on fd 3, never in argv, since scripts may carry passwords); without root
 * directly as the current user, with HOME set to the host's private home of that user.
 * The environment is clean: HOME, USER, LOGNAME, SHELL, PATH, LANG, HADR_LAB_HOST, HADR_LAB_ROOT.
 */
export async function runInHost(
  t: RunTarget,
  user: string,
  script: string,
  opts: { timeoutMs?: number; input?: string } = {},
): Promise<LabRunResult> {
  const { host } = t;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!t.asRoot) {
    // The current user stands in for omm and kingbase; root is out of reach.
    const me = os.userInfo().username;
    if (user === "root" && me !== "root") {
      return {
        code: 1,
        stdout: "",
        stderr: "[lab] running as root inside a host needs the root lab: sudo -E npm run lab -- up\n",
      };
    }
    user = me;
    const home = path.join(hostFsDirs(host.fsRoot).home, user);
    return runCommand("/bin/bash", ["-c", SCRIPT_FROM_FD3], {
      timeoutMs,
      fd3: script,
      input: opts.input,
      cwd: fs.existsSync(home) ? home : "/",
      env: {
        HOME: home,
        USER: user,
        LOGNAME: user,
        SHELL: "/bin/bash",
        PATH: PATH_USER,
        LANG: "C.UTF-8",
        HADR_LAB_HOST: host.ip,
        HADR_LAB_ROOT: t.root,
      },
    });
  }
  const holder = holderPid(t.root, host.ip);
  if (holder === undefined) {
    return {
      code: 255,
      stdout: "",
      stderr: `[lab] host ${host.ip} is not up (no namespace holder); run lab up\n`,
    };
  }
  const home = user === "root" ? "/root" : `/home/${user}`;
  const wd = user === "root" || fs.existsSync(path.join(hostFsDirs(host.fsRoot).home, user)) ? home : "/";
  const envArgs = [
    `HOME=${home}`,
    `USER=${user}`,
    `LOGNAME=${user}`,
    "SHELL=/bin/bash",
    `PATH=${user === "root" ? PATH_ROOT : PATH_USER}`,
    "LANG=C.UTF-8",
    `HADR_LAB_HOST=${host.ip}`,
    `HADR_LAB_ROOT=${t.root}`,
  ];
  return runCommand(
    "nsenter",
    [
      "-t",
      String(holder),
      "-m",
      `--wdns=${wd}`,
      "--",
      "runuser",
      "-u",
      user,
      "--",
      "env",
      "-i",
      ...envArgs,
      "/bin/bash",
      "-c",
      SCRIPT_FROM_FD3,
    ],
    { timeoutMs, input: opts.input, fd3: script, env: { PATH: PATH_ROOT }, cwd: "/" },
  );
}

/**
 * How the emulated gs_sdr runs the helper commands: locally through `bash -c`, on peer hosts through `ssh`
 * as the OS user (OM's pssh/scp), sourcing the env file first. Secrets never go on an argv: locally they
 * travel in the environment, remotely on stdin (`read -r PGPASSWORD`).
 */

import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { shq } from "../../core/shell";
import { type OmBehaviour, omBehaviour, releaseOfVersionCfg, streamingBasePath } from "../release";

/** Result of one command. */
export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options of one command. */
export interface RunOpts {
  /** Extra environment (local) — for remote commands use `secretEnv`. */
  env?: Record<string, string>;
  /** Environment variables passed without touching argv (local: env; remote: stdin). */
  secretEnv?: Record<string, string>;
  /** Kill after this many ms (code 124). */
  timeoutMs?: number;
  /** Text written to stdin. */
  input?: string;
}

/** The gs_sdr process environment (§1.1). */
export interface SdrEnv {
  gphome: string;
  pghost: string;
  gausshome: string;
  gausslog: string;
  pguser: string;
  osUser: string;
  ipType: string;
  envFile: string;
  /** This host's address (`HADR_LAB_HOST`), '' when unknown. */
  localHost: string;
  labRoot: string;
  /** The installed OM release (line 1 of `$GPHOME/version.cfg`; `master` when absent or unknown). */
  release: string;
  /** What this release's gs_sdr does where releases differ. */
  om: OmBehaviour;
}

/** The OM release installed under `gphome` (version.cfg line 1 and its scripts), `master` when unreadable. */
function installedRelease(gphome: string): string {
  try {
    const base = fs.existsSync(streamingBasePath(gphome))
      ? fs.readFileSync(streamingBasePath(gphome), "utf8")
      : undefined;
    return releaseOfVersionCfg(fs.readFileSync(path.join(gphome, "version.cfg"), "utf8"), base) ?? "master";
  } catch {
    return "master";
  }
}

/** Reads the environment gs_sdr depends on. */
export function readEnv(): SdrEnv {
  const e = process.env;
  const osUser = (() => {
    try {
      return os.userInfo().username;
    } catch {
      return e["USER"] ?? "omm";
    }
  })();
  const home = os.homedir();
  const gphome = e["GPHOME"] ?? path.join(home, "om");
  const release = installedRelease(gphome);
  return {
    release,
    om: omBehaviour(release),
    gphome,
    pghost: e["PGHOST"] ?? path.join(home, "tmp"),
    gausshome: e["GAUSSHOME"] ?? path.join(home, "app"),
    gausslog: e["GAUSSLOG"] ?? path.join(home, "log"),
    pguser: e["PGUSER"] || osUser,
    osUser,
    ipType: e["IP_TYPE"] ?? "",
    envFile: e["MPPDB_ENV_SEPARATE_PATH"] || path.join(home, ".bashrc"),
    localHost: e["HADR_LAB_HOST"] ?? "",
    labRoot: e["HADR_LAB_ROOT"] ?? "",
  };
}

/** Upper bound of a remote command that names none (pssh's `-t` of OM's own hops is of this order). */
const DEFAULT_REMOTE_TIMEOUT_MS = 600_000;

function runProcess(cmd: string, args: string[], opts: RunOpts, env: NodeJS.ProcessEnv): Promise<CmdResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            child.kill("SIGKILL");
          }, opts.timeoutMs)
        : undefined;
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.on("error", (err) => {
      if (timer) clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: stderr + String(err) });
    });
    child.on("close", (code) => {
      if (timer) clearTimeout(timer);
      resolve({ code: timedOut ? 124 : (code ?? 1), stdout, stderr });
    });
    child.stdin.on("error", () => {});
    child.stdin.end(opts.input ?? "");
  });
}

/** Host-side helpers bound to one environment. */
export class Runner {
  private labPorts: Map<string, number> | undefined;

  /** Creates a runner for the given environment. */
  constructor(readonly env: SdrEnv) {}

  /** True when `host` is this machine's lab host (or a name of it). */
  isLocal(host: string): boolean {
    if (!host) return true;
    if (this.env.localHost) return host === this.env.localHost;
    return host === "127.0.0.1" || host === "localhost" || host === os.hostname();
  }

  /** Runs `bash -c cmd` on this host. */
  local(cmd: string, opts: RunOpts = {}): Promise<CmdResult> {
    return runProcess("bash", ["-c", cmd], opts, { ...process.env, ...opts.env, ...opts.secretEnv });
  }

  private sshPort(host: string): number | undefined {
    if (!this.labPorts) {
      this.labPorts = new Map();
      try {
        const info = JSON.parse(fs.readFileSync(path.join(this.env.labRoot, "lab.json"), "utf8")) as {
          clusters?: Record<string, { hosts?: Array<{ ip: string; sshPort: number }> }>;
        };
        for (const c of Object.values(info.clusters ?? {})) {
          for (const h of c.hosts ?? []) this.labPorts.set(h.ip, h.sshPort);
        }
      } catch {
        // no lab.json readable: rely on ~/.ssh/config
      }
    }
    return this.labPorts.get(host);
  }

  /** ssh argv for a peer host (BatchMode, the cluster trust key and known_hosts when the lab provides them). */
  sshArgs(host: string): string[] {
    // bounded hops: a dead peer fails the connect (5 s) or a silent session (3 keepalives 5 s apart)
    const args = [
      "-o",
      "BatchMode=yes",
      "-o",
      "ConnectTimeout=5",
      "-o",
      "ServerAliveInterval=5",
      "-o",
      "ServerAliveCountMax=3",
      "-o",
      "LogLevel=ERROR",
    ];
    if (this.env.labRoot) {
      const key = path.join(this.env.labRoot, "keys", "cluster_ed25519");
      const kh = path.join(this.env.labRoot, "keys", "known_hosts");
      try {
        fs.accessSync(key, fs.constants.R_OK);
        args.push("-i", key);
      } catch {
        // key from ~/.ssh/config
      }
      try {
        fs.accessSync(kh, fs.constants.R_OK);
        args.push("-o", `UserKnownHostsFile=${kh}`, "-o", "StrictHostKeyChecking=yes");
      } catch {
        // known_hosts from ~/.ssh/config
      }
    }
    const port = this.sshPort(host);
    if (port !== undefined) args.push("-p", String(port));
    args.push(`${this.env.osUser}@${host}`);
    return args;
  }

  /** Runs a command on `host` (locally when it is this host), sourcing the env file first on peers. */
  on(host: string, cmd: string, opts: RunOpts = {}): Promise<CmdResult> {
    if (this.isLocal(host)) return this.local(cmd, opts);
    const secret = opts.secretEnv ?? {};
    const names = Object.keys(secret);
    const reads = names.map((n) => `IFS= read -r ${n}; export ${n};`).join(" ");
    const input = names.map((n) => `${secret[n]}\n`).join("") + (opts.input ?? "");
    const remote = `${reads} source ${shq(this.env.envFile)} >/dev/null 2>&1; ${cmd}`;
    return runProcess(
      "ssh",
      [...this.sshArgs(host), remote],
      { ...opts, input, timeoutMs: opts.timeoutMs ?? DEFAULT_REMOTE_TIMEOUT_MS },
      process.env,
    );
  }

  /** Writes `content` to `file` on `host` (mode 0600), creating the parent directory. */
  async writeFile(host: string, file: string, content: string): Promise<CmdResult> {
    if (this.isLocal(host)) {
      try {
        fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
        fs.writeFileSync(file, content, { mode: 0o600 });
        fs.chmodSync(file, 0o600);
        return { code: 0, stdout: "", stderr: "" };
      } catch (e) {
        return { code: 1, stdout: "", stderr: String(e) };
      }
    }
    const dir = path.dirname(file);
    return this.on(host, `mkdir -p -m 755 ${shq(dir)} && cat > ${shq(file)} && chmod 600 ${shq(file)}`, {
      input: content,
      timeoutMs: 60000,
    });
  }

  /** Copies a local file or directory to the same or another path on `host` (scp -r). */
  async copyTo(host: string, src: string, dest: string): Promise<CmdResult> {
    if (this.isLocal(host)) {
      if (path.resolve(src) === path.resolve(dest)) return { code: 0, stdout: "", stderr: "" };
      return this.local(
        `mkdir -p ${shq(path.dirname(dest))} && rm -rf ${shq(dest)} && cp -rp ${shq(src)} ${shq(dest)}`,
      );
    }
    const tar = await this.local(
      `tar -C ${shq(path.dirname(src))} -cf - ${shq(path.basename(src))} | base64 -w0`,
    );
    if (tar.code !== 0) return tar;
    const tmp = `${dest}.tmp${process.pid}`;
    return this.on(
      host,
      `set -e; rm -rf ${shq(tmp)}; mkdir -p ${shq(tmp)}; base64 -d | tar -C ${shq(tmp)} -xf -; rm -rf ${shq(dest)}; mv ${shq(`${tmp}/${path.basename(src)}`)} ${shq(dest)}; rm -rf ${shq(tmp)}`,
      { input: tar.stdout, timeoutMs: 120000 },
    );
  }

  /** Copies a file or directory from `host` into a local path. */
  async copyFrom(host: string, src: string, dest: string): Promise<CmdResult> {
    if (this.isLocal(host)) {
      if (path.resolve(src) === path.resolve(dest)) return { code: 0, stdout: "", stderr: "" };
      return this.local(
        `mkdir -p ${shq(path.dirname(dest))} && rm -rf ${shq(dest)} && cp -rp ${shq(src)} ${shq(dest)}`,
      );
    }
    const r = await this.on(
      host,
      `tar -C ${shq(path.dirname(src))} -cf - ${shq(path.basename(src))} | base64 -w0`,
      {
        timeoutMs: 120000,
      },
    );
    if (r.code !== 0) return r;
    const tmp = `${dest}.tmp${process.pid}`;
    return this.local(
      `set -e; rm -rf ${shq(tmp)}; mkdir -p ${shq(tmp)}; base64 -d | tar -C ${shq(tmp)} -xf -; rm -rf ${shq(dest)}; mv ${shq(`${tmp}/${path.basename(src)}`)} ${shq(dest)}; rm -rf ${shq(tmp)}`,
      { input: r.stdout },
    );
  }
}

/** Sleeps `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Test fixture shared by every lab and end-to-end test: bring the lab up, drive its CLI, and run commands
 * on its hosts over real SSH (ssh2, host key pinned against lab.json).
 *
 * The lab location follows the test process's environment (HADR_LAB_ROOT, HADR_LAB_NET), like the CLI.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Client } from "ssh2";
import { labRootFromEnv } from "./core/addresses";
import type { JumpInfo } from "./core/jump";
import { fingerprintOfBlob } from "./core/keys";
import type { LabInfo, LabRunResult } from "./types";

/** Path of the compiled lab CLI (next to this file in lab/dist/src). */
const LAB_CLI = path.join(__dirname, "cli.js");

/**
 * Runs the lab CLI (`node lab/dist/src/cli.js …args`) with this process's environment and resolves with
 * its exit code and output (never rejects on a non-zero exit). Bounded: after `timeoutMs` (default 15 min
 * for `up`, which may install packages, 5 min otherwise) the child is killed and the result is code 124.
 */
export function labCli(
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<LabRunResult> {
  const timeoutMs = opts.timeoutMs ?? (args[0] === "up" ? 900_000 : 300_000);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [LAB_CLI, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
      env: opts.env ?? process.env,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const stderr = Buffer.concat(err).toString("utf8");
      resolve({
        code: timedOut ? 124 : (code ?? (signal ? 128 : 1)),
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: timedOut ? `${stderr}\nlab ${args.join(" ")}: killed after ${timeoutMs} ms\n` : stderr,
      });
    });
  });
}

/**
 * Brings the lab up (`lab up`: idempotent, about a second when already up) and returns lab.json.
 * `engines`: engines whose provisioners must run (default: all; `[]` brings up only the hosts). Engines
 * provisioned by an earlier `up` stay provisioned. Throws with the CLI's output when `up` fails.
 */
export async function ensureLab(
  opts: {
    engines?: string[];
    nodes?: number;
    /** openGauss DR pairs (`--pairs`): 2 adds clusters C and D, 1 removes them; default unchanged. */
    pairs?: number;
    portBase?: number;
    omVersion?: OmVersionChoice;
  } = {},
): Promise<LabInfo> {
  const args = ["up"];
  if (opts.omVersion !== undefined) args.push("--om-version", omVersionArg(opts.omVersion));
  if (opts.engines) args.push("--engines", opts.engines.length ? opts.engines.join(",") : "none");
  if (opts.nodes !== undefined) args.push("--nodes", String(opts.nodes));
  if (opts.pairs !== undefined) args.push("--pairs", String(opts.pairs));
  if (opts.portBase !== undefined) args.push("--port-base", String(opts.portBase));
  const r = await labCli(args);
  if (r.code !== 0) throw new Error(`lab ${args.join(" ")} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  const file = r.stdout.trim().split("\n").pop() ?? "";
  return JSON.parse(fs.readFileSync(file, "utf8")) as LabInfo;
}

/**
 * An emulated openGauss-OM release choice: one release for every openGauss cluster (`"5.0.3"`, `"master"`, …)
 * or per cluster (`{ A: "5.0.3", B: "master" }`; clusters not named keep theirs).
 */
export type OmVersionChoice = string | Record<string, string>;

function omVersionArg(v: OmVersionChoice): string {
  return typeof v === "string"
    ? v
    : Object.entries(v)
        .map(([c, r]) => `${c}=${r}`)
        .join(",");
}

/**
 * Switches the running lab's openGauss clusters to another emulated OM release (`lab om-version`): rewrites
 * version.cfg and the env file on their hosts, no re-provisioning (well under a second per cluster). The
 * next gs_sdr run behaves as that release. Returns the updated lab.json; throws when the CLI fails.
 */
export async function setOmVersion(v: OmVersionChoice): Promise<LabInfo> {
  const r = await labCli(["om-version", omVersionArg(v)], { timeoutMs: 120_000 });
  if (r.code !== 0)
    throw new Error(`lab om-version ${omVersionArg(v)} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  return JSON.parse(fs.readFileSync(path.join(labRootFromEnv(), "lab.json"), "utf8")) as LabInfo;
}

export type { JumpInfo } from "./core/jump";

/**
 * `lab jump on <cluster>`: a jump host that alone reaches the cluster's sshd (a firewall refuses every other
 * process of the machine, this one included, with "No route to host"). Undo with {@link jumpOff} (or `reset`).
 */
export async function jumpOn(cluster: string): Promise<JumpInfo> {
  const r = await labCli(["jump", "on", cluster], { timeoutMs: 600_000 });
  if (r.code !== 0)
    throw new Error(`lab jump on ${cluster} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  return JSON.parse(r.stdout.trim().split("\n").pop() ?? "") as JumpInfo;
}

/** `lab jump off`: the firewall and the jump host gone. */
export async function jumpOff(): Promise<void> {
  const r = await labCli(["jump", "off"], { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`lab jump off failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
}

/**
 * Powers one lab host off (`lab fault host-down`: unreachable at once, its processes frozen) or back on
 * (`host-up`: killed for real, reachable, sshd and the engine's daemons booted). `host` is an address or a
 * host name. Resolves with the CLI's one-line description; throws when the CLI fails.
 */
export async function hostPower(state: "down" | "up", host: string): Promise<string> {
  const r = await labCli(["fault", `host-${state}`, host], { timeoutMs: 120_000 });
  if (r.code !== 0)
    throw new Error(`lab fault host-${state} ${host} failed (exit ${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

/** Finds a host of the lab by address or host name, with its ssh port and pinned fingerprint. */
export function labHost(
  lab: LabInfo,
  ipOrName: string,
): { ip: string; name: string; sshPort: number; hostKey: string } {
  for (const c of Object.values(lab.clusters)) {
    const h = c.hosts.find((x) => x.ip === ipOrName || x.name === ipOrName);
    if (h) return h;
  }
  throw new Error(`${ipOrName} is not a host of the lab at ${lab.root}`);
}

/** Options of {@link sshExec}. */
export interface SshExecOptions {
  /** Overall timeout (connect + command), default 60 s; always applied (the session is destroyed). */
  timeoutMs?: number;
  /** Written to the command's stdin. */
  input?: string;
  /** Private key to log in with (default: lab.clientKeyPath). */
  privateKeyPath?: string;
}

/**
 * Runs `command` on a lab host as `user` over SSH with the lab's client key, verifying that the host key
 * the server presents has the fingerprint recorded in lab.json. Resolves with the exit code (255 when
 * the connection or authentication fails, like ssh(1)) and the output.
 */
export function sshExec(
  lab: LabInfo,
  ip: string,
  user: string,
  command: string,
  opts: SshExecOptions = {},
): Promise<LabRunResult> {
  const host = labHost(lab, ip);
  const timeoutMs = opts.timeoutMs ?? 60_000;
  return new Promise((resolve) => {
    const conn = new Client();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let presented = "";
    let done = false;
    const finish = (r: LabRunResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      // destroy, not end: a peer that went silent (site-down) would keep an ended socket open
      conn.destroy();
      resolve(r);
    };
    const fail = (why: string) =>
      finish({
        code: 255,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: `${Buffer.concat(err)}${why}\n`,
      });
    const timer = setTimeout(
      () => fail(`ssh ${user}@${host.ip}: timed out after ${timeoutMs} ms`),
      timeoutMs,
    );
    conn.on("ready", () => {
      conn.exec(command, (e, stream) => {
        if (e) return fail(`ssh ${user}@${host.ip}: exec failed: ${e.message}`);
        let code = 255;
        stream.on("data", (b: Buffer) => out.push(b));
        stream.stderr.on("data", (b: Buffer) => err.push(b));
        stream.on("exit", (c: number | null, signal?: string) => {
          code = c ?? (signal ? 128 : 255);
        });
        stream.on("close", () =>
          finish({
            code,
            stdout: Buffer.concat(out).toString("utf8"),
            stderr: Buffer.concat(err).toString("utf8"),
          }),
        );
        stream.end(opts.input ?? "");
      });
    });
    conn.on("error", (e) =>
      fail(
        presented && presented !== host.hostKey
          ? `ssh ${user}@${host.ip}: host key ${presented} does not match lab.json ${host.hostKey}`
          : `ssh ${user}@${host.ip}: ${e.message}`,
      ),
    );
    conn.connect({
      host: host.ip,
      port: host.sshPort,
      username: user,
      privateKey: fs.readFileSync(opts.privateKeyPath ?? lab.clientKeyPath),
      readyTimeout: Math.min(timeoutMs, 20_000),
      // a silent peer (frozen host, cut network) is dropped after 3 unanswered keepalives 5 s apart
      keepaliveInterval: 5_000,
      keepaliveCountMax: 3,
      hostVerifier: (key: Buffer) => {
        presented = fingerprintOfBlob(key);
        return presented === host.hostKey;
      },
    });
  });
}

import { createHash } from "node:crypto";
import type { Client, ClientChannel, ConnectConfig } from "ssh2";
import { DeadlineError, HostKeyError, RemoteCommandError, SshAuthError, SshConnectError } from "../errors";
import type { Redactor } from "./redact";

/** What every hop has: where it is, who logs in, with what, within which deadline. */
interface HopBase {
  host: string;
  port: number;
  username: string;
  /** Private key text; absent when the login authenticates with its agent only. */
  privateKey?: string;
  passphrase?: string;
  /** ssh-agent socket to authenticate with (besides or instead of the key). */
  agent?: string;
  /** TCP connect + handshake deadline. */
  connectTimeoutMs: number;
}

/** A jump host a target is reached through (`direct-tcpip` from there, as `ssh -J` does). */
export interface SshJump extends HopBase {
  /** Pinned `SHA256:...` host-key fingerprint of the jump host (always verified). */
  hostKey: string;
}

/** Where and how to log in. Secrets (privateKey, passphrase) are only ever handed to ssh2. */
export interface SshTarget extends HopBase {
  /** Jump host the connection goes through. */
  proxy?: SshJump;
  /** Pinned `SHA256:...` host-key fingerprint; required unless `insecure`. */
  hostKey?: string;
  /** Skip host-key verification (explicit opt-out only). */
  insecure?: boolean;
  /** Cluster name, for error locations. */
  cluster?: string;
}

/** A prompt the remote command may print on its PTY, and the line to answer with. */
interface PromptAnswer {
  /** Matched against the output written since the previous answer. */
  match: RegExp;
  /** Sent followed by a newline; never logged. */
  answer: string;
}

/** How to run one remote command. */
export interface ExecOptions {
  /** Our own deadline; the remote command is signalled and the channel closed when it passes. */
  timeoutMs: number;
  /** Data written to the command's stdin, then stdin is closed (when there are no prompts). */
  stdin?: string;
  /** Allocate a PTY (needed for tools that read passwords with getpass); stdout and stderr merge. */
  pty?: boolean;
  /** Prompts to answer (implies a PTY). */
  prompts?: PromptAnswer[];
  /** Called for every complete stdout line, already redacted. */
  onLine?: (line: string) => void;
  /** Name of the step, for error locations. */
  step?: string;
  /**
   * At the deadline: `kill` (default) signals the command and closes the channel; `detach` only closes the
   * channel, for commands that are made to survive the hang-up and must never be killed half-way.
   */
  onDeadline?: "kill" | "detach";
}

/** Result of a remote command; outputs are redacted. */
export interface ExecResult {
  code: number | null;
  signal: string | undefined;
  stdout: string;
  stderr: string;
}

/** `SHA256:<base64, no padding>` of an SSH public key blob, as OpenSSH prints it. */
function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

/** One hop to connect: a node, or the jump host in front of it. */
export interface Hop extends HopBase {
  hostKey?: string;
  insecure?: boolean;
  /** Error location. */
  where: { cluster?: string; node: string; step: string };
  /** Where the user fixes this hop's settings, for hints. */
  settings: { hostKey: string; user: string; key: string };
  /** An open channel to the host (through a jump host); a direct TCP connection otherwise. */
  sock?: ClientChannel;
}

/** The hint of each connect failure, naming the hop's own settings. */
function hints(hop: Hop) {
  return {
    hostKey: `The host may have been reinstalled or another host answers at this address. Verify it, then update ${hop.settings.hostKey}.`,
    auth: `Check ${hop.settings.user} and ${hop.settings.key}.`,
    connect: `Check the address and port of ${hop.host} in the inputs and that sshd answers there.`,
    key: `${hop.settings.key} must be an OpenSSH or PEM private key (ed25519, ecdsa or rsa); give its passphrase next to it if it is encrypted.`,
  };
}

/** The error for a hop whose host key is not pinned (and verification not waived), else undefined. */
function unpinnedError(hop: Hop): HostKeyError | undefined {
  if (hop.insecure || hop.hostKey) return undefined;
  return new HostKeyError(`no host key pinned for ${hop.host}`, {
    where: hop.where,
    hint: `Add its \`SHA256:…\` fingerprint to ${hop.settings.hostKey} (ssh-keyscan HOST | ssh-keygen -lf -), or set ssh.insecure: true.`,
  });
}

/**
 * Connects one hop and verifies its host key, within its deadline; every failure is a typed error naming the
 * host (host key, authentication, connection). The client is ended on failure.
 */
export function connectHop(hop: Hop, redactor: Redactor): Promise<Client> {
  const { Client: SshClient } = require("ssh2") as typeof import("ssh2");
  const where = hop.where;
  const hint = hints(hop);
  const unpinned = unpinnedError(hop);
  if (unpinned) return Promise.reject(unpinned);
  const client = new SshClient();
  let presented: string | undefined;
  const config: ConnectConfig = {
    host: hop.host,
    port: hop.port,
    username: hop.username,
    readyTimeout: hop.connectTimeoutMs,
    keepaliveInterval: 10_000,
    keepaliveCountMax: 3,
    hostVerifier: (key: Buffer) => {
      presented = fingerprintOf(key);
      return hop.insecure === true || presented === hop.hostKey;
    },
  };
  if (hop.privateKey !== undefined) config.privateKey = hop.privateKey;
  if (hop.passphrase !== undefined) config.passphrase = hop.passphrase;
  if (hop.agent !== undefined) config.agent = hop.agent;
  if (hop.sock !== undefined) config.sock = hop.sock;
  return new Promise<Client>((resolve, reject) => {
    const timer = setTimeout(() => {
      client.end();
      reject(
        new SshConnectError(
          `timed out after ${hop.connectTimeoutMs} ms connecting to ${hop.host}:${hop.port}`,
          {
            where,
          },
        ),
      );
    }, hop.connectTimeoutMs + 1000);
    client.once("ready", () => {
      clearTimeout(timer);
      resolve(client);
    });
    client.once("error", (err: Error & { level?: string }) => {
      clearTimeout(timer);
      client.end();
      const msg = redactor.redact(err.message);
      if (presented !== undefined && !hop.insecure && presented !== hop.hostKey) {
        reject(
          new HostKeyError(`host key of ${hop.host} is ${presented}, expected ${hop.hostKey}`, {
            where,
            hint: hint.hostKey,
          }),
        );
      } else if (err.level === "client-authentication") {
        reject(
          new SshAuthError(`${hop.username}@${hop.host} refused our key: ${msg}`, { where, hint: hint.auth }),
        );
      } else if (err.level === "agent") {
        reject(
          new SshAuthError(`the ssh-agent for ${hop.username}@${hop.host} failed: ${msg}`, {
            where,
            hint: `Check that the agent runs and holds a key for this login (ssh-add -l); ${hint.auth}`,
          }),
        );
      } else {
        reject(
          new SshConnectError(`cannot reach ${hop.host}:${hop.port}: ${msg}`, {
            where,
            cause: undefined,
            hint: hint.connect,
          }),
        );
      }
    });
    try {
      client.connect(config);
    } catch (err) {
      clearTimeout(timer);
      // ssh2 throws synchronously when it cannot parse the key (wrong format, missing passphrase).
      reject(
        new SshAuthError(
          `cannot use the private key for ${hop.host}: ${redactor.redact((err as Error).message)}`,
          {
            where,
            hint: hint.key,
          },
        ),
      );
    }
  });
}

/** Opens a channel from a connected jump host to a target, within the target's connect deadline. */
export interface JumpChannels {
  channel(target: SshTarget): Promise<ClientChannel>;
}

/** What a session needs of a connected ssh2 client: start a command, hang up. */
export type ExecClient = Pick<Client, "exec" | "end">;

/** One SSH connection to one host, used for every command of one operation and then closed. */
export class SshSession {
  private closed = false;

  /** A session over a connected client ({@link SshSession.open} connects one and verifies its host key). */
  constructor(
    private readonly client: ExecClient,
    /** The target this session is connected to. */
    readonly target: SshTarget,
    private readonly redactor: Redactor,
  ) {}

  /**
   * Connects and verifies the host key; throws a typed error naming the host on any failure. A target with a
   * `proxy` is reached through a channel from `jumps` (shared jump-host connections of the operation).
   */
  static async open(target: SshTarget, redactor: Redactor, jumps?: JumpChannels): Promise<SshSession> {
    const step = target.proxy ? `ssh connect via ${target.proxy.host}` : "ssh connect";
    const hop: Hop = {
      ...target,
      where: { cluster: target.cluster, node: target.host, step },
      settings: {
        hostKey: "ssh.hostKeys",
        user: "ssh.user",
        key: "the key given in sshKey (or its per-cluster/per-node override) or ssh.agent",
      },
    };
    if (target.proxy) {
      if (!jumps) throw new Error("internal: a target with a jump host needs the fleet's jump connections");
      const unpinned = unpinnedError(hop);
      if (unpinned) throw unpinned;
      hop.sock = await jumps.channel(target);
    }
    const client = await connectHop(hop, redactor);
    return new SshSession(client, target, redactor);
  }

  /** Runs `command` (a shell command line with no secrets in it) and collects its redacted output. */
  exec(command: string, opts: ExecOptions): Promise<ExecResult> {
    const where = { cluster: this.target.cluster, node: this.target.host, step: opts.step };
    const usePty = opts.pty === true || (opts.prompts?.length ?? 0) > 0;
    return new Promise<ExecResult>((resolve, reject) => {
      this.client.exec(
        command,
        usePty ? { pty: { term: "dumb", cols: 200, rows: 50 } } : {},
        (err, stream) => {
          if (err) {
            reject(
              new SshConnectError(
                `cannot start a command on ${this.target.host}: ${this.redactor.redact(err.message)}`,
                { where },
              ),
            );
            return;
          }
          this.drive(stream, opts, usePty, where, resolve, reject);
        },
      );
    });
  }

  private drive(
    stream: ClientChannel,
    opts: ExecOptions,
    usePty: boolean,
    where: { cluster?: string; node: string; step?: string },
    resolve: (r: ExecResult) => void,
    reject: (e: Error) => void,
  ): void {
    let stdout = "";
    let stderr = "";
    let pending = "";
    let sincePrompt = "";
    const prompts = [...(opts.prompts ?? [])];
    let settled = false;
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      if (opts.onDeadline !== "detach") {
        try {
          stream.signal("KILL");
        } catch {
          // the server may not support signals; closing the channel hangs up the session
        }
      }
      stream.close();
      reject(
        new DeadlineError(`no result after ${Math.round(opts.timeoutMs / 1000)} s`, {
          where,
          hint: "The remote command may still be running; the next `pulumi up` checks its state before acting.",
        }),
      );
    }, opts.timeoutMs);

    const emitLines = (final: boolean) => {
      const parts = pending.split(/\r?\n/);
      pending = final ? "" : (parts.pop() ?? "");
      for (const line of final ? parts.filter((l, i) => l !== "" || i < parts.length - 1) : parts) {
        opts.onLine?.(this.redactor.redact(line.replace(/\r$/, "")));
      }
    };

    stream.on("data", (chunk: Buffer) => {
      const text = chunk.toString("utf8");
      stdout += text;
      pending += text;
      sincePrompt += text;
      const next = prompts[0];
      if (next?.match.test(sincePrompt)) {
        prompts.shift();
        sincePrompt = "";
        stream.write(`${next.answer}\n`);
        if (prompts.length === 0 && opts.stdin === undefined && !usePty) stream.end();
      }
      emitLines(false);
    });
    stream.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString("utf8");
    });
    stream.on("close", (code: number | null, signal?: string) => {
      clearTimeout(timer);
      emitLines(true);
      if (settled) return;
      settled = true;
      resolve({
        code: code ?? null,
        signal,
        stdout: this.redactor.redact(stdout),
        stderr: this.redactor.redact(stderr),
      });
    });
    if (opts.stdin !== undefined) {
      stream.write(opts.stdin);
      stream.end();
    } else if (!usePty) {
      stream.end();
    }
  }

  /** Runs `command` and throws a {@link RemoteCommandError} unless it exits 0; returns stdout. */
  async run(command: string, opts: ExecOptions): Promise<string> {
    const r = await this.exec(command, opts);
    if (r.code !== 0) {
      const detail = (r.stderr.trim() || r.stdout.trim()).split("\n").slice(-5).join(" | ");
      throw new RemoteCommandError(
        `\`${this.redactor.redact(command)}\` exited ${r.code ?? r.signal}: ${detail}`,
        r.code,
        {
          where: { cluster: this.target.cluster, node: this.target.host, step: opts.step },
        },
      );
    }
    return r.stdout;
  }

  /** Closes the connection; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.end();
  }
}

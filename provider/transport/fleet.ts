import { HadrError, InternalError } from "../errors";
import { JumpPool } from "./jump";
import { Redactor } from "./redact";
import { type JumpChannels, SshSession, type SshTarget } from "./ssh";

/** Opens one SSH session (the transport's, or a stand-in in tests); `jumps` reaches targets behind a jump host. */
export type Opener = (target: SshTarget, redactor: Redactor, jumps?: JumpChannels) => Promise<SshSession>;

/**
 * Connects, retrying a retryable failure (refused, reset) that came back fast, within the target's connect
 * timeout: a host that is really gone still costs one timeout, a blip (sshd restarting, a dropped SYN
 * under load) costs a retry. The last error is thrown.
 */
export async function connectWithRetry(
  target: SshTarget,
  redactor: Redactor,
  open: Opener = SshSession.open,
  jumps?: JumpChannels,
): Promise<SshSession> {
  const end = Date.now() + target.connectTimeoutMs;
  for (let attempt = 1; ; attempt += 1) {
    const started = Date.now();
    try {
      return await open(target, redactor, jumps);
    } catch (err) {
      const fast = Date.now() - started < target.connectTimeoutMs / 2;
      const pause = 250 * attempt;
      const retry = err instanceof HadrError && err.retryable && fast && attempt < 4;
      if (!retry || Date.now() + pause >= end) throw err;
      await new Promise((r) => setTimeout(r, pause));
    }
  }
}

/** The outcome of work on one host of a fleet. */
export type HostOutcome<T> =
  | { host: string; ok: true; value: T }
  | { host: string; ok: false; error: unknown };

/**
 * One SSH connection per host for the duration of one operation. Connections are opened lazily and in
 * parallel (a fast retryable failure is retried within the connect timeout), reused by every command of the
 * operation, and all closed by {@link Fleet.close}. Targets behind a jump host share one connection to it.
 */
export class Fleet {
  private readonly sessions = new Map<string, Promise<SshSession>>();
  private readonly jumps: JumpPool;

  constructor(
    private readonly targets: Map<string, SshTarget>,
    /** Masks secrets in everything that comes back. */
    readonly redactor: Redactor,
    private readonly open: Opener = SshSession.open,
  ) {
    this.jumps = new JumpPool(redactor);
  }

  /** Key of a target: `user@host:port`. */
  static key(t: Pick<SshTarget, "host" | "port" | "username">): string {
    return `${t.username}@${t.host}:${t.port}`;
  }

  /** The session for a target (by {@link Fleet.key} or by host alone when unambiguous), opened on first use. */
  session(host: string): Promise<SshSession> {
    const key = this.resolve(host);
    let s = this.sessions.get(key);
    if (!s) {
      const target = this.targets.get(key)!;
      s = connectWithRetry(target, this.redactor, this.open, this.jumps);
      // A failed connection is not cached: a later call may retry it.
      s.catch(() => this.sessions.delete(key));
      this.sessions.set(key, s);
    }
    return s;
  }

  /** Runs `fn` on every listed host in parallel and returns each host's outcome (never throws). */
  async each<T>(hosts: string[], fn: (s: SshSession, host: string) => Promise<T>): Promise<HostOutcome<T>[]> {
    return Promise.all(
      hosts.map(async (host): Promise<HostOutcome<T>> => {
        try {
          const s = await this.session(host);
          return { host, ok: true, value: await fn(s, host) };
        } catch (error) {
          return { host, ok: false, error };
        }
      }),
    );
  }

  /** Like {@link each} but throws the first failure (by host order) after all hosts finished. */
  async all<T>(hosts: string[], fn: (s: SshSession, host: string) => Promise<T>): Promise<T[]> {
    const out = await this.each(hosts, fn);
    const failed = out.find((o) => !o.ok);
    if (failed && !failed.ok) throw failed.error;
    return out.map((o) => (o as { value: T }).value);
  }

  /** Closes every open session. */
  async close(): Promise<void> {
    const open = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(open.map((p) => p.then((s) => s.close()).catch(() => undefined)));
    this.jumps.close();
  }

  private resolve(host: string): string {
    if (this.targets.has(host)) return host;
    const matches = [...this.targets.values()].filter((t) => t.host === host).map((t) => Fleet.key(t));
    if (matches.length !== 1)
      throw new InternalError(`host ${host} is ${matches.length ? "ambiguous" : "unknown"} in this fleet`);
    return matches[0]!;
  }
}

/** Builds a fleet from targets, with a redactor that masks every target's key material plus `secrets`. */
export function fleetOf(targets: SshTarget[], secrets: Array<string | undefined>): Fleet {
  const map = new Map(targets.map((t) => [Fleet.key(t), t] as const));
  const redactor = new Redactor([
    ...targets.flatMap((t) => [t.privateKey, t.passphrase, t.proxy?.privateKey, t.proxy?.passphrase]),
    ...secrets,
  ]);
  return new Fleet(map, redactor);
}

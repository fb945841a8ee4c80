/**
 * A fake remote fleet for the effects' unit tests: the real {@link Fleet} and {@link SshSession} code (deadlines,
 * PTY prompt answers, redaction, exit-code checks) over a stand-in ssh2 client whose channels are answered by
 * scripted hosts. It records every command per host with what went to its stdin (so a test can assert that no
 * secret is ever in a command line), serves scripted outputs, and stages failures: a host that does not answer
 * SSH, a command that exits non-zero, a command that never ends (the caller's deadline then fires).
 */
import { EventEmitter } from "node:events";
import { SshConnectError } from "../../../provider/errors";
import { Fleet } from "../../../provider/transport/fleet";
import { Redactor } from "../../../provider/transport/redact";
import { type ExecClient, SshSession, type SshTarget } from "../../../provider/transport/ssh";

/** One command as a host received it. */
export interface ExecRecord {
  /** Order in which commands started, over the whole fake fleet. */
  seq: number;
  /** Order in which they ended (the counter is shared with `seq`); undefined while running. */
  endSeq?: number;
  host: string;
  user: string;
  /** The command line exactly as sent (what `ps` on the host would show). */
  command: string;
  /** Everything written to the channel: stdin, and the answers to prompts. */
  stdin: string;
  pty: boolean;
  /** Set when the caller gave up on it (its deadline): the signal it sent, or `close` for a hang-up only. */
  abandoned?: string;
}

/** What a scripted command answers. */
export interface Reply {
  code?: number;
  stdout?: string;
  stderr?: string;
}

/** A running command as its handler sees it. */
export interface Channel {
  readonly record: ExecRecord;
  /** Writes to the command's output (stdout; on a PTY everything goes there). */
  print(text: string): void;
  /** Prints `prompt` and waits (bounded) for the next line written to the channel; returns it without `\n`. */
  ask(prompt: string): Promise<string>;
  /** Waits (bounded) until the caller closed stdin; returns everything written. */
  stdin(): Promise<string>;
}

/** `"hang"`: the command never ends on its own. `undefined`: not this handler's command. */
type Answer = Reply | "hang" | undefined;

/** Answers a command; a handler that throws ends the command with exit 127 and the error on stderr. */
export type Handler = (command: string, ch: Channel) => Answer | Promise<Answer>;

const WAIT_MS = 5000;

/** Resolves when `ready()` holds, polling briefly; rejects after {@link WAIT_MS}. */
async function until(ready: () => boolean, what: string): Promise<void> {
  const end = Date.now() + WAIT_MS;
  while (!ready()) {
    if (Date.now() > end) throw new Error(`fake host: gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** A scripted host: handlers tried newest first, then `fallback`. */
export class FakeHost {
  /** When set, connecting fails as an unreachable host does ({@link SshConnectError} with this text). */
  down: string | null = null;
  private readonly handlers: Handler[] = [];

  constructor(readonly address: string) {}

  /** Adds a handler; handlers added later are tried first (so a test can override a default). */
  on(handler: Handler): this {
    this.handlers.unshift(handler);
    return this;
  }

  /** Answers commands that match `pattern` with `reply` (a staged exit code, output or hang). */
  when(pattern: RegExp, reply: Reply | "hang"): this {
    return this.on((cmd) => (pattern.test(cmd) ? reply : undefined));
  }

  /** The handlers' answer to a command; an unscripted command exits 127. */
  async answer(command: string, ch: Channel): Promise<Reply | "hang"> {
    for (const h of this.handlers) {
      const a = await h(command, ch);
      if (a !== undefined) return a;
    }
    return { code: 127, stderr: `fake host ${this.address}: not scripted: ${command}` };
  }
}

/** A stand-in for a connected channel: what `SshSession` drives (data, stderr, write, end, signal, close). */
class FakeStream extends EventEmitter {
  readonly stderr = new EventEmitter();
  written = "";
  ended = false;
  closed = false;

  constructor(readonly record: ExecRecord) {
    super();
  }

  write(data: string | Buffer): boolean {
    this.written += data.toString();
    this.record.stdin = this.written;
    return true;
  }

  end(): this {
    this.ended = true;
    return this;
  }

  signal(name: string): void {
    this.record.abandoned = name;
  }

  close(): void {
    this.record.abandoned ??= "close";
    this.finish(null);
  }

  finish(code: number | null): void {
    if (this.closed) return;
    this.closed = true;
    this.emit("close", code);
  }
}

/** A fleet of fake hosts, with the log of every command they ran. */
export class FakeRemote {
  /** Every command, in the order they started. */
  readonly log: ExecRecord[] = [];
  /** Every login opened (`user@host:port`), in order, failed ones included. */
  readonly logins: string[] = [];
  private readonly hosts = new Map<string, FakeHost>();
  private counter = 0;

  /** The host at `address` (created on first use). */
  host(address: string): FakeHost {
    let h = this.hosts.get(address);
    if (!h) {
      h = new FakeHost(address);
      this.hosts.set(address, h);
    }
    return h;
  }

  /**
   * A real {@link Fleet} over these hosts for the given logins (`user@host:port`, as {@link Fleet.key} makes
   * them), masking `secrets` as production fleets do. Connecting to a `down` host fails within a second.
   */
  fleet(logins: string[], secrets: Array<string | undefined> = []): Fleet {
    const targets = logins.map((key): SshTarget => {
      const m = /^(.+)@(.+):(\d+)$/.exec(key);
      if (!m) throw new Error(`fake fleet: login ${key} is not user@host:port`);
      return { username: m[1]!, host: m[2]!, port: Number(m[3]), connectTimeoutMs: 1000, insecure: true };
    });
    const redactor = new Redactor(secrets);
    return new Fleet(new Map(targets.map((t) => [Fleet.key(t), t] as const)), redactor, async (t, r) => {
      this.logins.push(Fleet.key(t));
      const host = this.host(t.host);
      if (host.down !== null) {
        throw new SshConnectError(`cannot reach ${t.host}:${t.port}: ${host.down}`, {
          where: { node: t.host, step: "ssh connect" },
        });
      }
      return new SshSession(this.client(host, t), t, r);
    });
  }

  /** The commands a host ran, in order (the env-file prefix of openGauss commands kept). */
  commands(address?: string): string[] {
    return this.log.filter((r) => address === undefined || r.host === address).map((r) => r.command);
  }

  private client(host: FakeHost, target: SshTarget): ExecClient {
    const exec = (
      command: string,
      options: { pty?: unknown },
      cb: (err: Error | undefined, s: unknown) => void,
    ) => {
      const record: ExecRecord = {
        seq: ++this.counter,
        host: host.address,
        user: target.username,
        command,
        stdin: "",
        pty: options.pty !== undefined,
      };
      this.log.push(record);
      const stream = new FakeStream(record);
      cb(undefined, stream);
      setImmediate(() => void this.run(host, command, stream));
      return client;
    };
    const client = { exec, end: () => undefined } as unknown as ExecClient;
    return client;
  }

  private async run(host: FakeHost, command: string, stream: FakeStream): Promise<void> {
    let consumed = 0;
    const ch: Channel = {
      record: stream.record,
      print: (text) => {
        if (!stream.closed) stream.emit("data", Buffer.from(text, "utf8"));
      },
      ask: async (prompt) => {
        ch.print(prompt);
        await until(
          () => stream.written.indexOf("\n", consumed) >= 0 || stream.closed,
          `an answer to "${prompt}"`,
        );
        const nl = stream.written.indexOf("\n", consumed);
        const line = stream.written.slice(consumed, nl);
        consumed = nl + 1;
        return line;
      },
      stdin: async () => {
        await until(() => stream.ended || stream.closed, "stdin to be closed");
        return stream.written;
      },
    };
    let reply: Reply | "hang";
    try {
      reply = await host.answer(command, ch);
    } catch (e) {
      reply = { code: 127, stderr: String(e) };
    }
    if (reply === "hang" || stream.closed) return;
    if (reply.stdout) ch.print(reply.stdout);
    if (reply.stderr) {
      if (stream.record.pty) ch.print(reply.stderr);
      else stream.stderr.emit("data", Buffer.from(reply.stderr, "utf8"));
    }
    stream.record.endSeq = ++this.counter;
    stream.finish(reply.code ?? 0);
  }
}

/** The records of two commands overlapped in time (each started before the other ended). */
export function overlapped(a: ExecRecord, b: ExecRecord): boolean {
  return a.seq < (b.endSeq ?? Number.POSITIVE_INFINITY) && b.seq < (a.endSeq ?? Number.POSITIVE_INFINITY);
}

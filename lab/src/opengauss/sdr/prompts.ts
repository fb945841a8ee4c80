/**
 * Interactive credentials (§1.4, `params.__reload_hadr_user_info`): `input()` for the user name and two
 * `getpass` prompts for the password, read from the TTY with echo off (stdin in raw mode when it is a TTY,
 * else plain lines from stdin like getpass's fallback).
 */
import { LogExit } from "./errors";

/** Reads lines from stdin, echoing or not, in TTY raw mode or from a pipe. */
export class StdinReader {
  private buf = "";
  private ended = false;
  private skipLf = false;
  private waiter: (() => void) | undefined;
  private started = false;

  private start(): void {
    if (this.started) return;
    this.started = true;
    process.stdin.on("data", (d: Buffer | string) => {
      this.buf += d.toString();
      this.waiter?.();
    });
    process.stdin.on("end", () => {
      this.ended = true;
      this.waiter?.();
    });
  }

  private wait(): Promise<void> {
    return new Promise((r) => {
      this.waiter = () => {
        this.waiter = undefined;
        r();
      };
    });
  }

  /** Prints `prompt` and reads one line; `echo=false` turns echo off on a TTY. Returns undefined at EOF. */
  async readLine(prompt: string, echo: boolean): Promise<string | undefined> {
    const tty = process.stdin.isTTY === true;
    // raw mode first, so nothing typed after the prompt is echoed by the terminal
    if (tty) process.stdin.setRawMode(true);
    process.stdout.write(prompt);
    if (!tty && !echo) process.stderr.write("Warning: Password input may be echoed.\n");
    this.start();
    process.stdin.resume();
    let line = "";
    try {
      for (;;) {
        if (this.skipLf && this.buf.startsWith("\n")) this.buf = this.buf.slice(1);
        this.skipLf = false;
        let done = false;
        while (this.buf.length > 0) {
          const ch = this.buf[0]!;
          this.buf = this.buf.slice(1);
          if (ch === "\r" || ch === "\n") {
            if (ch === "\r") this.skipLf = true;
            done = true;
            break;
          }
          if (tty && ch === "\u0003") {
            process.stdout.write("\n");
            throw new LogExit("KeyboardInterrupt");
          }
          if (tty && ch === "\u0004" && line.length === 0) {
            this.ended = true;
            break;
          }
          if (tty && (ch === "\u007f" || ch === "\b")) {
            if (line.length > 0) {
              line = line.slice(0, -1);
              if (echo) process.stdout.write("\b \b");
            }
            continue;
          }
          line += ch;
          if (tty && echo) process.stdout.write(ch);
        }
        if (done) break;
        if (this.ended) {
          if (line.length === 0) return undefined;
          break;
        }
        await this.wait();
      }
    } finally {
      if (tty) {
        process.stdin.setRawMode(false);
        process.stdout.write("\n");
      }
      process.stdin.pause();
    }
    return line;
  }
}

/** `input("Please enter disaster user name:")`. */
export async function promptUserName(reader: StdinReader): Promise<string> {
  const v = await reader.readLine("Please enter disaster user name:", true);
  if (v === undefined) throw new LogExit("EOFError: EOF when reading a line");
  return v;
}

/**
 * The two getpass prompts, retried on mismatch (GAUSS-50306), failing after the 3rd mismatch.
 * `shownUser` is the `<x>` of the mismatch message: '' when `-U` came from the command line (OM's quirk).
 */
export async function promptPassword(
  reader: StdinReader,
  user: string,
  shownUser: string,
  onMismatch: (msg: string) => void,
): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const p1 = await reader.readLine(`Please enter password for [${user}]:`, false);
    const p2 = await reader.readLine(`Please repeat enter for password for [${user}]:`, false);
    if (p1 === undefined || p2 === undefined) throw new LogExit("EOFError: EOF when reading a line");
    if (p1 === p2) return p1;
    onMismatch(
      `[GAUSS-50306] : The password of ${shownUser} is incorrect.The two passwords are different, please enter password again.`,
    );
  }
  throw new LogExit("The two passwords entered for too many times are inconsistent. Authentication failed.");
}

/**
 * Output and log framing of the emulated gs_sdr (OM `GaussLog`): `log` prints to stdout and writes the log,
 * `debug` writes the log only, `error`/`warn` print too. Log lines:
 * `[<trace_id>][<YYYY-MM-DD HH:MM:SS.ffffff>][<pid>][<module>][LOG|DEBUG|ERROR|WARNING]:<msg>`.
 */
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { performance } from "node:perf_hooks";

/** Log file rotation size of GaussLog (16 MB). */
const MAX_LOG_SIZE = 16 * 1024 * 1024;

let lastUuidTime = 0n;
const uuidNode = (() => {
  const b = randomBytes(6);
  b[0] = (b[0] ?? 0) | 0x01; // multicast bit: a random node id, as uuid1 does without a MAC
  return b.toString("hex");
})();
const clockSeq = randomBytes(2).readUInt16BE(0) & 0x3fff;

/** A `uuid.uuid1().hex`-style trace id: 32 lowercase hex chars, version nibble 1, RFC 4122 variant. */
export function uuid1Hex(): string {
  // 100-ns intervals since 1582-10-15
  let t = BigInt(Date.now()) * 10000n + 0x01b21dd213814000n;
  if (t <= lastUuidTime) t = lastUuidTime + 1n;
  lastUuidTime = t;
  const timeLow = (t & 0xffffffffn).toString(16).padStart(8, "0");
  const timeMid = ((t >> 32n) & 0xffffn).toString(16).padStart(4, "0");
  const timeHi = (((t >> 48n) & 0x0fffn) | 0x1000n).toString(16).padStart(4, "0");
  const seq = (0x8000 | clockSeq).toString(16).padStart(4, "0");
  return `${timeLow}${timeMid}${timeHi}${seq}${uuidNode}`;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, "0");
}

/** `YYYY-MM-DD_HHMMSS` (local time) used in log file names. */
function fileStamp(d = new Date()): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

/** `YYYY-MM-DD HH:MM:SS.ffffff` (local time) used in log lines. */
function lineStamp(): string {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const d = new Date(Math.floor(us / 1000));
  const micro = us % 1000000;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(micro, 6)}`;
}

/**
 * Resolves the real log file for a requested path `<dir>/<prefix>.log`: the newest existing
 * `<prefix>-<timestamp>.log` under 16 MB is reused, else a new `<prefix>-<timestamp>.log`.
 */
function resolveLogFile(requested: string): string {
  const dir = path.dirname(requested);
  const prefix = path.basename(requested).replace(/\.log$/, "");
  let newest: string | undefined;
  try {
    const re = new RegExp(
      `^${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d{4}-\\d{2}-\\d{2}_\\d{6}\\.log$`,
    );
    const names = fs.readdirSync(dir).filter((n) => re.test(n));
    names.sort();
    newest = names[names.length - 1];
  } catch {
    newest = undefined;
  }
  if (newest) {
    const full = path.join(dir, newest);
    try {
      if (fs.statSync(full).size < MAX_LOG_SIZE) return full;
    } catch {
      // fall through to a new file
    }
  }
  return path.join(dir, `${prefix}-${fileStamp()}.log`);
}

/** Masks secrets the way OM's sensitive_mask does for `-W`, `-P`, `--password` and PGPASSWORD. */
function maskSensitive(msg: string): string {
  return msg
    .replace(/(\s-W\s*)('[^']*'|"[^"]*"|\S+)/g, "$1***")
    .replace(/(\s-P\s*)('[^']*'|"[^"]*"|\S+)/g, "$1***")
    .replace(/(--password[= ])(\S+)/g, "$1***")
    .replace(/(PGPASSWORD=)(\S+)/g, "$1***");
}

/** The gs_sdr logger: stdout plus a GaussLog-format file. */
export class SdrLogger {
  /** Current module name written in each line (`parse_and_validate_params`, then the task). */
  module = "parse_and_validate_params";
  /** Path of the log file in use ('' when it could not be opened). */
  file = "";
  private readonly secrets: string[] = [];

  /** Creates a logger for one run. */
  constructor(
    readonly traceId: string,
    requestedPath: string,
  ) {
    this.open(requestedPath);
  }

  /** Switches to another requested log path (used after the header phase when `-l` is given). */
  open(requestedPath: string): void {
    try {
      fs.mkdirSync(path.dirname(requestedPath), { recursive: true, mode: 0o700 });
      this.file = resolveLogFile(requestedPath);
      fs.appendFileSync(this.file, "", { mode: 0o600 });
    } catch {
      this.file = "";
    }
  }

  /** Registers a secret that must never reach the log or stdout. */
  addSecret(secret: string): void {
    // very short values would mask ordinary text (and cannot be found reliably anyway)
    if (secret && secret.length >= 4) this.secrets.push(secret);
  }

  private clean(msg: string): string {
    let out = maskSensitive(msg);
    for (const s of this.secrets) out = out.split(s).join("***");
    return out;
  }

  private write(level: string, msg: string): void {
    if (!this.file) return;
    const line = `[${this.traceId}][${lineStamp()}][${process.pid}][${this.module}][${level}]:${this.clean(msg)}\n`;
    try {
      fs.appendFileSync(this.file, line, { mode: 0o600 });
    } catch {
      // logging must never break the run
    }
  }

  /** `logger.log`: stdout and the log. */
  log(msg: string): void {
    process.stdout.write(`${this.clean(msg)}\n`);
    this.write("LOG", msg);
  }

  /** `logger.debug`: the log only. */
  debug(msg: string): void {
    this.write("DEBUG", msg);
  }

  /** `logger.error`: stdout and the log. */
  error(msg: string): void {
    process.stdout.write(`${this.clean(msg)}\n`);
    this.write("ERROR", msg);
  }

  /** `logger.warn`: stdout and the log. */
  warn(msg: string): void {
    process.stdout.write(`${this.clean(msg)}\n`);
    this.write("WARNING", msg);
  }
}

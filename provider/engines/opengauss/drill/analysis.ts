/**
 * What a drill's heartbeat logs say (pure): per switchover, the longest time no write was acknowledged (the
 * write outage users saw), the rows acknowledged, and — against the rows found afterwards — the rows lost.
 *
 * Log lines (written by the probe, `probe.ts`, with the host's own clocks):
 *   begin <writer> <realtime s> <monotonic s>
 *   w <writer> <seq> <realtime at send> <realtime at answer> <monotonic at answer> ok|fail
 *   end <writer> <realtime s> <monotonic s>
 * Realtime can step (NTP, an operator); monotonic (`/proc/uptime`) cannot. Each writer's times are its first
 * realtime plus monotonic elapsed, so a step never shows as an outage or hides one; steps above
 * {@link CLOCK_STEP_SECONDS} are reported. Writers on different hosts are compared on those anchored times.
 */

/** A realtime jump against the monotonic clock above this is reported as a clock step. */
const CLOCK_STEP_SECONDS = 0.5;

/** One write attempt. */
interface Attempt {
  writer: string;
  seq: number;
  /** Anchored host time of the answer (s since the epoch). */
  at: number;
  ok: boolean;
}

/** A realtime step seen on a writer's host. */
interface ClockStep {
  writer: string;
  /** Anchored time it was seen at. */
  at: number;
  /** Realtime minus monotonic elapsed (positive: the clock jumped forward). */
  seconds: number;
}

/** One switchover's probe logs, analysed. */
export interface SegmentAnalysis {
  /** Every attempt, in anchored time order. */
  attempts: Attempt[];
  /** Rows whose INSERT was acknowledged, as `writer:seq`. */
  acked: string[];
  /** Longest time between two consecutive acknowledged writes (any writer), in seconds; null with < 2 acks. */
  outageSeconds: number | null;
  /** Anchored times the longest outage ran from and to. */
  outageFrom: number | null;
  outageTo: number | null;
  /** Realtime steps seen (the outage is computed without them). */
  clockSteps: ClockStep[];
  /** Lines that did not parse (a truncated last line, noise); counted, never guessed at. */
  unparsed: number;
}

interface Cursor {
  anchorReal: number;
  anchorMono: number;
  lastReal: number;
  lastMono: number;
}

const num = (s: string | undefined): number => (s === undefined || s === "" ? Number.NaN : Number(s));

/** Analyses the logs of one switchover (one text per writer, or all writers' lines in one text). */
export function analyseSegment(logs: readonly string[]): SegmentAnalysis {
  const cursors = new Map<string, Cursor>();
  const attempts: Attempt[] = [];
  const clockSteps: ClockStep[] = [];
  let unparsed = 0;
  const anchored = (writer: string, real: number, mono: number): number => {
    let c = cursors.get(writer);
    if (!c) {
      c = { anchorReal: real, anchorMono: mono, lastReal: real, lastMono: mono };
      cursors.set(writer, c);
    }
    const step = real - c.lastReal - (mono - c.lastMono);
    const at = c.anchorReal + (mono - c.anchorMono);
    if (Math.abs(step) > CLOCK_STEP_SECONDS) clockSteps.push({ writer, at, seconds: round(step) });
    c.lastReal = real;
    c.lastMono = mono;
    return at;
  };
  for (const line of logs.flatMap((l) => l.split("\n"))) {
    const f = line.trim().split(/\s+/);
    if (f.length === 1 && f[0] === "") continue;
    if ((f[0] === "begin" || f[0] === "end") && f.length === 4 && !Number.isNaN(num(f[2]) + num(f[3]))) {
      anchored(f[1]!, num(f[2]), num(f[3]));
      continue;
    }
    if (f[0] === "w" && f.length === 7 && (f[6] === "ok" || f[6] === "fail")) {
      const seq = num(f[2]);
      const real = num(f[4]);
      const mono = num(f[5]);
      if (Number.isInteger(seq) && !Number.isNaN(real + mono)) {
        attempts.push({ writer: f[1]!, seq, at: anchored(f[1]!, real, mono), ok: f[6] === "ok" });
        continue;
      }
    }
    unparsed++;
  }
  attempts.sort((a, b) => a.at - b.at);
  const oks = attempts.filter((a) => a.ok);
  let outage: { s: number; from: number; to: number } | null = null;
  for (let i = 1; i < oks.length; i++) {
    const s = oks[i]!.at - oks[i - 1]!.at;
    if (!outage || s > outage.s) outage = { s, from: oks[i - 1]!.at, to: oks[i]!.at };
  }
  return {
    attempts,
    acked: oks.map((a) => `${a.writer}:${a.seq}`),
    outageSeconds: outage ? round(outage.s) : null,
    outageFrom: outage?.from ?? null,
    outageTo: outage?.to ?? null,
    clockSteps,
    unparsed,
  };
}

/** Rows acknowledged but not found afterwards (`writer:seq`), in the order they were written. */
export function lostRows(acked: readonly string[], present: readonly string[]): string[] {
  const found = new Set(present.map((p) => p.trim()).filter((p) => p !== ""));
  return acked.filter((a) => !found.has(a));
}

/** Seconds to two decimals (the probe's resolution is ~10 ms). */
export function round(s: number): number {
  return Math.round(s * 100) / 100;
}

/**
 * Where an operation's time goes: with `PULUMI_HADR_TIMINGS=<file>` in the environment of the Pulumi CLI, each
 * hook of the provider appends `<epoch ms> <pid> <hook> start|end` to `<file>`. Names and times only — never an
 * input, an output or an error text. The benchmark reads it to split Pulumi's own time from the provider's.
 */
import * as fs from "node:fs";

const HOOKS = ["check", "diff", "create", "read", "update", "delete"] as const;

/** The environment variable naming the timings file. */
export const TIMINGS_ENV = "PULUMI_HADR_TIMINGS";

/** The hooks of `p` (either front-end's), each stamping its start and end into the timings file when one is named. */
export function withTimings<P extends object>(p: P, file: string | undefined = process.env[TIMINGS_ENV]): P {
  if (!file) return p;
  const stamp = (hook: string, what: string) => {
    try {
      fs.appendFileSync(file, `${Date.now()} ${process.pid} ${hook} ${what}\n`);
    } catch {
      // timings are a diagnostic: a file that cannot be written never fails an operation
    }
  };
  const out: Record<string, unknown> = {};
  for (const hook of HOOKS) {
    const fn = (p as Record<string, unknown>)[hook] as ((...a: unknown[]) => Promise<unknown>) | undefined;
    if (!fn) continue;
    out[hook] = async (...args: unknown[]) => {
      stamp(hook, "start");
      try {
        return await fn.apply(p, args);
      } finally {
        stamp(hook, "end");
      }
    };
  }
  return out as P;
}

/** Parses a timings file: one entry per line written by {@link withTimings}. */
export function parseTimings(text: string): Array<{ ms: number; pid: number; hook: string; what: string }> {
  return text
    .split("\n")
    .map((l) => /^(\d+) (\d+) (\w+) (start|end)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ ms: Number(m[1]), pid: Number(m[2]), hook: m[3]!, what: m[4]! }));
}

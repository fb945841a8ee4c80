/**
 * The arithmetic and the printing of `npm run bench`: timing, A/B interleaving, median/min/max, ratios and
 * the table. Figures only: nothing here fails on a slow figure.
 */
import { performance } from "node:perf_hooks";

/** Runs `fn` and returns its value and its wall time in seconds. */
export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const v = await fn();
  return [v, (performance.now() - t0) / 1000];
}

/** Median, min and max of a series (NaN for an empty one). */
export interface Summary {
  median: number;
  min: number;
  max: number;
  n: number;
}

/** Summarises the finite values of `xs`. */
export function summary(xs: number[]): Summary {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 };
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median, min: v[0]!, max: v[v.length - 1]!, n: v.length };
}

/** SSH activity seen in the lab hosts' sshd logs during one operation. */
export interface SshCounts {
  /** Connections logged in with the client key (what a stack or an operator uses). */
  conns: number;
  /** Sessions (remote commands) on those connections. */
  cmds: number;
  /** Connections between lab hosts (the vendor tools hopping with the cluster key). */
  toolConns: number;
  /** Sessions on those connections. */
  toolCmds: number;
}

/** One measured series: wall times, and per run what else was seen. */
export interface Series {
  label: string;
  seconds: number[];
  ssh: SshCounts[];
  /** Peak RSS of the provider process per run, MiB. */
  rssMiB: number[];
  /** Notes printed under the row (failures, outages, phases). */
  notes: string[];
}

/** A new, empty series. */
export function series(label: string): Series {
  return { label, seconds: [], ssh: [], rssMiB: [], notes: [] };
}

/**
 * Runs the measurements A B C … A B C … `runs` times (interleaved, so a slow phase of a busy machine hits
 * every side alike). A step that throws is noted and the others go on.
 */
export async function interleave(runs: number, steps: Array<(i: number) => Promise<void>>): Promise<void> {
  for (let i = 0; i < runs; i++) {
    for (const step of steps) await step(i);
  }
}

function fmt(x: number, digits = 2): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "—";
}

const W = 62;

/** Prints a section heading. */
export function heading(title: string): void {
  console.log(`\n== ${title}`);
  console.log(
    `${"".padEnd(W)} ${"median".padStart(8)} ${"min".padStart(8)} ${"max".padStart(8)} ${"n".padStart(3)}  extra`,
  );
}

/** Prints one free-form row (name, value). */
export function row(name: string, value: string): void {
  console.log(`${name.padEnd(W)} ${value}`);
}

/** Prints a series as seconds with median/min/max, its SSH counts and peak RSS. */
export function printSeries(s: Series): void {
  const t = summary(s.seconds);
  const extra: string[] = [];
  if (s.ssh.length > 0) {
    const c = (f: (x: SshCounts) => number) => summary(s.ssh.map(f)).median;
    extra.push(
      `ssh ${c((x) => x.conns)} conn/${c((x) => x.cmds)} cmd` +
        (c((x) => x.toolConns) > 0 ? ` (+ tools ${c((x) => x.toolConns)}/${c((x) => x.toolCmds)})` : ""),
    );
  }
  if (s.rssMiB.some(Number.isFinite)) extra.push(`provider peak RSS ${fmt(summary(s.rssMiB).max, 0)} MiB`);
  console.log(
    `${s.label.padEnd(W)} ${fmt(t.median).padStart(8)} ${fmt(t.min).padStart(8)} ${fmt(t.max).padStart(8)} ${String(t.n).padStart(3)}  ${extra.join(", ")}`,
  );
  for (const n of s.notes) console.log(`${"".padEnd(4)}${n}`);
}

/** A ratio as printed in the final table: its figures and the target it is judged against. */
export interface Ratio {
  label: string;
  /** Per-run ratios (run i of the numerator over run i of the denominator). */
  summary: Summary;
  /** Ratio of the medians. */
  ofMedians: number;
  /** The target (≤), if any. */
  target?: number;
}

/** Ratio of two series, run by run (interleaved runs pair up), and of their medians. */
export function ratio(label: string, num: number[], den: number[], target?: number): Ratio {
  const per: number[] = [];
  for (let i = 0; i < Math.min(num.length, den.length); i++) per.push(num[i]! / den[i]!);
  const r: Ratio = { label, summary: summary(per), ofMedians: summary(num).median / summary(den).median };
  if (target !== undefined) r.target = target;
  return r;
}

/** Prints a ratio row: per-run median/min/max, the ratio of medians and whether it meets its target. */
export function printRatio(r: Ratio): void {
  const s = r.summary;
  const verdict =
    r.target === undefined
      ? ""
      : !Number.isFinite(r.ofMedians)
        ? `target ≤ ${r.target}: no figure`
        : `target ≤ ${r.target}: ${r.ofMedians <= r.target ? "meets" : "misses"}`;
  console.log(
    `${r.label.padEnd(W)} ${`${fmt(s.median)}×`.padStart(8)} ${`${fmt(s.min)}×`.padStart(8)} ${`${fmt(s.max)}×`.padStart(8)} ${String(s.n).padStart(3)}  of medians ${fmt(r.ofMedians)}×${verdict ? `; ${verdict}` : ""}`,
  );
}

/**
 * `npm run bench`: the provider's own share, measured against baselines run side by side and interleaved
 * (A B A B …), printed as median/min/max with ratios. Not a test: it asserts nothing and never fails on a
 * slow figure; every wait is bounded and every run cleans up after itself (an interrupted bench leaves a
 * lab that `lab reset` and the next run's setup bring back).
 *
 *  - plan cost (pure code) and lab up;
 *  - `pulumi preview` of an established DrRelationship and of a RecoveryPolicy vs the same program with no
 *    resources (the engine's fixed cost) and with one do-nothing dynamic resource (Pulumi's fixed cost for any
 *    dynamic provider), and the floor: one parallel batched read of every node;
 *  - `pulumi up` create vs the two `gs_sdr -t start` run concurrently by hand;
 *  - a planned switchover through `pulumi up` vs the two `gs_sdr -t switchover` by hand: wall time, the
 *    write outage seen by a writer, rows lost;
 *  - the same at 2×2 and 2×4 nodes (growth ratio);
 *  - with `--pairs 2`: two DR pairs (A↔B, C↔D) in one stack vs one pair (A↔B) alone — `pulumi up` create and
 *    preview of the established pairs (target ≤ 1.3×); the lab gets the second pair for it and loses it after;
 *  - per operation: SSH connections and commands (sshd logs) and the provider's peak RSS;
 *  - per `pulumi` run, Pulumi's own time (CLI, program, plugin start: the wall time outside the provider's hooks,
 *    from PULUMI_HADR_TIMINGS) and the provider's share (the rest), with its ratio to the by-hand baseline.
 *
 * `--quick`: one run each; `--runs N` (default 3); `--cold`: include a lab up from nothing; `--sizes 2,4`:
 * the node counts to measure (the lab is put back to 2 nodes at the end); `--pairs 2`: add the pairs section;
 * `--only LIST`: run only these sections (comma list of plan, sizes, pairs, native; `--only pairs` implies
 * `--pairs 2`). `native`: the native provider (a YAML program) next to the dynamic one, preview and up create.
 */

import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { dissolveDr, ensureLab, labCli, omm, sshExec, writeDrXml } from "pulumi-hadr-lab";
import { parseTimings, TIMINGS_ENV } from "../../provider/core/timings";
import { parseClusterXml } from "../../provider/engines/opengauss/clusterXml";
import { observe } from "../../provider/engines/opengauss/observe";
import { planCreate } from "../../provider/engines/opengauss/plan/create";
import { readCluster } from "../../provider/engines/opengauss/reads";
import { drContext } from "../../provider/engines/opengauss/remote";
import { validateDrRelationship } from "../../provider/engines/opengauss/schema";
import { DR_PASSWORD, DrHarness, drSpec, until } from "../e2e/dr-support";
import { NativeProject, nativeDrInputs, yamlProgram } from "../e2e/native-support";
import { TestProject } from "../support/project";
import type { PulumiWorld } from "../support/pulumi";
import {
  heading,
  interleave,
  printRatio,
  printSeries,
  type Ratio,
  ratio,
  row,
  type Series,
  series,
  summary,
  timed,
} from "./measure";
import { RssSampler, SshLogCounter, sleep, Writer } from "./probes";

/** Sections `--only` can select. */
const SECTIONS = ["plan", "sizes", "pairs", "native"] as const;
type Section = (typeof SECTIONS)[number];

/** Command-line options. */
interface Options {
  runs: number;
  cold: boolean;
  sizes: number[];
  /** openGauss DR pairs to measure against one pair (1: no pairs section). */
  pairs: number;
  /** Sections to run. */
  only: Section[];
}

function options(argv: string[]): Options {
  const at = (k: string) => {
    const i = argv.indexOf(k);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const runs = argv.includes("--quick") ? 1 : Number(at("--runs") ?? 3);
  if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs takes a positive integer");
  const sizes = (at("--sizes") ?? "2,4").split(",").map(Number);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 8)) throw new Error("--sizes takes e.g. 2,4");
  const only = (at("--only") ?? SECTIONS.join(",")).split(",") as Section[];
  if (only.some((x) => !SECTIONS.includes(x)))
    throw new Error(`--only takes a list of ${SECTIONS.join(", ")}`);
  const pairs = Number(at("--pairs") ?? (at("--only") !== undefined && only.includes("pairs") ? 2 : 1));
  if (pairs !== 1 && pairs !== 2) throw new Error("--pairs takes 1 or 2 (the lab has at most two pairs)");
  return { runs, cold: argv.includes("--cold"), sizes, pairs, only };
}

/** A series of a − b, run by run. */
function minus(a: Series, b: Series, label: string): Series {
  const s = series(label);
  s.seconds = a.seconds.map((x, i) => x - (b.seconds[i] ?? Number.NaN));
  return s;
}

/** Every ratio, for the final table. */
const ratios: Ratio[] = [];
/** Cleanups still to run (projects), also on SIGINT. */
const cleanups: Array<() => void> = [];

function xmlOf(name: string, prefix: string, net: string, nodes: number): string {
  const names = Array.from({ length: nodes }, (_, i) => `${prefix}${i + 1}`);
  const ips = names.map((_, i) => `${net}.${i + 1}`);
  const dataNode = names.flatMap((n, i) => (i === 0 ? ["/data/dn1"] : [n, "/data/dn1"])).join(",");
  const devices = names
    .map(
      (n, i) =>
        `<DEVICE sn="${n}"><PARAM name="name" value="${n}"/><PARAM name="backIp1" value="${ips[i]}"/>` +
        `<PARAM name="sshIp1" value="${ips[i]}"/>` +
        (i === 0
          ? `<PARAM name="dataNum" value="1"/><PARAM name="dataPortBase" value="26000"/><PARAM name="dataNode1" value="${dataNode}"/><PARAM name="cmDir" value="/cm"/>`
          : "") +
        "</DEVICE>",
    )
    .join("");
  return (
    `<ROOT><CLUSTER><PARAM name="clusterName" value="${name}"/><PARAM name="nodeNames" value="${names.join(",")}"/>` +
    `<PARAM name="backIp1s" value="${ips.join(",")}"/><PARAM name="gaussdbAppPath" value="/app"/><PARAM name="gaussdbLogPath" value="/log"/>` +
    `<PARAM name="tmpMppdbPath" value="/tmp"/><PARAM name="gaussdbToolPath" value="/om"/></CLUSTER><DEVICELIST>${devices}</DEVICELIST></ROOT>`
  );
}

function planBench(): void {
  const A = parseClusterXml(xmlOf("A", "oga", "127.0.1", 4));
  const B = parseClusterXml(xmlOf("B", "ogb", "127.0.2", 4));
  const local = (ip: string, peer: string) =>
    `localhost=${ip} localport=26001 localheartbeatport=26005 localservice=26004 remotehost=${peer} remoteport=26001 remoteheartbeatport=26005 remoteservice=26004`;
  const snapshots = [A, B].flatMap((t) =>
    t.dataNodes.map((d) => ({
      cluster: t.name,
      node: d.name,
      replconninfo: { 1: local(d.backIp, t.dataNodes.find((x) => x !== d)!.backIp) },
      gucs: {
        synchronous_commit: "on",
        most_available_sync: "off",
        wal_keep_segments: "16",
        enable_dcf: "off",
      },
      pgHba: "local all all trust\nhost all all 127.0.0.1/32 trust\n",
    })),
  );
  const input = { topologies: { A, B }, primary: "A", snapshots };
  planCreate(input);
  const n = 200;
  const rss0 = process.memoryUsage().rss;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) planCreate(input);
  const ms = (performance.now() - t0) / n;
  row("plan: create plan, 2 clusters x 4 nodes (pure)", `${ms.toFixed(2)} ms/plan`);
  row("plan: RSS growth over 200 plans", `${((process.memoryUsage().rss - rss0) / 1048576).toFixed(1)} MiB`);
}

/** A program that loads the same modules and config as the DR program and declares nothing. */
const EMPTY_PROGRAM = `
const pulumi = require("@pulumi/pulumi");
require("pulumi-hadr");
new pulumi.Config();
`;

/**
 * The same, plus one resource of a dynamic provider that does nothing: Pulumi's fixed cost for any dynamic
 * provider (the plugin's Node process loading @pulumi/pulumi, the provider's serialization, the gRPC calls).
 */
const NOOP_DYNAMIC_PROGRAM = `
const pulumi = require("@pulumi/pulumi");
require("pulumi-hadr");
new pulumi.Config();
const noop = {
  check: async (_olds, news) => ({ inputs: news }),
  diff: async () => ({ changes: false }),
  create: async () => ({ id: "noop", outs: {} }),
};
new pulumi.dynamic.Resource(noop, "noop", {}, {});
`;

const POLICY_PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { RecoveryPolicy } = require("pulumi-hadr");
const cfg = new pulumi.Config();
const key = cfg.requireSecret("sshKey");
const spec = cfg.requireObject("policy");
new RecoveryPolicy("kb", { ...spec, sshKey: { privateKey: key } });
`;

/** A throwaway project removed at the end (and on SIGINT). */
async function project(name: string, program: string): Promise<TestProject> {
  const p = await TestProject.create(name, program);
  cleanups.push(() => p.dispose());
  return p;
}

/** Outcome of one measured CLI run. */
interface CliRun {
  code: number | null;
  out: string;
  /** Epoch ms when the CLI was started and when it exited. */
  startMs: number;
  endMs: number;
  /** Seconds the provider's hooks ran (the union of their intervals, from PULUMI_HADR_TIMINGS). */
  providerSeconds: number;
}

/** Seconds covered by the union of the hooks' [start, end] intervals in a timings file's text. */
function hookSeconds(text: string): number {
  const open = new Map<string, number>();
  const spans: Array<[number, number]> = [];
  for (const t of parseTimings(text)) {
    const k = `${t.pid} ${t.hook}`;
    if (t.what === "start") open.set(k, t.ms);
    else if (open.has(k)) {
      spans.push([open.get(k)!, t.ms]);
      open.delete(k);
    }
  }
  spans.sort((a, b) => a[0] - b[0]);
  let total = 0;
  let end = -Infinity;
  for (const [a, b] of spans) {
    if (b <= end) continue;
    total += b - Math.max(a, end);
    end = b;
  }
  return total / 1000;
}

/**
 * Runs the CLI once, measured: wall time, SSH counts and the provider's peak RSS go into `s`, and Pulumi's own
 * time (wall time minus the provider's hooks, from PULUMI_HADR_TIMINGS) into `own`. Returns the run so callers
 * can look at its output (a failure is noted in the series, never thrown).
 */
async function measuredCli(
  p: { world: PulumiWorld },
  args: string[],
  s: Series,
  counter: SshLogCounter,
  own?: Series,
): Promise<CliRun> {
  const rss = new RssSampler(p.world.env["PULUMI_HOME"]!);
  const timings = path.join(os.tmpdir(), `hadr-bench-timings-${process.pid}.log`);
  fs.rmSync(timings, { force: true });
  p.world.env[TIMINGS_ENV] = timings;
  counter.mark();
  rss.start();
  const startMs = Date.now();
  const [r, sec] = await timed(() => p.world.run(args, { timeoutMs: 900_000 }));
  const endMs = Date.now();
  delete p.world.env[TIMINGS_ENV];
  const providerSeconds = fs.existsSync(timings) ? hookSeconds(fs.readFileSync(timings, "utf8")) : 0;
  fs.rmSync(timings, { force: true });
  if (own) own.seconds.push(r.code === 0 ? sec - providerSeconds : Number.NaN);
  s.rssMiB.push(rss.stop());
  s.ssh.push(counter.count());
  const out = r.stdout + r.stderr;
  if (r.code === 0) s.seconds.push(sec);
  else {
    s.seconds.push(Number.NaN);
    s.notes.push(`run failed (exit ${r.code}): ${lastLines(out)}`);
  }
  return { code: r.code, out, startMs, endMs, providerSeconds };
}

function lastLines(out: string, n = 3): string {
  return out.trim().split("\n").slice(-n).join(" | ").slice(0, 400);
}

/** A DR spec as the DR program gets it, with the key and password in place (for in-process reads). */
function drArgs(h: DrHarness): Record<string, unknown> {
  return { ...h.spec(), sshKey: { privateKey: h.key }, drUser: { name: "druser", password: DR_PASSWORD } };
}

/** In process, on a fresh context (connections included): `fn` against both clusters. */
async function inProcess(
  h: DrHarness,
  fn: (ctx: ReturnType<typeof drContext>) => Promise<unknown>,
): Promise<void> {
  const v = validateDrRelationship(drArgs(h));
  if (!v.args) throw new Error(`the bench's DR spec is invalid: ${JSON.stringify(v.failures)}`);
  const ctx = drContext(v.args, v.topologies);
  try {
    await fn(ctx);
  } finally {
    await ctx.fleet.close();
  }
}

/** The floor: one parallel observation of both clusters, in process (one connection + one batched read per node). */
function observeOnce(h: DrHarness): Promise<void> {
  return inProcess(h, (ctx) => observe(ctx, { traces: [], owner: "bench" }));
}

/** The full reads a create or switchover plan needs (every GUC, pg_hba, CM setting, DR user), in process. */
function fullReadsOnce(h: DrHarness): Promise<void> {
  return inProcess(h, (ctx) => Promise.all(ctx.names.map((n) => readCluster(ctx, n))));
}

/** Every openGauss node of both clusters, node 1 first. */
function allNodes(h: DrHarness): string[] {
  return [...h.hosts("A"), ...h.hosts("B")];
}

const healthy = (s: { A: string; B: string }) =>
  (s.A === "archive" && s.B === "recovery") || (s.A === "recovery" && s.B === "archive");
const dissolved = (s: { A: string; B: string }) => s.A === "normal" && s.B === "normal";

/** Waits (bounded) for a state; a timeout is noted, not thrown. */
async function settleTo(
  h: DrHarness,
  what: string,
  ok: (s: { A: string; B: string }) => boolean,
  notes: string[],
): Promise<boolean> {
  try {
    await until(what, () => h.stats(), ok, 180_000);
    return true;
  } catch (e) {
    notes.push(`${what}: ${(e as Error).message.split("\n")[0]}`);
    return false;
  }
}

/** Dissolves whatever pair exists (the stack's first, then anything left) and waits for two plain clusters. */
async function dissolve(h: DrHarness, notes: string[]): Promise<void> {
  const d = await h.pulumiRun(["destroy", "--yes", "--skip-preview"]);
  if (d.code !== 0) notes.push(`destroy failed (exit ${d.code}): ${lastLines(d.out)}`);
  await h.dissolveLeftovers();
  await settleTo(h, "two plain clusters", dissolved, notes);
}

/** Section: preview of an established pair and of a RecoveryPolicy vs the engine's fixed cost, and the floors. */
async function previewSection(h: DrHarness, opts: Options, withPolicy: boolean, tag: string) {
  const counter = SshLogCounter.forLab(h.lab);
  const empty = await project(`benchempty${tag}`, EMPTY_PROGRAM);
  await empty.config("sshKey", h.key, true);
  await empty.config("dr", JSON.stringify(h.spec()));
  await empty.world.ok(["up", "--yes", "--skip-preview"]);
  const noop = await project(`benchnoop${tag}`, NOOP_DYNAMIC_PROGRAM);
  await noop.world.ok(["up", "--yes", "--skip-preview"]);
  const kb = h.lab.clusters["kbv8r6"];
  let policy: TestProject | undefined;
  if (withPolicy && kb) {
    policy = await project(`benchkb${tag}`, POLICY_PROGRAM);
    await policy.config("sshKey", h.key, true);
    await policy.config(
      "policy",
      JSON.stringify({
        engine: "kingbase-v8r6",
        mode: "standby",
        nodes: kb.hosts.map((x) => ({
          host: x.ip,
          ssh: { port: x.sshPort, hostKeys: { [x.ip]: x.hostKey } },
        })),
      }),
    );
  }
  const n = allNodes(h).length;
  const sEmpty = series("pulumi preview, no resources (engine baseline)");
  const sNoop = series("pulumi preview, one resource of a do-nothing dynamic provider (dynamic baseline)");
  const sDr = series(`pulumi preview, established DrRelationship (${n} nodes)`);
  const sDrOwn = series(`  of which Pulumi's own time (outside the provider's hooks)`);
  const sObs = series(`floor: one observe(), in process (${n} nodes)`);
  const sConn = series(`floor: ssh connect + \`true\` on every node, parallel`);
  const sFull = series(`(for create/switchover) full plan reads, in process`);
  const sKb = series(`pulumi preview, RecoveryPolicy (${kb?.hosts.length ?? 0} V8R6 nodes, not in state)`);
  // warm-up (page cache, plugin load), not counted
  await empty.world.run(["preview"]);
  await noop.world.run(["preview"]);
  await h.pulumiRun(["preview"]);
  const floor = async (s: Series, fn: () => Promise<unknown>) => {
    counter.mark();
    const [, sec] = await timed(fn);
    s.ssh.push(counter.count());
    s.seconds.push(sec);
  };
  await interleave(opts.runs, [
    async () => void (await measuredCli(empty, ["preview"], sEmpty, counter)),
    async () => void (await measuredCli(noop, ["preview"], sNoop, counter)),
    async () => {
      const r = await measuredCli(h.project, ["preview"], sDr, counter, sDrOwn);
      if (/operation: /.test(r.out))
        sDr.notes.push("note: preview planned an operation (pair not established?)");
    },
    () => floor(sObs, () => observeOnce(h)),
    () => floor(sConn, () => Promise.all(allNodes(h).map((ip) => sshExec(h.lab, ip, "omm", "true")))),
    () => floor(sFull, () => fullReadsOnce(h)),
    async () => {
      if (policy) await measuredCli(policy, ["preview"], sKb, counter);
    },
  ]);
  heading(`preview (${tag})`);
  const hooks = minus(sDr, sDrOwn, "  the provider's hooks (check, diff)");
  for (const s of [sEmpty, sNoop, sDr, sDrOwn, hooks, sObs, sConn, sFull, ...(policy ? [sKb] : [])])
    printSeries(s);
  const overhead = sDr.seconds.map((x, i) => x - sEmpty.seconds[i]! - sObs.seconds[i]!);
  const o = summary(overhead);
  row(
    "  provider overhead = DR preview − engine − observe floor",
    `${o.median.toFixed(2)} s (min ${o.min.toFixed(2)}, max ${o.max.toFixed(2)})`,
  );
  const base = sEmpty.seconds.map((x, i) => x + sObs.seconds[i]!);
  const out: Ratio[] = [
    ratio(`[${tag}] DR preview / engine baseline`, sDr.seconds, sEmpty.seconds),
    ratio(`[${tag}] DR preview / (engine + floor)`, sDr.seconds, base, 1.2),
    ratio(
      `[${tag}] DR preview / (dynamic baseline + floor)`,
      sDr.seconds,
      sNoop.seconds.map((x, i) => x + sObs.seconds[i]!),
      1.2,
    ),
    ratio(`[${tag}] DR preview, provider's hooks / floor`, hooks.seconds, sObs.seconds),
  ];
  if (policy)
    out.push(ratio(`[${tag}] RecoveryPolicy preview / engine baseline`, sKb.seconds, sEmpty.seconds));
  for (const r of out) printRatio(r);
  ratios.push(...out);
}

/**
 * Section: the native provider (`hadr:index:DrRelationship` from a YAML program) next to the dynamic one (the
 * JavaScript program): preview of a create and `up` create of the same pair, with the do-nothing baselines of
 * both (a program declaring nothing in each language, and one do-nothing dynamic resource).
 */
async function nativeSection(opts: Options): Promise<void> {
  const h = await DrHarness.setup("benchnative");
  cleanups.push(() => h.dispose());
  const counter = SshLogCounter.forLab(h.lab);
  const empty = await project("benchnativeempty", EMPTY_PROGRAM);
  await empty.config("sshKey", h.key, true);
  await empty.config("dr", JSON.stringify(h.spec()));
  const noop = await project("benchnativenoop", NOOP_DYNAMIC_PROGRAM);
  const yamlEmpty = await NativeProject.create("benchyamlempty", {
    "Pulumi.yaml": yamlProgram("benchyamlempty", {}),
  });
  const native = await NativeProject.create("benchyaml", {
    "Pulumi.yaml": yamlProgram("benchyaml", {
      dr: { type: "hadr:index:DrRelationship", properties: nativeDrInputs(h.lab) },
    }),
  });
  cleanups.push(
    () => yamlEmpty.dispose(),
    () => native.dispose(),
  );
  for (const p of [yamlEmpty, native]) {
    await p.config("sshKey", h.key, true);
    await p.config("drPassword", DR_PASSWORD, true);
  }
  const sEmpty = series("pulumi preview, JavaScript program declaring nothing (engine baseline)");
  const sNoop = series("pulumi preview, one do-nothing dynamic resource (dynamic baseline)");
  const sYaml = series("pulumi preview, YAML program declaring nothing (YAML baseline)");
  const sDyn = series("pulumi preview, DrRelationship create, dynamic (JavaScript)");
  const sNat = series("pulumi preview, DrRelationship create, native (YAML)");
  const uDyn = series("pulumi up create, dynamic");
  const uNat = series("pulumi up create, native");
  const destroyNative = async (notes: string[]) => {
    const d = await native.world.run(["destroy", "--yes", "--skip-preview"], { timeoutMs: 900_000 });
    if (d.code !== 0) notes.push(`native destroy failed (exit ${d.code}): ${lastLines(d.stdout + d.stderr)}`);
  };
  await dissolve(h, sDyn.notes);
  for (const w of [empty.world, noop.world, yamlEmpty.world, native.world]) await w.run(["preview"]); // warm-up
  await interleave(opts.runs, [
    async () => void (await measuredCli(empty, ["preview"], sEmpty, counter)),
    async () => void (await measuredCli(noop, ["preview"], sNoop, counter)),
    async () => void (await measuredCli(yamlEmpty, ["preview"], sYaml, counter)),
    async () => void (await measuredCli(h.project, ["preview"], sDyn, counter)),
    async () => void (await measuredCli(native, ["preview"], sNat, counter)),
  ]);
  await interleave(opts.runs, [
    async () => {
      await measuredCli(h.project, ["up", "--yes", "--skip-preview"], uDyn, counter);
      await settleTo(h, "pair established", healthy, uDyn.notes);
      await dissolve(h, uDyn.notes);
    },
    async () => {
      await measuredCli(native, ["up", "--yes", "--skip-preview"], uNat, counter);
      await settleTo(h, "pair established", healthy, uNat.notes);
      await destroyNative(uNat.notes);
      await dissolve(h, uNat.notes);
    },
  ]);
  heading("native provider vs dynamic provider");
  for (const s of [sEmpty, sNoop, sYaml, sDyn, sNat, uDyn, uNat]) printSeries(s);
  const out = [
    ratio("native preview (create) / dynamic preview (create)", sNat.seconds, sDyn.seconds, 1.0),
    ratio("native up create / dynamic up create", uNat.seconds, uDyn.seconds, 1.0),
    ratio("YAML baseline / engine baseline", sYaml.seconds, sEmpty.seconds),
  ];
  for (const r of out) printRatio(r);
  ratios.push(...out);
}

/**
 * The phases of one `pulumi up`, from the provider's gs_sdr output copies on the run nodes
 * (`~/.pulumi-hadr/runs/<epoch ms>-<task>-<hex>.out`: started at the stamp, last written when gs_sdr ended):
 * before gs_sdr (engine, check, observe, reads), gs_sdr itself, after it (settle, outputs, engine exit).
 */
async function phases(h: DrHarness, run: CliRun): Promise<string> {
  const starts: number[] = [];
  const ends: number[] = [];
  for (const c of ["A", "B"]) {
    const r = await omm(
      h.lab,
      h.hosts(c)[0]!,
      'for f in ~/.pulumi-hadr/runs/*.out; do [ -f "$f" ] && echo "$(basename "$f") $(stat -c %.3Y "$f")"; done; true',
      30_000,
    );
    for (const m of r.stdout.matchAll(/^(\d+)-[a-z]+-[0-9a-f]+\.out ([\d.]+)$/gm)) {
      if (Number(m[1]) < run.startMs) continue;
      starts.push(Number(m[1]));
      ends.push(Number(m[2]) * 1000);
    }
  }
  if (starts.length === 0) return "phases: no gs_sdr run of this `up` found on the run nodes";
  const s0 = Math.min(...starts);
  const s1 = Math.max(...ends);
  const f = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return `phases: before gs_sdr ${f(s0 - run.startMs)}, gs_sdr (${starts.length} runs) ${f(s1 - s0)}, after gs_sdr ${f(run.endMs - s1)}`;
}

/** Section: `pulumi up` create vs both `gs_sdr -t start` by hand, concurrently. */
async function createSection(h: DrHarness, opts: Options, tag: string): Promise<{ p: Series; hand: Series }> {
  const counter = SshLogCounter.forLab(h.lab);
  const n = allNodes(h).length;
  const sP = series(`pulumi up (create), ${n} nodes`);
  const sPown = series(`  of which Pulumi's own time (CLI, program, plugin; outside the provider's hooks)`);
  const sH = series(`by hand: gs_sdr -t start primary + disaster_standby, concurrently`);
  const sHs = series(`by hand, until query shows archive/recovery`);
  const [a1, b1] = [h.hosts("A")[0]!, h.hosts("B")[0]!];
  const pw = `${DR_PASSWORD}\n${DR_PASSWORD}\n`;
  await h.setSpec({ primary: "A" });
  await interleave(opts.runs, [
    async () => {
      await dissolve(h, sP.notes);
      const r = await measuredCli(h.project, ["up", "--yes", "--skip-preview"], sP, counter, sPown);
      sP.notes.push(await phases(h, r));
      await settleTo(h, "pair established", healthy, sP.notes);
    },
    async () => {
      await dissolve(h, sH.notes);
      const [xa, xb] = await Promise.all([writeDrXml(h.lab, "A", "B"), writeDrXml(h.lab, "B", "A")]);
      counter.mark();
      const t0 = performance.now();
      const [p, s] = await Promise.all([
        omm(h.lab, a1, `gs_sdr -t start -m primary -X ${xa} -U druser --time-out=240`, 900_000, pw),
        omm(h.lab, b1, `gs_sdr -t start -m disaster_standby -X ${xb} -U druser --time-out=240`, 900_000, pw),
      ]);
      const sec = (performance.now() - t0) / 1000;
      sH.ssh.push(counter.count());
      if (p.code !== 0 || s.code !== 0) {
        sH.seconds.push(Number.NaN);
        sH.notes.push(`start failed (exit ${p.code}/${s.code}): ${lastLines(p.stdout + s.stdout)}`);
        return;
      }
      sH.seconds.push(sec);
      const ok = await settleTo(h, "pair established", healthy, sH.notes);
      sHs.seconds.push(ok ? (performance.now() - t0) / 1000 : Number.NaN);
    },
  ]);
  await dissolve(h, sP.notes);
  heading(`create (${tag})`);
  const share = minus(sP, sPown, "  the provider's share (up − Pulumi's own time)");
  for (const s of [sP, sPown, share, sH, sHs]) printSeries(s);
  const out = [
    ratio(`[${tag}] pulumi up create / by hand`, sP.seconds, sH.seconds, 1.1),
    ratio(`[${tag}] create, provider's share / by hand`, share.seconds, sH.seconds, 1.1),
  ];
  for (const r of out) printRatio(r);
  ratios.push(...out);
  return { p: sP, hand: sH };
}

/** One switchover under a writer: wall time, outage and rows lost go into the series. */
async function underWriter(
  h: DrHarness,
  tag: string,
  to: string,
  wall: Series,
  outage: Series,
  op: () => Promise<boolean>,
): Promise<void> {
  const first = h.hosts(to === "A" ? "B" : "A")[0]!;
  const mk = await h.gsql(first, "CREATE TABLE IF NOT EXISTS bench_writes (run text, n int);");
  if (mk.code !== 0) throw new Error(`cannot create bench_writes on ${first}: ${mk.out}`);
  const run = `${tag}-${Date.now()}`;
  const w = new Writer([h.hosts("A")[0]!, h.hosts("B")[0]!], h.lab.portBase, run);
  w.start();
  await sleep(1000);
  const t0 = performance.now();
  const ok = await op();
  const t1 = performance.now();
  const rep = await w.finish(t0, t1);
  outage.seconds.push(ok ? rep.outageSeconds : Number.NaN);
  if (!ok) return;
  await settleTo(h, "pair established", healthy, wall.notes);
  const rows = await h.gsql(h.hosts(to)[0]!, `SELECT n FROM bench_writes WHERE run = '${run}';`);
  const present = new Set(rows.out.split("\n").map((l) => Number(l.trim())));
  const lost = rep.acked.filter((n) => !present.has(n)).length;
  outage.notes.push(
    `run ${outage.seconds.length}: ${rep.acked.length} rows committed, ${lost} lost${rows.code === 0 ? "" : " (count failed)"}, ${rep.failures} refused/failed attempts${rep.neverRecovered ? ", no commit after the operation within 60 s" : ""}`,
  );
}

/** Section: planned switchover through `pulumi up` vs both `gs_sdr -t switchover` by hand. */
async function switchoverSection(
  h: DrHarness,
  opts: Options,
  tag: string,
): Promise<{ p: Series; hand: Series }> {
  const counter = SshLogCounter.forLab(h.lab);
  const n = allNodes(h).length;
  const sP = series(`pulumi up (switchover A→B), ${n} nodes`);
  const sPown = series(`  of which Pulumi's own time (CLI, program, plugin; outside the provider's hooks)`);
  const sPo = series(`  write outage during it`);
  const sH = series(`by hand: gs_sdr -t switchover B→A, both sides concurrently`);
  const sHo = series(`  write outage during it`);
  await h.setSpec({ primary: "A" });
  await h.pulumi(["up", "--yes", "--skip-preview"]);
  await settleTo(h, "pair established", healthy, sP.notes);
  await interleave(opts.runs, [
    async () => {
      await h.pulumiRun(["refresh", "--yes", "--skip-preview"]);
      await h.setSpec({ primary: "B" });
      let run: CliRun | undefined;
      await underWriter(h, `${tag}p`, "B", sP, sPo, async () => {
        run = await measuredCli(h.project, ["up", "--yes", "--skip-preview"], sP, counter, sPown);
        return run.code === 0;
      });
      if (run?.code === 0) sP.notes.push(await phases(h, run));
    },
    async () => {
      await settleTo(h, "pair established", healthy, sH.notes);
      const [a1, b1] = [h.hosts("A")[0]!, h.hosts("B")[0]!];
      await underWriter(h, `${tag}h`, "A", sH, sHo, async () => {
        counter.mark();
        const [[d, p], sec] = await timed(() =>
          Promise.all([
            omm(h.lab, b1, "gs_sdr -t switchover -m disaster_standby --time-out=240", 900_000),
            omm(h.lab, a1, "gs_sdr -t switchover -m primary --time-out=240", 900_000),
          ]),
        );
        sH.ssh.push(counter.count());
        const ok = d.code === 0 && p.code === 0;
        if (!ok)
          sH.notes.push(`switchover failed (exit ${d.code}/${p.code}): ${lastLines(d.stdout + p.stdout)}`);
        sH.seconds.push(ok ? sec : Number.NaN);
        return ok;
      });
    },
  ]);
  await h.pulumiRun(["refresh", "--yes", "--skip-preview"]);
  await h.setSpec({ primary: "A" });
  await dissolve(h, sP.notes);
  heading(`switchover (${tag})`);
  const share = minus(sP, sPown, "  the provider's share (up − Pulumi's own time)");
  for (const s of [sP, sPown, share, sPo, sH, sHo]) printSeries(s);
  const out = [
    ratio(`[${tag}] switchover wall: pulumi / by hand`, sP.seconds, sH.seconds, 1.1),
    ratio(`[${tag}] switchover, provider's share / by hand`, share.seconds, sH.seconds, 1.1),
    ratio(`[${tag}] write outage: pulumi / by hand`, sPo.seconds, sHo.seconds, 1.1),
  ];
  for (const r of out) printRatio(r);
  ratios.push(...out);
  return { p: sP, hand: sH };
}

/** Everything measured at one topology. */
async function topologySection(
  nodes: number,
  opts: Options,
): Promise<{ create: { p: Series; hand: Series }; switchover: { p: Series; hand: Series } }> {
  const tag = `2x${nodes}`;
  const [, s] = await timed(() => ensureLab({ engines: ["opengauss"], nodes }));
  console.log("");
  row(`lab up --nodes ${nodes} (rebuilds the engines when the count changes)`, `${s.toFixed(1)} s`);
  const h = await DrHarness.setup(`bench${nodes}`);
  cleanups.push(() => h.dispose());
  try {
    const create = await createSection(h, opts, tag);
    await h.setSpec({ primary: "A" });
    await h.pulumi(["up", "--yes", "--skip-preview"]);
    await settleTo(h, "pair established", healthy, []);
    await previewSection(h, opts, nodes === 2, tag);
    await dissolve(h, []);
    const switchover = await switchoverSection(h, opts, tag);
    return { create, switchover };
  } finally {
    await h.dissolveLeftovers().catch(() => undefined);
  }
}

/** A user's program with two DrRelationships from stack config: `dr` (A↔B) and `dr2` (C↔D). */
const TWO_PAIRS_PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { DrRelationship } = require("pulumi-hadr");
const cfg = new pulumi.Config();
const key = cfg.requireSecret("sshKey");
const password = cfg.requireSecret("drPassword");
for (const name of ["dr", "dr2"]) {
  const spec = cfg.requireObject(name);
  new DrRelationship(name, { ...spec, sshKey: { privateKey: key }, drUser: { name: spec.drUser, password } });
}
`;

const CD = ["C", "D"] as const;

/** `hadr_cluster_stat` of C and D, in the shape {@link healthy} and {@link dissolved} take. */
async function statsCD(h: DrHarness): Promise<{ A: string; B: string }> {
  return { A: await h.stat("C"), B: await h.stat("D") };
}

/**
 * Section: two DrRelationships (A↔B, C↔D) in one stack vs one (A↔B) alone, on a lab with two pairs
 * (2 nodes per cluster): `pulumi up` create, interleaved, each run from plain clusters; then both pairs
 * established by the two-pair stack, the one-pair stack adopts A↔B (nothing runs) and the previews are
 * interleaved. Everything is dissolved afterwards; the caller puts the lab back to one pair.
 */
async function pairsSection(opts: Options): Promise<void> {
  const [lab, s] = await timed(() =>
    ensureLab({ engines: ["opengauss"], nodes: 2, pairs: 2, omVersion: "master" }),
  );
  console.log("");
  row("lab up --pairs 2 --nodes 2 (adds clusters C, D)", `${s.toFixed(1)} s`);
  const one = await DrHarness.setup("benchpair1");
  cleanups.push(() => one.dispose());
  const two = await DrHarness.setup("benchpair2", {}, { program: TWO_PAIRS_PROGRAM });
  cleanups.push(() => two.dispose());
  await two.ensureDrUser("C");
  await two.project.config("dr2", JSON.stringify(drSpec(lab, {}, CD)));
  const counter = SshLogCounter.forLab(lab);
  const n = allNodes(one).length;
  const cd = async (what: string, ok: (x: { A: string; B: string }) => boolean, notes: string[]) => {
    try {
      await until(what, () => statsCD(two), ok, 180_000);
    } catch (e) {
      notes.push(`${what}: ${(e as Error).message.split("\n")[0]}`);
    }
  };
  /** Both stacks destroyed, leftovers of both pairs dissolved, four plain clusters. */
  const dissolveAll = async (notes: string[]) => {
    await dissolve(one, notes);
    await dissolve(two, notes);
    await dissolveDr(lab, { pairs: [CD] });
    await cd("C, D plain", dissolved, notes);
  };
  try {
    const s1 = series(`pulumi up (create), 1 DrRelationship A↔B, ${n} nodes`);
    const s2 = series(`pulumi up (create), 2 DrRelationships A↔B + C↔D, ${2 * n} nodes`);
    await interleave(opts.runs, [
      async () => {
        await dissolveAll(s1.notes);
        await measuredCli(one.project, ["up", "--yes", "--skip-preview"], s1, counter);
        await settleTo(one, "A↔B established", healthy, s1.notes);
      },
      async () => {
        await dissolveAll(s2.notes);
        await measuredCli(two.project, ["up", "--yes", "--skip-preview"], s2, counter);
        await settleTo(two, "A↔B established", healthy, s2.notes);
        await cd("C↔D established", healthy, s2.notes);
      },
    ]);
    heading("two DR pairs in one stack: create (2 pairs × 2×2)");
    for (const x of [s1, s2]) printSeries(x);
    const rc = ratio("[pairs] pulumi up create, 2 pairs / 1 pair", s2.seconds, s1.seconds, 1.3);
    printRatio(rc);
    ratios.push(rc);

    // both pairs established by the two-pair stack; the one-pair stack adopts A↔B (runs nothing)
    await dissolveAll([]);
    await two.pulumi(["up", "--yes", "--skip-preview"]);
    await settleTo(two, "A↔B established", healthy, []);
    await cd("C↔D established", healthy, []);
    await one.setSpec({ adopt: true });
    await one.pulumi(["up", "--yes", "--skip-preview"]);
    const p1 = series(`pulumi preview, 1 established DrRelationship (${n} nodes)`);
    const p2 = series(`pulumi preview, 2 established DrRelationships (${2 * n} nodes)`);
    await one.pulumiRun(["preview"]);
    await two.pulumiRun(["preview"]);
    const planned = (x: Series, r: CliRun) => {
      if (/operation: /.test(r.out))
        x.notes.push("note: preview planned an operation (pair not established?)");
    };
    await interleave(opts.runs, [
      async () => planned(p1, await measuredCli(one.project, ["preview"], p1, counter)),
      async () => planned(p2, await measuredCli(two.project, ["preview"], p2, counter)),
    ]);
    heading("two DR pairs in one stack: preview of the established pairs");
    for (const x of [p1, p2]) printSeries(x);
    const rp = ratio("[pairs] pulumi preview, 2 pairs / 1 pair", p2.seconds, p1.seconds, 1.3);
    printRatio(rp);
    ratios.push(rp);
    // the adopted copy goes from the one-pair stack's state only; the two-pair stack dissolves both
    const adopted = (await one.project.world.exportStack()).deployment.resources?.find((r) =>
      String(r["type"]).endsWith("hadr:DrRelationship"),
    );
    if (adopted) await one.pulumi(["state", "delete", "--yes", String(adopted["urn"])]);
  } finally {
    await dissolveAll([]).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  const opts = options(process.argv.slice(2));
  console.log(
    `pulumi-hadr benchmark (figures, not pass/fail): ${opts.runs} interleaved run(s) per figure, lab net ${process.env["HADR_LAB_NET"] ?? "0"}`,
  );
  const run = (x: Section) => opts.only.includes(x);
  if (run("plan")) planBench();
  if (opts.cold) {
    await labCli(["down"]);
    const [r, s] = await timed(() => labCli(["up"]));
    if (r.code !== 0) throw new Error(r.stderr);
    row("lab up from nothing (default topology, all engines)", `${s.toFixed(1)} s`);
  }
  if (run("sizes")) {
    const [r, s] = await timed(() => labCli(["up"]));
    if (r.code !== 0) throw new Error(r.stderr);
    row("lab up when already up", `${s.toFixed(1)} s`);
  }
  const byNodes = new Map<number, Awaited<ReturnType<typeof topologySection>>>();
  try {
    if (run("sizes")) for (const nodes of opts.sizes) byNodes.set(nodes, await topologySection(nodes, opts));
    if (run("native")) await nativeSection(opts);
    if (run("pairs") && opts.pairs === 2) await pairsSection(opts);
    else if (run("pairs")) row("two DR pairs in one stack", "not measured: run with --pairs 2");
  } finally {
    const lab = await ensureLab({ engines: ["opengauss"] });
    if (lab.nodes !== 2 || lab.pairs !== 1) await ensureLab({ engines: ["opengauss"], nodes: 2, pairs: 1 });
  }
  const small = byNodes.get(2);
  const big = byNodes.get(4);
  if (small && big) {
    heading("growth 2×2 → 2×4");
    const g = (label: string, a: Series, b: Series, target?: number) => {
      const x = ratio(label, b.seconds, a.seconds, target);
      printRatio(x);
      ratios.push(x);
    };
    g("pulumi up create, 2×4 / 2×2", small.create.p, big.create.p, 1.3);
    g("by-hand create, 2×4 / 2×2", small.create.hand, big.create.hand);
    g("pulumi switchover, 2×4 / 2×2", small.switchover.p, big.switchover.p, 1.3);
    g("by-hand switchover, 2×4 / 2×2", small.switchover.hand, big.switchover.hand);
  }
  heading("all ratios (per-run median/min/max; of medians; target)");
  for (const x of ratios) printRatio(x);
}

function cleanup(): void {
  for (const c of cleanups.splice(0)) {
    try {
      c();
    } catch {
      // best effort
    }
  }
}

for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => {
    console.error(
      `\n${sig}: removing the bench's projects; run \`npm run lab -- reset\` before the next run`,
    );
    cleanup();
    process.exit(130);
  });
}

main()
  .catch((e) => {
    console.error(e);
    process.exitCode = 1;
  })
  .finally(cleanup);

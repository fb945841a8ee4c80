/**
 * `node dist/test/bench/reads.js [--runs N] [--establish] [--count]`: the provider's reads of an openGauss
 * pair in process, without the Pulumi engine — one `observe()` of both clusters (what a preview of an
 * established pair reads), the full plan reads alone (every GUC, pg_hba, CM setting, DR user of every node),
 * observe then the plan reads (a preview that did not expect a plan), and one observation carrying the plan
 * reads (a preview that did: one round trip per node) — printed as median/min/max over N runs (default 5). This is where a preview's time goes to the lab's
 * emulated tools, so it is the figure to watch when the emulator's start-up cost changes.
 *
 * `--establish`: first makes A → B a DR pair by hand (`gs_sdr -t start` on both sides) unless one exists.
 * `--count`: one more, unmeasured run under `strace -f -e execve` attached to every host's sshd, reporting how
 * many Node processes (emulated tool starts) and processes in all the reads start.
 * Not a test: it asserts nothing; every wait is bounded.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { ensureLab, type LabInfo, omm, sdrQuery, shq, writeDrXml } from "pulumi-hadr-lab";
import { observe } from "../../provider/engines/opengauss/observe";
import { readCluster } from "../../provider/engines/opengauss/reads";
import { drContext } from "../../provider/engines/opengauss/remote";
import { validateDrRelationship } from "../../provider/engines/opengauss/schema";
import { DR_PASSWORD, drSpec, until } from "../e2e/dr-support";
import { interleave, printSeries, series, timed } from "./measure";

function arg(argv: string[], k: string): string | undefined {
  const i = argv.indexOf(k);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** One preview's reads on a fresh context (connections included). */
async function previewReads(
  lab: LabInfo,
  key: string,
  what: "observe" | "full" | "both" | "merged",
): Promise<void> {
  const v = validateDrRelationship({
    ...drSpec(lab),
    sshKey: { privateKey: key },
    drUser: { name: "druser", password: DR_PASSWORD },
  });
  if (!v.args) throw new Error(`the DR spec is invalid: ${JSON.stringify(v.failures)}`);
  const ctx = drContext(v.args, v.topologies);
  try {
    const own = { traces: [], owner: "bench" };
    if (what === "merged") await observe(ctx, own, true);
    if (what === "observe" || what === "both") await observe(ctx, own);
    if (what === "full" || what === "both") await Promise.all(ctx.names.map((n) => readCluster(ctx, n)));
  } finally {
    await ctx.fleet.close();
  }
}

/** Makes A → B a DR pair by hand unless A is already the archive side. */
async function establish(lab: LabInfo): Promise<void> {
  const a1 = lab.clusters["A"]!.hosts[0]!.ip;
  const b1 = lab.clusters["B"]!.hosts[0]!.ip;
  if ((await sdrQuery(lab, a1)).stat === "archive") return;
  const u = await omm(
    lab,
    a1,
    "gsql -d postgres -p 26001 -t -A -X -f /dev/stdin",
    60_000,
    `DO $$BEGIN IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname='druser') THEN ALTER USER druser WITH REPLICATION PASSWORD '${DR_PASSWORD}'; ELSE CREATE USER druser WITH REPLICATION PASSWORD '${DR_PASSWORD}'; END IF; END$$;\n`,
  );
  if (u.code !== 0) throw new Error(`creating the DR user: ${u.stderr}`);
  const xa = await writeDrXml(lab, "A", "B");
  const xb = await writeDrXml(lab, "B", "A");
  const start = (ip: string, mode: string, xml: string) =>
    omm(
      lab,
      ip,
      `gs_sdr -t start -m ${mode} -X ${xml} -U druser -W ${shq(DR_PASSWORD)} --time-out=600`,
      900_000,
    );
  const [p, s] = await Promise.all([start(a1, "primary", xa), start(b1, "disaster_standby", xb)]);
  if (p.code !== 0 || s.code !== 0)
    throw new Error(`gs_sdr start failed:\n${p.stdout}${p.stderr}\n${s.stdout}${s.stderr}`);
  await until(
    "an established pair",
    async () => [(await sdrQuery(lab, a1)).stat, (await sdrQuery(lab, b1)).stat],
    ([a, b]) => a === "archive" && b === "recovery",
    180_000,
  );
}

/** Process starts in one preview's reads, seen by strace on every host's sshd (what the sessions exec). */
async function countStarts(lab: LabInfo, key: string): Promise<{ node: number; all: number; top: string }> {
  const root = path.dirname(lab.clientKeyPath).replace(/\/keys$/, "");
  const ips = ["A", "B"].flatMap((c) => lab.clusters[c]!.hosts.map((h) => h.ip));
  const pids = ips.map((ip) =>
    fs.readFileSync(path.join(root, "hosts", ip, "ssh", "sshd.pid"), "utf8").trim(),
  );
  const out = path.join(root, `strace-${process.pid}.txt`);
  const tracer = spawn(
    "strace",
    ["-f", "-qq", "-e", "trace=execve", "-o", out, ...pids.flatMap((p) => ["-p", p])],
    {
      stdio: "ignore",
    },
  );
  try {
    await new Promise((r) => setTimeout(r, 1000));
    await previewReads(lab, key, "merged");
    await new Promise((r) => setTimeout(r, 500));
  } finally {
    tracer.kill("SIGINT");
    await new Promise((r) => tracer.once("exit", r));
  }
  const lines = fs.readFileSync(out, "utf8").split("\n");
  fs.rmSync(out, { force: true });
  const ok = lines.filter((l) => /execve\(/.test(l) && !/= -1 ENOENT/.test(l));
  const by = new Map<string, number>();
  for (const l of ok) {
    const exe = /execve\("([^"]*)"/.exec(l)?.[1] ?? "?";
    by.set(exe, (by.get(exe) ?? 0) + 1);
  }
  const top = [...by.entries()].sort((a, b) => b[1] - a[1]).slice(0, 6);
  return {
    node: by.get("/usr/bin/node") ?? 0,
    all: ok.length,
    top: top.map(([e, k]) => `${k} ${e}`).join(", "),
  };
}

async function main(argv: string[]): Promise<void> {
  const runs = Number(arg(argv, "--runs") ?? 5);
  const lab = await ensureLab({ engines: ["opengauss"], omVersion: "master" });
  const key = fs.readFileSync(lab.clientKeyPath, "utf8");
  if (argv.includes("--establish")) await establish(lab);
  const n = ["A", "B"].reduce((s, c) => s + lab.clusters[c]!.hosts.length, 0);
  const sObs = series(`observe(), in process (${n} nodes)`);
  const sFull = series(`full plan reads, in process (${n} nodes)`);
  const sBoth = series(`observe() then full plan reads`);
  const sMerged = series(`observe() carrying the plan reads (one round trip per node)`);
  await previewReads(lab, key, "both"); // warm-up, not counted
  await interleave(runs, [
    async () => void sObs.seconds.push((await timed(() => previewReads(lab, key, "observe")))[1]),
    async () => void sFull.seconds.push((await timed(() => previewReads(lab, key, "full")))[1]),
    async () => void sBoth.seconds.push((await timed(() => previewReads(lab, key, "both")))[1]),
    async () => void sMerged.seconds.push((await timed(() => previewReads(lab, key, "merged")))[1]),
  ]);
  for (const s of [sObs, sFull, sBoth, sMerged]) printSeries(s);
  if (argv.includes("--count")) {
    const c = await countStarts(lab, key);
    process.stdout.write(
      `process starts in one preview's reads: ${c.node} Node (emulated tools), ${c.all} in all (${c.top})\n`,
    );
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);

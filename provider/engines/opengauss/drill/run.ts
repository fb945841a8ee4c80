/**
 * Running a decided drill: create the heartbeat table, then for each switchover (there, and back unless
 * `switchBack: false`) start a writer on both clusters' primary DN hosts, wait for an acknowledged write, run
 * the switchover exactly as the `switchover` operation does, wait for a write on the new primary, stop the
 * writers and analyse their logs; finally count the acknowledged rows missing on the final primary and drop
 * the table. A failed step is recorded in `lastDrill` (`failed: …`) and thrown as {@link Incomplete}, so the
 * next `pulumi up` resumes the interrupted switchover (see `decideDrill`).
 */
import { Incomplete } from "../../../core/partial";
import { progress } from "../../../core/progress";
import { describeError, StateError } from "../../../errors";
import { waitFor } from "../../../transport/wait";
import type { switchover } from "../apply";
import type { Operation } from "../decide";
import type { Ownership } from "../observe";
import type { DrOperation, Observed } from "../outputs";
import { type DrContext, runNode } from "../remote";
import { deadlineSeconds } from "../tasks";
import { analyseSegment, lostRows, round, type SegmentAnalysis } from "./analysis";
import { type LastDrill, verdict } from "./evidence";
import { writeDrillMarker } from "./marker";
import { dnHostOf, ROWS_SQL, runSql, SETUP_SQL, startWriter, TEARDOWN_SQL, type Writer } from "./probe";

/** A switchover `from`->`to` run and settled (apply.ts `switchover`); throws {@link Incomplete} on failure. */
export type SwitchoverFn = typeof switchover;

/** The drill operation. */
export type DrillOperation = Extract<Operation, { kind: "drill" }>;

/** How long a writer may take to get its first write acknowledged before the switchover. */
const FIRST_ACK_MS = 60_000;
/** How long after the switchover settled a write must be acknowledged on the new primary. */
const AFTER_ACK_MS = 60_000;

/** One measured switchover. */
interface Leg {
  from: string;
  to: string;
  seconds: number | null;
  analysis: SegmentAnalysis | null;
}

async function acked(writers: Writer[], above: number, timeoutMs: number): Promise<boolean> {
  const total = () => writers.reduce((n, w) => n + w.acks(), 0);
  const w = await waitFor(
    async () => total(),
    (n) => n > above,
    { timeoutMs, intervalMs: 200 },
  );
  return w.reached;
}

/** The drill's probe writers for one switchover: on `from`'s primary DN host and `to`'s Main Standby host. */
function writersFor(
  ctx: DrContext,
  obs: Observed,
  op: DrillOperation,
  leg: number,
  from: string,
  to: string,
) {
  const bound =
    deadlineSeconds({ task: "switchover", mode: "disaster_standby" }, ctx.args.timeoutSeconds) + 300;
  const database = ctx.args.drill?.database ?? "postgres";
  const on = (cluster: string, role: "Primary" | "Main Standby") => {
    const host = dnHostOf(ctx, obs, cluster, role, runNode(ctx, cluster));
    const writer = `${leg}-${cluster}`;
    return startWriter(ctx, cluster, host.sshIp, {
      writer,
      database,
      port: ctx.topologies[cluster]!.dataPortBase,
      boundSeconds: bound,
      file: `${op.id.replace(/[^A-Za-z0-9._-]/g, "_")}-${writer}`,
    });
  };
  return [on(from, "Primary"), on(to, "Main Standby")];
}

/** Runs one switchover between writers; the leg is recorded (with the partial logs) whatever happens. */
async function measured(
  ctx: DrContext,
  obs: Observed,
  own: Ownership,
  name: string,
  op: DrillOperation,
  sw: SwitchoverFn,
  leg: Leg,
  index: number,
  problems: string[],
): Promise<Observed> {
  const writers = writersFor(ctx, obs, op, index + 1, leg.from, leg.to);
  const stopAll = async () => {
    const logs = await Promise.all(
      writers.map((w) => w.stop().catch((e: unknown) => `# ${describeError(e)}`)),
    );
    leg.analysis = analyseSegment(logs);
  };
  try {
    if (!(await acked(writers, 0, FIRST_ACK_MS))) {
      throw new StateError(
        `drill ${op.id}: no heartbeat write was acknowledged on ${leg.from} within ${FIRST_ACK_MS / 1000} s; the switchover was not started`,
        {
          where: { cluster: leg.from, step: "drill probe" },
          hint: "Check that gsql works as the cluster's OS user on its primary DN host.",
        },
      );
    }
    progress(
      name,
      `drill ${op.id}: heartbeat writers run on ${writers.map((w) => `${w.cluster}/${w.host}`).join(", ")}`,
    );
    const t0 = Date.now();
    const r = await sw(ctx, obs, own, name, [], leg.from, leg.to);
    leg.seconds = round((Date.now() - t0) / 1000);
    const before = writers.reduce((n, w) => n + w.acks(), 0);
    if (!(await acked(writers, before, AFTER_ACK_MS)))
      problems.push(
        `no write acknowledged within ${AFTER_ACK_MS / 1000} s after the switchover ${leg.from}->${leg.to}`,
      );
    await stopAll();
    return r.after;
  } catch (e) {
    await stopAll();
    throw e;
  }
}

function record(
  op: DrillOperation,
  obs: Observed,
  startedAt: Date,
  legs: Leg[],
  lost: number,
  problems: string[],
  maxWriteOutageSeconds: number | undefined,
): LastDrill {
  const outages = legs.map((l) => l.analysis?.outageSeconds ?? null);
  const known = outages.filter((o): o is number => o !== null);
  const m = {
    writeOutageSeconds: known.length > 0 ? Math.max(...known) : null,
    rowsLost: lost,
  };
  const v = obs[op.from]?.view;
  return {
    id: op.id,
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    from: op.from,
    to: op.to,
    switchoverSeconds: legs[0]?.seconds ?? null,
    switchbackSeconds: legs[1]?.seconds ?? null,
    writeOutagesSeconds: outages,
    ...m,
    rowsWritten: legs.reduce((n, l) => n + (l.analysis?.acked.length ?? 0), 0),
    rpoSecondsBefore: v?.rpoSeconds ?? null,
    rtoSecondsReported: v?.rtoSeconds ?? null,
    result: verdict(m, maxWriteOutageSeconds, problems),
    clockSteps: legs.flatMap((l) => (l.analysis?.clockSteps ?? []).map((s) => `${s.writer}: ${s.seconds} s`)),
  };
}

/** Runs a decided drill (or finishes one that failed part-way) and returns its evidence. */
export async function runDrill(
  ctx: DrContext,
  op: DrillOperation,
  obs: Observed,
  own: Ownership,
  name: string,
  sw: SwitchoverFn,
): Promise<{ op: DrOperation; after: Observed; drill?: LastDrill }> {
  if (op.resume) {
    progress(
      name,
      `drill ${op.id}: finishing the switchover ${op.from}->${op.to} the failed drill left, then switching back`,
    );
    const there = await sw(ctx, obs, own, name, op.clearLocks, op.from, op.to);
    const back = await sw(ctx, there.after, own, name, [], op.to, op.from);
    await writeDrillMarker(ctx, op.from, op.id, "resumed");
    return { op: { ...back.op, kind: "drill" }, after: back.after };
  }
  const max = ctx.args.drill?.maxWriteOutageSeconds;
  const database = ctx.args.drill?.database ?? "postgres";
  const startedAt = new Date();
  const legs: Leg[] = [{ from: op.from, to: op.to, seconds: null, analysis: null }];
  if (op.switchBack) legs.push({ from: op.to, to: op.from, seconds: null, analysis: null });
  const problems: string[] = [];
  const final = legs.at(-1)!.to;
  const sql = (o: Observed, cluster: string, text: string, step: string) => {
    const host = dnHostOf(ctx, o, cluster, "Primary", runNode(ctx, cluster));
    return runSql(ctx, cluster, host.sshIp, database, ctx.topologies[cluster]!.dataPortBase, text, step);
  };
  let after = obs;
  let last: DrOperation | undefined;
  // Written first: from here on this id has run, whatever happens to this process.
  await writeDrillMarker(ctx, op.from, op.id, "started");
  try {
    await sql(obs, op.from, `${TEARDOWN_SQL}\n${SETUP_SQL}`, "drill: create the heartbeat table");
    for (const [i, leg] of legs.entries()) {
      const before = after;
      after = await measured(
        ctx,
        before,
        own,
        name,
        op,
        async (...a) => {
          const r = await sw(...a);
          last = r.op;
          return r;
        },
        leg,
        i,
        problems,
      );
    }
    const present = (await sql(after, final, ROWS_SQL, "drill: read the heartbeat rows")).split("\n");
    const acked = legs.flatMap((l) => l.analysis?.acked ?? []);
    const lost = lostRows(acked, present);
    if (lost.length > 0)
      progress(
        name,
        `drill ${op.id}: acknowledged rows missing on ${final}: ${lost.slice(0, 20).join(", ")}`,
      );
    await sql(after, final, TEARDOWN_SQL, "drill: drop the heartbeat table").catch((e: unknown) => {
      problems.push(`the drill's schema could not be dropped on ${final}: ${describeError(e)}`);
    });
    const drill = record(op, obs, startedAt, legs, lost.length, problems, max);
    await writeDrillMarker(ctx, op.from, op.id, drill.result === "passed" ? "passed" : "failed");
    progress(
      name,
      `drill ${op.id}: ${drill.result} (write outage ${drill.writeOutageSeconds ?? "n/a"} s, ${drill.rowsWritten} rows, ${drill.rowsLost} lost)`,
    );
    return {
      op: {
        ...(last ?? { at: new Date().toISOString(), traceIds: {}, nodes: {}, status: "succeeded" }),
        kind: "drill",
        to: final,
      },
      after,
      drill,
    };
  } catch (e) {
    const step = legs.find((l) => l.seconds === null);
    const failure = e instanceof Incomplete ? e.failure : e;
    problems.push(
      `${step ? `switchover ${step.from}->${step.to}` : "the probe"}: ${failure instanceof Error ? failure.message : describeError(failure)}`,
    );
    const drill = record(op, obs, startedAt, legs, 0, problems, max);
    await writeDrillMarker(ctx, op.from, op.id, "failed").catch(() => undefined);
    const resumes =
      e instanceof Incomplete
        ? " The next `pulumi up` resumes it like any interrupted switchover (it finishes the switchover, then switches back)."
        : "";
    progress(name, `drill ${op.id}: ${drill.result}.${resumes}`);
    if (e instanceof Incomplete) throw new Incomplete(e.failure, { ...e.outputs, lastDrill: drill });
    throw new Incomplete(e, { plan: [], lastDrill: drill });
  }
}

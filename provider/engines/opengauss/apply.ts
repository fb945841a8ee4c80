/**
 * Carrying out a decided operation: clear our stale locks, run gs_sdr (both sides at once where needed),
 * then wait (bounded) until the pair shows the target state. A failure part-way throws {@link Incomplete}
 * with the operation record, so the next `pulumi up` resumes; gs_sdr runs are never killed (see tasks.ts).
 */
import { Incomplete } from "../../core/partial";
import { progress, warn } from "../../core/progress";
import { LockedError, StateError } from "../../errors";
import { waitFor } from "../../transport/wait";
import { isEstablishedPair, type LockView, type Operation } from "./decide";
import type { LastDrill } from "./drill/evidence";
import { runDrill } from "./drill/run";
import { fenceCluster, unfenceCluster } from "./fence";
import { clearStale } from "./leftovers";
import { type Ownership, observe } from "./observe";
import { type DrOperation, type Observed, operation, statsLine } from "./outputs";
import { batch, type DrContext, runNode } from "./remote";
import { placeDrXml, runPair, runSdr, type SdrRun, type SdrTask, sdrFailure } from "./tasks";

/** How long to wait for the pair to show the target state after gs_sdr exits 0. */
const SETTLE_MS = 180_000;

/** The failure of an operation that ran, with the record to keep so the next `pulumi up` resumes. */
function incomplete(failure: unknown, op: DrOperation): Incomplete {
  return new Incomplete(failure, { plan: [], lastOperation: op });
}

/** Throws for the first gs_sdr run that failed, with what happened to the other side. */
function throwIfFailed(runs: SdrRun[], kind: DrOperation["kind"], to: string, hint: string): void {
  const failed = runs.find((r) => r.detached) ?? runs.find((r) => r.exitCode !== 0);
  if (!failed) return;
  const others = runs
    .filter((r) => r !== failed)
    .map(
      (r) =>
        `${r.cluster} ${r.exitCode === 0 ? "finished" : r.detached ? "still runs" : `also failed (exit ${r.exitCode})`}`,
    );
  throw incomplete(
    sdrFailure(failed, `gs_sdr ${kind}`, `${others.length ? `(${others.join("; ")}.) ` : ""}${hint}`),
    operation(kind, "failed", runs, to),
  );
}

/** Waits (bounded) until `primary` is the archive side and the other the recovery side. */
async function settle(
  ctx: DrContext,
  own: Ownership,
  primary: string,
  runs: SdrRun[],
  kind: DrOperation["kind"],
): Promise<Observed> {
  const standby = ctx.names.find((n) => n !== primary)!;
  const w = await waitFor(
    () => observe(ctx, own),
    (o) => o[primary]!.view.stat === "archive" && o[standby]!.view.stat === "recovery",
    { timeoutMs: SETTLE_MS, intervalMs: 3000 },
  );
  const o = w.state;
  if (!isEstablishedPair(o[primary]!.view.stat, o[standby]!.view.stat)) {
    throw incomplete(
      new StateError(
        `gs_sdr ${kind} exited 0 but after ${SETTLE_MS / 1000} s the clusters are ${statsLine(o)} (expected ${primary}=archive, ${standby}=recovery)`,
        {
          where: { step: `settle ${kind}` },
          hint: "Run `pulumi refresh` to see the live state, then `pulumi up` to resume.",
        },
      ),
      operation(kind, "failed", runs, primary),
    );
  }
  return o;
}

export async function clearOurLocks(
  ctx: DrContext,
  obs: Observed,
  locks: LockView[],
  name: string,
): Promise<void> {
  for (const o of Object.values(obs)) {
    if (!o.view.reachable) continue;
    const mine = locks.filter((l) => o.view.locks.includes(l));
    await clearStale(ctx, o, mine, (line) => progress(name, line));
  }
}

export async function forgetStartSteps(
  ctx: DrContext,
  cluster: string,
  steps: string[],
  name: string,
): Promise<void> {
  if (steps.length === 0) return;
  const files = steps
    .map((s) => `"$PGHOST/streaming_cabin/.streaming_${s.replace(/[^a-z_]/g, "")}.step"`)
    .join(" ");
  await batch(ctx, cluster, runNode(ctx, cluster).sshIp, { rm: `rm -f ${files}` }, "forget start step files");
  progress(
    name,
    `${cluster}: removed leftover ${steps.map((s) => `.streaming_${s}.step`).join(", ")} (as gs_sdr -f does)`,
  );
}

async function startSides(
  ctx: DrContext,
  primary: string,
  standby: string,
  sides: Array<"primary" | "standby">,
  name: string,
): Promise<SdrRun[]> {
  await Promise.all([primary, standby].map((n) => placeDrXml(ctx, n)));
  const p = { cluster: primary, task: { task: "start", mode: "primary" } as SdrTask };
  const s = { cluster: standby, task: { task: "start", mode: "disaster_standby" } as SdrTask };
  if (sides.length === 2) return runPair(ctx, p, s, name);
  const one = sides[0] === "primary" ? p : s;
  return [await runSdr(ctx, one.cluster, one.task, name)];
}

const RESUME_HINT: Record<string, string> = {
  start: "Fix the cause, then run `pulumi up`: it resumes on the same node from gs_sdr's step files.",
  switchover:
    "Each side finished or rolled itself back; run `pulumi up` again to resume (preview shows what will run).",
};

/** Clears our stale locks, runs gs_sdr (both sides at once where needed), then waits for the target state. */
async function runAndSettle(
  ctx: DrContext,
  obs: Observed,
  own: Ownership,
  name: string,
  locks: LockView[],
  kind: "start" | "switchover",
  to: string,
  run: () => Promise<SdrRun[]>,
): Promise<{ op: DrOperation; after: Observed }> {
  await clearOurLocks(ctx, obs, locks, name);
  const runs = await run();
  throwIfFailed(runs, kind, to, RESUME_HINT[kind]!);
  const after = await settle(ctx, own, to, runs, kind);
  return { op: operation(kind, "succeeded", runs, to), after };
}

/**
 * Runs both sides of a switchover `from`->`to` at once (clearing our stale locks first) and waits for the
 * pair to settle; a failed side throws {@link Incomplete}. The switchover operation and drills use it.
 */
export function switchover(
  ctx: DrContext,
  obs: Observed,
  own: Ownership,
  name: string,
  locks: LockView[],
  from: string,
  to: string,
): Promise<{ op: DrOperation; after: Observed }> {
  return runAndSettle(ctx, obs, own, name, locks, "switchover", to, () =>
    runPair(
      ctx,
      { cluster: from, task: { task: "switchover", mode: "disaster_standby" } },
      { cluster: to, task: { task: "switchover", mode: "primary" } },
      name,
    ),
  );
}

/** Runs the decided operation; returns the record of what ran and the observation after it. */
export async function execute(
  ctx: DrContext,
  op: Operation,
  obs: Observed,
  own: Ownership,
  name: string,
): Promise<{ op: DrOperation | null; after: Observed; drill?: LastDrill }> {
  switch (op.kind) {
    case "noop":
      for (const w of op.warnings) warn(name, w);
      return { op: null, after: obs };
    case "wait":
      throw new LockedError(`${op.reason}`, { hint: "Wait for it to finish, then run `pulumi up` again." });
    case "blocked":
      throw new StateError(`${op.property}: ${op.reason}`, { hint: op.hint });
    case "start":
      return runAndSettle(ctx, obs, own, name, op.clearLocks, "start", op.primary, () =>
        startSides(ctx, op.primary, op.standby, op.sides, name),
      );
    case "switchover":
      return switchover(ctx, obs, own, name, op.clearLocks, op.from, op.to);
    case "drill":
      return runDrill(ctx, op, obs, own, name, switchover);
    case "failover": {
      await clearOurLocks(ctx, obs, op.clearLocks, name);
      if (op.fence) await fenceCluster(ctx, op.fence, name);
      else warn(name, `${op.from} cannot be reached and is not fenced`);
      progress(
        name,
        `failover to ${op.to} (${op.why}): transactions not yet replicated are lost (the plan's data-loss line gives the last known RPO)`,
      );
      const run = await runSdr(ctx, op.to, { task: "failover" }, name, op.runOn);
      if (run.detached || run.exitCode !== 0) {
        throw incomplete(
          sdrFailure(
            run,
            "gs_sdr failover",
            "Run `pulumi up` again to resume the failover from its step file.",
          ),
          operation("failover", "failed", [run], op.to),
        );
      }
      progress(
        name,
        `${op.to} is primary on its own; the pair must be rebuilt: the next \`pulumi up\` with ${op.from} reachable rebuilds it`,
      );
      return { op: operation("failover", "rebuild-needed", [run], op.to), after: await observe(ctx, own) };
    }
    case "rebuild": {
      await clearOurLocks(ctx, obs, op.clearLocks, name);
      await forgetStartSteps(ctx, op.stop, op.forgetStartSteps, name);
      await placeDrXml(ctx, op.stop);
      for (const c of op.unfence) await unfenceCluster(ctx, c, name);
      const stop = await runSdr(ctx, op.stop, { task: "stop" }, name);
      if (stop.detached || stop.exitCode !== 0) {
        throw incomplete(
          sdrFailure(stop, "gs_sdr stop", "Run `pulumi up` again: the rebuild resumes with stop."),
          operation("rebuild", "failed", [stop], op.primary),
        );
      }
      const runs = await startSides(ctx, op.primary, op.standby, ["primary", "standby"], name);
      throwIfFailed(
        [stop, ...runs].slice(1),
        "rebuild",
        op.primary,
        "Fix the cause, then run `pulumi up`: the start resumes from gs_sdr's step files.",
      );
      const after = await settle(ctx, own, op.primary, runs, "rebuild");
      return { op: operation("rebuild", "succeeded", [stop, ...runs], op.primary), after };
    }
  }
}

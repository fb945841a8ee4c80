/**
 * DrRelationship controller: the dynamic-provider hooks for openGauss streaming DR through gs_sdr.
 *
 * Every hook follows one loop: observe both clusters (one parallel round trip per node; an unreachable
 * cluster is a state), decide with the pure decision core (`decide.ts`), then act and wait. check() shows
 * the decided operation and its per-node plan and never writes; create/update re-observe, re-decide, and
 * refuse to act when the decision differs from what preview showed. A failure part-way is recorded so the
 * next `pulumi up` resumes; gs_sdr runs are never killed (see tasks.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import { wrapForDisplay } from "../../dynamic/display";
import {
  containsUnknown,
  knownFailures,
  narrowFailures,
  partialFailure,
  progress,
  resourceName,
  stableJson,
  surface,
  UNKNOWN,
  userInputs,
} from "../../dynamic/hooks";
import {
  describeError,
  HadrError,
  LockedError,
  type PropertyFailure,
  StateError,
  ValidationError,
} from "../../errors";
import type { DrOperation } from "../../resources/drRelationship";
import { waitFor } from "../../transport/wait";
import type { ClusterTopology } from "./clusterXml";
import {
  assessHealth,
  type ClusterView,
  type DecisionInput,
  decide,
  decideAdopt,
  decideDissolve,
  type Health,
  type LockView,
  type Operation,
  operationKey,
} from "./decide";
import { remoteStreamIpPairs } from "./drParams";
import { type ClusterObservation, clearStale, type Ownership, observe } from "./observe";
import { planCreate } from "./plan/create";
import type { DrPlan } from "./plan/model";
import { renderDrPlan } from "./plan/render";
import { planSwitchover } from "./plan/switchover";
import { releaseHeader } from "./releases";
import { batch, type ClusterRead, type DrContext, drContext, readCluster, runNode } from "./remote";
import { type DrSpec, liftLegacyKeys, validateDrRelationship } from "./schema";
import { ownerTag, placeDrXml, runPair, runSdr, type SdrRun, type SdrTask, sdrFailure } from "./tasks";
import { topologyMismatches } from "./topology";

/** Properties the provider computes (`primary` is an input whose output is the real primary). */
export const DR_OUTPUTS = [
  "hadrClusterStat",
  "rpoSeconds",
  "rtoSeconds",
  "health",
  "plan",
  "lastOperation",
] as const;

/** How long to wait for the pair to show the target state after gs_sdr exits 0. */
const SETTLE_MS = 180_000;
/** The first plan line names the operation; apply compares it with its own decision. */
const OPERATION_PREFIX = "operation: ";

/** Parses stored or applied inputs; state written before 0.3 (keys inside `clusters`) is lifted first. */
function parse(props: Record<string, unknown>): {
  args: DrSpec;
  topologies: Record<string, ClusterTopology>;
} {
  const v = validateDrRelationship(liftLegacyKeys(userInputs(props, DR_OUTPUTS)));
  if (v.failures.length > 0 || !v.args) throw new ValidationError(v.failures);
  return { args: v.args, topologies: v.topologies };
}

async function withContext<T>(
  props: Record<string, unknown>,
  fn: (ctx: DrContext) => Promise<T>,
): Promise<T> {
  const { args, topologies } = parse(props);
  const ctx = drContext(args, topologies);
  try {
    return await fn(ctx);
  } finally {
    await ctx.fleet.close();
  }
}

function planInput(ctx: DrContext, reads: Record<string, ClusterRead>, primary: string) {
  const runNodes: Record<string, string> = {};
  for (const n of ctx.names) runNodes[n] = runNode(ctx, n).name;
  return {
    topologies: ctx.topologies,
    primary,
    snapshots: ctx.names.flatMap((n) => reads[n]!.snapshots),
    facts: Object.fromEntries(ctx.names.map((n) => [n, reads[n]!.facts])),
    releases: Object.fromEntries(ctx.names.map((n) => [n, reads[n]!.release.behaviour])),
    runNodes,
  };
}

/** The plan's release header and a warning line per cluster whose release was assumed. */
function releaseLines(ctx: DrContext, reads: Record<string, ClusterRead>): string[] {
  const releases = Object.fromEntries(ctx.names.map((n) => [n, reads[n]!.release]));
  return [
    releaseHeader(releases),
    ...ctx.names.flatMap((n) => (releases[n]!.warning ? [`warning: ${n}: ${releases[n]!.warning}`] : [])),
  ];
}

/** Preconditions of `start`, as check failures naming the property to look at. */
function startPreflight(ctx: DrContext, reads: Record<string, ClusterRead>, plan: DrPlan): PropertyFailure[] {
  const out: PropertyFailure[] = [];
  const primary = ctx.args.primary;
  for (const n of ctx.names) {
    const r = reads[n]!;
    if (r.status.status !== "Normal") {
      out.push({
        property: `clusters.${n}`,
        reason: `cluster state is ${r.status.clusterState}; gs_sdr start needs Normal`,
      });
    }
  }
  const user = reads[primary]!.drUser;
  if (user === null) {
    out.push({
      property: "drUser.name",
      reason: `user "${ctx.args.drUser.name}" does not exist on the primary cluster ${primary}; create it WITH REPLICATION first`,
    });
  } else if (!user.replication) {
    out.push({
      property: "drUser.name",
      reason: `user "${ctx.args.drUser.name}" on ${primary} lacks REPLICATION`,
    });
  }
  const versions = new Set(ctx.names.flatMap((n) => Object.values(reads[n]!.versions)).filter(Boolean));
  if (versions.size > 1) {
    const each = ctx.names
      .map(
        (n) =>
          `${n}: ${reads[n]!.release.read ?? "?"} commit ${[...new Set(Object.values(reads[n]!.versions))].join("/")}`,
      )
      .join("; ");
    out.push({
      property: "clusters",
      reason: `the clusters run different openGauss builds (${each}); gs_sdr start refuses "Different version of cluster and disaster recovery" (GAUSS-51632): upgrade one so both run the same release and commit`,
    });
  }
  const osUsers = new Set(ctx.names.map((n) => reads[n]!.facts.osUser));
  if (osUsers.size > 1) {
    out.push({
      property: `clusters.${ctx.names[1]}.ssh.user`,
      reason: `the clusters run as different OS users (${ctx.names.map((n) => `${n}: ${reads[n]!.facts.osUser}`).join(", ")}); gs_sdr requires the same cluster user on both sides`,
    });
  }
  for (const p of plan.problems) {
    out.push({ property: `clusters.${p.cluster}${p.node ? ` (${p.node})` : ""}`, reason: p.message });
  }
  return out;
}

type Observed = Record<string, ClusterObservation>;

function ownership(ctx: DrContext, olds: Record<string, unknown>, name: string): Ownership {
  const op = olds["lastOperation"] as DrOperation | undefined;
  return { traces: op ? Object.values(op.traceIds ?? {}) : [], owner: ownerTag(ctx, name) };
}

function viewsOf(ctx: DrContext, obs: Observed): [ClusterView, ClusterView] {
  return [obs[ctx.names[0]!]!.view, obs[ctx.names[1]!]!.view];
}

function decisionInput(ctx: DrContext, obs: Observed, olds: Record<string, unknown>): DecisionInput {
  const last = olds["lastOperation"] as DrOperation | undefined;
  const rpo = olds["rpoSeconds"];
  return {
    views: viewsOf(ctx, obs),
    desiredPrimary: ctx.args.primary,
    allowDataLoss: ctx.args.allowDataLoss,
    lastRpoSeconds: typeof rpo === "number" ? rpo : null,
    ...(last ? { last: { kind: last.kind, status: last.status, ...(last.to ? { to: last.to } : {}) } } : {}),
  };
}

/** Each reachable cluster's XML compared with the DNs it runs (nothing runs on a mismatch). */
function topologyFailures(ctx: DrContext, obs: Observed): PropertyFailure[] {
  return ctx.names.flatMap((n) => {
    const o = obs[n]!;
    return o.view.reachable && o.status ? topologyMismatches(n, ctx.topologies[n]!, o.status) : [];
  });
}

/** The full per-node reads a plan needs (GUCs, pg_hba, CM settings, DR user, versions). */
async function fullReads(ctx: DrContext): Promise<Record<string, ClusterRead>> {
  const reads = await Promise.all(ctx.names.map((n) => readCluster(ctx, n, { query: false })));
  return Object.fromEntries(reads.map((r) => [r.cluster, r]));
}

function lockLines(locks: LockView[]): string[] {
  return locks.map(
    (l) => `first: remove our stale lock streaming_lock_${l.trace} on ${l.node} (no gs_sdr runs)`,
  );
}

/** The plan lines of an operation (header first), and the preflight failures that stop it. */
async function planOf(
  ctx: DrContext,
  op: Operation,
): Promise<{ lines: string[]; failures: PropertyFailure[] }> {
  const header = `${OPERATION_PREFIX}${operationKey(op)}`;
  switch (op.kind) {
    case "noop":
    case "wait":
    case "blocked":
      return { lines: [], failures: [] };
    case "failover":
      return {
        lines: [
          header,
          `failover: ${op.to} runs \`gs_sdr -t failover\` on ${runNode(ctx, op.to).name} and becomes primary on its own${op.resume ? " (resuming from its step file)" : ""}`,
          `  why: ${op.why}`,
          `  data loss: transactions ${op.from} committed that were not replicated are lost (last known RPO: ${op.rpoSeconds === null ? "unknown" : `${op.rpoSeconds} s`})`,
          `  afterwards the pair must be rebuilt: the next \`pulumi up\` with ${op.from} reachable stops ${op.from} and starts DR with ${op.to} as primary`,
          ...lockLines(op.clearLocks),
        ],
        failures: [],
      };
    case "switchover": {
      const reads = await fullReads(ctx);
      const plan = planSwitchover(planInput(ctx, reads, op.from), op.to);
      return {
        lines: [
          header,
          ...releaseLines(ctx, reads),
          ...(op.resume ? ["resume: both sides re-run and continue from their step files"] : []),
          ...lockLines(op.clearLocks),
          ...wrapForDisplay(renderDrPlan(plan)),
        ],
        failures: [],
      };
    }
    case "start":
    case "rebuild": {
      const reads = await fullReads(ctx);
      const plan = planCreate(planInput(ctx, reads, op.primary));
      const pre: string[] = [header, ...releaseLines(ctx, reads)];
      if (op.kind === "rebuild") {
        pre.push(
          `rebuild: ${op.stop} runs \`gs_sdr -t stop\` first (removes its DR replconninfo entries, pg_hba lines and streaming_cabin)${op.discards ? `; ${op.discards}'s writes since the pair parted are discarded (allowDataLoss)` : ""}`,
          ...op.forgetStartSteps.map(
            (s) =>
              `  first forget the leftover .streaming_${s}.step on ${op.stop} (what gs_sdr -f does; stop refuses while it exists)`,
          ),
          "  then both clusters start as below (values read before stop runs)",
        );
      } else if (op.resume) {
        pre.push(
          `resume: ${op.sides.map((s) => (s === "primary" ? op.primary : op.standby)).join(" and ")} re-run start on the same node, continuing from gs_sdr's step files`,
        );
      }
      const failures = op.kind === "start" && !op.resume ? startPreflight(ctx, reads, plan) : [];
      return {
        lines: [...pre, ...lockLines(op.clearLocks), ...wrapForDisplay(renderDrPlan(plan))],
        failures,
      };
    }
  }
}

/** The operation named by a plan's first line, or undefined when the plan is unknown (preview had unknowns). */
function previewedKey(plan: unknown): string | undefined {
  if (!Array.isArray(plan)) return undefined;
  const first = plan[0];
  if (typeof first !== "string") return "noop";
  return first.startsWith(OPERATION_PREFIX) ? first.slice(OPERATION_PREFIX.length) : "noop";
}

function operation(kind: DrOperation["kind"], status: string, runs: SdrRun[], to?: string): DrOperation {
  return {
    kind,
    status,
    at: new Date().toISOString(),
    ...(to ? { to } : {}),
    traceIds: Object.fromEntries(
      runs.filter((r) => r.summary.traceId).map((r) => [r.cluster, r.summary.traceId!]),
    ),
    nodes: Object.fromEntries(runs.map((r) => [r.cluster, r.node])),
  };
}

/** Raised inside an operation with the runs made so far, so the failure can be recorded for resumption. */
class OperationFailed extends Error {
  constructor(
    readonly failure: unknown,
    readonly op: DrOperation,
  ) {
    super(describeError(failure));
  }
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
  throw new OperationFailed(
    sdrFailure(failed, `gs_sdr ${kind}`, `${others.length ? `(${others.join("; ")}.) ` : ""}${hint}`),
    operation(kind, "failed", runs, to),
  );
}

function statsLine(obs: Observed): string {
  return Object.values(obs)
    .map((o) => `${o.view.name}=${o.view.reachable ? (o.view.stat ?? "unknown") : "unreachable"}`)
    .join(", ");
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
  const established =
    ["archive", "archive_fail"].includes(o[primary]!.view.stat ?? "") &&
    ["recovery", "recovery_fail"].includes(o[standby]!.view.stat ?? "");
  if (!established) {
    throw new OperationFailed(
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

async function clearOurLocks(ctx: DrContext, obs: Observed, locks: LockView[], name: string): Promise<void> {
  for (const o of Object.values(obs)) {
    if (!o.view.reachable) continue;
    const mine = locks.filter((l) => o.view.locks.includes(l));
    await clearStale(ctx, o, mine, (line) => progress(name, line));
  }
}

async function forgetStartSteps(
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

/** Runs the decided operation; returns the record of what ran and the observation after it. */
async function execute(
  ctx: DrContext,
  op: Operation,
  obs: Observed,
  own: Ownership,
  name: string,
): Promise<{ op: DrOperation | null; after: Observed }> {
  switch (op.kind) {
    case "noop":
      for (const w of op.warnings) progress(name, `warning: ${w}`);
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
      return runAndSettle(ctx, obs, own, name, op.clearLocks, "switchover", op.to, () =>
        runPair(
          ctx,
          { cluster: op.from, task: { task: "switchover", mode: "disaster_standby" } },
          { cluster: op.to, task: { task: "switchover", mode: "primary" } },
          name,
        ),
      );
    case "failover": {
      await clearOurLocks(ctx, obs, op.clearLocks, name);
      progress(
        name,
        `failover to ${op.to} (${op.why}): transactions not yet replicated are lost (last known RPO: ${op.rpoSeconds ?? "unknown"} s)`,
      );
      const run = await runSdr(ctx, op.to, { task: "failover" }, name);
      if (run.detached || run.exitCode !== 0) {
        throw new OperationFailed(
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
      const stop = await runSdr(ctx, op.stop, { task: "stop" }, name);
      if (stop.detached || stop.exitCode !== 0) {
        throw new OperationFailed(
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

/** Outputs from an observation: real primary, per-cluster stat, RPO/RTO, health. */
function outputsOf(ctx: DrContext, obs: Observed, fallbackPrimary?: string): Record<string, unknown> {
  const views = viewsOf(ctx, obs);
  const health: Health = assessHealth(views);
  const p = views.find((v) => v.reachable && (v.stat === "archive" || v.stat === "archive_fail"));
  const d = views.find((v) => v.reachable && (v.stat === "recovery" || v.stat === "recovery_fail"));
  const alone = views.find((v) => v.reachable && v.stat === "normal");
  const other = (v: ClusterView) => views.find((x) => x !== v)!;
  let primary: string | undefined;
  if (p && (d || !other(p).reachable)) primary = p.name;
  else if (d && !other(d).reachable) primary = other(d).name;
  else if (
    alone &&
    (!other(alone).reachable || other(alone).stat === "archive_fail" || other(alone).stat === "archive")
  )
    primary = fallbackPrimary ?? alone.name;
  else primary = fallbackPrimary;
  const stats = Object.fromEntries(
    views.map((v) => [v.name, v.reachable ? (v.stat ?? "unknown") : "unreachable"]),
  );
  const rpoFrom = p ?? views.find((v) => v.rpoSeconds !== null);
  return {
    ...(primary ? { primary } : {}),
    hadrClusterStat: stats,
    rpoSeconds: rpoFrom?.rpoSeconds ?? null,
    rtoSeconds: rpoFrom?.rtoSeconds ?? null,
    health: health.summary,
  };
}

/** create/update: observe, decide, compare with preview, act, wait. */
async function apply(
  ctx: DrContext,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  name: string,
  adopting = false,
): Promise<{ op: DrOperation | null; after: Observed }> {
  const own = ownership(ctx, olds, name);
  const obs = await observe(ctx, own);
  const mismatches = topologyFailures(ctx, obs);
  if (mismatches.length > 0) throw new ValidationError(mismatches);
  const op = (adopting ? decideAdopt : decide)(decisionInput(ctx, obs, olds));
  const previewed = previewedKey(news["plan"]);
  const now = operationKey(op);
  if (
    previewed !== undefined &&
    previewed !== now &&
    !(previewed === "noop" && (op.kind === "wait" || op.kind === "blocked"))
  ) {
    throw new StateError(
      `state changed since preview: preview said "${previewed}", now "${now}" (${statsLine(obs)}); nothing was run`,
      { hint: "Run `pulumi preview` again to see what would run now, then `pulumi up`." },
    );
  }
  return execute(ctx, op, obs, own, name);
}

function recordOrSurface(
  e: unknown,
  id: string,
  inputs: Record<string, unknown>,
  base: Record<string, unknown>,
): Error {
  if (e instanceof OperationFailed) {
    return partialFailure(e.failure, id, { ...base, plan: [], lastOperation: e.op }, inputs);
  }
  return surface(e);
}

/** Reports what a dissolve leaves on the clusters and removes the provider's own files. */
async function afterDissolve(ctx: DrContext, obs: Observed, name: string): Promise<void> {
  for (const n of ctx.names) {
    if (!obs[n]!.view.reachable) continue;
    const t = ctx.topologies[n]!;
    const peer = ctx.topologies[ctx.names.find((x) => x !== n)!]!;
    const peerIps = [
      ...peer.dataNodes.flatMap((d) => [d.sshIp, d.backIp]),
      ...remoteStreamIpPairs(t, peer).map((p) => p.dataIp),
    ];
    for (const d of t.dataNodes) {
      try {
        const out = await batch(
          ctx,
          n,
          d.sshIp,
          {
            hba: `grep -E '^[[:space:]]*host[[:space:]]' ${JSON.stringify(`${d.dataDir}/pg_hba.conf`)} 2>/dev/null; true`,
            rm: 'rm -rf "$HOME/.pulumi-hadr"',
          },
          "after dissolve",
        );
        const left = (out["hba"] ?? "").split("\n").filter((l) => peerIps.some((ip) => l.includes(`${ip}/`)));
        for (const l of left)
          progress(
            name,
            `left behind on ${n}/${d.name} pg_hba.conf (gs_sdr does not remove it): ${l.trim().replace(/\s+/g, " ")}`,
          );
      } catch {
        // a node that does not answer keeps its files; destroy does not fail for a report
      }
    }
    progress(
      name,
      `${n}: removed the provider's own files (~/.pulumi-hadr); most_available_sync stays on where gs_sdr set it (≤ 2 DNs)`,
    );
  }
}

async function dissolve(ctx: DrContext, olds: Record<string, unknown>, name: string): Promise<void> {
  const own = ownership(ctx, olds, name);
  const obs = await observe(ctx, own);
  const d = decideDissolve(viewsOf(ctx, obs));
  if ("kind" in d) {
    if (d.kind === "wait")
      throw new LockedError(d.reason, { hint: "Wait for it to finish, then run `pulumi destroy` again." });
    if (d.kind === "blocked") throw new StateError(`${d.property}: ${d.reason}`, { hint: d.hint });
    return;
  }
  await clearOurLocks(ctx, obs, d.clearLocks, name);
  for (const c of d.failover) {
    const r = await runSdr(ctx, c, { task: "failover" }, name);
    if (r.detached || r.exitCode !== 0)
      throw sdrFailure(r, "gs_sdr failover", "Run `pulumi destroy` again to resume.");
  }
  for (const c of d.stop) {
    await forgetStartSteps(ctx, c, d.forgetStartSteps[c] ?? [], name);
    await placeDrXml(ctx, c);
    const r = await runSdr(ctx, c, { task: "stop" }, name);
    if (r.detached || r.exitCode !== 0)
      throw sdrFailure(r, "gs_sdr stop", "Run `pulumi destroy` again to resume.");
  }
  await afterDissolve(ctx, obs, name);
  if (d.unreachable.length > 0) {
    throw new StateError(
      `dissolved what could be reached; ${d.unreachable.join(", ")} cannot be reached and still holds its DR settings`,
      {
        hint: "Run `pulumi destroy` again when it is back (it then fails it over and cleans up), or `pulumi state delete` to forget the relationship.",
      },
    );
  }
}

/** Inputs that are whole objects holding XML or secrets: a failure on one of them is reported on the resource. */
const OBJECT_INPUTS = ["clusters", "drUser", "sshKey", "clusterSshKeys"];

/** True in check() of a resource being created (the engine passes no old inputs). */
function creating(olds: Record<string, unknown>): boolean {
  return olds["clusters"] === undefined;
}

/** check(): validate, observe, decide, and show the whole plan of what will run; never writes. */
async function checkDr(
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
): Promise<pulumi.dynamic.CheckResult> {
  const raw = userInputs(news, DR_OUTPUTS);
  const v = validateDrRelationship(raw);
  if (containsUnknown(raw)) {
    // Validate what is known; what depends on an unknown value is checked at `up`, before anything runs.
    const known = knownFailures(v.failures, raw);
    return known.length > 0 ? { failures: known } : { inputs: { ...news, plan: UNKNOWN } };
  }
  if (v.failures.length > 0 || !v.args) return { failures: v.failures };
  const ctx = drContext(v.args, v.topologies);
  const name = resourceName(news);
  try {
    const obs = await observe(ctx, ownership(ctx, olds, name));
    const mismatches = topologyFailures(ctx, obs);
    if (mismatches.length > 0) return { failures: mismatches };
    const adopting = v.args.adopt && creating(olds);
    const op = (adopting ? decideAdopt : decide)(decisionInput(ctx, obs, olds));
    if (adopting && op.kind === "noop")
      progress(name, "adopt: the established pair is taken over as it is; nothing runs");
    if (op.kind === "blocked")
      return { failures: [{ property: op.property, reason: `${op.reason}. ${op.hint}` }] };
    if (op.kind === "wait") {
      return {
        failures: [{ property: "", reason: `${op.reason}: wait for it to finish, then run preview again` }],
      };
    }
    if (op.kind === "noop") for (const w of op.warnings) progress(name, `warning: ${w}`);
    const plan = await planOf(ctx, op);
    if (plan.failures.length > 0) return { failures: plan.failures };
    // The whole plan, every time: `preview --diff` alone shows only what differs from the stored plan.
    for (const line of plan.lines) progress(name, `plan: ${line}`);
    return { inputs: { ...news, plan: plan.lines } };
  } catch (e) {
    const where = e instanceof HadrError ? e.where.cluster : undefined;
    return { failures: [{ property: where ? `clusters.${where}` : "", reason: describeError(e) }] };
  } finally {
    await ctx.fleet.close();
  }
}

/** The `DrRelationship` hooks. */
export const drRelationshipController: pulumi.dynamic.ResourceProvider = {
  async check(olds, news) {
    const r = await checkDr(olds, news);
    return r.failures ? { failures: narrowFailures(r.failures, OBJECT_INPUTS) } : r;
  },

  async diff(_id, olds, news) {
    const topo = (p: Record<string, unknown>) => {
      const c = (p["clusters"] ?? {}) as Record<string, { xml?: string }>;
      return stableJson(Object.fromEntries(Object.entries(c).map(([k, x]) => [k, x.xml])));
    };
    const userName = (p: Record<string, unknown>) => (p["drUser"] as { name?: string } | undefined)?.name;
    const replaces: string[] = [];
    if (topo(olds) !== topo(news)) replaces.push("clusters");
    if (userName(olds) !== userName(news)) replaces.push("drUser");
    // `adopt` is not compared: it only matters to create. A new key must reach the state (an update that runs
    // nothing), so later refresh and destroy log in with it.
    const keys = [
      "clusters",
      "primary",
      "drUser",
      "allowDataLoss",
      "timeoutSeconds",
      "sshKey",
      "clusterSshKeys",
    ];
    const changed = keys.filter((k) => stableJson(olds[k]) !== stableJson(news[k]));
    const pending = news["plan"] === UNKNOWN || (Array.isArray(news["plan"]) && news["plan"].length > 0);
    if (changed.length === 0) return { changes: pending };
    return { changes: undefined, replaces, deleteBeforeReplace: true };
  },

  async create(inputs) {
    const { args } = parse(inputs);
    const id = idOf(args);
    const name = resourceName(inputs);
    return withContext(inputs, async (ctx) => {
      try {
        const { op, after } = await apply(ctx, {}, inputs, name, args.adopt);
        const outs = {
          ...inputs,
          ...outputsOf(ctx, after, ctx.args.primary),
          plan: [],
          lastOperation: op ?? operation("adopt", "succeeded", []),
        };
        return { id, outs };
      } catch (e) {
        throw recordOrSurface(e, id, inputs, { ...inputs });
      }
    });
  },

  async update(id, olds, news) {
    const name = resourceName(news);
    return withContext(news, async (ctx) => {
      try {
        const { op, after } = await apply(ctx, olds, news, name);
        const outs = {
          ...news,
          ...outputsOf(ctx, after, ctx.args.primary),
          plan: [],
          lastOperation:
            op ?? (olds["lastOperation"] as DrOperation | undefined) ?? operation("adopt", "succeeded", []),
        };
        return { outs };
      } catch (e) {
        throw recordOrSurface(e, id, news, { ...olds, ...news });
      }
    });
  },

  async read(id, props) {
    try {
      return await withContext(props, async (ctx) => {
        const obs = await observe(ctx, ownership(ctx, props, resourceName(props)));
        const live = outputsOf(ctx, obs);
        // The stored inputs get the real primary too: the engine diffs inputs, so an out-of-band switchover
        // then previews as `~ primary: "B" => "A"` (an update back), never as a replacement. The stored plan
        // is emptied so the next preview shows the whole plan of whatever runs next.
        const inputs: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(props)) {
          if (!(DR_OUTPUTS as readonly string[]).includes(k)) inputs[k] = v;
        }
        inputs["plan"] = [];
        if (live["primary"] !== undefined) inputs["primary"] = live["primary"];
        return { id, props: { ...props, ...live, plan: [] }, inputs };
      });
    } catch (e) {
      throw surface(e);
    }
  },

  async delete(_id, props) {
    const name = resourceName(props);
    try {
      await withContext(props, (ctx) => dissolve(ctx, props, name));
    } catch (e) {
      throw surface(e);
    }
  },
};

/** The id create gives a relationship: `dr:<cluster>:<cluster>`. */
export function idOf(args: DrSpec): string {
  return `dr:${Object.keys(args.clusters).join(":")}`;
}

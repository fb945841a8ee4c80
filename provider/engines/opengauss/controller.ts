/**
 * DrRelationship controller: the dynamic-provider hooks for openGauss streaming DR through gs_sdr.
 *
 * The relationship's live state comes from `gs_sdr -t query` on both clusters: established when one side is
 * `archive` (the primary) and the other `recovery`. check() validates, reads both clusters in parallel and
 * plans the next operation (start, switchover, rebuild, or nothing); it never writes. create/update run
 * the operation and record a failure part-way so the next `pulumi up` resumes on the same nodes.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { ClusterTopology } from "../../config/clusterXml";
import { type DrRelationshipArgs, validateDrRelationship } from "../../config/drRelationship";
import { describeError, HadrError, type PropertyFailure, StateError, ValidationError } from "../../errors";
import { wrapForDisplay } from "../../resources/display";
import type { DrOperation } from "../../resources/drRelationship";
import {
  containsUnknown,
  partialFailure,
  progress,
  resourceName,
  stableJson,
  surface,
  UNKNOWN,
  userInputs,
} from "../../resources/hooks";
import type { SdrQueryResult } from "./parsers/query";
import { type DrPlan, planCreate, planSwitchover, renderPlan } from "./plan";
import { type ClusterRead, type DrContext, drContext, queryCluster, readCluster, runNode } from "./remote";
import { clearOwnStaleLocks, placeDrXml, runPair, runSdr, type SdrRun, sdrFailure } from "./tasks";

/** Properties the provider computes (`primary` is an input whose output is the real primary). */
export const DR_OUTPUTS = ["hadrClusterStat", "rpoSeconds", "rtoSeconds", "plan", "lastOperation"] as const;

const PRIMARY_SIDE = new Set(["archive", "archive_fail", "full_backup", "backup_fail"]);
const DR_SIDE = new Set(["recovery", "recovery_fail", "restore", "restore_fail"]);

function parse(props: Record<string, unknown>): {
  args: DrRelationshipArgs;
  topologies: Record<string, ClusterTopology>;
} {
  const v = validateDrRelationship(userInputs(props, DR_OUTPUTS));
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

/** The live relationship as both queries show it. */
interface Live {
  stats: Record<string, string>;
  /** The cluster on the primary side (archive, full_backup, …), if any. */
  primary: string | null;
  /** The cluster on the DR side (recovery, restore, …), if any: with `primary`, the relationship exists. */
  drSide: string | null;
  established: boolean;
  /** Both sides `normal`: no relationship. */
  dissolved: boolean;
  rpoSeconds: number | null;
  rtoSeconds: number | null;
}

function liveOf(names: string[], queries: Record<string, SdrQueryResult | null>): Live {
  const stats: Record<string, string> = {};
  for (const n of names) stats[n] = queries[n]?.hadrClusterStat ?? "unknown";
  const p = names.find((n) => PRIMARY_SIDE.has(stats[n]!)) ?? null;
  const d = names.find((n) => DR_SIDE.has(stats[n]!)) ?? null;
  const pick = (k: "rpoSeconds" | "rtoSeconds") =>
    names.map((n) => queries[n]?.[k] ?? null).find((x) => x !== null) ?? null;
  return {
    stats,
    primary: p,
    drSide: d,
    established: p !== null && d !== null && stats[p] === "archive" && stats[d] === "recovery",
    dissolved: names.every((n) => stats[n] === "normal"),
    rpoSeconds: pick("rpoSeconds"),
    rtoSeconds: pick("rtoSeconds"),
  };
}

function other(ctx: DrContext, cluster: string): string {
  return ctx.names.find((n) => n !== cluster)!;
}

function planInput(ctx: DrContext, reads: Record<string, ClusterRead>, primary: string) {
  const runNodes: Record<string, string> = {};
  for (const n of ctx.names) runNodes[n] = runNode(ctx, n).name;
  return {
    topologies: ctx.topologies,
    primary,
    snapshots: ctx.names.flatMap((n) => reads[n]!.snapshots),
    facts: Object.fromEntries(ctx.names.map((n) => [n, reads[n]!.facts])),
    runNodes,
  };
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
    out.push({
      property: "clusters",
      reason: `the clusters run different openGauss commits (${[...versions].join(", ")}); gs_sdr needs the same version`,
    });
  }
  for (const p of plan.problems) {
    out.push({ property: `clusters.${p.cluster}${p.node ? ` (${p.node})` : ""}`, reason: p.message });
  }
  return out;
}

/** What check() decides the next operation is. */
interface Decision {
  plan: string[];
  failures: PropertyFailure[];
}

async function decide(ctx: DrContext): Promise<Decision> {
  const readsList = await Promise.all(ctx.names.map((n) => readCluster(ctx, n, { query: true })));
  const reads = Object.fromEntries(readsList.map((r) => [r.cluster, r]));
  const live = liveOf(ctx.names, Object.fromEntries(readsList.map((r) => [r.cluster, r.query])));
  const desired = ctx.args.primary;
  if (live.dissolved) {
    const plan = planCreate(planInput(ctx, reads, desired));
    return { plan: wrapForDisplay(renderPlan(plan)), failures: startPreflight(ctx, reads, plan) };
  }
  if (live.primary === desired && live.established) return { plan: [], failures: [] };
  if (
    live.primary !== null &&
    live.drSide === null &&
    live.stats[desired] === "normal" &&
    live.primary !== desired
  ) {
    return {
      plan: [
        `rebuild: ${live.primary} still acts as the primary side of a relationship ${desired} has left (after a failover):`,
        `  ${live.primary} runs \`gs_sdr -t stop\`, then both clusters start with ${desired} as primary`,
      ],
      failures: [],
    };
  }
  if (live.primary !== null && live.drSide !== null && live.primary !== desired) {
    const from = live.primary;
    const blocked = ctx.names.filter((n) => !["Normal", "Degraded"].includes(reads[n]!.status.status));
    if (blocked.length > 0 || !live.established) {
      const why =
        blocked.length > 0
          ? `cluster ${blocked.join(", ")} is ${blocked.map((b) => reads[b]!.status.clusterState).join(", ")}`
          : `the relationship is not healthy (${ctx.names.map((n) => `${n}=${live.stats[n]}`).join(", ")})`;
      if (!ctx.args.allowDataLoss) {
        return {
          plan: [],
          failures: [
            {
              property: "primary",
              reason: `a switchover to ${desired} is impossible now (${why}); set allowDataLoss: true to fail over instead (last known RPO: ${live.rpoSeconds ?? "unknown"} s)`,
            },
          ],
        };
      }
      return {
        plan: [
          `failover: ${desired} becomes primary with gs_sdr -t failover (${why}; transactions not yet replicated are lost, last known RPO ${live.rpoSeconds ?? "unknown"} s)`,
          "the relationship must then be rebuilt: the next `pulumi up` rebuilds it",
        ],
        failures: [],
      };
    }
    const plan = planSwitchover(planInput(ctx, reads, from), desired);
    return { plan: wrapForDisplay(renderPlan(plan)), failures: [] };
  }
  const state = ctx.names.map((n) => `${n}=${live.stats[n]}`).join(", ");
  return {
    plan: [
      `resume: the relationship is in transition (${state}); the next operation continues from gs_sdr's step files`,
    ],
    failures: [],
  };
}

function operation(kind: string, status: string, runs: SdrRun[], at = new Date()): DrOperation {
  return {
    kind,
    status,
    at: at.toISOString(),
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

function ownTraces(olds: Record<string, unknown>): string[] {
  const op = olds["lastOperation"] as DrOperation | undefined;
  return op ? Object.values(op.traceIds) : [];
}

/** Throws for the first gs_sdr run that failed (preferring one that was not stopped because of the other). */
function throwIfFailed(runs: SdrRun[], kind: string, hint: string): void {
  const failed = runs.find((r) => r.exitCode !== 0 && !r.aborted) ?? runs.find((r) => r.exitCode !== 0);
  if (failed)
    throw new OperationFailed(sdrFailure(failed, `gs_sdr ${kind}`, hint), operation(kind, "failed", runs));
}

/** start on both clusters at once (only the sides not yet done), then confirm with query. */
async function start(ctx: DrContext, owned: string[], name: string): Promise<DrOperation> {
  const reads = await Promise.all(ctx.names.map((n) => readCluster(ctx, n, { query: true })));
  for (const r of reads) await clearOwnStaleLocks(ctx, r, owned, name);
  const primary = ctx.args.primary;
  const dr = other(ctx, primary);
  await Promise.all(ctx.names.map((n) => placeDrXml(ctx, n)));
  const pStat = reads.find((r) => r.cluster === primary)!.query?.hadrClusterStat;
  const dStat = reads.find((r) => r.cluster === dr)!.query?.hadrClusterStat;
  let runs: SdrRun[];
  if (pStat === "archive" && dStat !== "recovery") {
    runs = [await runSdr(ctx, dr, { task: "start", mode: "disaster_standby" }, name)];
  } else if (pStat !== "archive" && dStat === "recovery") {
    runs = [await runSdr(ctx, primary, { task: "start", mode: "primary" }, name)];
  } else {
    runs = await runPair(
      ctx,
      { cluster: primary, task: { task: "start", mode: "primary" } },
      { cluster: dr, task: { task: "start", mode: "disaster_standby" } },
      name,
    );
  }
  throwIfFailed(
    runs,
    "start",
    "Fix the cause, then run `pulumi up`: it resumes on the same node from gs_sdr's step files.",
  );
  await confirm(ctx, primary, runs, "start");
  return operation("start", "succeeded", runs);
}

/** Exit 0 alone is not success: both sides must be archive / recovery. */
async function confirm(ctx: DrContext, primary: string, runs: SdrRun[], kind: string): Promise<void> {
  const q = await Promise.all(ctx.names.map((n) => queryCluster(ctx, n)));
  const live = liveOf(ctx.names, Object.fromEntries(ctx.names.map((n, i) => [n, q[i]!])));
  if (!live.established || live.primary !== primary) {
    throw new OperationFailed(
      new StateError(
        `gs_sdr ${kind} exited 0 but the clusters are ${ctx.names.map((n) => `${n}=${live.stats[n]}`).join(", ")} (expected ${primary}=archive)`,
        {
          where: { step: `confirm ${kind}` },
          hint: "Run `pulumi refresh` to see the live state, then `pulumi up` to resume.",
        },
      ),
      operation(kind, "failed", runs),
    );
  }
}

async function switchover(
  ctx: DrContext,
  from: string,
  to: string,
  owned: string[],
  name: string,
): Promise<DrOperation> {
  const reads = await Promise.all(ctx.names.map((n) => readCluster(ctx, n, { query: false })));
  for (const r of reads) await clearOwnStaleLocks(ctx, r, owned, name);
  const runs = await runPair(
    ctx,
    { cluster: from, task: { task: "switchover", mode: "disaster_standby" } },
    { cluster: to, task: { task: "switchover", mode: "primary" } },
    name,
  );
  throwIfFailed(
    runs,
    "switchover",
    "Fix the cause, then run `pulumi up`: both sides re-run and resume from their step files.",
  );
  await confirm(ctx, to, runs, "switchover");
  return operation("switchover", "succeeded", runs);
}

async function failover(
  ctx: DrContext,
  to: string,
  lastRpo: number | null,
  name: string,
): Promise<DrOperation> {
  progress(
    name,
    `failover to ${to}: transactions not yet replicated are lost (last known RPO: ${lastRpo ?? "unknown"} s)`,
  );
  const run = await runSdr(ctx, to, { task: "failover" }, name);
  if (run.exitCode !== 0) {
    throw new OperationFailed(
      sdrFailure(run, "gs_sdr failover", "Run `pulumi up` again to resume the failover."),
      operation("failover", "failed", [run]),
    );
  }
  progress(name, `${to} is primary; the relationship must be rebuilt: the next \`pulumi up\` rebuilds it`);
  return operation("failover", "rebuild-needed", [run]);
}

/** Dissolves what exists: failover on the DR side, then stop on the primary side. */
async function dissolve(ctx: DrContext, name: string): Promise<DrOperation> {
  const q = await Promise.all(ctx.names.map((n) => queryCluster(ctx, n)));
  const live = liveOf(ctx.names, Object.fromEntries(ctx.names.map((n, i) => [n, q[i]!])));
  const runs: SdrRun[] = [];
  const drSide = ctx.names.find(
    (n) => DR_SIDE.has(live.stats[n]!) || live.stats[n] === "promote" || live.stats[n] === "promote_fail",
  );
  if (drSide) {
    const r = await runSdr(ctx, drSide, { task: "failover" }, name);
    runs.push(r);
    if (r.exitCode !== 0) throw sdrFailure(r, "gs_sdr failover", "Run `pulumi destroy` again to resume.");
  }
  const pSide = ctx.names.find((n) => PRIMARY_SIDE.has(live.stats[n]!));
  if (pSide) {
    await placeDrXml(ctx, pSide);
    const r = await runSdr(ctx, pSide, { task: "stop" }, name);
    runs.push(r);
    if (r.exitCode !== 0) throw sdrFailure(r, "gs_sdr stop", "Run `pulumi destroy` again to resume.");
  }
  return operation("dissolve", "succeeded", runs);
}

async function liveOutputs(ctx: DrContext, fallbackPrimary?: string): Promise<Record<string, unknown>> {
  const q = await Promise.all(ctx.names.map((n) => queryCluster(ctx, n)));
  const live = liveOf(ctx.names, Object.fromEntries(ctx.names.map((n, i) => [n, q[i]!])));
  const primary = live.established ? live.primary : fallbackPrimary;
  return {
    ...(primary ? { primary } : {}),
    hadrClusterStat: live.stats,
    rpoSeconds: live.rpoSeconds,
    rtoSeconds: live.rtoSeconds,
  };
}

/** Runs whatever brings the pair to the desired state, from the live state. */
async function converge(
  ctx: DrContext,
  olds: Record<string, unknown>,
  name: string,
): Promise<DrOperation | null> {
  const q = await Promise.all(ctx.names.map((n) => queryCluster(ctx, n)));
  const live = liveOf(ctx.names, Object.fromEntries(ctx.names.map((n, i) => [n, q[i]!])));
  const desired = ctx.args.primary;
  const owned = ownTraces(olds);
  if (live.established && live.primary === desired) return null;
  if (live.primary !== null && live.drSide !== null && live.primary !== desired) {
    const from = live.primary;
    const reads = await Promise.all(
      ctx.names.map((n) => readCluster(ctx, n, { query: false }).catch(() => null)),
    );
    const blocked = ctx.names.filter(
      (_n, i) => !reads[i] || !["Normal", "Degraded"].includes(reads[i]!.status.status),
    );
    if (blocked.length === 0 && live.established) return switchover(ctx, from, desired, owned, name);
    if (!ctx.args.allowDataLoss) {
      throw new StateError(
        `a switchover to ${desired} is impossible now (${blocked.length ? `cluster ${blocked.join(", ")} is not Normal` : "the relationship is not healthy"})`,
        {
          where: { cluster: blocked[0] ?? from, step: "switchover" },
          hint: `Set allowDataLoss: true to fail over instead (last known RPO: ${live.rpoSeconds ?? (olds["rpoSeconds"] as number | null) ?? "unknown"} s).`,
        },
      );
    }
    return failover(ctx, desired, (olds["rpoSeconds"] as number | null) ?? live.rpoSeconds, name);
  }
  const last = olds["lastOperation"] as DrOperation | undefined;
  if (last?.kind === "switchover" && last.status === "failed") {
    const to = desired;
    return switchover(ctx, other(ctx, to), to, owned, name);
  }
  // After a failover (or any half state) the old primary side must be stopped before a fresh start.
  const stale = ctx.names.find((n) => n !== desired && PRIMARY_SIDE.has(live.stats[n]!));
  if (stale && live.stats[desired] === "normal") {
    await placeDrXml(ctx, stale);
    const r = await runSdr(ctx, stale, { task: "stop" }, name);
    if (r.exitCode !== 0) {
      throw new OperationFailed(
        sdrFailure(r, "gs_sdr stop", "Run `pulumi up` again."),
        operation("rebuild", "failed", [r]),
      );
    }
  }
  return start(ctx, owned, name);
}

function idOf(args: DrRelationshipArgs): string {
  return `dr:${Object.keys(args.clusters).join(":")}`;
}

function recordOrSurface(
  e: unknown,
  id: string,
  inputs: Record<string, unknown>,
  base: Record<string, unknown>,
): Error {
  if (e instanceof OperationFailed) {
    return partialFailure(e.failure, id, { ...base, lastOperation: e.op }, inputs);
  }
  return surface(e);
}

/** The `DrRelationship` hooks. */
export const drRelationshipController: pulumi.dynamic.ResourceProvider = {
  async check(_olds, news) {
    const raw = userInputs(news, DR_OUTPUTS);
    if (containsUnknown(raw)) return { inputs: { ...news, plan: UNKNOWN } };
    const v = validateDrRelationship(raw);
    if (v.failures.length > 0 || !v.args) return { failures: v.failures };
    const ctx = drContext(v.args, v.topologies);
    try {
      const d = await decide(ctx);
      if (d.failures.length > 0) return { failures: d.failures };
      return { inputs: { ...news, plan: d.plan } };
    } catch (e) {
      const where = e instanceof HadrError ? e.where.cluster : undefined;
      return { failures: [{ property: where ? `clusters.${where}` : "clusters", reason: describeError(e) }] };
    } finally {
      await ctx.fleet.close();
    }
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
    const keys = ["clusters", "primary", "drUser", "allowDataLoss", "timeoutSeconds"];
    const changed = keys.filter((k) => stableJson(olds[k]) !== stableJson(news[k]));
    const pending = news["plan"] === UNKNOWN || (Array.isArray(news["plan"]) && news["plan"].length > 0);
    const last = olds["lastOperation"] as DrOperation | undefined;
    const resume = last !== undefined && last.status !== "succeeded";
    if (changed.length === 0) return { changes: pending || resume };
    return { changes: undefined, replaces, deleteBeforeReplace: true };
  },

  async create(inputs) {
    const { args } = parse(inputs);
    const id = idOf(args);
    const name = resourceName(inputs);
    return withContext(inputs, async (ctx) => {
      try {
        const op = await converge(ctx, {}, name);
        const outs = {
          ...inputs,
          ...(await liveOutputs(ctx, ctx.args.primary)),
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
        const op = await converge(ctx, olds, name);
        const outs = {
          ...news,
          ...(await liveOutputs(ctx, ctx.args.primary)),
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
        const live = await liveOutputs(ctx);
        // The stored inputs get the real primary too: the engine diffs inputs, so an out-of-band switchover
        // then previews as `~ primary: "B" => "A"` (an update back), never as a replacement.
        const inputs: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(props)) {
          if (!(DR_OUTPUTS as readonly string[]).includes(k) || k === "plan") inputs[k] = v;
        }
        if (live["primary"] !== undefined) inputs["primary"] = live["primary"];
        return { id, props: { ...props, ...live }, inputs };
      });
    } catch (e) {
      throw surface(e);
    }
  },

  async delete(_id, props) {
    const name = resourceName(props);
    try {
      await withContext(props, (ctx) => dissolve(ctx, name));
    } catch (e) {
      throw surface(e);
    }
  },
};

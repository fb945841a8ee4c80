/**
 * What check() shows for a decided operation: the plan lines (operation header, OM releases, then every GUC
 * and pg_hba change per node, computed from a full read of every node) and the preconditions that stop it.
 * Apply compares the header with its own decision, so `up` runs only what preview showed.
 */
import { wrapForDisplay } from "../../core/display";
import type { PropertyFailure } from "../../errors";
import { type LockView, type Operation, operationKey, rpoText } from "./decide";
import { drillLines } from "./drill/plan";
import { fencePlanLines } from "./fence";
import type { Observed } from "./outputs";
import { unverifiedFailoverNotify } from "./plan/common";
import { planCreate } from "./plan/create";
import type { DrPlan } from "./plan/model";
import { renderDrPlan } from "./plan/render";
import { planSwitchover } from "./plan/switchover";
import { type ClusterRead, readCluster } from "./reads";
import { type OmBehaviour, releaseHeader } from "./releases";
import { type DrContext, runNode } from "./remote";

/** The first plan line names the operation; apply compares it with its own decision. */
export const OPERATION_PREFIX = "operation: ";

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

/**
 * The full per-node reads a plan needs (GUCs, pg_hba, CM settings, DR user, versions): the observation's own
 * where it carried them (one round trip per node), else read now.
 */
async function fullReads(ctx: DrContext, obs: Observed): Promise<Record<string, ClusterRead>> {
  const reads = await Promise.all(ctx.names.map((n) => obs[n]?.read ?? readCluster(ctx, n)));
  return Object.fromEntries(reads.map((r) => [r.cluster, r]));
}

function lockLines(locks: LockView[]): string[] {
  return locks.map(
    (l) => `first: remove our stale lock streaming_lock_${l.trace} on ${l.node} (no gs_sdr runs)`,
  );
}

function notVerifiedLines(rel: OmBehaviour | undefined): string[] {
  const m = rel && unverifiedFailoverNotify(rel);
  return m ? [`  ${m}`] : [];
}

/** The node a failover runs on, saying why when it is not the run node. */
function failoverNode(ctx: DrContext, op: Extract<Operation, { kind: "failover" }>): string {
  const run = runNode(ctx, op.to);
  if (!op.runOn) return run.name;
  const sub = ctx.topologies[op.to]!.devices.find((d) => d.sshIp === op.runOn);
  return `${sub?.name ?? op.runOn} (${op.runOn}), not its run node ${run.name}, which does not answer; step files are node-local, so it starts clean there`;
}

const RESUME_LINE = "resume: both sides re-run and continue from their step files";

/** The per-node plan of one switchover `from`->`to` (the switchover operation and each step of a drill). */
function switchoverLines(
  ctx: DrContext,
  reads: Record<string, ClusterRead>,
  from: string,
  to: string,
): string[] {
  return wrapForDisplay(renderDrPlan(planSwitchover(planInput(ctx, reads, from), to)));
}

/** The plan lines of an operation (header first), and the preflight failures that stop it. */
export async function planOf(
  ctx: DrContext,
  op: Operation,
  obs: Observed,
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
          ...fencePlanLines(ctx, op.fence, op.from),
          `failover: ${op.to} runs \`gs_sdr -t failover\` on ${failoverNode(ctx, op)} and becomes primary on its own${op.resume ? " (resuming from its step file)" : ""}`,
          `  why: ${op.why}`,
          `  data loss: transactions ${op.from} committed that were not replicated are lost (last known RPO: ${rpoText(op.rpoSeconds)})`,
          `  afterwards the pair must be rebuilt: the next \`pulumi up\` with ${op.from} reachable stops ${op.from} and starts DR with ${op.to} as primary`,
          ...notVerifiedLines(obs[op.to]?.read?.release.behaviour),
          ...lockLines(op.clearLocks),
        ],
        failures: [],
      };
    case "switchover": {
      const reads = await fullReads(ctx, obs);
      return {
        lines: [
          header,
          ...releaseLines(ctx, reads),
          ...(op.resume ? [RESUME_LINE] : []),
          ...lockLines(op.clearLocks),
          ...switchoverLines(ctx, reads, op.from, op.to),
        ],
        failures: [],
      };
    }
    case "drill": {
      const reads = await fullReads(ctx, obs);
      const legs = op.switchBack
        ? [[op.from, op.to] as const, [op.to, op.from] as const]
        : [[op.from, op.to] as const];
      return {
        lines: [
          header,
          ...releaseLines(ctx, reads),
          ...drillLines(ctx, op, obs),
          ...(op.resume ? [RESUME_LINE] : []),
          ...lockLines(op.clearLocks),
          ...legs.flatMap(([from, to], i) => [
            `drill step ${i + 1}: switchover ${from}->${to}${i > 0 ? ` (current values as read now, before step 1)` : ""}`,
            ...switchoverLines(ctx, reads, from, to).map((l) => `  ${l}`),
          ]),
        ],
        failures: [],
      };
    }
    case "start":
    case "rebuild": {
      const reads = await fullReads(ctx, obs);
      const plan = planCreate(planInput(ctx, reads, op.primary));
      const pre: string[] = [header, ...releaseLines(ctx, reads)];
      if (op.kind === "rebuild") {
        pre.push(
          ...op.unfence.map(
            (c) =>
              `first: lift the write fence of ${c} (default_transaction_read_only=off, cm_server setting restored): gs_sdr -t stop's last step deletes hadr_user_info, which a read-only DN refuses; what ${c} takes from then until its DR build is discarded`,
          ),
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

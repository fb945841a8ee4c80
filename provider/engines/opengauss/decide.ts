/**
 * The DR decision core: from what was observed on each cluster, what the user asked for and what the
 * provider ran last, the one operation to run now. Pure. check() (preview) and create/update/delete (apply)
 * call the same function with their own observation; apply refuses to act when its decision differs from
 * the one preview showed (see {@link operationKey}).
 *
 * gs_sdr facts this rests on (docs/disasters.md, docs/vendor/opengauss-gs_sdr.md §3, §4, §10):
 * - failover runs on the DR cluster alone and accepts a Normal or Degraded DR cluster;
 * - `archive_fail` / `recovery_fail` are an established pair whose link is down: `start` is refused there;
 * - a switchover's demote side needs Normal with every DN normal; each side rolls itself back or resumes;
 * - step files are node-local and block every other task; `stop` refuses while a start step file exists.
 */
import type { GsSdrClusterStatus } from "./parsers/omStatus";

/** `hadr_cluster_stat` values on the primary side of a pair (or of a start in progress). */
const PRIMARY_STATS = ["archive", "archive_fail", "full_backup", "backup_fail"] as const;
/** `hadr_cluster_stat` values on the DR side of a pair (or of a start in progress). */
const DR_STATS = ["recovery", "recovery_fail", "restore", "restore_fail"] as const;

/** A gs_sdr lock file seen on a node. */
export interface LockView {
  /** Node (address) holding `$PGHOST/streaming_lock_<trace>`. */
  node: string;
  /** The trace id. */
  trace: string;
  /** True when one of our runs made it (trace recorded in state or in our run marker on that node). */
  ours: boolean;
}

/** One cluster as observed at one moment. */
export interface ClusterView {
  /** Cluster name. */
  name: string;
  /** False when the cluster cannot serve: its run node does not answer SSH, or no DN runs at all. */
  reachable: boolean;
  /** Why it is unreachable (for messages). */
  unreachableReason?: string;
  /** `hadr_cluster_stat` from `gs_sdr -t query`; null when the query could not run. */
  stat: string | null;
  /** gs_sdr's reading of `cluster_state` (Normal, Degraded, …); null when unknown. */
  status: GsSdrClusterStatus | null;
  /** `cluster_state` as printed. */
  clusterState: string | null;
  /** Every DN is normal in gs_sdr's sense (what the demote side of a switchover requires). */
  allDnNormal: boolean;
  /** True when CM runs the cluster as a DR cluster (`agent_backup_open` 1 or 2). */
  disasterCluster: boolean;
  /** Step files on the run node, as task keys: `start_primary`, `switchover_standby`, `failover`, … */
  stepFiles: string[];
  /** gs_sdr locks on the cluster's nodes. */
  locks: LockView[];
  /** Nodes where a mutating gs_sdr process is alive (`task@node`). */
  running: string[];
  /** RPO / RTO seconds from the query (null where gs_sdr printed ''). */
  rpoSeconds: number | null;
  rtoSeconds: number | null;
  /** Our write fence is on (fence marker on the run node: every DN read-only, see fence.ts). */
  fenced?: boolean;
  /**
   * The DN host (address) the cluster was observed from because its run node did not answer SSH; only a
   * failover may run there (gs_sdr's step files are node-local: it starts clean on that node).
   */
  substituteRunNode?: { host: string; runNodeDown: string };
}

/** What the provider last ran (from state). */
export interface LastOperation {
  kind: string;
  status: string;
  /** Cluster that became (or was to become) primary. */
  to?: string;
}

/** Everything a decision depends on. */
export interface DecisionInput {
  /** Both clusters, in input order. */
  views: readonly [ClusterView, ClusterView];
  /** The cluster the user wants as primary. */
  desiredPrimary: string;
  allowDataLoss: boolean;
  last?: LastOperation;
  /** Last RPO the provider saw (state), for data-loss messages when the primary is gone. */
  lastRpoSeconds: number | null;
  /** The declared drill (`drill` input), when there is one: see {@link decideDrill}. */
  drill?: DrillRequest;
  /** The last drill recorded in state (`lastDrill`): a failed one is resumed by {@link decideDrill}. */
  lastDrill?: { id: string; failed: boolean };
}

/** A declared drill as the decision sees it. */
interface DrillRequest {
  /** `drill.id`. */
  id: string;
  /** Switch back to the declared primary afterwards (`drill.switchBack`, default true). */
  switchBack: boolean;
  /** True when this id has not run yet (it differs from the stored one, and this is not a create). */
  pending: boolean;
}

/**
 * The pair's health as a value a program can branch on: `healthy` (archive + recovery), `degraded` (DR link
 * down, or one cluster unreachable while the other still holds its role), `in-progress` (a gs_sdr operation
 * runs or did not finish), `rebuild-needed` (one cluster runs on its own after a failover), `dissolved` (no DR
 * relationship) or `broken` (neither cluster answers, or a combination that needs a human).
 */
export type HealthState = "healthy" | "degraded" | "in-progress" | "rebuild-needed" | "dissolved" | "broken";

/** How healthy the pair is, as refresh reports it ({@link assessHealth} decides it). */
export interface Health {
  /** The state, see {@link HealthState}. */
  state: HealthState;
  /** One line for people, e.g. `degraded: DR link down (A=archive_fail, B=recovery_fail)`. */
  summary: string;
}

/** The operation to run now. */
export type Operation =
  | { kind: "noop"; health: Health; warnings: string[] }
  | {
      kind: "start";
      primary: string;
      standby: string;
      /** Which sides run: both for a fresh start; only the unfinished ones when resuming. */
      sides: Array<"primary" | "standby">;
      resume: boolean;
      clearLocks: LockView[];
    }
  | { kind: "switchover"; from: string; to: string; resume: boolean; clearLocks: LockView[] }
  | {
      kind: "failover";
      to: string;
      from: string;
      /** Why a switchover is impossible. */
      why: string;
      resume: boolean;
      /** RPO to quote: live when the primary answers, else the last one in state. */
      rpoSeconds: number | null;
      /** The old primary to fence (made read-only) before `to` is promoted; null when it cannot be reached. */
      fence: string | null;
      /** The DN host (address) gs_sdr runs on when `to`'s run node is down (else its run node). */
      runOn?: string;
      clearLocks: LockView[];
    }
  | {
      kind: "rebuild";
      /** Cluster that still holds the old relationship: `gs_sdr -t stop` runs there first. */
      stop: string;
      primary: string;
      standby: string;
      /** Start step files to forget on the stop side first (what gs_sdr's `-f` does), as task keys. */
      forgetStartSteps: string[];
      /** Whose writes are discarded, when the user confirmed it with allowDataLoss. */
      discards?: string;
      /** Clusters whose write fence is lifted first (`gs_sdr -t stop`'s last step writes; the build follows). */
      unfence: string[];
      clearLocks: LockView[];
    }
  | {
      kind: "drill";
      /** `drill.id`. */
      id: string;
      /** The primary the drill starts from. */
      from: string;
      /** The cluster it switches over to. */
      to: string;
      /** Switch back `to`->`from` afterwards. */
      switchBack: boolean;
      /** Finishing a drill whose first switchover failed part-way (no probe: the evidence is the failed run). */
      resume: boolean;
      clearLocks: LockView[];
    }
  | { kind: "wait"; reason: string }
  | { kind: "blocked"; reason: string; hint: string; property: string };

const isPrimaryStat = (s: string | null): boolean =>
  s !== null && (PRIMARY_STATS as readonly string[]).includes(s);
const isDrStat = (s: string | null): boolean => s !== null && (DR_STATS as readonly string[]).includes(s);
/** The primary side of an established pair (its DR link may be down: `archive_fail`). */
export const isEstablishedPrimary = (s: string | null | undefined): boolean =>
  s === "archive" || s === "archive_fail";
/** The DR side of an established pair (its DR link may be down: `recovery_fail`). */
export const isEstablishedDr = (s: string | null | undefined): boolean =>
  s === "recovery" || s === "recovery_fail";
/** An established pair: `primaryStat` on the primary cluster and `drStat` on the other, link up or down. */
export const isEstablishedPair = (
  primaryStat: string | null | undefined,
  drStat: string | null | undefined,
) => isEstablishedPrimary(primaryStat) && isEstablishedDr(drStat);
const START_STEPS = ["start_primary", "start_standby"];

/** The pair's state in messages: `A=archive, B=recovery` (or `unreachable`, `unknown`). The one rendering. */
export function statsOf(views: readonly ClusterView[]): string {
  return views.map((v) => `${v.name}=${v.reachable ? (v.stat ?? "unknown") : "unreachable"}`).join(", ");
}

/** An RPO in messages and plan lines: `12 s`, or `unknown`. The one rendering. */
export function rpoText(rpo: number | null | undefined): string {
  return rpo === null || rpo === undefined ? "unknown" : `${rpo} s`;
}

/**
 * Whether the DR link between an established primary side and DR side is up, from their `gs_sdr -t query`. Both
 * sides must say so: the primary side's walsender check (`archive`) exists on every OM release, the DR side's
 * walreceiver check only from 6.0.0 — up to 5.1.0 the DR side says `recovery` with the link cut, so there the
 * primary side's `archive_fail` alone tells (docs/vendor/opengauss-gs_sdr.md §11).
 */
function drLinkUp(primary: ClusterView, dr: ClusterView): boolean {
  return primary.stat === "archive" && dr.stat === "recovery";
}

/**
 * The last known RPO: the live reading of a reachable primary-side cluster when gs_sdr printed one, else the
 * one stored before. Every message that quotes an RPO (the plan's data-loss line, the warning, the refusal)
 * takes it from here.
 */
export function lastKnownRpo(views: readonly ClusterView[], stored: number | null): number | null {
  const live = views.find((v) => v.reachable && isEstablishedPrimary(v.stat) && v.rpoSeconds !== null);
  return live?.rpoSeconds ?? stored;
}

/** The health of the pair as observed (used by refresh outputs and by noop decisions). */
export function assessHealth(views: readonly [ClusterView, ClusterView]): Health {
  const [a, b] = views;
  const down = views.filter((v) => !v.reachable);
  if (down.length === 2) return { state: "broken", summary: "broken: neither cluster can be reached" };
  const up = views.filter((v) => v.reachable);
  const primary = views.find((v) => v.reachable && isEstablishedPrimary(v.stat));
  const dr = views.find((v) => v.reachable && isEstablishedDr(v.stat));
  if (down.length === 1) {
    const d = down[0]!;
    const u = up[0]!;
    if (isEstablishedPrimary(u.stat))
      return {
        state: "degraded",
        summary: `degraded: DR cluster ${d.name} unreachable (${d.unreachableReason ?? "no answer"}); ${u.name} keeps serving as primary`,
      };
    if (isEstablishedDr(u.stat))
      return {
        state: "degraded",
        summary: `degraded: primary cluster ${d.name} unreachable (${d.unreachableReason ?? "no answer"}); ${u.name} can take over only by failover`,
      };
    if (u.stat === "normal")
      return {
        state: "rebuild-needed",
        summary: `rebuild needed: ${u.name} runs on its own and ${d.name} is unreachable; ${d.name} could not be fenced: if it comes back before the rebuild it may accept writes (keep its DNs stopped)`,
      };
    return {
      state: "broken",
      summary: `broken: ${d.name} unreachable while ${u.name} is ${u.stat ?? "unknown"}`,
    };
  }
  if (primary && dr) {
    if (drLinkUp(primary, dr))
      return { state: "healthy", summary: `healthy: ${primary.name} primary, ${dr.name} DR` };
    return { state: "degraded", summary: `degraded: DR link down (${statsOf(views)})` };
  }
  if (a.stat === "normal" && b.stat === "normal" && a.stepFiles.length === 0 && b.stepFiles.length === 0)
    return { state: "dissolved", summary: "dissolved: no DR relationship" };
  if (views.some((v) => v.running.length > 0))
    return { state: "in-progress", summary: `in progress: ${views.flatMap((v) => v.running).join(", ")}` };
  if (views.some((v) => v.stat === "normal") && views.some((v) => isEstablishedPrimary(v.stat))) {
    const old = views.find((v) => isEstablishedPrimary(v.stat))!;
    const fence = old.fenced
      ? `${old.name} is fenced (read-only) until the rebuild`
      : `${old.name} is NOT fenced and may accept writes`;
    return { state: "rebuild-needed", summary: `rebuild needed (${statsOf(views)}); ${fence}` };
  }
  return { state: "in-progress", summary: `unfinished operation (${statsOf(views)})` };
}

/** A stable key of an operation: equal keys mean "the same thing runs". Preview stores it; apply compares. */
export function operationKey(op: Operation): string {
  switch (op.kind) {
    case "noop":
      return "noop";
    case "start":
      return `start ${op.primary}->${op.standby} (${op.sides.join("+")})`;
    case "switchover":
      return `switchover ${op.from}->${op.to}`;
    case "failover":
      return `failover to ${op.to}${op.fence ? `, fencing ${op.fence}` : ""}${op.runOn ? ` (gs_sdr on ${op.runOn})` : ""}`;
    case "rebuild":
      return `rebuild: stop ${op.stop}, start ${op.primary}->${op.standby}`;
    case "drill":
      return `drill ${op.id}: ${op.resume ? "resume " : ""}switchover ${op.from}->${op.to}${op.switchBack ? `, then back ${op.to}->${op.from}` : ""}`;
    case "wait":
      return "wait";
    case "blocked":
      return "blocked";
  }
}

/**
 * Whether an apply that decided `now` may go on after a preview that showed `previewed`: only the same
 * operation, or a preview of nothing whose apply finds a run to wait for or a blocker (both refuse with their
 * own reason, which says more than "state changed").
 */
export function previewStillHolds(previewed: string, now: string): boolean {
  return previewed === now || (previewed === "noop" && (now === "wait" || now === "blocked"));
}

/** Locks that stop a mutating operation: not ours (ours, with no gs_sdr alive, are cleared first). */
function lockProblem(views: readonly ClusterView[], involved: readonly ClusterView[]): Operation | null {
  for (const v of involved) {
    const foreign = v.locks.find((l) => !l.ours);
    if (foreign) {
      return {
        kind: "blocked",
        property: `clusters.${v.name}`,
        reason: `another gs_sdr operation holds ${v.name}: lock streaming_lock_${foreign.trace} on ${foreign.node} is not one of ours (${statsOf(views)})`,
        hint: `Let that operation finish. If you are sure no gs_sdr runs on any node of ${v.name}, remove $PGHOST/streaming_lock_${foreign.trace} on ${foreign.node}, then run \`pulumi up\` again.`,
      };
    }
  }
  return null;
}

function ourLocks(involved: readonly ClusterView[]): LockView[] {
  return involved.flatMap((v) => v.locks.filter((l) => l.ours));
}

function blocked(property: string, reason: string, hint: string): Operation {
  return { kind: "blocked", property, reason, hint };
}

/** Why a switchover from `from` to `to` is impossible now, or null when it can run. */
function switchoverImpossible(from: ClusterView, to: ClusterView): string | null {
  const why: string[] = [];
  for (const v of [from, to]) {
    if (v.status !== "Normal") why.push(`${v.name} is ${v.clusterState ?? "unknown"}`);
    else if (!v.allDnNormal) why.push(`${v.name} has a DN that is not normal`);
  }
  if (!drLinkUp(from, to))
    why.push(`the DR link is not healthy (${from.name}=${from.stat}, ${to.name}=${to.stat})`);
  return why.length > 0 ? why.join("; ") : null;
}

/**
 * The cluster to fence before a failover promotes the other one: the old primary side whenever it answers
 * (it may still accept writes: Degraded, a DN up, a link cut), so two primaries never accept writes. An
 * unreachable one cannot be fenced (health says so).
 */
function fenceOf(old: ClusterView): string | null {
  return old.reachable ? old.name : null;
}

/** Where a failover of `to` runs: another DN host when its run node is down (absent: the run node). */
function runOnOf(to: ClusterView): { runOn?: string } {
  return to.substituteRunNode ? { runOn: to.substituteRunNode.host } : {};
}

/**
 * Only a failover (and nothing) may proceed while a cluster is seen through a substitute node: every other
 * operation runs on, or needs, the run node (start/stop XML and step files, a switchover's demote side).
 */
function onlyFailoverWithoutRunNode(input: DecisionInput, op: Operation): Operation {
  if (op.kind === "noop" || op.kind === "failover" || op.kind === "wait" || op.kind === "blocked") return op;
  const v = input.views.find((x) => x.substituteRunNode);
  if (!v) return op;
  return blocked(
    `clusters.${v.name}.node`,
    `${v.name}'s run node does not answer (${v.substituteRunNode!.runNodeDown}); ${operationKey(op)} needs it (only a failover can run from another DN host)`,
    `Bring the run node back, or set clusters.${v.name}.node to a DN host that answers, then run \`pulumi up\` again.`,
  );
}

/** Failover to `to` (only with allowDataLoss), or the error that names allowDataLoss. */
function failoverOr(input: DecisionInput, to: ClusterView, from: ClusterView, why: string): Operation {
  const rpo = lastKnownRpo(input.views, input.lastRpoSeconds);
  if (to.status !== "Normal" && to.status !== "Degraded") {
    return blocked(
      `clusters.${to.name}`,
      `${to.name} cannot take over: gs_sdr failover needs it Normal or Degraded, it is ${to.clusterState ?? "unknown"}`,
      `Bring ${to.name}'s DNs up, then run \`pulumi up\` again.`,
    );
  }
  if (!input.allowDataLoss) {
    return blocked(
      "allowDataLoss",
      `a switchover to ${to.name} is impossible now (${why}); only a failover can make ${to.name} primary, and it loses the transactions not yet replicated (last known RPO: ${rpoText(rpo)})`,
      `To fail over, set allowDataLoss: true and run \`pulumi up\`; to wait instead, set primary back to ${from.name}.`,
    );
  }
  const locks = lockProblem(input.views, [to]);
  if (locks) return locks;
  return {
    kind: "failover",
    to: to.name,
    from: from.name,
    why,
    resume: false,
    rpoSeconds: rpo,
    fence: fenceOf(from),
    ...runOnOf(to),
    clearLocks: ourLocks([to]),
  };
}

/** The two clusters as a decision sees them: the one the user wants as primary, and the other one. */
interface Sides {
  /** The cluster named by `desiredPrimary`. */
  desired: ClusterView;
  /** The other cluster. */
  other: ClusterView;
}

/** The desired primary's view and the other one; `blocked` when `desiredPrimary` names neither cluster. */
function sidesOf(input: DecisionInput): Sides | Operation {
  const desired = input.views.find((v) => v.name === input.desiredPrimary);
  if (!desired)
    return blocked(
      "primary",
      `"${input.desiredPrimary}" is not one of the clusters`,
      "Set primary to a cluster name.",
    );
  return { desired, other: input.views.find((v) => v !== desired)! };
}

/** What every branch of {@link decide} reads: the input, both sides and the pair's health. */
interface Situation extends Sides {
  input: DecisionInput;
  health: Health;
}

/** One branch of {@link decide}: when it applies, and the one operation it decides. */
interface Rule {
  when: (s: Situation) => boolean;
  decide: (s: Situation) => Operation;
}

/** Rules tried in order, and the decision when none applies. */
interface RuleTable {
  rules: readonly Rule[];
  otherwise: (s: Situation) => Operation;
}

/** The operation that brings the pair to `desiredPrimary` from what was observed. */
export function decide(input: DecisionInput): Operation {
  return onlyFailoverWithoutRunNode(input, decideOperation(input));
}

function decideOperation(input: DecisionInput): Operation {
  const sides = sidesOf(input);
  if ("kind" in sides) return sides;
  const running = runningTasks(input.views);
  if (running.length > 0) return waitFor(running);
  const s: Situation = { ...sides, input, health: assessHealth(input.views) };
  if (!s.desired.reachable && !s.other.reachable) return neitherAnswers(s);
  const table = !s.desired.reachable
    ? DESIRED_UNREACHABLE
    : !s.other.reachable
      ? OTHER_UNREACHABLE
      : BOTH_ANSWER;
  return table.rules.find((r) => r.when(s))?.decide(s) ?? table.otherwise(s);
}

/** gs_sdr tasks alive on either cluster, as `task@node on cluster`. */
function runningTasks(views: readonly ClusterView[]): string[] {
  return views.flatMap((v) => v.running.map((r) => `${r} on ${v.name}`));
}

function waitFor(running: readonly string[]): Operation {
  return { kind: "wait", reason: `gs_sdr is running (${running.join(", ")})` };
}

function noAnswer(v: ClusterView): string {
  return v.unreachableReason ?? "no answer";
}

// Predicates over one cluster.

/** It runs on its own: `normal`, no step file left. */
const runsAlone = (v: ClusterView): boolean => v.stat === "normal" && v.stepFiles.length === 0;
/** It still acts as the primary side of a pair (established, or a start in progress). */
const actsAsPrimary = (v: ClusterView): boolean => isPrimaryStat(v.stat);
/** A failover of it (it becomes primary) did not finish. */
const failoverUnfinished = (v: ClusterView): boolean =>
  v.stepFiles.includes("failover") || v.stat === "promote";
/** It is the standby side of a start that did not finish. */
const startStandbySide = (v: ClusterView): boolean =>
  v.stepFiles.includes("start_standby") || v.stat === "restore" || v.stat === "restore_fail";
/** It is the primary side of a start that did not finish. */
const startPrimarySide = (v: ClusterView): boolean =>
  v.stepFiles.includes("start_primary") || v.stat === "full_backup" || v.stat === "backup_fail";
/** Its side of a start is done: the established `role`, its start step file gone. */
const startSideDone = (v: ClusterView, role: "primary" | "standby"): boolean =>
  role === "primary"
    ? isEstablishedPrimary(v.stat) && !v.stepFiles.includes("start_primary")
    : isEstablishedDr(v.stat) && !v.stepFiles.includes("start_standby");

// Predicates over the pair.

const noStepFiles = (s: Sides): boolean => s.desired.stepFiles.length === 0 && s.other.stepFiles.length === 0;
/** An established pair (either way round, link up or down) with no step file left. */
const settledPair = (s: Sides): boolean =>
  (isEstablishedPair(s.desired.stat, s.other.stat) || isEstablishedPair(s.other.stat, s.desired.stat)) &&
  noStepFiles(s);
/** A switchover (either way) did not finish. */
const switchoverUnfinished = ({ desired, other }: Sides): boolean =>
  [...desired.stepFiles, ...other.stepFiles].some((f) => f.startsWith("switchover")) ||
  desired.stat === "switchover" ||
  other.stat === "switchover" ||
  desired.stat === "promote_fail";
/** The unfinished switchover makes the other cluster primary. */
const switchoverTowardsOther = ({ desired, other }: Sides): boolean =>
  desired.stepFiles.includes("switchover_standby") || other.stepFiles.includes("switchover_primary");
/** The other side may demote: Normal with every DN normal. */
const otherCanDemote = ({ other }: Sides): boolean => other.status === "Normal" && other.allDnNormal;
/** Our last operation failed over to the desired primary, which now runs alone; the other still acts as primary. */
const afterOurFailover = (s: Situation): boolean =>
  s.input.last?.kind === "failover" &&
  s.input.last.to === s.desired.name &&
  runsAlone(s.desired) &&
  actsAsPrimary(s.other);
/** Both run on their own: nothing to resume, a fresh start. */
const freshPair = (s: Sides): boolean => runsAlone(s.desired) && runsAlone(s.other);
/** A start (either way) did not finish. */
const startUnfinished = ({ desired, other }: Sides): boolean =>
  [desired, other].some((v) => startPrimarySide(v) || startStandbySide(v));
/** The unfinished start has the other cluster as primary. */
const startTowardsOther = ({ desired, other }: Sides): boolean =>
  startPrimarySide(other) || startStandbySide(desired);
/** After a failover to the desired primary (not ours to know): it runs alone, the other still acts as primary. */
const otherStillActsAsPrimary = (s: Sides): boolean => runsAlone(s.desired) && actsAsPrimary(s.other);
/** The desired primary still acts as primary while the other runs alone (failed over or stopped). */
const otherRunsAlone = (s: Sides): boolean => runsAlone(s.other) && actsAsPrimary(s.desired);

// Neither cluster answers.

function neitherAnswers({ desired, other }: Situation): Operation {
  return blocked(
    "clusters",
    `neither cluster can be reached (${desired.name}: ${noAnswer(desired)}; ${other.name}: ${noAnswer(other)})`,
    "Nothing was run. Check the network and SSH access, then run `pulumi up` again.",
  );
}

// The cluster that should be primary is gone.

const DESIRED_UNREACHABLE: RuleTable = {
  rules: [{ when: (s) => isEstablishedDr(s.other.stat), decide: warnPrimaryGone }],
  otherwise: ({ desired, other }) =>
    blocked(
      `clusters.${desired.name}`,
      `${desired.name} should be primary but cannot be reached (${noAnswer(desired)}); ${other.name} is ${other.stat ?? "unknown"}`,
      `Nothing was run. Bring ${desired.name} back, or set primary: ${other.name}.`,
    ),
};

/** The DR side holds its role: nothing runs, the warning says how to fail over. */
function warnPrimaryGone({ input, desired, other, health }: Situation): Operation {
  return {
    kind: "noop",
    health,
    warnings: [
      `primary cluster ${desired.name} is unreachable (${noAnswer(desired)}). To make ${other.name} primary, set primary: ${other.name} and allowDataLoss: true (failover; last known RPO: ${rpoText(lastKnownRpo(input.views, input.lastRpoSeconds))}).`,
    ],
  };
}

// The other cluster is gone: only single-cluster operations are possible.

const OTHER_UNREACHABLE: RuleTable = {
  rules: [
    { when: (s) => isEstablishedPrimary(s.desired.stat), decide: warnDrGone },
    {
      when: (s) => isEstablishedDr(s.desired.stat),
      decide: (s) =>
        failoverOr(
          s.input,
          s.desired,
          s.other,
          `primary cluster ${s.other.name} is unreachable (${noAnswer(s.other)})`,
        ),
    },
    {
      when: ({ desired }) =>
        (desired.stat === "promote" || desired.stat === "promote_fail") &&
        desired.stepFiles.includes("failover"),
      decide: resumeFailover,
    },
    { when: (s) => runsAlone(s.desired), decide: warnRebuildLater },
  ],
  otherwise: ({ desired, other }) =>
    blocked(
      `clusters.${other.name}`,
      `${other.name} cannot be reached (${noAnswer(other)}) and ${desired.name} is ${desired.stat ?? "unknown"}: the pending operation needs both clusters`,
      `Nothing was run. Bring ${other.name} back, then run \`pulumi up\` again.`,
    ),
};

function warnDrGone({ desired, other, health }: Situation): Operation {
  return {
    kind: "noop",
    health,
    warnings: [
      `DR cluster ${other.name} is unreachable (${noAnswer(other)}): ${desired.name} keeps serving, nothing is replicated until ${other.name} is back; nothing was run.`,
    ],
  };
}

function warnRebuildLater({ desired, other, health }: Situation): Operation {
  return {
    kind: "noop",
    health,
    warnings: [
      `${desired.name} is primary on its own; the pair is rebuilt (${other.name} as DR) by the next \`pulumi up\` after ${other.name} is reachable again.`,
    ],
  };
}

// Both clusters answer.

const BOTH_ANSWER: RuleTable = {
  rules: [
    { when: settledPair, decide: keepOrSwitchOver },
    { when: (s) => failoverUnfinished(s.desired), decide: resumeFailover },
    { when: switchoverUnfinished, decide: finishSwitchover },
    { when: afterOurFailover, decide: (s) => rebuild(s.input, s.other, s, undefined) },
    { when: freshPair, decide: (s) => startOr(s, ["primary", "standby"], false) },
    { when: startUnfinished, decide: finishStart },
    { when: otherStillActsAsPrimary, decide: rebuildOverOldPrimary },
    {
      when: otherRunsAlone,
      decide: (s) =>
        rebuildOr(
          s.input,
          s.desired,
          s,
          `${s.other.name} runs on its own (it was failed over or stopped) and may hold writes ${s.desired.name} lacks`,
        ),
    },
  ],
  otherwise: ({ input: { views } }) =>
    blocked(
      "clusters",
      `the clusters are in a combination the provider does not resolve on its own (${statsOf(views)}; step files: ${views.map((v) => `${v.name}=[${v.stepFiles.join(",")}]`).join(" ")})`,
      "Nothing was run. Inspect with `gs_sdr -t query` on each cluster; `pulumi destroy` dissolves what exists.",
    ),
};

/** A settled pair: nothing when the desired primary is already primary, else a switchover (or a failover). */
function keepOrSwitchOver(s: Situation): Operation {
  const { input, desired, other, health } = s;
  if (isEstablishedPrimary(desired.stat)) return { kind: "noop", health, warnings: [] };
  const why = switchoverImpossible(other, desired);
  if (why) return failoverOr(input, desired, other, why);
  return switchoverOr(s, false);
}

/** An unfinished switchover: finished towards the desired primary, never turned around half-way. */
function finishSwitchover(s: Situation): Operation {
  const { input, desired, other } = s;
  if (switchoverTowardsOther(s)) {
    return finishTowardsOther(
      other,
      `an unfinished switchover makes ${other.name} primary (${statsOf(input.views)}); it cannot be turned around half-way`,
      "then change primary again",
    );
  }
  if (!otherCanDemote(s)) {
    return failoverOr(
      input,
      desired,
      other,
      `the unfinished switchover cannot resume: ${other.name} is ${other.clusterState ?? "unknown"}${other.allDnNormal ? "" : " with a DN that is not normal"}`,
    );
  }
  return switchoverOr(s, true);
}

/** An unfinished start: resumed on the sides not done, or rebuilt when only the DR side is missing. */
function finishStart(s: Situation): Operation {
  const { input, desired, other } = s;
  if (startTowardsOther(s)) {
    return finishTowardsOther(
      other,
      `a start with ${other.name} as primary did not finish (${statsOf(input.views)})`,
      "or destroy the relationship",
    );
  }
  const primaryDone = startSideDone(desired, "primary");
  const standbyDone = startSideDone(other, "standby");
  if (primaryDone && !standbyDone && !other.stepFiles.includes("start_standby")) {
    // The primary side finished and removed its secure files: the DR side cannot start alone.
    return rebuild(input, desired, s, undefined);
  }
  const sides: Array<"primary" | "standby"> = [];
  if (!primaryDone) sides.push("primary");
  if (!standbyDone) sides.push("standby");
  return startOr(s, sides, true);
}

/** An unfinished operation towards `other` is never turned around: `primary` must name `other` to finish it. */
function finishTowardsOther(other: ClusterView, reason: string, afterwards: string): Operation {
  return blocked(
    "primary",
    reason,
    `Set primary: ${other.name} and run \`pulumi up\` to finish it, ${afterwards}.`,
  );
}

/** The other cluster still acts as primary after a failover: rebuilt from the desired one, with allowDataLoss. */
function rebuildOverOldPrimary(s: Situation): Operation {
  const { input, desired, other } = s;
  if (!input.allowDataLoss) {
    return blocked(
      "allowDataLoss",
      `${other.name} still acts as primary (${other.stat}) while ${desired.name} runs on its own; making ${desired.name} primary rebuilds ${other.name} from ${desired.name} and discards what ${other.name} committed since they parted`,
      `Set allowDataLoss: true to rebuild with ${desired.name} as primary, or set primary: ${other.name}.`,
    );
  }
  return rebuild(input, other, s, other.name);
}

/** A switchover other->desired (fresh or resumed), unless a foreign lock holds a cluster. */
function switchoverOr({ input: { views }, desired, other }: Situation, resume: boolean): Operation {
  return (
    lockProblem(views, views) ?? {
      kind: "switchover",
      from: other.name,
      to: desired.name,
      resume,
      clearLocks: ourLocks(views),
    }
  );
}

/** A start desired->other on `sides` (fresh or resumed), unless a foreign lock holds a cluster. */
function startOr(
  { input: { views }, desired, other }: Situation,
  sides: Array<"primary" | "standby">,
  resume: boolean,
): Operation {
  return (
    lockProblem(views, views) ?? {
      kind: "start",
      primary: desired.name,
      standby: other.name,
      sides,
      resume,
      clearLocks: ourLocks(views),
    }
  );
}

function resumeFailover({ input, desired, other }: Situation): Operation {
  return (
    lockProblem(input.views, [desired]) ?? {
      kind: "failover",
      to: desired.name,
      from: other.name,
      why: "a failover did not finish",
      resume: true,
      rpoSeconds: lastKnownRpo(input.views, input.lastRpoSeconds),
      fence: fenceOf(other),
      ...runOnOf(desired),
      clearLocks: ourLocks([desired]),
    }
  );
}

/** Rebuild where the other side's writes are discarded: only with allowDataLoss. */
function rebuildOr(input: DecisionInput, stopSide: ClusterView, sides: Sides, why: string): Operation {
  const { desired, other } = sides;
  if (!input.allowDataLoss) {
    return blocked(
      "allowDataLoss",
      `making ${desired.name} primary needs a rebuild: ${why}; ${other.name} would be rebuilt from ${desired.name}, discarding its own writes`,
      `Set allowDataLoss: true to rebuild with ${desired.name} as primary, or set primary: ${other.name}.`,
    );
  }
  return rebuild(input, stopSide, sides, other.name);
}

/** Stop on `stopSide`, then start desired->other; `discards` names whose writes are lost (confirmed). */
function rebuild(
  input: DecisionInput,
  stopSide: ClusterView,
  { desired, other }: Sides,
  discards: string | undefined,
): Operation {
  return (
    lockProblem(input.views, input.views) ?? {
      kind: "rebuild",
      stop: stopSide.name,
      primary: desired.name,
      standby: other.name,
      forgetStartSteps: stopSide.stepFiles.filter((s) => START_STEPS.includes(s)),
      ...(discards ? { discards } : {}),
      unfence: [desired, other].filter((v) => v.fenced).map((v) => v.name),
      clearLocks: ourLocks(input.views),
    }
  );
}

/** What `delete` runs: failover on every DR-side cluster, then stop on every cluster still configured. */
export interface DissolvePlan {
  failover: string[];
  stop: string[];
  /** Start step files to forget first on a stop side (stop refuses while they exist), by cluster. */
  forgetStartSteps: Record<string, string[]>;
  /** Clusters that could not be reached: dissolved later, by running destroy again. */
  unreachable: string[];
  clearLocks: LockView[];
}

/** A DR-side cluster (or one a failover left half-way): dissolved by a failover, which makes it stand alone. */
const dissolvesByFailover = (v: ClusterView): boolean =>
  isDrStat(v.stat) ||
  v.stat === "promote" ||
  v.stat === "promote_fail" ||
  v.stepFiles.includes("failover") ||
  (v.disasterCluster && v.stat !== "normal");

/** Decides how to dissolve what exists; a `wait`/`blocked` operation when it cannot run now. */
export function decideDissolve(views: readonly [ClusterView, ClusterView]): DissolvePlan | Operation {
  const running = runningTasks(views);
  if (running.length > 0) return waitFor(running);
  const reachable = views.filter((v) => v.reachable);
  const locks = lockProblem(views, reachable);
  if (locks) return locks;
  const plan: DissolvePlan = {
    failover: [],
    stop: [],
    forgetStartSteps: {},
    unreachable: views.filter((v) => !v.reachable).map((v) => v.name),
    clearLocks: ourLocks(reachable),
  };
  for (const v of reachable) {
    if (dissolvesByFailover(v)) {
      plan.failover.push(v.name);
      continue;
    }
    const other = v.stepFiles.filter((s) => !START_STEPS.includes(s));
    if (other.length > 0) {
      return blocked(
        `clusters.${v.name}`,
        `${v.name} has an unfinished gs_sdr ${other.join(", ")} (step files on its run node)`,
        "Finish it with `pulumi up` first, then destroy.",
      );
    }
    if (v.stat !== "normal" || v.stepFiles.length > 0) {
      plan.stop.push(v.name);
      const starts = v.stepFiles.filter((s) => START_STEPS.includes(s));
      if (starts.length > 0) plan.forgetStartSteps[v.name] = starts;
    }
  }
  return plan;
}

/**
 * What create does under `adopt: true`: a `noop` (adopt; nothing runs, no file is written) when both clusters
 * answer, no gs_sdr runs, no step file is left, and they form an established pair with `desiredPrimary` as the
 * primary side (`archive` / `archive_fail`) and the other as the DR side (`recovery` / `recovery_fail`; a link
 * that is down is adopted with a warning). Anything else is `blocked`, naming what was found and what to do —
 * adopt never starts, resumes or repairs anything. Pure.
 */
export function decideAdopt(input: DecisionInput): Operation {
  const { views } = input;
  const sides = sidesOf(input);
  if ("kind" in sides) return sides;
  const { desired, other } = sides;
  const found = `found ${statsOf(views)}`;
  const nothing = "Nothing was run and no file was written.";
  for (const v of [desired, other]) {
    if (!v.reachable)
      return blocked(
        `clusters.${v.name}`,
        `adopt needs both clusters to confirm the pair, but ${v.name} cannot be reached (${v.unreachableReason ?? "no answer"})`,
        `${nothing} Bring ${v.name} back (or fix its ssh settings), then run \`pulumi up\` again.`,
      );
  }
  const running = runningTasks(views);
  if (running.length > 0)
    return blocked(
      "adopt",
      `gs_sdr is running (${running.join(", ")}); adopt only takes over a settled pair`,
      `${nothing} Wait for it to finish, then run \`pulumi up\` again.`,
    );
  const steps = views.filter((v) => v.stepFiles.length > 0);
  if (steps.length > 0)
    return blocked(
      "adopt",
      `an unfinished gs_sdr operation left step files (${steps.map((v) => `${v.name}: ${v.stepFiles.join(", ")}`).join("; ")}; ${found})`,
      `${nothing} Finish or undo it with gs_sdr first (or set adopt: false to let pulumi-hadr resume it), then run \`pulumi up\` again.`,
    );
  const health = assessHealth(views);
  if (isEstablishedPrimary(desired.stat) && isEstablishedDr(other.stat)) {
    const warnings =
      health.state === "healthy"
        ? []
        : [`adopted a pair whose DR link is down (${health.summary}); refresh shows when it recovers`];
    return { kind: "noop", health, warnings };
  }
  if (isEstablishedPrimary(other.stat) && isEstablishedDr(desired.stat))
    return blocked(
      "primary",
      `the existing pair has ${other.name} as primary and ${desired.name} as DR (${found}), not ${desired.name} as primary`,
      `${nothing} Set primary: ${other.name} to adopt it as it is; change primary afterwards for a switchover.`,
    );
  if (desired.stat === "normal" && other.stat === "normal")
    return blocked(
      "adopt",
      `there is no DR relationship to adopt: both clusters run on their own (${found})`,
      `${nothing} To have pulumi-hadr start one (gs_sdr -t start), remove adopt (or set it to false).`,
    );
  return blocked(
    "adopt",
    `the clusters are not an established pair with ${desired.name} as primary (${found})`,
    `${nothing} Check with \`gs_sdr -t query\` on each cluster; adopt once it is established, or remove adopt to let pulumi-hadr resolve it.`,
  );
}

/**
 * The drill branch: what {@link decide} decided for the pair (`base`), turned into a drill when one is asked.
 * A drill (`drill.id` not run yet) runs only on a healthy pair — both clusters answer, `archive`/`recovery`,
 * every DN normal, no lock, no gs_sdr running, no step file — and never fails over: anything else is a check
 * failure naming `drill`. With `switchBack` (the default) the declared primary stays and the drill switches
 * over and back; `switchBack: false` is a measured switchover, so `primary` must name the other cluster in
 * the same update. A drill whose first switchover failed part-way (an unfinished switchover towards the
 * other cluster, last drill failed) is resumed: that switchover is finished, then the pair switches back.
 * Pure.
 */
export function decideDrill(input: DecisionInput, base: Operation): Operation {
  const sides = sidesOf(input);
  if ("kind" in sides) return base;
  const { desired, other } = sides;
  const resumable = drillResume(input, base, desired, other);
  if (resumable) return resumable;
  const d = input.drill;
  if (!d?.pending) return base;
  const refuse = (property: string, reason: string, hint: string) =>
    blocked(property, `drill ${d.id} cannot run: ${reason}`, `Nothing was run. ${hint}`);
  const again = "then run `pulumi up` again (the drill runs when its preview passes)";
  if (base.kind === "wait") return refuse("drill", base.reason, `Wait for it to finish, ${again}.`);
  for (const v of [desired, other]) {
    if (!v.reachable)
      return refuse(
        "drill",
        `both clusters must answer, ${v.name} cannot be reached (${v.unreachableReason ?? "no answer"}); a drill never fails over`,
        `Bring ${v.name} back, ${again}.`,
      );
  }
  const from = d.switchBack ? desired : other;
  const to = d.switchBack ? other : desired;
  if (!d.switchBack && base.kind !== "switchover")
    return refuse(
      "drill.switchBack",
      `switchBack: false is a measured switchover to the other cluster, so primary must name it (now ${input.desiredPrimary}, the pair is ${statsOf(input.views)})`,
      `Set primary: ${other.name} together with the new drill.id, or leave switchBack out to switch over and back.`,
    );
  if (d.switchBack && base.kind !== "noop")
    return refuse(
      "drill",
      `another operation is pending (${operationKey(base)}${base.kind === "blocked" ? `: ${base.reason}` : ""})`,
      `Let the pair settle first (without a new drill.id), ${again}.`,
    );
  const health = assessHealth(input.views);
  if (health.state !== "healthy")
    return refuse("drill", `the pair is not healthy (${health.summary})`, `Repair the pair, ${again}.`);
  const why = switchoverImpossible(from, to);
  if (why)
    return refuse(
      "drill",
      `a switchover ${from.name}->${to.name} is impossible now (${why})`,
      `Repair the pair, ${again}.`,
    );
  const locks = input.views.flatMap((v) => v.locks.map((l) => `streaming_lock_${l.trace} on ${l.node}`));
  if (locks.length > 0)
    return refuse(
      "drill",
      `a gs_sdr lock is left (${locks.join(", ")}): an earlier run did not finish cleanly`,
      `Run \`pulumi up\` without a new drill.id to settle it, ${again}.`,
    );
  return {
    kind: "drill",
    id: d.id,
    from: from.name,
    to: to.name,
    switchBack: d.switchBack,
    resume: false,
    clearLocks: [],
  };
}

/** A failed drill left an unfinished switchover towards the other cluster: finish it, then switch back. */
function drillResume(
  input: DecisionInput,
  base: Operation,
  desired: ClusterView,
  other: ClusterView,
): Operation | null {
  const last = input.lastDrill;
  if (!last?.failed || base.kind !== "blocked" || !desired.reachable || !other.reachable) return null;
  const towardsOther = switchoverTowardsOther({ desired, other }) || other.stat === "promote_fail";
  // The demote side of the resumed switchover needs a Normal cluster; otherwise the base decision stands.
  if (!towardsOther || desired.status !== "Normal" || !desired.allDnNormal) return null;
  return (
    lockProblem(input.views, input.views) ?? {
      kind: "drill",
      id: last.id,
      from: desired.name,
      to: other.name,
      switchBack: true,
      resume: true,
      clearLocks: ourLocks(input.views),
    }
  );
}

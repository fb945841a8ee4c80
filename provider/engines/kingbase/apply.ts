/**
 * Applying a policy plan: every node's files written (nodes in parallel, each node's files in plan order)
 * with rollback of every write when a node fails, then the daemons restarted where the plan says, then a
 * fresh read. A failure after the writes landed throws {@link Incomplete} with what delete must restore.
 */
import { Incomplete } from "../../core/partial";
import { progress } from "../../core/progress";
import type { Props } from "../../core/props";
import { describeError, HadrError, StateError } from "../../errors";
import { liveOutputs } from "./outputs";
import type { FileWrite, PlanResult, PolicyPrevious } from "./plan";
import { applyWrite, type PolicyFleet, readSnapshots, restartDaemons } from "./remote";
import { renderPolicyPlan } from "./renderPlan";
import type { PolicySpec } from "./schema";
import { versionOf } from "./versions";

/**
 * Applies the writes of a plan: nodes in parallel, each node's files in plan order. If any node fails, every
 * write already made is undone (compare-and-swap on the new text), so the cluster is left as it was; when
 * even that fails, the error says which files are left changed.
 */
async function applyWrites(pf: PolicyFleet, writes: FileWrite[], name: string): Promise<void> {
  const hosts = [...new Set(writes.map((w) => w.host))];
  const done: FileWrite[] = [];
  const outcomes = await Promise.all(
    hosts.map(async (host) => {
      try {
        for (const w of writes.filter((x) => x.host === host)) {
          await applyWrite(pf, w);
          done.push(w);
          progress(name, `${host}: wrote ${w.path}`);
        }
        return null;
      } catch (e) {
        return { host, e };
      }
    }),
  );
  const failed = outcomes.filter((o): o is { host: string; e: unknown } => o !== null);
  if (failed.length === 0) return;
  const left: string[] = [];
  for (const w of done.reverse()) {
    try {
      await applyWrite(pf, { ...w, expected: w.text, text: w.expected });
      progress(name, `${w.host}: rolled back ${w.path}`);
    } catch (e) {
      left.push(`${w.host}:${w.path} (${describeError(e)})`);
    }
  }
  const first = failed[0]!;
  const cause = describeError(first.e);
  const where = first.e instanceof HadrError ? first.e.where : { node: first.host };
  throw new StateError(
    left.length === 0
      ? `node ${failed.map((f) => f.host).join(", ")} failed; every other node was rolled back: ${cause}`
      : `node ${failed.map((f) => f.host).join(", ")} failed and these files could not be rolled back: ${left.join("; ")}: ${cause}`,
    {
      where,
      hint: "Fix the node named, then run `pulumi up` again: the plan is recomputed from what is on the nodes.",
    },
  );
}

async function restartWhereNeeded(pf: PolicyFleet, args: PolicySpec, result: PlanResult, name: string) {
  if (!versionOf(args.engine).restartsDaemons(args)) return;
  const hosts = result.plan.nodes.filter((n) => n.daemonActions.length > 0).map((n) => n.host);
  await Promise.all(
    hosts.map(async (h) => {
      await restartDaemons(pf, args, h);
      progress(name, `${h}: repmgrd and kbha restarted`);
    }),
  );
}

/**
 * Applies a plan result and returns the outputs (`previous` = what delete restores, `undefined` on delete);
 * a failure after the writes succeeded is {@link Incomplete}.
 */
export async function applyPlan(
  pf: PolicyFleet,
  args: PolicySpec,
  result: PlanResult,
  previous: PolicyPrevious | undefined,
  name: string,
): Promise<Props> {
  if (result.plan.blockers.length > 0) {
    throw new StateError(result.plan.blockers.map((b) => `${b.host}: ${b.reason}`).join("; "), {
      where: { node: result.plan.blockers[0]!.host, step: "plan" },
    });
  }
  for (const line of renderPolicyPlan(result.plan)) progress(name, line);
  await applyWrites(pf, result.writes, name);
  const partial = { plan: renderPolicyPlan(result.plan), previous };
  try {
    await restartWhereNeeded(pf, args, result, name);
    const after = await readSnapshots(pf, args);
    return { ...partial, ...liveOutputs(args, after), lastApplied: new Date().toISOString() };
  } catch (e) {
    throw new Incomplete(e, partial);
  }
}

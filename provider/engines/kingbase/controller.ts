/**
 * RecoveryPolicy controller: the dynamic-provider hooks. check() validates and plans from live reads (never
 * writes), create/update apply the plan on every node with rollback, read() reports the effective state and
 * drift, delete() restores what was there before the policy first touched each file.
 */
import type * as pulumi from "@pulumi/pulumi";
import {
  containsUnknown,
  failuresOf,
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
import { describeError, HadrError, StateError, ValidationError } from "../../errors";
import { decidePolicyAdopt } from "./adopt";
import {
  type FileWrite,
  mergePrevious,
  type PlanResult,
  type PolicyPrevious,
  planPolicy,
  planRestore,
  renderPolicyPlan,
} from "./plan";
import { applyWrite, type PolicyFleet, policyFleet, readSnapshots, restartDaemons } from "./remote";
import { liftLegacyPolicyKeys, type PolicySpec, validateRecoveryPolicy } from "./schema";
import { clusterState, type NodeSnapshot } from "./snapshot";
import { policyWarnings, renderWarnings } from "./warnings";

/** Properties the provider computes; everything else is a user input. */
export const RECOVERY_POLICY_OUTPUTS = [
  "plan",
  "warnings",
  "effective",
  "pendingRestart",
  "drift",
  "previous",
  "lastApplied",
] as const;

/**
 * Inputs whose change is a real change (the rest are computed or internal). `adopt` only matters to create; a
 * new key must reach the state (an update that edits nothing) so later refresh and destroy log in with it.
 */
const INPUT_KEYS = [
  "engine",
  "nodes",
  "mode",
  "paths",
  "apply",
  "acknowledgeDataLoss",
  "sshKey",
  "nodeSshKeys",
  "rootSshKey",
  "nodeRootSshKeys",
];

/** Object inputs holding secrets or lists: a failure on the whole of one is reported on the resource. */
const OBJECT_INPUTS = ["nodes", "paths", "sshKey", "nodeSshKeys", "rootSshKey", "nodeRootSshKeys"];

/** Parses stored or applied inputs; state written before 0.3 (keys inside `nodes`) is lifted first. */
function argsOf(props: Record<string, unknown>): PolicySpec {
  const v = validateRecoveryPolicy(liftLegacyPolicyKeys(userInputs(props, RECOVERY_POLICY_OUTPUTS)));
  if (!v.ok) throw new ValidationError(v.failures);
  return v.args;
}

async function withFleet<T>(args: PolicySpec, fn: (pf: PolicyFleet) => Promise<T>): Promise<T> {
  const pf = policyFleet(args);
  try {
    return await fn(pf);
  } finally {
    await pf.fleet.close();
  }
}

/** Outputs that describe the live state: effective mode per node, pending restart, drift, warnings. */
function liveOutputs(args: PolicySpec, snaps: NodeSnapshot[]): Record<string, unknown> {
  const cluster = clusterState(snaps, args, args.mode);
  const effective: Record<string, string> = {};
  for (const n of cluster.nodes) effective[n.host] = n.mode;
  const pending = cluster.nodes.map((n) => n.pendingRestart);
  return {
    effective,
    pendingRestart: pending.some((p) => p === true) ? true : pending.every((p) => p === false) ? false : null,
    drift: [...cluster.nodes.flatMap((n) => n.drift.map((d) => `${n.host}: ${d}`)), ...cluster.drift],
    warnings: renderWarnings(policyWarnings(args, cluster)),
  };
}

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
  if (args.engine !== "kingbase-v8r6") return;
  const hosts = result.plan.nodes.filter((n) => n.daemonActions.length > 0).map((n) => n.host);
  await Promise.all(
    hosts.map(async (h) => {
      await restartDaemons(pf, args, h);
      progress(name, `${h}: repmgrd and kbha restarted`);
    }),
  );
}

/** Applies a plan result and returns fresh outputs; a failure after writes succeeded is recorded partially. */
async function converge(
  id: string,
  inputs: Record<string, unknown>,
  args: PolicySpec,
  plan: (snaps: NodeSnapshot[]) => PlanResult,
  previousOf: (r: PlanResult) => PolicyPrevious | undefined,
): Promise<Record<string, unknown>> {
  const name = resourceName(inputs);
  return withFleet(args, async (pf) => {
    const snaps = await readSnapshots(pf, args);
    const result = plan(snaps);
    if (result.plan.blockers.length > 0) {
      throw new StateError(result.plan.blockers.map((b) => `${b.host}: ${b.reason}`).join("; "), {
        where: { node: result.plan.blockers[0]!.host, step: "plan" },
      });
    }
    for (const line of renderPolicyPlan(result.plan)) progress(name, line);
    await applyWrites(pf, result.writes, name);
    const previous = previousOf(result);
    const partial = { ...inputs, plan: renderPolicyPlan(result.plan), previous };
    try {
      await restartWhereNeeded(pf, args, result, name);
      const after = await readSnapshots(pf, args);
      return { ...partial, ...liveOutputs(args, after), lastApplied: new Date().toISOString() };
    } catch (e) {
      throw partialFailure(e, id, partial, inputs);
    }
  });
}

/**
 * create under `adopt: true`: reads the nodes, and takes them over only when the plan changes nothing
 * (`previous` stays empty, so destroy restores nothing); otherwise a StateError listing what differs. Never
 * writes or restarts.
 */
async function adoptPolicy(
  inputs: Record<string, unknown>,
  args: PolicySpec,
): Promise<Record<string, unknown>> {
  return withFleet(args, async (pf) => {
    const snaps = await readSnapshots(pf, args);
    const { plan } = planPolicy(args, snaps);
    const d = decidePolicyAdopt(
      plan,
      args.nodes.map((n) => n.host),
    );
    if (!d.adopt) {
      const host = args.nodes[Number(/\d+/.exec(d.property)?.[0] ?? 0)]?.host;
      throw new StateError(d.reason, { hint: d.hint, ...(host ? { where: { node: host } } : {}) });
    }
    progress(
      resourceName(inputs),
      "adopted: every node already has the requested settings; nothing was edited",
    );
    return {
      ...inputs,
      plan: [],
      previous: { ...plan.previous, nodes: [] },
      ...liveOutputs(args, snaps),
      lastApplied: new Date().toISOString(),
    };
  });
}

/** The id create gives a policy: `<engine>:<host>,<host>,…`. */
export function policyIdOf(args: PolicySpec): string {
  return `${args.engine}:${args.nodes.map((n) => n.host).join(",")}`;
}

/** The `RecoveryPolicy` hooks. */
export const recoveryPolicyController: pulumi.dynamic.ResourceProvider = {
  async check(olds, news) {
    const raw = userInputs(news, RECOVERY_POLICY_OUTPUTS);
    const v = validateRecoveryPolicy(raw);
    if (containsUnknown(raw)) {
      // Validate what is known; what depends on an unknown value is checked at `up`, before anything runs.
      const known = v.ok ? [] : knownFailures(v.failures, raw);
      return known.length > 0
        ? { failures: narrowFailures(known, OBJECT_INPUTS) }
        : { inputs: { ...news, plan: UNKNOWN, warnings: UNKNOWN } };
    }
    if (!v.ok) return { failures: narrowFailures(v.failures, OBJECT_INPUTS) };
    const args = v.args;
    try {
      return await withFleet(args, async (pf) => {
        const snaps = await readSnapshots(pf, args);
        const { plan } = planPolicy(args, snaps);
        const index = (host: string) => args.nodes.findIndex((n) => n.host === host);
        if (args.adopt && olds["nodes"] === undefined) {
          const d = decidePolicyAdopt(
            plan,
            args.nodes.map((n) => n.host),
          );
          if (!d.adopt) return { failures: [{ property: d.property, reason: `${d.reason}. ${d.hint}` }] };
          progress(
            resourceName(news),
            "adopt: every node already has the requested settings; nothing is edited",
          );
        }
        if (plan.blockers.length > 0) {
          return {
            failures: plan.blockers.map((b) => ({ property: `nodes[${index(b.host)}]`, reason: b.reason })),
          };
        }
        const warnings = renderWarnings(policyWarnings(args, clusterState(snaps, args, args.mode)));
        for (const w of warnings) progress(resourceName(news), `warning: ${w}`);
        return { inputs: { ...news, plan: renderPolicyPlan(plan), warnings } };
      });
    } catch (e) {
      const host = e instanceof HadrError ? e.where.node : undefined;
      const i = args.nodes.findIndex((n) => n.host === host);
      return {
        failures: narrowFailures(failuresOf(e, i >= 0 ? `nodes[${i}].host` : "nodes"), OBJECT_INPUTS),
      };
    }
  },

  async diff(_id, olds, news) {
    const changed = INPUT_KEYS.filter((k) => stableJson(olds[k]) !== stableJson(news[k]));
    const pendingWork = news["plan"] === UNKNOWN || (Array.isArray(news["plan"]) && news["plan"].length > 0);
    if (changed.length === 0) return { changes: pendingWork };
    return {
      changes: undefined,
      replaces: changed.filter((k) => k === "engine"),
      deleteBeforeReplace: true,
    };
  },

  async create(inputs) {
    const args = argsOf(inputs);
    const id = policyIdOf(args);
    if (args.adopt) {
      try {
        return { id, outs: await adoptPolicy(inputs, args) };
      } catch (e) {
        throw surface(e);
      }
    }
    try {
      const outs = await converge(
        id,
        inputs,
        args,
        (snaps) => planPolicy(args, snaps),
        (r) => r.plan.previous,
      );
      return { id, outs };
    } catch (e) {
      throw "id" in (e as object) ? e : surface(e);
    }
  },

  async update(id, olds, news) {
    const args = argsOf(news);
    const older = olds["previous"] as PolicyPrevious | undefined;
    try {
      const outs = await converge(
        id,
        news,
        args,
        (snaps) => planPolicy(args, snaps),
        (r) => (older ? mergePrevious(older, r.plan.previous) : r.plan.previous),
      );
      return { outs };
    } catch (e) {
      throw "id" in (e as object) ? e : surface(e);
    }
  },

  async read(id, props) {
    try {
      const args = argsOf(props);
      const snaps = await withFleet(args, (pf) => readSnapshots(pf, args));
      return { id, props: { ...props, ...liveOutputs(args, snaps) } };
    } catch (e) {
      throw surface(e);
    }
  },

  async delete(id, props) {
    const args = argsOf(props);
    const previous = props["previous"] as PolicyPrevious | undefined;
    if (!previous || previous.nodes.length === 0) return;
    try {
      await converge(
        id,
        props,
        args,
        (snaps) => {
          const r = planRestore(previous, snaps);
          // Restored files need the daemons to load them too.
          if (args.engine === "kingbase-v8r6" && args.apply === "restart-daemons") {
            for (const n of r.plan.nodes) {
              if (n.files.length > 0 && n.daemonActions.length === 0) {
                n.daemonActions.push({
                  action: "restart-repmgrd",
                  pidFile: "",
                  reason: "load the restored repmgr.conf",
                });
              }
            }
          }
          return r;
        },
        () => undefined,
      );
    } catch (e) {
      throw surface(e);
    }
  },
};

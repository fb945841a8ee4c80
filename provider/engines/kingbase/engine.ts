/**
 * The RecoveryPolicy engine, as the one controller (`provider/dynamic/controller.ts`) drives it: observe
 * reads every node's files and daemons, decide plans the exact line edits (pure), preview shows them and the
 * safety warnings, apply writes them with rollback (`apply.ts`), refresh reports drift, delete restores what
 * was there before the policy first touched each file.
 */
import type { Engine } from "../../dynamic/engine";
import { progress } from "../../dynamic/props";
import { HadrError, StateError } from "../../errors";
import { decidePolicyAdopt, type PolicyAdoptDecision } from "./adopt";
import { applyPlan } from "./apply";
import { liveOutputs, RECOVERY_POLICY_OUTPUTS } from "./outputs";
import {
  mergePrevious,
  type PlanResult,
  type PolicyPrevious,
  planPolicy,
  planRestore,
  renderPolicyPlan,
} from "./plan";
import { type PolicyFleet, policyFleet, readSnapshots } from "./remote";
import { liftLegacyPolicyKeys, type PolicySpec, validateRecoveryPolicy } from "./schema";
import { clusterState, type NodeSnapshot } from "./snapshot";
import { versionOf } from "./versions";
import { policyWarnings, renderWarnings } from "./warnings";

/** What to do: the plan from what was read and, when creating with `adopt: true`, whether to adopt. */
export interface PolicyDecision {
  result: PlanResult;
  adopt?: PolicyAdoptDecision;
}

/** The id create gives a policy: `<engine>:<host>,<host>,…`. */
export function policyIdOf(args: PolicySpec): string {
  return `${args.engine}:${args.nodes.map((n) => n.host).join(",")}`;
}

/** The RecoveryPolicy engine. */
export const policyEngine: Engine<PolicySpec, PolicyFleet, NodeSnapshot[], PolicyDecision> = {
  keys: {
    outputs: RECOVERY_POLICY_OUTPUTS,
    previewOutputs: ["plan", "warnings"],
    // `adopt` only matters to create; a new key must reach the state (an update that edits nothing) so later
    // refresh and destroy log in with it.
    inputs: [
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
    ],
    objectInputs: ["nodes", "paths", "sshKey", "nodeSshKeys", "rootSshKey", "nodeRootSshKeys"],
  },

  validate(raw) {
    const v = validateRecoveryPolicy(raw);
    return v.ok ? { failures: [], spec: v.args } : { failures: v.failures };
  },

  lift: liftLegacyPolicyKeys,

  idOf: policyIdOf,

  open: policyFleet,

  observe: (call) => readSnapshots(call.session, call.spec),

  decide(call, snaps) {
    const result = planPolicy(call.spec, snaps);
    if (!(call.spec.adopt && call.creating)) return { result };
    const hosts = call.spec.nodes.map((n) => n.host);
    return { result, adopt: decidePolicyAdopt(result.plan, hosts) };
  },

  async preview(call, snaps, d) {
    const { spec } = call;
    const { plan } = d.result;
    if (d.adopt) {
      if (!d.adopt.adopt)
        return { failures: [{ property: d.adopt.property, reason: `${d.adopt.reason}. ${d.adopt.hint}` }] };
      progress(call.name, "adopt: every node already has the requested settings; nothing is edited");
    }
    if (plan.blockers.length > 0) {
      const index = (host: string) => spec.nodes.findIndex((n) => n.host === host);
      return {
        failures: plan.blockers.map((b) => ({ property: `nodes[${index(b.host)}]`, reason: b.reason })),
      };
    }
    const warnings = renderWarnings(policyWarnings(spec, clusterState(snaps, spec, spec.mode)));
    for (const w of warnings) progress(call.name, `warning: ${w}`);
    return { outputs: { plan: renderPolicyPlan(plan), warnings } };
  },

  async apply(call, snaps, d) {
    const { spec } = call;
    if (d.adopt) {
      // Adopt: take the nodes over only when the plan changes nothing (`previous` stays empty, so destroy
      // restores nothing); never writes or restarts.
      if (!d.adopt.adopt) {
        const host = spec.nodes[Number(/\d+/.exec(d.adopt.property)?.[0] ?? 0)]?.host;
        throw new StateError(d.adopt.reason, {
          hint: d.adopt.hint,
          ...(host ? { where: { node: host } } : {}),
        });
      }
      progress(call.name, "adopted: every node already has the requested settings; nothing was edited");
      return {
        plan: [],
        previous: { ...d.result.plan.previous, nodes: [] },
        ...liveOutputs(spec, snaps),
        lastApplied: new Date().toISOString(),
      };
    }
    const older = call.olds["previous"] as PolicyPrevious | undefined;
    const previous = older ? mergePrevious(older, d.result.plan.previous) : d.result.plan.previous;
    return applyPlan(call.session, spec, d.result, previous, call.name);
  },

  refresh: (call, snaps) => ({ outputs: liveOutputs(call.spec, snaps) }),

  async dissolve(call) {
    const { spec } = call;
    const previous = call.olds["previous"] as PolicyPrevious | undefined;
    if (!previous || previous.nodes.length === 0) return;
    const r = planRestore(previous, await readSnapshots(call.session, spec));
    // Restored files need the daemons to load them too.
    if (versionOf(spec.engine).restartsDaemons(spec)) {
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
    await applyPlan(call.session, spec, r, undefined, call.name);
  },

  replaces: (_olds, _news, changed) => changed.filter((k) => k === "engine"),

  failureProperty(e, spec) {
    const host = e instanceof HadrError ? e.where.node : undefined;
    const i = spec.nodes.findIndex((n) => n.host === host);
    return i >= 0 ? `nodes[${i}].host` : "nodes";
  },
};

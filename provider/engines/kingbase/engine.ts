/**
 * The RecoveryPolicy engine, as the one controller (`provider/core/controller.ts`) drives it: observe
 * reads every node's files and daemons, decide plans the exact line edits (pure), preview shows them and the
 * safety warnings, apply writes them with rollback (`apply.ts`), refresh reports drift, delete restores what
 * was there before the policy first touched each file.
 */
import { createHash } from "node:crypto";
import type { Engine } from "../../core/engine";
import { progress, warn } from "../../core/progress";
import { type Props, stableJson } from "../../core/props";
import { HadrError, StateError } from "../../errors";
import { decidePolicyAdopt, type PolicyAdoptDecision } from "./adopt";
import { applyPlan } from "./apply";
import { liveOutputs, RECOVERY_POLICY_OUTPUTS } from "./outputs";
import type { PlanResult, PolicyPrevious } from "./plan";
import { planPolicy } from "./planApply";
import { planRestore } from "./planRestore";
import { mergePrevious } from "./previous";
import { type PolicyFleet, policyFleet, readSnapshots } from "./remote";
import { renderPolicyPlan } from "./renderPlan";
import {
  liftLegacyPolicyKeys,
  POLICY_SECRET_INPUTS,
  type PolicySpec,
  recoveryPolicyInputSchema,
  validateRecoveryPolicy,
} from "./schema";
import { clusterState, type NodeSnapshot } from "./snapshot";
import { policyWarnings, renderWarnings } from "./warnings";

/** What to do: the plan from what was read and, when creating with `adopt: true`, whether to adopt. */
export interface PolicyDecision {
  result: PlanResult;
  adopt?: PolicyAdoptDecision;
}

/** What a policy keeps in state between calls. */
export interface PolicyState {
  /** What delete restores: the values found before the policy first touched each file. */
  previous?: PolicyPrevious;
}

/** Parses a policy's stored outputs (any version's) into its {@link PolicyState}. */
export function policyStateOf(stored: Props): PolicyState {
  const p = stored["previous"];
  const ok = p !== null && typeof p === "object" && Array.isArray((p as PolicyPrevious).nodes);
  return ok ? { previous: p as PolicyPrevious } : {};
}

/**
 * The key of a policy decision's operation: `noop`, `adopt`, or `edit <hash>` of exactly the edits and
 * restarts planned, so an apply whose files moved since preview refuses instead of writing something else.
 */
function policyOperationKey(d: PolicyDecision): string {
  if (d.adopt) return d.adopt.adopt ? "adopt" : "blocked";
  const { plan } = d.result;
  if (plan.blockers.length > 0) return "blocked";
  if (plan.nodes.length === 0) return "noop";
  const h = createHash("sha256").update(stableJson(plan.nodes)).digest("hex").slice(0, 12);
  return `edit ${plan.nodes.map((n) => n.host).join(",")} #${h}`;
}

/** The id create gives a policy: `<engine>:<host>,<host>,…`. */
function policyIdOf(args: PolicySpec): string {
  return `${args.engine}:${args.nodes.map((n) => n.host).join(",")}`;
}

/** The RecoveryPolicy engine. */
export const policyEngine: Engine<PolicySpec, PolicyFleet, NodeSnapshot[], PolicyDecision, PolicyState> = {
  kind: {
    type: "RecoveryPolicy",
    command: "recovery-policy",
    secretInputs: POLICY_SECRET_INPUTS,
    inputSchema: recoveryPolicyInputSchema,
    imports: {
      nestedSecrets: {},
      keyInputs: { all: "sshKey", perTarget: "nodeSshKeys", root: "rootSshKey" },
      fileInputs: {},
      // Nothing to restore on delete: an imported policy edited nothing.
      recorded: (inputs) => ({ previous: { engine: inputs["engine"], nodes: [] } }),
    },
  },

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
      "proxySshKey",
    ],
    objectInputs: ["nodes", "paths", "sshKey", "nodeSshKeys", "rootSshKey", "nodeRootSshKeys", "proxySshKey"],
  },

  validate(raw) {
    const v = validateRecoveryPolicy(raw);
    return v.ok ? { failures: [], spec: v.args } : { failures: v.failures };
  },

  lift: liftLegacyPolicyKeys,

  stateOf: policyStateOf,

  idOf: policyIdOf,

  open: policyFleet,

  observe: (call) => readSnapshots(call.session, call.spec),

  decide(call, snaps) {
    const result = planPolicy(call.spec, snaps);
    if (!(call.spec.adopt && call.creating)) return { result };
    const hosts = call.spec.nodes.map((n) => n.host);
    return { result, adopt: decidePolicyAdopt(result.plan, hosts) };
  },

  operationOf: policyOperationKey,

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
    for (const w of warnings) warn(call.name, w);
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
    const older = call.state.previous;
    const previous = older ? mergePrevious(older, d.result.plan.previous) : d.result.plan.previous;
    return applyPlan(call.session, spec, d.result, previous, call.name);
  },

  refresh: (call, snaps) => ({ outputs: liveOutputs(call.spec, snaps) }),

  async dissolve(call) {
    const { spec } = call;
    const { previous } = call.state;
    if (!previous || previous.nodes.length === 0) return;
    const r = planRestore(previous, await readSnapshots(call.session, spec), spec);
    await applyPlan(call.session, spec, r, undefined, call.name);
  },

  replaces: (_olds, _news, changed) => changed.filter((k) => k === "engine"),

  failureProperty(e, spec) {
    const host = e instanceof HadrError ? e.where.node : undefined;
    const i = spec.nodes.findIndex((n) => n.host === host);
    return i >= 0 ? `nodes[${i}].host` : "nodes";
  },
};

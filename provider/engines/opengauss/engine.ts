/**
 * The DrRelationship engine: openGauss two-cluster streaming DR through gs_sdr, as the one controller
 * (`provider/core/controller.ts`) drives it for both front-ends. Observe both clusters (one parallel round trip per node; an
 * unreachable cluster is a state), decide with the pure decision core (`decide.ts`), then show the plan
 * (`preview.ts`) or act and wait (`apply.ts`); delete dissolves (`dissolve.ts`).
 */
import type { Call, Engine, Session } from "../../core/engine";
import { progress, warn } from "../../core/progress";
import { type Props, stableJson } from "../../core/props";
import { HadrError, type PropertyFailure, ValidationError } from "../../errors";
import { execute } from "./apply";
import type { ClusterTopology } from "./clusterXml";
import {
  type DecisionInput,
  decide,
  decideAdopt,
  decideDrill,
  lastKnownRpo,
  type Operation,
  operationKey,
  previewStillHolds,
} from "./decide";
import { dissolve } from "./dissolve";
import { isLastDrill, type LastDrill } from "./drill/evidence";
import { type DrillMarker, markedFailed } from "./drill/marker";
import { type Ownership, observe, readFingerprint } from "./observe";
import {
  DR_OUTPUTS,
  type DrOperation,
  type Observed,
  operation,
  outputsOf,
  statsLine,
  viewsOf,
} from "./outputs";
import { planOf } from "./preview";
import { type DrContext, drContext } from "./remote";
import {
  DR_SECRET_INPUTS,
  type DrSpec,
  drRelationshipSchema,
  liftLegacyKeys,
  validateDrRelationship,
} from "./schema";
import { ownerTag } from "./tasks";
import { topologyMismatches } from "./topology";

/** Validated inputs: the arguments and each cluster's parsed XML. */
export interface ValidatedDr {
  args: DrSpec;
  topologies: Record<string, ClusterTopology>;
}

/** What to do: refuse on a topology mismatch, else the decided operation. */
export interface DrDecision {
  mismatches: PropertyFailure[];
  op: Operation;
  adopting: boolean;
}

/** What a relationship keeps in state between calls (its outputs, as far as the engine reads them back). */
export interface DrState {
  /** The last operation the provider ran (its trace ids make a killed run of ours recognisable). */
  lastOperation?: DrOperation;
  /** The last RPO read, in seconds (a failover's data-loss line quotes it when the primary is gone). */
  rpoSeconds: number | null;
  /** The primary the last call saw. */
  primary?: string;
  /** The evidence of the last drill (`lastDrill`). */
  lastDrill?: LastDrill;
  /** The `drill.id` input stored with the last call (a drill declared at create is the baseline). */
  drillId?: string;
}

/** A stored operation with the maps older versions may lack. */
const withDefaults = (op: Partial<DrOperation> & Pick<DrOperation, "kind" | "status">): DrOperation => ({
  ...op,
  at: op.at ?? "",
  traceIds: op.traceIds ?? {},
  nodes: op.nodes ?? {},
});

/** Parses a relationship's stored outputs (any version's) into its {@link DrState}. */
export function drStateOf(stored: Props): DrState {
  const op = stored["lastOperation"];
  const isOp =
    op !== null &&
    typeof op === "object" &&
    typeof (op as DrOperation).kind === "string" &&
    typeof (op as DrOperation).status === "string";
  const rpo = stored["rpoSeconds"];
  const primary = stored["primary"];
  const drillId = (stored["drill"] as { id?: unknown } | undefined)?.id;
  return {
    ...(isLastDrill(stored["lastDrill"]) ? { lastDrill: stored["lastDrill"] } : {}),
    ...(typeof drillId === "string" ? { drillId } : {}),
    ...(isOp
      ? { lastOperation: withDefaults(op as Partial<DrOperation> & Pick<DrOperation, "kind" | "status">) }
      : {}),
    rpoSeconds: typeof rpo === "number" ? rpo : null,
    ...(typeof primary === "string" ? { primary } : {}),
  };
}

type DrCall = Call<ValidatedDr, DrContext & Session, DrState>;

function ownership(call: DrCall): Ownership {
  const op = call.state.lastOperation;
  return { traces: op ? Object.values(op.traceIds) : [], owner: ownerTag(call.session, call.name) };
}

/**
 * The declared drill as the decision sees it: pending when its id has no marker on the hosts (`ran`) and
 * differs from the last drill's and from the stored input's (a drill declared at create is the baseline).
 */
export function drillRequest(
  drill: DrSpec["drill"],
  creating: boolean,
  state: Pick<DrState, "lastDrill" | "drillId">,
  ran: readonly DrillMarker[] = [],
): DecisionInput["drill"] | undefined {
  if (!drill) return undefined;
  const known = [state.lastDrill?.id, state.drillId, ...ran.map((m) => m.id)];
  return { id: drill.id, switchBack: drill.switchBack, pending: !creating && !known.includes(drill.id) };
}

/**
 * The last drill for the decision: the declared id's marker on the hosts when there is one (check() sees no
 * outputs), else the stored evidence. Failed = a step failed or the run was cut off, and not resumed since.
 */
export function lastDrillOf(
  drillId: string | undefined,
  state: Pick<DrState, "lastDrill">,
  ran: readonly DrillMarker[],
): DecisionInput["lastDrill"] | undefined {
  const marker = ran.find((m) => m.id === drillId);
  if (marker) return { id: marker.id, failed: markedFailed(marker.mark) };
  const d = state.lastDrill;
  return d ? { id: d.id, failed: d.result !== "passed" && !d.resumedAt } : undefined;
}

function decisionInput(ctx: DrContext, obs: Observed, state: DrState, creating: boolean): DecisionInput {
  const last = state.lastOperation;
  const ran = Object.values(obs).flatMap((o) => o.drills);
  const drill = drillRequest(ctx.args.drill, creating, state, ran);
  const lastDrill = lastDrillOf(ctx.args.drill?.id, state, ran);
  return {
    ...(drill ? { drill } : {}),
    ...(lastDrill ? { lastDrill } : {}),
    views: viewsOf(ctx, obs),
    desiredPrimary: ctx.args.primary,
    allowDataLoss: ctx.args.allowDataLoss,
    lastRpoSeconds: state.rpoSeconds,
    ...(last ? { last: { kind: last.kind, status: last.status, ...(last.to ? { to: last.to } : {}) } } : {}),
  };
}

/**
 * Whether check() should read what a plan needs in the same round trip as its observation: when the inputs
 * or the stored state say an operation is likely (a create, a new primary, a last operation that did not
 * succeed). A wrong guess costs time only: a plan whose reads are missing reads them after the decision, and
 * an observation that carried them unused is just a larger batch.
 */
export function expectsPlan(
  phase: Call<unknown, Session>["phase"],
  creating: boolean,
  adopt: boolean,
  primary: string,
  state: DrState,
  drill?: DrSpec["drill"],
): boolean {
  if (phase !== "check") return false;
  if (creating) return !adopt;
  const last = state.lastOperation;
  return (
    state.primary !== primary ||
    (last !== undefined && last.status !== "succeeded") ||
    drillRequest(drill, creating, state)?.pending === true
  );
}

/** Each reachable cluster's XML compared with the DNs it runs (nothing runs on a mismatch). */
function topologyFailures(ctx: DrContext, obs: Observed): PropertyFailure[] {
  return ctx.names.flatMap((n) => {
    const o = obs[n]!;
    return o.view.reachable && o.status ? topologyMismatches(n, ctx.topologies[n]!, o.status) : [];
  });
}

/** The id create gives a relationship: `dr:<cluster>:<cluster>`. */
function idOf(args: DrSpec): string {
  return `dr:${Object.keys(args.clusters).join(":")}`;
}

/** The DrRelationship engine. */
export const drEngine: Engine<ValidatedDr, DrContext, Observed, DrDecision, DrState> = {
  kind: {
    type: "DrRelationship",
    command: "dr-relationship",
    secretInputs: DR_SECRET_INPUTS,
    inputSchema: drRelationshipSchema,
    imports: {
      // The reads log in over SSH and run `gs_sdr -t query`: the DR password is never used.
      nestedSecrets: { "drUser.password": "unused-by-read-0" },
      keyInputs: { all: "sshKey", perTarget: "clusterSshKeys" },
      fileInputs: { "clusters.*": "xml" },
      recorded: (_inputs, at) => ({ lastOperation: { ...operation("adopt", "succeeded", []), at } }),
    },
  },

  keys: {
    outputs: DR_OUTPUTS,
    previewOutputs: ["plan"],
    // `adopt` is not compared: it only matters to create. A new key must reach the state (an update that runs
    // nothing), so later refresh and destroy log in with it.
    inputs: [
      "clusters",
      "primary",
      "drUser",
      "allowDataLoss",
      "timeoutSeconds",
      "sshKey",
      "clusterSshKeys",
      "proxySshKey",
      "drill",
    ],
    objectInputs: ["clusters", "drUser", "sshKey", "clusterSshKeys", "proxySshKey"],
  },

  validate(raw) {
    const v = validateDrRelationship(raw);
    return { failures: v.failures, ...(v.args ? { spec: { args: v.args, topologies: v.topologies } } : {}) };
  },

  lift: liftLegacyKeys,

  stateOf: drStateOf,

  idOf: (spec) => idOf(spec.args),

  open: (spec, deadlineMs) => drContext(spec.args, spec.topologies, deadlineMs),

  observe: (call) =>
    observe(
      call.session,
      ownership(call),
      expectsPlan(
        call.phase,
        call.creating,
        call.spec.args.adopt,
        call.spec.args.primary,
        call.state,
        call.spec.args.drill,
      ),
    ),

  decide(call, obs) {
    const adopting = call.spec.args.adopt && call.creating;
    const input = decisionInput(call.session, obs, call.state, call.creating);
    const op = adopting ? decideAdopt(input) : decideDrill(input, decide(input));
    return { mismatches: topologyFailures(call.session, obs), op, adopting };
  },

  operationOf: (d) => (d.mismatches.length > 0 ? "blocked" : operationKey(d.op)),

  previewHolds: previewStillHolds,

  describe: statsLine,

  async preview(call, obs, d) {
    if (d.mismatches.length > 0) return { failures: d.mismatches };
    const { op } = d;
    if (d.adopting && op.kind === "noop")
      progress(call.name, "adopt: the established pair is taken over as it is; nothing runs");
    if (op.kind === "blocked")
      return { failures: [{ property: op.property, reason: `${op.reason}. ${op.hint}` }] };
    if (op.kind === "wait") {
      return {
        failures: [{ property: "", reason: `${op.reason}: wait for it to finish, then run preview again` }],
      };
    }
    if (op.kind === "noop") for (const w of op.warnings) warn(call.name, w);
    const plan = await planOf(call.session, op, obs);
    if (plan.failures.length > 0) return { failures: plan.failures };
    // The whole plan, every time: `preview --diff` alone shows only what differs from the stored plan.
    for (const line of plan.lines) progress(call.name, `plan: ${line}`);
    // check()'s state comes from the stored inputs, not the outputs: the last known RPO rides along in them, so
    // the next check (a preview while the primary is gone) quotes the RPO last read.
    const rpoSeconds = lastKnownRpo(viewsOf(call.session, obs), call.state.rpoSeconds);
    return { outputs: { plan: plan.lines, rpoSeconds } };
  },

  async apply(call, obs, d) {
    if (d.mismatches.length > 0) throw new ValidationError(d.mismatches);
    const { op, after, drill } = await execute(call.session, d.op, obs, ownership(call), call.name);
    const last = call.state.lastDrill;
    const resumed = d.op.kind === "drill" && d.op.resume && last;
    const evidence = drill ?? (resumed ? { ...last, resumedAt: new Date().toISOString() } : last);
    return {
      ...outputsOf(call.session, after, call.spec.args.primary),
      plan: [],
      // Only when there is one: an undefined output is not a value the engine's wire format accepts.
      ...(evidence ? { lastDrill: evidence } : {}),
      lastOperation: op ?? call.state.lastOperation ?? operation("adopt", "succeeded", []),
    };
  },

  refresh(call, obs) {
    const live = outputsOf(call.session, obs);
    // The stored inputs get the real primary too: the engine diffs inputs, so an out-of-band switchover then
    // previews as `~ primary: "B" => "A"` (an update back), never as a replacement. The stored plan is emptied
    // so the next preview shows the whole plan of whatever runs next.
    const inputs: Props = { plan: [] };
    // check() sees the stored inputs, not the outputs: the last known RPO rides along in them (check() carries
    // it too), so a preview whose primary is gone quotes the RPO last read.
    inputs["rpoSeconds"] = lastKnownRpo(viewsOf(call.session, obs), call.state.rpoSeconds);
    if (live["primary"] !== undefined) inputs["primary"] = live["primary"];
    return { outputs: { ...live, plan: [] }, inputs };
  },

  dissolve: (call) => dissolve(call.session, ownership(call), call.name),

  replaces(olds, news) {
    const topo = (p: Props) => {
      const c = (p["clusters"] ?? {}) as Record<string, { xml?: string }>;
      return stableJson(Object.fromEntries(Object.entries(c).map(([k, x]) => [k, x.xml])));
    };
    const userName = (p: Props) => (p["drUser"] as { name?: string } | undefined)?.name;
    return [
      ...(topo(olds) !== topo(news) ? ["clusters"] : []),
      ...(userName(olds) !== userName(news) ? ["drUser"] : []),
    ];
  },

  failureProperty(e) {
    const where = e instanceof HadrError ? e.where.cluster : undefined;
    return where ? `clusters.${where}` : "";
  },

  // create/update right after check() skip the vendor tools (gs_om status, gs_sdr query) when no gs_sdr ran,
  // started, locked or left a step on either cluster in between (observe.ts FINGERPRINT_PROBES). Which locks are
  // ours depends on the stored last operation, which check() does not see: an observation with any lock is
  // never reused, so the key needs only the owner tag.
  reuse: {
    key: (call) => ownership(call).owner,
    of: (obs) =>
      Object.values(obs).some((o) => o.view.locks.length > 0)
        ? null
        : stableJson(Object.fromEntries(Object.entries(obs).map(([n, o]) => [n, o.fingerprint]))),
    async read(call) {
      const ctx = call.session;
      const fps = await Promise.all(ctx.names.map((n) => readFingerprint(ctx, n)));
      return stableJson(Object.fromEntries(ctx.names.map((n, i) => [n, fps[i]])));
    },
  },
};

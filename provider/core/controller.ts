/**
 * The one controller core: every resource's hooks built from its {@link Engine}, shared by both front-ends
 * (the dynamic provider, `provider/dynamic/`, and the native plugin, `provider/native/`). It validates,
 * handles inputs unknown at preview, opens and closes the engine's connections, compares the declared inputs
 * in diff, makes apply carry out the operation preview showed (the stored {@link OPERATION_KEY}), records
 * partial failures, shows only failures that cannot leak an input's value, routes progress lines to the
 * front-end's channel, and lets apply reuse check()'s observation when the engine's cheap fingerprint says
 * nothing changed (`./reuse`).
 */
import type * as pulumi from "@pulumi/pulumi";
import { StateError, ValidationError } from "../errors";
import { type Call, type CallPhase, type Engine, OPERATION_KEY, type Session } from "./engine";
import { failuresOf, knownFailures, narrowFailures, surface } from "./failures";
import { Incomplete, partialFailure } from "./partial";
import { type ProgressSink, withProgress } from "./progress";
import { containsUnknown, type Props, stableJson, UNKNOWN, userInputs } from "./props";
import { RecentObservations, reuseKey } from "./reuse";

/** What a front-end tells the core about one hook call. */
export interface HookContext {
  /** The resource's name as the program declared it, for progress lines and messages. */
  readonly name: string;
  /** Where progress lines and warnings go (the front-end's own channel). */
  readonly log: ProgressSink;
  /** An absolute deadline (epoch ms) from the program's `customTimeouts`, when the front-end has one. */
  readonly deadlineMs?: number;
}

/** The hooks of one engine, front-end neutral: each front-end adapts these to its own protocol. */
export interface Hooks {
  /** Validates and previews: the inputs with the plan and the operation key, or the failures. */
  check(olds: Props, news: Props, ctx: HookContext): Promise<pulumi.dynamic.CheckResult>;
  /** Which declared inputs changed, and which of those replace the resource. */
  diff(id: string, olds: Props, news: Props): Promise<pulumi.dynamic.DiffResult>;
  /** Creates: observe, decide, apply. */
  create(inputs: Props, ctx: HookContext): Promise<{ id: string; outs: Props }>;
  /** Updates: observe, decide, apply. */
  update(id: string, olds: Props, news: Props, ctx: HookContext): Promise<{ outs: Props }>;
  /** Refreshes: the live outputs, and the inputs to write back when the live state moved one. */
  read(id: string, props: Props, ctx: HookContext): Promise<{ id: string; props: Props; inputs?: Props }>;
  /** Deletes: undoes what the resource stands for. */
  delete(id: string, props: Props, ctx: HookContext): Promise<void>;
}

/** Builds the hooks of an engine. */
export function controllerOf<Spec, S extends Session, O, D, St>(engine: Engine<Spec, S, O, D, St>): Hooks {
  const { keys } = engine;
  const computed = [...keys.outputs, OPERATION_KEY];
  const recent = new RecentObservations<O>();
  const keyOf = (call: Call<Spec, S, St>, props: Props) =>
    reuseKey(stableJson(userInputs(props, computed)), engine.reuse?.key(call) ?? "");

  /** check()'s observation when its fingerprint still holds, else a new one. */
  const observeForApply = async (call: Call<Spec, S, St>, props: Props): Promise<O> => {
    const reuse = engine.reuse;
    const key = keyOf(call, props);
    if (reuse && recent.has(key)) {
      const now = await reuse.read(call).catch(() => null);
      const kept = recent.take(key, now);
      if (kept !== undefined) return kept;
    }
    return engine.observe(call);
  };
  const narrow = (f: Parameters<typeof narrowFailures>[0]) => narrowFailures(f, keys.objectInputs);

  /** Parses stored or applied properties; state from older versions is lifted first. */
  const parse = (props: Props): Spec => {
    const v = engine.validate(engine.lift(userInputs(props, computed)));
    if (v.failures.length > 0 || v.spec === undefined) throw new ValidationError(v.failures);
    return v.spec;
  };

  /** Runs `fn` with the engine's connections for this call, closing them however it ends. */
  const withCall = async <T>(
    spec: Spec,
    stored: Props,
    creating: boolean,
    phase: CallPhase,
    ctx: HookContext,
    fn: (call: Call<Spec, S, St>) => Promise<T>,
  ): Promise<T> =>
    withProgress(ctx.log, async () => {
      const session = engine.open(spec, ctx.deadlineMs);
      const call: Call<Spec, S, St> = {
        spec,
        session,
        name: ctx.name,
        state: engine.stateOf(stored),
        creating,
        phase,
        ...(ctx.deadlineMs !== undefined ? { deadlineMs: ctx.deadlineMs } : {}),
      };
      try {
        return await fn(call);
      } finally {
        await session.fleet.close();
      }
    });

  /** Refuses an apply whose decision is not the operation its preview showed. */
  const guard = (previewed: unknown, decision: D, observed: O): void => {
    if (typeof previewed !== "string" || previewed === "" || previewed === UNKNOWN) return;
    const now = engine.operationOf(decision);
    if (previewed === now || engine.previewHolds?.(previewed, now)) return;
    const seen = engine.describe ? ` (${engine.describe(observed)})` : "";
    throw new StateError(
      `state changed since preview: preview said "${previewed}", now "${now}"${seen}; nothing was run`,
      { hint: "Run `pulumi preview` again to see what would run now, then `pulumi up`." },
    );
  };

  /** create/update: observe, decide, apply; a failure part-way is recorded with what the engine says. */
  const converge = async (
    id: string,
    spec: Spec,
    olds: Props,
    news: Props,
    creating: boolean,
    ctx: HookContext,
  ): Promise<Props> => {
    try {
      return await withCall(spec, olds, creating, "apply", ctx, async (call) => {
        const observed = await observeForApply(call, news);
        const decision = engine.decide(call, observed);
        guard(news[OPERATION_KEY], decision, observed);
        return { ...news, ...(await engine.apply(call, observed, decision)), [OPERATION_KEY]: "" };
      });
    } catch (e) {
      if (e instanceof Incomplete)
        throw partialFailure(e, id, { ...olds, ...news, [OPERATION_KEY]: "" }, news);
      throw surface(e);
    }
  };

  const parsed = (props: Props): Spec => {
    try {
      return parse(props);
    } catch (e) {
      throw surface(e);
    }
  };

  return {
    async check(olds, news, ctx) {
      const raw = userInputs(news, computed);
      const v = engine.validate(raw);
      if (containsUnknown(raw)) {
        // Validate what is known; what depends on an unknown value is checked at `up`, before anything runs.
        const known = knownFailures(v.failures, raw);
        if (known.length > 0) return { failures: narrow(known) };
        const unknowns = [...keys.previewOutputs, OPERATION_KEY].map((k) => [k, UNKNOWN]);
        return { inputs: { ...news, ...Object.fromEntries(unknowns) } };
      }
      if (v.failures.length > 0 || v.spec === undefined) return { failures: narrow(v.failures) };
      const spec = v.spec;
      const creating = Object.keys(userInputs(olds, computed)).length === 0;
      try {
        const p = await withCall(spec, olds, creating, "check", ctx, async (call) => {
          const observed = await engine.observe(call);
          const fingerprint = engine.reuse?.of(observed);
          if (fingerprint != null) recent.remember(keyOf(call, news), observed, fingerprint);
          const decision = engine.decide(call, observed);
          const preview = await engine.preview(call, observed, decision);
          return "failures" in preview
            ? preview
            : { outputs: { ...preview.outputs, [OPERATION_KEY]: engine.operationOf(decision) } };
        });
        return "failures" in p ? { failures: narrow(p.failures) } : { inputs: { ...news, ...p.outputs } };
      } catch (e) {
        return { failures: narrow(failuresOf(e, engine.failureProperty(e, spec))) };
      }
    },

    async diff(_id, olds, news) {
      const changed = keys.inputs.filter((k) => stableJson(olds[k]) !== stableJson(news[k]));
      const plan = news["plan"];
      const pending = plan === UNKNOWN || (Array.isArray(plan) && plan.length > 0);
      if (changed.length === 0) return { changes: pending };
      return {
        changes: undefined,
        replaces: engine.replaces(olds, news, changed),
        deleteBeforeReplace: true,
      };
    },

    async create(inputs, ctx) {
      const spec = parsed(inputs);
      const id = engine.idOf(spec);
      return { id, outs: await converge(id, spec, {}, inputs, true, ctx) };
    },

    async update(id, olds, news, ctx) {
      return { outs: await converge(id, parsed(news), olds, news, false, ctx) };
    },

    async read(id, props, ctx) {
      try {
        const r = await withCall(parsed(props), props, false, "read", ctx, async (call) =>
          engine.refresh(call, await engine.observe(call)),
        );
        // Inputs written back keep the front-end's own `__*` keys (the dynamic provider's serialized shim).
        const stored = Object.entries(props).filter(([k]) => !computed.includes(k));
        const inputs = r.inputs ? { ...Object.fromEntries(stored), ...r.inputs } : undefined;
        return { id, props: { ...props, ...r.outputs }, ...(inputs ? { inputs } : {}) };
      } catch (e) {
        throw surface(e);
      }
    },

    async delete(_id, props, ctx) {
      try {
        await withCall(parsed(props), props, false, "delete", ctx, (call) => engine.dissolve(call));
      } catch (e) {
        throw surface(e);
      }
    },
  };
}

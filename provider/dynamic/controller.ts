/**
 * The one dynamic-provider controller: every resource's hooks built from its {@link Engine}. It validates,
 * handles inputs unknown at preview, opens and closes the engine's connections, compares the declared inputs
 * in diff, records partial failures, shows only failures that cannot leak an input's value, and lets apply
 * reuse check()'s observation when the engine's cheap fingerprint says nothing changed (`./reuse`).
 */
import type * as pulumi from "@pulumi/pulumi";
import { ValidationError } from "../errors";
import type { Call, CallPhase, Engine, Session } from "./engine";
import { failuresOf, knownFailures, narrowFailures, surface } from "./failures";
import { Incomplete, partialFailure } from "./partial";
import { containsUnknown, type Props, resourceName, stableJson, UNKNOWN, userInputs } from "./props";
import { RecentObservations, reuseKey } from "./reuse";
import { withTimings } from "./timings";

/** The dynamic-provider hooks of an engine. */
export function controllerOf<Spec, S extends Session, O, D>(
  engine: Engine<Spec, S, O, D>,
): pulumi.dynamic.ResourceProvider {
  const { keys } = engine;
  const recent = new RecentObservations<O>();
  const keyOf = (call: Call<Spec, S>, props: Props) =>
    reuseKey(stableJson(userInputs(props, keys.outputs)), engine.reuse?.key(call) ?? "");

  /** check()'s observation when its fingerprint still holds, else a new one. */
  const observeForApply = async (call: Call<Spec, S>, props: Props): Promise<O> => {
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
    const v = engine.validate(engine.lift(userInputs(props, keys.outputs)));
    if (v.failures.length > 0 || v.spec === undefined) throw new ValidationError(v.failures);
    return v.spec;
  };

  /** Runs `fn` with the engine's connections for this call, closing them however it ends. */
  const withCall = async <T>(
    spec: Spec,
    props: Props,
    olds: Props,
    creating: boolean,
    phase: CallPhase,
    fn: (call: Call<Spec, S>) => Promise<T>,
  ): Promise<T> => {
    const session = engine.open(spec);
    try {
      return await fn({ spec, session, name: resourceName(props), olds, creating, phase });
    } finally {
      await session.fleet.close();
    }
  };

  /** create/update: observe, decide, apply; a failure part-way is recorded with what the engine says. */
  const converge = async (id: string, spec: Spec, olds: Props, news: Props, creating: boolean) => {
    try {
      return await withCall(spec, news, olds, creating, "apply", async (call) => {
        const observed = await observeForApply(call, news);
        return { ...news, ...(await engine.apply(call, observed, engine.decide(call, observed), news)) };
      });
    } catch (e) {
      if (e instanceof Incomplete) throw partialFailure(e, id, { ...olds, ...news }, news);
      throw surface(e);
    }
  };

  return withTimings({
    async check(olds, news) {
      const raw = userInputs(news, keys.outputs);
      const v = engine.validate(raw);
      if (containsUnknown(raw)) {
        // Validate what is known; what depends on an unknown value is checked at `up`, before anything runs.
        const known = knownFailures(v.failures, raw);
        if (known.length > 0) return { failures: narrow(known) };
        return { inputs: { ...news, ...Object.fromEntries(keys.previewOutputs.map((k) => [k, UNKNOWN])) } };
      }
      if (v.failures.length > 0 || v.spec === undefined) return { failures: narrow(v.failures) };
      const spec = v.spec;
      const creating = Object.keys(userInputs(olds, keys.outputs)).length === 0;
      try {
        const p = await withCall(spec, news, olds, creating, "check", async (call) => {
          const observed = await engine.observe(call);
          if (engine.reuse) recent.remember(keyOf(call, news), observed, engine.reuse.of(observed));
          return engine.preview(call, observed, engine.decide(call, observed));
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

    async create(inputs) {
      let spec: Spec;
      try {
        spec = parse(inputs);
      } catch (e) {
        throw surface(e);
      }
      const id = engine.idOf(spec);
      return { id, outs: await converge(id, spec, {}, inputs, true) };
    },

    async update(id, olds, news) {
      let spec: Spec;
      try {
        spec = parse(news);
      } catch (e) {
        throw surface(e);
      }
      return { outs: await converge(id, spec, olds, news, false) };
    },

    async read(id, props) {
      try {
        const r = await withCall(parse(props), props, props, false, "read", async (call) =>
          engine.refresh(call, await engine.observe(call)),
        );
        return { id, props: { ...props, ...r.outputs }, ...(r.inputs ? { inputs: r.inputs } : {}) };
      } catch (e) {
        throw surface(e);
      }
    },

    async delete(_id, props) {
      try {
        await withCall(parse(props), props, props, false, "delete", (call) => engine.dissolve(call));
      } catch (e) {
        throw surface(e);
      }
    },
  });
}

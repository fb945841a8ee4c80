/**
 * The one controller, driven with a small in-memory engine: what every resource gets from it whatever the
 * engine — unknown inputs at preview, the declared diff keys, closing connections, the partial-failure
 * record, safe failures, and apply reusing check()'s observation only while its fingerprint holds.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { controllerOf, type HookContext } from "../../../provider/core/controller";
import type { Engine, Session } from "../../../provider/core/engine";
import { Incomplete } from "../../../provider/core/partial";
import { progress, warn } from "../../../provider/core/progress";
import { type Props, UNKNOWN } from "../../../provider/core/props";
import { RecentObservations } from "../../../provider/core/reuse";
import { dynamicProvider } from "../../../provider/dynamic/provider";
import { StateError } from "../../../provider/errors";
import type { Fleet } from "../../../provider/transport/fleet";

interface Spec {
  size: number;
  secret: string;
}

/** A fake engine whose every step is counted; `world` is the live state it observes. */
function fakeEngine(opts: { applyFails?: "incomplete" | "typed"; reuse?: boolean } = {}) {
  const counts = { observe: 0, read: 0, closed: 0, apply: 0 };
  const world = { version: 1 };
  const opened: Array<number | undefined> = [];
  const states: Props[] = [];
  const engine: Engine<Spec, Session, { version: number }, string, Props> = {
    kind: {
      type: "Fake",
      command: "fake",
      secretInputs: ["secret"],
      inputSchema: z.object({ size: z.number(), secret: z.string() }),
      imports: {
        nestedSecrets: {},
        keyInputs: { all: "secret", perTarget: "secrets" },
        fileInputs: {},
        recorded: () => ({}),
      },
    },
    stateOf: (stored) => {
      states.push(stored);
      return stored;
    },
    operationOf: (d) => d.replace(/ from v\d+$/, ""),
    keys: {
      outputs: ["plan", "state"],
      previewOutputs: ["plan"],
      inputs: ["size", "secret"],
      objectInputs: ["secret"],
    },
    validate(raw: Props) {
      const failures = [];
      if (typeof raw["size"] !== "number") failures.push({ property: "size", reason: "must be a number" });
      if (raw["secret"] === "bad") failures.push({ property: "secret", reason: "is not a key" });
      return failures.length > 0
        ? { failures }
        : { failures, spec: { size: raw["size"] as number, secret: String(raw["secret"]) } };
    },
    lift: (raw) => raw,
    idOf: (spec) => `fake:${spec.size}`,
    open: (_spec, deadlineMs) => {
      opened.push(deadlineMs);
      const close = async () => {
        counts.closed += 1;
      };
      return { fleet: { close } as unknown as Fleet };
    },
    async observe() {
      counts.observe += 1;
      return { version: world.version };
    },
    decide: (call, obs) => `grow to ${obs.version > 5 ? "max" : call.spec.size} from v${obs.version}`,
    async preview(call, _obs, d) {
      progress(call.name, `plan: ${d}`);
      warn(call.name, "careful");
      return { outputs: { plan: [d] } };
    },
    async apply(_call, obs, d) {
      counts.apply += 1;
      if (opts.applyFails === "incomplete")
        throw new Incomplete(new StateError("half-way"), { state: "half" });
      if (opts.applyFails === "typed") throw new StateError("refused", { hint: "do this" });
      return { plan: [], state: `${d} (saw v${obs.version})` };
    },
    refresh: (_call, obs) => ({ outputs: { state: `v${obs.version}` } }),
    async dissolve() {},
    replaces: (_o, _n, changed) => changed.filter((k) => k === "size"),
    failureProperty: () => "",
    ...(opts.reuse
      ? {
          reuse: {
            key: () => "",
            of: (obs: { version: number }) => `v${obs.version}`,
            async read() {
              counts.read += 1;
              return `v${world.version}`;
            },
          },
        }
      : {}),
  };
  return {
    engine,
    counts,
    world,
    opened,
    states,
    core: controllerOf(engine),
    c: dynamicProvider(controllerOf(engine)),
  };
}

test("check with an input unknown at preview: no observation; the preview outputs are unknown", async () => {
  const { c, counts } = fakeEngine();
  const r = await c.check!({}, { size: UNKNOWN, secret: "k" });
  assert.equal(counts.observe, 0);
  assert.deepEqual(r.inputs, { size: UNKNOWN, secret: "k", plan: UNKNOWN, operationKey: UNKNOWN });
});

test("check: a failure on a whole secret object is moved to the resource; nothing is observed", async () => {
  const { c, counts } = fakeEngine();
  const r = await c.check!({}, { size: 2, secret: "bad" });
  assert.deepEqual(r.failures, [{ property: "", reason: "secret: is not a key" }]);
  assert.equal(counts.observe, 0);
});

test("check shows the decision's plan, and closes the call's connections", async () => {
  const { c, counts } = fakeEngine();
  const r = await c.check!({}, { size: 2, secret: "k" });
  assert.deepEqual(r.inputs, {
    size: 2,
    secret: "k",
    plan: ["grow to 2 from v1"],
    operationKey: "grow to 2",
  });
  assert.equal(counts.closed, 1);
});

/** A hook context that records what the core sends to the front-end's channel. */
function recordingContext(deadlineMs?: number): HookContext & { lines: string[] } {
  const lines: string[] = [];
  return {
    name: "r",
    lines,
    log: { info: (l) => lines.push(`info ${l}`), warn: (l) => lines.push(`warn ${l}`) },
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
  };
}

test("progress lines and warnings reach the calling front-end's channel; concurrent calls stay apart", async () => {
  const { core } = fakeEngine();
  const a = recordingContext();
  const b = recordingContext();
  await Promise.all([
    core.check({}, { size: 2, secret: "k" }, a),
    core.check({}, { size: 3, secret: "k" }, b),
  ]);
  assert.deepEqual(a.lines, ["info plan: grow to 2 from v1", "warn careful"]);
  assert.deepEqual(b.lines, ["info plan: grow to 3 from v1", "warn careful"]);
});

test("the front-end's deadline reaches the engine's open() and the call", async () => {
  const { core, opened } = fakeEngine();
  await core.check({}, { size: 2, secret: "k" }, recordingContext(123_456));
  await core.check({}, { size: 2, secret: "k" }, recordingContext());
  assert.deepEqual(opened, [123_456, undefined]);
});

test("apply refuses when its decision is not the operation preview stored, and runs nothing", async () => {
  const { c, counts, world } = fakeEngine();
  const checked = await c.check!({}, { size: 2, secret: "k" });
  world.version = 9; // the live state moved: the decision is now "grow to max"
  const e = (await c.create(checked.inputs!).then(
    () => assert.fail("create must fail"),
    (x: unknown) => x,
  )) as Error;
  assert.match(e.message, /state changed since preview: preview said "grow to 2", now "grow to max"/);
  assert.equal(counts.apply, 0);
  // Same operation, other details: goes on; the stored key is cleared after apply.
  const again = fakeEngine();
  const ok = await again.c.check!({}, { size: 2, secret: "k" });
  again.world.version = 3;
  const r = await again.c.create(ok.inputs!);
  assert.equal(r.outs["operationKey"], "");
  assert.equal(again.counts.apply, 1);
});

test("the engine reads its own state from the stored outputs, never the user's inputs alone", async () => {
  const { c, states } = fakeEngine();
  const olds = { size: 2, secret: "k", state: "v1", plan: [] };
  await c.update!("fake:2", olds, { size: 2, secret: "k" });
  assert.equal(states.at(-1)?.["state"], "v1");
  await c.create({ size: 2, secret: "k" });
  assert.deepEqual(states.at(-1), {});
});

test("diff compares exactly the declared inputs; a pending plan is a change; the engine names replacements", async () => {
  const { c } = fakeEngine();
  const base = { size: 2, secret: "k", plan: [] };
  assert.deepEqual(await c.diff!("id", base, { ...base, other: 1 }), { changes: false });
  assert.deepEqual(await c.diff!("id", base, { ...base, plan: ["x"] }), { changes: true });
  assert.deepEqual(await c.diff!("id", base, { ...base, size: 3 }), {
    changes: undefined,
    replaces: ["size"],
    deleteBeforeReplace: true,
  });
  assert.deepEqual((await c.diff!("id", base, { ...base, secret: "j" })).replaces, []);
});

test("create: an Incomplete failure is recorded with the id, the engine's outputs and __provider", async () => {
  const { c, counts } = fakeEngine({ applyFails: "incomplete" });
  const inputs = { size: 2, secret: "k", __provider: "shim", __hadrName: "r" };
  const e = (await c.create(inputs).then(
    () => assert.fail("create must fail"),
    (x: unknown) => x,
  )) as Error & { id: string; properties: Props };
  assert.equal(e.id, "fake:2");
  assert.equal(e.properties["state"], "half");
  assert.equal(e.properties["__provider"], "shim");
  assert.match(e.message, /half-way/);
  assert.equal(counts.closed, 1);
});

test("create: any other failure is surfaced with its code and hint, and nothing is recorded", async () => {
  const { c } = fakeEngine({ applyFails: "typed" });
  const e = (await c.create({ size: 2, secret: "k" }).then(
    () => assert.fail("create must fail"),
    (x: unknown) => x,
  )) as Error & { id?: string };
  assert.equal(e.id, undefined);
  assert.match(e.message, /HADR_STATE.*refused/s);
  assert.match(e.message, /do this/);
});

test("apply reuses check()'s observation when the fingerprint read right before is equal", async () => {
  const { c, counts } = fakeEngine({ reuse: true });
  const checked = await c.check!({}, { size: 2, secret: "k" });
  const r = await c.create(checked.inputs!);
  assert.equal(counts.observe, 1, "one observation for check and create");
  assert.equal(counts.read, 1);
  assert.equal(r.outs["state"], "grow to 2 from v1 (saw v1)");
});

test("apply observes again when the fingerprint moved, the inputs differ, or no check ran", async () => {
  const moved = fakeEngine({ reuse: true });
  const checked = await moved.c.check!({}, { size: 2, secret: "k" });
  moved.world.version = 2;
  const r = await moved.c.create(checked.inputs!);
  assert.equal(moved.counts.observe, 2);
  assert.equal(r.outs["state"], "grow to 2 from v2 (saw v2)");

  const other = fakeEngine({ reuse: true });
  await other.c.check!({}, { size: 2, secret: "k" });
  await other.c.create({ size: 3, secret: "k" });
  assert.equal(other.counts.observe, 2);
  assert.equal(other.counts.read, 0, "no fingerprint read without a matching check");

  const once = fakeEngine({ reuse: true });
  const c1 = await once.c.check!({}, { size: 2, secret: "k" });
  await once.c.create(c1.inputs!);
  await once.c.update!("fake:2", c1.inputs!, c1.inputs!);
  assert.equal(once.counts.observe, 2, "an observation is reused at most once");
});

test("a remembered observation expires after its window", () => {
  let now = 1_000;
  const r = new RecentObservations<string>(() => now, 60_000);
  r.remember("k", "obs", "fp");
  assert.equal(r.take("k", "fp"), "obs");
  r.remember("k", "obs", "fp");
  now += 60_001;
  assert.equal(r.has("k"), false);
  assert.equal(r.take("k", "fp"), undefined);
  r.remember("k", "obs", "fp");
  assert.equal(r.take("k", null), undefined, "a fingerprint that cannot be read never reuses");
});

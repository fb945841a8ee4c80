/**
 * The one controller, driven with a small in-memory engine: what every resource gets from it whatever the
 * engine — unknown inputs at preview, the declared diff keys, closing connections, the partial-failure
 * record, safe failures, and apply reusing check()'s observation only while its fingerprint holds.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { controllerOf } from "../../../provider/dynamic/controller";
import type { Engine, Session } from "../../../provider/dynamic/engine";
import { Incomplete } from "../../../provider/dynamic/partial";
import { type Props, UNKNOWN } from "../../../provider/dynamic/props";
import { RecentObservations } from "../../../provider/dynamic/reuse";
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
  const engine: Engine<Spec, Session, { version: number }, string> = {
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
    open: () => {
      const close = async () => {
        counts.closed += 1;
      };
      return { fleet: { close } as unknown as Fleet };
    },
    async observe() {
      counts.observe += 1;
      return { version: world.version };
    },
    decide: (call, obs) => `grow to ${call.spec.size} from v${obs.version}`,
    async preview(_call, _obs, d) {
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
  return { engine, counts, world, c: controllerOf(engine) };
}

test("check with an input unknown at preview: no observation; the preview outputs are unknown", async () => {
  const { c, counts } = fakeEngine();
  const r = await c.check!({}, { size: UNKNOWN, secret: "k" });
  assert.equal(counts.observe, 0);
  assert.deepEqual(r.inputs, { size: UNKNOWN, secret: "k", plan: UNKNOWN });
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
  assert.deepEqual(r.inputs, { size: 2, secret: "k", plan: ["grow to 2 from v1"] });
  assert.equal(counts.closed, 1);
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

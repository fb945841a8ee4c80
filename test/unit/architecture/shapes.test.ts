/**
 * The public input types (the resource classes' `<type>Args`, written for users with doc comments) and the
 * engines' zod schemas (`kind.inputSchema`) describe the same inputs: the same property names at every
 * level, the same required flags, kinds and enum values. Every engine of the engine map is checked, so a new
 * engine is held to it without a line here, and a property added to one side only fails.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { engines } from "../../../provider/runtime";
import { inputProblems, KINDS, resourceSources } from "../../../provider/schema/generate";
import { readTsResources } from "../../../provider/schema/tsShapes";

const ts = () => readTsResources(resourceSources());

test("every engine of the map: its zod input schema is its class's Args, at every level", () => {
  assert.deepEqual(
    KINDS.map((k) => k.engine),
    Object.values(engines),
    "every engine of the map, in order",
  );
  const all = ts();
  for (const k of KINDS) assert.deepEqual(inputProblems(k, all), [], k.name);
});

test("the check bites: a property on one side only, a flipped required flag, a class missing", () => {
  for (const k of KINDS) {
    const all = ts();
    const args = all[k.name]!.inputs.props;
    args["extraProp"] = { shape: { kind: "string" }, required: false };
    const first = Object.keys(args)[0]!;
    args[first] = { ...args[first]!, required: !args[first]!.required };
    assert.deepEqual(inputProblems(k, all).sort(), [
      `${k.name} input ${first}: zod says ${args[first]!.required ? "optional" : "required"}, TypeScript ${args[first]!.required ? "required" : "optional"}`,
      `${k.name} input extraProp: only the TypeScript type has it`,
    ]);
    const unknown = { ...k, name: `${k.name}X`, input: z.object({ size: z.number() }) };
    assert.deepEqual(inputProblems(unknown, all), [
      `${k.name}X: no class with a ${k.name}XArgs interface in provider/resources`,
    ]);
  }
});

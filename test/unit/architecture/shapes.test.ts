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

test("the check bites: a nested property on one side only, a required flag, a class missing", () => {
  const dr = KINDS.find((k) => k.name === "DrRelationship")!;
  const all = ts();
  const nested = all["DrRelationship"]!.inputs.props["drUser"]!.shape;
  assert.equal(nested.kind, "object");
  if (nested.kind === "object") nested.props["role"] = { shape: { kind: "string" }, required: false };
  assert.deepEqual(inputProblems(dr, all), [
    "DrRelationship input drUser.role: only the TypeScript type has it",
  ]);
  const toy = { name: "Toy", engine: dr.engine, input: z.object({ size: z.number() }) };
  assert.deepEqual(inputProblems(toy, all), ["Toy: no class with a ToyArgs interface in provider/resources"]);
  const renamed = { ...toy, name: "DrRelationship" };
  assert.ok(inputProblems(renamed, ts()).includes("DrRelationship input size: only the zod schema has it"));
  assert.ok(
    inputProblems(renamed, ts()).includes("DrRelationship input primary: only the TypeScript type has it"),
  );
});

/**
 * schema.json is generated (`npm run schema`) from the engines' zod schemas, the public TypeScript types and
 * the engines' output lists: it must be current, the sources must agree, and the agreement check must bite.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import { test } from "node:test";
import {
  KINDS,
  packageVersion,
  resourceSources,
  SCHEMA_FILE,
  schemaProblems,
  schemaText,
  typeToken,
} from "../../provider/schema/generate";
import { readTsResources } from "../../provider/schema/tsShapes";

const schema = () => JSON.parse(fs.readFileSync(SCHEMA_FILE, "utf8"));

test("schema.json is what the generator writes today (run `npm run schema` after changing an input)", () => {
  assert.equal(fs.readFileSync(SCHEMA_FILE, "utf8"), schemaText(packageVersion()));
});

test("the zod schemas, the TypeScript types and the engines' output lists agree", () => {
  assert.deepEqual(schemaProblems(), []);
});

test("every input and output of each engine is in the schema, secrets marked as the resource classes mark them", () => {
  for (const k of KINDS) {
    const r = schema().resources[typeToken(k.name)];
    assert.ok(r, `${k.name} is in the schema`);
    for (const key of k.engine.keys.inputs) assert.ok(r.inputProperties[key], `${k.name}.${key} is an input`);
    for (const key of k.engine.keys.outputs) assert.ok(r.properties[key], `${k.name}.${key} is an output`);
    const marked = (props: Record<string, { secret?: boolean }>) =>
      Object.keys(props)
        .filter((p) => props[p]!.secret)
        .sort();
    // the engines' kind.secretInputs, which the dynamic classes mark secret too
    const secrets = [...k.engine.kind.secretInputs].sort();
    assert.ok(secrets.includes("sshKey"), `${k.name}: the SSH key is secret`);
    assert.deepEqual(marked(r.inputProperties), secrets);
    assert.deepEqual(marked(r.properties), secrets);
  }
  const dr = schema().resources["hadr:index:DrRelationship"];
  assert.deepEqual(dr.requiredInputs, ["clusters", "primary", "drUser"]);
  const policy = schema().resources["hadr:index:RecoveryPolicy"];
  assert.deepEqual(schema().types[policy.inputProperties.mode.$ref.replace("#/types/", "")].enum, [
    { value: "manual" },
    { value: "standby" },
    { value: "automatic" },
  ]);
});

test("the agreement check bites: a renamed, optional, retyped or unknown-secret TypeScript input is reported", () => {
  const fresh = () => readTsResources(resourceSources());
  const renamed = fresh();
  const dr = renamed["DrRelationship"]!.inputs.props;
  dr["primaryCluster"] = dr["primary"]!;
  delete dr["primary"];
  assert.deepEqual(schemaProblems(renamed), [
    "DrRelationship input primary: only the zod schema has it",
    "DrRelationship input primaryCluster: only the TypeScript type has it",
    "DrRelationship output primary: the class declares it, it is neither an input nor an engine output",
  ]);
  const optional = fresh();
  optional["DrRelationship"]!.inputs.props["drUser"]!.required = false;
  assert.deepEqual(schemaProblems(optional), [
    "DrRelationship input drUser: zod says required, TypeScript optional",
  ]);
  const retyped = fresh();
  retyped["RecoveryPolicy"]!.inputs.props["mode"]!.shape = { kind: "enum", values: ["manual", "auto"] };
  assert.match(schemaProblems(retyped).join("\n"), /RecoveryPolicy input mode: zod allows/);
  retyped["RecoveryPolicy"]!.inputs.props["acknowledgeDataLoss"]!.shape = { kind: "string" };
  assert.match(
    schemaProblems(retyped).join("\n"),
    /acknowledgeDataLoss: zod says boolean, TypeScript says string/,
  );
  const secret = fresh();
  delete secret["RecoveryPolicy"]!.inputs.props["rootSshKey"];
  assert.deepEqual(schemaProblems(secret), [
    "RecoveryPolicy input rootSshKey: only the zod schema has it",
    "RecoveryPolicy secret rootSshKey: is not an input",
  ]);
  const output = fresh();
  delete output["DrRelationship"]!.outputs["health"];
  assert.deepEqual(schemaProblems(output), [
    "DrRelationship output health: the engine computes it, the class does not declare it",
  ]);
});

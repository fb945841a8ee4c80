/** The `import-spec` command's pure parts: no secret in the file, the right type tokens, importable or not. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { importFile, importProblems, withoutSecrets } from "../../provider/cli/importSpec";
import { main } from "../../provider/cli/main";

test("the import file carries inputs and outputs without any key or DR password, with the provider", () => {
  const inputs = {
    clusters: { A: { xml: "<ROOT/>", ssh: { hostKeys: {} } } },
    primary: "A",
    drUser: { name: "druser", password: "SECRET-PW" },
    sshKey: { privateKey: "SECRET-KEY" },
    clusterSshKeys: { A: { privateKey: "SECRET-KEY-2", passphrase: "SECRET-PP" } },
  };
  const f = importFile(
    "dr-relationship",
    "dr",
    "dr:A:B",
    inputs,
    { ...inputs, primary: "A", health: "healthy" },
    "exports.handler = 1;",
  );
  const text = JSON.stringify(f);
  assert.doesNotMatch(text, /SECRET/);
  const r = f.resources[0]!;
  assert.equal(r.type, "pulumi-nodejs:dynamic/hadr:DrRelationship");
  assert.equal(r.name, "dr");
  assert.equal(r.id, "dr:A:B");
  assert.deepEqual(r.inputs["drUser"], { name: "druser" });
  assert.equal(r.outputs["health"], "healthy");
  for (const part of [r.inputs, r.outputs]) {
    assert.equal(part["__provider"], "exports.handler = 1;");
    assert.equal(part["__hadrName"], "dr");
  }
  const policy = withoutSecrets("recovery-policy", {
    nodes: [],
    sshKey: { privateKey: "x" },
    nodeSshKeys: {},
    rootSshKey: { privateKey: "y" },
    nodeRootSshKeys: {},
    mode: "standby",
  });
  assert.deepEqual(Object.keys(policy), ["nodes", "mode"]);
});

test("importProblems: a DR pair only when established with the requested primary; a policy only without drift", () => {
  const ok = { primary: "A", hadrClusterStat: { A: "archive", B: "recovery" } };
  assert.deepEqual(importProblems("dr-relationship", { primary: "A" }, ok), []);
  assert.deepEqual(
    importProblems(
      "dr-relationship",
      { primary: "A" },
      { primary: "A", hadrClusterStat: { A: "archive_fail", B: "recovery_fail" } },
    ),
    [],
  );
  for (const live of [
    { primary: "B", hadrClusterStat: { A: "recovery", B: "archive" } },
    { hadrClusterStat: { A: "normal", B: "normal" } },
    { primary: "A", hadrClusterStat: { A: "archive", B: "unreachable" } },
  ]) {
    const p = importProblems("dr-relationship", { primary: "A" }, live);
    assert.equal(p.length, 1, JSON.stringify(live));
    assert.match(p[0]!.reason, /not an established pair with A as primary/);
  }
  assert.deepEqual(
    importProblems("recovery-policy", { mode: "standby" }, { drift: [], pendingRestart: false }),
    [],
  );
  assert.equal(
    importProblems("recovery-policy", {}, { drift: ["127.0.4.1: recovery is manual"], pendingRestart: null })
      .length,
    1,
  );
  assert.equal(importProblems("recovery-policy", {}, { drift: [], pendingRestart: true }).length, 1);
});

test("the command refuses bad usage with exit 2 and writes nothing", async () => {
  const errors: string[] = [];
  const orig = console.error;
  console.error = (...a: unknown[]) => errors.push(a.join(" "));
  try {
    assert.equal(await main(["import-spec", "widget", "x", "--inputs", "i.json", "--ssh-key-file", "k"]), 2);
    assert.equal(await main(["import-spec", "dr-relationship", "dr", "--ssh-key-file", "k"]), 2);
    assert.equal(await main(["frobnicate"]), 2);
  } finally {
    console.error = orig;
  }
  assert.match(
    errors.join("\n"),
    /dr-relationship or recovery-policy[\s\S]*--inputs is required[\s\S]*unknown command/,
  );
});

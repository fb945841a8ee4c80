/** The `import-spec` command's pure parts: no secret in the file, the right type tokens, the adopt guard. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { importFile } from "../../provider/cli/importSpec";
import { main } from "../../provider/cli/main";
import type { Hooks } from "../../provider/core/controller";
import { readForImport, withFiles, withoutSecrets, withPlaceholders } from "../../provider/core/importing";
import { policyEngine } from "../../provider/engines/kingbase/engine";
import { drEngine } from "../../provider/engines/opengauss/engine";

test("the import file carries inputs and outputs without any key or DR password, with the provider", () => {
  const inputs = {
    clusters: { A: { xml: "<ROOT/>", ssh: { hostKeys: {} } } },
    primary: "A",
    drUser: { name: "druser", password: "SECRET-PW" },
    sshKey: { privateKey: "SECRET-KEY" },
    clusterSshKeys: { A: { privateKey: "SECRET-KEY-2", passphrase: "SECRET-PP" } },
    proxySshKey: { privateKey: "SECRET-KEY-3" },
  };
  const at = "2026-01-02T03:04:05.000Z";
  const f = importFile(
    drEngine.kind,
    "dr",
    "dr:A:B",
    inputs,
    { ...inputs, primary: "A", health: "healthy", plan: ["stale"] },
    "exports.handler = 1;",
    at,
  );
  const text = JSON.stringify(f);
  assert.doesNotMatch(text, /SECRET/);
  const r = f.resources[0]!;
  assert.equal(r.type, "pulumi-nodejs:dynamic/hadr:DrRelationship");
  assert.equal(r.name, "dr");
  assert.equal(r.id, "dr:A:B");
  assert.deepEqual(r.inputs["drUser"], { name: "druser" });
  assert.equal(r.outputs["health"], "healthy");
  assert.deepEqual(r.outputs["plan"], []);
  assert.deepEqual(r.outputs["lastOperation"], {
    kind: "adopt",
    status: "succeeded",
    at,
    traceIds: {},
    nodes: {},
  });
  for (const part of [r.inputs, r.outputs]) {
    assert.equal(part["__provider"], "exports.handler = 1;");
    assert.equal(part["__hadrName"], "dr");
  }
  const policyInputs = {
    engine: "kingbase-v8r6",
    nodes: [],
    sshKey: { privateKey: "x" },
    nodeSshKeys: {},
    rootSshKey: { privateKey: "y" },
    nodeRootSshKeys: {},
    mode: "standby",
  };
  assert.deepEqual(Object.keys(withoutSecrets(policyEngine.kind, policyInputs)), ["engine", "nodes", "mode"]);
  const p = importFile(policyEngine.kind, "kb", "kingbase-v8r6:h", policyInputs, policyInputs, "x", at)
    .resources[0]!;
  assert.equal(p.type, "pulumi-nodejs:dynamic/hadr:RecoveryPolicy");
  assert.deepEqual(p.outputs["previous"], { engine: "kingbase-v8r6", nodes: [] });
});

test("an inputs file's xmlFile is read where the kind allows it; a DR password placeholder only when none", () => {
  const rules = drEngine.kind.imports;
  const read = (f: string) => `<ROOT file="${f}"/>`;
  const declared = {
    clusters: { A: { xmlFile: "a.xml", ssh: {} }, B: { xml: "<B/>", ssh: {} } },
    drUser: { name: "druser" },
    xmlFile: "top-level is not a cluster.xml",
  };
  const out = withPlaceholders(rules, withFiles(rules, declared, read));
  assert.deepEqual(out["clusters"], {
    A: { ssh: {}, xml: '<ROOT file="a.xml"/>' },
    B: { xml: "<B/>", ssh: {} },
  });
  assert.equal(out["xmlFile"], declared.xmlFile, "only the objects the rules name");
  assert.deepEqual(out["drUser"], { name: "druser", password: "unused-by-read-0" });
  assert.deepEqual(withPlaceholders(rules, { drUser: { name: "u", password: "given" } })["drUser"], {
    name: "u",
    password: "given",
  });
  const v = drEngine.validate({ ...out, clusters: {} });
  assert.ok(!v.failures.some((f) => f.property.startsWith("drUser")), "the placeholder passes validation");
});

/** Hooks whose check() fails with `failures`, counting the calls and what check() was given. */
function fakeHooks(failures: Array<{ property: string; reason: string }>) {
  const calls: string[] = [];
  const hooks = {
    check: async (_o: unknown, news: Record<string, unknown>) => {
      calls.push(`check adopt=${String(news["adopt"])}`);
      return failures.length > 0 ? { failures } : { inputs: news };
    },
    read: async (id: string, props: Record<string, unknown>) => {
      calls.push(`read ${id}`);
      return { id, props: { ...props, primary: "A", other: 1 }, inputs: { ...props, plan: [] } };
    },
  } as unknown as Hooks;
  return { hooks, calls };
}

test("readForImport: the engine's own adopt decision (check() with adopt: true) guards the read", async () => {
  const engine = {
    validate: (raw: Record<string, unknown>) =>
      raw["ok"] ? { failures: [], spec: raw } : { failures: [{ property: "ok", reason: "must be true" }] },
    lift: (raw: Record<string, unknown>) => raw,
    idOf: () => "thing:1",
    keys: { outputs: ["primary", "plan"], previewOutputs: [], inputs: [], objectInputs: [] },
  };
  const ctx = { name: "t", log: { info: () => {}, warn: () => {} } };
  const refusal = [{ property: "primary", reason: "not an established pair" }];
  const refused = fakeHooks(refusal);
  assert.deepEqual(await readForImport(engine, refused.hooks, { ok: true }, ctx), {
    failures: refusal,
    refused: true,
  });
  assert.deepEqual(refused.calls, ["check adopt=true"], "nothing is read after a refusal");
  const invalid = fakeHooks([]);
  assert.deepEqual(await readForImport(engine, invalid.hooks, {}, ctx), {
    failures: [{ property: "ok", reason: "must be true" }],
    refused: false,
  });
  assert.deepEqual(invalid.calls, [], "invalid inputs reach no hook");
  const ok = fakeHooks([]);
  const r = await readForImport(engine, ok.hooks, { ok: true }, ctx);
  assert.deepEqual(ok.calls, ["check adopt=true", "read thing:1"]);
  assert.ok("live" in r);
  assert.deepEqual(r.live, { primary: "A" }, "live: the engine's outputs only");
  assert.equal(r.props["other"], 1);
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
    /one of dr-relationship, recovery-policy[\s\S]*--inputs is required[\s\S]*unknown command/,
  );
});

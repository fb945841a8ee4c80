/**
 * The guard rails through the real Pulumi CLI: `pulumi preview --policy-pack
 * node_modules/pulumi-hadr/policy-pack/analyzer` (the pack's own analyzer, docs/decisions.md D-guard-2) on a
 * protected stack (`prod-eu`) of the lab's DR pair and a KingbaseES RecoveryPolicy. Each rule fires on a
 * bad stack and stays quiet on a good one; the break-glass expires. The output rules (`hadr-rpo-bound`,
 * `hadr-last-drill`) run on the outputs of an established pair (the last test's one `up`), as a past incident
 * or an old drill left them in the stack's state: advisory by default, mandatory when configured.
 */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, before, describe, test } from "node:test";
import { DR_PROGRAM, DrHarness } from "./dr-support";
import { policySpec } from "./policy-support";

const PROGRAM = `${DR_PROGRAM}
const { RecoveryPolicy } = require("pulumi-hadr");
const kb = new RecoveryPolicy("kb", { ...cfg.requireObject("policy"), sshKey: { privateKey: key } });
exports.kbPlan = kb.plan;
`;

let h: DrHarness;
let configFile: string;

/** Previews with the shipped pack and `config` as the policy-pack config; returns exit code and output. */
async function preview(config: Record<string, unknown> = {}): Promise<{ code: number | null; out: string }> {
  fs.writeFileSync(configFile, JSON.stringify(config));
  const r = await h.pulumiRun(
    [
      "preview",
      "--policy-pack",
      "node_modules/pulumi-hadr/policy-pack/analyzer",
      "--policy-pack-config",
      configFile,
    ],
    300_000,
  );
  assert.match(r.out, /pulumi-hadr-guard-rails/, `the pack ran:\n${r.out}`);
  return r;
}

async function setStack(dr: Record<string, unknown>, mode: string): Promise<void> {
  await h.setSpec(dr);
  const extra = mode === "automatic" ? { mode, acknowledgeDataLoss: true } : { mode };
  await h.project.config("policy", JSON.stringify(policySpec(h.lab, "kbv8r6", extra)));
}

/** Sets the DrRelationship's `rpoSeconds` and `lastDrill` outputs in the stack's state (export, edit, import). */
async function setOutputs(outputs: {
  rpoSeconds: number;
  lastDrill?: Record<string, unknown>;
}): Promise<void> {
  const file = path.join(h.project.dir, "state.json");
  await h.pulumi(["stack", "export", "--file", file]);
  const state = JSON.parse(fs.readFileSync(file, "utf8")) as {
    deployment: { resources: Array<{ urn: string; outputs?: Record<string, unknown> }> };
  };
  const dr = state.deployment.resources.find((r) => r.urn.endsWith("::dr") && r.outputs?.["primary"]);
  assert.ok(dr?.outputs, "the DrRelationship is in the state");
  dr.outputs["rpoSeconds"] = outputs.rpoSeconds;
  if (outputs.lastDrill) dr.outputs["lastDrill"] = outputs.lastDrill;
  else delete dr.outputs["lastDrill"];
  fs.writeFileSync(file, JSON.stringify(state));
  await h.pulumi(["stack", "import", "--file", file]);
}

/** A `lastDrill` output that finished `daysAgo` days ago with `result`. */
function drill(daysAgo: number, result: string): Record<string, unknown> {
  const end = Date.now() - daysAgo * 86_400_000;
  return {
    id: `q${daysAgo}`,
    startedAt: new Date(end - 60_000).toISOString(),
    finishedAt: new Date(end).toISOString(),
    from: "A",
    to: "B",
    result,
  };
}

const DATA_LOSS =
  /hadr-protected-allow-data-loss[\s\S]*dr: allowDataLoss is true in protected stack "prod-eu"/;
const INSECURE = /hadr-protected-insecure-ssh[\s\S]*dr: clusters\.A\.ssh\.insecure is true/;
const AUTOMATIC = /hadr-protected-automatic-recovery[\s\S]*kb: mode "automatic" in protected stack "prod-eu"/;

describe("the guard-rails policy pack", { timeout: 10 * 60_000 }, () => {
  before(async () => {
    h = await DrHarness.setup("guardrails", {}, { program: PROGRAM, engines: ["kingbase-v8r6"] });
    await h.pulumi(["stack", "rename", "prod-eu"]);
    configFile = path.join(h.project.dir, "policy-config.json");
  });
  after(() => h?.dispose());

  test("a bad protected stack: all three resource rules fire and the preview fails; a good one is quiet", {
    timeout: 300_000,
  }, async () => {
    const spec = h.spec();
    const clusters = spec["clusters"] as Record<string, { ssh: Record<string, unknown> }>;
    clusters["A"]!.ssh = { ...clusters["A"]!.ssh, insecure: true };
    await setStack({ allowDataLoss: true, clusters }, "automatic");
    const bad = await preview();
    assert.notEqual(bad.code, 0);
    for (const rule of [DATA_LOSS, INSECURE, AUTOMATIC]) assert.match(bad.out, rule);

    await setStack({}, "standby");
    const good = await preview();
    assert.equal(good.code, 0, good.out);
    assert.doesNotMatch(good.out, /hadr-protected-|hadr-rpo-bound|hadr-last-drill/);
  });

  test("the pack's config: automatic acknowledged by name, protected stacks by pattern, outputs mandatory", {
    timeout: 300_000,
  }, async () => {
    await setStack({ allowDataLoss: true }, "automatic");
    const acked = await preview({
      "hadr-protected-automatic-recovery": { acknowledgedAutomaticRecovery: ["kb"] },
      "hadr-protected-allow-data-loss": { protectedStacks: ["live*"] },
    });
    assert.equal(acked.code, 0, acked.out);
    assert.doesNotMatch(acked.out, /hadr-protected-/);
    await setStack({}, "standby");
    const drill = await preview({ "hadr-last-drill": { enforcementLevel: "mandatory", requireDrill: true } });
    assert.notEqual(drill.code, 0);
    assert.match(drill.out, /hadr-last-drill[\s\S]*dr: no drill has been run/);
  });

  test("break-glass: allowDataLoss passes while allowDataLossUntil is ahead, and is denied once it expired", {
    timeout: 300_000,
  }, async () => {
    await setStack({ allowDataLoss: true }, "standby");
    const until = new Date(Date.now() + 40_000).toISOString();
    const glass = { "hadr-protected-allow-data-loss": { allowDataLossUntil: until } };
    const open = await preview(glass);
    assert.equal(open.code, 0, open.out);
    assert.doesNotMatch(open.out, /hadr-protected-allow-data-loss/);
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(until) - Date.now() + 1000)));
    const expired = await preview(glass);
    assert.notEqual(expired.code, 0);
    assert.match(
      expired.out,
      new RegExp(`the break-glass allowDataLossUntil ${until.replace(/\./g, "\\.")} has expired`),
    );
  });

  test("the output rules on an established pair: rpoSeconds above the bound, a failed or old drill; advisory unless configured", {
    timeout: 600_000,
  }, async () => {
    await setStack({}, "standby");
    await h.pulumi(["up", "--yes", "--skip-preview"]);
    const RPO = /hadr-rpo-bound[\s\S]*dr: rpoSeconds is 120, above the bound of 60 s \(stack "prod-eu"\)/;
    const FAILED =
      /hadr-last-drill[\s\S]*dr: the last drill \(q3\) did not pass: failed: write outage 9\.1 s/;
    const OLD =
      /hadr-last-drill[\s\S]*dr: the last drill \(q120\) finished 120 days ago, more than maxDrillAgeDays \(90\)/;

    await setOutputs({ rpoSeconds: 2, lastDrill: drill(3, "passed") });
    const quiet = await preview();
    assert.equal(quiet.code, 0, quiet.out);
    assert.doesNotMatch(quiet.out, /hadr-rpo-bound|hadr-last-drill/);

    await setOutputs({
      rpoSeconds: 120,
      lastDrill: drill(3, "failed: write outage 9.1 s above maxWriteOutageSeconds 5"),
    });
    const advisory = await preview();
    assert.equal(advisory.code, 0, `advisory by default:\n${advisory.out}`);
    assert.match(advisory.out, RPO);
    assert.match(advisory.out, FAILED);
    assert.match(advisory.out, /advisory/);
    const mandatory = await preview({
      "hadr-rpo-bound": { enforcementLevel: "mandatory" },
      "hadr-last-drill": { enforcementLevel: "mandatory" },
    });
    assert.notEqual(mandatory.code, 0);
    assert.match(mandatory.out, RPO);
    assert.match(mandatory.out, FAILED);
    assert.match(mandatory.out, /mandatory/);
    const bounds = await preview({ "hadr-rpo-bound": { maxRpoSeconds: 300 } });
    assert.doesNotMatch(bounds.out, /hadr-rpo-bound/);

    await setOutputs({ rpoSeconds: 2, lastDrill: drill(120, "passed") });
    const old = await preview({ "hadr-last-drill": { enforcementLevel: "mandatory" } });
    assert.notEqual(old.code, 0);
    assert.match(old.out, OLD);
    assert.doesNotMatch(old.out, /hadr-rpo-bound|did not pass/);
    const younger = await preview({
      "hadr-last-drill": { enforcementLevel: "mandatory", maxDrillAgeDays: 365 },
    });
    assert.equal(younger.code, 0, younger.out);
    assert.doesNotMatch(younger.out, /hadr-last-drill/);
  });
});

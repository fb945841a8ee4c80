/**
 * The guard rails through the real Pulumi CLI: `pulumi preview --policy-pack
 * node_modules/pulumi-hadr/policy-pack/analyzer` (the pack's own analyzer, docs/decisions.md D-guard-2) on a
 * protected stack (`prod-eu`) of the lab's DR pair and a KingbaseES RecoveryPolicy. Each rule fires on a
 * bad stack and stays quiet on a good one; the break-glass expires. Preview only: nothing is changed.
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
});

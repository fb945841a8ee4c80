/** The guard-rail rules as pure functions: each fires on a bad stack and stays quiet on a good one. */
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { test } from "node:test";
import { hadrPolicies, POLICY_NAMES } from "../../../provider/policy/pack";
import { hadrKind, type ResourceView } from "../../../provider/policy/resources";
import {
  automaticRecoveryRule,
  DEFAULT_GUARD_CONFIG,
  dataLossRule,
  drillRule,
  type GuardConfig,
  insecureSshRule,
  isProtectedStack,
  type RuleContext,
  rpoRule,
  stackOfUrn,
} from "../../../provider/policy/rules";

const NOW = new Date("2026-12-06T21:00:00Z");
const ctx = (stack: string, config: Partial<GuardConfig> = {}, now = NOW): RuleContext => ({
  stack,
  config: { ...DEFAULT_GUARD_CONFIG, ...config },
  now,
});

const drProps = (extra: Record<string, unknown> = {}) => ({
  __hadrName: "dr",
  clusters: { A: { xml: "<x/>", ssh: { hostKeys: {} } }, B: { xml: "<x/>", ssh: { port: 22 } } },
  primary: "A",
  drUser: { name: "druser", password: "[secret]" },
  ...extra,
});
const dynDr = (extra: Record<string, unknown> = {}): ResourceView => ({
  type: "pulumi-nodejs:dynamic/hadr:DrRelationship",
  name: "dr",
  props: drProps(extra),
});
const nativeDr = (extra: Record<string, unknown> = {}): ResourceView => ({
  type: "hadr:index:DrRelationship",
  name: "dr",
  props: drProps(extra),
});
const policyRes = (mode: string, type = "hadr:index:RecoveryPolicy"): ResourceView => ({
  type,
  name: "kb",
  props: { __hadrName: "kb", engine: "kingbase-v8r6", nodes: [{ host: "h1", ssh: {} }], mode },
});

test("our resources are recognised by type token on both front-ends, and by shape under an old SDK's token", () => {
  assert.equal(hadrKind(dynDr()), "DrRelationship");
  assert.equal(hadrKind(nativeDr()), "DrRelationship");
  assert.equal(hadrKind({ type: "pulumi-nodejs:dynamic:Resource", props: drProps() }), "DrRelationship");
  assert.equal(hadrKind(policyRes("manual", "pulumi-nodejs:dynamic:Resource")), "RecoveryPolicy");
  assert.equal(hadrKind(policyRes("manual", "pulumi-nodejs:dynamic/hadr:RecoveryPolicy")), "RecoveryPolicy");
  // Another dynamic resource with similar inputs but no marker, and a foreign type, are not ours.
  const { __hadrName: _, ...noMarker } = drProps();
  assert.equal(hadrKind({ type: "pulumi-nodejs:dynamic:Resource", props: noMarker }), null);
  assert.equal(hadrKind({ type: "aws:s3/bucket:Bucket", props: drProps() }), null);
});

test("protected stacks: glob patterns over the whole stack name, taken from the URN", () => {
  assert.equal(stackOfUrn("urn:pulumi:prod-eu::proj::hadr:index:DrRelationship::dr"), "prod-eu");
  assert.ok(isProtectedStack("prod-eu", ["prod*"]));
  assert.ok(isProtectedStack("production", ["prod*"]));
  assert.ok(!isProtectedStack("dev-prod", ["prod*"]));
  assert.ok(isProtectedStack("eu.live", ["*.live", "prod*"]));
  assert.ok(!isProtectedStack("euXlive", ["*.live"]), "a dot is literal");
});

test("allowDataLoss: denied in a protected stack on both front-ends, quiet when false or in other stacks", () => {
  for (const r of [dynDr({ allowDataLoss: true }), nativeDr({ allowDataLoss: true })]) {
    const v = dataLossRule(r, ctx("prod"));
    assert.equal(v.length, 1);
    assert.match(v[0]!, /dr: allowDataLoss is true in protected stack "prod" and no break-glass/);
  }
  assert.deepEqual(dataLossRule(dynDr({ allowDataLoss: false }), ctx("prod")), []);
  assert.deepEqual(dataLossRule(dynDr({ allowDataLoss: true }), ctx("staging")), []);
  assert.deepEqual(
    dataLossRule(dynDr({ allowDataLoss: true }), ctx("staging", { protectedStacks: ["stag*"] })).length,
    1,
  );
});

test("break-glass: accepted while in the future, expires with the clock, bounded in length, must be ISO", () => {
  const until = "2026-12-06T22:00:00Z";
  const bad = dynDr({ allowDataLoss: true });
  assert.deepEqual(dataLossRule(bad, ctx("prod", { allowDataLossUntil: until })), []);
  const later = new Date("2026-12-06T22:00:01Z");
  assert.match(dataLossRule(bad, ctx("prod", { allowDataLossUntil: until }, later))[0]!, /has expired/);
  assert.match(
    dataLossRule(bad, ctx("prod", { allowDataLossUntil: "2027-01-30T00:00:00Z" }))[0]!,
    /more than maxBreakGlassHours \(72 h\)/,
  );
  assert.match(
    dataLossRule(bad, ctx("prod", { allowDataLossUntil: "tomorrow" }))[0]!,
    /not an ISO 8601 time/,
  );
});

test("insecure SSH: every login path of both classes is named; pinned host keys are quiet", () => {
  const dr = dynDr({
    clusters: { A: { xml: "", ssh: { insecure: true } }, B: { xml: "", ssh: { insecure: false } } },
  });
  assert.deepEqual(
    insecureSshRule(dr, ctx("prod")).map((v) => v.split(" ")[1]),
    ["clusters.A.ssh.insecure"],
  );
  const kb: ResourceView = {
    type: "pulumi-nodejs:dynamic/hadr:RecoveryPolicy",
    name: "kb",
    props: {
      __hadrName: "kb",
      mode: "manual",
      nodes: [
        { host: "h1", ssh: { hostKeys: { h1: "SHA256:x" } } },
        { host: "h2", ssh: {}, rootSsh: { insecure: true } },
      ],
    },
  };
  assert.deepEqual(
    insecureSshRule(kb, ctx("prod")).map((v) => v.split(" ")[1]),
    ["nodes[1].rootSsh.insecure"],
  );
  assert.deepEqual(insecureSshRule(dynDr(), ctx("prod")), []);
  assert.deepEqual(insecureSshRule(dr, ctx("dev")), []);
});

test("automatic recovery: denied in a protected stack unless acknowledged by name or *", () => {
  assert.match(automaticRecoveryRule(policyRes("automatic"), ctx("prod"))[0]!, /kb: mode "automatic"/);
  assert.deepEqual(automaticRecoveryRule(policyRes("standby"), ctx("prod")), []);
  assert.deepEqual(
    automaticRecoveryRule(policyRes("automatic"), ctx("prod", { acknowledgedAutomaticRecovery: ["kb"] })),
    [],
  );
  assert.deepEqual(
    automaticRecoveryRule(policyRes("automatic"), ctx("prod", { acknowledgedAutomaticRecovery: ["*"] })),
    [],
  );
  assert.equal(
    automaticRecoveryRule(policyRes("automatic"), ctx("prod", { acknowledgedAutomaticRecovery: ["other"] }))
      .length,
    1,
  );
  assert.deepEqual(automaticRecoveryRule(policyRes("automatic"), ctx("dev")), []);
});

test("RPO output above the bound is reported; within it, or unknown, is quiet", () => {
  assert.match(
    rpoRule(dynDr({ rpoSeconds: 61 }), ctx("prod"))[0]!,
    /rpoSeconds is 61, above the bound of 60 s/,
  );
  assert.deepEqual(rpoRule(dynDr({ rpoSeconds: 60 }), ctx("prod")), []);
  assert.deepEqual(rpoRule(dynDr({ rpoSeconds: null }), ctx("prod")), []);
  assert.deepEqual(rpoRule(dynDr({ rpoSeconds: 5 }), ctx("prod", { maxRpoSeconds: 1 })).length, 1);
});

test("lastDrill: failed or too old is reported; a recent pass is quiet; none only with requireDrill", () => {
  const drill = (result: string, finishedAt: string) => ({
    id: "q4",
    startedAt: finishedAt,
    finishedAt,
    result,
  });
  assert.deepEqual(drillRule(dynDr({ lastDrill: drill("passed", "2026-11-30T10:00:00Z") }), ctx("prod")), []);
  assert.match(
    drillRule(dynDr({ lastDrill: drill("failed: 3 rows lost", "2026-11-30T10:00:00Z") }), ctx("prod"))[0]!,
    /did not pass: failed: 3 rows lost/,
  );
  assert.match(
    drillRule(dynDr({ lastDrill: drill("passed", "2026-08-01T10:00:00Z") }), ctx("prod"))[0]!,
    /finished 127 days ago, more than maxDrillAgeDays \(90\)/,
  );
  assert.deepEqual(drillRule(dynDr(), ctx("prod")), []);
  assert.match(drillRule(dynDr(), ctx("prod", { requireDrill: true }))[0]!, /no drill has been run/);
});

test("the pack: five policies, resource rules mandatory, output rules advisory unless configured; config overlays defaults", () => {
  const reported: string[] = [];
  const policies = hadrPolicies({ now: () => NOW, protectedStacks: ["live*"] });
  assert.deepEqual(
    policies.map((p): [string, string | undefined] => [p.name, p.enforcementLevel]),
    [
      [POLICY_NAMES.dataLoss, "mandatory"],
      [POLICY_NAMES.insecureSsh, "mandatory"],
      [POLICY_NAMES.automaticRecovery, "mandatory"],
      [POLICY_NAMES.rpo, "advisory"],
      [POLICY_NAMES.drill, "advisory"],
    ],
  );
  assert.equal(hadrPolicies({ outputsEnforcement: "mandatory" })[3]!.enforcementLevel, "mandatory");
  const dataLoss = policies[0] as { validateResource: (a: unknown, r: (m: string) => void) => void };
  const args = (stack: string, own: Record<string, unknown>) => ({
    ...dynDr({ allowDataLoss: true }),
    urn: `urn:pulumi:${stack}::p::pulumi-nodejs:dynamic/hadr:DrRelationship::dr`,
    getConfig: () => own,
  });
  dataLoss.validateResource(args("prod", {}), (m) => reported.push(m));
  assert.equal(reported.length, 0, "the pack default protects live*, not prod*");
  dataLoss.validateResource(args("live-1", {}), (m) => reported.push(m));
  assert.equal(reported.length, 1);
  dataLoss.validateResource(args("live-1", { allowDataLossUntil: "2026-12-06T21:30:00Z" }), (m) =>
    reported.push(m),
  );
  assert.equal(reported.length, 1, "the policy's own config brings the break-glass");
  const stackPolicy = policies[3] as {
    validateStack: (a: unknown, r: (m: string, urn?: string) => void) => void;
  };
  const urns: Array<string | undefined> = [];
  stackPolicy.validateStack(
    {
      resources: [
        { ...nativeDr({ rpoSeconds: 900 }), urn: "urn:pulumi:live-1::p::hadr:index:DrRelationship::dr" },
      ],
      getConfig: () => ({}),
    },
    (_m, urn) => urns.push(urn),
  );
  assert.deepEqual(urns, ["urn:pulumi:live-1::p::hadr:index:DrRelationship::dr"]);
});

test("the shipped pack directory: a nodejs PulumiPolicy.yaml, an executable analyzer, a package version that follows pulumi-hadr's", () => {
  const root = path.resolve(__dirname, "..", "..", "..", "..");
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const pack = JSON.parse(fs.readFileSync(path.join(root, "policy-pack", "package.json"), "utf8"));
  assert.equal(pack.version, pkg.version, "@pulumi/policy refuses a pack without a version");
  assert.match(
    fs.readFileSync(path.join(root, "policy-pack", "PulumiPolicy.yaml"), "utf8"),
    /^runtime: nodejs$/m,
  );
  assert.ok(pkg.files.includes("policy-pack/*"), "the pack is published");
  const analyzer = fs.statSync(path.join(root, "policy-pack", "analyzer"));
  assert.ok((analyzer.mode & 0o111) !== 0, "the pack's analyzer is executable");
  assert.equal(pkg.exports["./policy"].default, "./dist/provider/policy/index.js");
});

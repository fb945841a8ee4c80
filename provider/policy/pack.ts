/**
 * The guard rails as `@pulumi/policy` policies. `hadrPolicies()` returns them (to compose into a pack of your
 * own); `hadrPolicyPack()` starts a pack of them (the whole index.js of a policy-pack directory). Each policy
 * reads its settings from the pack defaults given here, then from its own entry of the policy-pack config
 * (`pulumi preview --policy-pack <dir> --policy-pack-config <file>`), which also sets its enforcement level.
 */
import type * as policy from "@pulumi/policy";
import type { ResourceView } from "./resources";
import {
  automaticRecoveryRule,
  DEFAULT_GUARD_CONFIG,
  dataLossRule,
  drillRule,
  type GuardConfig,
  insecureSshRule,
  type Rule,
  rpoRule,
  stackOfUrn,
} from "./rules";

/** Options of {@link hadrPolicies}: defaults of every setting, the clock, the enforcement levels. */
export interface HadrPolicyOptions extends Partial<GuardConfig> {
  /** The clock (tests inject one). Default: the system clock. */
  now?: () => Date;
  /** Enforcement of the two output policies (`hadr-rpo-bound`, `hadr-last-drill`); default `advisory`. */
  outputsEnforcement?: policy.EnforcementLevel;
}

/** Names of the policies, as the policy-pack config keys them. */
export const POLICY_NAMES = {
  dataLoss: "hadr-protected-allow-data-loss",
  insecureSsh: "hadr-protected-insecure-ssh",
  automaticRecovery: "hadr-protected-automatic-recovery",
  rpo: "hadr-rpo-bound",
  drill: "hadr-last-drill",
} as const;

const strings = { type: "array", items: { type: "string" } } as const;
const SCHEMA: Record<keyof GuardConfig, policy.PolicyConfigSchema["properties"][string]> = {
  protectedStacks: strings,
  allowDataLossUntil: { type: "string" },
  maxBreakGlassHours: { type: "number", minimum: 0 },
  acknowledgedAutomaticRecovery: strings,
  maxRpoSeconds: { type: "number", minimum: 0 },
  maxDrillAgeDays: { type: "number", minimum: 0 },
  requireDrill: { type: "boolean" },
};

function schema(...keys: Array<keyof GuardConfig>): policy.PolicyConfigSchema {
  return { properties: Object.fromEntries(keys.map((k) => [k, SCHEMA[k]])) };
}

/** The pack defaults overlaid with a policy's own config (only the keys it sets). */
function effectiveConfig(defaults: Partial<GuardConfig>, own: Record<string, unknown>): GuardConfig {
  const set = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([k, v]) => k in SCHEMA && v !== undefined));
  return { ...DEFAULT_GUARD_CONFIG, ...set(defaults as Record<string, unknown>), ...set(own) } as GuardConfig;
}

/** The five guard-rail policies (see docs/guard-rails.md). */
export function hadrPolicies(opts: HadrPolicyOptions = {}): policy.Policies {
  const { now = () => new Date(), outputsEnforcement = "advisory", ...defaults } = opts;
  const run = (rule: Rule, r: ResourceView, own: Record<string, unknown>, urn: string) =>
    rule(r, { stack: stackOfUrn(urn), config: effectiveConfig(defaults, own), now: now() });
  const onResource = (
    name: string,
    description: string,
    rule: Rule,
    keys: Array<keyof GuardConfig>,
  ): policy.ResourceValidationPolicy => ({
    name,
    description,
    enforcementLevel: "mandatory",
    configSchema: schema("protectedStacks", ...keys),
    validateResource: (args, report) => {
      for (const v of run(rule, args, args.getConfig<Record<string, unknown>>(), args.urn)) report(v);
    },
  });
  const onStack = (
    name: string,
    description: string,
    rule: Rule,
    keys: Array<keyof GuardConfig>,
  ): policy.StackValidationPolicy => ({
    name,
    description,
    enforcementLevel: outputsEnforcement,
    configSchema: schema("protectedStacks", ...keys),
    validateStack: (args, report) => {
      const own = args.getConfig<Record<string, unknown>>();
      for (const r of args.resources) for (const v of run(rule, r, own, r.urn)) report(v, r.urn);
    },
  });
  return [
    onResource(
      POLICY_NAMES.dataLoss,
      "allowDataLoss: true is denied in protected stacks unless a time-boxed break-glass (allowDataLossUntil) covers now.",
      dataLossRule,
      ["allowDataLossUntil", "maxBreakGlassHours"],
    ),
    onResource(
      POLICY_NAMES.insecureSsh,
      "SSH logins with insecure: true (no host-key check) are denied in protected stacks.",
      insecureSshRule,
      [],
    ),
    onResource(
      POLICY_NAMES.automaticRecovery,
      "RecoveryPolicy mode automatic is denied in protected stacks unless acknowledged in the pack's config.",
      automaticRecoveryRule,
      ["acknowledgedAutomaticRecovery"],
    ),
    onStack(POLICY_NAMES.rpo, "A DrRelationship's rpoSeconds stays within maxRpoSeconds.", rpoRule, [
      "maxRpoSeconds",
    ]),
    onStack(
      POLICY_NAMES.drill,
      "A DrRelationship's lastDrill passed and is at most maxDrillAgeDays old.",
      drillRule,
      ["maxDrillAgeDays", "requireDrill"],
    ),
  ];
}

/**
 * Starts a policy pack of {@link hadrPolicies} (call it from the pack's index.js). Needs `@pulumi/policy`
 * installed next to pulumi-hadr (an optional peer dependency: only policy packs need it).
 */
export function hadrPolicyPack(name = "pulumi-hadr-guard-rails", opts: HadrPolicyOptions = {}): void {
  let lib: typeof policy;
  try {
    lib = require("@pulumi/policy");
  } catch (err) {
    throw new Error(
      `pulumi-hadr/policy needs @pulumi/policy: run \`npm install @pulumi/policy\` in the policy pack's directory (${(err as Error).message})`,
    );
  }
  new lib.PolicyPack(name, { policies: hadrPolicies(opts) });
}

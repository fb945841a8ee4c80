/** pulumi-hadr/policy: guard rails for pulumi-hadr stacks as a Pulumi policy pack (docs/guard-rails.md). */
export { type HadrPolicyOptions, hadrPolicies, hadrPolicyPack, POLICY_NAMES } from "./pack";
export { type HadrKind, hadrKind, type ResourceView } from "./resources";
export {
  automaticRecoveryRule,
  breakGlassProblem,
  DEFAULT_GUARD_CONFIG,
  dataLossRule,
  drillRule,
  type GuardConfig,
  insecureSshRule,
  isProtectedStack,
  type Rule,
  type RuleContext,
  rpoRule,
  stackOfUrn,
} from "./rules";

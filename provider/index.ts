/** pulumi-hadr: declarative disaster recovery for openGauss and KingbaseES clusters. */
export * from "./errors";
export {
  type DrClusterArgs,
  type DrillArgs,
  type DrOperation,
  DrRelationship,
  type DrRelationshipArgs,
  type DrUserArgs,
  type HealthState,
  type LastDrill,
} from "./resources/drRelationship";
export type { RecoveryPolicyPathsArgs, V8r3PathsArgs, V8r6PathsArgs } from "./resources/paths";
export {
  RecoveryPolicy,
  type RecoveryPolicyArgs,
  type RecoveryPolicyNodeArgs,
} from "./resources/recoveryPolicy";
export type { SshArgs, SshKeyArgs } from "./resources/ssh";

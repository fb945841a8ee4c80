/** pulumi-hadr: declarative disaster recovery for openGauss and KingbaseES clusters. */
export * from "./errors";
export {
  type DrClusterArgs,
  type DrOperation,
  DrRelationship,
  type DrRelationshipArgs,
  type HealthState,
} from "./resources/drRelationship";
export {
  RecoveryPolicy,
  type RecoveryPolicyArgs,
  type RecoveryPolicyNodeArgs,
} from "./resources/recoveryPolicy";
export type { SshArgs, SshKeyArgs } from "./resources/ssh";

/** pulumi-hadr: declarative disaster recovery for openGauss and KingbaseES clusters. */
export * from "./errors";
export {
  RecoveryPolicy,
  type RecoveryPolicyArgs,
  type RecoveryPolicyNodeArgs,
} from "./resources/recoveryPolicy";
export type { SshArgs } from "./resources/ssh";

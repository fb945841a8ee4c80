/** pulumi-hadr: declarative disaster recovery for openGauss and KingbaseES clusters. */
export * from "./errors";

/**
 * What the serialized provider shim loads at call time (`require("pulumi-hadr/runtime")`): the controllers
 * that implement each resource's dynamic-provider hooks. Not part of the public API.
 */
import type * as pulumi from "@pulumi/pulumi";
import { recoveryPolicyController } from "./engines/kingbase/controller";
import { drRelationshipController } from "./engines/opengauss/controller";

/** Controllers by the name the shim asks for. */
export const controllers: Record<string, pulumi.dynamic.ResourceProvider> = {
  drRelationship: drRelationshipController,
  recoveryPolicy: recoveryPolicyController,
};

import type * as pulumi from "@pulumi/pulumi";

/** Names of the controllers `pulumi-hadr/runtime` exports. */
export type ControllerName = "drRelationship" | "recoveryPolicy";

/**
 * The provider object Pulumi serializes into state: a thin shim that loads the real controller from the
 * installed `pulumi-hadr` package at call time (`require("pulumi-hadr/runtime")`, resolved from the project
 * directory the dynamic-provider plugin runs in). So state holds a few hundred bytes of code and no live
 * client, refresh/destroy run the installed version (not code frozen at the last update), and nothing
 * secret can be captured by the closure. See docs/decisions.md.
 */
export function shim(name: ControllerName): pulumi.dynamic.ResourceProvider {
  const load = (): pulumi.dynamic.ResourceProvider => require("pulumi-hadr/runtime").controllers[name];
  return {
    check: (olds, news) => load().check!(olds, news),
    diff: (id, olds, news) => load().diff!(id, olds, news),
    create: (inputs) => load().create(inputs),
    read: (id, props) => load().read!(id, props),
    update: (id, olds, news) => load().update!(id, olds, news),
    delete: (id, props) => load().delete!(id, props),
  };
}

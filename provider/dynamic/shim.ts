import type * as pulumi from "@pulumi/pulumi";

/**
 * A name in the engine map of `pulumi-hadr/runtime` (`EngineName` there; a resource class names its engine,
 * and `test/unit/architecture/engines.test.ts` checks every class names one that exists).
 */
export type ControllerName = string;

/**
 * The provider object Pulumi serializes into state: a thin shim that loads the real controller from the
 * installed `pulumi-hadr` package at call time (`require("pulumi-hadr/runtime")`, resolved from the project
 * directory the dynamic-provider plugin runs in; in this repository's own root program, found up from that
 * directory). So state holds a few hundred bytes of code and no live
 * client, refresh/destroy run the installed version (not code frozen at the last update), and nothing
 * secret can be captured by the closure. See docs/decisions.md.
 */
export function shim(name: ControllerName): pulumi.dynamic.ResourceProvider {
  const load = (): pulumi.dynamic.ResourceProvider => {
    let runtime: { controllers: Record<string, pulumi.dynamic.ResourceProvider> };
    try {
      runtime = require("pulumi-hadr/runtime");
    } catch (err) {
      // The project is this package itself (its own root program): find it up from the working directory.
      if ((err as { code?: string }).code !== "MODULE_NOT_FOUND") throw err;
      const fs = require("node:fs") as typeof import("node:fs");
      const path = require("node:path") as typeof import("node:path");
      let dir = process.cwd();
      for (;;) {
        const pkg = path.join(dir, "package.json");
        if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, "utf8")).name === "pulumi-hadr") {
          runtime = require(path.join(dir, "dist", "provider", "runtime.js"));
          break;
        }
        const up = path.dirname(dir);
        if (up === dir) throw err;
        dir = up;
      }
    }
    return runtime.controllers[name]!;
  };
  return {
    check: (olds, news) => load().check!(olds, news),
    diff: (id, olds, news) => load().diff!(id, olds, news),
    create: (inputs) => load().create(inputs),
    read: (id, props) => load().read!(id, props),
    update: (id, olds, news) => load().update!(id, olds, news),
    delete: (id, props) => load().delete!(id, props),
  };
}

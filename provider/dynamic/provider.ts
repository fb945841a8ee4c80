/**
 * The dynamic-provider front-end: the core's hooks ({@link Hooks}) as a `pulumi.dynamic.ResourceProvider`.
 * The resource's name comes from `__hadrName` (the resource class passes it), progress lines go to stdout
 * (the CLI shows a dynamic provider's output as diagnostics), and there is no deadline (dynamic providers are
 * given no `customTimeouts`: `timeoutSeconds` bounds every wait instead).
 */
import type * as pulumi from "@pulumi/pulumi";
import type { HookContext, Hooks } from "../core/controller";
import { consoleSink } from "../core/progress";
import type { Props } from "../core/props";
import { withTimings } from "../core/timings";

/** The resource name the class passed in (`__hadrName`), for progress lines and messages. */
function resourceName(props: Props): string {
  return typeof props["__hadrName"] === "string" ? props["__hadrName"] : "resource";
}

const contextOf = (props: Props): HookContext => {
  const name = resourceName(props);
  return { name, log: consoleSink(name) };
};

/** The dynamic-provider hooks of an engine's controller core. */
export function dynamicProvider(hooks: Hooks): pulumi.dynamic.ResourceProvider {
  return withTimings<pulumi.dynamic.ResourceProvider>({
    check: (olds, news) => hooks.check(olds, news, contextOf(news)),
    diff: (id, olds, news) => hooks.diff(id, olds, news),
    create: (inputs) => hooks.create(inputs, contextOf(inputs)),
    update: (id, olds, news) => hooks.update(id, olds, news, contextOf(news)),
    read: (id, props) => hooks.read(id, props ?? {}, contextOf(props ?? {})),
    delete: (id, props) => hooks.delete(id, props, contextOf(props)),
  });
}

/**
 * The native `hadr` provider: the `@pulumi/pulumi/provider` Provider object over the controller cores of the
 * runtime's engine map (`hadr:index:<kind.type>` for each), so preview and up run the same validate → observe
 * → decide → preview/apply loop as the dynamic classes. This adapter only translates: the resource's name
 * from its URN, secrets revealed for the core and concealed again in every result (`./secrets`), progress
 * lines and warnings sent to the engine with the URN (`./engineLog`), the request's customTimeouts as the
 * call's deadline, and `pulumi import` (`./importing`).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type * as provider from "@pulumi/pulumi/provider";
import type { HookContext } from "../core/controller";
import { type AnyEngine, type Entry, type Runtime, runtime } from "../runtime";
import type { EngineLog } from "./engineLog";
import { importRead, isImport } from "./importing";
import { conceal, reveal, secretKeysOf } from "./secrets";

type Props = Record<string, unknown>;

/** The request's customTimeouts (seconds; 0 when none), set by the gRPC wrapper of `./main`. */
export const requestTimeout = new AsyncLocalStorage<number>();

/** The resource name a URN ends with (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function nameOf(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

/** The type token of a URN (the last of its parent-qualified types). */
export function typeOf(urn: string): string {
  return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

/** The package's type token of an engine. */
const tokenOf = (e: AnyEngine): string => `hadr:index:${e.kind.type}`;

/** Every kind of a runtime's engine map (the package's by default), by type token. */
export function served(rt: Runtime = runtime): Map<string, Entry> {
  return new Map(rt.entries.map((x) => [tokenOf(x.engine), x]));
}

/** The props the core sees: secrets revealed. */
const inbound = (props: Props | undefined): Props => reveal(props ?? {}) as Props;

/** The props the engine gets back: no front-end `__*` key, the secret ones wrapped. */
export function outbound(props: Props | undefined, secrets: readonly string[]): Props {
  const rest = Object.fromEntries(Object.entries(props ?? {}).filter(([k]) => !k.startsWith("__")));
  return conceal(rest, secrets);
}

/** A partial failure keeps its record: the properties it carries are translated like any result. */
function translateError(e: unknown, secrets: readonly string[]): unknown {
  const err = e as { properties?: Props };
  if (err && typeof err === "object" && err.properties) err.properties = outbound(err.properties, secrets);
  return e;
}

/** The native provider of `version` serving `schema` for the kinds of `rt`, logging through `log`. */
export function nativeProvider(
  version: string,
  schema: string,
  log: EngineLog,
  rt: Runtime = runtime,
): provider.Provider {
  const kinds = served(rt);

  /** Runs one hook of the kind the URN names, its progress on the URN and flushed before it returns. */
  const hook = async <T>(
    urn: string,
    given: Props[],
    fn: (s: Entry, ctx: HookContext, secrets: string[]) => Promise<T>,
  ): Promise<T> => {
    const token = typeOf(urn);
    const kind = kinds.get(token);
    if (!kind)
      throw new Error(
        `unknown resource type ${token} (this provider serves ${[...kinds.keys()].join(", ")})`,
      );
    const secrets = [...new Set([...kind.engine.kind.secretInputs, ...given.flatMap(secretKeysOf)])];
    const pending: Promise<void>[] = [];
    const timeout = requestTimeout.getStore() ?? 0;
    const ctx: HookContext = {
      name: nameOf(urn),
      log: {
        info: (line) => pending.push(log.log("info", urn, line)),
        warn: (line) => pending.push(log.log("warning", urn, line)),
      },
      ...(timeout > 0 ? { deadlineMs: Date.now() + timeout * 1000 } : {}),
    };
    try {
      return await fn(kind, ctx, secrets);
    } catch (e) {
      throw translateError(e, secrets);
    } finally {
      await Promise.all(pending);
    }
  };

  return {
    version,
    schema,

    check: (urn, olds, news) =>
      hook(urn, [olds, news], async ({ core }, ctx, secrets) => {
        const r = await core.check(inbound(olds), inbound(news), ctx);
        return {
          inputs: r.inputs === undefined ? undefined : outbound(r.inputs, secrets),
          ...(r.failures ? { failures: r.failures } : {}),
        };
      }),

    diff: (id, urn, olds, news) => hook(urn, [], ({ core }) => core.diff(id, inbound(olds), inbound(news))),

    create: (urn, inputs) =>
      hook(urn, [inputs], async ({ core }, ctx, secrets) => {
        const r = await core.create(inbound(inputs), ctx);
        return { id: r.id, outs: outbound(r.outs, secrets) };
      }),

    update: (id, urn, olds, news) =>
      hook(urn, [olds, news], async ({ core }, ctx, secrets) => {
        const r = await core.update(id, inbound(olds), inbound(news), ctx);
        return { outs: outbound(r.outs, secrets) };
      }),

    read: (id, urn, props) =>
      hook(urn, [props ?? {}], async (kind, ctx, secrets) => {
        if (isImport(props)) return importRead(kind, id, ctx, secrets);
        const r = await kind.core.read(id, inbound(props), ctx);
        return {
          id: r.id,
          props: outbound(r.props, secrets),
          ...(r.inputs ? { inputs: outbound(r.inputs, secrets) } : {}),
        };
      }),

    delete: (id, urn, props) =>
      hook(urn, [], async ({ core }, ctx) => {
        await core.delete(id, inbound(props), ctx);
      }),
  };
}

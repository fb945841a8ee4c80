/**
 * The native `hadr` provider: the `@pulumi/pulumi/provider` Provider object over the same controllers and
 * engines as the dynamic classes (one per kind, `./kinds`), so preview and up run the same validate →
 * observe → decide → preview/apply loop. This adapter only translates: the resource's name from its URN,
 * secrets revealed for the controller and concealed again in every result (`./secrets`), progress lines sent
 * to the engine with the URN (`./engineLog`), the request's customTimeouts as the call's deadline, and
 * `pulumi import` (`./importing`).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { controllerOf } from "../dynamic/controller";
import type { EngineLog, Severity } from "./engineLog";
import { importRead, isImport } from "./importing";
import { KINDS, type Kind, kindOf } from "./kinds";
import { conceal, reveal, secretKeysOf } from "./secrets";

type Props = Record<string, unknown>;

/** What the adapter knows about the hook call in progress. */
interface CallInfo {
  readonly urn: string;
  readonly log: (severity: Severity, line: string) => void;
  readonly pending: Promise<void>[];
}

/** The request's customTimeouts (seconds; 0 when none), set by the gRPC wrapper of `./main`. */
export const requestTimeout = new AsyncLocalStorage<number>();
const current = new AsyncLocalStorage<CallInfo>();

/** The resource name a URN ends with (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function nameOf(urn: string): string {
  return urn.split("::").slice(3).join("::");
}

/** The type token of a URN (the last of its parent-qualified types). */
export function typeOf(urn: string): string {
  return (urn.split("::")[2] ?? "").split("$").pop() ?? "";
}

/**
 * Routes the controller's progress lines (today `console.log("[<name>] <line>")`, see dynamic/props.ts
 * `progress`) to the resource of the call in progress; anything printed outside a call goes to stderr (the
 * plugin's stdout carries only its port).
 */
export function captureProgress(): void {
  const write = console.log.bind(console);
  console.log = (...args: unknown[]) => {
    const call = current.getStore();
    if (!call) {
      if (args.length === 1 && /^\d+$/.test(String(args[0])))
        write(...args); // the port handshake
      else process.stderr.write(`${args.map(String).join(" ")}\n`);
      return;
    }
    const line = args
      .map(String)
      .join(" ")
      .replace(/^\[[^\]]*\] /, "");
    const warning = /^warning: /.exec(line);
    call.log(warning ? "warning" : "info", warning ? line.slice(warning[0].length) : line);
  };
}

/** The secret top-level inputs of each kind, as the package schema marks them. */
export function schemaSecrets(schema: Props): Record<string, string[]> {
  const resources = (schema["resources"] ?? {}) as Record<
    string,
    { inputProperties?: Record<string, Props> }
  >;
  const out: Record<string, string[]> = {};
  for (const [token, r] of Object.entries(resources))
    out[token] = Object.entries(r.inputProperties ?? {})
      .filter(([, p]) => p["secret"] === true)
      .map(([k]) => k);
  return out;
}

const NAME_KEY = "__hadrName";

/** The props the controller sees: revealed, with the resource's name. */
const inbound = (props: Props | undefined, name: string): Props => ({
  ...(reveal(props ?? {}) as Props),
  [NAME_KEY]: name,
});

/** The props the engine gets back: no adapter key, the secret ones wrapped. */
function outbound(props: Props | undefined, secrets: readonly string[]): Props {
  const { [NAME_KEY]: _name, __provider: _provider, ...rest } = props ?? {};
  return conceal(rest, secrets);
}

/**
 * With customTimeouts on the request, the call's deadline: today's controller takes it as `timeoutSeconds`
 * (gs_sdr's `--time-out` and every per-run deadline derive from it), never above what the inputs say and
 * never below the schema's minimum of 60 s. The stored value stays the declared one.
 */
function withDeadline(props: Props, kind: Kind): Props {
  const t = requestTimeout.getStore() ?? 0;
  if (t <= 0 || !kind.engine.keys.inputs.includes("timeoutSeconds")) return props;
  const declared = typeof props["timeoutSeconds"] === "number" ? props["timeoutSeconds"] : 1200;
  return { ...props, timeoutSeconds: Math.max(60, Math.min(declared, Math.floor(t))) };
}

/** Puts the declared `timeoutSeconds` back into results computed with a deadline. */
function declaredTimeout(outs: Props, declared: Props): Props {
  if (!("timeoutSeconds" in outs)) return outs;
  const { timeoutSeconds: _t, ...rest } = outs;
  return declared["timeoutSeconds"] === undefined
    ? rest
    : { ...rest, timeoutSeconds: declared["timeoutSeconds"] };
}

/** A partial failure keeps its record: the properties it carries are translated like any result. */
function translateError(e: unknown, secrets: readonly string[]): unknown {
  const err = e as { properties?: Props };
  if (err && typeof err === "object" && err.properties) err.properties = outbound(err.properties, secrets);
  return e;
}

/** The native provider of `version` serving `schema`, logging through `log`. */
export function nativeProvider(version: string, schema: string, log: EngineLog): provider.Provider {
  const secretsOf = schemaSecrets(JSON.parse(schema));
  const controllers = new Map<string, pulumi.dynamic.ResourceProvider>(
    KINDS.map((k) => [k.name, controllerOf(k.engine)]),
  );

  /** Runs one hook of the kind the URN names, with its progress attached to the URN, flushed before it returns. */
  const hook = async <T>(
    urn: string,
    given: Props[],
    fn: (c: pulumi.dynamic.ResourceProvider, kind: Kind, name: string, secrets: string[]) => Promise<T>,
  ): Promise<T> => {
    const token = typeOf(urn);
    const kind = kindOf(token);
    if (!kind)
      throw new Error(
        `unknown resource type ${token} (this provider serves ${KINDS.map((k) => k.name).join(", ")})`,
      );
    const secrets = [...new Set([...(secretsOf[token] ?? []), ...given.flatMap(secretKeysOf)])];
    const info: CallInfo = {
      urn,
      pending: [],
      log: (severity, line) => info.pending.push(log.log(severity, urn, line)),
    };
    try {
      return await current.run(info, () => fn(controllers.get(kind.name)!, kind, nameOf(urn), secrets));
    } catch (e) {
      throw translateError(e, secrets);
    } finally {
      await Promise.all(info.pending);
    }
  };

  return {
    version,
    schema,

    check: (urn, olds, news) =>
      hook(urn, [olds, news], async (c, _k, name, secrets) => {
        const r = await c.check!(inbound(olds, name), inbound(news, name));
        return {
          inputs: r.inputs === undefined ? undefined : outbound(r.inputs, secrets),
          ...(r.failures ? { failures: r.failures } : {}),
        };
      }),

    diff: (id, urn, olds, news) =>
      hook(urn, [], async (c, _k, name) => c.diff!(id, inbound(olds, name), inbound(news, name))),

    create: (urn, inputs) =>
      hook(urn, [inputs], async (c, kind, name, secrets) => {
        const given = inbound(inputs, name);
        const r = await c.create(withDeadline(given, kind));
        return { id: r.id, outs: outbound(declaredTimeout(r.outs ?? {}, given), secrets) };
      }),

    update: (id, urn, olds, news) =>
      hook(urn, [olds, news], async (c, kind, name, secrets) => {
        const given = inbound(news, name);
        const r = await c.update!(id, inbound(olds, name), withDeadline(given, kind));
        return { outs: outbound(declaredTimeout(r.outs ?? {}, given), secrets) };
      }),

    read: (id, urn, props) =>
      hook(urn, [props ?? {}], async (c, kind, name, secrets) => {
        if (isImport(props)) return importRead(c, kind, id, name);
        const r = await c.read!(id, inbound(props, name));
        const inputs = r.inputs ?? undefined;
        return {
          id: r.id ?? id,
          props: outbound(r.props, secrets),
          ...(inputs ? { inputs: outbound(inputs, secrets) } : {}),
        };
      }),

    delete: (id, urn, props) =>
      hook(urn, [], async (c, kind, name) => {
        await c.delete!(id, withDeadline(inbound(props, name), kind));
      }),
  };
}

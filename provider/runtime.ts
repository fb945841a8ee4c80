/**
 * The engine map: every resource kind, by the name the dynamic shim asks for, with its controller core built
 * by the one controller. Both front-ends (the dynamic provider's shim loads this module as
 * `pulumi-hadr/runtime`; the native plugin serves every entry under `hadr:index:<type>`), the package schema,
 * the CLI and the root program loop over it. Adding an engine is one folder under `engines/` and one line in
 * {@link engines}. Not part of the public API.
 *
 * Everything else here is a function of that map ({@link runtimeOf}), so a test can build the same runtime
 * around other engines (test/unit/architecture/toy-engine.test.ts) without a branch of its own.
 */
import type * as pulumi from "@pulumi/pulumi";
import { controllerOf, type Hooks } from "./core/controller";
import type { Engine, Session } from "./core/engine";
import { dynamicProvider } from "./dynamic/provider";
import { policyEngine } from "./engines/kingbase/engine";
import { drEngine } from "./engines/opengauss/engine";

/** Any engine, as the front-ends see it. */
export type AnyEngine = Engine<unknown, Session, unknown, unknown, unknown>;

/** Engines by the name the dynamic shim asks for; each engine says its own type name and CLI kind. */
export const engines = {
  drRelationship: drEngine,
  recoveryPolicy: policyEngine,
} as const;

/** An engine's name in {@link engines}. */
export type EngineName = keyof typeof engines;

/** One entry of a runtime: an engine, its name in the map, its controller core and its dynamic hooks. */
export interface Entry {
  /** Its name in the map (what the dynamic shim asks for). */
  readonly name: string;
  /** The engine. */
  readonly engine: AnyEngine;
  /** Its controller core, front-end neutral (the native plugin adapts it). */
  readonly core: Hooks;
  /** Its dynamic-provider hooks. */
  readonly dynamic: pulumi.dynamic.ResourceProvider;
}

/** What the front-ends, the schema and the CLI read: the entries of an engine map, in map order. */
export interface Runtime {
  /** Every entry, in map order. */
  readonly entries: readonly Entry[];
  /** The entry of a CLI word (`kind.command`), if any. */
  byCommand(command: string): Entry | undefined;
}

/** The runtime of an engine map (name → engine): controllers built, type and CLI names checked unique. */
export function runtimeOf(map: Readonly<Record<string, unknown>>): Runtime {
  const entries = Object.entries(map).map(([name, e]): Entry => {
    const engine = e as AnyEngine;
    const core = controllerOf(engine);
    return { name, engine, core, dynamic: dynamicProvider(core) };
  });
  for (const key of ["type", "command"] as const) {
    const seen = entries.map((x) => x.engine.kind[key]);
    const twice = seen.find((v, i) => seen.indexOf(v) !== i);
    if (twice !== undefined) throw new Error(`two engines have the ${key} ${twice}`);
  }
  return { entries, byCommand: (command) => entries.find((x) => x.engine.kind.command === command) };
}

/** The runtime of {@link engines}. */
export const runtime: Runtime = runtimeOf(engines);

/** The dynamic-provider hooks of every engine, by the name the shim asks for. */
export const controllers: Record<EngineName, pulumi.dynamic.ResourceProvider> = Object.fromEntries(
  runtime.entries.map((x) => [x.name, x.dynamic]),
) as Record<EngineName, pulumi.dynamic.ResourceProvider>;

/**
 * The engine map: every resource kind, by the name the dynamic shim asks for, with its controller core built
 * by the one controller. Both front-ends (the dynamic provider's shim loads this module as
 * `pulumi-hadr/runtime`; the native plugin serves every entry under `hadr:index:<type>`), the CLI and the root
 * program loop over it. Adding an engine is one folder under `engines/` and one line here. Not part of the
 * public API.
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

const each = <T>(f: (e: AnyEngine) => T) =>
  Object.fromEntries(Object.entries(engines).map(([n, e]) => [n, f(e as unknown as AnyEngine)])) as Record<
    EngineName,
    T
  >;

/** The controller core of every engine, front-end neutral (the native plugin adapts these). */
export const cores: Record<EngineName, Hooks> = each(controllerOf);

/** The dynamic-provider hooks of every engine, by the name the shim asks for. */
export const controllers: Record<EngineName, pulumi.dynamic.ResourceProvider> = Object.fromEntries(
  Object.entries(cores).map(([n, h]) => [n, dynamicProvider(h)]),
) as Record<EngineName, pulumi.dynamic.ResourceProvider>;

/**
 * What the serialized provider shim loads at call time (`require("pulumi-hadr/runtime")`): every engine by
 * the name its resource class asks for, and the dynamic-provider hooks built from each. Adding an engine is
 * one line in {@link engines}. Not part of the public API.
 */
import type * as pulumi from "@pulumi/pulumi";
import { controllerOf } from "./dynamic/controller";
import type { Engine, Session } from "./dynamic/engine";
import { policyEngine } from "./engines/kingbase/engine";
import { drEngine } from "./engines/opengauss/engine";

/** Engines by the name the shim asks for (see `ControllerName` in dynamic/shim.ts). */
export const engines = {
  drRelationship: drEngine,
  recoveryPolicy: policyEngine,
} as const;

/** Controllers by the name the shim asks for: each engine's hooks, built by the one controller. */
export const controllers = Object.fromEntries(
  Object.entries(engines).map(([name, engine]) => [
    name,
    controllerOf(engine as unknown as Engine<unknown, Session, unknown, unknown>),
  ]),
) as Record<keyof typeof engines, pulumi.dynamic.ResourceProvider>;

/**
 * The resource kinds the native provider serves: type token name, the engine (from the runtime's engine map)
 * and the engine's zod input schema (what the package schema is generated from). A new engine is one entry.
 */
import type { z } from "zod";
import type { Engine, Session } from "../dynamic/engine";
import { recoveryPolicyInputSchema } from "../engines/kingbase/schema";
import { drRelationshipSchema } from "../engines/opengauss/schema";
import { engines } from "../runtime";

/** One resource kind of the `hadr` package. */
export interface Kind {
  /** The type token's last part (`hadr:index:<name>`), also the TypeScript class name. */
  readonly name: string;
  /** The engine. */
  readonly engine: Engine<unknown, Session, unknown, unknown>;
  /** Its zod input schema. */
  readonly input: z.ZodType;
}

const kind = (name: string, engine: unknown, input: z.ZodType): Kind => ({
  name,
  engine: engine as Engine<unknown, Session, unknown, unknown>,
  input,
});

/** Every kind, in schema order. */
export const KINDS: readonly Kind[] = [
  kind("DrRelationship", engines.drRelationship, drRelationshipSchema),
  kind("RecoveryPolicy", engines.recoveryPolicy, recoveryPolicyInputSchema),
];

/** The package name of the type tokens. */
export const PACKAGE = "hadr";

/** `hadr:index:<name>`. */
export const typeToken = (name: string): string => `${PACKAGE}:index:${name}`;

/** The kind a type token names, or undefined. */
export function kindOf(token: string): Kind | undefined {
  return KINDS.find((k) => typeToken(k.name) === token);
}

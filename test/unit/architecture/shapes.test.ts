/**
 * The public input types (provider/resources/*.ts, written for users with doc comments) and the engines'
 * zod schemas describe the same inputs: the same property names at every level that both spell out. A
 * property added to one and not the other fails the type check of this file (`npm run build`), and the
 * runtime half below checks the schema's keys against a list kept next to the assertion.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { z } from "zod";
import { policyNodeSchema, recoveryPolicyInputSchema } from "../../../provider/engines/kingbase/schema";
import type { v8r3PathsSchema } from "../../../provider/engines/kingbase/versions/v8r3";
import type { v8r6PathsSchema } from "../../../provider/engines/kingbase/versions/v8r6";
import {
  drClusterSchema,
  drRelationshipSchema,
  type drUserSchema,
} from "../../../provider/engines/opengauss/schema";
import type {
  DrClusterArgs,
  DrRelationshipArgs,
  DrUserArgs,
  RecoveryPolicyArgs,
  RecoveryPolicyNodeArgs,
  V8r3PathsArgs,
  V8r6PathsArgs,
} from "../../../provider/index";

/** True only when the two key sets are equal. */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : false;
/** Compiles only for `true`. */
function same<T extends true>(_proof?: T): void {}

same<SameKeys<DrRelationshipArgs, z.input<typeof drRelationshipSchema>>>();
same<SameKeys<DrClusterArgs, z.input<typeof drClusterSchema>>>();
same<SameKeys<DrUserArgs, z.input<typeof drUserSchema>>>();
same<SameKeys<V8r3PathsArgs, z.input<typeof v8r3PathsSchema>>>();
same<SameKeys<V8r6PathsArgs, z.input<typeof v8r6PathsSchema>>>();
same<SameKeys<RecoveryPolicyArgs, z.input<typeof recoveryPolicyInputSchema>>>();
same<SameKeys<RecoveryPolicyNodeArgs, z.input<typeof policyNodeSchema>>>();

/** The keys of a zod object schema (unwrapping optional/effects wrappers zod puts around it). */
function keysOf(schema: unknown): string[] {
  let s = schema as {
    shape?: Record<string, unknown>;
    _def?: { innerType?: unknown; schema?: unknown };
    def?: { innerType?: unknown };
  };
  for (let i = 0; i < 5 && !s.shape; i += 1) {
    s = (s.def?.innerType ?? s._def?.innerType ?? s._def?.schema) as typeof s;
    if (!s) return [];
  }
  return Object.keys(s.shape ?? {}).sort();
}

test("the schemas' keys are the public inputs (the same lists the type check above proves equal)", () => {
  assert.deepEqual(keysOf(drRelationshipSchema), [
    "adopt",
    "allowDataLoss",
    "clusterSshKeys",
    "clusters",
    "drUser",
    "drill",
    "primary",
    "proxySshKey",
    "sshKey",
    "timeoutSeconds",
  ]);
  assert.deepEqual(keysOf(drClusterSchema), ["drParams", "envFile", "node", "ssh", "xml"]);
  assert.deepEqual(keysOf(policyNodeSchema), ["host", "rootAccess", "rootSsh", "ssh"]);
  assert.ok(keysOf(recoveryPolicyInputSchema).includes("acknowledgeDataLoss"));
});

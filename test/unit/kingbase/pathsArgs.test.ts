/**
 * `paths` is a free map in the RecoveryPolicy's input schema (its keys depend on `engine`), so the package
 * schema and the shapes test cannot see its keys: each version's paths schema and its public type
 * (`V8r3PathsArgs`, `V8r6PathsArgs`) are held to the same keys here, at compile time and at run time.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { z } from "zod";
import { v8r3PathsSchema } from "../../../provider/engines/kingbase/versions/v8r3";
import { v8r6PathsSchema } from "../../../provider/engines/kingbase/versions/v8r6";
import type { V8r3PathsArgs, V8r6PathsArgs } from "../../../provider/index";

/** True only when the two key sets are equal. */
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never]
  ? true
  : false;
/** Compiles only for `true`. */
function same<T extends true>(_proof?: T): void {}

same<SameKeys<V8r3PathsArgs, z.input<typeof v8r3PathsSchema>>>();
same<SameKeys<V8r6PathsArgs, z.input<typeof v8r6PathsSchema>>>();

test("each version's paths schema has the keys of its public type", () => {
  const v8r3: Record<keyof V8r3PathsArgs, true> = {
    clusterPath: true,
    dbHaModuleConf: true,
    clusterHaModuleConf: true,
    networkRewindScript: true,
    cronFile: true,
    cronUser: true,
    recoveryFlagFile: true,
  };
  const v8r6: Record<keyof V8r6PathsArgs, true> = {
    installDir: true,
    repmgrConf: true,
    repmgrdPidFile: true,
    kbhaPidFile: true,
    repmgrBin: true,
    repmgrdBin: true,
    kbhaBin: true,
  };
  assert.deepEqual(Object.keys(v8r3PathsSchema.shape).sort(), Object.keys(v8r3).sort());
  assert.deepEqual(Object.keys(v8r6PathsSchema.shape).sort(), Object.keys(v8r6).sort());
});

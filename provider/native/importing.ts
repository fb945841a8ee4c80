/**
 * `pulumi import hadr:index:<Kind> <name> <file>`: the engine's Read gets the import id and nothing else, and
 * a pair (or policy) cannot be found, let alone logged into, from a short id without secrets. So the import
 * id is the path of a JSON file holding the resource's inputs as a program declares them, without secrets:
 * `sshKeyFile` names the private key file to log in with, and the DR password is not needed (the import only
 * reads; a placeholder satisfies validation and is never stored). The import takes the same guards as
 * `adopt: true`: check() with `adopt: true` on a resource being created must pass (an established pair with
 * `primary` as the primary; every node already in the requested mode), so nothing runs and nothing is
 * written; then read() returns the live outputs. The id stored is the one create would give; the inputs
 * returned are the file's (the CLI prints them as code), so the first `pulumi up` of the program stores the
 * keys and the password: an update that runs nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as provider from "@pulumi/pulumi/provider";
import type { HookContext, Hooks } from "../core/controller";
import { ValidationError } from "../errors";
import type { AnyEngine } from "../runtime";
import { conceal } from "./secrets";

type Props = Record<string, unknown>;

/** A DR password that passes validation; the import's reads never use it and it is never returned. */
const READ_ONLY_PASSWORD = "import-reads-only-0";

/** True when a Read has no state to work from: an import (refresh always passes the stored properties). */
export function isImport(props: Props | undefined): boolean {
  return Object.keys(props ?? {}).filter((k) => !k.startsWith("__")).length === 0;
}

/** The inputs the import file `id` holds (relative to the project directory), without `sshKeyFile`. */
export function importFile(id: string): { declared: Props; login: Props } {
  const file = path.resolve(id);
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new Error(
      `import: the id must be the path of a JSON file with the resource's inputs (docs/native-provider.md); cannot read ${file}`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`import: ${file} is not JSON (the resource's inputs as an object)`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    throw new Error(`import: ${file} must hold one object: the resource's inputs`);
  const { sshKeyFile, ...declared } = parsed as Props;
  const login: Props = { ...declared };
  if (typeof sshKeyFile === "string") {
    const keyFile = path.resolve(path.dirname(file), sshKeyFile);
    try {
      login["sshKey"] = { privateKey: fs.readFileSync(keyFile, "utf8") };
    } catch {
      throw new Error(`import: sshKeyFile: cannot read ${keyFile}`);
    }
  }
  const drUser = login["drUser"];
  if (drUser && typeof drUser === "object" && !("password" in drUser))
    login["drUser"] = { ...drUser, password: READ_ONLY_PASSWORD };
  return { declared, login };
}

/** Read for an import: the adopt guard, then the live outputs; the file's inputs as the resource's inputs. */
export async function importRead(
  hooks: Hooks,
  engine: AnyEngine,
  id: string,
  ctx: HookContext,
  secrets: readonly string[],
): Promise<provider.ReadResult> {
  const { declared, login } = importFile(id);
  const v = engine.validate(engine.lift(login));
  if (v.failures.length > 0 || v.spec === undefined)
    throw new Error(new ValidationError(v.failures).describe());
  const guard = await hooks.check({}, { ...login, adopt: true }, ctx);
  if (guard.failures && guard.failures.length > 0) {
    const why = guard.failures.map((f) => (f.property ? `${f.property}: ${f.reason}` : f.reason)).join("; ");
    throw new Error(`import refused (the adopt guard: nothing was run or written): ${why}`);
  }
  const realId = engine.idOf(v.spec);
  const r = await hooks.read(realId, login, ctx);
  const live: Props = {};
  for (const k of engine.keys.outputs) if (r.props[k] !== undefined) live[k] = r.props[k];
  return {
    id: realId,
    props: conceal({ ...declared, ...live }, secrets),
    inputs: conceal(declared, secrets),
  };
}

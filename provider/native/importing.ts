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
import type { HookContext } from "../core/controller";
import { importFailure, readForImport, withPlaceholders } from "../core/importing";
import type { Entry } from "../runtime";
import { conceal } from "./secrets";

type Props = Record<string, unknown>;

/** True when a Read has no state to work from: an import (refresh always passes the stored properties). */
export function isImport(props: Props | undefined): boolean {
  return Object.keys(props ?? {}).filter((k) => !k.startsWith("__")).length === 0;
}

/**
 * The inputs the import file `id` holds (relative to the project directory), without `sshKeyFile`, and the
 * inputs to log in with: the key read, the kind's placeholders for the secrets the reads never use.
 */
function importFile(id: string, entry: Pick<Entry, "engine">): { declared: Props; login: Props } {
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
  const login: Props = withPlaceholders(entry.engine.kind.imports, declared);
  if (typeof sshKeyFile === "string") {
    const keyFile = path.resolve(path.dirname(file), sshKeyFile);
    try {
      login[entry.engine.kind.imports.keyInputs.all] = { privateKey: fs.readFileSync(keyFile, "utf8") };
    } catch {
      throw new Error(`import: sshKeyFile: cannot read ${keyFile}`);
    }
  }
  return { declared, login };
}

/** Read for an import: the adopt guard, then the live outputs; the file's inputs as the resource's inputs. */
export async function importRead(
  entry: Pick<Entry, "engine" | "core">,
  id: string,
  ctx: HookContext,
  secrets: readonly string[],
): Promise<provider.ReadResult> {
  const { declared, login } = importFile(id, entry);
  const r = await readForImport(entry.engine, entry.core, login, ctx);
  if ("failures" in r) throw importFailure(r);
  return {
    id: r.id,
    props: conceal({ ...declared, ...r.live }, secrets),
    inputs: conceal(declared, secrets),
  };
}

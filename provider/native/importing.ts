/**
 * `pulumi import hadr:index:<Kind> <name> <file>`: the engine's Read gets the import id and nothing else, and
 * a pair (or policy) cannot be found, let alone logged into, from a short id without secrets. So the import
 * id is the path of a JSON file holding the resource's inputs as a program declares them, without secrets:
 * `sshKeyFile` names the private key file to log in with, and the DR password is not needed (the read only
 * queries; a placeholder satisfies validation). The import takes the same guards as `adopt: true`:
 * check() with `adopt: true` on a resource being created must pass (an established pair with `primary` as the
 * primary; every node already in the requested mode), so nothing runs and nothing is written; then read()
 * returns the live outputs. The id stored is the one create would give; the inputs returned carry no secret
 * (`pulumi import` prints them as code), so the first `pulumi up` of the program stores the keys: an update
 * that runs nothing.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type * as provider from "@pulumi/pulumi/provider";
import { type ImportKind, READ_ONLY_DR_PASSWORD, withoutSecrets as stripSecrets } from "../cli/importSpec";
import { ValidationError } from "../errors";
import type { Kind } from "./kinds";

type Props = Record<string, unknown>;

/** True when a Read has no state to work from: an import (refresh always passes the stored properties). */
export function isImport(props: Props | undefined): boolean {
  return Object.keys(props ?? {}).filter((k) => !k.startsWith("__")).length === 0;
}

/** The inputs of the import file `id` names (relative to the project directory). */
export function importInputs(id: string): Props {
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
  const { sshKeyFile, ...inputs } = parsed as Props;
  if (typeof sshKeyFile === "string") {
    const keyFile = path.resolve(path.dirname(file), sshKeyFile);
    try {
      inputs["sshKey"] = { privateKey: fs.readFileSync(keyFile, "utf8") };
    } catch {
      throw new Error(`import: sshKeyFile: cannot read ${keyFile}`);
    }
  }
  const drUser = inputs["drUser"];
  if (drUser && typeof drUser === "object" && !("password" in drUser))
    inputs["drUser"] = { ...drUser, password: READ_ONLY_DR_PASSWORD };
  return inputs;
}

/** `props` without engine-internal keys and without secrets (keys, `drUser.password`), as import-spec writes them. */
function withoutSecrets(kind: Kind, props: Props): Props {
  const kebab = kind.name.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase() as ImportKind;
  const out = stripSecrets(kebab, props);
  for (const k of Object.keys(out)) if (k.startsWith("__")) delete out[k];
  return out;
}

/** Read for an import: the adopt guard, then the live outputs; no secret in what it returns. */
export async function importRead(
  c: pulumi.dynamic.ResourceProvider,
  kind: Kind,
  id: string,
  name: string,
): Promise<provider.ReadResult> {
  const inputs = importInputs(id);
  const v = kind.engine.validate(kind.engine.lift(inputs));
  if (v.failures.length > 0 || v.spec === undefined)
    throw new Error(new ValidationError(v.failures).describe());
  const guard = await c.check!({}, { ...inputs, adopt: true, __hadrName: name });
  if (guard.failures && guard.failures.length > 0) {
    const why = guard.failures.map((f) => (f.property ? `${f.property}: ${f.reason}` : f.reason)).join("; ");
    throw new Error(`import refused (the adopt guard: nothing was run or written): ${why}`);
  }
  const realId = kind.engine.idOf(v.spec);
  const r = await c.read!(realId, { ...inputs, __hadrName: name });
  const live = withoutSecrets(kind, r.props ?? {});
  const declared = withoutSecrets(kind, { ...inputs, ...(r.inputs ?? {}) });
  for (const k of kind.engine.keys.outputs) delete declared[k];
  return { id: realId, props: { ...live, ...declared }, inputs: declared };
}

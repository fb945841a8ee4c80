/**
 * `pulumi-hadr import-spec`: writes the file `pulumi import --file` reads (Pulumi CLI ≥ 3.254) for one
 * existing resource of any kind of the engine map, with the resource's inputs and the outputs read from the
 * live clusters through the provider's own hooks (the kind's `adopt: true` decision as the guard, then read:
 * `core/importing.ts`). With outputs in the file the CLI skips the provider's Read, which is what breaks
 * `pulumi import` of dynamic resources (pulumi/pulumi#16175).
 *
 * No secret is written: the kind's secret inputs and nested secrets are left out of inputs and outputs, so the
 * first `pulumi up` after the import stores them (an update that runs nothing). The pure parts live here; file
 * and process handling is in main.ts.
 */

import type { EngineKind } from "../core/engine";
import { withoutSecrets } from "../core/importing";

/** The type token the engine records for a dynamic resource of `kind` (`pulumi-nodejs:dynamic/hadr:<type>`). */
export const importType = (kind: Pick<EngineKind, "type">): string =>
  `pulumi-nodejs:dynamic/hadr:${kind.type}`;

/** One entry of the import file (the fields `pulumi import --file` reads). */
interface ImportResourceSpec {
  type: string;
  name: string;
  id: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
}

/** The import file. */
export interface ImportFile {
  resources: ImportResourceSpec[];
}

/**
 * The import file for one resource of `kind` from what its read returned (`read`: the inputs and the live
 * outputs): inputs and outputs without secrets and with an empty plan, the outputs with what an imported
 * resource records (`kind.imports.recorded`, at `at`), and the serialized provider.
 */
export function importFile(
  kind: EngineKind,
  name: string,
  id: string,
  inputs: Record<string, unknown>,
  read: Record<string, unknown>,
  provider: string,
  at: string,
): ImportFile {
  const internal = { __provider: provider, __hadrName: name };
  const outputs = { ...read, plan: [], ...kind.imports.recorded(inputs, at) };
  return {
    resources: [
      {
        type: importType(kind),
        name,
        id,
        inputs: { ...withoutSecrets(kind, { ...inputs, plan: [] }), ...internal },
        outputs: { ...withoutSecrets(kind, outputs), ...internal },
      },
    ],
  };
}

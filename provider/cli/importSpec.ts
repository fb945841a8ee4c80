/**
 * `pulumi-hadr import-spec`: writes the file `pulumi import --file` reads (Pulumi CLI ≥ 3.254) for one
 * existing DR pair or recovery policy, with the resource's inputs and the outputs read from the live clusters
 * through the provider's own read hook. With outputs in the file the CLI skips the provider's Read, which is
 * what breaks `pulumi import` of dynamic resources (pulumi/pulumi#16175).
 *
 * No secret is written: the SSH keys and the DR password are left out of inputs and outputs, so the first
 * `pulumi up` after the import stores them (an update that runs nothing). The pure parts live here; file and
 * process handling is in main.ts.
 */

import { isEstablishedPair } from "../engines/opengauss/decide";
import type { PropertyFailure } from "../errors";

/** Resource type tokens as the engine records them (`pulumi-nodejs:dynamic/<module>:<type>`). */
export const IMPORT_TYPES = {
  "dr-relationship": "pulumi-nodejs:dynamic/hadr:DrRelationship",
  "recovery-policy": "pulumi-nodejs:dynamic/hadr:RecoveryPolicy",
} as const;

/** Which resource an import spec is for. */
export type ImportKind = keyof typeof IMPORT_TYPES;

/** Inputs that hold secrets, by kind: never written to the import file. */
export const SECRET_INPUTS: Record<ImportKind, readonly string[]> = {
  "dr-relationship": ["sshKey", "clusterSshKeys"],
  "recovery-policy": ["sshKey", "nodeSshKeys", "rootSshKey", "nodeRootSshKeys"],
};

/**
 * A DR password that satisfies validation. The read path logs in over SSH and runs `gs_sdr -t query`; it never
 * uses the DR password, so none is asked for. It is never written (drUser.password is left out of the file).
 */
export const READ_ONLY_DR_PASSWORD = "unused-by-read-0";

/** One entry of the import file (the fields `pulumi import --file` reads). */
export interface ImportResourceSpec {
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

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** A copy of `props` without the secret inputs of `kind` (and without `drUser.password`). */
export function withoutSecrets(kind: ImportKind, props: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(props)) {
    if (SECRET_INPUTS[kind].includes(k) || v === undefined) continue;
    if (k === "drUser" && isRecord(v)) {
      const { password: _password, ...rest } = v;
      out[k] = rest;
    } else out[k] = v;
  }
  return out;
}

/**
 * Whether what the read found may be imported: a DR pair only when it is established with the requested
 * primary (the rule of `adopt: true`), a policy only when no node drifts from the requested mode and no daemon
 * waits for a restart. Returns the failures (empty: importable). Pure.
 */
export function importProblems(
  kind: ImportKind,
  inputs: Record<string, unknown>,
  live: Record<string, unknown>,
): PropertyFailure[] {
  if (kind === "dr-relationship") {
    const primary = String(inputs["primary"]);
    const stats = isRecord(live["hadrClusterStat"])
      ? (live["hadrClusterStat"] as Record<string, string>)
      : {};
    const other = Object.keys(stats).find((n) => n !== primary);
    const established =
      live["primary"] === primary && other !== undefined && isEstablishedPair(stats[primary], stats[other]);
    if (established) return [];
    const found = Object.entries(stats)
      .map(([n, s]) => `${n}=${s}`)
      .join(", ");
    return [
      {
        property: "primary",
        reason: `the clusters are not an established pair with ${primary} as primary (found ${found || "nothing"}${live["primary"] ? `, primary ${String(live["primary"])}` : ""}); nothing to import`,
      },
    ];
  }
  const out: PropertyFailure[] = [];
  const drift = Array.isArray(live["drift"]) ? (live["drift"] as string[]) : [];
  for (const d of drift)
    out.push({ property: "mode", reason: `the nodes differ from the requested mode: ${d}` });
  if (live["pendingRestart"] === true)
    out.push({
      property: "nodes",
      reason: "a daemon runs with an older repmgr.conf (pendingRestart); restart it first",
    });
  return out;
}

/** The import file for one resource: inputs and outputs without secrets, with the serialized provider. */
export function importFile(
  kind: ImportKind,
  name: string,
  id: string,
  inputs: Record<string, unknown>,
  outputs: Record<string, unknown>,
  provider: string,
): ImportFile {
  const internal = { __provider: provider, __hadrName: name };
  return {
    resources: [
      {
        type: IMPORT_TYPES[kind],
        name,
        id,
        inputs: { ...withoutSecrets(kind, inputs), ...internal },
        outputs: { ...withoutSecrets(kind, outputs), ...internal },
      },
    ],
  };
}

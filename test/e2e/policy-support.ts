/**
 * What the RecoveryPolicy end-to-end files share: the `policy` stack config for a lab KingbaseES cluster, and
 * the policy's outputs as the state holds them.
 */
import assert from "node:assert/strict";
import type { LabInfo } from "pulumi-hadr-lab";
import type { TestProject } from "../support/project";

/**
 * A program with one RecoveryPolicy `kb` built from the `policy` config and the secret `sshKey`, exporting the
 * listed outputs of it.
 */
export function policyProgram(outputs: string[]): string {
  return `
const pulumi = require("@pulumi/pulumi");
const { RecoveryPolicy } = require("pulumi-hadr");
const cfg = new pulumi.Config();
const key = cfg.requireSecret("sshKey");
const spec = cfg.requireObject("policy");
const policy = new RecoveryPolicy("kb", { ...spec, sshKey: { privateKey: key } });
${outputs.map((o) => `exports.${o} = policy.${o};`).join("\n")}
`;
}

/** The `policy` config for a lab cluster: every host, the lab's host keys, sudo on V8R3; no private key. */
export function policySpec(
  lab: LabInfo,
  cluster: string,
  extra: Record<string, unknown>,
): Record<string, unknown> {
  const c = lab.clusters[cluster]!;
  return {
    engine: c.engine,
    nodes: c.hosts.map((h) => ({
      host: h.ip,
      ssh: { user: "kingbase", port: h.sshPort, hostKeys: { [h.ip]: h.hostKey } },
      ...(c.engine === "kingbase-v8r3" ? { rootAccess: "sudo" } : {}),
    })),
    ...extra,
  };
}

/** The RecoveryPolicy's outputs as recorded in the stack state (what refresh updates; stack outputs are not). */
export async function policyOutputs(p: TestProject): Promise<Record<string, unknown>> {
  const state = await p.world.exportStack();
  const res = state.deployment.resources?.find(
    (r) => r["type"] === "pulumi-nodejs:dynamic/hadr:RecoveryPolicy",
  );
  assert.ok(res, "the policy is in the state");
  return res["outputs"] as Record<string, unknown>;
}

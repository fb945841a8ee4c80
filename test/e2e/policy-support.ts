/** What the RecoveryPolicy end-to-end files share: the `policy` stack config for a lab KingbaseES cluster. */
import type { LabInfo } from "pulumi-hadr-lab";

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

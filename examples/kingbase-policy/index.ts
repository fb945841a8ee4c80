/**
 * KingbaseES automatic recovery on every node with pulumi-hadr: `pulumi preview` shows the exact line edits
 * (V8R3 KINGBASECRON/HAmodule.conf, V8R6 repmgr.conf), `pulumi up` applies them, `pulumi refresh` reports drift,
 * `pulumi destroy` restores what was there before.
 *
 * Stack config (see README.md):
 *   engine          kingbase-v8r3 | kingbase-v8r6
 *   mode            manual | standby | automatic
 *   nodes           [{ host, hostKey, sshPort? }]   every node of the cluster
 *   rootAccess      V8R3: sudo | root-ssh (how the root-owned cron file is reached; default sudo)
 *   apply           V8R6: restart-daemons (default) | file-only
 *   acknowledgeDataLoss   true, required for mode automatic
 *   sshPrivateKey   secret: private key of the `kingbase` user (and root, with root-ssh)
 *   adopt           true: only take over nodes that already have the mode (never edits; fails otherwise)
 */
import * as pulumi from "@pulumi/pulumi";
import { RecoveryPolicy, type RecoveryPolicyArgs } from "pulumi-hadr";

interface NodeConfig {
  host: string;
  /** `SHA256:…` host-key fingerprint (`ssh-keyscan -t ed25519 <host> | ssh-keygen -lf -`). */
  hostKey: string;
  sshPort?: number;
}

const cfg = new pulumi.Config();
const privateKey = cfg.requireSecret("sshPrivateKey");
const engine = cfg.require("engine") as "kingbase-v8r3" | "kingbase-v8r6";

const nodes: RecoveryPolicyArgs["nodes"] = cfg.requireObject<NodeConfig[]>("nodes").map((n) => ({
  host: n.host,
  ssh: { user: "kingbase", port: n.sshPort ?? 22, hostKeys: { [n.host]: n.hostKey } },
  ...(engine === "kingbase-v8r3"
    ? { rootAccess: (cfg.get("rootAccess") ?? "sudo") as "sudo" | "root-ssh" }
    : {}),
}));

const policy = new RecoveryPolicy("recovery", {
  engine,
  nodes,
  mode: cfg.require("mode") as "manual" | "standby" | "automatic",
  ...(engine === "kingbase-v8r6"
    ? { apply: (cfg.get("apply") ?? "restart-daemons") as "restart-daemons" | "file-only" }
    : {}),
  acknowledgeDataLoss: cfg.getBoolean("acknowledgeDataLoss") ?? false,
  // The key is a top-level secret input, so `pulumi preview --diff` shows `nodes` in clear.
  sshKey: { privateKey },
  adopt: cfg.getBoolean("adopt") ?? false,
});

export const effective = policy.effective;
export const drift = policy.drift;
export const pendingRestart = policy.pendingRestart;
export const warnings = policy.warnings;

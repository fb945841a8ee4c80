/**
 * openGauss two-cluster streaming DR with pulumi-hadr: `pulumi up` starts DR (gs_sdr on both clusters at once),
 * changing `primary` switches over, `pulumi refresh` reads roles and RPO/RTO, `pulumi destroy` dissolves it.
 *
 * Stack config (see README.md):
 *   clusters        name → { xmlFile, hostKeys, sshPort?, user?, envFile? }   (exactly two)
 *   primary         name of the primary cluster
 *   drUserName      DR user created on the primary WITH REPLICATION (default druser)
 *   sshPrivateKey   secret: private key of the clusters' OS user (omm)
 *   drPassword      secret: the DR user's password
 *   adopt           true: take over a pair that already runs (never starts one; fails if there is none)
 */
import * as fs from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { type DrClusterArgs, DrRelationship } from "pulumi-hadr";

interface ClusterConfig {
  /** Path of the cluster's install XML (the one gs_install used), relative to this project. */
  xmlFile: string;
  /** Node address (as in the XML's sshIp1) → `SHA256:…` host-key fingerprint. */
  hostKeys: Record<string, string>;
  sshPort?: number;
  user?: string;
  envFile?: string;
}

const cfg = new pulumi.Config();
const privateKey = cfg.requireSecret("sshPrivateKey");

const clusters: Record<string, DrClusterArgs> = {};
for (const [name, c] of Object.entries(cfg.requireObject<Record<string, ClusterConfig>>("clusters"))) {
  clusters[name] = {
    xml: fs.readFileSync(c.xmlFile, "utf8"),
    ssh: { user: c.user ?? "omm", port: c.sshPort ?? 22, hostKeys: c.hostKeys },
    ...(c.envFile ? { envFile: c.envFile } : {}),
  };
}

const dr = new DrRelationship(
  "dr",
  {
    clusters,
    primary: cfg.require("primary"),
    drUser: { name: cfg.get("drUserName") ?? "druser", password: cfg.requireSecret("drPassword") },
    // A failover (possible data loss) is only allowed when you say so, e.g. while the primary site is down.
    allowDataLoss: cfg.getBoolean("allowDataLoss") ?? false,
    timeoutSeconds: cfg.getNumber("timeoutSeconds") ?? 1200,
    // The key is a top-level secret input, so `pulumi preview --diff` shows `clusters` in clear.
    sshKey: { privateKey },
    // true: create only takes over an established pair (no gs_sdr start, no file written) or fails.
    adopt: cfg.getBoolean("adopt") ?? false,
  },
  {
    // `pulumi destroy` dissolves the DR relationship: make that a deliberate two-step act.
    protect: true,
  },
);

export const primary = dr.primary;
export const rpoSeconds = dr.rpoSeconds;
export const rtoSeconds = dr.rtoSeconds;
export const hadrClusterStat = dr.hadrClusterStat;
export const health = dr.health;
export const lastOperation = dr.lastOperation;

/**
 * Runs an operation of the lab's node agent (`tools/og_agent.js`) on a node of the cluster: directly when
 * the node is this host, else over SSH with the cluster trust key (the OM-style hop between hosts).
 * The request travels base64-encoded in argv (it never carries a password).
 */
import * as net from "node:net";
import * as path from "node:path";
import { execFile } from "./exec";
import { localNode, NODE_BIN, type OgNode, type StaticConfig } from "./layout";

/** A request to the node agent. */
export type AgentRequest = { op: string } & Record<string, unknown>;

/** True when `n` is the host the process runs on. */
export function isLocalNode(cfg: StaticConfig, n: OgNode): boolean {
  try {
    return localNode(cfg).nodeId === n.nodeId;
  } catch {
    return false;
  }
}

/** Path of the agent script. */
function agentScript(cfg: StaticConfig): string {
  return path.join(cfg.toolsDir, "opengauss", "tools", "og_agent.js");
}

/** Runs one agent op on node `n` and returns its JSON answer (rejects on transport failure). */
export async function agentOp(
  cfg: StaticConfig,
  n: OgNode,
  req: AgentRequest,
  timeoutMs = 600_000,
): Promise<unknown> {
  const b64 = Buffer.from(JSON.stringify(req)).toString("base64");
  const r = isLocalNode(cfg, n)
    ? await execFile(NODE_BIN, [agentScript(cfg), b64], { timeoutMs })
    : await execFile(
        "ssh",
        [
          "-i",
          cfg.clusterKeyPath,
          "-o",
          "BatchMode=yes",
          "-o",
          `UserKnownHostsFile=${cfg.knownHostsPath}`,
          "-o",
          "StrictHostKeyChecking=yes",
          "-o",
          "ConnectTimeout=5",
          "-o",
          "ServerAliveInterval=5",
          "-o",
          "ServerAliveCountMax=3",
          "-o",
          "LogLevel=ERROR",
          "-p",
          String(n.sshPort),
          `${cfg.user}@${n.ip}`,
          `${NODE_BIN} ${agentScript(cfg)} ${b64}`,
        ],
        { timeoutMs },
      );
  const last = r.stdout.trim().split("\n").pop() ?? "";
  if (!last.startsWith("{")) {
    throw new Error(`agent on ${n.ip} failed (rc=${r.code}): ${(r.stderr || r.stdout).trim()}`);
  }
  return JSON.parse(last) as unknown;
}

/**
 * True when node `n`'s machine is gone: a connection to its sshd fails with "No route to host" (what a
 * powered-off host gives, core/sites.ts). A refused, slow or timed-out connection is not proof: on a loaded
 * machine an agent call can time out while the host is up, and CM only fails a node over on a lost heartbeat.
 */
export function hostGone(n: OgNode, timeoutMs = 5000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: n.ip, port: n.sshPort });
    const done = (gone: boolean) => {
      sock.destroy();
      resolve(gone);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once("connect", () => done(false));
    sock.once("error", (e: NodeJS.ErrnoException) =>
      done(e.code === "EHOSTUNREACH" || e.code === "ENETUNREACH"),
    );
  });
}

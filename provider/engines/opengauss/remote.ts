/**
 * The openGauss side's remote access: one SSH connection per node for the whole operation, every command
 * run after sourcing the cluster's env file, and several read commands in one round trip ({@link batch}).
 * What is read lives in `observe.ts` (the decision's facts) and `reads.ts` (the plan's).
 */

import { transportAuth } from "../../config/route";
import { InternalError, ParseError } from "../../errors";
import { type Fleet, fleetOf } from "../../transport/fleet";
import type { ExecOptions, ExecResult, SshSession, SshTarget } from "../../transport/ssh";
import type { ClusterDevice, ClusterTopology } from "./clusterXml";
import { hostKeyFor } from "./inputChecks";
import { type DrSpec, runNodeOf } from "./schema";

/** Deadline for one read command. */
export const READ_TIMEOUT_MS = 60_000;

/** Both clusters of a pair, parsed, with the fleet that reaches their nodes. */
export interface DrContext {
  args: DrSpec;
  topologies: Record<string, ClusterTopology>;
  fleet: Fleet;
  /** Cluster names in input order. */
  names: string[];
  /** The call's own deadline (epoch ms, from the program's `customTimeouts`): no wait of ours goes past it. */
  deadlineMs?: number;
}

/** Opens (lazily) one connection per node of both clusters; the DR password is masked in everything read. */
export function drContext(
  args: DrSpec,
  topologies: Record<string, ClusterTopology>,
  deadlineMs?: number,
): DrContext {
  const targets: SshTarget[] = [];
  for (const [name, c] of Object.entries(args.clusters)) {
    for (const d of topologies[name]!.dataNodes) {
      const device = topologies[name]!.devices.find((x) => x.name === d.name)!;
      targets.push({
        host: d.sshIp,
        port: c.ssh.port,
        username: c.ssh.user,
        ...transportAuth(c.ssh),
        hostKey: hostKeyFor(c.ssh, device),
        insecure: c.ssh.insecure,
        connectTimeoutMs: c.ssh.connectTimeoutSeconds * 1000,
        cluster: name,
      });
    }
  }
  return {
    args,
    topologies,
    fleet: fleetOf(targets, [args.drUser.password]),
    names: Object.keys(args.clusters),
    ...(deadlineMs !== undefined ? { deadlineMs } : {}),
  };
}

/** The node gs_sdr runs on for a cluster. */
export function runNode(ctx: DrContext, cluster: string): ClusterDevice {
  return runNodeOf(ctx.args.clusters[cluster]!, ctx.topologies[cluster]!);
}

/** Runs `command` on a node after sourcing the cluster's env file (`. <envFile>`; no secrets in `command`). */
export async function onNode(
  ctx: DrContext,
  cluster: string,
  host: string,
  command: string,
  opts: ExecOptions,
): Promise<ExecResult> {
  const s: SshSession = await ctx.fleet.session(host);
  const env = ctx.args.clusters[cluster]!.envFile;
  return s.exec(`. ${env} >/dev/null 2>&1; ${command}`, opts);
}

const MARK = "@@HADR@@";

/** The commands of several reads as one batch; a key two of them use is a bug (one would hide the other). */
export function joinCommands(...parts: Array<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of parts) {
    for (const [k, c] of Object.entries(part)) {
      if (k in out) throw new InternalError(`two reads of one batch are both named "${k}"`);
      out[k] = c;
    }
  }
  return out;
}

/** Runs several read commands in one round trip and returns each one's stdout by key. */
export async function batch(
  ctx: DrContext,
  cluster: string,
  host: string,
  commands: Record<string, string>,
  step: string,
): Promise<Record<string, string>> {
  const script = Object.entries(commands)
    .map(([k, c]) => `echo ${MARK}${k}; { ${c} ; } 2>&1`)
    .join("; ");
  const r = await onNode(ctx, cluster, host, script, { timeoutMs: READ_TIMEOUT_MS, step });
  const out: Record<string, string> = {};
  for (const part of r.stdout.split(MARK).slice(1)) {
    const nl = part.indexOf("\n");
    out[part.slice(0, nl)] = part.slice(nl + 1);
  }
  for (const k of Object.keys(commands)) {
    if (!(k in out))
      throw new ParseError(`no output for "${k}" from ${host}`, { where: { cluster, node: host, step } });
  }
  return out;
}

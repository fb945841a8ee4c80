/**
 * Fault injection: the core's own faults (`sshd-stop`, `sshd-kill`, `site-down`, `site-up`, `host-down`,
 * `host-up`) and dispatch of
 * every other fault name to the provisioner that declares it.
 */
import type { EngineProvisioner, LabClusterSpec, LabContext } from "../types";
import { allHosts, isLoopback } from "./addresses";
import { hostDown, hostRestore, siteCluster, siteDown, siteHost, siteRestore } from "./sites";
import { startSshd, stopSshd } from "./sshd";

/** Names of the faults the core handles itself. */
const CORE_FAULTS = ["sshd-stop", "sshd-kill", "site-down", "site-up", "host-down", "host-up"] as const;

function hostArg(clusters: LabClusterSpec[], args: string[], fault: string) {
  const ip = args[0];
  if (!ip || !isLoopback(ip)) throw new Error(`usage: lab fault ${fault} <ip>`);
  const host = allHosts(clusters).find((h) => h.ip === ip);
  if (!host) throw new Error(`${ip} is not a host of this lab`);
  return host;
}

/**
 * Injects fault `name`. Core faults act on sshd; any other name goes to a provisioner declaring it — the
 * one owning the host given as first argument when several engines declare the same name.
 * Returns a one-line description of what was done.
 */
export async function injectFault(
  ctx: LabContext,
  clusters: LabClusterSpec[],
  provisioners: EngineProvisioner[],
  name: string,
  args: string[],
): Promise<string> {
  if (name === "sshd-stop" || name === "sshd-kill") {
    const host = hostArg(clusters, args, name);
    const pid = await stopSshd(ctx.root, host.ip, name === "sshd-stop" ? "SIGTERM" : "SIGKILL");
    return pid === undefined
      ? `${name} ${host.ip}: sshd was not running`
      : `${name} ${host.ip}: sshd (pid ${pid}) ${name === "sshd-stop" ? "stopped" : "killed"}`;
  }
  if (name === "site-down") return siteDown(ctx.root, clusters, args[0]);
  if (name === "site-up") return siteUp(ctx, clusters, provisioners, args[0]);
  if (name === "host-down") return hostDown(ctx.root, clusters, args[0]);
  if (name === "host-up") return hostUp(ctx, clusters, provisioners, args[0]);
  const candidates = provisioners.filter((p) => Object.hasOwn(p.faults, name));
  if (candidates.length === 0) {
    const known = [...CORE_FAULTS, ...provisioners.flatMap((p) => Object.keys(p.faults))];
    throw new Error(`unknown fault ${JSON.stringify(name)} (known: ${[...new Set(known)].join(", ")})`);
  }
  const byHost = candidates.find((p) =>
    clusters.some((c) => c.engine === p.engine && c.hosts.some((h) => args.includes(h.ip))),
  );
  const p = byHost ?? candidates[0]!;
  const handler = p.faults[name]!;
  return handler(
    ctx,
    clusters.filter((c) => c.engine === p.engine),
    args,
  );
}

/**
 * `site-up <cluster>`: the machines come back. Whatever was frozen is killed (the power-off), the routes go,
 * sshd starts, then the engine boots its processes (its provisioner's `siteUp`).
 */
async function siteUp(
  ctx: LabContext,
  clusters: LabClusterSpec[],
  provisioners: EngineProvisioner[],
  name: string | undefined,
): Promise<string> {
  const c = siteCluster(clusters, name, "site-up");
  const hosts = await siteRestore(ctx.root, clusters, c.name);
  if (hosts.length === 0) return `site ${c.name} was not down`;
  await Promise.all(c.hosts.map((h) => startSshd(ctx.root, h, ctx.asRoot)));
  const p = provisioners.find((x) => x.engine === c.engine);
  if (p?.siteUp) await p.siteUp(ctx, c);
  return `site ${c.name} up: ${c.hosts.map((h) => h.ip).join(", ")} reachable, sshd started${p?.siteUp ? `, ${c.engine} booted` : ""}`;
}

/**
 * `host-up <host>`: one machine comes back, like `site-up` for a single host: frozen processes killed, route
 * gone, sshd started, then the engine boots that host's processes (its provisioner's `hostUp`, if any).
 */
async function hostUp(
  ctx: LabContext,
  clusters: LabClusterSpec[],
  provisioners: EngineProvisioner[],
  arg: string | undefined,
): Promise<string> {
  const { cluster, host } = siteHost(clusters, arg, "host-up");
  if (!(await hostRestore(ctx.root, cluster, host))) return `host ${host.name} (${host.ip}) was not down`;
  await startSshd(ctx.root, host, ctx.asRoot);
  const p = provisioners.find((x) => x.engine === cluster.engine);
  if (p?.hostUp) await p.hostUp(ctx, cluster, host);
  return `host ${host.name} up: ${host.ip} reachable, sshd started${p?.hostUp ? `, ${cluster.engine} booted` : ""}`;
}

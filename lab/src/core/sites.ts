/**
 * Site and host faults: `site-down <cluster>` makes every host of a cluster vanish as if its machines lost
 * power, `host-down <host>` does the same to one machine; `site-up <cluster>` / `host-up <host>` boot them again.
 *
 * Down: a `/32` `unreachable` route per host address in the kernel's `local` table (more specific than
 * `local 127.0.0.0/8`, so every connect from anywhere on the machine fails at once with EHOSTUNREACH, "No
 * route to host", what a dead host on a LAN gives), then every process of the host's namespace (sshd and its
 * sessions, the DN, the emulated tools and daemons; not the namespace holder) is frozen with SIGSTOP. Frozen,
 * not killed: a killed process's sockets send a FIN, a frozen one's send nothing, so peers' established
 * connections (a walreceiver, a driver's SSH session) go silent exactly as with a powered-off machine and
 * only their own timeouts notice. Up (and `reset`, `up`, `down`): the frozen processes are SIGKILLed (power
 * off for real: no shutdown, no checkpoint), the routes removed, sshd started, and the engine boots its
 * daemons (openGauss: each DN in the role CM would start it in; one host: the provisioner's `hostUp`).
 *
 * The routes and frozen pids are recorded in `<root>/site-down.json`, one record per downed cluster (keyed by
 * its name) or host (keyed `<cluster>/<host name>`); cleanup also sweeps `ip route show table local` for
 * unreachable routes of this lab's network (`127.<net>.x.y`), so a crash between adding a route and
 * recording it leaves nothing behind. Needs root and iproute2's `ip`.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { LabClusterSpec, LabHost } from "../types";
import { holderPid, processesInNamespace } from "./namespace";
import { pidAlive, runCommand, sleep } from "./proc";

/** A frozen process: pid plus its start time, so a recycled pid is never killed. */
interface FrozenProc {
  pid: number;
  start: string;
}

/** What `site-down` did to one cluster, or `host-down` to one of its hosts. */
export interface SiteRecord {
  cluster: string;
  /** `host-down` only: the address of the one host that is down. */
  host?: string;
  ips: string[];
  frozen: FrozenProc[];
  at: string;
}

/** Path of the site-down record of a lab. */
function sitesFile(root: string): string {
  return path.join(root, "site-down.json");
}

/** Clusters (by name) and hosts (by `<cluster>/<host name>`) currently down. */
export function readSites(root: string): Record<string, SiteRecord> {
  try {
    return JSON.parse(fs.readFileSync(sitesFile(root), "utf8")) as Record<string, SiteRecord>;
  } catch {
    return {};
  }
}

function writeSites(root: string, sites: Record<string, SiteRecord>): void {
  const f = sitesFile(root);
  if (Object.keys(sites).length === 0) {
    fs.rmSync(f, { force: true });
    return;
  }
  const tmp = `${f}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(sites, null, 2)}\n`, { mode: 0o644 });
  fs.renameSync(tmp, f);
}

const IP_CANDIDATES = ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"];

function ipBinary(): string | undefined {
  return IP_CANDIDATES.find((p) => fs.existsSync(p));
}

/** The `ip` binary, or a clear error when routes cannot be managed here (not root, no iproute2). */
function requireRouteControl(fault: string): string {
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${fault} adds kernel routes and needs root: sudo -E npm run lab -- fault ${fault} <cluster>`,
    );
  }
  const ip = ipBinary();
  if (!ip) throw new Error(`${fault} needs iproute2's ip command (apt-get install iproute2)`);
  return ip;
}

async function ipRoute(ip: string, verb: "add" | "del", addr: string): Promise<void> {
  const r = await runCommand(ip, ["route", verb, "unreachable", `${addr}/32`, "table", "local"], {
    timeoutMs: 10_000,
  });
  if (r.code === 0) return;
  if (verb === "add" && /File exists/.test(r.stderr)) return;
  if (verb === "del" && /No such process|not found/i.test(r.stderr)) return;
  throw new Error(`ip route ${verb} unreachable ${addr}/32 table local: ${r.stderr.trim()}`);
}

/** Addresses with an `unreachable` route in the `local` table whose address starts with `prefix`. */
async function unreachableRoutes(prefix: string): Promise<string[]> {
  const ip = ipBinary();
  if (!ip || process.getuid?.() !== 0) return [];
  const r = await runCommand(ip, ["route", "show", "table", "local"], { timeoutMs: 10_000 });
  const out: string[] = [];
  for (const line of r.stdout.split("\n")) {
    const m = /^unreachable\s+(\d+\.\d+\.\d+\.\d+)(?:\/32)?\s/.exec(`${line} `);
    if (m?.[1]?.startsWith(prefix)) out.push(m[1]);
  }
  return out;
}

function startTime(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** Processes of a host (its namespace) but the namespace holder. */
function hostProcesses(root: string, ip: string): number[] {
  const holder = holderPid(root, ip);
  return processesInNamespace(root, ip).filter((p) => p !== holder);
}

/** SIGSTOPs every process of the hosts, repeating until no new one appears (a fork racing the freeze). */
function freezeHosts(root: string, hosts: LabHost[]): FrozenProc[] {
  const frozen = new Map<number, FrozenProc>();
  for (let round = 0; round < 10; round++) {
    let fresh = 0;
    for (const h of hosts) {
      for (const pid of hostProcesses(root, h.ip)) {
        if (frozen.has(pid)) continue;
        const start = startTime(pid);
        if (start === undefined) continue;
        try {
          process.kill(pid, "SIGSTOP");
          frozen.set(pid, { pid, start });
          fresh++;
        } catch {
          /* gone */
        }
      }
    }
    if (fresh === 0) break;
  }
  return [...frozen.values()];
}

/** SIGKILLs the recorded frozen processes and whatever else runs on the hosts; waits until they are gone. */
async function killHosts(root: string, hosts: LabHost[], frozen: FrozenProc[]): Promise<void> {
  const victims = new Set<number>();
  for (const f of frozen) if (startTime(f.pid) === f.start) victims.add(f.pid);
  for (const h of hosts) for (const p of hostProcesses(root, h.ip)) victims.add(p);
  for (const p of victims) {
    try {
      process.kill(p, "SIGKILL");
    } catch {
      /* gone */
    }
  }
  const deadline = Date.now() + 10_000;
  while ([...victims].some(pidAlive) && Date.now() < deadline) await sleep(50);
}

/** The cluster named on a site fault's command line (usage error otherwise). */
export function siteCluster(
  clusters: LabClusterSpec[],
  name: string | undefined,
  fault: string,
): LabClusterSpec {
  const c = clusters.find((x) => x.name === name);
  if (!c) {
    throw new Error(`usage: lab fault ${fault} <cluster> (one of ${clusters.map((x) => x.name).join(", ")})`);
  }
  return c;
}

/** The cluster and host named (by address or host name) on a host fault's command line (usage error otherwise). */
export function siteHost(
  clusters: LabClusterSpec[],
  arg: string | undefined,
  fault: string,
): { cluster: LabClusterSpec; host: LabHost } {
  for (const cluster of clusters) {
    const host = cluster.hosts.find((h) => h.ip === arg || h.name === arg);
    if (host) return { cluster, host };
  }
  throw new Error(
    `usage: lab fault ${fault} <host address or name> (${arg ?? "none given"} is not a host of this lab)`,
  );
}

/** Key of a `host-down` record in the site-down file. */
function hostKey(cluster: LabClusterSpec, host: LabHost): string {
  return `${cluster.name}/${host.name}`;
}

/** Powers `hosts` off under record `key`: routes first (nothing reaches them any more), then freezes them. */
async function powerOff(
  root: string,
  key: string,
  base: Omit<SiteRecord, "frozen" | "at">,
  hosts: LabHost[],
  fault: string,
): Promise<FrozenProc[]> {
  const ipBin = requireRouteControl(fault);
  const sites = readSites(root);
  // record before acting, so a crash half-way is still undone by reset/down
  sites[key] = { ...base, frozen: sites[key]?.frozen ?? [], at: new Date().toISOString() };
  writeSites(root, sites);
  for (const ip of base.ips) await ipRoute(ipBin, "add", ip);
  const frozen = freezeHosts(root, hosts);
  sites[key]!.frozen = [...sites[key]!.frozen, ...frozen];
  writeSites(root, sites);
  return frozen;
}

/** `site-down <cluster>`: every host of the cluster powered off at once. */
export async function siteDown(
  root: string,
  clusters: LabClusterSpec[],
  name: string | undefined,
): Promise<string> {
  requireRouteControl("site-down");
  const c = siteCluster(clusters, name, "site-down");
  const ips = c.hosts.map((h) => h.ip);
  const frozen = await powerOff(root, c.name, { cluster: c.name, ips }, c.hosts, "site-down");
  return `site ${c.name} down: ${ips.join(", ")} unreachable (EHOSTUNREACH), ${frozen.length} process(es) frozen; undo with site-up ${c.name} or reset`;
}

/** `host-down <host>`: one machine powered off, the rest of its cluster untouched. */
export async function hostDown(
  root: string,
  clusters: LabClusterSpec[],
  arg: string | undefined,
): Promise<string> {
  requireRouteControl("host-down");
  const { cluster, host } = siteHost(clusters, arg, "host-down");
  const base = { cluster: cluster.name, host: host.ip, ips: [host.ip] };
  const frozen = await powerOff(root, hostKey(cluster, host), base, [host], "host-down");
  return `host ${host.name} (${host.ip}, cluster ${cluster.name}) down: unreachable (EHOSTUNREACH), ${frozen.length} process(es) frozen; undo with host-up ${host.name} or reset`;
}

/**
 * Powers the hosts of record `key` off for real (SIGKILL of what was frozen and of anything else on them)
 * and removes its routes. Does not start anything. Returns the hosts that were down.
 */
async function restoreRecord(root: string, clusters: LabClusterSpec[], key: string): Promise<LabHost[]> {
  const sites = readSites(root);
  const rec = sites[key];
  const c = clusters.find((x) => x.name === (rec?.cluster ?? key));
  const hosts = (c?.hosts ?? []).filter((h) => (rec ? rec.ips.includes(h.ip) : true));
  if (rec) await killHosts(root, hosts, rec.frozen);
  const ipBin = ipBinary();
  if (ipBin && process.getuid?.() === 0) {
    for (const ip of rec?.ips ?? hosts.map((h) => h.ip)) await ipRoute(ipBin, "del", ip);
  }
  delete sites[key];
  writeSites(root, sites);
  return rec ? hosts : [];
}

/** Powers the hosts of cluster `name` off for real and removes its routes (see `restoreRecord`). */
export function siteRestore(root: string, clusters: LabClusterSpec[], name: string): Promise<LabHost[]> {
  return restoreRecord(root, clusters, name);
}

/** Powers one downed host off for real and removes its route; true when it was down. */
export async function hostRestore(root: string, cluster: LabClusterSpec, host: LabHost): Promise<boolean> {
  return (await restoreRecord(root, [cluster], hostKey(cluster, host))).length > 0;
}

/**
 * Undoes every site-down of the lab (reset, up, down): kills what was frozen, removes the recorded routes,
 * then sweeps the `local` table for unreachable routes of this lab's network. Returns what it did.
 */
export async function restoreAllSites(
  root: string,
  net: number,
  clusters: LabClusterSpec[],
): Promise<string[]> {
  const lines: string[] = [];
  for (const [key, rec] of Object.entries(readSites(root))) {
    const hosts = await restoreRecord(root, clusters, key);
    const what = rec.host ? `host ${key}` : `site ${key}`;
    lines.push(`${what} restored (${hosts.length} host(s) powered off and reachable again)`);
  }
  const ipBin = ipBinary();
  for (const addr of await unreachableRoutes(`127.${net}.`)) {
    if (ipBin) await ipRoute(ipBin, "del", addr);
    lines.push(`${addr}: stale unreachable route removed`);
  }
  return lines;
}

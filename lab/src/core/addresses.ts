/**
 * Lab addresses and topology: which clusters and hosts exist, on which loopback addresses.
 */
import * as path from "node:path";
import type { LabClusterSpec, LabEngine, LabHost } from "../types";

/** Default lab root directory. */
export const DEFAULT_LAB_ROOT = "/var/tmp/pulumi-hadr-lab";
/** Default openGauss dataPortBase. */
export const DEFAULT_PORT_BASE = 26000;
/** Default number of nodes per openGauss cluster. */
export const DEFAULT_NODES = 2;
/** Every engine, in provisioning order. */
export const ALL_ENGINES: readonly LabEngine[] = ["opengauss", "kingbase-v8r3", "kingbase-v8r6"];

/** Lab root from `HADR_LAB_ROOT` (absolute) or the default. */
export function labRootFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  const v = env["HADR_LAB_ROOT"];
  if (!v) return DEFAULT_LAB_ROOT;
  if (!path.isAbsolute(v))
    throw new Error(`HADR_LAB_ROOT must be an absolute path, got ${JSON.stringify(v)}`);
  return path.resolve(v);
}

/** Second address octet from `HADR_LAB_NET` (0..250, default 0). */
export function labNetFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const v = env["HADR_LAB_NET"];
  if (v === undefined || v === "") return 0;
  if (!/^\d+$/.test(v) || Number(v) > 250)
    throw new Error(`HADR_LAB_NET must be an integer 0..250, got ${v}`);
  return Number(v);
}

/** True when `ip` is a dotted IPv4 address in 127.0.0.0/8. */
export function isLoopback(ip: string): boolean {
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  return !!m && m.slice(1).every((x) => Number(x) <= 255);
}

/** Third octet added to an openGauss host's address to get its dedicated replication (stream) address. */
export const STREAM_IP_OFFSET = 10;

/**
 * The dedicated replication-network address of an openGauss host (`127.n.1.i` → `127.n.11.i`,
 * `127.n.2.i` → `127.n.12.i`): a second loopback address the host reports in `hostname -I` and its DN
 * listens on. Undefined for any other address.
 */
export function streamIpFor(ip: string): string | undefined {
  const m = /^127\.(\d+)\.([12])\.(\d+)$/.exec(ip);
  return m ? `127.${m[1]}.${Number(m[2]) + STREAM_IP_OFFSET}.${m[3]}` : undefined;
}

/** Options that fix the topology. */
export interface TopologyOptions {
  root: string;
  net: number;
  nodes: number;
  sshPort: number;
}

interface ClusterLayout {
  name: string;
  engine: LabEngine;
  third: number;
  count: (nodes: number) => number;
  hostName: (i: number) => string;
}

const LAYOUT: ClusterLayout[] = [
  { name: "A", engine: "opengauss", third: 1, count: (n) => n, hostName: (i) => `oga${i}` },
  { name: "B", engine: "opengauss", third: 2, count: (n) => n, hostName: (i) => `ogb${i}` },
  { name: "kbv8r3", engine: "kingbase-v8r3", third: 3, count: () => 2, hostName: (i) => `kb3n${i}` },
  { name: "kbv8r6", engine: "kingbase-v8r6", third: 4, count: () => 2, hostName: (i) => `kb6n${i}` },
];

/** Directory of one host under the lab root. */
export function hostDir(root: string, ip: string): string {
  return path.join(root, "hosts", ip);
}

/**
 * The clusters and hosts of a lab (host-key fingerprints left empty: the keys module fills them).
 * Every cluster always gets its hosts, whichever engines are provisioned.
 */
export function topology(opts: TopologyOptions): LabClusterSpec[] {
  if (!Number.isInteger(opts.nodes) || opts.nodes < 1 || opts.nodes > 8) {
    throw new Error(`--nodes must be an integer 1..8, got ${opts.nodes}`);
  }
  return LAYOUT.map((c) => {
    const hosts: LabHost[] = [];
    for (let i = 1; i <= c.count(opts.nodes); i++) {
      const ip = `127.${opts.net}.${c.third}.${i}`;
      const streamIp = c.engine === "opengauss" ? streamIpFor(ip) : undefined;
      hosts.push({
        ip,
        ...(streamIp ? { streamIp } : {}),
        name: c.hostName(i),
        cluster: c.name,
        index: i,
        sshPort: opts.sshPort,
        fsRoot: path.join(hostDir(opts.root, ip), "fs"),
        hostKeyFingerprint: "",
      });
    }
    return { name: c.name, engine: c.engine, hosts };
  });
}

/** Every host of the clusters, in order. */
export function allHosts(clusters: LabClusterSpec[]): LabHost[] {
  return clusters.flatMap((c) => c.hosts);
}

/** True for hosts of a KingbaseES cluster (root may log in there). */
export function isKingbaseHost(clusters: LabClusterSpec[], host: LabHost): boolean {
  return clusters.some((c) => c.name === host.cluster && c.engine !== "opengauss");
}

/** Parses an `--engines` value: comma list of engines, `all`, or `none`. */
export function parseEngines(v: string | undefined): LabEngine[] {
  if (v === undefined || v === "" || v === "all") return [...ALL_ENGINES];
  if (v === "none") return [];
  const out: LabEngine[] = [];
  for (const word of v.split(",").map((s) => s.trim())) {
    if (!(ALL_ENGINES as readonly string[]).includes(word)) {
      throw new Error(
        `unknown engine ${JSON.stringify(word)} (expected ${ALL_ENGINES.join(", ")}, all or none)`,
      );
    }
    if (!out.includes(word as LabEngine)) out.push(word as LabEngine);
  }
  return out;
}

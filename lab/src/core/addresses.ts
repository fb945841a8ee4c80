/**
 * Lab addresses and topology: which clusters and hosts exist, on which loopback addresses.
 */
import * as path from "node:path";
import type { LabClusterSpec, LabEngine, LabHost } from "../types";

/** Default lab root directory. */
const DEFAULT_LAB_ROOT = "/var/tmp/pulumi-hadr-lab";
/** Default openGauss dataPortBase. */
export const DEFAULT_PORT_BASE = 26000;
/** Default number of nodes per openGauss cluster. */
export const DEFAULT_NODES = 2;
/** Default number of openGauss DR pairs (A,B). */
export const DEFAULT_PAIRS = 1;
/** The openGauss DR pairs the lab can host, in order: `--pairs N` creates the first N. */
export const OG_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ["A", "B"],
  ["C", "D"],
];
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
const STREAM_IP_OFFSET = 10;

/**
 * The dedicated replication-network address of an openGauss host (`127.n.x.i` → `127.n.(x+10).i` for the
 * openGauss third octets 1, 2, 5, 6: A, B, C, D): a second loopback address the host reports in `hostname -I`
 * and its DN listens on. Undefined for any other address.
 */
export function streamIpFor(ip: string): string | undefined {
  const m = /^127\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m || !OG_THIRDS.includes(Number(m[2]))) return undefined;
  return `127.${m[1]}.${Number(m[2]) + STREAM_IP_OFFSET}.${m[3]}`;
}

/** Options that fix the topology. */
export interface TopologyOptions {
  root: string;
  net: number;
  nodes: number;
  /** openGauss DR pairs (1..{@link OG_PAIRS}.length, default 1): 2 adds clusters C and D. */
  pairs?: number;
  sshPort: number;
}

interface ClusterLayout {
  name: string;
  engine: LabEngine;
  /** Third address octet of the hosts (their stream addresses, openGauss only, use third + 10). */
  third: number;
  /** openGauss: the pair (1-based) the cluster belongs to; it exists only when `pairs` ≥ this. */
  pair?: number;
  count: (nodes: number) => number;
  hostName: (i: number) => string;
}

/**
 * Every cluster the lab can have. Third octets in use: 1-6 hosts, 11, 12, 15, 16 the openGauss stream
 * addresses, 99 an address no host has (self-tests); KingbaseES VIPs live in their cluster's /24.
 */
const LAYOUT: ClusterLayout[] = [
  { name: "A", engine: "opengauss", third: 1, pair: 1, count: (n) => n, hostName: (i) => `oga${i}` },
  { name: "B", engine: "opengauss", third: 2, pair: 1, count: (n) => n, hostName: (i) => `ogb${i}` },
  { name: "C", engine: "opengauss", third: 5, pair: 2, count: (n) => n, hostName: (i) => `ogc${i}` },
  { name: "D", engine: "opengauss", third: 6, pair: 2, count: (n) => n, hostName: (i) => `ogd${i}` },
  { name: "kbv8r3", engine: "kingbase-v8r3", third: 3, count: () => 2, hostName: (i) => `kb3n${i}` },
  { name: "kbv8r6", engine: "kingbase-v8r6", third: 4, count: () => 3, hostName: (i) => `kb6n${i}` },
];

/** Third octets of openGauss hosts (those with a stream address). */
const OG_THIRDS = LAYOUT.filter((c) => c.engine === "opengauss").map((c) => c.third);

/** The DR peer of an openGauss cluster (`A`↔`B`, `C`↔`D`), undefined for any other name. */
export function peerOf(cluster: string): string | undefined {
  const p = OG_PAIRS.find((x) => x.includes(cluster));
  return p ? (p[0] === cluster ? p[1] : p[0]) : undefined;
}

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
  const pairs = opts.pairs ?? DEFAULT_PAIRS;
  if (!Number.isInteger(pairs) || pairs < 1 || pairs > OG_PAIRS.length) {
    throw new Error(`--pairs must be an integer 1..${OG_PAIRS.length}, got ${opts.pairs}`);
  }
  return LAYOUT.filter((c) => (c.pair ?? 1) <= pairs).map((c) => {
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

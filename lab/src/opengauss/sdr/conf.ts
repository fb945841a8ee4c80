/**
 * DR configuration input (§2): the install XML's `localStreamIpmap1`/`remoteStreamIpmap1`/`remotedataPortBase`
 * or a `--json` file, turned into `localClusterConf`/`remoteClusterConf`, and the `cluster_conf_record` format
 * (Python `json.dump` with default separators, key order remote then local).
 */
import * as fs from "node:fs";
import { LogExit, SdrException } from "./errors";

/** One node of a shard. */
export interface ConfNode {
  ip: string;
  dataIp: string;
  shardNum?: string | number;
  [k: string]: unknown;
}

/** `{"port": …, "shards": [[…]]}`. */
export interface ClusterConf {
  port: number;
  shards: ConfNode[][];
  [k: string]: unknown;
}

/** Both sides, as gs_sdr keeps them. */
export interface DrConf {
  localClusterConf: ClusterConf;
  remoteClusterConf: ClusterConf;
}

const IPV4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6 = /^([0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}$/;

/** True for an IPv4 or full 8-group IPv6 address (OM's `is_valid_ip` regexes). */
function isValidIp(ip: unknown): ip is string {
  return typeof ip === "string" && (IPV4.test(ip) || IPV6.test(ip));
}

function decodeEntities(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** The `<PARAM name=… value=…/>` pairs of every `<DEVICE>` of an install XML. */
function xmlDevices(xml: string): Array<Record<string, string>> {
  if (!/<ROOT[\s>]/.test(xml) || !/<\/ROOT>/.test(xml)) {
    throw new SdrException("xml.etree.ElementTree.ParseError: no element found: line 1, column 0");
  }
  const devices: Array<Record<string, string>> = [];
  const devRe = /<DEVICE\b[^>]*>([\s\S]*?)<\/DEVICE>/g;
  for (let m = devRe.exec(xml); m; m = devRe.exec(xml)) {
    const params: Record<string, string> = {};
    const pRe = /<PARAM\b([^>]*?)\/?>/g;
    for (let p = pRe.exec(m[1]!); p; p = pRe.exec(m[1]!)) {
      const attrs = p[1]!;
      const name = /\bname\s*=\s*"([^"]*)"/.exec(attrs)?.[1];
      const value = /\bvalue\s*=\s*"([^"]*)"/.exec(attrs)?.[1];
      if (name !== undefined) params[decodeEntities(name)] = decodeEntities(value ?? "");
    }
    devices.push(params);
  }
  return devices;
}

/** Parses an ipmap `(sshIp,dataIp),(sshIp,dataIp)` into nodes (§2.1). */
function parseIpmap(value: string, what: string): ConfNode[] {
  const nodes: ConfNode[] = [];
  for (const raw of value.split("(")) {
    const part = raw.replace(/\)\s*,?\s*$/, "").trim();
    if (!part) continue;
    const pair = part.split(",").map((s) => s.trim());
    if (pair.length !== 2 || !isValidIp(pair[0]) || !isValidIp(pair[1])) {
      throw new LogExit(
        `[GAUSS-51236] : Failed to parsing xml.The XML file format is incorrect. check ${what} is correct`,
      );
    }
    nodes.push({ ip: pair[0]!, dataIp: pair[1]! });
  }
  return nodes;
}

/** Derives local/remote conf from an install XML (`parse_stream_cluster_info`, `__cluster_conf_parser`). */
function confFromXml(xml: string): DrConf {
  const devices = xmlDevices(xml);
  const master = devices.find((d) => "dataNode1" in d) ?? {};
  const localPort = Number.parseInt(master["dataPortBase"] ?? "40000", 10);
  const local: ClusterConf = { port: Number.isNaN(localPort) ? 40000 : localPort, shards: [] };
  const remote: ClusterConf = { port: 0, shards: [] };
  const lmap = master["localStreamIpmap1"];
  if (lmap !== undefined) {
    const rmap = master["remoteStreamIpmap1"];
    const rport = master["remotedataPortBase"];
    if (rmap === undefined || rport === undefined || !/^\d+$/.test(rport)) {
      throw new LogExit(
        "[GAUSS-51236] : Failed to parsing xml.The XML file format is incorrect. check streamInfo config is correct",
      );
    }
    local.shards = [parseIpmap(lmap, "localStreamIpmap")];
    remote.shards = [parseIpmap(rmap, "remoteStreamIpmap")];
    remote.port = Number.parseInt(rport, 10);
  }
  return { localClusterConf: local, remoteClusterConf: remote };
}

/** Reads the `--json` file's two keys (other keys ignored). */
function confFromJson(text: string): DrConf {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new SdrException(`json.decoder.JSONDecodeError: ${(e as Error).message}`);
  }
  const d = (data ?? {}) as Record<string, unknown>;
  return {
    localClusterConf: (d["localClusterConf"] ?? {}) as ClusterConf,
    remoteClusterConf: (d["remoteClusterConf"] ?? {}) as ClusterConf,
  };
}

/** Step 4 of §1.3: reads `--json` (wins) or `-X`, with the GAUSS-50010/50026 errors. Returns undefined when neither is given. */
export function loadConf(xmlPath: string | undefined, jsonPath: string | undefined): DrConf | undefined {
  let conf: DrConf;
  if (jsonPath) {
    if (!fs.existsSync(jsonPath) || !fs.statSync(jsonPath).isFile()) {
      throw new LogExit("[GAUSS-50010] : Failed to check --json parameter. Json file is not exist.");
    }
    conf = confFromJson(fs.readFileSync(jsonPath, "utf8"));
  } else if (xmlPath) {
    if (!fs.existsSync(xmlPath) || !fs.statSync(xmlPath).isFile()) {
      throw new LogExit(
        "[GAUSS-50010] : Failed to check -X parameter. XML file and json file are all not exist.",
      );
    }
    conf = confFromXml(fs.readFileSync(xmlPath, "utf8"));
  } else {
    return undefined;
  }
  const ls = Array.isArray(conf.localClusterConf?.shards) ? conf.localClusterConf.shards.length : 0;
  const rs = Array.isArray(conf.remoteClusterConf?.shards) ? conf.remoteClusterConf.shards.length : 0;
  if (rs === 0 || ls !== rs) {
    throw new LogExit("[GAUSS-50026] : Failed to check streaming DR parameters in the XML file.");
  }
  return conf;
}

/** `check_local_cluster_conf` / `check_remote_cluster_conf`. */
export function validateClusterConf(conf: ClusterConf | undefined, name: string): void {
  const bad = (why: string) =>
    new LogExit(`[GAUSS-50026] : Failed to check streaming DR parameters in the XML file. ${name}: ${why}`);
  if (!conf || typeof conf !== "object" || Array.isArray(conf)) throw bad("not a dict");
  const port = String(conf.port ?? "");
  if (!/^\d+$/.test(port) || Number(port) > 65535) throw bad("port");
  if (!Array.isArray(conf.shards)) throw bad("shards");
  for (const shard of conf.shards) {
    if (!Array.isArray(shard)) throw bad("shards");
    for (const n of shard) {
      if (!isValidIp(n?.ip) || !isValidIp(n?.dataIp)) throw bad(`ip ${String(n?.ip)}/${String(n?.dataIp)}`);
    }
  }
}

/** Serializes like Python's `json.dumps` with default separators (`", "`, `": "`). */
function pyJsonDumps(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return `[${v.map(pyJsonDumps).join(", ")}]`;
  if (typeof v === "object") {
    return `{${Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${JSON.stringify(k)}: ${pyJsonDumps(x)}`)
      .join(", ")}}`;
  }
  if (typeof v === "string")
    return JSON.stringify(v).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  return String(v);
}

/** The one-line `cluster_conf_record` content: remote first, then local. */
export function clusterConfRecord(conf: DrConf): string {
  return pyJsonDumps({ remoteClusterConf: conf.remoteClusterConf, localClusterConf: conf.localClusterConf });
}

/** The shard number of a node (default '1'). */
export function shardOf(n: ConfNode): string {
  return String(n.shardNum ?? "1");
}

/**
 * Parser of an openGauss install XML (the `gs_preinstall`/`gs_install` cluster configuration file) into a typed
 * {@link ClusterTopology}: the DN shard in `dataNode1` order, paths, CM settings and the optional DR params of
 * `gs_sdr` (`localStreamIpmap1`, `remoteStreamIpmap1`, `remotedataPortBase`, docs/vendor/opengauss-gs_sdr.md §2.1).
 *
 * Pure: takes the XML content, never a path. Every problem found is reported, each naming the property path
 * given by the caller (e.g. `clusters.A.xml`).
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { type PropertyFailure, ValidationError } from "../../errors";

/** openGauss default DN base port when the master DEVICE has no `dataPortBase` (`MASTER_BASEPORT_DATA`). */
export const MASTER_BASEPORT_DATA = 40000;

/** First DN instance id of shard 1 in a centralized cluster (the master's DN); standbys follow in `dataNode1` order. */
export const FIRST_DN_INSTANCE_ID = 6001;

/** Names of the three DR PARAMs gs_sdr reads from the master DEVICE (only the `…1` names are whitelisted). */
export const DR_XML_PARAMS = ["localStreamIpmap1", "remoteStreamIpmap1", "remotedataPortBase"] as const;

const IPV4_OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/** A dotted-quad IPv4 address, each octet 0..255 without leading zeros. */
export const IPV4_PATTERN = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);

/** True when `s` is a dotted-quad IPv4 address. */
export function isIpv4(s: string): boolean {
  return IPV4_PATTERN.test(s);
}

/** One `(sshIp,dataIp)` pair of a `…StreamIpmap1` value: management (SSH) IP and streaming (replication) IP. */
export interface StreamIpPair {
  /** SSH / management IP of the node (gs_sdr matches it against `hostname -I`). */
  ip: string;
  /** Streaming (replication) IP of the node. */
  dataIp: string;
}

/** DR params found in an XML (user-supplied), already parsed. */
export interface XmlDrParams {
  /** This cluster's DN nodes. */
  localStreamIpmap1: StreamIpPair[];
  /** The peer cluster's DN nodes. */
  remoteStreamIpmap1: StreamIpPair[];
  /** The peer cluster's `dataPortBase`. */
  remotedataPortBase: number;
}

/** One `<DEVICE>` (host) of the XML. */
export interface ClusterDevice {
  /** Host name (`name` PARAM, falling back to the `sn` attribute). */
  name: string;
  /** SSH / management IP (`sshIp1`, defaulting to `backIp1`). */
  sshIp: string;
  /** Back-end (internal) IP (`backIp1`); the data (streaming) IP of its DN. */
  backIp: string;
}

/** One DN instance of the shard, in `dataNode1` order. */
export interface DataNode extends ClusterDevice {
  /** DN data directory on that host. */
  dataDir: string;
  /** True for the DEVICE that carries `dataNode1` (the install-time primary). */
  isMaster: boolean;
  /** Instance id OM assigns in a centralized cluster: 6001 for the master, then 6002, … in `dataNode1` order. */
  instanceId: number;
}

/** CM settings read from the master DEVICE (all optional in the XML). */
export interface CmSettings {
  /** `cmDir` of the master DEVICE. */
  cmDir?: string;
  /** `cmServerPortBase`. */
  serverPortBase?: number;
  /** Hosts running a cm_server (`cmServerRelation`; every DEVICE when absent). */
  serverNodes: string[];
}

/** Install paths of the `<CLUSTER>` element. */
export interface ClusterPaths {
  /** `gaussdbAppPath` ($GAUSSHOME). */
  appPath: string;
  /** `gaussdbLogPath` ($GAUSSLOG). */
  logPath?: string;
  /** `tmpMppdbPath` ($PGHOST, root of gs_sdr's state). */
  tmpPath?: string;
  /** `gaussdbToolPath` ($GPHOME). */
  toolPath?: string;
}

/** What pulumi-hadr needs to know about one openGauss cluster, from its install XML. */
export interface ClusterTopology {
  /** `clusterName`. */
  name: string;
  /** DN base port (`dataPortBase` of the master DEVICE, default 40000). */
  dataPortBase: number;
  /** DN HA (replication) port: `dataPortBase + 1`. */
  haPort: number;
  /** Name of the DEVICE carrying `dataNode1`. */
  masterNode: string;
  /** The DN shard in `dataNode1` order (master first). */
  dataNodes: DataNode[];
  /** Every DEVICE in DEVICELIST order. */
  devices: ClusterDevice[];
  /** Install paths. */
  paths: ClusterPaths;
  /** CM settings. */
  cm: CmSettings;
  /** DR params already present in the XML, if any. */
  drParams?: XmlDrParams;
}

/** Result of {@link readClusterXml}: the topology when the XML is usable, and every failure found. */
export interface ClusterXmlResult {
  /** Set when no failure was found. */
  topology?: ClusterTopology;
  /** Every problem, each naming `property`. */
  failures: PropertyFailure[];
}

type XmlNode = Record<string, unknown>;

/** Parses a `(ip,dataIp),(ip,dataIp)` value (§2.1); returns the pairs or the reason it is malformed. */
export function parseStreamIpmap(text: string): { pairs: StreamIpPair[] } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === "") return { error: "is empty" };
  const pairRe = /\(\s*([^(),\s]*)\s*,\s*([^(),\s]*)\s*\)/y;
  const pairs: StreamIpPair[] = [];
  let pos = 0;
  while (pos < trimmed.length) {
    if (pairs.length > 0) {
      const sep = /\s*,\s*/y;
      sep.lastIndex = pos;
      if (!sep.exec(trimmed)) return { error: `expected "," between pairs at character ${pos + 1}` };
      pos = sep.lastIndex;
    }
    pairRe.lastIndex = pos;
    const m = pairRe.exec(trimmed);
    if (!m) return { error: `expected "(sshIp,dataIp)" at character ${pos + 1}` };
    const [, ip, dataIp] = m as unknown as [string, string, string];
    if (!isIpv4(ip)) return { error: `"${ip}" is not an IPv4 address` };
    if (!isIpv4(dataIp)) return { error: `"${dataIp}" is not an IPv4 address` };
    pairs.push({ ip, dataIp });
    pos = pairRe.lastIndex;
  }
  return { pairs };
}

/** Formats pairs as gs_sdr's `(ip,dataIp),(ip,dataIp)` XML value. */
export function formatStreamIpmap(pairs: readonly StreamIpPair[]): string {
  return pairs.map((p) => `(${p.ip},${p.dataIp})`).join(",");
}

function asArray(v: unknown): XmlNode[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v])
    .map((x) => (x === "" ? {} : x))
    .filter((x): x is XmlNode => typeof x === "object" && x !== null);
}

function attr(node: XmlNode, name: string): string | undefined {
  const v = node[`@_${name}`];
  return v === undefined || v === null ? undefined : String(v);
}

/** Reads the `<PARAM name value/>` children of an element; duplicate names are reported. */
function readParams(el: XmlNode, where: string, fail: (reason: string) => void): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of asArray(el["PARAM"])) {
    const name = attr(p, "name");
    if (name === undefined || name === "") {
      fail(`${where} has a PARAM without a name attribute`);
      continue;
    }
    if (out.has(name)) {
      fail(`${where} sets PARAM "${name}" more than once`);
      continue;
    }
    out.set(name, (attr(p, "value") ?? "").trim());
  }
  return out;
}

function splitList(v: string): string[] {
  return v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

function parsePort(v: string): number | undefined {
  if (!/^\d{1,5}$/.test(v)) return undefined;
  const n = Number(v);
  return n >= 1 && n <= 65530 ? n : undefined;
}

const ABSOLUTE_PATH = /^\/[^\0\n]*$/;

/**
 * Parses and checks an install XML. Never throws: every problem becomes a failure naming `property`
 * (for example `clusters.A.xml: DEVICE "ogb2" is named in dataNode1 but not in DEVICELIST`).
 */
export function readClusterXml(xml: string, property = "xml"): ClusterXmlResult {
  const failures: PropertyFailure[] = [];
  const fail = (reason: string): void => {
    failures.push({ property, reason });
  };
  if (typeof xml !== "string" || xml.trim() === "") {
    fail("must be the content of the cluster's install XML (not empty)");
    return { failures };
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    fail(`is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
    return { failures };
  }
  let doc: XmlNode;
  try {
    doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "@_",
      parseAttributeValue: false,
      parseTagValue: false,
      processEntities: true,
      isArray: (name) => name === "PARAM" || name === "DEVICE" || name === "CLUSTER" || name === "DEVICELIST",
    }).parse(xml) as XmlNode;
  } catch (e) {
    fail(`is not well-formed XML: ${e instanceof Error ? e.message : String(e)}`);
    return { failures };
  }
  const root = doc["ROOT"];
  if (typeof root !== "object" || root === null || Array.isArray(root)) {
    fail("must have a single <ROOT> element");
    return { failures };
  }
  const clusterEls = asArray((root as XmlNode)["CLUSTER"]);
  const listEls = asArray((root as XmlNode)["DEVICELIST"]);
  if (clusterEls.length !== 1) fail("<ROOT> must contain exactly one <CLUSTER> element");
  if (listEls.length !== 1) fail("<ROOT> must contain exactly one <DEVICELIST> element");
  if (clusterEls.length !== 1 || listEls.length !== 1) return { failures };

  const cluster = readParams(clusterEls[0]!, "<CLUSTER>", fail);
  const name = cluster.get("clusterName") ?? "";
  if (name === "") fail('<CLUSTER> needs PARAM "clusterName"');
  const nodeNames = splitList(cluster.get("nodeNames") ?? "");
  if (nodeNames.length === 0) fail('<CLUSTER> needs PARAM "nodeNames" (comma-separated host names)');
  const backIp1s = splitList(cluster.get("backIp1s") ?? "");
  if (backIp1s.length === 0) fail('<CLUSTER> needs PARAM "backIp1s" (comma-separated IPv4 addresses)');
  for (const ip of backIp1s) if (!isIpv4(ip)) fail(`<CLUSTER> backIp1s: "${ip}" is not an IPv4 address`);
  const appPath = cluster.get("gaussdbAppPath") ?? "";
  if (appPath === "") fail('<CLUSTER> needs PARAM "gaussdbAppPath"');
  const paths: ClusterPaths = { appPath };
  const optionalPaths: Array<[keyof ClusterPaths, string]> = [
    ["appPath", "gaussdbAppPath"],
    ["logPath", "gaussdbLogPath"],
    ["tmpPath", "tmpMppdbPath"],
    ["toolPath", "gaussdbToolPath"],
  ];
  for (const [key, param] of optionalPaths) {
    const v = cluster.get(param);
    if (v === undefined || v === "") continue;
    if (!ABSOLUTE_PATH.test(v)) fail(`<CLUSTER> ${param} must be an absolute path`);
    paths[key] = v;
  }

  // DEVICELIST
  const devices: ClusterDevice[] = [];
  const deviceParams = new Map<string, Map<string, string>>();
  const seenIps = new Map<string, string>();
  for (const dev of asArray(listEls[0]!["DEVICE"])) {
    const sn = attr(dev, "sn");
    const where = `DEVICE${sn ? ` "${sn}"` : ""}`;
    const params = readParams(dev, where, fail);
    const devName = params.get("name") || sn || "";
    if (devName === "") {
      fail(`a DEVICE has neither a "name" PARAM nor an sn attribute`);
      continue;
    }
    if (deviceParams.has(devName)) {
      fail(`DEVICE "${devName}" appears more than once in DEVICELIST`);
      continue;
    }
    const backIp = params.get("backIp1") ?? "";
    const sshIp = params.get("sshIp1") || backIp;
    let ok = true;
    if (!isIpv4(backIp)) {
      fail(
        `DEVICE "${devName}" needs PARAM "backIp1" with an IPv4 address${backIp ? ` (got "${backIp}")` : ""}`,
      );
      ok = false;
    }
    if (!isIpv4(sshIp)) {
      fail(`DEVICE "${devName}" sshIp1 "${sshIp}" is not an IPv4 address`);
      ok = false;
    }
    for (const ip of ok ? new Set([backIp, sshIp]) : []) {
      const other = seenIps.get(ip);
      if (other !== undefined && other !== devName)
        fail(`DEVICE "${devName}" and DEVICE "${other}" both use ${ip}`);
      seenIps.set(ip, devName);
    }
    for (const key of params.keys()) {
      const m = /^(localStreamIpmap|remoteStreamIpmap|remotedataPortBase)(\d+)$/.exec(key);
      if (m && m[2] !== "1") {
        fail(
          `DEVICE "${devName}": PARAM "${key}" is not accepted by gs_sdr (only ${DR_XML_PARAMS.join(", ")})`,
        );
      }
    }
    deviceParams.set(devName, params);
    if (ok) devices.push({ name: devName, sshIp, backIp });
  }
  if (deviceParams.size === 0) {
    fail("<DEVICELIST> has no DEVICE");
    return { failures };
  }

  // nodeNames / backIp1s must agree with DEVICELIST
  for (const n of nodeNames) {
    if (!deviceParams.has(n)) fail(`nodeNames lists "${n}", which has no DEVICE in DEVICELIST`);
  }
  if (nodeNames.length > 0) {
    for (const n of deviceParams.keys()) {
      if (!nodeNames.includes(n)) fail(`DEVICE "${n}" is not listed in nodeNames`);
    }
  }
  if (backIp1s.length > 0) {
    for (const d of devices) {
      if (!backIp1s.includes(d.backIp))
        fail(`backIp1 ${d.backIp} of DEVICE "${d.name}" is not listed in backIp1s`);
    }
    for (const ip of backIp1s) {
      if (!devices.some((d) => d.backIp === ip)) fail(`backIp1s lists ${ip}, which no DEVICE has as backIp1`);
    }
  }

  // The master DEVICE: the one carrying dataNode1.
  const masters = [...deviceParams.entries()].filter(([, p]) => p.has("dataNode1"));
  if (masters.length === 0) {
    fail('no DEVICE carries "dataNode1" (the DN shard)');
    return { failures };
  }
  if (masters.length > 1) {
    fail(`only one DEVICE may carry "dataNode1"; found ${masters.map(([n]) => `"${n}"`).join(", ")}`);
    return { failures };
  }
  const [masterName, mp] = masters[0]!;
  for (const [devName, p] of deviceParams) {
    if (devName === masterName) continue;
    for (const k of ["dataNum", "dataPortBase", ...DR_XML_PARAMS]) {
      if (p.has(k))
        fail(
          `DEVICE "${devName}" sets "${k}", which belongs on the DEVICE carrying dataNode1 ("${masterName}")`,
        );
    }
  }
  const dataNum = mp.get("dataNum");
  if (dataNum !== undefined && dataNum !== "1") {
    fail(`DEVICE "${masterName}" dataNum must be 1 (gs_sdr supports one DN shard), got "${dataNum}"`);
  }
  for (const k of mp.keys()) {
    if (/^dataNode([2-9]|\d\d+)$/.test(k))
      fail(`DEVICE "${masterName}" sets "${k}": only one DN shard (dataNode1) is supported`);
  }
  let dataPortBase = MASTER_BASEPORT_DATA;
  const portText = mp.get("dataPortBase");
  if (portText !== undefined) {
    const p = parsePort(portText);
    if (p === undefined)
      fail(`DEVICE "${masterName}" dataPortBase must be a port 1..65530, got "${portText}"`);
    else dataPortBase = p;
  }
  const dn = splitList(mp.get("dataNode1") ?? "");
  const dataNodes: DataNode[] = [];
  if (dn.length === 0 || dn.length % 2 === 0) {
    fail(`DEVICE "${masterName}" dataNode1 must be "<dir>,<standbyName>,<dir>,…" (got ${dn.length} items)`);
  } else {
    const entries: Array<[string, string]> = [[masterName, dn[0]!]];
    for (let i = 1; i < dn.length; i += 2) entries.push([dn[i]!, dn[i + 1]!]);
    const seen = new Set<string>();
    entries.forEach(([nodeName, dir], i) => {
      if (seen.has(nodeName)) {
        fail(`DEVICE "${nodeName}" is named more than once in dataNode1`);
        return;
      }
      seen.add(nodeName);
      if (!ABSOLUTE_PATH.test(dir))
        fail(`dataNode1: data directory "${dir}" of "${nodeName}" must be an absolute path`);
      const dev = devices.find((d) => d.name === nodeName);
      if (!deviceParams.has(nodeName)) {
        fail(`DEVICE "${nodeName}" is named in dataNode1 but not in DEVICELIST`);
        return;
      }
      if (!dev) return; // its own failure was already reported
      dataNodes.push({ ...dev, dataDir: dir, isMaster: i === 0, instanceId: FIRST_DN_INSTANCE_ID + i });
    });
  }

  // CM
  const cm: CmSettings = { serverNodes: [...deviceParams.keys()] };
  const cmDir = mp.get("cmDir");
  if (cmDir) cm.cmDir = cmDir;
  const cmPort = mp.get("cmServerPortBase");
  if (cmPort !== undefined) {
    const p = parsePort(cmPort);
    if (p === undefined) fail(`DEVICE "${masterName}" cmServerPortBase must be a port, got "${cmPort}"`);
    else cm.serverPortBase = p;
  }
  const relation = splitList(mp.get("cmServerRelation") ?? "");
  if (relation.length > 0) {
    for (const n of relation) {
      if (!deviceParams.has(n)) fail(`cmServerRelation names "${n}", which has no DEVICE in DEVICELIST`);
    }
    cm.serverNodes = relation.filter((n) => deviceParams.has(n));
  }

  // Optional DR params (§2.1 rules).
  let drParams: XmlDrParams | undefined;
  const localText = mp.get("localStreamIpmap1");
  const remoteText = mp.get("remoteStreamIpmap1");
  const remotePortText = mp.get("remotedataPortBase");
  if (localText !== undefined) {
    const local = parseStreamIpmap(localText);
    const remote = remoteText === undefined ? undefined : parseStreamIpmap(remoteText);
    const rport = remotePortText === undefined ? undefined : parsePort(remotePortText);
    if ("error" in local)
      fail(`localStreamIpmap1 ${local.error} (gs_sdr: check localStreamIpmap is correct)`);
    if (remote === undefined)
      fail(
        "localStreamIpmap1 is set but remoteStreamIpmap1 is missing (gs_sdr: check streamInfo config is correct)",
      );
    else if ("error" in remote)
      fail(`remoteStreamIpmap1 ${remote.error} (gs_sdr: check localStreamIpmap is correct)`);
    if (rport === undefined) {
      fail(
        `remotedataPortBase must be the peer's dataPortBase (digits, 1..65530)${remotePortText === undefined ? " but is missing" : `, got "${remotePortText}"`} (gs_sdr: check streamInfo config is correct)`,
      );
    }
    if ("pairs" in local && remote && "pairs" in remote && rport !== undefined) {
      drParams = {
        localStreamIpmap1: local.pairs,
        remoteStreamIpmap1: remote.pairs,
        remotedataPortBase: rport,
      };
    }
  } else if (remoteText !== undefined || remotePortText !== undefined) {
    fail(
      "remoteStreamIpmap1/remotedataPortBase are set but localStreamIpmap1 is missing; give all three or none",
    );
  }

  if (failures.length > 0) return { failures };
  const topology: ClusterTopology = {
    name,
    dataPortBase,
    haPort: dataPortBase + 1,
    masterNode: masterName,
    dataNodes,
    devices,
    paths,
    cm,
  };
  if (drParams) topology.drParams = drParams;
  return { topology, failures };
}

/** Parses an install XML; throws a {@link ValidationError} listing every failure (each naming `property`). */
export function parseClusterXml(xml: string, property = "xml"): ClusterTopology {
  const { topology, failures } = readClusterXml(xml, property);
  if (!topology) throw new ValidationError(failures);
  return topology;
}

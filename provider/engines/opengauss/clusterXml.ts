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
const MASTER_BASEPORT_DATA = 40000;

/** First DN instance id of shard 1 in a centralized cluster (the master's DN); standbys follow in `dataNode1` order. */
const FIRST_DN_INSTANCE_ID = 6001;

/** Names of the three DR PARAMs gs_sdr reads from the master DEVICE (only the `…1` names are whitelisted). */
export const DR_XML_PARAMS = ["localStreamIpmap1", "remoteStreamIpmap1", "remotedataPortBase"] as const;

const IPV4_OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
/** A dotted-quad IPv4 address, each octet 0..255 without leading zeros. */
const IPV4_PATTERN = new RegExp(`^${IPV4_OCTET}(?:\\.${IPV4_OCTET}){3}$`);

/** True when `s` is a dotted-quad IPv4 address. */
function isIpv4(s: string): boolean {
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
interface CmSettings {
  /** `cmDir` of the master DEVICE. */
  cmDir?: string;
  /** `cmServerPortBase`. */
  serverPortBase?: number;
  /** Hosts running a cm_server (`cmServerRelation`; every DEVICE when absent). */
  serverNodes: string[];
}

/** Install paths of the `<CLUSTER>` element. */
interface ClusterPaths {
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

/** Reports one problem of the XML (the property is the caller's). */
type Fail = (reason: string) => void;

/** The two top-level elements every install XML has. */
interface XmlSections {
  /** The `<CLUSTER>` element. */
  cluster: XmlNode;
  /** The `<DEVICELIST>` element. */
  deviceList: XmlNode;
}

/** What the `<CLUSTER>` element says. */
interface ClusterParams {
  name: string;
  /** `nodeNames`, split. */
  nodeNames: string[];
  /** `backIp1s`, split. */
  backIp1s: string[];
  paths: ClusterPaths;
}

/** The DEVICEs of the DEVICELIST: the usable ones, and the PARAMs of every named one. */
interface Devices {
  /** Devices whose IPs are valid, in DEVICELIST order. */
  usable: ClusterDevice[];
  /** PARAMs of every named DEVICE (valid IPs or not), by name. */
  params: Map<string, Map<string, string>>;
}

/** The DEVICE carrying `dataNode1`. */
interface MasterDevice {
  name: string;
  params: Map<string, string>;
}

/** Phase 1: well-formed XML with one `<ROOT>` holding one `<CLUSTER>` and one `<DEVICELIST>`. */
function readSections(xml: string, fail: Fail): XmlSections | null {
  if (typeof xml !== "string" || xml.trim() === "") {
    fail("must be the content of the cluster's install XML (not empty)");
    return null;
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    fail(`is not well-formed XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`);
    return null;
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
    return null;
  }
  const root = doc["ROOT"];
  if (typeof root !== "object" || root === null || Array.isArray(root)) {
    fail("must have a single <ROOT> element");
    return null;
  }
  const clusterEls = asArray((root as XmlNode)["CLUSTER"]);
  const listEls = asArray((root as XmlNode)["DEVICELIST"]);
  if (clusterEls.length !== 1) fail("<ROOT> must contain exactly one <CLUSTER> element");
  if (listEls.length !== 1) fail("<ROOT> must contain exactly one <DEVICELIST> element");
  if (clusterEls.length !== 1 || listEls.length !== 1) return null;
  return { cluster: clusterEls[0]!, deviceList: listEls[0]! };
}

/** Phase 2: the `<CLUSTER>` PARAMs: name, node and IP lists, install paths. */
function readClusterParams(el: XmlNode, fail: Fail): ClusterParams {
  const cluster = readParams(el, "<CLUSTER>", fail);
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
  const pathParams: Array<[keyof ClusterPaths, string]> = [
    ["appPath", "gaussdbAppPath"],
    ["logPath", "gaussdbLogPath"],
    ["tmpPath", "tmpMppdbPath"],
    ["toolPath", "gaussdbToolPath"],
  ];
  for (const [key, param] of pathParams) {
    const v = cluster.get(param);
    if (v === undefined || v === "") continue;
    if (!ABSOLUTE_PATH.test(v)) fail(`<CLUSTER> ${param} must be an absolute path`);
    paths[key] = v;
  }
  return { name, nodeNames, backIp1s, paths };
}

/** Phase 3: every DEVICE of the DEVICELIST, its name and IPs (no IP shared by two DEVICEs). */
function readDevices(list: XmlNode, fail: Fail): Devices {
  const usable: ClusterDevice[] = [];
  const params = new Map<string, Map<string, string>>();
  const seenIps = new Map<string, string>();
  for (const dev of asArray(list["DEVICE"])) {
    const sn = attr(dev, "sn");
    const p = readParams(dev, `DEVICE${sn ? ` "${sn}"` : ""}`, fail);
    const name = p.get("name") || sn || "";
    if (name === "") {
      fail(`a DEVICE has neither a "name" PARAM nor an sn attribute`);
      continue;
    }
    if (params.has(name)) {
      fail(`DEVICE "${name}" appears more than once in DEVICELIST`);
      continue;
    }
    const device = deviceIps(name, p, fail);
    for (const ip of device ? new Set([device.backIp, device.sshIp]) : []) {
      const other = seenIps.get(ip);
      if (other !== undefined && other !== name)
        fail(`DEVICE "${name}" and DEVICE "${other}" both use ${ip}`);
      seenIps.set(ip, name);
    }
    checkDrParamNames(name, p, fail);
    params.set(name, p);
    if (device) usable.push(device);
  }
  return { usable, params };
}

/** A DEVICE's back-end and SSH IPs (`sshIp1` defaults to `backIp1`), or null when one is not IPv4. */
function deviceIps(name: string, params: Map<string, string>, fail: Fail): ClusterDevice | null {
  const backIp = params.get("backIp1") ?? "";
  const sshIp = params.get("sshIp1") || backIp;
  let ok = true;
  if (!isIpv4(backIp)) {
    fail(`DEVICE "${name}" needs PARAM "backIp1" with an IPv4 address${backIp ? ` (got "${backIp}")` : ""}`);
    ok = false;
  }
  if (!isIpv4(sshIp)) {
    fail(`DEVICE "${name}" sshIp1 "${sshIp}" is not an IPv4 address`);
    ok = false;
  }
  return ok ? { name, sshIp, backIp } : null;
}

/** gs_sdr reads only the `…1` DR PARAMs: any other index is refused. */
function checkDrParamNames(device: string, params: Map<string, string>, fail: Fail): void {
  for (const key of params.keys()) {
    const m = /^(localStreamIpmap|remoteStreamIpmap|remotedataPortBase)(\d+)$/.exec(key);
    if (m && m[2] !== "1") {
      fail(`DEVICE "${device}": PARAM "${key}" is not accepted by gs_sdr (only ${DR_XML_PARAMS.join(", ")})`);
    }
  }
}

/** Phase 4: `nodeNames` and `backIp1s` of `<CLUSTER>` agree with the DEVICELIST. */
function checkNodeLists(cluster: ClusterParams, devices: Devices, fail: Fail): void {
  const { nodeNames, backIp1s } = cluster;
  for (const n of nodeNames) {
    if (!devices.params.has(n)) fail(`nodeNames lists "${n}", which has no DEVICE in DEVICELIST`);
  }
  if (nodeNames.length > 0) {
    for (const n of devices.params.keys()) {
      if (!nodeNames.includes(n)) fail(`DEVICE "${n}" is not listed in nodeNames`);
    }
  }
  if (backIp1s.length > 0) {
    for (const d of devices.usable) {
      if (!backIp1s.includes(d.backIp))
        fail(`backIp1 ${d.backIp} of DEVICE "${d.name}" is not listed in backIp1s`);
    }
    for (const ip of backIp1s) {
      if (!devices.usable.some((d) => d.backIp === ip))
        fail(`backIp1s lists ${ip}, which no DEVICE has as backIp1`);
    }
  }
}

/** Phase 5: the one DEVICE carrying `dataNode1`; the shard's PARAMs on no other DEVICE. */
function findMaster(devices: Devices, fail: Fail): MasterDevice | null {
  const masters = [...devices.params.entries()].filter(([, p]) => p.has("dataNode1"));
  if (masters.length === 0) {
    fail('no DEVICE carries "dataNode1" (the DN shard)');
    return null;
  }
  if (masters.length > 1) {
    fail(`only one DEVICE may carry "dataNode1"; found ${masters.map(([n]) => `"${n}"`).join(", ")}`);
    return null;
  }
  const [name, params] = masters[0]!;
  for (const [devName, p] of devices.params) {
    if (devName === name) continue;
    for (const k of ["dataNum", "dataPortBase", ...DR_XML_PARAMS]) {
      if (p.has(k))
        fail(`DEVICE "${devName}" sets "${k}", which belongs on the DEVICE carrying dataNode1 ("${name}")`);
    }
  }
  return { name, params };
}

/** Phase 6: the DN shard: one shard, its base port, and its instances in `dataNode1` order. */
function readShard(
  master: MasterDevice,
  devices: Devices,
  fail: Fail,
): { dataPortBase: number; dataNodes: DataNode[] } {
  const mp = master.params;
  const dataNum = mp.get("dataNum");
  if (dataNum !== undefined && dataNum !== "1") {
    fail(`DEVICE "${master.name}" dataNum must be 1 (gs_sdr supports one DN shard), got "${dataNum}"`);
  }
  for (const k of mp.keys()) {
    if (/^dataNode([2-9]|\d\d+)$/.test(k))
      fail(`DEVICE "${master.name}" sets "${k}": only one DN shard (dataNode1) is supported`);
  }
  let dataPortBase = MASTER_BASEPORT_DATA;
  const portText = mp.get("dataPortBase");
  if (portText !== undefined) {
    const p = parsePort(portText);
    if (p === undefined)
      fail(`DEVICE "${master.name}" dataPortBase must be a port 1..65530, got "${portText}"`);
    else dataPortBase = p;
  }
  return { dataPortBase, dataNodes: readDataNodes(master, devices, fail) };
}

/** The DN instances of `dataNode1` (`<dir>,<standbyName>,<dir>,…`): master first, then the standbys. */
function readDataNodes(master: MasterDevice, devices: Devices, fail: Fail): DataNode[] {
  const dn = splitList(master.params.get("dataNode1") ?? "");
  if (dn.length === 0 || dn.length % 2 === 0) {
    fail(`DEVICE "${master.name}" dataNode1 must be "<dir>,<standbyName>,<dir>,…" (got ${dn.length} items)`);
    return [];
  }
  const entries: Array<[string, string]> = [[master.name, dn[0]!]];
  for (let i = 1; i < dn.length; i += 2) entries.push([dn[i]!, dn[i + 1]!]);
  const dataNodes: DataNode[] = [];
  const seen = new Set<string>();
  entries.forEach(([nodeName, dir], i) => {
    if (seen.has(nodeName)) {
      fail(`DEVICE "${nodeName}" is named more than once in dataNode1`);
      return;
    }
    seen.add(nodeName);
    if (!ABSOLUTE_PATH.test(dir))
      fail(`dataNode1: data directory "${dir}" of "${nodeName}" must be an absolute path`);
    if (!devices.params.has(nodeName)) {
      fail(`DEVICE "${nodeName}" is named in dataNode1 but not in DEVICELIST`);
      return;
    }
    const dev = devices.usable.find((d) => d.name === nodeName);
    if (!dev) return; // its own failure was already reported
    dataNodes.push({ ...dev, dataDir: dir, isMaster: i === 0, instanceId: FIRST_DN_INSTANCE_ID + i });
  });
  return dataNodes;
}

/** Phase 7: CM settings of the master DEVICE (cm_server on every DEVICE unless `cmServerRelation` says). */
function readCm(master: MasterDevice, devices: Devices, fail: Fail): CmSettings {
  const mp = master.params;
  const cm: CmSettings = { serverNodes: [...devices.params.keys()] };
  const cmDir = mp.get("cmDir");
  if (cmDir) cm.cmDir = cmDir;
  const cmPort = mp.get("cmServerPortBase");
  if (cmPort !== undefined) {
    const p = parsePort(cmPort);
    if (p === undefined) fail(`DEVICE "${master.name}" cmServerPortBase must be a port, got "${cmPort}"`);
    else cm.serverPortBase = p;
  }
  const relation = splitList(mp.get("cmServerRelation") ?? "");
  if (relation.length > 0) {
    for (const n of relation) {
      if (!devices.params.has(n)) fail(`cmServerRelation names "${n}", which has no DEVICE in DEVICELIST`);
    }
    cm.serverNodes = relation.filter((n) => devices.params.has(n));
  }
  return cm;
}

/** Phase 8: the optional DR PARAMs of the master DEVICE: all three or none (§2.1 rules). */
function readDrParams(master: MasterDevice, fail: Fail): XmlDrParams | undefined {
  const localText = master.params.get("localStreamIpmap1");
  const remoteText = master.params.get("remoteStreamIpmap1");
  const remotePortText = master.params.get("remotedataPortBase");
  if (localText === undefined) {
    if (remoteText !== undefined || remotePortText !== undefined)
      fail(
        "remoteStreamIpmap1/remotedataPortBase are set but localStreamIpmap1 is missing; give all three or none",
      );
    return undefined;
  }
  const local = parseStreamIpmap(localText);
  const remote = remoteText === undefined ? undefined : parseStreamIpmap(remoteText);
  const rport = remotePortText === undefined ? undefined : parsePort(remotePortText);
  if ("error" in local) fail(`localStreamIpmap1 ${local.error} (gs_sdr: check localStreamIpmap is correct)`);
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
    return { localStreamIpmap1: local.pairs, remoteStreamIpmap1: remote.pairs, remotedataPortBase: rport };
  }
  return undefined;
}

/**
 * Parses and checks an install XML. Never throws: every problem becomes a failure naming `property`
 * (for example `clusters.A.xml: DEVICE "ogb2" is named in dataNode1 but not in DEVICELIST`).
 */
export function readClusterXml(xml: string, property = "xml"): ClusterXmlResult {
  const failures: PropertyFailure[] = [];
  const fail: Fail = (reason) => {
    failures.push({ property, reason });
  };
  const sections = readSections(xml, fail);
  if (!sections) return { failures };
  const cluster = readClusterParams(sections.cluster, fail);
  const devices = readDevices(sections.deviceList, fail);
  if (devices.params.size === 0) {
    fail("<DEVICELIST> has no DEVICE");
    return { failures };
  }
  checkNodeLists(cluster, devices, fail);
  const master = findMaster(devices, fail);
  if (!master) return { failures };
  const { dataPortBase, dataNodes } = readShard(master, devices, fail);
  const cm = readCm(master, devices, fail);
  const drParams = readDrParams(master, fail);
  if (failures.length > 0) return { failures };
  return {
    topology: {
      name: cluster.name,
      dataPortBase,
      haPort: dataPortBase + 1,
      masterNode: master.name,
      dataNodes,
      devices: devices.usable,
      paths: cluster.paths,
      cm,
      ...(drParams ? { drParams } : {}),
    },
    failures,
  };
}

/** Parses an install XML; throws a {@link ValidationError} listing every failure (each naming `property`). */
export function parseClusterXml(xml: string, property = "xml"): ClusterTopology {
  const { topology, failures } = readClusterXml(xml, property);
  if (!topology) throw new ValidationError(failures);
  return topology;
}

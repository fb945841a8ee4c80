/**
 * gs_sdr's DR parameters, derived from the two clusters' topologies (docs/vendor/opengauss-gs_sdr.md §2):
 * the three XML PARAMs (`localStreamIpmap1`, `remoteStreamIpmap1`, `remotedataPortBase`), the DR-extended XML
 * for `gs_sdr -X`, the `--json` form (`localClusterConf`/`remoteClusterConf`) and the exact one-line
 * `streaming_cabin/cluster_conf_record` gs_sdr writes. Pure string work: no I/O.
 *
 * By default each pair is `(sshIp1, backIp1)` of a DN. A user may give other pairs (in the XML or `drParams`), e.g. a
 * dedicated replication network: gs_sdr only needs the `ip` half of a pair bound on its DN's host (`hostname -I`,
 * `__get_local_data_ip`); the `dataIp` half is what replconninfo and the DR pg_hba lines use.
 */

import { ParseError } from "../../errors";
import {
  type ClusterTopology,
  type DataNode,
  DR_XML_PARAMS,
  formatStreamIpmap,
  readClusterXml,
  type StreamIpPair,
  type XmlDrParams,
} from "./clusterXml";

/** The three DR PARAMs of one cluster, as gs_sdr reads them from the master DEVICE. */
export interface DrParams {
  /** `(sshIp,dataIp),…` of this cluster's DN nodes, in dataNode1 order. */
  localStreamIpmap1: string;
  /** `(sshIp,dataIp),…` of the peer cluster's DN nodes, in its dataNode1 order. */
  remoteStreamIpmap1: string;
  /** The peer cluster's dataPortBase. */
  remotedataPortBase: number;
}

/** One side of gs_sdr's in-memory/JSON cluster conf: `{port, shards: [[{ip, dataIp}, …]]}`. */
interface ClusterConf {
  /** DN base port (`dataPortBase`) of that cluster. */
  port: number;
  /** One shard (centralized) of `{ip, dataIp}` nodes. */
  shards: StreamIpPair[][];
}

/** The `--json` file content / gs_sdr's parsed DR configuration of one cluster. */
export interface ClusterConfPair {
  /** This cluster. */
  localClusterConf: ClusterConf;
  /** The peer cluster. */
  remoteClusterConf: ClusterConf;
}

/** The default pairs: `(sshIp1, backIp1)` of every DN, in dataNode1 order. */
function derivedStreamIpPairs(t: ClusterTopology): StreamIpPair[] {
  return t.dataNodes.map((n) => ({ ip: n.sshIp, dataIp: n.backIp }));
}

/** This cluster's pairs as gs_sdr uses them: the user's `localStreamIpmap1` when given, else the derived ones. */
export function streamIpPairs(t: ClusterTopology): StreamIpPair[] {
  return t.drParams?.localStreamIpmap1 ?? derivedStreamIpPairs(t);
}

/** The peer's pairs as `local`'s gs_sdr uses them: `local`'s `remoteStreamIpmap1` when given, else the peer's own. */
export function remoteStreamIpPairs(local: ClusterTopology, remote: ClusterTopology): StreamIpPair[] {
  return local.drParams?.remoteStreamIpmap1 ?? streamIpPairs(remote);
}

/**
 * The pair of a DN as gs_sdr picks it: the first pair whose `ip` is one of the host's addresses (`hostIps`, its
 * `hostname -I`; without them, the DN's XML addresses). Undefined when none is bound there.
 */
export function pairOfDn(
  t: ClusterTopology,
  dn: DataNode,
  hostIps?: readonly string[],
): StreamIpPair | undefined {
  const ips = hostIps && hostIps.length > 0 ? hostIps : [dn.sshIp, dn.backIp];
  return streamIpPairs(t).find((p) => ips.includes(p.ip));
}

/** Derives the DR PARAMs of `local` whose peer is `remote`. */
export function deriveDrParams(local: ClusterTopology, remote: ClusterTopology): DrParams {
  return {
    localStreamIpmap1: formatStreamIpmap(streamIpPairs(local)),
    remoteStreamIpmap1: formatStreamIpmap(remoteStreamIpPairs(local, remote)),
    remotedataPortBase: remote.dataPortBase,
  };
}

function pairKey(p: StreamIpPair): string {
  return `(${p.ip},${p.dataIp})`;
}

function samePairSet(a: readonly StreamIpPair[], b: readonly StreamIpPair[]): boolean {
  const ka = a.map(pairKey).sort();
  const kb = b.map(pairKey).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

function duplicate(values: readonly string[]): string | undefined {
  return values.find((x, i) => values.indexOf(x) !== i);
}

/**
 * Checks user-supplied DR params of `local` (whose peer is `remote`, with its own effective pairs): one pair per
 * DN, no address twice, the remote map equal to the pairs the peer uses, the peer's dataPortBase. Returns one
 * reason per failing PARAM (empty when they hold). Pair order is not significant. Which host each pair's `ip` is
 * bound on is checked against the hosts before anything runs (preflight), not here.
 */
export function compareDrParams(
  supplied: XmlDrParams,
  local: ClusterTopology,
  remote: ClusterTopology,
  names: { local: string; remote: string } = { local: local.name, remote: remote.name },
): Array<{ param: (typeof DR_XML_PARAMS)[number]; reason: string }> {
  const out: Array<{ param: (typeof DR_XML_PARAMS)[number]; reason: string }> = [];
  const lp = supplied.localStreamIpmap1;
  const twice = duplicate(lp.map((p) => p.ip)) ?? duplicate(lp.map((p) => p.dataIp));
  if (lp.length !== local.dataNodes.length) {
    out.push({
      param: "localStreamIpmap1",
      reason: `has ${lp.length} pair(s); cluster "${names.local}" has ${local.dataNodes.length} DN(s): one (ip,dataIp) pair per DN, its ip bound on the DN's host (default ${formatStreamIpmap(derivedStreamIpPairs(local))})`,
    });
  } else if (twice !== undefined) {
    out.push({ param: "localStreamIpmap1", reason: `names ${twice} twice: each DN needs its own pair` });
  }
  const peer = streamIpPairs(remote);
  if (!samePairSet(supplied.remoteStreamIpmap1, peer)) {
    out.push({
      param: "remoteStreamIpmap1",
      reason: `contradicts the topology of the peer cluster "${names.remote}": expected ${formatStreamIpmap(peer)} (the pairs it uses), got ${formatStreamIpmap(supplied.remoteStreamIpmap1)}`,
    });
  }
  if (supplied.remotedataPortBase !== remote.dataPortBase) {
    out.push({
      param: "remotedataPortBase",
      reason: `contradicts the peer cluster "${names.remote}": its dataPortBase is ${remote.dataPortBase}, got ${supplied.remotedataPortBase}`,
    });
  }
  return out;
}

/** gs_sdr's `localClusterConf`/`remoteClusterConf` for `local` (§2.2). */
export function clusterConfPair(local: ClusterTopology, remote: ClusterTopology): ClusterConfPair {
  return {
    localClusterConf: { port: local.dataPortBase, shards: [streamIpPairs(local)] },
    remoteClusterConf: { port: remote.dataPortBase, shards: [remoteStreamIpPairs(local, remote)] },
  };
}

/** Python's `json.dumps` with default separators (`", "`, `": "`) and ensure_ascii, for plain JSON values. */
function pythonJsonDumps(value: unknown): string {
  if (value === null) return "null";
  if (typeof value === "string") {
    return JSON.stringify(value).replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
    );
  }
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(", ")}]`;
  if (typeof value === "object") {
    return `{${Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${pythonJsonDumps(k)}: ${pythonJsonDumps(v)}`)
      .join(", ")}}`;
  }
  throw new TypeError(`not a JSON value: ${typeof value}`);
}

/**
 * The exact content of `$PGHOST/streaming_cabin/cluster_conf_record` gs_sdr writes on `local`:
 * `json.dump({"remoteClusterConf": …, "localClusterConf": …})` on one line, remote first, no trailing newline.
 */
export function clusterConfRecordLine(local: ClusterTopology, remote: ClusterTopology): string {
  const { localClusterConf, remoteClusterConf } = clusterConfPair(local, remote);
  return pythonJsonDumps({ remoteClusterConf, localClusterConf });
}

interface ParamTag {
  start: number;
  end: number;
  name: string | undefined;
}

function paramTags(block: string): ParamTag[] {
  const out: ParamTag[] = [];
  const re = /<PARAM\b([^>]*?)\/?>/g;
  for (let m = re.exec(block); m; m = re.exec(block)) {
    const nameMatch = /\bname\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(m[1] ?? "");
    out.push({
      start: m.index,
      end: m.index + m[0].length,
      name: nameMatch ? (nameMatch[1] ?? nameMatch[2]) : undefined,
    });
  }
  return out;
}

/**
 * The DR-extended XML gs_sdr's `-X` needs for `local`: the original XML with the three DR PARAMs put in the
 * master DEVICE right after `dataPortBase` (existing DR PARAMs are replaced). Formatting of everything else is
 * kept byte for byte. The result is re-parsed and checked; a mismatch throws a {@link ParseError}.
 */
export function renderDrXml(originalXml: string, local: ClusterTopology, remote: ClusterTopology): string {
  const params = deriveDrParams(local, remote);
  const deviceRe = /<DEVICE\b[^>]*>[\s\S]*?<\/DEVICE>/g;
  let out: string | undefined;
  for (let m = deviceRe.exec(originalXml); m; m = deviceRe.exec(originalXml)) {
    const block = m[0];
    const tags = paramTags(block);
    if (!tags.some((t) => t.name === "dataNode1")) continue;
    // Drop existing DR PARAMs (with the whitespace that precedes them on their line).
    let edited = block;
    for (const t of [...tags].reverse()) {
      if (t.name === undefined || !(DR_XML_PARAMS as readonly string[]).includes(t.name)) continue;
      let s = t.start;
      while (s > 0 && (edited[s - 1] === " " || edited[s - 1] === "\t")) s--;
      if (s > 0 && edited[s - 1] === "\n") s--;
      if (s > 0 && edited[s - 1] === "\r") s--;
      edited = edited.slice(0, s) + edited.slice(t.end);
    }
    const after = paramTags(edited);
    const anchor =
      after.find((t) => t.name === "dataPortBase") ??
      after.find((t) => t.name === "dataNode1") ??
      after[after.length - 1]!;
    const lineStart = edited.lastIndexOf("\n", anchor.start) + 1;
    const indentMatch = /^[ \t]*/.exec(edited.slice(lineStart, anchor.start));
    const indent = indentMatch ? indentMatch[0] : "";
    const eol = originalXml.includes("\r\n") ? "\r\n" : "\n";
    const inserted = [
      `<PARAM name="localStreamIpmap1" value="${params.localStreamIpmap1}"/>`,
      `<PARAM name="remoteStreamIpmap1" value="${params.remoteStreamIpmap1}"/>`,
      `<PARAM name="remotedataPortBase" value="${params.remotedataPortBase}"/>`,
    ]
      .map((l) => `${eol}${indent}${l}`)
      .join("");
    edited = edited.slice(0, anchor.end) + inserted + edited.slice(anchor.end);
    out = originalXml.slice(0, m.index) + edited + originalXml.slice(m.index + block.length);
    break;
  }
  if (out === undefined)
    throw new ParseError(`cluster "${local.name}": no DEVICE carrying dataNode1 found in the XML`);
  const check = readClusterXml(out, "xml");
  const dr = check.topology?.drParams;
  if (
    !dr ||
    formatStreamIpmap(dr.localStreamIpmap1) !== params.localStreamIpmap1 ||
    formatStreamIpmap(dr.remoteStreamIpmap1) !== params.remoteStreamIpmap1 ||
    dr.remotedataPortBase !== params.remotedataPortBase ||
    check.topology?.dataNodes.map((n) => n.name).join(",") !== local.dataNodes.map((n) => n.name).join(",")
  ) {
    throw new ParseError(
      `cluster "${local.name}": could not add the DR params to the XML${check.failures.length ? `: ${check.failures.map((f) => f.reason).join("; ")}` : ""}`,
    );
  }
  return out;
}

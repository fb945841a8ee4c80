/**
 * DN configuration changes of gs_sdr (§3.3, §3.8): replconninfoN entries, the pg_hba DR lines, the GUC
 * checks/backups (`check_dn_instance_params`, `set_most_available`, `restore_guc_params`).
 */

import { shq } from "../../core/shell";
import type { OmBehaviour } from "../release";
import { lines, type StreamingBase } from "./base";
import { cabinFile, readCabin } from "./cabin";
import { shardOf } from "./conf";
import { CABIN_FILES, MAX_REPL_NUMS } from "./consts";
import { gauss51632, LogExit, SdrException } from "./errors";
import { type InstanceStatus, normalDns, primaryDns } from "./status";

const IP = "(?:(?:\\d{1,3}\\.){3}\\d{1,3}|(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4})";
const PORT = "(\\d{4,5})";

function countOf(hay: string, needle: string): number {
  return hay.split(needle).length - 1;
}

/** The 8 bare fields of a replconninfo value found in `gs_guc check` output, or undefined. */
function parseReplInfo(out: string, idx: number): RegExpExecArray | null {
  const re = new RegExp(
    `replconninfo${idx}='localhost=(${IP}) localport=${PORT} localheartbeatport=${PORT} localservice=${PORT} remotehost=(${IP}) remoteport=${PORT} remoteheartbeatport=${PORT} remoteservice=${PORT}`,
  );
  return re.exec(out);
}

function bare(m: RegExpExecArray): string {
  return `localhost=${m[1]} localport=${m[2]} localheartbeatport=${m[3]} localservice=${m[4]} remotehost=${m[5]} remoteport=${m[6]} remoteheartbeatport=${m[7]} remoteservice=${m[8]}`;
}

/**
 * `__get_local_data_ip`: the dataIp of the first localClusterConf pair (shard order) whose `ip` is one of
 * the DN host's addresses (`hostname -I` there; the lab's wrapper reports the host address and its stream
 * address). So a pair `(backIp, streamIp)` puts the DN's replication on the stream network.
 */
async function localDataIp(base: StreamingBase, inst: InstanceStatus): Promise<string> {
  const nodes = (base.params.conf?.localClusterConf.shards ?? []).flat();
  const r = await base.on(inst.nodeIp, 'echo "$HADR_LAB_HOST $(hostname -I 2>/dev/null)"', {
    timeoutMs: 30000,
  });
  const ips = r.stdout.split(/\s+/).filter(Boolean);
  const hit = nodes.find((n) => ips.includes(n.ip));
  if (!hit) throw new SdrException(gauss51632("obtain shards from local cluster info"));
  return hit.dataIp;
}

/** `config_streaming_repl_info` for one DN (§3.3 A). */
async function configOneDn(base: StreamingBase, inst: InstanceStatus, mode: string): Promise<void> {
  let k: number | undefined;
  let ports: [string, string, string] | undefined;
  for (let idx = 1; idx <= MAX_REPL_NUMS; idx++) {
    const out = await base.gucCheck(inst, `replconninfo${idx}`);
    if (countOf(out, "=NULL") > 2 || out.includes("iscrossregion=true")) {
      k = idx;
      break;
    }
    // 5.0.0 has no skip: the empty slot fails the search below
    if (!base.env.om.emptyReplconninfoFails && countOf(out, `replconninfo${idx}=''`) >= 2) continue;
    const m = parseReplInfo(out, idx);
    if (!m) throw new SdrException(gauss51632("search repl infos"));
    const value = `${bare(m)} iscascade=true iscrossregion=false`;
    const r = await base.gucDn(inst, mode, `replconninfo${idx} = '${value}'`);
    if (r.code !== 0) throw new SdrException(gauss51632(`config repl info of dn:${inst.instanceId}`));
    ports = [m[2]!, m[3]!, m[4]!];
  }
  if (k === undefined)
    throw new SdrException(gauss51632(`config repl info, no free replconninfo of dn:${inst.instanceId}`));
  if (!ports) throw new SdrException("TypeError: cannot unpack non-iterable NoneType object");
  const ldip = await localDataIp(base, inst);
  const remote = base.params.conf!.remoteClusterConf;
  const rp = Number(remote.port);
  for (const shard of remote.shards) {
    for (const r of shard) {
      if (shardOf(r) !== "1") continue;
      if (k > MAX_REPL_NUMS)
        throw new SdrException(
          gauss51632(`config repl info, too many replconninfo of dn:${inst.instanceId}`),
        );
      const value = `localhost=${ldip} localport=${ports[0]} localheartbeatport=${ports[1]} localservice=${ports[2]} remotehost=${r.dataIp} remoteport=${rp + 1} remoteheartbeatport=${rp + 5} remoteservice=${rp + 4} iscascade=false iscrossregion=true`;
      const res = await base.gucDn(inst, mode, `replconninfo${k} = '${value}'`);
      if (res.code !== 0) throw new SdrException(gauss51632(`config repl info of dn:${inst.instanceId}`));
      k++;
    }
  }
}

/** `config_streaming_repl_info`: every local DN, in parallel; mode `reload` (primary) or `set`. */
export async function configStreamingReplInfo(base: StreamingBase, mode: string): Promise<void> {
  base.logger.debug(`Start config streaming repl info with mode [${mode}].`);
  await Promise.all(base.status.dns.map((d) => configOneDn(base, d, mode)));
  base.logger.debug("Successfully config streaming repl info.");
}

/** `get_all_dn_num_for_dr`: remote shard sizes plus local peers (default 8 without the record). */
function allDnNum(base: StreamingBase): number {
  const text = readCabin(base.env.pghost, CABIN_FILES.clusterConf);
  if (text === undefined && !base.params.conf) return MAX_REPL_NUMS;
  const conf = base.params.conf!;
  const remote = conf.remoteClusterConf.shards.reduce((a, s) => a + s.length, 0);
  const local = conf.localClusterConf.shards.reduce((a, s) => a + s.length, 0);
  return Math.min(MAX_REPL_NUMS, remote + Math.max(local - 1, 0));
}

/** `remove_all_stream_repl_infos` (§3.8). */
export async function removeAllStreamReplInfos(base: StreamingBase, mode: string): Promise<void> {
  base.logger.log("Starting remove all node dn instances repl infos.");
  const n = allDnNum(base);
  const normal = new Set(normalDns(base.status).map((d) => d.instanceId));
  await Promise.all(
    base.status.dns.map(async (d) => {
      if (!normal.has(d.instanceId)) {
        base.logger.error(`Ignore rectify repl info of dn:${d.instanceId}`);
        return;
      }
      for (let idx = 1; idx <= n; idx++) {
        const out = await base.gucCheck(d, `replconninfo${idx}`);
        if (countOf(out, "=NULL") > 2) continue;
        if (out.includes("iscrossregion=true")) {
          const r = await base.on(
            d.nodeIp,
            `gs_guc ${mode} -Z datanode -D ${shq(d.dataPath)} -c "replconninfo${idx}"`,
            {
              timeoutMs: 120000,
            },
          );
          if (r.code !== 0) throw new SdrException(gauss51632(`remove repl info of dn:${d.instanceId}`));
        } else if (out.includes("iscrossregion=false")) {
          const m = parseReplInfo(out, idx);
          if (!m) continue;
          const r = await base.gucDn(d, mode, `replconninfo${idx} = '${bare(m)}'`);
          if (r.code !== 0) throw new SdrException(gauss51632(`rectify repl info of dn:${d.instanceId}`));
        }
      }
    }),
  );
  base.logger.log("Successfully remove all node dn instances repl infos.");
}

/**
 * The replication segment of a dataIp. From v6.0.2 (`fromIpType`) `get_ip_cidr_segment`: by `IP_TYPE`,
 * '' when it is neither ipv4 nor ipv6; before, always the IPv4 split `a.b.0.0/16`.
 */
function ipSegment(ip: string, ipType: string, fromIpType = true): string {
  if (!fromIpType || ipType === "ipv4") {
    const p = ip.split(".");
    return `${p[0]}.${p[1]}.0.0/16`;
  }
  if (ipType === "ipv6") {
    const p = ip.split(":");
    return `${p[0]}:${p[1]}::/64`;
  }
  return "";
}

/** Remote dataIps of shard 1 from `cluster_conf_record` (or the in-memory conf). */
function remoteDataIps(base: StreamingBase): string[] {
  const conf = base.params.conf;
  if (!conf) return [];
  return conf.remoteClusterConf.shards
    .flat()
    .filter((n) => shardOf(n) === "1")
    .map((n) => n.dataIp);
}

/**
 * The DR lines for one remote dataIp (§3.3 B), fields separated by four spaces; the
 * `host replication <pguser> <ip> trust` line only where the release writes it (master).
 */
function hbaLinesFor(dataIp: string, pguser: string, ipType: string, om: OmBehaviour): string[] {
  const mask = dataIp.includes(":") ? "128" : "32";
  return [
    `host    all    ${pguser}    ${dataIp}/${mask}    trust`,
    ...(om.replicationTrustLines ? [`host    replication    ${pguser}    ${dataIp}/${mask}    trust`] : []),
    `host    all    all    ${dataIp}/${mask}    sha256`,
    `host    replication    all    ${ipSegment(dataIp, ipType, om.segmentFromIpType)}    sha256`,
  ];
}

async function applyHba(
  base: StreamingBase,
  inst: InstanceStatus,
  hbaLines: string[],
  tryReload: boolean,
): Promise<boolean> {
  if (hbaLines.length === 0) return true;
  for (let i = 0; i < hbaLines.length; i += 1000) {
    const batch = hbaLines.slice(i, i + 1000);
    const args = batch.map((l) => `-h ${shq(l)}`).join(" ");
    let ok = false;
    if (tryReload) {
      const r = await base.on(inst.nodeIp, `gs_guc reload -Z datanode -D ${shq(inst.dataPath)} ${args}`, {
        timeoutMs: 120000,
      });
      ok = r.code === 0;
    }
    if (!ok) {
      const r = await base.on(inst.nodeIp, `gs_guc set -Z datanode -D ${shq(inst.dataPath)} ${args}`, {
        timeoutMs: 120000,
      });
      ok = r.code === 0;
    }
    if (!ok) return false;
  }
  return true;
}

/**
 * The normal install lines ConfigHba re-applies before anything else (§3.3 B): for every IP of the local
 * cluster `host all <pguser> <ip> trust` and `host all all <ip> sha256`; master (`replicationTrust`) also
 * adds `host replication <pguser> <haIp> trust` for the DN HA IPs.
 */
function installHbaLines(localIps: readonly string[], pguser: string, replicationTrust: boolean): string[] {
  const out: string[] = [];
  for (const ip of localIps) {
    const mask = ip.includes(":") ? "128" : "32";
    out.push(
      `host    all    ${pguser}    ${ip}/${mask}    trust`,
      `host    all    all    ${ip}/${mask}    sha256`,
    );
  }
  for (const ip of replicationTrust ? localIps : []) {
    out.push(`host    replication    ${pguser}    ${ip}/${ip.includes(":") ? "128" : "32"}    trust`);
  }
  return out;
}

function localIps(base: StreamingBase): string[] {
  return [...new Set(base.status.dns.map((d) => d.nodeIp))];
}

/** `update_streaming_pg_hba`: the install lines, then the DR lines, on every DN. */
export async function updateStreamingPgHba(base: StreamingBase, tryReload: boolean): Promise<void> {
  base.logger.log("Start update pg_hba config.");
  const hba = [
    ...installHbaLines(localIps(base), base.env.pguser, base.env.om.replicationTrustLines),
    ...remoteDataIps(base).flatMap((ip) => hbaLinesFor(ip, base.env.pguser, base.env.ipType, base.env.om)),
  ];
  const results = await Promise.all(base.status.dns.map((d) => applyHba(base, d, hba, tryReload)));
  if (results.some((ok) => !ok)) throw new SdrException(gauss51632("update pg_hba config"));
  base.logger.log("Successfully update pg_hba config.");
}

/** `remove_streaming_pg_hba`: comments out the DR lines (the `replication <pguser>` one stays, as in master). */
export async function removeStreamingPgHba(base: StreamingBase, ignoreError: boolean): Promise<void> {
  base.logger.log("Start remove pg_hba config.");
  const out: string[] = [];
  for (const ip of remoteDataIps(base)) {
    const mask = ip.includes(":") ? "128" : "32";
    out.push(`host    all    all    ${ip}/${mask}`, `host    all    ${base.env.pguser}    ${ip}/${mask}`);
    const seg = `host    replication    all    ${ipSegment(ip, base.env.ipType, base.env.om.segmentFromIpType)}`;
    if (!out.includes(seg)) out.push(seg);
  }
  const results = await Promise.all(base.status.dns.map((d) => applyHba(base, d, out, true)));
  if (results.some((ok) => !ok) && !ignoreError) throw new SdrException(gauss51632("remove pg_hba config"));
  base.logger.log("Finished remove pg_hba config.");
}

// ---------------------------------------------------------------- GUC parameters

function guardBackupLines(base: StreamingBase): Array<[string, string, string]> {
  const text = readCabin(base.env.pghost, CABIN_FILES.gucBackup) ?? "";
  return lines(text).map((l) => {
    const [g, v, t] = l.split(",");
    return [g ?? "", v ?? "", t ?? ""];
  });
}

async function backupGuc(base: StreamingBase, guc: string, old: string): Promise<void> {
  const existing = guardBackupLines(base);
  if (existing.some(([g]) => g === guc)) return;
  existing.push([guc, old, base.traceId]);
  await base.distributeCabinFile(CABIN_FILES.gucBackup, `${existing.map((e) => e.join(",")).join("\n")}\n`);
}

async function show(base: StreamingBase, inst: InstanceStatus, guc: string): Promise<string | undefined> {
  const r = await base.sql(inst, `show ${guc};`);
  if (r.code !== 0) return undefined;
  return lines(r.stdout)[0];
}

/** `check_dn_instance_params`: enable_dcf off; synchronous_commit on; most_available_sync on (≤ 2 DNs). */
export async function checkDnInstanceParams(base: StreamingBase): Promise<void> {
  const d = primaryDns(base.status)[0] ?? normalDns(base.status)[0];
  if (!d) throw new LogExit(gauss51632("check dn instance params, no normal dn instance"));
  const dcf = await show(base, d, "enable_dcf");
  if (dcf === "on") {
    throw new LogExit(gauss51632("check [show enable_dcf;], Actual value: [on], expect value: [off]"));
  }
  const sc = await show(base, d, "synchronous_commit");
  if (sc !== undefined && sc !== "on") {
    await backupGuc(base, "synchronous_commit", sc);
    const r = await base.gucAll("reload", "synchronous_commit=on");
    if (r.code !== 0) throw new SdrException(gauss51632("set synchronous_commit=on"));
  }
  if (base.status.dns.length <= 2) {
    const mas = await show(base, d, "most_available_sync");
    if (mas !== undefined && mas !== "on") {
      await backupGuc(base, "most_available_sync", mas);
      const r = await base.gucAll("reload", "most_available_sync=on");
      if (r.code !== 0) throw new SdrException(gauss51632("set most_available_sync=on"));
    }
  }
}

/** `set_most_available(mode)`: most_available_sync=on and synchronous_commit=on when ≤ 2 DNs. */
export async function setMostAvailable(base: StreamingBase, mode: string): Promise<void> {
  if (base.status.dns.length > 2) return;
  for (const kv of ["most_available_sync=on", "synchronous_commit=on"]) {
    const r = await base.gucAll(mode, kv);
    if (r.code !== 0) base.logger.debug(`Failed to ${mode} ${kv}: ${(r.stdout + r.stderr).trim()}`);
  }
}

/** `restore_guc_params`: synchronous_commit back (other than on/off → off); most_available_sync kept when ≤ 2 DNs. */
export async function restoreGucParams(base: StreamingBase): Promise<void> {
  for (const [guc, old] of guardBackupLines(base)) {
    if (guc === "most_available_sync" && base.status.dns.length <= 2) continue;
    const v = guc === "synchronous_commit" ? (old === "on" || old === "off" ? old : "off") : old;
    const r = await base.gucAll("reload", `${guc}=${v}`);
    if (r.code !== 0) base.logger.debug(`Failed to restore ${guc}: ${(r.stdout + r.stderr).trim()}`);
  }
  base.logger.debug(`Restored guc params from ${cabinFile(base.env.pghost, CABIN_FILES.gucBackup)}.`);
}

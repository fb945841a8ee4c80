/**
 * Helpers for lab tests that drive gs_sdr on the openGauss clusters over SSH (the pair A,B, and C,D when the
 * lab has two pairs): run commands as the openGauss user, build the DR XML of a cluster, parse `query`, and
 * dissolve whatever DR pair an earlier test file left behind (so every file starts from plain clusters).
 */
import { OG_PAIRS } from "./core/addresses";
import { ensureLab, labCli, type OmVersionChoice, sshExec } from "./fixture";
import type { LabInfo, LabRunResult } from "./types";

/** Runs a command on a lab host as the openGauss user with the env file sourced (bounded). */
export function omm(lab: LabInfo, ip: string, cmd: string, timeoutMs = 120_000, input?: string) {
  const user = lab.clusters["A"]?.user ?? "omm";
  const opts = input === undefined ? { timeoutMs } : { timeoutMs, input };
  return sshExec(lab, ip, user, `source ~/.bashrc >/dev/null 2>&1; ${cmd}`, opts);
}

/**
 * A cluster's stream IP map (`(ip,dataIp),…`): `(ip,ip)` per host, or with `streamIps` `(ip,streamIp)` —
 * replication over the hosts' dedicated replication addresses.
 */
function streamIpMap(lab: LabInfo, cluster: string, streamIps = false): string {
  return (lab.clusters[cluster]?.hosts ?? [])
    .map((h) => `(${h.ip},${streamIps && h.streamIp ? h.streamIp : h.ip})`)
    .join(",");
}

/**
 * The install XML of `cluster` with the three DR PARAMs after dataNode1 (local → remote cluster).
 * `streamIps`: both maps use the hosts' stream addresses as dataIp; `localMap` replaces the local map.
 */
function drXml(
  lab: LabInfo,
  cluster: string,
  remote: string,
  opts: { streamIps?: boolean; localMap?: string } = {},
): string {
  const xml = lab.clusters[cluster]?.xml ?? "";
  const local = opts.localMap ?? streamIpMap(lab, cluster, opts.streamIps);
  const params =
    `<PARAM name="localStreamIpmap1" value="${local}"/>\n` +
    `<PARAM name="remoteStreamIpmap1" value="${streamIpMap(lab, remote, opts.streamIps)}"/>\n` +
    `<PARAM name="remotedataPortBase" value="${lab.portBase}"/>\n`;
  const m = /<PARAM\s+name="dataNode1"[^>]*\/>/.exec(xml);
  if (!m) throw new Error(`the lab XML of ${cluster} has no dataNode1 PARAM`);
  return `${xml.slice(0, m.index + m[0].length)}\n${params}${xml.slice(m.index + m[0].length)}`;
}

/** Writes `~/dr_<cluster>.xml` (or `~/<name>`) on the cluster's first host; returns its path as seen there. */
export async function writeDrXml(
  lab: LabInfo,
  cluster: string,
  remote: string,
  opts: { streamIps?: boolean; localMap?: string; name?: string } = {},
): Promise<string> {
  const ip = lab.clusters[cluster]!.hosts[0]!.ip;
  const file = `~/${opts.name ?? `dr_${cluster}.xml`}`;
  const r = await omm(lab, ip, `cat > ${file}`, 60_000, drXml(lab, cluster, remote, opts));
  if (r.code !== 0) throw new Error(`writing ${file} on ${ip}: ${r.stderr}`);
  return file;
}

/** The openGauss DR pairs the lab has (`[A, B]`, then `[C, D]` after `lab up --pairs 2`), first cluster primary. */
export function labPairs(lab: LabInfo): Array<readonly [string, string]> {
  return OG_PAIRS.filter(([p, s]) => lab.clusters[p] !== undefined && lab.clusters[s] !== undefined);
}

/** The query dict of `gs_sdr -t query`. */
export interface SdrQuery {
  stat: string;
  failover: string;
  switchover: string;
  rpo: string;
  rto: string;
}

const QUERY_RE =
  /^\{'hadr_cluster_stat': '(\w*)', 'hadr_failover_stat': '([\w%]*)', 'hadr_switchover_stat': '([\w%]*)', 'RPO': '(\d*)', 'RTO': '(\d*)'\}$/m;

/** Parses the query dict line, undefined when absent. */
export function parseQuery(out: string): SdrQuery | undefined {
  const m = QUERY_RE.exec(out);
  return m ? { stat: m[1]!, failover: m[2]!, switchover: m[3]!, rpo: m[4]!, rto: m[5]! } : undefined;
}

/** Runs `gs_sdr -t query` on `ip`; the query dict ('' stat when the run failed). */
export async function sdrQuery(lab: LabInfo, ip: string): Promise<SdrQuery & { raw: LabRunResult }> {
  const raw = await omm(lab, ip, "gs_sdr -t query", 60_000);
  const q = parseQuery(raw.stdout) ?? { stat: "", failover: "", switchover: "", rpo: "", rto: "" };
  return { ...q, raw };
}

/**
 * Dissolves the DR pairs of the lab (or only `pairs`) whatever their state (after `lab reset`): leftover step
 * files and locks go (no gs_sdr runs in this lab then), a DR-mode cluster fails over, then a cluster still in
 * archive (or half-way through start) stops (`streamIps`: the pair used the stream addresses, so stop
 * removes those hba lines). Returns what it did.
 */
export async function dissolveDr(
  lab: LabInfo,
  opts: { streamIps?: boolean; pairs?: ReadonlyArray<readonly [string, string]> } = {},
): Promise<string[]> {
  const done: string[] = [];
  for (const pair of opts.pairs ?? labPairs(lab)) done.push(...(await dissolvePair(lab, pair, opts)));
  return done;
}

async function dissolvePair(
  lab: LabInfo,
  pair: readonly [string, string],
  opts: { streamIps?: boolean },
): Promise<string[]> {
  const done: string[] = [];
  const first = (c: string) => lab.clusters[c]!.hosts[0]!.ip;
  for (const c of pair) {
    for (const h of lab.clusters[c]!.hosts) {
      await omm(
        lab,
        h.ip,
        "rm -f $PGHOST/streaming_lock_* $PGHOST/streaming_cabin/.streaming_*.step",
        30_000,
      );
    }
  }
  const isDr = async (c: string) =>
    /agent_backup_open\s*=\s*[12]/.test(
      (await omm(lab, first(c), "cat ~/cm/cm_agent/cm_agent.conf", 30_000)).stdout,
    );
  for (const c of pair) {
    if (await isDr(c)) {
      const f = await omm(lab, first(c), "gs_sdr -t failover", 600_000);
      done.push(`${c}: failover (exit ${f.code})`);
    }
  }
  const [p, s] = pair;
  for (const [c, other] of [
    [p, s],
    [s, p],
  ] as const) {
    const cabin = await omm(lab, first(c), "test -d $PGHOST/streaming_cabin && echo yes", 30_000);
    if (cabin.stdout.trim() !== "yes") continue;
    const xml = await writeDrXml(lab, c, other, opts);
    const st = await omm(lab, first(c), `gs_sdr -t stop -X ${xml}`, 600_000);
    done.push(`${c}: stop (exit ${st.code})`);
  }
  return done;
}

/**
 * The openGauss lab in a known state: up with its openGauss clusters on OM release `omVersion` (default
 * master), every fault undone, no DR pair left by an earlier file.
 */
export async function freshOpenGaussLab(omVersion: OmVersionChoice = "master"): Promise<LabInfo> {
  const lab = await ensureLab({ engines: ["opengauss"], omVersion });
  const reset = await labCli(["reset"]);
  if (reset.code !== 0) throw new Error(`lab reset failed: ${reset.stderr}${reset.stdout}`);
  await dissolveDr(lab);
  return lab;
}

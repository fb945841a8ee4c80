/**
 * Parser of `gs_sdr -t query` output (docs/vendor/opengauss-gs_sdr.md §4): the result line follows
 * `Successfully execute(d) streaming disaster recovery query, result:` (docs vs code spelling) and is a Python
 * dict repr with single-quoted string values.
 */
import { ParseError } from "../../../errors";

/** Values of `hadr_cluster_stat` (§4). */
export const HADR_CLUSTER_STATS = [
  "normal",
  "full_backup",
  "backup_fail",
  "archive",
  "archive_fail",
  "restore",
  "restore_fail",
  "recovery",
  "recovery_fail",
  "switchover",
  "promote",
  "promote_fail",
] as const;

/** One `hadr_cluster_stat` value. */
type HadrClusterStat = (typeof HADR_CLUSTER_STATS)[number];

/** The parsed query result. */
export interface SdrQueryResult {
  /** DR state of the cluster the query ran on. */
  hadrClusterStat: HadrClusterStat;
  /** Failover progress (`30%`), only while `promote`; null otherwise. */
  hadrFailoverStat: string | null;
  /** Switchover progress, only while `switchover`; null otherwise. */
  hadrSwitchoverStat: string | null;
  /** RPO in seconds; null when gs_sdr printed '' (no primary DN, no rows, link down). */
  rpoSeconds: number | null;
  /** RTO in seconds; null when gs_sdr printed ''. */
  rtoSeconds: number | null;
  /** Every key/value of the dict as printed. */
  raw: Record<string, string>;
}

/** Matches both the documented and the real sentinel line. */
const QUERY_SENTINEL = /Successfully execute(?:d)? streaming disaster recovery query, result:/;

function numberOrNull(key: string, v: string | undefined): number | null {
  if (v === undefined || v === "") return null;
  if (!/^-?\d+$/.test(v))
    throw new ParseError(`gs_sdr query: ${key} is not an integer: '${v}'`, { where: { tool: "gs_sdr" } });
  return Number(v);
}

/** Parses the stdout of `gs_sdr -t query`; throws a {@link ParseError} when the result line is missing or malformed. */
export function parseQueryOutput(stdout: string): SdrQueryResult {
  const lines = stdout.split(/\r?\n/);
  const at = lines.findIndex((l) => QUERY_SENTINEL.test(l));
  if (at < 0)
    throw new ParseError("gs_sdr query: no 'Successfully executed … query, result:' line", {
      where: { tool: "gs_sdr" },
    });
  // The dict normally follows on the next line; accept it on the sentinel line too.
  const candidates = [lines[at]!.replace(QUERY_SENTINEL, ""), ...lines.slice(at + 1)];
  const dictLine = candidates.find((l) => /\{.*'hadr_cluster_stat'.*\}/.test(l));
  if (!dictLine)
    throw new ParseError("gs_sdr query: the result dict is missing", { where: { tool: "gs_sdr" } });
  const raw: Record<string, string> = {};
  for (const m of dictLine.matchAll(/'(\w+)': '([^']*)'/g)) raw[m[1]!] = m[2]!;
  const stat = raw["hadr_cluster_stat"];
  if (stat === undefined || !(HADR_CLUSTER_STATS as readonly string[]).includes(stat)) {
    throw new ParseError(`gs_sdr query: unknown hadr_cluster_stat '${stat ?? ""}'`, {
      where: { tool: "gs_sdr" },
    });
  }
  return {
    hadrClusterStat: stat as HadrClusterStat,
    hadrFailoverStat: raw["hadr_failover_stat"] ? raw["hadr_failover_stat"] : null,
    hadrSwitchoverStat: raw["hadr_switchover_stat"] ? raw["hadr_switchover_stat"] : null,
    rpoSeconds: numberOrNull("RPO", raw["RPO"]),
    rtoSeconds: numberOrNull("RTO", raw["RTO"]),
    raw,
  };
}

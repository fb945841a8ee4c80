/** Constants of the emulated gs_sdr (`consts` = OM `streaming_constants.py`). */

/** Tasks accepted by `-t`. */
export const TASKS = ["start", "stop", "switchover", "failover", "query"] as const;
/** `LOG_REMARK` framing the header. */
export const LOG_REMARK = "-".repeat(80);

/** Name of the working directory under `$PGHOST`. */
export const CABIN_DIR = "streaming_cabin";

/** Step file names (`STREAMING_STEP_FILES`), keyed as OM keys them. */
export const STEP_FILES: Record<string, string> = {
  start_primary: ".streaming_start_primary.step",
  start_standby: ".streaming_start_standby.step",
  stop: ".streaming_stop.step",
  switchover_primary: ".streaming_switchover_primary.step",
  switchover_standby: ".streaming_switchover_standby.step",
  failover: ".streaming_failover.step",
  query: ".streaming_query.step",
};

/** Files of the cabin. */
export const CABIN_FILES = {
  clusterConf: "cluster_conf_record",
  clusterStateTmp: "cluster_state_tmp",
  clusterStat: ".hadr_cluster_stat",
  failoverStat: ".hadr_failover_stat",
  switchoverStat: ".hadr_switchover_stat",
  gucBackup: ".streaming_guc_backup",
  walKeep: ".wal_keep_segments_record",
  maxTerm: ".max_term_record",
  configXml: "streaming_config.xml",
  secureDir: "gs_secure_files",
} as const;

/** `MAX_WAL_KEEP_SEGMENTS`. */
export const MAX_WAL_KEEP_SEGMENTS = 16384;
/** The default wal_keep_segments restored when an instance is missing from the record. */
export const DEFAULT_WAL_KEEP_SEGMENTS = "128";
/** `MAX_REPLICATION_NUMS`: replconninfo1..8. */
export const MAX_REPL_NUMS = 8;
/** Build timeout passed to `gs_ctl build -t` (14 days). */
export const MAX_BUILD_TIMEOUT = 1209600;
/** DR cluster start wait (7 days). */
export const STANDBY_START_TIMEOUT = 604800;

/** `WAL_SENDER_CHECK_SQL` of the primary start wait and the archive check. */
export const SQL_WAL_SENDERS =
  "select 1 from pg_catalog.pg_stat_get_wal_senders() where sync_state='Async' and peer_role='Standby' and peer_state='Normal';";
/** The RTO/RPO function probe of the primary start wait. */
export const SQL_RTO_RPO_PROBE = "select 1 from pg_catalog.gs_hadr_local_rto_and_rpo_stat();";
/** The recovery check on the first main standby. */
export const SQL_WAL_RECEIVER =
  "select 1 from pg_catalog.pg_stat_get_wal_receiver() where local_role='Main Standby' and state = 'Normal' and peer_role='Primary' and peer_state='Normal';";
/** The query RPO/RTO statement. */
export const SQL_RPO_RTO =
  "SELECT current_rpo FROM dbe_perf.global_streaming_hadr_rto_and_rpo_stat;SELECT current_rto FROM dbe_perf.global_streaming_hadr_rto_and_rpo_stat;";

/**
 * The `-V` line: `gs_sdr <COMMON_VERSION>`, which packaging fills in as `openGauss OM <version> build <commit>`;
 * the lab takes both from version.cfg (line 1 without `openGauss-`, line 3).
 */
export function versionString(versionCfgText: string): string {
  const [product = "", , commit = ""] = versionCfgText.split("\n").map((l) => l.trim());
  const version = product.replace(/^openGauss-/, "") || "unknown";
  return `gs_sdr openGauss OM ${version} build ${commit || "unknown"} (pulumi-hadr lab, emulated on PostgreSQL)`;
}

/**
 * openGauss-only SQL on PostgreSQL: the emulation objects (schema `og_lab`, view `dbe_perf.…`) created in
 * the `postgres` database at provision time, and the rewrite gsql applies to the SQL text it is given.
 * See README.md "SQL emulation" for the semantics the gs_sdr emulator relies on.
 */

/** DDL of the emulation objects (idempotent). */
export const EMULATION_DDL = `
CREATE SCHEMA IF NOT EXISTS og_lab;
CREATE SCHEMA IF NOT EXISTS dbe_perf;
CREATE TABLE IF NOT EXISTS og_lab.gs_global_config (name text PRIMARY KEY, value text);
CREATE TABLE IF NOT EXISTS og_lab.switchover_barrier (
  id bigserial PRIMARY KEY, barrier_lsn pg_lsn NOT NULL, created timestamptz NOT NULL DEFAULT now());

CREATE OR REPLACE FUNCTION og_lab.is_cross_cluster_app(app text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT split_part(coalesce(app, ''), ':', 1) <> coalesce(current_setting('og_lab.cluster', true), '')
     AND position(':' in coalesce(app, '')) > 0 $$;

CREATE OR REPLACE FUNCTION og_lab.is_local_ip(ip text) RETURNS boolean LANGUAGE sql STABLE AS $$
  SELECT coalesce(ip, '') = ANY (string_to_array(coalesce(current_setting('og_lab.cluster_ips', true), ''), ',')) $$;

CREATE OR REPLACE FUNCTION og_lab.pg_stat_get_wal_senders()
RETURNS TABLE (pid bigint, sender_pid integer, local_role text, peer_role text, peer_state text, state text,
  catchup_start timestamptz, catchup_end timestamptz, sender_sent_location text, sender_write_location text,
  sender_flush_location text, sender_replay_location text, receiver_received_location text,
  receiver_write_location text, receiver_flush_location text, receiver_replay_location text, sync_percent text,
  sync_state text, sync_priority integer, sync_most_available text, channel text)
LANGUAGE sql STABLE AS $$
  SELECT r.pid::bigint, r.pid,
    CASE WHEN pg_is_in_recovery() THEN 'Standby' ELSE 'Primary' END,
    CASE WHEN og_lab.is_cross_cluster_app(r.application_name) THEN 'Standby'
         WHEN pg_is_in_recovery() THEN 'Cascade Standby' ELSE 'Standby' END,
    CASE r.state WHEN 'streaming' THEN 'Normal' WHEN 'catchup' THEN 'Catchup' ELSE 'Starting' END,
    initcap(r.state), r.backend_start, r.reply_time,
    r.sent_lsn::text, r.sent_lsn::text, r.sent_lsn::text, r.sent_lsn::text,
    r.write_lsn::text, r.write_lsn::text, r.flush_lsn::text, r.replay_lsn::text,
    CASE WHEN r.state = 'streaming' THEN '100%' ELSE '0%' END,
    -- openGauss (synchronous_standby_names '*'): the first local standby of a primary is Sync, the others
    -- Potential; a cross-cluster (DR) or cascade walsender is always Async
    CASE WHEN og_lab.is_cross_cluster_app(r.application_name) OR pg_is_in_recovery() THEN 'Async'
         WHEN r.application_name = (SELECT min(x.application_name) FROM pg_stat_replication x
                                    WHERE NOT og_lab.is_cross_cluster_app(x.application_name)) THEN 'Sync'
         ELSE 'Potential' END,
    r.sync_priority, 'Off',
    split_part(current_setting('listen_addresses'), ',', 1) || ':' || current_setting('port') || '-->' || r.application_name
  FROM pg_stat_replication r $$;

CREATE OR REPLACE FUNCTION og_lab.pg_stat_get_wal_receiver()
RETURNS TABLE (receiver_pid integer, local_role text, peer_role text, peer_state text, state text,
  sender_sent_location text, sender_write_location text, sender_flush_location text, sender_replay_location text,
  receiver_received_location text, receiver_write_location text, receiver_flush_location text,
  receiver_replay_location text, sync_percent text, channel text)
LANGUAGE sql STABLE AS $$
  SELECT w.pid,
    CASE WHEN NOT og_lab.is_local_ip(w.sender_host) THEN 'Main Standby'
         WHEN current_setting('og_lab.role', true) = 'cascade_standby' THEN 'Cascade Standby' ELSE 'Standby' END,
    CASE WHEN NOT og_lab.is_local_ip(w.sender_host) THEN 'Primary'
         WHEN current_setting('og_lab.role', true) = 'cascade_standby' THEN 'Standby' ELSE 'Primary' END,
    CASE WHEN w.status = 'streaming' THEN 'Normal' ELSE 'Starting' END,
    CASE WHEN w.status = 'streaming' THEN 'Normal' ELSE 'Starting' END,
    w.latest_end_lsn::text, w.latest_end_lsn::text, w.latest_end_lsn::text, w.latest_end_lsn::text,
    w.flushed_lsn::text, w.written_lsn::text, w.flushed_lsn::text, pg_last_wal_replay_lsn()::text,
    CASE WHEN w.status = 'streaming' THEN '100%' ELSE '0%' END,
    w.sender_host || ':' || w.sender_port || '<--' || split_part(current_setting('listen_addresses'), ',', 1)
  FROM pg_stat_wal_receiver w $$;

CREATE OR REPLACE FUNCTION og_lab.gs_hadr_local_rto_and_rpo_stat()
RETURNS TABLE (hadr_sender_node_name text, hadr_receiver_node_name text, current_rto bigint, target_rto bigint,
  current_rpo bigint, target_rpo bigint, current_sleep_time bigint)
LANGUAGE sql VOLATILE AS $$
  SELECT current_setting('og_lab.node_name', true), split_part(r.application_name, ':', 2),
    CASE WHEN r.replay_lsn IS NULL OR r.replay_lsn >= r.write_lsn THEN 0
         ELSE floor(extract(epoch FROM coalesce(r.replay_lag, interval '0')))::bigint END,
    0::bigint,
    CASE WHEN r.flush_lsn IS NULL THEN NULL
         WHEN r.flush_lsn >= pg_current_wal_flush_lsn() THEN 0
         ELSE floor(extract(epoch FROM coalesce(r.flush_lag, now() - r.reply_time, interval '0')))::bigint END,
    0::bigint, 0::bigint
  FROM pg_stat_replication r
  WHERE NOT pg_is_in_recovery() AND og_lab.is_cross_cluster_app(r.application_name) $$;

CREATE OR REPLACE VIEW dbe_perf.global_streaming_hadr_rto_and_rpo_stat AS
  SELECT hadr_sender_node_name, hadr_receiver_node_name, current_rto, target_rto, current_rpo, target_rpo,
    current_sleep_time AS rto_sleep_time, 0::bigint AS rpo_sleep_time
  FROM og_lab.gs_hadr_local_rto_and_rpo_stat();

CREATE OR REPLACE FUNCTION og_lab.gs_streaming_dr_in_switchover() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF pg_is_in_recovery() THEN RETURN false; END IF;
  INSERT INTO og_lab.switchover_barrier (barrier_lsn) VALUES (pg_current_wal_insert_lsn());
  RETURN true;
END $$;

CREATE OR REPLACE FUNCTION og_lab.gs_streaming_dr_service_truncation_check() RETURNS boolean LANGUAGE sql VOLATILE AS $$
  SELECT NOT pg_is_in_recovery()
     AND EXISTS (SELECT 1 FROM og_lab.switchover_barrier)
     AND EXISTS (SELECT 1 FROM pg_stat_replication r WHERE og_lab.is_cross_cluster_app(r.application_name))
     AND NOT EXISTS (SELECT 1 FROM pg_stat_replication r
        WHERE og_lab.is_cross_cluster_app(r.application_name)
          AND (r.state <> 'streaming' OR r.flush_lsn IS NULL OR r.replay_lsn IS NULL
               OR r.flush_lsn <= (SELECT max(barrier_lsn) FROM og_lab.switchover_barrier)
               OR r.replay_lsn <= (SELECT max(barrier_lsn) FROM og_lab.switchover_barrier))) $$;

CREATE OR REPLACE FUNCTION og_lab.gs_streaming_dr_get_switchover_barrier() RETURNS boolean LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  b pg_lsn;
  main boolean;
BEGIN
  IF NOT pg_is_in_recovery() THEN RETURN false; END IF;
  SELECT barrier_lsn INTO b FROM og_lab.switchover_barrier ORDER BY id DESC LIMIT 1;
  IF b IS NULL OR pg_last_wal_replay_lsn() IS NULL OR pg_last_wal_replay_lsn() <= b THEN RETURN false; END IF;
  main := coalesce(current_setting('og_lab.role', true), '') = 'main_standby';
  IF main THEN
    -- the primary must have shut down (its walsender sent everything up to the shutdown checkpoint) and
    -- everything received must be replayed
    IF EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming') THEN RETURN false; END IF;
    IF pg_last_wal_receive_lsn() IS NOT NULL AND pg_last_wal_receive_lsn() > pg_last_wal_replay_lsn() THEN
      RETURN false;
    END IF;
  END IF;
  RETURN true;
END $$;

CREATE OR REPLACE FUNCTION og_lab.pg_last_xlog_replay_location(OUT location text, OUT term bigint)
LANGUAGE sql STABLE AS $$
  SELECT coalesce(pg_last_wal_replay_lsn(), CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn() END)::text,
         (SELECT timeline_id FROM pg_control_checkpoint())::bigint $$;

CREATE OR REPLACE FUNCTION og_lab.alter_global_configuration(n text, v text) RETURNS text LANGUAGE sql VOLATILE AS $$
  INSERT INTO og_lab.gs_global_config (name, value) VALUES (n, v)
    ON CONFLICT (name) DO UPDATE SET value = excluded.value;
  SELECT 'ALTER GLOBAL CONFIGURATION'::text $$;

CREATE OR REPLACE FUNCTION og_lab.drop_global_configuration(n text) RETURNS text LANGUAGE sql VOLATILE AS $$
  DELETE FROM og_lab.gs_global_config WHERE name = n;
  SELECT 'DROP GLOBAL CONFIGURATION'::text $$;

`;

/** openGauss-only GUCs `show` answers from the openGauss view (with these defaults when unset). */
const OG_ONLY_GUCS: Record<string, string> = {
  enable_dcf: "off",
  most_available_sync: "off",
  wal_keep_segments: "16",
  stream_cluster_run_mode: "cluster_primary",
  password_encryption_type: "2",
  remote_read_mode: "non_authentication",
  enable_transaction_read_only: "on",
};

/** True for a GUC name gsql answers from the openGauss view. */
function isOgOnlyGuc(name: string): boolean {
  const n = name.toLowerCase();
  return n in OG_ONLY_GUCS || /^replconninfo\d+$/.test(n);
}

/**
 * Rewrites openGauss SQL to the emulation: `ALTER GLOBAL CONFIGURATION with(k='v', …)`,
 * `DROP GLOBAL CONFIGURATION k, …`, `pg_catalog.gs_*`, `pg_catalog.pg_last_xlog_replay_location`,
 * `[pg_catalog.]pg_stat_get_wal_senders|receiver` → `og_lab.…`, and `show <openGauss-only GUC>` →
 * `SELECT '<value>'` with the value from `ogGucs` (the openGauss view), else the default.
 */
export function rewriteSql(
  sql: string,
  ogGucs: (name: string) => string | undefined = () => undefined,
): string {
  let s = sql.replace(/\bshow\s+(\w+)\s*(?=;|$)/gi, (m: string, name: string) => {
    if (!isOgOnlyGuc(name)) return m;
    const v = ogGucs(name.toLowerCase()) ?? OG_ONLY_GUCS[name.toLowerCase()] ?? "";
    return `SELECT '${v.replace(/'/g, "''")}'::text AS ${name.toLowerCase()}`;
  });
  s = s.replace(/ALTER\s+GLOBAL\s+CONFIGURATION\s+with\s*\(([^)]*)\)/gi, (_m, body: string) => {
    const calls: string[] = [];
    for (const m of body.matchAll(/(\w+)\s*=\s*'((?:[^']|'')*)'/g)) {
      calls.push(`og_lab.alter_global_configuration('${m[1]}', '${m[2]}')`);
    }
    return calls.length > 0 ? `SELECT ${calls.join(", ")}` : "SELECT 'ALTER GLOBAL CONFIGURATION'";
  });
  s = s.replace(/DROP\s+GLOBAL\s+CONFIGURATION\s+([\w\s,]+?)\s*(;|$)/gi, (_m, names: string, end: string) => {
    const calls = names
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x !== "")
      .map((x) => `og_lab.drop_global_configuration('${x}')`);
    return `SELECT ${calls.join(", ")}${end}`;
  });
  s = s.replace(/\bpg_catalog\s*\.\s*(gs_\w+)/gi, "og_lab.$1");
  s = s.replace(
    /\bpg_catalog\s*\.\s*pg_last_xlog_replay_location\b/gi,
    "og_lab.pg_last_xlog_replay_location",
  );
  s = s.replace(/(?:\bpg_catalog\s*\.\s*|(?<![.\w]))(pg_stat_get_wal_(?:senders|receiver))\b/gi, "og_lab.$1");
  return s;
}

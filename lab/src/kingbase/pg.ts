/**
 * PostgreSQL 15 plumbing shared by the KingbaseES lab clusters (V8R3 and V8R6 both stand on a real
 * PostgreSQL streaming set): the binaries, the lab's loopback-trust pg_hba.conf, the replication settings
 * appended to a primary's postgresql.conf, and the pg_ctl start/stop lines. Only bash text here.
 */

/** PostgreSQL 15 binaries (pg_ctl, initdb, psql, pg_rewind, pg_basebackup; repmgr for V8R6). */
export const PG_BIN = "/usr/lib/postgresql/15/bin";

/** pg_hba.conf of the lab (loopback only, trust: the lab has no secrets to protect in the database). */
export const HBA_CONF = [
  "local all all trust",
  "local replication all trust",
  "host all all 127.0.0.0/8 trust",
  "host replication all 127.0.0.0/8 trust",
  "",
].join("\n");

/**
 * Settings appended to a primary's postgresql.conf (a clone or a rewind copies them to every standby):
 * `heading` names the stand-in, `extra` adds version-specific lines, `nodeConf` is the node-specific file
 * (address, port, socket dir) kept outside the data dir so a copy never carries another node's address.
 */
export function streamingConf(heading: string, nodeConf: string, extra: string[] = []): string {
  return [
    "",
    `# pulumi-hadr lab: ${heading}`,
    ...extra,
    "wal_level = replica",
    "wal_log_hints = on",
    "hot_standby = on",
    "max_wal_senders = 10",
    "max_replication_slots = 10",
    "wal_keep_size = 64MB",
    "min_wal_size = 4MB",
    "max_wal_size = 64MB",
    "shared_buffers = 16MB",
    "max_connections = 30",
    "wal_receiver_timeout = 10s",
    "logging_collector = on",
    "log_directory = 'log'",
    `include_if_exists = '${nodeConf}'`,
    "",
  ].join("\n");
}

/** The node-specific settings file: listen address, port, socket dir. */
export function nodeSettings(ip: string, port: number, socketDir: string): string {
  return `# pulumi-hadr lab: this node's address (included by postgresql.conf)\nlisten_addresses = '${ip}'\nport = ${port}\nunix_socket_directories = '${socketDir}'\n`;
}

/** Bash: start the database in `dataDir` (server log `log`), waiting up to 60 s; quiet. */
export function pgCtlStart(dataDir: string, log: string): string {
  return `${PG_BIN}/pg_ctl -D "${dataDir}" -l ${log} -w -t 60 start >/dev/null`;
}

/** Bash: stop the database in `dataDir` if it runs (`immediate`: at once, no checkpoint). Never fails. */
export function pgStopScript(dataDir: string, mode: "fast" | "immediate" = "immediate"): string {
  return `export PATH=${PG_BIN}:$PATH; pg_ctl -D ${dataDir} status >/dev/null 2>&1 && pg_ctl -D ${dataDir} -m ${mode} -w -t 60 stop >/dev/null; true`;
}

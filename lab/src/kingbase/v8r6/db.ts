/**
 * The real database under a V8R6 lab cluster: a PostgreSQL 15 streaming primary/standby set managed by the
 * community repmgr 5.3 (Debian `postgresql-15-repmgr`), standing in for KingbaseES and its repmgr fork.
 * Node 1 is initialised and registered as primary; the others are cloned with `repmgr standby clone` and
 * registered as standbys. Each node's data dir is `<install>/data` (private per host), its socket dir
 * `<install>/run`, and the node-specific settings (`listen_addresses` = the host's address, port 54321) live
 * in `<install>/etc/kingbase-node.conf`, included by `postgresql.conf`, so a clone or a rewind that copies
 * postgresql.conf never carries another node's address. Only bash scripts (run inside a host as kingbase)
 * and pure text here.
 */
import { shq } from "../../core/shell";
import type { V8R6Paths } from "../layout";
import { HBA_CONF, nodeSettings, PG_BIN, pgCtlStart, pgStopScript, streamingConf } from "../pg";
import { V8R6_DB_PORT } from "./files";

export { PG_BIN } from "../pg";

/** Socket directory of a node (inside the private home; /tmp is shared by every host). */
function socketDir(paths: V8R6Paths): string {
  return `${paths.installDir}/run`;
}

/** The node-specific settings file `postgresql.conf` includes. */
function nodeConfPath(paths: V8R6Paths): string {
  return `${paths.etcDir}/kingbase-node.conf`;
}

/** Server log written by `pg_ctl -l` (the server's own messages go to `<data>/log` by the logging collector). */
export function serverLog(paths: V8R6Paths): string {
  return `${paths.logDir}/kingbase.log`;
}

/** `kingbase-node.conf` of a node: its address, port and socket dir. */
function nodeConf(paths: V8R6Paths, ip: string): string {
  return nodeSettings(ip, V8R6_DB_PORT, socketDir(paths));
}

/** Settings appended to the primary's postgresql.conf (copied to every standby by the clone). */
function clusterConf(paths: V8R6Paths): string {
  return streamingConf(
    "streaming replication managed by repmgr (KingbaseES V8R6 stand-in)",
    nodeConfPath(paths),
    ["shared_preload_libraries = 'repmgr'"],
  );
}

function prelude(paths: V8R6Paths): string {
  return [
    "set -e",
    `export PATH=${paths.binDir}:${PG_BIN}:$PATH`,
    `D=${paths.dataDir}`,
    `CONF=${paths.repmgrConf}`,
    `mkdir -p ${socketDir(paths)}`,
  ].join("\n");
}

const PG_CTL_START = (paths: V8R6Paths) => pgCtlStart("$D", serverLog(paths));

/**
 * Bash (as kingbase): initialise node 1 as the primary when it has no database yet — initdb, the lab's
 * settings, start, the `esrep` repmgr user and database, `repmgr primary register`. Prints `created` or `exists`.
 */
export function initPrimaryScript(paths: V8R6Paths, ip: string): string {
  return `${prelude(paths)}
if [ -f "$D/PG_VERSION" ]; then echo exists; exit 0; fi
rm -rf "$D"; mkdir -m 700 "$D"
printf '%s' ${shq(nodeConf(paths, ip))} > ${nodeConfPath(paths)}
initdb -D "$D" --auth=trust -E UTF8 --locale=C.UTF-8 --wal-segsize=1 >/dev/null
printf '%s' ${shq(clusterConf(paths))} >> "$D/postgresql.conf"
printf '%s' ${shq(HBA_CONF)} > "$D/pg_hba.conf"
${PG_CTL_START(paths)}
psql -h ${socketDir(paths)} -p ${V8R6_DB_PORT} -d postgres -qAt -c "create user esrep superuser replication" -c "create database esrep owner esrep" >/dev/null
repmgr -f "$CONF" primary register >/dev/null 2>&1 || { repmgr -f "$CONF" primary register; exit 1; }
echo created`;
}

/**
 * Bash (as kingbase): clone a standby from the primary at `primaryIp` when the node has no database yet,
 * start it and `repmgr standby register`. Prints `created` or `exists`.
 */
export function cloneStandbyScript(paths: V8R6Paths, ip: string, primaryIp: string): string {
  return `${prelude(paths)}
if [ -f "$D/PG_VERSION" ]; then echo exists; exit 0; fi
rm -rf "$D"
printf '%s' ${shq(nodeConf(paths, ip))} > ${nodeConfPath(paths)}
repmgr -f "$CONF" -h ${primaryIp} -p ${V8R6_DB_PORT} -U esrep -d esrep standby clone --fast-checkpoint >/dev/null 2>&1 \\
  || { repmgr -f "$CONF" -h ${primaryIp} -p ${V8R6_DB_PORT} -U esrep -d esrep standby clone -F --fast-checkpoint; exit 1; }
${PG_CTL_START(paths)}
repmgr -f "$CONF" standby register -F >/dev/null 2>&1 || { repmgr -f "$CONF" standby register -F; exit 1; }
echo created`;
}

/** Bash (as kingbase): stop the node's database if it runs (`immediate`: at once, no checkpoint). */
export function stopDbScript(paths: V8R6Paths, mode: "fast" | "immediate" = "immediate"): string {
  return pgStopScript(paths.dataDir, mode);
}

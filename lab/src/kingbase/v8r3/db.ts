/**
 * The real database under a V8R3 lab cluster: a PostgreSQL 15 streaming primary/standby set standing in for
 * KingbaseES V8R3 (no repmgr: V8R3's HA is kingbasecluster + network_rewind.sh). Node 1 is initialised as
 * primary (role `SUPERMANAGER_V8ADMIN` and database `TEST`, the installer's `KB_USER`/`KB_DATANAME`), the
 * others cloned with `pg_basebackup`. The data dir is `KB_DATA_PATH` (`<cluster>/db/data`).
 *
 * V8R3 is PostgreSQL 9.6-based and marks a standby with `recovery.conf`; PostgreSQL 15 refuses to start with
 * that file, so the lab's standby marker is its PostgreSQL 12+ form: `standby.signal` plus a
 * `primary_conninfo` (with `application_name=node<i>`, the vendor's NODE_NAME) in `postgresql.auto.conf`.
 * Only bash text here.
 */
import { shq } from "../../core/shell";
import type { V8R3Paths } from "../layout";
import { HBA_CONF, nodeSettings, PG_BIN, pgCtlStart, streamingConf } from "../pg";

/** Database port (`KB_PORT` of HAmodule.conf). */
export const V8R3_DB_PORT = 54321;
/** Superuser the vendor scripts connect as (`KB_USER`). */
export const V8R3_DB_USER = "SUPERMANAGER_V8ADMIN";
/** Database the vendor scripts connect to (`KB_DATANAME`). */
export const V8R3_DB_NAME = "TEST";

/** Settings appended to node 1's postgresql.conf (copied to standbys by the clone and by pg_rewind). */
function v8r3ClusterConf(paths: V8R3Paths): string {
  return streamingConf("streaming replication (KingbaseES V8R3 stand-in)", paths.nodeConf);
}

/**
 * Bash function `kb_make_standby <data dir> <primary ip> <node name>`: the lab's `recovery.conf`
 * (standby.signal + primary_conninfo in postgresql.auto.conf, any earlier primary_conninfo dropped).
 * Shared by the provisioner's clone and network_rewind.sh.
 */
export const MAKE_STANDBY_FN = `function kb_make_standby()
{
    touch "$1/standby.signal"
    touch "$1/postgresql.auto.conf"
    sed -i '/^primary_conninfo/d' "$1/postgresql.auto.conf"
    echo "primary_conninfo = 'host=$2 port=${V8R3_DB_PORT} user=${V8R3_DB_USER} application_name=$3 connect_timeout=5'" >> "$1/postgresql.auto.conf"
}`;

function prelude(paths: V8R3Paths, ip: string): string {
  return [
    "set -e",
    `export PATH=${PG_BIN}:$PATH`,
    `D=${paths.kbData}`,
    `mkdir -p ${paths.runDir}`,
    `printf '%s' ${shq(nodeSettings(ip, V8R3_DB_PORT, paths.runDir))} > ${paths.nodeConf}`,
  ].join("\n");
}

/** Bash (as kingbase): initialise node 1 as the primary when it has no database yet. Prints `created` or `exists`. */
export function v8r3InitPrimaryScript(paths: V8R3Paths, ip: string): string {
  return `${prelude(paths, ip)}
if [ -f "$D/PG_VERSION" ]; then echo exists; exit 0; fi
rm -rf "$D"; mkdir -m 700 "$D"
initdb -D "$D" --auth=trust -E UTF8 --locale=C.UTF-8 --wal-segsize=1 >/dev/null
printf '%s' ${shq(v8r3ClusterConf(paths))} >> "$D/postgresql.conf"
printf '%s' ${shq(HBA_CONF)} > "$D/pg_hba.conf"
${pgCtlStart("$D", paths.serverLog)}
psql -h ${paths.runDir} -p ${V8R3_DB_PORT} -d postgres -qAt -c 'create user "${V8R3_DB_USER}" superuser replication' -c 'create database "${V8R3_DB_NAME}" owner "${V8R3_DB_USER}"' >/dev/null
echo created`;
}

/** Bash (as kingbase): clone node `index` from the primary at `primaryIp` when it has no database yet, and start it. */
export function v8r3CloneStandbyScript(
  paths: V8R3Paths,
  ip: string,
  primaryIp: string,
  index: number,
): string {
  return `${prelude(paths, ip)}
${MAKE_STANDBY_FN}
if [ -f "$D/PG_VERSION" ]; then echo exists; exit 0; fi
rm -rf "$D"
pg_basebackup -h ${primaryIp} -p ${V8R3_DB_PORT} -U ${V8R3_DB_USER} -D "$D" -X stream --checkpoint=fast
chmod 700 "$D"
kb_make_standby "$D" ${primaryIp} node${index}
${pgCtlStart("$D", paths.serverLog)}
echo created`;
}

/** Bash (as kingbase): start the node's database unless it runs (in the role its files say). */
export function v8r3StartDbScript(paths: V8R3Paths): string {
  return `export PATH=${PG_BIN}:$PATH; mkdir -p ${paths.runDir}; pg_ctl -D ${paths.kbData} status >/dev/null 2>&1 || ${pgCtlStart(paths.kbData, paths.serverLog)}`;
}

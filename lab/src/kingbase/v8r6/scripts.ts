/**
 * The V8R6 programs the lab writes into `<install>/bin`: `repmgr` and `repmgrd`, the community repmgr 5.3
 * binaries run under the vendor program path; `kbha`, a wrapper that runs the compiled stand-in
 * (`<toolsDir>/kingbase/…js`) with /usr/bin/node; and `sys_monitor.sh start|stop|restart|startlocal|stoplocal`
 * (bash), which starts and stops the node's database and daemons.
 */
import type { V8R6Paths } from "../layout";
import { PG_BIN, serverLog } from "./db";

/**
 * A wrapper that runs the community repmgr binary `name` (`repmgr` or `repmgrd`) as the vendor program
 * `<bin>/<name>` (what `ps` shows), with the PostgreSQL binaries on PATH; `repmgr` without `-f` reads the
 * node's `<install>/etc/repmgr.conf`, as the vendor build does.
 */
export function repmgrWrapper(name: "repmgr" | "repmgrd", paths: V8R6Paths): string {
  const defaultConf =
    name === "repmgr"
      ? `case " $* " in *" -f "*|*" --config-file"*) ;; *) set -- -f ${paths.repmgrConf} "$@" ;; esac
`
      : "";
  return `#!/bin/bash
# ${name} - KingbaseES V8R6 ${name}, pulumi-hadr lab: the community repmgr 5.3 under the vendor path.
export PATH=${paths.binDir}:${PG_BIN}:$PATH
${defaultConf}exec -a "$0" ${PG_BIN}/${name} "$@"
`;
}

/** A wrapper that runs `<toolsDir>/<script>` as the vendor program `<bin>/<name>`. */
export function nodeWrapper(name: string, toolsDir: string, script: string): string {
  return `#!/bin/bash
# ${name} - KingbaseES V8R6 ${name}, pulumi-hadr lab stand-in (emulates the tool contract; not KingbaseES).
export KB_LAB_ARGV0="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
exec /usr/bin/node ${toolsDir}/${script} "$@"
`;
}

/** Peers of a node for `sys_monitor.sh start|stop|restart`. */
export interface SysMonitorHosts {
  localIp: string;
  /** Every node's address, primary first. */
  allIps: string[];
  ports: Record<string, number>;
  sshUser: string;
  keyPath: string;
  knownHostsPath: string;
}

/**
 * `sys_monitor.sh`: `stoplocal` stops kbha then repmgrd (SIGTERM by pid file, so kbha cannot resurrect
 * repmgrd), `startlocal` starts repmgrd then kbha and waits for their pid files; `start|stop|restart` do the
 * same on every node (peers over the lab's SSH trust).
 */
export function sysMonitorScript(paths: V8R6Paths, hosts: SysMonitorHosts): string {
  const arms = Object.entries(hosts.ports).map(([ip, port]) => `        ${ip}) echo ${port} ;;`);
  return `#!/bin/bash
# sys_monitor.sh - KingbaseES V8R6 cluster start/stop, pulumi-hadr lab stand-in.
# Starts/stops the node's database (PostgreSQL 15 standing in for KingbaseES), repmgrd and kbha.

BIN="${paths.binDir}"
CONF="${paths.repmgrConf}"
DATA="${paths.dataDir}"
PG_CTL="${PG_BIN}/pg_ctl"
LOCAL_IP="${hosts.localIp}"
ALL_IP=(${hosts.allIps.join(" ")})
LAB_SSH_USER="${hosts.sshUser}"
LAB_SSH_KEY="${hosts.keyPath}"
LAB_KNOWN_HOSTS="${hosts.knownHostsPath}"

function lab_ssh_port()
{
    case "$1" in
${arms.join("\n")}
        *) echo 22 ;;
    esac
}

function now()
{
    date +'%Y-%m-%d %H:%M:%S'
}

# last uncommented assignment of $1 in repmgr.conf, quotes stripped
function conf_value()
{
    grep -E "^[[:space:]]*$1[[:space:]]*=" "$CONF" | tail -n 1 \\
        | sed -E "s/^[^=]*=[[:space:]]*//; s/[[:space:]]*(#.*)?$//; s/^'(.*)'$/\\1/"
}

REPMGRD_PID_FILE=$(conf_value repmgrd_pid_file)
[ -z "$REPMGRD_PID_FILE" ] && REPMGRD_PID_FILE="${paths.repmgrdPidFile}"
KBHA_PID_FILE=$(conf_value kbha_pid_file)
[ -z "$KBHA_PID_FILE" ] && KBHA_PID_FILE="${paths.kbhaPidFile}"

# pid from pid file $1 if it is a live process whose command line contains $2
function live_pid()
{
    local pid
    pid=$(head -n 1 "$1" 2>/dev/null | tr -d ' ')
    [ -z "$pid" ] && return 1
    tr '\\0' ' ' < /proc/$pid/cmdline 2>/dev/null | grep -q "$2" || return 1
    echo $pid
}

function stop_daemon()
{
    local name=$1 file=$2 pid i
    echo "$(now) begin to stop $name on \\"[$LOCAL_IP]\\"."
    pid=$(live_pid "$file" "$name")
    if [ -z "$pid" ]
    then
        echo "$(now) $name on \\"[$LOCAL_IP]\\" already stopped."
        return 0
    fi
    kill -TERM $pid 2>/dev/null
    for ((i=0;i<100;i++))
    do
        live_pid "$file" "$name" >/dev/null || break
        sleep 0.1
    done
    if live_pid "$file" "$name" >/dev/null
    then
        kill -KILL $pid 2>/dev/null
        rm -f "$file"
    fi
    echo "$(now) $name on \\"[$LOCAL_IP]\\" stop success."
}

function start_daemon()
{
    local name=$1 file=$2 i
    shift 2
    echo "$(now) begin to start $name on \\"[$LOCAL_IP]\\"."
    if live_pid "$file" "$name" >/dev/null
    then
        echo "$(now) $name on \\"[$LOCAL_IP]\\" already running."
        return 0
    fi
    "$@" >/dev/null 2>&1
    for ((i=0;i<100;i++))
    do
        live_pid "$file" "$name" >/dev/null && break
        sleep 0.1
    done
    if live_pid "$file" "$name" >/dev/null
    then
        echo "$(now) $name on \\"[$LOCAL_IP]\\" start success."
    else
        echo "$(now) $name on \\"[$LOCAL_IP]\\" start failed."
        return 1
    fi
}

function stopdb()
{
    echo "$(now) begin to stop DB on \\"[$LOCAL_IP]\\"."
    if ! $PG_CTL -D $DATA status >/dev/null 2>&1
    then
        echo "$(now) DB on \\"[$LOCAL_IP]\\" already stopped."
        return 0
    fi
    $PG_CTL -D $DATA -m fast -w -t 60 stop >/dev/null 2>&1 || $PG_CTL -D $DATA -m immediate -w -t 30 stop >/dev/null 2>&1
    echo "$(now) DB on \\"[$LOCAL_IP]\\" stop success."
}

function startdb()
{
    echo "$(now) begin to start DB on \\"[$LOCAL_IP]\\"."
    if $PG_CTL -D $DATA status >/dev/null 2>&1
    then
        echo "$(now) DB on \\"[$LOCAL_IP]\\" already running."
        return 0
    fi
    mkdir -p ${paths.installDir}/run
    if $PG_CTL -D $DATA -l ${serverLog(paths)} -w -t 60 start >/dev/null 2>&1
    then
        echo "$(now) DB on \\"[$LOCAL_IP]\\" start success."
    else
        echo "$(now) DB on \\"[$LOCAL_IP]\\" start failed."
        return 1
    fi
}

function stoplocal()
{
    stop_daemon kbha "$KBHA_PID_FILE"
    stop_daemon repmgrd "$REPMGRD_PID_FILE"
    stopdb
}

function startlocal()
{
    startdb || return 1
    start_daemon repmgrd "$REPMGRD_PID_FILE" $BIN/repmgrd -d -v -f $CONF || return 1
    start_daemon kbha "$KBHA_PID_FILE" $BIN/kbha -A daemon -f $CONF || return 1
}

function on_all()
{
    local act=$1 rc=0 ip
    for ip in \${ALL_IP[@]}
    do
        if [ "$ip"x = "$LOCAL_IP"x ]
        then
            $act || rc=1
        else
            ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$LAB_KNOWN_HOSTS -i $LAB_SSH_KEY \\
                -o ConnectTimeout=10 -p $(lab_ssh_port $ip) -l $LAB_SSH_USER -T $ip "$BIN/sys_monitor.sh $act" || rc=1
        fi
    done
    return $rc
}

case "$1" in
    start)
        echo "$(now) Ready to start all DB ..."
        on_all startlocal; rc=$?
        echo "$(now) Done."
        exit $rc
        ;;
    stop)
        echo "$(now) Ready to stop all DB ..."
        on_all stoplocal; rc=$?
        echo "$(now) Done."
        exit $rc
        ;;
    restart)
        echo "$(now) Ready to stop all DB ..."
        on_all stoplocal
        echo "$(now) Ready to start all DB ..."
        on_all startlocal; rc=$?
        echo "$(now) Done."
        exit $rc
        ;;
    startlocal)
        startlocal
        ;;
    stoplocal)
        stoplocal
        ;;
    *)
        echo "Usage: $0 start|stop|restart|startlocal|stoplocal"
        exit 1
        ;;
esac
`;
}

/** Env file of a V8R6 node: puts the install's bin on PATH. */
export function v8r6EnvFile(paths: V8R6Paths): string {
  return `# pulumi-hadr lab: KingbaseES V8R6 environment\nexport KINGBASE_HOME=${paths.installDir}\nexport KINGBASE_DATA=${paths.dataDir}\nexport PATH=${paths.binDir}:$PATH\n`;
}

/**
 * The V8R3 shell tools the lab writes into `<cluster>/db/bin` and `<cluster>/kingbasecluster/bin`:
 * `all_monitor.sh`, `kingbase_monitor.sh`, `network_rewind.sh`, `restartcluster.sh`, and the kingbasecluster
 * side tools `failover_stream.sh`, `pcp_attach_node`, `pool_nodes_show`; plus the lab's cron runner. They
 * reproduce the vendor contract that matters to a `RecoveryPolicy` (how the KINGBASECRON lines are commented
 * and un-commented, how HAmodule.conf is read, what network_rewind.sh does to the database each run and what
 * recovery.log says). The monitor scripts manage no database.
 */
import type { V8R3Paths } from "../layout";
import { PG_BIN } from "../pg";
import { MAKE_STANDBY_FN } from "./db";

/** How the monitor scripts reach peer hosts (the lab's SSH trust, standing in for the vendor's root SSH). */
export interface V8R3SshHop {
  /** OS user to log in as on peers (`sudo -n` is used there for the root-owned cron file). */
  user: string;
  /** Private key readable by that user. */
  keyPath: string;
  knownHostsPath: string;
  /** sshd port per peer address. */
  ports: Record<string, number>;
}

/** The `LoadCfg` function of the vendor scripts, verbatim in behaviour (drop after `#`, split at the first `=`, eval). */
const LOAD_CFG = `#read the configuration file HAmodule.conf
function LoadCfg()
{
    while read cfg;do
    param=\${cfg%%#*}
        paramName=\${param%%=*}
        paramValue=\${param#*=}
    if [ -z "\${paramName}" ] ; then
        continue
    elif [ -z "\${paramValue}" ]; then
        continue
    fi
    eval \${paramName}=\${paramValue}
    done < \${CfgFile}
}
LoadCfg`;

const CFG_HEADER = `SHELL_FOLDER=$(dirname $(readlink -f "$0"))
CfgFile="\${SHELL_FOLDER}/../etc/HAmodule.conf"

if [ ! -f \${CfgFile} ];then
    echo "ERROR: No configuration files!"
    exit 1
fi`;

/**
 * `all_monitor.sh` (runs as root): `stop|start dbcrond` and `stop|start pool` edit /etc/cron.d/KINGBASECRON
 * exactly as the vendor functions `stopcrond`/`setcrontab`/`stopcluster`/`startcluster` do: find the expected
 * line with `grep -wFn`, stop = `sed -i "<n>s/^/#/"` (so repeated stops give `##`), start = `sed -i "<n>s/#//g"`,
 * append the line when absent. Cron is not restarted (the lab runs no cron daemon; cron re-reads the file anyway).
 */
export function allMonitorScript(): string {
  return `#!/bin/bash
# all_monitor.sh - KingbaseES V8R3 node helper, pulumi-hadr lab stand-in.
# Emulates the vendor tool contract for the KINGBASECRON lines; it is not KingbaseES and manages no database.

ACT="$2"

WHICHPRO="$3"

if [ "$WHICHPRO"x = "pool"x ]
then
CLUSTER_BIN_PATH="$1"
KB_PATH="$4"
KB_POOL_VIP="$5"
DEV="$6"
elif [ "$WHICHPRO"x = "db"x -o "$WHICHPRO"x = "dbcrond"x ]
then
KB_PATH="$1"
KB_DATA_PATH="$4"
KB_EXECUTE_SYS_USER="$5"
fi

${CFG_HEADER}

MAX_AVAILABLE_LEVEL=0

${LOAD_CFG}

check_err_result()
{
        if [ $1 != 0 ];then
           echo $(date +'%Y-%m-%d %H:%M:%S') error code:$1
           exit $1
        fi
}

# lab: there is no cron daemon to restart (the vendor runs "service crond|cron restart" here)
function restart_crond()
{
    return 0
}

#stop the crontab of kingbasecluster
function stopcluster()
{
    local crontablist="*/1 * * * * root  \${CLUSTER_BIN_PATH}/restartcluster.sh"
    if [ -f /etc/cron.d/KINGBASECRON ]
    then
        local cronexist=$(cat /etc/cron.d/KINGBASECRON | grep -wFn "\${crontablist}" |wc -l)
        if [ $cronexist -eq 1 ]
        then
            local realist=$(cat /etc/cron.d/KINGBASECRON | grep -wFn "\${crontablist}")
            local linenum=$(echo "$realist" |awk -F':' '{print $1}')
            sed -i "\${linenum}s/^/#/"  /etc/cron.d/KINGBASECRON
        fi
    fi
}

#start the crontab of kingbasecluster
function startcluster()
{
    \${CLUSTER_BIN_PATH}/restartcluster.sh
    local crontablist="*/1 * * * * root  \${CLUSTER_BIN_PATH}/restartcluster.sh"
    if [ -f /etc/cron.d/KINGBASECRON ]
    then
        local cronexist=$(cat /etc/cron.d/KINGBASECRON | grep -wFn "\${crontablist}" |wc -l)
        if [ $cronexist -eq 1 ]
        then
            local realist=$(cat /etc/cron.d/KINGBASECRON | grep -wFn "\${crontablist}")
            local linenum=$(echo "$realist" |awk -F':' '{print $1}')
            echo start crontab kingbasecluster line number: [$linenum] 2>&1
            sed -i "\${linenum}s/#//g" /etc/cron.d/KINGBASECRON
            check_err_result $?
            restart_crond
        elif [ $cronexist -eq 0 ]
        then
            echo "$crontablist" >> /etc/cron.d/KINGBASECRON
            restart_crond
        else
            echo "crond is bad ,please check!"
        fi
    else
        echo "$crontablist" >> /etc/cron.d/KINGBASECRON
        restart_crond
    fi
}

#the function of set crontab of network_rewind.sh
function setcrontab()
{
    local user=$1
    local process=$2
    local crontablist="*/1 * * * * $user  \${KB_PATH}/\${process}"
    if [ -f /etc/cron.d/KINGBASECRON ]
    then
        local cronexist=$(cat /etc/cron.d/KINGBASECRON | grep -wFn "\${crontablist}" |wc -l)
        if [ $cronexist -eq 1 ]
        then
            local realist=$(cat /etc/cron.d/KINGBASECRON | grep -wFn "\${crontablist}")
            local linenum=$(echo "$realist" |awk -F':' '{print $1}')
            echo start crontab kingbase position : [$linenum] 2>&1
            sed -i "\${linenum}s/#//g" /etc/cron.d/KINGBASECRON 2>&1
            restart_crond
        elif [ $cronexist -eq 0 ]
        then
            echo "$crontablist" >> /etc/cron.d/KINGBASECRON
            restart_crond
        else
            echo "crond is bad ,please check!"
            exit 1
        fi
    else
        echo "$crontablist" >> /etc/cron.d/KINGBASECRON
        restart_crond
    fi
}

#stop the crontab of process
function stopcrond()
{
    local process=$1
    local crontablist="*/1 * * * * \${KB_EXECUTE_SYS_USER}  \${KB_PATH}/\${process}"

    # must execute by root
    if [ -f /etc/cron.d/KINGBASECRON ]
    then
        local cronexist=$(cat /etc/cron.d/KINGBASECRON | grep -wFn "\${crontablist}" |wc -l)
        if [ $cronexist -eq 1 ]
        then
            local realist=$(cat /etc/cron.d/KINGBASECRON | grep -wFn "\${crontablist}")
            local linenum=$(echo "$realist" |awk -F':' '{print $1}')

            sed -i "\${linenum}s/^/#/"  /etc/cron.d/KINGBASECRON
            check_err_result $?
        fi
    fi
}

main()
{
    if [ "$ACT"x = "stop"x ]
    then
        if [ "$WHICHPRO"x = "pool"x ]
        then
            stopcluster
        elif [ "$WHICHPRO"x = "dbcrond"x ]
        then
            stopcrond network_rewind.sh
        elif [ "$WHICHPRO"x = "db"x ]
        then
            echo "lab: no database process to stop"
        else
            echo "wchi pro should be stop? pro is [$WHICHPRO]"
        fi
    elif [ "$ACT"x = "start"x ]
    then
        if [ "$WHICHPRO"x = "pool"x ]
        then
            startcluster
        elif [ "$WHICHPRO"x = "dbcrond"x ]
        then
            setcrontab $KB_EXECUTE_SYS_USER network_rewind.sh
        elif [ "$WHICHPRO"x = "db"x ]
        then
            echo "lab: no database process to start"
        else
            echo "wchi pro should be start? pro is [$WHICHPRO]"
        fi
    elif [ "$ACT"x = "check"x ]
    then
        # lab: no database / kingbasecluster process exists
        echo 0
    else
        echo "usage: $0 <path> start|stop|check pool|db|dbcrond [args...]"
        exit 1
    fi
}

main
`;
}

/** Shell `case` that maps a peer address to its sshd port. */
function portCase(hop: V8R3SshHop): string {
  const arms = Object.entries(hop.ports).map(([ip, port]) => `        ${ip}) echo ${port} ;;`);
  return `function lab_ssh_port()
{
    case "$1" in
${arms.join("\n")}
        *) echo 22 ;;
    esac
}`;
}

/** Bash `lab_ssh <ip> <command>`: the command locally when `<ip>` is this node, else over the cluster's SSH trust. */
const LAB_SSH_FN = `function lab_ssh()
{
    local ip=$1
    shift
    if [ "$ip"x = "$KB_LOCALHOST_IP"x ]
    then
        bash -c "$*"
    else
        ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$LAB_KNOWN_HOSTS -i $LAB_SSH_KEY \\
            -o ConnectTimeout=3 -p $(lab_ssh_port $ip) -l $LAB_SSH_USER -T $ip "$*"
    fi
}`;

/**
 * `kingbase_monitor.sh start|stop|restart` (runs as kingbase): for every node, as the vendor does over
 * `ssh -l root`, runs `all_monitor.sh … stop|start pool` on the two pool nodes and `all_monitor.sh … stop|start
 * dbcrond` on every node — through `sudo -n` locally and `ssh <lab user>@peer sudo -n …` for peers. So `stop`
 * comments both KINGBASECRON lines everywhere and `start`/`restart` re-enables them: the vendor action that
 * silently undoes a "recovery off" policy.
 */
export function kingbaseMonitorScript(hop: V8R3SshHop): string {
  return `#!/bin/bash
# kingbase_monitor.sh - KingbaseES V8R3 cluster start/stop, pulumi-hadr lab stand-in.
# Emulates the vendor tool contract for the KINGBASECRON lines; it is not KingbaseES and starts no database.

${CFG_HEADER}

${LOAD_CFG}

LAB_SSH_USER="${hop.user}"
LAB_SSH_KEY="${hop.keyPath}"
LAB_KNOWN_HOSTS="${hop.knownHostsPath}"
[ "\${CONNECTTIMEOUT}"x = ""x ] && CONNECTTIMEOUT=10

${portCase(hop)}

function usage()
{
    echo "usage: $0 start | stop | restart ";exit 1
}

#the function of warning handing
check_waring_result()
{
    if [ $1 != 0 ];then
       echo $(date +'%Y-%m-%d %H:%M:%S') warning code:$1
       return 1;
    fi
    return 0;
}

# run a command as root on node $1 (vendor: ssh -l root; lab: sudo -n locally, ssh + sudo -n on peers)
function as_root_on()
{
    local ip=$1
    shift
    if [ "$ip"x = "$KB_LOCALHOST_IP"x ]
    then
        if [ "$(id -u)" = "0" ]
        then
            "$@"
        else
            sudo -n "$@"
        fi
    else
        ssh -o BatchMode=yes -o StrictHostKeyChecking=yes -o UserKnownHostsFile=$LAB_KNOWN_HOSTS -i $LAB_SSH_KEY \\
            -o ConnectTimeout=$CONNECTTIMEOUT -p $(lab_ssh_port $ip) -l $LAB_SSH_USER -T $ip "sudo -n $*"
    fi
}

function pool_ips()
{
    echo $KB_POOL_IP1
    [ "$KB_POOL_IP2"x != ""x -a "$KB_POOL_IP2"x != "$KB_POOL_IP1"x ] && echo $KB_POOL_IP2
}

echo "-----------------------------------------------------------------------"
echo $(date +'%Y-%m-%d %H:%M:%S') KingbaseES automation beging...

function stoppool()
{
    for pool_ip in $(pool_ips)
    do
        echo $(date +'%Y-%m-%d %H:%M:%S') stop kingbasecluster [$pool_ip] ...
        as_root_on $pool_ip $CLUSTER_BIN_PATH/all_monitor.sh $CLUSTER_BIN_PATH stop pool $KB_PATH $KB_POOL_VIP $DEV
        check_waring_result $?
        if [ $? != 0 ];then
            echo $(date +'%Y-%m-%d %H:%M:%S') Some wrong in here, ignore now. Stop next node.
        else
            echo $(date +'%Y-%m-%d %H:%M:%S') Done...
        fi
    done
}

function stopdb()
{
    for kb_ip in \${KB_ALL_IP[@]}
    do
        echo $(date +'%Y-%m-%d %H:%M:%S') stop crontab of network_rewind [$kb_ip] ... 2>&1
        as_root_on $kb_ip $KB_PATH/all_monitor.sh $KB_PATH stop dbcrond $KB_DATA_PATH $KB_EXECUTE_SYS_USER
        check_waring_result $?
        if [ $? != 0 ];then
            echo $(date +'%Y-%m-%d %H:%M:%S') Some wrong in here, ignore now. Continue.
        else
            echo $(date +'%Y-%m-%d %H:%M:%S') Done...
        fi
        echo $(date +'%Y-%m-%d %H:%M:%S') stop kingbase [$kb_ip] ... 2>&1
        echo $(date +'%Y-%m-%d %H:%M:%S') Done...
    done
}

function startdb()
{
    for kb_ip in \${KB_ALL_IP[@]}
    do
        echo $(date +'%Y-%m-%d %H:%M:%S') start kingbase [$kb_ip] ... 2>&1
        echo $(date +'%Y-%m-%d %H:%M:%S') start crontab of network_rewind [$kb_ip] ... 2>&1
        as_root_on $kb_ip $KB_PATH/all_monitor.sh $KB_PATH start dbcrond $KB_DATA_PATH $KB_EXECUTE_SYS_USER 2>&1
        check_waring_result $?
        if [ $? != 0 ];then
            echo $(date +'%Y-%m-%d %H:%M:%S') Some wrong in here, ignore now. Continue.
        else
            echo $(date +'%Y-%m-%d %H:%M:%S') Done...
        fi
    done
}

function startpool()
{
    for pool_ip in $(pool_ips)
    do
        echo $(date +'%Y-%m-%d %H:%M:%S') start kingbasecluster [$pool_ip] ...
        as_root_on $pool_ip $CLUSTER_BIN_PATH/all_monitor.sh $CLUSTER_BIN_PATH start pool $KB_PATH $KB_POOL_VIP $DEV
        check_waring_result $?
        if [ $? != 0 ];then
            echo $(date +'%Y-%m-%d %H:%M:%S') Some wrong in here, ignore now. Start next node.
        else
            echo $(date +'%Y-%m-%d %H:%M:%S') Done...
        fi
    done
}

function stopall()
{
    stoppool
    stopdb
    echo "......................"
    echo "all stop.."
}

function startall()
{
    startdb
    startpool
    echo "......................"
    echo "all started.."
}

case "$1" in
    start)
        startall
        ;;
    stop)
        stopall
        ;;
    restart)
        stopall
        startall
        ;;
    *)
        usage
        ;;
esac
exit 0
`;
}

/**
 * `network_rewind.sh [--force]` (cron, as kingbase, every minute): reads HAmodule.conf with LoadCfg on every
 * run, normalises AUTO_PRIMARY_RECOVERY / USE_CHECK_DISK / MAX_AVAILABLE_LEVEL like the vendor, takes the
 * /dev/shm/kb.lock flock, keeps /dev/shm/KB_RECOVERY_FLAG, and follows spec §1.4 on the real database: asks
 * the pool for `show pool_nodes` (saved in `KB_CLUSTER_STATUS`); on a standby checks the primary's
 * pg_stat_replication for its NODE_NAME and re-attaches it when streaming (a primary that cannot be queried
 * at all — the pool has not detached a lost one yet — ends the round: "ksql execute failed" is no evidence
 * against this node, and stopping it would stop the standby the pool is about to promote); otherwise stops
 * the local database, fences a node that is no standby unless AUTO_PRIMARY_RECOVERY (or `--force`) allows
 * recovery, else makes it a standby of the new primary with the real pg_rewind, starts it, checks its WAL
 * receiver and attaches it to the pool. recovery.log gets the vendor's lines (§1.6). The standby marker is
 * PostgreSQL 15's (v8r3/db.ts).
 */
export function networkRewindScript(paths: V8R3Paths, hop: V8R3SshHop): string {
  return `#!/bin/bash
# network_rewind.sh - KingbaseES V8R3 auto-recovery, pulumi-hadr lab stand-in.
# Emulates the vendor contract (config reading, flag/lock files, recovery.log lines, the AUTO_PRIMARY_RECOVERY
# gate, the recovery steps on a real PostgreSQL 15 standing in for KingbaseES); it is not KingbaseES.

AUTO_PRIMARY_RECOVERY=0
force_recovery=0
MOUNT_CHECK_MAX_RETRIES=6

${CFG_HEADER}

MAX_AVAILABLE_LEVEL=0

${LOAD_CFG}

KB_RECOVERY_FLAG="/dev/shm/KB_RECOVERY_FLAG"
PG_BIN="${PG_BIN}"
KB_SOCKET_DIR="${paths.runDir}"
KB_SERVER_LOG="${paths.serverLog}"
LAB_SSH_USER="${hop.user}"
LAB_SSH_KEY="${hop.keyPath}"
LAB_KNOWN_HOSTS="${hop.knownHostsPath}"
[ "\${CONNECTTIMEOUT}"x = ""x ] && CONNECTTIMEOUT=10
[ "\${HEALTH_CHECK_MAX_RETRIES}"x = ""x ] && HEALTH_CHECK_MAX_RETRIES=3
[ "\${HEALTH_CHECK_RETRY_DELAY}"x = ""x ] && HEALTH_CHECK_RETRY_DELAY=1

${portCase(hop)}

${LAB_SSH_FN}

${MAKE_STANDBY_FN}
[ "\${RECOVERY_LOG_DIR}"x = ""x ] && RECOVERY_LOG_DIR="\${SHELL_FOLDER}/../../log/recovery.log"

# get the value of 'AUTO_PRIMARY_RECOVERY', default is '0'/'off'
if [ "\${AUTO_PRIMARY_RECOVERY}"x = "1"x -o "\${AUTO_PRIMARY_RECOVERY}"x = "on"x -o "\${AUTO_PRIMARY_RECOVERY}"x = "true"x -o "\${AUTO_PRIMARY_RECOVERY}"x = "yes"x ]
then
    AUTO_PRIMARY_RECOVERY=1
else
    AUTO_PRIMARY_RECOVERY=0
fi

# get the value of 'USE_CHECK_DISK', default is '1'/'on'
if [ "\${USE_CHECK_DISK}"x = "0"x -o "\${USE_CHECK_DISK}"x = "off"x -o "\${USE_CHECK_DISK}"x = "false"x -o "\${USE_CHECK_DISK}"x = "no"x ]
then
    USE_CHECK_DISK=0
else
    USE_CHECK_DISK=1
fi

# get the value of 'MAX_AVAILABLE_LEVEL', default is '0'/'off'
if [ "\${MAX_AVAILABLE_LEVEL}"x = "1"x -o "\${MAX_AVAILABLE_LEVEL}"x = "on"x -o "\${MAX_AVAILABLE_LEVEL}"x = "true"x -o "\${MAX_AVAILABLE_LEVEL}"x = "yes"x ]
then
    MAX_AVAILABLE_LEVEL=1
elif [ "\${MAX_AVAILABLE_LEVEL}"x = "0"x -o "\${MAX_AVAILABLE_LEVEL}"x = "off"x -o "\${MAX_AVAILABLE_LEVEL}"x = "false"x -o "\${MAX_AVAILABLE_LEVEL}"x = "no"x ]
then
    MAX_AVAILABLE_LEVEL=0
else
    MAX_AVAILABLE_LEVEL=0
    echo "WARNING: invalid values for MAX_AVAILABLE_LEVEL, set it as default 'off'" >> $RECOVERY_LOG_DIR 2>&1
fi

if [ "$1"x = "--force"x ]
then
    force_recovery=1
fi

function log()
{
    echo "$*" >> $RECOVERY_LOG_DIR 2>&1
    [ $force_recovery -eq 1 ] && echo "$*"
}

function finish()
{
    echo 0 > \${KB_RECOVERY_FLAG}
    exit $1
}

# ksql to the local database / to another node's database (-Atq)
function kb_sql_local()
{
    \${PG_BIN}/psql -h \${KB_SOCKET_DIR} -p \${KB_PORT} -U \${KB_USER} -d \${KB_DATANAME} -Atqc "$1" 2>>\${RECOVERY_LOG_DIR}
}
function kb_sql()
{
    \${PG_BIN}/psql "host=$1 port=\${KB_PORT} user=\${KB_USER} dbname=\${KB_DATANAME} connect_timeout=10" -Atqc "$2" 2>>\${RECOVERY_LOG_DIR}
}

function db_running()
{
    \${PG_BIN}/pg_ctl -D \${KB_DATA_PATH} status >/dev/null 2>&1
}

function db_stop()
{
    db_running && \${PG_BIN}/pg_ctl -D \${KB_DATA_PATH} -m fast -w -t 90 stop >> \${RECOVERY_LOG_DIR} 2>&1
    return 0
}

# the vendor: ksql "host=$KB_POOL_VIP port=$KB_POOL_PORT ..." -c "show pool_nodes;" (lab: the first pool node whose
# kingbasecluster answers, over the cluster's SSH trust)
function show_pool_nodes()
{
    for pool_ip in $KB_POOL_IP1 $KB_POOL_IP2
    do
        out=$(lab_ssh $pool_ip "\${CLUSTER_BIN_PATH}/pool_nodes_show" 2>/dev/null)
        if [ $? -eq 0 -a "$out"x != ""x ]
        then
            echo "$out"
            return 0
        fi
    done
    echo "ksql: could not connect to server: Connection refused (kingbasecluster on $KB_POOL_IP1 $KB_POOL_IP2)"
    return 2
}

function attach_cluster()
{
    log "attach pool..."
    local node_id=$(grep -w "\${KB_LOCALHOST_IP}" \${KB_CLUSTER_STATUS} | head -n 1 | awk -F'|' '{print $1}' | tr -d ' ')
    \${CLUSTER_BIN_PATH}/pcp_attach_node -n \${node_id} >> \${RECOVERY_LOG_DIR} 2>&1
    log "attach end.."
}

# fd 200 holds the round's lock; what this script starts that outlives it (the database) is started with fd 200
# closed (200>&-), or the postmaster would hold the lock and every later round would exit here
exec 200>>/dev/shm/kb.lock
flock -n 200
if [ $? -ne 0 ]
then
    log "Anthoer process is on, exit this time"
    exit 0
fi

log "---------------------------------------------------------------------"
log "$(date +'%Y-%m-%d %H:%M:%S') recover beging..."
log "my pid is $$,officially began to perform recovery"
printf '1\\n%s\\n' "$$" > \${KB_RECOVERY_FLAG}
log "auto primary recovery: [\${AUTO_PRIMARY_RECOVERY}], use check disk: [\${USE_CHECK_DISK}], max available level: [\${MAX_AVAILABLE_LEVEL}]"

if [ \${USE_CHECK_DISK} -eq 1 ]
then
    log "$(date +'%Y-%m-%d %H:%M:%S') check read/write on mount point (1 / $MOUNT_CHECK_MAX_RETRIES)."
    status_file="\${KB_DATA_PATH}/rw_status_file_$(date +%N)"
    if echo "check read/write on \${KB_DATA_PATH}" > \${status_file} 2>/dev/null
    then
        rm -f \${status_file}
        log "$(date +'%Y-%m-%d %H:%M:%S') check read/write on mount point (1 / $MOUNT_CHECK_MAX_RETRIES) ... OK"
    else
        log "could not write on mount point \\"\${KB_DATA_PATH}\\", please check it"
    fi
fi

log "$(date +'%Y-%m-%d %H:%M:%S') check if the network is ok"
log "ping trust ip \${KB_GATEWAY_IP} success ping times :[\${PING_TIMES}], success times:[\${PING_TIMES}]"
log "determine if i am master or standby "

show_pool_nodes > \${KB_CLUSTER_STATUS} 2>&1
result_of_ksql=$?
cat \${KB_CLUSTER_STATUS} >> \${RECOVERY_LOG_DIR} 2>&1
if [ $result_of_ksql -ne 0 ]
then
    log "ksql execute failed ,will exit script with error "
    finish 66
fi

primary_host=$(grep -w primary \${KB_CLUSTER_STATUS} | grep -w up | head -n 1 | awk -F'|' '{print $2}' | tr -d ' ')
if [ "\${primary_host}"x = ""x ]
then
    log "result of now master ip not found,will exit script with error"
    log "no primary node in kingbasecluster, nothing to do "
    finish 66
fi

if [ "\${primary_host}"x = "\${KB_LOCALHOST_IP}"x ]
then
    log "I,m node is primary, and cluster is async,nothing to do"
    finish 0
fi

log "i am standby in cluster,determine if recovery is needed"
need_change=1
im_status=0
if [ -f \${KB_DATA_PATH}/standby.signal ]
then
    query_failed=0
    for((i=1;i<=$HEALTH_CHECK_MAX_RETRIES;i++))
    do
        n=$(kb_sql \${primary_host} "select count(*) from pg_stat_replication where application_name='\${NODE_NAME}' and state in ('streaming','catchup')")
        if [ $? -ne 0 ]
        then
            # the primary did not answer: that says nothing about this node's replication
            query_failed=1
            log "ksql execute failed on primary [\${primary_host}] ,will retry ,retry times:[\${i}/\${HEALTH_CHECK_MAX_RETRIES}]"
            sleep $HEALTH_CHECK_RETRY_DELAY
            continue
        fi
        query_failed=0
        if [ "$n"x = "1"x ]
        then
            need_change=1
            break
        fi
        need_change=0
        log "ksql execute success,but node:\${NODE_NAME} does not have correct streaming(or catchup) replication ,will retry ,retry times:[\${i}/\${HEALTH_CHECK_MAX_RETRIES}]"
        sleep $HEALTH_CHECK_RETRY_DELAY
    done
    if [ $query_failed -eq 1 ]
    then
        log "the primary [\${primary_host}] can not be queried, will exit script with error"
        finish 66
    fi
    im_status=$(grep -w down \${KB_CLUSTER_STATUS} | grep -w "\${KB_LOCALHOST_IP}" | wc -l)
else
    # no standby marker: a returning old primary is fenced here
    db_stop
    im_status=2
fi

if [ "$need_change"x = "0"x -o "$im_status"x = "2"x ]
then
    log "primary node/Im node status is changed, primary ip[\${primary_host}], recovery.conf NEED_CHANGE [\${need_change}] (0 is need ), I,m status is [\${im_status}] (1 is down), I will be in recovery. "
else
    if [ "$im_status"x = "1"x ]
    then
        attach_cluster
    fi
    log "ALL NODES ARE UP STATUS!"
    finish 0
fi

log "if recover node up, let it down , for rewind"
db_stop

if [ \${AUTO_PRIMARY_RECOVERY} -eq 0 -a $force_recovery -eq 0 ]
then
    if [ -f \${KB_DATA_PATH}/standby.signal ]
    then
        if ! grep -v "^ *#" \${KB_DATA_PATH}/postgresql.auto.conf 2>/dev/null | grep -q primary_conninfo
        then
            log "$(date +'%Y-%m-%d %H:%M:%S') the kingbase is not standby, can not do recovery."
            finish 1
        fi
    else
        log "$(date +'%Y-%m-%d %H:%M:%S') the kingbase has no file "\${KB_DATA_PATH}/recovery.conf", maybe it's primary, can not do recovery."
        finish 1
    fi
fi

# pg_rewind needs a cleanly shut down target: finish crash recovery with nobody able to connect, stop cleanly
state=$(LANG=C \${PG_BIN}/pg_controldata \${KB_DATA_PATH} 2>/dev/null | grep "Database cluster state" | awk -F: '{print $2}' | sed 's/^ *//')
if [ "$state"x != "shut down"x -a "$state"x != "shut down in recovery"x ]
then
    mkdir -p \${KB_SOCKET_DIR}/recover
    \${PG_BIN}/pg_ctl -D \${KB_DATA_PATH} -l \${KB_SERVER_LOG} -o "-c listen_addresses='' -c unix_socket_directories='\${KB_SOCKET_DIR}/recover'" -w -t 90 start >> \${RECOVERY_LOG_DIR} 2>&1 200>&-
    \${PG_BIN}/pg_ctl -D \${KB_DATA_PATH} -m fast -w -t 90 stop >> \${RECOVERY_LOG_DIR} 2>&1
fi

log "$(date +'%Y-%m-%d %H:%M:%S') sys_rewind..."
log "sys_rewind  --target-data=\${KB_DATA_PATH} --source-server="host=\${primary_host} port=\${KB_PORT} user=\${KB_USER} dbname=\${KB_DATANAME}""
\${PG_BIN}/pg_rewind --target-pgdata=\${KB_DATA_PATH} --source-server="host=\${primary_host} port=\${KB_PORT} user=\${KB_USER} dbname=\${KB_DATANAME}" >> \${RECOVERY_LOG_DIR} 2>&1
if [ $? -ne 0 ]
then
    log "$(date +'%Y-%m-%d %H:%M:%S') sys_rewind failed, exit recovery process."
    finish 66
fi

log "cp recovery.conf..."
log " change recovery.conf ip -> primary.ip"
kb_make_standby \${KB_DATA_PATH} \${primary_host} \${NODE_NAME}
rm -f \${KB_DATA_PATH}/postmaster.pid

log "$(date +'%Y-%m-%d %H:%M:%S') start up the kingbase..."
mkdir -p \${KB_SOCKET_DIR}
\${PG_BIN}/pg_ctl -D \${KB_DATA_PATH} -l \${KB_SERVER_LOG} -w -t 90 start >> \${RECOVERY_LOG_DIR} 2>&1 200>&-
if [ "$(kb_sql_local 'select 33333')"x != "33333"x ]
then
    log "$(date +'%Y-%m-%d %H:%M:%S') The process was started, but no pid was foud in system, which db may have been turned off!"
    finish 66
fi
streaming=0
for((i=1;i<=10;i++))
do
    if [ "$(kb_sql_local "select count(*) from pg_stat_wal_receiver where conninfo like '%host=\${primary_host} %'")"x = "1"x ]
    then
        streaming=1
        break
    fi
    sleep 1
done
if [ $streaming -eq 0 ]
then
    log "$(date +'%Y-%m-%d %H:%M:%S') The db was started, but replication to primary is failed, exit recovery process."
    finish 66
fi
log "$(date +'%Y-%m-%d %H:%M:%S') start up standby successful!"
attach_cluster
log "ALL NODES ARE UP STATUS!"
if [ $force_recovery -eq 1 ]
then
    sudo -n \${KB_PATH}/all_monitor.sh \${KB_PATH} start dbcrond \${KB_DATA_PATH} \${KB_EXECUTE_SYS_USER} >/dev/null 2>&1
fi
log "recovery success,exit script with success "
finish 0
`;
}

/** HAmodule.conf loading plus the lab's SSH trust variables and `lab_ssh`, for the kingbasecluster-side tools. */
function poolToolPrelude(hop: V8R3SshHop): string {
  return `${CFG_HEADER}

${LOAD_CFG}

LAB_SSH_USER="${hop.user}"
LAB_SSH_KEY="${hop.keyPath}"
LAB_KNOWN_HOSTS="${hop.knownHostsPath}"

${portCase(hop)}

${LAB_SSH_FN}`;
}

/**
 * `restartcluster.sh` (cron, as root): the kingbasecluster watchdog — starts the kingbasecluster stand-in
 * (as the cluster user, who holds the SSH trust the stand-in uses) when its pid file names no live process.
 */
export function restartClusterScript(paths: V8R3Paths, user: string): string {
  return `#!/bin/bash
# restartcluster.sh - KingbaseES V8R3 kingbasecluster watchdog, pulumi-hadr lab stand-in.
export PATH=/usr/sbin:/sbin:$PATH
SHELL_FOLDER=$(dirname $(readlink -f "$0"))
LOG="\${SHELL_FOLDER}/../../log/cluster_restart.log"
PID_FILE="${paths.poolRunDir}/kingbasecluster.pid"
p=$(head -n 1 $PID_FILE 2>/dev/null)
if [ "$p"x != ""x ] && tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -q kingbasecluster
then
    exit 0
fi
echo "$(date +'%Y-%m-%d %H:%M:%S') kingbasecluster is not running, restart it" >> $LOG 2>/dev/null
if [ "$(id -u)" = "0" ]
then
    runuser -u ${user} -- env HOME=/home/${user} \${SHELL_FOLDER}/kingbasecluster -f ${paths.poolConf} >> $LOG 2>&1
else
    \${SHELL_FOLDER}/kingbasecluster -f ${paths.poolConf} >> $LOG 2>&1
fi
exit 0
`;
}

/**
 * `failover_stream.sh <new primary> <old primary>` (the pool's failover command): promotes the standby at
 * `<new primary>` (over the cluster's SSH trust) and writes `failover.log`, only on the node that runs it.
 */
export function failoverStreamScript(paths: V8R3Paths, hop: V8R3SshHop): string {
  return `#!/bin/bash
# failover_stream.sh - KingbaseES V8R3 failover command, pulumi-hadr lab stand-in.
NEW_PRIMARY="$1"
OLD_PRIMARY="$2"
${poolToolPrelude(hop)}

echo "$(date +'%Y-%m-%d %H:%M:%S') failover begin: old primary [$OLD_PRIMARY], promote [$NEW_PRIMARY]" >> $FAILOVER_LOG_DIR 2>&1
lab_ssh $NEW_PRIMARY "${PG_BIN}/pg_ctl promote -D ${paths.kbData} -w -t 60" >> $FAILOVER_LOG_DIR 2>&1
rc=$?
echo "$(date +'%Y-%m-%d %H:%M:%S') failover end: promote [$NEW_PRIMARY] exit code [$rc]" >> $FAILOVER_LOG_DIR 2>&1
exit $rc
`;
}

/** `pcp_attach_node -n <node id>`: asks every reachable pool node to re-attach the backend (PCP through the VIP). */
export function pcpAttachNodeScript(paths: V8R3Paths, hop: V8R3SshHop): string {
  return `#!/bin/bash
# pcp_attach_node - kingbasecluster PCP client, pulumi-hadr lab stand-in.
NODE_ID=""
while [ $# -gt 0 ]; do case "$1" in -n) NODE_ID="$2"; shift 2 ;; *) shift ;; esac; done
case "$NODE_ID" in ''|*[!0-9]*) echo "pcp_attach_node: a node id (-n) is required"; exit 1 ;; esac
${poolToolPrelude(hop)}

done_any=1
for pool_ip in $KB_POOL_IP1 $KB_POOL_IP2
do
    lab_ssh $pool_ip "touch ${paths.poolRunDir}/attach.$NODE_ID" && done_any=0
done
[ $done_any -eq 0 ] && echo "pcp_attach_node -- Command Successful"
exit $done_any
`;
}

/** `pool_nodes_show`: what \`show pool_nodes\` answers on this pool node (fails while its kingbasecluster is down). */
export function poolNodesShowScript(paths: V8R3Paths): string {
  return `#!/bin/bash
# pool_nodes_show - "show pool_nodes" of this node's kingbasecluster, pulumi-hadr lab stand-in.
p=$(head -n 1 ${paths.poolRunDir}/kingbasecluster.pid 2>/dev/null)
# a live process only (a killed one may linger as a zombie for a moment: its cmdline is empty)
[ "$p"x != ""x ] && tr '\\0' ' ' < /proc/$p/cmdline 2>/dev/null | grep -q kingbasecluster || exit 2
cat ${paths.poolRunDir}/pool_nodes 2>/dev/null
`;
}

/** Seconds between two rounds of the lab's cron runner (a real cron runs `*\/1` lines once a minute). */
export const CRON_TICK_S = 10;

/**
 * The lab's cron runner (as root; the machine's cron daemon): every CRON_TICK_S seconds it reads
 * /etc/cron.d/KINGBASECRON afresh and starts each active (uncommented) `*\/1 * * * *` line's command as the
 * line's user, in the background, with cron's environment — so only the file decides what runs.
 */
export function crondScript(): string {
  return `#!/bin/bash
# crond - pulumi-hadr lab cron runner: runs the active */1 lines of /etc/cron.d/KINGBASECRON every ${CRON_TICK_S} s.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
while true
do
    if [ -f /etc/cron.d/KINGBASECRON ]
    then
        while read -r m h dom mon dow user cmd
        do
            case "$m" in ''|'#'*) continue ;; esac
            [ "$m $h $dom $mon $dow" = "*/1 * * * *" ] || [ "$m $h $dom $mon $dow" = "* * * * *" ] || continue
            home=$(getent passwd "$user" | cut -d: -f6)
            [ -d "$home" ] && cd "$home" || cd /
            setsid runuser -u "$user" -- env -i HOME="$home" LOGNAME="$user" USER="$user" SHELL=/bin/sh \\
                PATH=/usr/bin:/bin HADR_LAB_HOST="$HADR_LAB_HOST" HADR_LAB_ROOT="$HADR_LAB_ROOT" \\
                /bin/sh -c "$cmd" </dev/null >/dev/null 2>&1 &
        done < /etc/cron.d/KINGBASECRON
    fi
    sleep ${CRON_TICK_S}
done
`;
}

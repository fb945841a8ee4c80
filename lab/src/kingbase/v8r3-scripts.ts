/**
 * The V8R3 shell tools the lab writes into `<cluster>/db/bin` and `<cluster>/kingbasecluster/bin`:
 * `all_monitor.sh`, `kingbase_monitor.sh`, `network_rewind.sh`, `restartcluster.sh`. They reproduce the
 * vendor contract that matters to a `RecoveryPolicy` (how the KINGBASECRON lines are commented and
 * un-commented, how HAmodule.conf is read, what recovery.log says); they manage no database.
 */

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
 * `network_rewind.sh [--force]` (cron, as kingbase, every minute): reads HAmodule.conf with LoadCfg, normalises
 * AUTO_PRIMARY_RECOVERY / USE_CHECK_DISK / MAX_AVAILABLE_LEVEL like the vendor, takes the /dev/shm/kb.lock flock,
 * keeps /dev/shm/KB_RECOVERY_FLAG, and appends representative recovery.log lines. It performs no real recovery:
 * the cluster view comes from the provisioned `KB_CLUSTER_STATUS` (pool_nodes) file, and "recovery" of a
 * returning old primary (no `recovery.conf`) only rewrites that file when AUTO_PRIMARY_RECOVERY allows it.
 */
export function networkRewindScript(): string {
  return `#!/bin/bash
# network_rewind.sh - KingbaseES V8R3 auto-recovery, pulumi-hadr lab stand-in.
# Emulates the vendor contract (config reading, flag/lock files, recovery.log lines, the AUTO_PRIMARY_RECOVERY
# gate); it is not KingbaseES and does no real rewind.

AUTO_PRIMARY_RECOVERY=0
force_recovery=0
MOUNT_CHECK_MAX_RETRIES=6

${CFG_HEADER}

MAX_AVAILABLE_LEVEL=0

${LOAD_CFG}

KB_RECOVERY_FLAG="/dev/shm/KB_RECOVERY_FLAG"
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

log "ping trust ip \${KB_GATEWAY_IP} success ping times :[\${PING_TIMES}], success times:[\${PING_TIMES}]"

# the vendor asks the pool ("show pool_nodes") and saves the answer in KB_CLUSTER_STATUS; the lab provisions it
primary_host=$(grep -w primary \${KB_CLUSTER_STATUS} 2>/dev/null | head -n 1 | awk -F'|' '{print $2}' | tr -d ' ')
if [ "\${primary_host}"x = ""x ]
then
    log "can not get the primary node from the cluster, exit"
    finish 1
fi

if [ "\${primary_host}"x = "\${KB_LOCALHOST_IP}"x ]
then
    log "now,the primary node is myself [\${KB_LOCALHOST_IP}], nothing to recover"
    log "ALL NODES ARE UP STATUS!"
    finish 0
fi

log "i am standby in cluster,determine if recovery is needed"
if [ -f \${KB_DATA_PATH}/recovery.conf ] && grep -qv "^ *#" \${KB_DATA_PATH}/recovery.conf && grep -v "^ *#" \${KB_DATA_PATH}/recovery.conf | grep -q "host=\${primary_host}"
then
    log "the standby is streaming from the primary [\${primary_host}], no need to recover"
    log "ALL NODES ARE UP STATUS!"
    finish 0
fi

log "primary node/Im node status is changed, primary:[\${primary_host}], local node:[\${KB_LOCALHOST_IP}]. I will be in recovery."
if [ ! -f \${KB_DATA_PATH}/recovery.conf ] && [ \${AUTO_PRIMARY_RECOVERY} -eq 0 ] && [ $force_recovery -eq 0 ]
then
    log "the kingbase has no file \\"\${KB_DATA_PATH}/recovery.conf\\", maybe it's primary, can not do recovery."
    finish 1
fi

log "sys_rewind..."
log "lab: no database; sys_rewind is not run"
log "start up the kingbase..."
printf "standby_mode='on'\\nprimary_conninfo='port=\${KB_PORT} host=\${primary_host} user=SYSTEM password=MTIzNDU2 application_name=\${NODE_NAME}'\\nrecovery_target_timeline='latest'\\n" > \${KB_DATA_PATH}/recovery.conf
log "start up standby successful!"
log "attach pool..."
log "attach end.."
log "ALL NODES ARE UP STATUS!"
if [ $force_recovery -eq 1 ]
then
    sudo -n \${KB_PATH}/all_monitor.sh \${KB_PATH} start dbcrond \${KB_DATA_PATH} \${KB_EXECUTE_SYS_USER} >/dev/null 2>&1
fi
log "recovery success,exit script with success"
finish 0
`;
}

/** `restartcluster.sh` (cron, as root): the kingbasecluster watchdog; the lab has no kingbasecluster, it only logs. */
export function restartClusterScript(): string {
  return `#!/bin/bash
# restartcluster.sh - KingbaseES V8R3 kingbasecluster watchdog, pulumi-hadr lab stand-in (no kingbasecluster runs).
SHELL_FOLDER=$(dirname $(readlink -f "$0"))
LOG="\${SHELL_FOLDER}/../../log/cluster_restart.log"
echo "$(date +'%Y-%m-%d %H:%M:%S') lab: kingbasecluster is not emulated, nothing to restart" >> $LOG 2>/dev/null
exit 0
`;
}

/** The `show pool_nodes` answer the lab provisions in `KB_CLUSTER_STATUS` (node 1 primary). */
export function poolNodesFile(allIps: string[]): string {
  const rows = allIps.map((ip, i) => {
    const role = i === 0 ? "primary" : "standby";
    const lb = i === 0 ? "true " : "false";
    return ` ${String(i).padEnd(7)} | ${ip.padEnd(9)} | 54321 | up     | ${(1 / allIps.length).toFixed(6)}  | ${role} | 0          | ${lb}             | 0`;
  });
  return [
    " node_id | hostname  | port  | status | lb_weight |  role   | select_cnt | load_balance_node | replication_delay",
    "---------+-----------+-------+--------+-----------+---------+------------+-------------------+-------------------",
    ...rows,
    `(${allIps.length} rows)`,
    "",
  ].join("\n");
}

#!/usr/bin/env bash
# A real Apache Hadoop on 127.0.0.1 (or HADOOP_HOST) for trying out and testing: HDFS (NameNode + DataNode, WebHDFS on) and YARN
# (ResourceManager + NodeManagers), each daemon its own JVM, as in a real deployment. The jars come from Maven
# Central (no tarball), resolved once into a cache; later starts reuse the cache without Maven.
# Separate daemons rather than MiniHadoopClusterManager (one JVM): that is how Hadoop is deployed (the XML config a
# client reads is the one the daemons run with), a daemon can be killed on its own for failure tests, each has its
# own log, and the jars are the plain server artifacts, not the minicluster's test jars (Mockito, JUnit, ...).
#
# Usage: scripts/hadoop.sh start|stop|status|clean|fetch
#   start   starts the cluster and waits until HDFS has left safe mode with a live DataNode and every NodeManager
#           is RUNNING in the ResourceManager; if this state directory's cluster already runs, reports it instead.
#   stop    SIGTERM to each daemon (NodeManagers first), a bounded wait, then SIGKILL; pid files removed.
#   status  reports the running cluster (exit 3 when none).
#   clean   stop, then delete the state directory (HDFS contents included); the jar cache stays.
#   fetch   only resolve the jars into the cache (an install step for CI; start does it too when needed).
#
# stdout of start/status gets only these lines (what was started and where, the logs, goes to stderr):
#   HADOOP_CONF_DIR=<dir with core-site.xml, hdfs-site.xml, yarn-site.xml>
#   fs.defaultFS=hdfs://127.0.0.1:<port>
#   webhdfs=http://127.0.0.1:<port>
#   yarn.resourcemanager.webapp=http://127.0.0.1:<port>
#   yarn.resourcemanager.address=127.0.0.1:<port>
# e.g.  eval "$(scripts/hadoop.sh start | grep ^HADOOP_CONF_DIR=)"; export HADOOP_CONF_DIR
#
# Environment (ports default to Hadoop's own defaults; HADOOP_FREE_PORTS=1 picks free ones for any not set):
#   HDFS_NAMENODE_PORT (8020)  WEBHDFS_PORT (9870, the NameNode's HTTP port)
#   HDFS_DATANODE_PORT (9866)  HDFS_DATANODE_HTTP_PORT (9864)  HDFS_DATANODE_IPC_PORT (9867)
#   YARN_RM_PORT (8032)  YARN_RM_SCHEDULER_PORT (8030)  YARN_RM_TRACKER_PORT (8031)  YARN_RM_ADMIN_PORT (8033)
#   YARN_RM_WEBAPP_PORT (8088)
#   YARN_NM_PORT, YARN_NM_LOCALIZER_PORT, YARN_NM_WEBAPP_PORT  (0 = ephemeral, the default; NodeManager i uses
#                              <port>+i when set)
#   YARN_NM_COUNT              number of NodeManagers (default 1)
#   YARN_NM_MEMORY_MB / YARN_NM_VCORES  resources each NodeManager offers (default 8192 / 8)
#   HADOOP_HOST                the address every daemon binds to and advertises (default 127.0.0.1). The hosts
#                              of scripts/netns-hosts.sh reach the root namespace only at its `gateway=` address,
#                              so multi-host tests set it to that: the NameNode then redirects WebHDFS reads and
#                              writes to a DataNode address those hosts can reach.
#   HADOOP_YARN                1 (default) starts YARN too; 0 starts HDFS alone (NameNode and DataNode)
#   HADOOP_HOME_DIR            state: config, HDFS data, logs, pid files (default <repo>/.infra/hadoop)
#   HADOOP_CACHE_DIR           resolved jars (default <repo>/.infra/cache/hadoop-<version>)
#   HADOOP_VERSION             Hadoop version from Maven Central (default 3.4.1)
#   HADOOP_DAEMON_HEAP         maximum heap per daemon (default 512m); HADOOP_JVM_OPTS: extra JVM options
#   HADOOP_START_TIMEOUT       seconds to wait for the cluster (default 180)
#   HADOOP_STOP_TIMEOUT        seconds between SIGTERM and SIGKILL (default 20)
set -euo pipefail

HADOOP_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/common.sh
. "$HADOOP_SCRIPT_DIR/lib/common.sh"
# shellcheck disable=SC2034 # read by lib/common.sh
INFRA_NAME=hadoop
TEMPLATES="$HADOOP_SCRIPT_DIR/hadoop"

HADOOP_VERSION="${HADOOP_VERSION:-3.4.1}"
HADOOP_HOME_DIR="${HADOOP_HOME_DIR:-$INFRA_REPO_ROOT/.infra/hadoop}"
HADOOP_CACHE_DIR="${HADOOP_CACHE_DIR:-$INFRA_CACHE_ROOT/hadoop-$HADOOP_VERSION}"
HADOOP_DAEMON_HEAP="${HADOOP_DAEMON_HEAP:-512m}"
HADOOP_START_TIMEOUT="${HADOOP_START_TIMEOUT:-180}"
HADOOP_STOP_TIMEOUT="${HADOOP_STOP_TIMEOUT:-20}"
YARN_NM_COUNT="${YARN_NM_COUNT:-1}"
YARN_NM_MEMORY_MB="${YARN_NM_MEMORY_MB:-8192}"
YARN_NM_VCORES="${YARN_NM_VCORES:-8}"
HOST="${HADOOP_HOST:-127.0.0.1}"
HADOOP_YARN="${HADOOP_YARN:-1}"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

is_port() { [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge 0 ] && [ "$1" -le 65535 ]; }

# An IPv4 address, not a name: it goes into the XML config as the address every daemon binds to and advertises.
[[ "$HOST" =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] ||
  { echo "scripts/hadoop.sh: HADOOP_HOST='$HOST' is not an IPv4 address; give the address the daemons should bind to (e.g. 127.0.0.1)" >&2; exit 2; }
[[ "$HADOOP_YARN" =~ ^[01]$ ]] ||
  { echo "scripts/hadoop.sh: HADOOP_YARN='$HADOOP_YARN' must be 1 (HDFS and YARN) or 0 (HDFS alone)" >&2; exit 2; }

# The state directory must be absolute: it is written into the XML config and matched on command lines.
mkdir -p "$HADOOP_HOME_DIR"
STATE="$(cd "$HADOOP_HOME_DIR" && pwd)"
CONF="$STATE/conf"
LOGS="$STATE/logs"
PIDS="$STATE/pids"
ENV_FILE="$STATE/hadoop.env"
DAEMONS_FILE="$STATE/daemons"
# A uid without a name (some containers) would stop Hadoop's login; HADOOP_USER_NAME stands in for it.
if ! RUN_USER="$(id -un 2> /dev/null)"; then
  RUN_USER="${HADOOP_USER_NAME:-hadoop}"
  export HADOOP_USER_NAME="$RUN_USER"
fi
# Every JVM of this cluster carries this on its command line: how pids are checked, and strays found.
MARK="-Dflinkts.hadoop.id=$STATE/"

# --- daemons ---------------------------------------------------------------------------------------------------

main_class() {
  case "$1" in
    namenode) echo org.apache.hadoop.hdfs.server.namenode.NameNode ;;
    datanode) echo org.apache.hadoop.hdfs.server.datanode.DataNode ;;
    resourcemanager) echo org.apache.hadoop.yarn.server.resourcemanager.ResourceManager ;;
    nodemanager-*) echo org.apache.hadoop.yarn.server.nodemanager.NodeManager ;;
  esac
}

all_daemons() {
  local i
  echo namenode datanode
  [ "$HADOOP_YARN" = 1 ] || return 0
  echo resourcemanager
  for ((i = 0; i < YARN_NM_COUNT; i++)); do echo "nodemanager-$i"; done
}

# The daemons with a pid file, whatever YARN_NM_COUNT says now (a cluster started with more NodeManagers).
recorded_daemons() {
  local f
  for f in "$PIDS"/*.pid; do [ -e "$f" ] && basename "$f" .pid; done
  return 0
}

daemon_pid() { infra_read_pid "$PIDS/$1.pid" "$MARK$1 "; }

# Processes of this cluster by command line (lost pid files), optionally of one daemon.
pids_by_cmdline() {
  local want="$MARK${1:-}" p
  for p in /proc/[0-9]*; do
    [ -r "$p/cmdline" ] || continue
    if tr '\0' ' ' < "$p/cmdline" 2> /dev/null | grep -qF -- "$want"; then printf '%s\n' "${p#/proc/}"; fi
  done
}

# Container processes a NodeManager left behind (killed with SIGKILL): their working directory is in its local dirs.
container_pids() {
  local p cwd
  for p in /proc/[0-9]*; do
    cwd="$(readlink "$p/cwd" 2> /dev/null)" || continue
    case "$cwd" in "$STATE"/nodemanager-*/local/*) printf '%s\n' "${p#/proc/}" ;; esac
  done
}

# JVM options common to all daemons. JDK 17 closes the JDK internals Hadoop 3.4 (Guice, Jersey 1, JAXB, Netty,
# its own reflection helpers) reaches into; these --add-opens are the ones Hadoop's own JDK 17 support adds.
jvm_options() { # NAME
  local name="$1"
  # shellcheck disable=SC2054 # the commas belong to the options
  JVM=("-Xmx$HADOOP_DAEMON_HEAP" -Xms64m -XX:+UseSerialGC -Djava.net.preferIPv4Stack=true
    -Djava.awt.headless=true -Dfile.encoding=UTF-8
    --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED
    --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
    --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
    --add-opens=java.base/java.util.regex=ALL-UNNAMED --add-opens=java.base/java.text=ALL-UNNAMED
    --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED
    --add-opens=java.base/sun.security.util=ALL-UNNAMED --add-opens=java.base/sun.security.x509=ALL-UNNAMED
    --add-exports=java.base/sun.net.dns=ALL-UNNAMED --add-exports=java.base/sun.net.util=ALL-UNNAMED
    --add-opens=java.security.jgss/sun.security.krb5=ALL-UNNAMED
    "-Dhadoop.log.dir=$LOGS" "-Dhadoop.log.file=$name.log" "-Dyarn.log.dir=$LOGS" "-Dyarn.log.file=$name.log"
    "-Dhadoop.home.dir=$HADOOP_CACHE_DIR" "-Dhadoop.id.str=$RUN_USER" -Dhadoop.root.logger=INFO,RFA
    -Dhadoop.security.logger=INFO,RFA)
  # Two cores start four JVMs at once: the control-plane daemons only need the quick C1 compiler; the DataNode,
  # which moves the data, keeps C2.
  [ "$name" = datanode ] || JVM+=(-XX:TieredStopAtLevel=1)
  # shellcheck disable=SC2206 # HADOOP_JVM_OPTS is a list of words by design.
  [ -z "${HADOOP_JVM_OPTS:-}" ] || JVM+=($HADOOP_JVM_OPTS)
}

# launch NAME CONF_DIR [ARGS...] — starts the JVM in its own session (a terminal's Ctrl-C or the caller's process
# group does not reach it), every descriptor redirected, and records its pid.
launch() {
  local name="$1" conf="$2"
  shift 2
  jvm_options "$name"
  printf '\n===== %s starting %s (Hadoop %s) =====\n' "$(date '+%F %T')" "$name" "$HADOOP_VERSION" >> "$LOGS/$name.out"
  setsid "$INFRA_JAVA" "${JVM[@]}" "$MARK$name" -cp "$conf:$TEMPLATES/classpath:$HADOOP_CACHE_DIR/lib/*" "$(main_class "$name")" "$@" \
    >> "$LOGS/$name.out" 2>&1 < /dev/null {STATE_LOCK_FD}>&- &
  echo "$!" > "$PIDS/$name.pid"
  LAUNCHED+=("$name")
}

# stop_daemons NAME... — SIGTERM to all of them at once, one bounded wait, SIGKILL for the rest; pid files removed.
stop_daemons() {
  local name pid pids=() names=() i
  for name in "$@"; do
    if pid="$(daemon_pid "$name")"; then
      kill -TERM "$pid" 2> /dev/null || true
      pids+=("$pid")
      names+=("$name")
    fi
    rm -f "$PIDS/$name.pid"
    for pid in $(pids_by_cmdline "$name "); do
      [[ " ${pids[*]-} " == *" $pid "* ]] && continue
      infra_log "found $name (pid $pid) without a pid file"
      kill -TERM "$pid" 2> /dev/null || true
      pids+=("$pid")
      names+=("$name")
    done
  done
  [ "${#pids[@]}" -gt 0 ] || return 0
  local deadline=$((SECONDS + HADOOP_STOP_TIMEOUT)) n=0 alive
  while [ "$n" -lt $((HADOOP_STOP_TIMEOUT * 10 + 10)) ] && [ "$SECONDS" -le "$deadline" ]; do
    alive=0
    for pid in "${pids[@]}"; do if infra_pid_alive "$pid"; then alive=1; break; fi; done
    [ "$alive" = 1 ] || break
    sleep 0.1
    n=$((n + 1))
  done
  for i in "${!pids[@]}"; do
    if infra_pid_alive "${pids[$i]}"; then
      infra_log "${names[$i]} (pid ${pids[$i]}) did not stop within ${HADOOP_STOP_TIMEOUT}s after SIGTERM; sending SIGKILL"
      infra_stop_pid "${pids[$i]}" "${names[$i]}" 5
    fi
    infra_log "stopped ${names[$i]} (pid ${pids[$i]})"
  done
}

stop_all() {
  local names
  # NodeManagers first: they unregister from a ResourceManager that is still there, and stop their containers.
  # shellcheck disable=SC2046
  stop_daemons $( (recorded_daemons; all_daemons) | tr ' ' '\n' | grep '^nodemanager-' | sort -u)
  stop_daemons resourcemanager datanode namenode
  # Anything else of this cluster: a NodeManager of an earlier, larger cluster, or orphaned containers.
  names="$(pids_by_cmdline; container_pids)"
  if [ -n "$names" ]; then
    local pid
    for pid in $names; do
      infra_log "stopping leftover process $pid of $STATE: $(tr '\0' ' ' < "/proc/$pid/cmdline" 2> /dev/null | cut -c1-120)"
      infra_stop_pid "$pid" "leftover process $pid" 5 || true
    done
  fi
  rm -f "$ENV_FILE" "$DAEMONS_FILE"
}

# If this script fails or is interrupted after launching daemons but before they are all ready, stop them: a
# failed start leaves no process behind.
LAUNCHED=()
on_exit() {
  local rc=$?
  if [ "${#LAUNCHED[@]}" -gt 0 ]; then
    infra_log "stopping the daemons this start launched"
    LAUNCHED=()
    # Nothing of value is in flight yet, and a NodeManager still retrying a dead ResourceManager ignores SIGTERM.
    HADOOP_STOP_TIMEOUT=5
    stop_all >&2 || true
  fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Serializes start/stop on one state directory (two `start`s at once must not launch two clusters).
lock_state() {
  exec {STATE_LOCK_FD}> "$STATE/.lock"
  if command -v flock > /dev/null 2>&1; then
    flock -w 600 "$STATE_LOCK_FD" || infra_die "another scripts/hadoop.sh holds $STATE/.lock"
  fi
}

# --- ports and configuration -----------------------------------------------------------------------------------

PORT_VARS=(HDFS_NAMENODE_PORT WEBHDFS_PORT HDFS_DATANODE_PORT HDFS_DATANODE_HTTP_PORT HDFS_DATANODE_IPC_PORT
  YARN_RM_PORT YARN_RM_SCHEDULER_PORT YARN_RM_TRACKER_PORT YARN_RM_ADMIN_PORT YARN_RM_WEBAPP_PORT)
declare -A PORT_DEFAULTS=([HDFS_NAMENODE_PORT]=8020 [WEBHDFS_PORT]=9870 [HDFS_DATANODE_PORT]=9866
  [HDFS_DATANODE_HTTP_PORT]=9864 [HDFS_DATANODE_IPC_PORT]=9867 [YARN_RM_PORT]=8032 [YARN_RM_SCHEDULER_PORT]=8030
  [YARN_RM_TRACKER_PORT]=8031 [YARN_RM_ADMIN_PORT]=8033 [YARN_RM_WEBAPP_PORT]=8088)

# free_ports N — N distinct free ports of $HOST, all held open at once while they are picked.
free_ports() {
  command -v node > /dev/null 2>&1 || infra_die "HADOOP_FREE_PORTS=1 needs node on PATH to find free ports"
  node -e '
    const net = require("node:net");
    const n = Number(process.argv[1]);
    const servers = [];
    const next = () => {
      if (servers.length === n) {
        console.log(servers.map((s) => s.address().port).join(" "));
        servers.forEach((s) => s.close());
        return;
      }
      const s = net.createServer();
      s.listen(0, process.argv[2], () => { servers.push(s); next(); });
    };
    next();' "$1" "$HOST"
}

resolve_ports() {
  local v free=() used=" " i=0
  if [ "${HADOOP_FREE_PORTS:-0}" = 1 ]; then
    read -r -a free <<< "$(free_ports "${#PORT_VARS[@]}")"
  fi
  for v in "${PORT_VARS[@]}"; do
    if [ -z "${!v:-}" ]; then
      if [ "${#free[@]}" -gt 0 ]; then printf -v "$v" '%s' "${free[$i]}"; else printf -v "$v" '%s' "${PORT_DEFAULTS[$v]}"; fi
    fi
    i=$((i + 1))
    if ! is_port "${!v}" || [ "${!v}" = 0 ]; then infra_die "$v='${!v}' is not a TCP port"; fi
    [[ "$used" != *" ${!v} "* ]] || infra_die "port ${!v} is given twice ($v and another); set distinct ports"
    used+="${!v} "
    ! infra_port_open "$HOST" "${!v}" ||
      infra_die "port $HOST:${!v} ($v) is already in use by another process; set $v to a free port, or HADOOP_FREE_PORTS=1"
  done
  for v in YARN_NM_PORT YARN_NM_LOCALIZER_PORT YARN_NM_WEBAPP_PORT; do
    printf -v "$v" '%s' "${!v:-0}"
    is_port "${!v}" || infra_die "$v='${!v}' is not a TCP port"
  done
  [[ "$YARN_NM_COUNT" =~ ^[1-9][0-9]?$ ]] || infra_die "YARN_NM_COUNT='$YARN_NM_COUNT' is not a number from 1 to 99"
}

nm_port() { if [ "$1" = 0 ]; then echo 0; else echo $(($1 + $2)); fi; } # BASE INDEX

# render TEMPLATE OUT — replaces every @NAME@ with the value of the shell variable NAME.
render() {
  local text name
  text="$(cat "$1")"
  for name in $(grep -o '@[A-Z_0-9]*@' "$1" | sort -u | tr -d @); do
    [ -n "${!name+x}" ] || infra_die "template $1 uses @$name@, which scripts/hadoop.sh does not set"
    text="${text//@$name@/${!name}}"
  done
  printf '%s\n' "$text" > "$2"
}

# shellcheck disable=SC2034 # the upper-case locals are read by render through ${!name}
write_config() {
  local i USER STATE_DIR="$STATE" NM_INDEX NM_DIR NM_PORT NM_LOCALIZER_PORT NM_WEBAPP_PORT
  USER="$RUN_USER"
  mkdir -p "$CONF" "$LOGS" "$PIDS" "$STATE/tmp"
  for ((i = YARN_NM_COUNT - 1; i >= 0; i--)); do
    NM_INDEX=$i NM_DIR="$STATE/nodemanager-$i"
    NM_PORT="$(nm_port "$YARN_NM_PORT" "$i")"
    NM_LOCALIZER_PORT="$(nm_port "$YARN_NM_LOCALIZER_PORT" "$i")"
    NM_WEBAPP_PORT="$(nm_port "$YARN_NM_WEBAPP_PORT" "$i")"
    mkdir -p "$NM_DIR/conf" "$NM_DIR/local" "$NM_DIR/logs"
    render "$TEMPLATES/yarn-site.xml.in" "$NM_DIR/conf/yarn-site.xml"
    # The client configuration carries NodeManager 0's values, as a real deployment's shared yarn-site.xml would.
    [ "$i" != 0 ] || cp "$NM_DIR/conf/yarn-site.xml" "$CONF/yarn-site.xml"
  done
  render "$TEMPLATES/core-site.xml.in" "$CONF/core-site.xml"
  render "$TEMPLATES/hdfs-site.xml.in" "$CONF/hdfs-site.xml"
  cp "$TEMPLATES/capacity-scheduler.xml" "$TEMPLATES/log4j.properties" "$CONF/"
  for ((i = 0; i < YARN_NM_COUNT; i++)); do
    cp "$CONF/core-site.xml" "$CONF/hdfs-site.xml" "$CONF/capacity-scheduler.xml" "$CONF/log4j.properties" \
      "$STATE/nodemanager-$i/conf/"
  done
}

format_namenode_once() {
  [ ! -f "$STATE/namenode/current/VERSION" ] || return 0
  # A DataNode directory from an earlier file system would carry another cluster id and be refused.
  rm -rf "$STATE/namenode" "$STATE/datanode"
  infra_log "formatting a new HDFS in $STATE/namenode"
  jvm_options namenode-format
  if ! "$INFRA_JAVA" "${JVM[@]}" "${MARK}namenode-format" -cp "$CONF:$HADOOP_CACHE_DIR/lib/*" \
    org.apache.hadoop.hdfs.server.namenode.NameNode -format -force -nonInteractive -clusterid flink-ts \
    > "$LOGS/namenode-format.out" 2>&1 < /dev/null {STATE_LOCK_FD}>&-; then
    infra_tail_log "$LOGS/namenode-format.out" 40
    infra_die "formatting the NameNode failed (log: $LOGS/namenode-format.out)"
  fi
}

# --- readiness -------------------------------------------------------------------------------------------------

# http_get URL — the body of a 2xx answer; fails otherwise. curl when there is one, else Node's fetch.
http_get() {
  if command -v curl > /dev/null 2>&1; then
    curl -sf --max-time 5 "$1"
  else
    node -e 'fetch(process.argv[1], { signal: AbortSignal.timeout(5000) })
      .then(async (r) => { if (!r.ok) process.exit(1); process.stdout.write(await r.text()); })
      .catch(() => process.exit(1));' "$1"
  fi
}

# The NameNode's own view: out of safe mode and at least one live DataNode.
hdfs_ready() {
  local info state
  info="$(http_get "http://$HOST:$WEBHDFS_PORT/jmx?qry=Hadoop:service=NameNode,name=NameNodeInfo")" || return 1
  state="$(http_get "http://$HOST:$WEBHDFS_PORT/jmx?qry=Hadoop:service=NameNode,name=FSNamesystemState")" || return 1
  grep -Eq '"Safemode" *: *""' <<< "$info" && grep -Eq '"NumLiveDataNodes" *: *[1-9]' <<< "$state"
}

running_nodemanagers() {
  local nodes
  nodes="$(http_get "http://$HOST:$YARN_RM_WEBAPP_PORT/ws/v1/cluster/nodes")" || { echo 0; return; }
  grep -o '"state" *: *"RUNNING"' <<< "$nodes" | wc -l
}

yarn_ready() {
  http_get "http://$HOST:$YARN_RM_WEBAPP_PORT/ws/v1/cluster/info" | grep -Eq '"state" *: *"STARTED"' &&
    [ "$(running_nodemanagers)" -ge "$YARN_NM_COUNT" ]
}

# tail_log FILE N — like infra_tail_log, but long lines (the classpath in every startup banner) are cut short.
tail_log() {
  if [ -s "$1" ]; then
    printf -- '----- last %s lines of %s -----\n' "$2" "$1" >&2
    tail -n "$2" "$1" | cut -c1-400 >&2
    printf -- '----- end of %s -----\n' "$1" >&2
  fi
}

# dead_daemon — the first launched daemon that is no longer alive, if any.
dead_daemon() {
  local name
  for name in "${LAUNCHED[@]}"; do
    if ! daemon_pid "$name" > /dev/null; then echo "$name"; return 0; fi
  done
  return 1
}

# wait_for DESCRIPTION CHECK... — polls CHECK until it succeeds; fails early, with the tail of its logs, when a
# daemon dies, and after what is left of HADOOP_START_TIMEOUT otherwise.
wait_for() {
  local what="$1" dead name i=0
  shift
  local deadline=$((START_SECONDS + HADOOP_START_TIMEOUT))
  while [ "$i" -lt $((HADOOP_START_TIMEOUT * 4 + 4)) ] && [ "$SECONDS" -le "$deadline" ]; do
    if "$@"; then return 0; fi
    if dead="$(dead_daemon)"; then
      tail_log "$LOGS/$dead.out" 20
      tail_log "$LOGS/$dead.log" 40
      infra_die "$dead exited during start, before $what (logs: $LOGS/$dead.log, $LOGS/$dead.out)"
    fi
    sleep 0.25
    i=$((i + 1))
  done
  for name in "${LAUNCHED[@]}"; do tail_log "$LOGS/$name.log" 15; done
  infra_die "no $what within ${HADOOP_START_TIMEOUT}s (HADOOP_START_TIMEOUT; logs in $LOGS)"
}

# --- commands --------------------------------------------------------------------------------------------------

# The daemons of the cluster last started here, and whether every one of them is alive.
cluster_daemons() { cat "$DAEMONS_FILE" 2> /dev/null || true; }

cluster_down_daemons() {
  local name
  for name in $(cluster_daemons); do daemon_pid "$name" > /dev/null || echo "$name"; done
}

cluster_running() { [ -f "$ENV_FILE" ] && [ -n "$(cluster_daemons)" ] && [ -z "$(cluster_down_daemons)" ]; }

report() {
  local name
  for name in $(cluster_daemons); do
    infra_log "  $(printf '%-16s' "$name") pid $(daemon_pid "$name" || echo '-')  log $LOGS/$name.log"
  done
  cat "$ENV_FILE"
}

fetch_jars() {
  infra_require_java
  # hadoop-project's dependencyManagement: the jar versions Hadoop's own distribution ships (nearest-wins alone
  # picks a jackson-core older than jackson-databind, and the NameNode fails to start). The import makes the
  # slf4j binding "provided", so it is asked for by name: without it the daemons log nothing at all. The
  # ResourceManager's web app also needs the (provided) timeline service classes.
  INFRA_MAVEN_BOMS="org.apache.hadoop:hadoop-project:$HADOOP_VERSION" infra_maven_fetch "$HADOOP_CACHE_DIR" \
    "org.apache.hadoop:hadoop-common:$HADOOP_VERSION" "org.apache.hadoop:hadoop-hdfs:$HADOOP_VERSION" \
    "org.apache.hadoop:hadoop-hdfs-client:$HADOOP_VERSION" \
    "org.apache.hadoop:hadoop-yarn-server-resourcemanager:$HADOOP_VERSION" \
    "org.apache.hadoop:hadoop-yarn-server-nodemanager:$HADOOP_VERSION" \
    "org.apache.hadoop:hadoop-yarn-server-timelineservice:$HADOOP_VERSION" \
    "org.slf4j:slf4j-reload4j:${HADOOP_SLF4J_VERSION:-1.7.36}"
}

cmd_start() {
  lock_state
  if cluster_running; then
    infra_log "Hadoop is already running for $STATE; not starting another"
    report
    return 0
  fi
  if [ -n "$(pids_by_cmdline)" ]; then
    infra_log "a partial cluster is running for $STATE ($(cluster_down_daemons | paste -sd' ' -) down); stopping it to start afresh"
  fi
  stop_all
  rm -f "$PIDS"/*.pid
  START_SECONDS=$SECONDS
  resolve_ports
  fetch_jars
  write_config
  format_namenode_once
  local i
  START_SECONDS=$SECONDS
  launch namenode "$CONF"
  launch datanode "$CONF"
  if [ "$HADOOP_YARN" = 1 ]; then
    launch resourcemanager "$CONF"
    for ((i = 0; i < YARN_NM_COUNT; i++)); do launch "nodemanager-$i" "$STATE/nodemanager-$i/conf"; done
  fi
  echo "${LAUNCHED[*]}" > "$DAEMONS_FILE"
  infra_log "launched ${LAUNCHED[*]}; waiting for HDFS to leave safe mode$([ "$HADOOP_YARN" = 0 ] || echo " and YARN's NodeManagers")"
  wait_for "HDFS leaving safe mode with a live DataNode (http://$HOST:$WEBHDFS_PORT)" hdfs_ready
  [ "$HADOOP_YARN" = 0 ] ||
    wait_for "$YARN_NM_COUNT NodeManager(s) RUNNING in http://$HOST:$YARN_RM_WEBAPP_PORT/ws/v1/cluster/nodes" yarn_ready
  {
    echo "HADOOP_CONF_DIR=$CONF"
    echo "fs.defaultFS=hdfs://$HOST:$HDFS_NAMENODE_PORT"
    echo "webhdfs=http://$HOST:$WEBHDFS_PORT"
    if [ "$HADOOP_YARN" = 1 ]; then
      echo "yarn.resourcemanager.webapp=http://$HOST:$YARN_RM_WEBAPP_PORT"
      echo "yarn.resourcemanager.address=$HOST:$YARN_RM_PORT"
    fi
  } > "$ENV_FILE"
  LAUNCHED=()
  infra_log "started Hadoop $HADOOP_VERSION in $((SECONDS - START_SECONDS))s (state: $STATE)"
  infra_log "  namenode         rpc $HOST:$HDFS_NAMENODE_PORT, http/webhdfs $HOST:$WEBHDFS_PORT"
  infra_log "  datanode         data $HOST:$HDFS_DATANODE_PORT, http $HOST:$HDFS_DATANODE_HTTP_PORT, ipc $HOST:$HDFS_DATANODE_IPC_PORT"
  [ "$HADOOP_YARN" = 1 ] || { report; return 0; }
  infra_log "  resourcemanager  rpc $HOST:$YARN_RM_PORT, scheduler $HOST:$YARN_RM_SCHEDULER_PORT, tracker $HOST:$YARN_RM_TRACKER_PORT, admin $HOST:$YARN_RM_ADMIN_PORT, web $HOST:$YARN_RM_WEBAPP_PORT"
  infra_log "  nodemanagers     $(http_get "http://$HOST:$YARN_RM_WEBAPP_PORT/ws/v1/cluster/nodes" |
    grep -o '"nodeHTTPAddress" *: *"[^"]*"' | sed 's/.*"\([^"]*\)"$/web \1/' | paste -sd, - | sed 's/,/, /g')"
  report
}

cmd_stop() {
  lock_state
  if [ -z "$(pids_by_cmdline)" ]; then
    infra_log "no Hadoop running for $STATE"
  fi
  stop_all
}

cmd_status() {
  if ! cluster_running; then
    local down
    down="$(cluster_down_daemons | paste -sd' ' -)"
    if [ -n "$(pids_by_cmdline)" ]; then
      infra_log "Hadoop for $STATE is only partly running${down:+ ($down down)}; restart it with: $0 stop; $0 start"
    else
      infra_log "no Hadoop running for $STATE"
    fi
    exit 3
  fi
  infra_log "Hadoop running for $STATE"
  report
}

cmd_clean() {
  cmd_stop
  # Only what this script creates: HADOOP_HOME_DIR may have been pointed at a directory holding other things.
  infra_log "deleting the cluster's state in $STATE"
  rm -rf "$CONF" "$LOGS" "$PIDS" "$STATE/tmp" "$STATE/namenode" "$STATE/datanode" "$STATE"/nodemanager-* \
    "$ENV_FILE" "$DAEMONS_FILE" "$STATE/.lock"
  rmdir "$STATE" 2> /dev/null || true
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  clean) cmd_clean ;;
  fetch) fetch_jars ;;
  *) usage ;;
esac

#!/usr/bin/env bash
# Starts or stops one flink-ts daemon (JobManager or TaskManager) on this host.
set -euo pipefail

USAGE="Usage: flink-daemon.sh (start|start-foreground|stop|stop-all) (standalonesession|taskexecutor) [args]"

STARTSTOP="${1:-}"
DAEMON="${2:-}"
ARGS=("${@:3}")

target="${BASH_SOURCE[0]}"
while [[ -L "$target" ]]; do
    link="$(readlink "$target")"
    case "$link" in /*) target="$link" ;; *) target="$(dirname "$target")/$link" ;; esac
done
# shellcheck source=config.sh
. "$(cd "$(dirname "$target")" && pwd -P)/config.sh"

case "$DAEMON" in
    standalonesession) ENTRYPOINT="$FLINK_DIST_DIR/src/jobmanager/entrypoint.js" ;;
    taskexecutor) ENTRYPOINT="$FLINK_DIST_DIR/src/taskmanager/entrypoint.js" ;;
    *)
        echo "Unknown daemon '${DAEMON}'. $USAGE."
        exit 1
        ;;
esac

case "$STARTSTOP" in
    start|start-foreground) ensureBuilt "$ENTRYPOINT" ;;
    stop|stop-all) ensureBuilt "$FLINK_CONFIG_CLI" ;;
    *)
        echo "Unexpected argument '$STARTSTOP'. $USAGE."
        exit 1
        ;;
esac

readFlinkConfig

pid="$FLINK_PID_DIR/flink-$FLINK_IDENT_STRING-$DAEMON.pid"
mkdir -p "$FLINK_PID_DIR"

# The log index comes from the pid file, so concurrent starts must not read and append at the same time.
# The lock is on the pid directory because a lock file could not be removed safely; it lasts until this
# script exits and the daemon never inherits it (200<&-).
if command -v flock > /dev/null 2>&1; then
    exec 200< "$FLINK_PID_DIR"
    flock 200
fi

# A zombie still answers kill -0 (a daemon that died while this script is its parent), so look at its state.
isRunning() {
    local p="$1" stat
    [[ "$p" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$p" 2> /dev/null || return 1
    stat="$(ps -o stat= -p "$p" 2> /dev/null || true)"
    [[ "$stat" != Z* ]]
}

# Whether a running pid is this installation's daemon, by its command line: node running $ENTRYPOINT. A pid file
# is only a hint; a stale one (the pid was reused) or a planted one must not make stop signal another process.
isOurDaemon() {
    local p="$1" arg args
    if [[ -r "/proc/$p/cmdline" ]]; then
        while IFS= read -r -d '' arg || [[ -n "$arg" ]]; do
            if [[ "$arg" == "$ENTRYPOINT" ]]; then return 0; fi
            # The same file reached through another path (a symlinked FLINK_HOME or FLINK_DIST_DIR).
            if [[ "$arg" == */"${ENTRYPOINT#"$FLINK_DIST_DIR"/}" && "$arg" -ef "$ENTRYPOINT" ]]; then return 0; fi
        done < "/proc/$p/cmdline"
        return 1
    fi
    # No /proc (macOS): ps joins the arguments with spaces.
    args="$(ps -o args= -p "$p" 2> /dev/null || true)"
    [[ " $args " == *" $ENTRYPOINT "* ]]
}

# The pid directory is /tmp by default, where any local user can create files: a pid file that is a link, or
# that someone else owns, is refused rather than read, followed or replaced.
checkPidFile() {
    local problem=""
    if [[ -L "$pid" ]]; then
        problem="is a symbolic link"
    elif [[ -e "$pid" && ! -f "$pid" ]]; then
        problem="is not a regular file"
    elif [[ -e "$pid" && ! -O "$pid" ]]; then
        problem="belongs to another user"
    fi
    if [[ -n "$problem" ]]; then
        echo "Error: the pid file $pid $problem; refusing to use it. Remove it, or set env.pid.dir (or FLINK_PID_DIR) to a directory only you can write to." >&2
        exit 1
    fi
}

# Reads the lines of the pid file into PID_LINES (blanks and spaces dropped).
readPidLines() {
    PID_LINES=()
    local p
    checkPidFile
    if [[ ! -f "$pid" ]]; then return 0; fi
    while IFS= read -r p || [[ -n "$p" ]]; do
        p="$(printf '%s' "$p" | tr -d ' \t\r')"
        if [[ -n "$p" ]]; then PID_LINES+=("$p"); fi
    done < "$pid"
}

# Reads the pid file into ALL_PIDS (file order), LIVE_PIDS (running daemons of ours), STALE_PIDS (not running)
# and FOREIGN_PIDS (running, but not our daemon: never signalled, dropped when the file is written back).
loadPids() {
    ALL_PIDS=()
    LIVE_PIDS=()
    STALE_PIDS=()
    FOREIGN_PIDS=()
    local p
    readPidLines
    for p in ${PID_LINES[@]+"${PID_LINES[@]}"}; do
        ALL_PIDS+=("$p")
        if ! isRunning "$p"; then
            STALE_PIDS+=("$p")
        elif isOurDaemon "$p"; then
            LIVE_PIDS+=("$p")
        else
            FOREIGN_PIDS+=("$p")
            echo "pid $p in $pid is not a flink-ts $DAEMON; not signalling it."
        fi
    done
}

isForeignPid() {
    local p
    for p in ${FOREIGN_PIDS[@]+"${FOREIGN_PIDS[@]}"}; do
        if [[ "$p" == "$1" ]]; then return 0; fi
    done
    return 1
}

# Writes the given pids as the pid file; no pids removes it, as Flink does. The new content goes to a fresh file
# that mktemp creates exclusively under a random name, which then replaces the pid file: a rename replaces a
# link instead of writing through it.
writePids() {
    local tmp
    checkPidFile
    if [[ $# -eq 0 ]]; then
        rm -f "$pid"
        return 0
    fi
    if ! tmp="$(mktemp "$FLINK_PID_DIR/.flink-$FLINK_IDENT_STRING-$DAEMON.pid.XXXXXX")"; then
        echo "Error: could not create a temporary pid file in $FLINK_PID_DIR." >&2
        exit 1
    fi
    printf '%s\n' "$@" > "$tmp"
    chmod 644 "$tmp"
    if ! mv -f "$tmp" "$pid"; then
        rm -f "$tmp"
        exit 1
    fi
}

# Adds a pid at the end of the pid file.
appendPid() {
    readPidLines
    writePids ${PID_LINES[@]+"${PID_LINES[@]}"} "$1"
}

# Keeps up to 10 old files (Flink's default env.log.max) as <file>.1 (newest) ... <file>.10.
# Renaming is safe even while a process still writes the file: it keeps writing to the renamed inode.
rotateLogFile() {
    local f="$1" max=10 i
    if [[ ! -f "$f" ]]; then return 0; fi
    for ((i = max - 1; i >= 1; i--)); do
        if [[ -f "$f.$i" ]]; then mv -f "$f.$i" "$f.$((i + 1))"; fi
    done
    mv -f "$f" "$f.1"
}

# SIGTERM, up to 10 seconds of grace, then SIGKILL, for every pid given.
stopGracefully() {
    local p i
    local -a waiting=()
    for p in "$@"; do
        kill "$p" 2> /dev/null || true
    done
    for ((i = 0; i < 100; i++)); do
        waiting=()
        for p in "$@"; do
            if isRunning "$p"; then waiting+=("$p"); fi
        done
        if [[ ${#waiting[@]} -eq 0 ]]; then return 0; fi
        sleep 0.1
    done
    for p in "${waiting[@]}"; do
        echo "Daemon $DAEMON didn't stop within 10 seconds. Killing it."
        kill -9 "$p" 2> /dev/null || true
    done
    # SIGKILL cannot be ignored, but reaping takes a moment; callers expect the process gone on return.
    for ((i = 0; i < 20; i++)); do
        waiting=()
        for p in "$@"; do
            if isRunning "$p"; then waiting+=("$p"); fi
        done
        if [[ ${#waiting[@]} -eq 0 ]]; then return 0; fi
        sleep 0.1
    done
}

nodeArgs() {
    local heap
    if [[ "$DAEMON" == "standalonesession" ]]; then heap="$JM_HEAP_MB"; else heap="$TM_HEAP_MB"; fi
    NODE_ARGS=(--enable-source-maps)
    if [[ -n "$heap" && "$heap" != "0" ]]; then NODE_ARGS+=("--max-old-space-size=$heap"); fi
    NODE_ARGS+=(${FLINK_ENV_NODE_OPTS[@]+"${FLINK_ENV_NODE_OPTS[@]}"})
    NODE_ARGS+=("$ENTRYPOINT" --configDir "$FLINK_CONF_DIR")
    NODE_ARGS+=(${ARGS[@]+"${ARGS[@]}"})
}

# The index in the new daemon's log file name: the lowest one no running daemon of ours writes to, so that a
# daemon started after another one was killed does not share (and rotate away) a live daemon's log. Where the
# running daemons' environment cannot be read (no /proc), the number of running daemons, as before.
logIndex() {
    local fallback="$1" used="" p f n=0
    for p in ${LIVE_PIDS[@]+"${LIVE_PIDS[@]}"}; do
        if [[ ! -r "/proc/$p/environ" ]]; then echo "$fallback"; return 0; fi
        f="$(tr '\0' '\n' < "/proc/$p/environ" 2>/dev/null | sed -n 's/^FLINK_LOG_FILE=//p')"
        used="$used|$f|"
    done
    while [[ "$used" == *"|$FLINK_LOG_DIR/flink-$FLINK_IDENT_STRING-$DAEMON-$n-$HOSTNAME.log|"* ]]; do n=$((n + 1)); done
    echo "$n"
}

# Prints the end of the daemon's output and log, the first place to look when it dies at once.
reportStartFailure() {
    local out="$1" log="$2" first="$1" second="$2"
    if [[ ! -s "$out" && -s "$log" ]]; then first="$log"; second="$out"; fi
    echo "Error: $DAEMON daemon failed to start. Last lines of $first:" >&2
    if [[ -f "$first" ]]; then tail -n 20 "$first" >&2; fi
    if [[ -s "$second" ]]; then
        echo "Last lines of $second:" >&2
        tail -n 20 "$second" >&2
    fi
}

case "$STARTSTOP" in
    start)
        loadPids
        writePids ${LIVE_PIDS[@]+"${LIVE_PIDS[@]}"}
        count=${#LIVE_PIDS[@]}
        if [[ $count -gt 0 ]]; then
            echo "[INFO] $count instance(s) of $DAEMON are already running on $HOSTNAME."
        fi

        prefix="$FLINK_LOG_DIR/flink-$FLINK_IDENT_STRING-$DAEMON-$(logIndex "$count")-$HOSTNAME"
        log="$prefix.log"
        out="$prefix.out"
        mkdir -p "$FLINK_LOG_DIR"
        rotateLogFile "$log"
        rotateLogFile "$out"

        nodeArgs
        echo "Starting $DAEMON daemon on host $HOSTNAME."
        FLINK_LOG_FILE="$log" nohup "$FLINK_NODE" "${NODE_ARGS[@]}" > "$out" 2>&1 < /dev/null 200<&- &
        mypid=$!
        appendPid "$mypid"

        # A bad option or a taken port makes the daemon exit within moments; report that here rather than
        # leave a pid file that points at nothing. Done early once the daemon logs that it started.
        # Bounded: 20 polls of 0.1 s.
        for ((i = 0; i < 20; i++)); do
            if ! isRunning "$mypid"; then break; fi
            if grep -q ' started\.$' "$log" 2> /dev/null; then break; fi
            sleep 0.1
        done
        if ! isRunning "$mypid"; then
            loadPids
            remaining=()
            for p in ${LIVE_PIDS[@]+"${LIVE_PIDS[@]}"}; do
                if [[ "$p" != "$mypid" ]]; then remaining+=("$p"); fi
            done
            writePids ${remaining[@]+"${remaining[@]}"}
            reportStartFailure "$out" "$log"
            exit 1
        fi
        ;;

    start-foreground)
        loadPids
        writePids ${LIVE_PIDS[@]+"${LIVE_PIDS[@]}"}
        nodeArgs
        echo "Starting $DAEMON as a console application on host $HOSTNAME."
        # exec keeps this pid, so stop/stop-all find the foreground daemon too.
        appendPid "$$"
        unset FLINK_LOG_FILE
        exec "$FLINK_NODE" "${NODE_ARGS[@]}" 200<&-
        ;;

    stop)
        loadPids
        if [[ ${#LIVE_PIDS[@]} -eq 0 ]]; then
            writePids
            echo "No $DAEMON daemon to stop on host $HOSTNAME."
            exit 0
        fi
        last=$((${#LIVE_PIDS[@]} - 1))
        to_stop="${LIVE_PIDS[$last]}"
        writePids "${LIVE_PIDS[@]:0:$last}"
        echo "Stopping $DAEMON daemon (pid: $to_stop) on host $HOSTNAME."
        stopGracefully "$to_stop"
        ;;

    stop-all)
        loadPids
        writePids
        if [[ ${#ALL_PIDS[@]} -eq 0 ]]; then
            echo "No $DAEMON daemon to stop on host $HOSTNAME."
            exit 0
        fi
        for p in "${ALL_PIDS[@]}"; do
            if isForeignPid "$p"; then
                continue
            elif isRunning "$p"; then
                echo "Stopping $DAEMON daemon (pid: $p) on host $HOSTNAME."
            else
                echo "Skipping $DAEMON daemon (pid: $p), because it is not running anymore on $HOSTNAME."
            fi
        done
        if [[ ${#LIVE_PIDS[@]} -gt 0 ]]; then
            stopGracefully "${LIVE_PIDS[@]}"
        fi
        ;;
esac

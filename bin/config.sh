#!/usr/bin/env bash
# shellcheck disable=SC2034  # the variables set here are for the scripts that source this file
# Shared settings and helpers of flink-ts' standalone scripts. Sourced, never run.
#
# After sourcing: FLINK_HOME, FLINK_BIN_DIR, FLINK_CONF_DIR, FLINK_DIST_DIR, FLINK_IDENT_STRING, HOSTNAME.
# readFlinkConfig adds FLINK_LOG_DIR, FLINK_PID_DIR, FLINK_SSH_OPTS, HIGH_AVAILABILITY, JM_HEAP_MB, TM_HEAP_MB and
# the array FLINK_ENV_NODE_OPTS. readMasters / readWorkers fill MASTERS, WEBUIPORTS and WORKERS.
#
# Written for bash 3.2 as well (macOS): no ${x,,}, no mapfile, and "${arr[@]}" only through
# ${arr[@]+"${arr[@]}"} because bash < 4.4 treats an empty array as unset under `set -u`.

# The sourcing script already resolved its own symlinks, so this file sits in the real bin directory.
FLINK_BIN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
FLINK_HOME="$(dirname "$FLINK_BIN_DIR")"
FLINK_CONF_DIR="${FLINK_CONF_DIR:-$FLINK_HOME/conf}"
# Compiled JavaScript; overridable so a build in another directory can be run with these scripts.
FLINK_DIST_DIR="${FLINK_DIST_DIR:-$FLINK_HOME/dist}"
FLINK_NODE="${FLINK_NODE:-node}"
HOSTNAME="${HOSTNAME:-$(hostname)}"

if [[ -z "${FLINK_IDENT_STRING:-}" ]]; then
    FLINK_IDENT_STRING="${USER:-$(id -un)}"
fi

export FLINK_HOME FLINK_CONF_DIR FLINK_BIN_DIR

FLINK_CONFIG_CLI="$FLINK_DIST_DIR/src/config/cli.js"

# Exits with a hint when the TypeScript sources were never compiled (a git checkout without `npm ci`).
# Arguments: the compiled files the caller needs.
ensureBuilt() {
    local f
    for f in "$FLINK_CONFIG_CLI" "$@"; do
        if [[ ! -f "$f" ]]; then
            echo "flink-ts is not built: run 'npm ci' (or 'npm run build') in $FLINK_HOME." >&2
            exit 1
        fi
    done
}

# Validates conf/flink-conf.yaml; on a bad config prints the config CLI's one error line and exits 1.
checkFlinkConfig() {
    local out
    if ! out="$("$FLINK_NODE" "$FLINK_CONFIG_CLI" --configDir "$FLINK_CONF_DIR" check)"; then
        if [[ -n "$out" ]]; then echo "$out"; fi
        exit 1
    fi
}

# Converts a memory size ("1024m", "1 gb", "512mb", or plain bytes) to whole mebibytes.
# Prints nothing for an empty value; returns 1 for a value it cannot read.
toMebiBytes() {
    local v num unit
    v="$(printf '%s' "$1" | tr -d ' \t' | tr '[:upper:]' '[:lower:]')"
    if [[ -z "$v" ]]; then return 0; fi
    if [[ ! "$v" =~ ^([0-9]+)([a-z]*)$ ]]; then return 1; fi
    # 10# keeps a leading zero from being read as octal.
    num=$((10#${BASH_REMATCH[1]}))
    unit="${BASH_REMATCH[2]}"
    case "$unit" in
        ""|b|bytes) echo $((num / 1048576)) ;;
        k|kb|kibibytes) echo $((num / 1024)) ;;
        m|mb|mebibytes) echo "$num" ;;
        g|gb|gibibytes) echo $((num * 1024)) ;;
        t|tb|tebibytes) echo $((num * 1048576)) ;;
        *) return 1 ;;
    esac
}

# Reads every key the scripts need in one call of the config CLI (one Node.js start, not nine).
readFlinkConfig() {
    local out line i
    local -a values=()
    local -a keys=(env.log.dir env.pid.dir env.ssh.opts high-availability env.node.opts
        jobmanager.heap.size taskmanager.heap.size jobmanager.memory.process.size taskmanager.memory.process.size)
    if ! out="$("$FLINK_NODE" "$FLINK_CONFIG_CLI" --configDir "$FLINK_CONF_DIR" get "${keys[@]}")"; then
        if [[ -n "$out" ]]; then echo "$out"; fi
        exit 1
    fi
    while IFS= read -r line || [[ -n "$line" ]]; do
        values+=("$line")
    done <<< "$out"
    while [[ ${#values[@]} -lt ${#keys[@]} ]]; do values+=(""); done

    FLINK_LOG_DIR="${FLINK_LOG_DIR:-${values[0]:-$FLINK_HOME/log}}"
    FLINK_PID_DIR="${FLINK_PID_DIR:-${values[1]:-/tmp}}"
    FLINK_SSH_OPTS="${FLINK_SSH_OPTS:-${values[2]}}"
    HIGH_AVAILABILITY="${values[3]}"
    # Split on whitespace like Flink does with env.java.opts.
    FLINK_ENV_NODE_OPTS=()
    if [[ -n "${values[4]}" ]]; then
        read -r -a FLINK_ENV_NODE_OPTS <<< "${values[4]}"
    fi
    for ((i = 5; i < 9; i++)); do
        if ! toMebiBytes "${values[$i]}" > /dev/null; then
            echo "Invalid memory size '${values[$i]}' for '${keys[$i]}' in $FLINK_CONF_DIR/flink-conf.yaml. Use a whole number with a unit (b, kb, mb, gb, tb)."
            exit 1
        fi
    done
    # The registry documents *.memory.process.size as taking precedence over *.heap.size when set; Node.js
    # has one knob for it, the old-space limit.
    JM_HEAP_MB="$(toMebiBytes "${values[7]:-${values[5]}}")"
    TM_HEAP_MB="$(toMebiBytes "${values[8]:-${values[6]}}")"
    export FLINK_LOG_DIR FLINK_PID_DIR
}

isHighAvailability() {
    local ha
    ha="$(printf '%s' "${HIGH_AVAILABILITY:-}" | tr '[:upper:]' '[:lower:]')"
    [[ "$ha" == "zookeeper" ]]
}

# True for names that mean this machine, where daemons start without SSH.
isLocalHost() {
    local h
    h="$(printf '%s' "$1" | tr '[:upper:]' '[:lower:]')"
    case "$h" in
        localhost|127.0.0.1|::1) return 0 ;;
    esac
    local self
    self="$(printf '%s' "$HOSTNAME" | tr '[:upper:]' '[:lower:]')"
    [[ "$h" == "$self" || "$h" == "${self%%.*}" ]]
}

# Prints the hosts of a hosts file, one a line: comments (from `#`), blanks and topology paths removed.
readHostLines() {
    local line
    while IFS= read -r line || [[ -n "$line" ]]; do
        line="${line%%#*}"
        line="$(printf '%s' "$line" | tr -d ' \t\r')"
        # Flink accepts a network topology path before the host: /rack1/host1.
        if [[ "$line" =~ ^.*/([^/]+)$ ]]; then line="${BASH_REMATCH[1]}"; fi
        if [[ -n "$line" ]]; then echo "$line"; fi
    done < "$1"
}

# Fills MASTERS and WEBUIPORTS (empty when the line has no port) from conf/masters.
readMasters() {
    local file="$FLINK_CONF_DIR/masters" entry host port
    if [[ ! -f "$file" ]]; then
        echo "No masters file. Please specify masters in 'conf/masters'."
        exit 1
    fi
    MASTERS=()
    WEBUIPORTS=()
    while IFS= read -r entry; do
        # IPv6 needs brackets to carry a port: [::1]:8081.
        if [[ "$entry" =~ ^\[(.*)\](:([0-9]*))?$ ]]; then
            host="${BASH_REMATCH[1]}"
            port="${BASH_REMATCH[3]}"
        elif [[ "$entry" == *:*:* ]]; then
            host="$entry"
            port=""
        else
            host="${entry%%:*}"
            port=""
            if [[ "$entry" == *:* ]]; then port="${entry#*:}"; fi
        fi
        MASTERS+=("$host")
        WEBUIPORTS+=("$port")
    done < <(readHostLines "$file")
}

# Fills WORKERS from conf/workers, or from conf/slaves (its name before Flink 1.11) when there is no
# conf/workers; a host listed twice appears twice. Both files with different hosts is a mistake this will not
# guess about: it stops with one message naming both. With the argument "all" (for stopping) it takes the
# hosts of both files instead, so that nothing started from either keeps running.
readWorkers() {
    local workers="$FLINK_CONF_DIR/workers" slaves="$FLINK_CONF_DIR/slaves" host
    local -a files=("$workers")
    if [[ -f "$slaves" ]]; then
        if [[ ! -f "$workers" ]]; then
            files=("$slaves")
        elif [[ "$(readHostLines "$workers" | sort)" != "$(readHostLines "$slaves" | sort)" ]]; then
            if [[ "${1:-}" != "all" ]]; then
                echo "Both $workers and $slaves list TaskManager hosts, and the lists differ. conf/slaves is the name Flink used before 1.11; keep the hosts you want in conf/workers and delete conf/slaves."
                exit 1
            fi
            files=("$workers" "$slaves")
        fi
    fi
    if [[ ! -f "${files[0]}" ]]; then
        echo "No workers file. Please specify workers in 'conf/workers'."
        exit 1
    fi
    WORKERS=()
    while IFS= read -r host; do
        WORKERS+=("$host")
    done < <(for f in "${files[@]}"; do readHostLines "$f"; done)
}

# Runs a bin/ script on another host the way Flink does: the install path is the same on every host.
# Arguments: host, script name, its arguments.
runRemote() {
    local host="$1" script="$2"
    shift 2
    local -a sshOpts=()
    if [[ -n "${FLINK_SSH_OPTS:-}" ]]; then
        read -r -a sshOpts <<< "$FLINK_SSH_OPTS"
    fi
    local cmd="nohup /bin/bash -l \"$FLINK_BIN_DIR/$script\""
    local arg
    for arg in "$@"; do cmd+=" $(printf '%q' "$arg")"; done
    ssh -n ${sshOpts[@]+"${sshOpts[@]}"} "$host" -- "$cmd"
}

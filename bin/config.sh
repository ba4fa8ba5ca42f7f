#!/usr/bin/env bash
# shellcheck disable=SC2034  # the variables set here are for the scripts that source this file
# Shared settings and helpers of flink-ts' standalone scripts. Sourced, never run.
#
# After sourcing: FLINK_HOME, FLINK_BIN_DIR, FLINK_CONF_DIR, FLINK_DIST_DIR, FLINK_IDENT_STRING, HOSTNAME.
# readFlinkConfig adds FLINK_LOG_DIR, FLINK_PID_DIR, FLINK_SSH_OPTS, HIGH_AVAILABILITY, JM_HEAP_MB, TM_HEAP_MB and
# the array FLINK_ENV_NODE_OPTS. conf/masters and conf/workers are read by dist/src/cluster/ (start-cluster.sh,
# stop-cluster.sh), which also reaches the other hosts over SSH.
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

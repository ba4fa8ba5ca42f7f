#!/usr/bin/env bash
# Starts a standalone cluster: the JobManager(s) from conf/masters (HA) or one here, then a TaskManager for
# every line of conf/workers; then waits until the cluster reports its TaskManagers (FLINK_START_NO_WAIT=1 skips).
set -euo pipefail

target="${BASH_SOURCE[0]}"
while [[ -L "$target" ]]; do
    link="$(readlink "$target")"
    case "$link" in /*) target="$link" ;; *) target="$(dirname "$target")/$link" ;; esac
done
# shellcheck source=config.sh
. "$(cd "$(dirname "$target")" && pwd -P)/config.sh"

AWAIT_CLUSTER="$FLINK_DIST_DIR/src/client/await-cluster.js"
ensureBuilt "$FLINK_DIST_DIR/src/jobmanager/entrypoint.js" "$FLINK_DIST_DIR/src/taskmanager/entrypoint.js" \
    "$AWAIT_CLUSTER"

# Everything that can be wrong with the setup is checked before any daemon starts.
checkFlinkConfig
readFlinkConfig
HA=false
if isHighAvailability; then
    HA=true
    readMasters
fi
readWorkers

# Start the JobManager instance(s)
if [[ "$HA" == true ]]; then
    echo "Starting HA cluster with ${#MASTERS[@]} masters."
    for ((i = 0; i < ${#MASTERS[@]}; i++)); do
        jmArgs=(start "${MASTERS[$i]}")
        if [[ -n "${WEBUIPORTS[$i]}" ]]; then jmArgs+=("${WEBUIPORTS[$i]}"); fi
        if isLocalHost "${MASTERS[$i]}"; then
            "$FLINK_BIN_DIR/jobmanager.sh" "${jmArgs[@]}"
        else
            runRemote "${MASTERS[$i]}" jobmanager.sh "${jmArgs[@]}"
        fi
    done
else
    echo "Starting cluster."
    "$FLINK_BIN_DIR/jobmanager.sh" start
fi

# Start TaskManager instance(s); one failing does not keep the others from starting.
started=0
failed=0
for worker in ${WORKERS[@]+"${WORKERS[@]}"}; do
    if isLocalHost "$worker"; then
        if "$FLINK_BIN_DIR/taskmanager.sh" start; then started=$((started + 1)); else failed=$((failed + 1)); fi
    else
        if runRemote "$worker" taskmanager.sh start; then started=$((started + 1)); else failed=$((failed + 1)); fi
    fi
done
if [[ $failed -gt 0 ]]; then
    echo "Error: $failed TaskManager(s) failed to start; see the messages above." >&2
    exit 1
fi

# Flink returns as soon as the processes are launched; waiting here lets
# `bin/start-cluster.sh && bin/flink run ...` work at once. Not being ready in time is a warning, not a failure.
if [[ "${FLINK_START_NO_WAIT:-}" != "1" ]]; then
    "$FLINK_NODE" "$AWAIT_CLUSTER" --configDir "$FLINK_CONF_DIR" --logDir "$FLINK_LOG_DIR" \
        --taskmanagers "$started" --timeout 30 || true
fi

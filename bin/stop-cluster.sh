#!/usr/bin/env bash
# Stops a standalone cluster: the TaskManagers of conf/workers first, then the JobManager(s).
set -euo pipefail

target="${BASH_SOURCE[0]}"
while [[ -L "$target" ]]; do
    link="$(readlink "$target")"
    case "$link" in /*) target="$link" ;; *) target="$(dirname "$target")/$link" ;; esac
done
# shellcheck source=config.sh
. "$(cd "$(dirname "$target")" && pwd -P)/config.sh"

ensureBuilt "$FLINK_CONFIG_CLI"
readFlinkConfig
readWorkers all
HA=false
if isHighAvailability; then
    HA=true
    readMasters
fi

status=0

# Stop TaskManager instance(s): stop-all once per host, however often the host is listed.
stoppedHosts=" "
for worker in ${WORKERS[@]+"${WORKERS[@]}"}; do
    if isLocalHost "$worker"; then key="localhost"; else key="$worker"; fi
    if [[ "$stoppedHosts" == *" $key "* ]]; then continue; fi
    stoppedHosts+="$key "
    if [[ "$key" == "localhost" ]]; then
        "$FLINK_BIN_DIR/taskmanager.sh" stop-all || status=1
    else
        runRemote "$worker" taskmanager.sh stop-all || status=1
    fi
done

# Stop JobManager instance(s)
if [[ "$HA" == true ]]; then
    for master in ${MASTERS[@]+"${MASTERS[@]}"}; do
        if isLocalHost "$master"; then
            "$FLINK_BIN_DIR/jobmanager.sh" stop || status=1
        else
            runRemote "$master" jobmanager.sh stop || status=1
        fi
    done
else
    "$FLINK_BIN_DIR/jobmanager.sh" stop || status=1
fi

exit $status

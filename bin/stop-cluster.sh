#!/usr/bin/env bash
# Stops a standalone cluster: the TaskManagers of conf/workers first, then the JobManager(s) (in HA mode on every
# conf/masters host, else the one here). Other hosts are reached over SSH, in parallel, as start-cluster.sh does.
set -euo pipefail

target="${BASH_SOURCE[0]}"
while [[ -L "$target" ]]; do
    link="$(readlink "$target")"
    case "$link" in /*) target="$link" ;; *) target="$(dirname "$target")/$link" ;; esac
done
# shellcheck source=config.sh
. "$(cd "$(dirname "$target")" && pwd -P)/config.sh"

CLUSTER_CLI="$FLINK_DIST_DIR/src/cluster/cli.js"
ensureBuilt "$CLUSTER_CLI"
readFlinkConfig

exec "$FLINK_NODE" "$CLUSTER_CLI" stop --configDir "$FLINK_CONF_DIR" --binDir "$FLINK_BIN_DIR"

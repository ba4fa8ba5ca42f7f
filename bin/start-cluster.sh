#!/usr/bin/env bash
# Starts a standalone cluster: the JobManager(s) (in HA mode one on every conf/masters host, else one here), then a
# TaskManager for every line of conf/workers. Hosts that mean this machine start directly, the others over SSH
# (env.ssh.opts / FLINK_SSH_OPTS), all in parallel; then it waits until the cluster reports its TaskManagers
# (FLINK_START_NO_WAIT=1 skips that). A host that fails is named in one line; the others still start.
set -euo pipefail

target="${BASH_SOURCE[0]}"
while [[ -L "$target" ]]; do
    link="$(readlink "$target")"
    case "$link" in /*) target="$link" ;; *) target="$(dirname "$target")/$link" ;; esac
done
# shellcheck source=config.sh
. "$(cd "$(dirname "$target")" && pwd -P)/config.sh"

CLUSTER_CLI="$FLINK_DIST_DIR/src/cluster/cli.js"
ensureBuilt "$FLINK_DIST_DIR/src/jobmanager/entrypoint.js" "$FLINK_DIST_DIR/src/taskmanager/entrypoint.js" \
    "$FLINK_DIST_DIR/src/client/await-cluster.js" "$CLUSTER_CLI"

# Everything that can be wrong with the setup is checked before any daemon starts.
checkFlinkConfig
readFlinkConfig

exec "$FLINK_NODE" "$CLUSTER_CLI" start --configDir "$FLINK_CONF_DIR" --binDir "$FLINK_BIN_DIR" --logDir "$FLINK_LOG_DIR"

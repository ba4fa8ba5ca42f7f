#!/usr/bin/env bash
# Starts or stops a TaskManager (daemon "taskexecutor") on this host.
set -euo pipefail

USAGE="Usage: taskmanager.sh (start|start-foreground|stop|stop-all)"

STARTSTOP="${1:-}"

target="${BASH_SOURCE[0]}"
while [[ -L "$target" ]]; do
    link="$(readlink "$target")"
    case "$link" in /*) target="$link" ;; *) target="$(dirname "$target")/$link" ;; esac
done
# shellcheck source=config.sh
. "$(cd "$(dirname "$target")" && pwd -P)/config.sh"

case "$STARTSTOP" in
    start|start-foreground|stop|stop-all) ;;
    *)
        echo "$USAGE"
        exit 1
        ;;
esac

# Further arguments go to the TaskManager, as in Flink.
exec "$FLINK_BIN_DIR/flink-daemon.sh" "$STARTSTOP" taskexecutor "${@:2}"

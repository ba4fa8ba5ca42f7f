#!/usr/bin/env bash
# Starts or stops a JobManager (daemon "standalonesession") on this host.
set -euo pipefail

USAGE="Usage: jobmanager.sh ((start|start-foreground) [host] [webui-port])|stop|stop-all"

STARTSTOP="${1:-}"

target="${BASH_SOURCE[0]}"
while [[ -L "$target" ]]; do
    link="$(readlink "$target")"
    case "$link" in /*) target="$link" ;; *) target="$(dirname "$target")/$link" ;; esac
done
# shellcheck source=config.sh
. "$(cd "$(dirname "$target")" && pwd -P)/config.sh"

args=()
case "$STARTSTOP" in
    start|start-foreground)
        HOST="${2:-}"
        WEBUIPORT="${3:-}"
        if [[ -n "$HOST" ]]; then args+=(--host "$HOST"); fi
        if [[ -n "$WEBUIPORT" ]]; then args+=(--webui-port "$WEBUIPORT"); fi
        ;;
    stop|stop-all) ;;
    *)
        echo "$USAGE"
        exit 1
        ;;
esac

exec "$FLINK_BIN_DIR/flink-daemon.sh" "$STARTSTOP" standalonesession ${args[@]+"${args[@]}"}

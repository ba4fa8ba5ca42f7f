#!/usr/bin/env bash
# Starts a flink-ts session cluster on YARN, or attaches to one (-id <applicationId>); -h lists the options.
set -euo pipefail

target="${BASH_SOURCE[0]}"
while [[ -L "$target" ]]; do
    link="$(readlink "$target")"
    case "$link" in /*) target="$link" ;; *) target="$(dirname "$target")/$link" ;; esac
done
# shellcheck source=config.sh
. "$(cd "$(dirname "$target")" && pwd -P)/config.sh"

CLI="$FLINK_DIST_DIR/src/client/yarn-session-entry.js"
ensureBuilt "$CLI"

exec "$FLINK_NODE" --enable-source-maps "$CLI" "$@"

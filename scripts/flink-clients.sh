#!/usr/bin/env bash
# Apache Flink's own Java clients for the integration tests: builds test/flink-clients (flink-clients and
# flink-runtime-web 1.20 from Maven Central, plus a small check program) and prints the classpath that runs
# FlinkClientsCheck and Flink's CliFrontend.
#
# Usage: scripts/flink-clients.sh fetch|build
#   fetch  resolve the jars (the first run downloads them into ~/.m2) and build; CI runs it before the tests
#   build  the same, offline first; does not start Maven at all when nothing changed since the last build
#
# stdout gets only `java=<the java to run it with>` and `classpath=<classes dir>:<jar>:...`; what happened goes
# to stderr.
#
# Environment:
#   INFRA_MAVEN_REPO   local Maven repository (default ~/.m2/repository)
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"
export INFRA_NAME=flink-clients

PROJECT_DIR="$INFRA_REPO_ROOT/test/flink-clients"
TARGET_DIR="$PROJECT_DIR/target"
BUILT_MARKER="$TARGET_DIR/.built"

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

# Compiling needs a JDK, not only the JRE the other infrastructure scripts settle for.
require_jdk() {
  infra_require_java
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/javac" ]; then return 0; fi
  command -v javac > /dev/null 2>&1 || infra_apt_install openjdk-17-jdk-headless
  command -v javac > /dev/null 2>&1 || infra_die "javac still not found after installing openjdk-17-jdk-headless"
}

# True when the last build is newer than the pom and every source file, and its jars are still there.
up_to_date() {
  [ -f "$BUILT_MARKER" ] && [ -f "$TARGET_DIR/classpath.txt" ] || return 1
  [ -z "$(find "$PROJECT_DIR/pom.xml" "$PROJECT_DIR/src" -newer "$BUILT_MARKER" -print -quit)" ] || return 1
  local jar
  while IFS= read -r -d: jar; do [ -f "$jar" ] || return 1; done < <(cat "$TARGET_DIR/classpath.txt"; printf ':')
}

build() {
  mkdir -p "$TARGET_DIR"
  # A test and CI (or two tests) building at once would trip over each other's target/.
  local lock_fd
  exec {lock_fd}> "$TARGET_DIR/.lock"
  if command -v flock > /dev/null 2>&1; then
    flock -w 900 "$lock_fd" || infra_die "another build holds $TARGET_DIR/.lock for more than 15 minutes"
  fi
  if up_to_date; then
    infra_require_java
    infra_log "up to date: $TARGET_DIR"
  else
    require_jdk
    infra_require_maven
    local args=(-B -q -f "$PROJECT_DIR/pom.xml" compile)
    [ -z "${INFRA_MAVEN_REPO:-}" ] || args+=(-Dmaven.repo.local="$INFRA_MAVEN_REPO")
    local log="$TARGET_DIR/maven.log" started=$SECONDS
    rm -f "$BUILT_MARKER"
    if "$INFRA_MVN" -o "${args[@]}" > "$log" 2>&1; then
      infra_log "built offline in $((SECONDS - started))s"
    else
      infra_log "building with Maven (the first run downloads Flink's jars from Maven Central; log: $log)"
      if ! "$INFRA_MVN" "${args[@]}" > "$log" 2>&1; then
        infra_tail_log "$log" 40
        infra_die "Maven could not build $PROJECT_DIR (see $log)"
      fi
      infra_log "built in $((SECONDS - started))s"
    fi
    touch "$BUILT_MARKER"
  fi
  exec {lock_fd}>&-
  echo "java=$INFRA_JAVA"
  echo "classpath=$TARGET_DIR/classes:$(cat "$TARGET_DIR/classpath.txt")"
}

case "${1:-}" in
  fetch | build) build ;;
  *) usage ;;
esac

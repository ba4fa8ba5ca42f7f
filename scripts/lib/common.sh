# shellcheck shell=bash
# Shared helpers for the infrastructure scripts (scripts/zookeeper.sh, scripts/hadoop.sh). Source it; it defines
# functions and a few variables only. Conventions:
#   - machine-readable results (`key=value`) go to stdout, everything meant for a person goes to stderr, so
#     `eval "$(scripts/x.sh start)"`-style use and `grep` on stdout stay clean;
#   - every wait is bounded in time and in iterations;
#   - set INFRA_NAME before sourcing (or later) to prefix log lines.

INFRA_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INFRA_REPO_ROOT="$(cd "$INFRA_LIB_DIR/../.." && pwd)"
# Caches shared by all scripts: jars resolved by Maven live under here unless a script is told otherwise.
INFRA_CACHE_ROOT="${INFRA_CACHE_ROOT:-$INFRA_REPO_ROOT/.infra/cache}"
# The dependency plugin is pinned so a cached resolution stays reproducible.
INFRA_MAVEN_DEPENDENCY_PLUGIN="${INFRA_MAVEN_DEPENDENCY_PLUGIN:-org.apache.maven.plugins:maven-dependency-plugin:3.6.1}"

infra_log() { printf '[%s] %s\n' "${INFRA_NAME:-infra}" "$*" >&2; }

infra_die() {
  printf '[%s] ERROR: %s\n' "${INFRA_NAME:-infra}" "$*" >&2
  exit 1
}

# infra_tail_log FILE [LINES] — the last lines of a daemon's log, to stderr, framed so they stand out.
infra_tail_log() {
  local file="$1" n="${2:-40}"
  if [ -s "$file" ]; then
    printf -- '----- last %s lines of %s -----\n' "$n" "$file" >&2
    tail -n "$n" "$file" >&2
    printf -- '----- end of %s -----\n' "$file" >&2
  else
    printf -- '(log %s is empty or missing)\n' "$file" >&2
  fi
}

# infra_apt_install PKG... — installs Debian packages when running as root on a Debian-like system; the machine
# CI runs on is fresh, so scripts install what they need rather than assume it.
INFRA_APT_UPDATED=0
infra_apt_install() {
  if ! command -v apt-get > /dev/null 2>&1 || [ "$(id -u)" != 0 ]; then
    infra_die "missing: $* — install it (Debian: apt-get install $*) and run again"
  fi
  infra_log "installing Debian packages: $*"
  export DEBIAN_FRONTEND=noninteractive
  if [ "$INFRA_APT_UPDATED" = 0 ]; then
    apt-get update -qq >&2 || infra_die "apt-get update failed"
    INFRA_APT_UPDATED=1
  fi
  apt-get install -y -qq --no-install-recommends "$@" >&2 || infra_die "apt-get install $* failed"
}

# infra_require_java — sets INFRA_JAVA to a Java 17+ launcher ($JAVA_HOME/bin/java, else java on PATH, else
# installs openjdk-17-jre-headless).
infra_require_java() {
  if [ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ]; then
    INFRA_JAVA="$JAVA_HOME/bin/java"
  elif command -v java > /dev/null 2>&1; then
    INFRA_JAVA="$(command -v java)"
  else
    infra_apt_install openjdk-17-jre-headless
    INFRA_JAVA="$(command -v java)" || infra_die "java still not found after installing openjdk-17-jre-headless"
  fi
  local major
  major="$("$INFRA_JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')"
  case "$major" in
    1.*|[0-9]|1[0-6]) infra_die "Java 17 or newer is needed, $INFRA_JAVA is Java $major (set JAVA_HOME)" ;;
  esac
}

# infra_require_maven — sets INFRA_MVN (installs Debian's maven if there is none).
infra_require_maven() {
  if command -v mvn > /dev/null 2>&1; then
    INFRA_MVN="$(command -v mvn)"
  else
    infra_apt_install maven
    INFRA_MVN="$(command -v mvn)" || infra_die "mvn still not found after installing maven"
  fi
}

# infra_port_open HOST PORT — true when something accepts TCP connections there (1 s bound).
infra_port_open() {
  timeout 1 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$1" "$2" 2> /dev/null
}

# infra_pid_alive PID [PATTERN] — the process exists, is not a zombie, and (given PATTERN) its command line
# contains PATTERN, which guards against a recycled pid in a stale pid file.
infra_pid_alive() {
  local pid="$1" pattern="${2:-}"
  [ -n "$pid" ] && kill -0 "$pid" 2> /dev/null || return 1
  if [ -r "/proc/$pid/stat" ]; then
    local state
    state="$(sed -E 's/^[0-9]+ \(.*\) ([A-Za-z]).*/\1/' "/proc/$pid/stat" 2> /dev/null)"
    [ "$state" != Z ] || return 1
  fi
  if [ -n "$pattern" ] && [ -r "/proc/$pid/cmdline" ]; then
    tr '\0' ' ' < "/proc/$pid/cmdline" | grep -qF -- "$pattern" || return 1
  fi
  return 0
}

# infra_read_pid PIDFILE [PATTERN] — prints the pid of a live process recorded in PIDFILE; fails (and removes a
# stale file) otherwise.
infra_read_pid() {
  local file="$1" pattern="${2:-}" pid
  [ -f "$file" ] || return 1
  pid="$(tr -dc '0-9' < "$file")"
  if infra_pid_alive "$pid" "$pattern"; then
    printf '%s\n' "$pid"
    return 0
  fi
  rm -f "$file"
  return 1
}

# infra_wait_until TIMEOUT_S PID DESCRIPTION CMD... — polls CMD every 0.25 s until it succeeds; fails when
# TIMEOUT_S pass, when PID (if not empty) dies first, or at once when CMD exits with 3 ("this will never
# succeed", e.g. a fatal error in the daemon's log). The iteration cap keeps the loop bounded even if the
# clock misbehaves.
infra_wait_until() {
  local timeout_s="$1" pid="$2" what="$3"
  shift 3
  local deadline=$((SECONDS + timeout_s)) max_iter=$((timeout_s * 4 + 4)) i=0 rc
  while [ "$i" -lt "$max_iter" ] && [ "$SECONDS" -le "$deadline" ]; do
    rc=0
    "$@" || rc=$?
    if [ "$rc" = 0 ]; then return 0; fi
    if [ "$rc" = 3 ]; then
      infra_log "$what: failed"
      return 3
    fi
    if [ -n "$pid" ] && ! infra_pid_alive "$pid"; then
      infra_log "$what: process $pid exited before it was ready"
      return 2
    fi
    sleep 0.25
    i=$((i + 1))
  done
  infra_log "$what: not ready after ${timeout_s}s"
  return 1
}

# infra_wait_port HOST PORT TIMEOUT_S [PID] — waits until HOST:PORT accepts connections.
infra_wait_port() {
  infra_wait_until "$3" "${4:-}" "port $1:$2" infra_port_open "$1" "$2"
}

# infra_stop_pid PID NAME [TIMEOUT_S] — SIGTERM, a bounded wait, then SIGKILL; returns once the process is gone.
infra_stop_pid() {
  local pid="$1" name="$2" timeout_s="${3:-15}"
  infra_pid_alive "$pid" || return 0
  kill -TERM "$pid" 2> /dev/null || true
  local i=0 max=$((timeout_s * 10))
  while [ "$i" -lt "$max" ] && infra_pid_alive "$pid"; do
    sleep 0.1
    i=$((i + 1))
  done
  if infra_pid_alive "$pid"; then
    infra_log "$name (pid $pid) did not stop within ${timeout_s}s after SIGTERM; sending SIGKILL"
    kill -KILL "$pid" 2> /dev/null || true
    i=0
    while [ "$i" -lt 50 ] && infra_pid_alive "$pid"; do
      sleep 0.1
      i=$((i + 1))
    done
  fi
  ! infra_pid_alive "$pid" || infra_die "$name (pid $pid) is still alive after SIGKILL"
}

# infra_stop_pidfile PIDFILE NAME [TIMEOUT_S] [PATTERN] — stops the process recorded in PIDFILE (if it is alive
# and matches PATTERN) and removes the file. Prints nothing when there was nothing to stop; returns 1 then.
infra_stop_pidfile() {
  local file="$1" name="$2" timeout_s="${3:-15}" pattern="${4:-}" pid
  if ! pid="$(infra_read_pid "$file" "$pattern")"; then
    rm -f "$file"
    return 1
  fi
  infra_stop_pid "$pid" "$name" "$timeout_s"
  rm -f "$file"
  infra_log "stopped $name (pid $pid)"
  return 0
}

# infra_maven_fetch CACHE_DIR COORD... — resolves Maven artifacts (groupId:artifactId:version[:classifier]) and
# their runtime dependencies into CACHE_DIR/lib (flat jars, for a `CACHE_DIR/lib/*` classpath). The first run
# downloads into the local Maven repository (~/.m2/repository, or INFRA_MAVEN_REPO); later runs with the same
# coordinates reuse CACHE_DIR/lib without starting Maven at all, and a deleted lib/ is rebuilt offline first.
# INFRA_MAVEN_EXCLUSIONS="groupId:artifactId ..." excludes those artifacts from every coordinate's tree.
# INFRA_MAVEN_BOMS="groupId:artifactId:version ..." imports those poms' dependencyManagement, so transitive versions
# are the ones the project itself builds with (Hadoop's hadoop-project) rather than Maven's nearest-wins pick.
infra_maven_fetch() {
  local cache_dir="$1"
  shift
  [ "$#" -gt 0 ] || infra_die "infra_maven_fetch: no coordinates given"
  mkdir -p "$cache_dir"
  local key marker="$cache_dir/.resolved" lock_fd
  key="$* | exclusions: ${INFRA_MAVEN_EXCLUSIONS:-}"
  [ -z "${INFRA_MAVEN_BOMS:-}" ] || key+=" | boms: $INFRA_MAVEN_BOMS"
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$key" ] && [ -d "$cache_dir/lib" ]; then
    return 0
  fi
  # Two scripts (or a script and a test) resolving into the same cache at once would clobber each other's lib/.
  exec {lock_fd}> "$cache_dir/.lock"
  if command -v flock > /dev/null 2>&1; then
    flock -w 900 "$lock_fd" || infra_die "another process holds $cache_dir/.lock for more than 15 minutes"
  fi
  if [ -f "$marker" ] && [ "$(cat "$marker")" = "$key" ] && [ -d "$cache_dir/lib" ]; then
    exec {lock_fd}>&-
    return 0
  fi
  infra_require_java
  infra_require_maven
  local exclusions="" ex deps="" coord g a v c
  for ex in ${INFRA_MAVEN_EXCLUSIONS:-}; do
    exclusions+="<exclusion><groupId>${ex%%:*}</groupId><artifactId>${ex#*:}</artifactId></exclusion>"
  done
  local managed=""
  for coord in ${INFRA_MAVEN_BOMS:-}; do
    IFS=: read -r g a v c <<< "$coord"
    [ -n "$g" ] && [ -n "$a" ] && [ -n "$v" ] || infra_die "bad Maven BOM coordinate '$coord' (want group:artifact:version)"
    managed+="<dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version>"
    managed+="<type>pom</type><scope>import</scope></dependency>"
  done
  [ -z "$managed" ] || managed="<dependencyManagement><dependencies>$managed</dependencies></dependencyManagement>"
  for coord in "$@"; do
    IFS=: read -r g a v c <<< "$coord"
    [ -n "$g" ] && [ -n "$a" ] && [ -n "$v" ] || infra_die "bad Maven coordinate '$coord' (want group:artifact:version)"
    deps+="<dependency><groupId>$g</groupId><artifactId>$a</artifactId><version>$v</version>"
    [ -z "$c" ] || deps+="<classifier>$c</classifier>"
    deps+="<exclusions>$exclusions</exclusions></dependency>"
  done
  cat > "$cache_dir/pom.xml" << EOF
<?xml version="1.0" encoding="UTF-8"?>
<!-- Generated by scripts/lib/common.sh: only used to resolve jars into lib/. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>flink-ts.infra</groupId>
  <artifactId>$(basename "$cache_dir" | tr -c 'A-Za-z0-9_.\n-' '-')</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  $managed<dependencies>$deps</dependencies>
</project>
EOF
  local mvn_args=(-B -f "$cache_dir/pom.xml" "$INFRA_MAVEN_DEPENDENCY_PLUGIN:copy-dependencies"
    -DincludeScope=runtime -DoutputDirectory="$cache_dir/lib.tmp")
  [ -z "${INFRA_MAVEN_REPO:-}" ] || mvn_args+=(-Dmaven.repo.local="$INFRA_MAVEN_REPO")
  rm -rf "$cache_dir/lib.tmp"
  local log="$cache_dir/maven.log"
  if "$INFRA_MVN" -o -q "${mvn_args[@]}" > "$log" 2>&1; then
    infra_log "resolved $* from the local Maven repository (offline)"
  else
    rm -rf "$cache_dir/lib.tmp"
    infra_log "resolving $* with Maven (first run downloads from Maven Central; log: $log)"
    if ! "$INFRA_MVN" "${mvn_args[@]}" > "$log" 2>&1; then
      infra_tail_log "$log" 40
      exec {lock_fd}>&-
      infra_die "Maven could not resolve $* (see $log)"
    fi
  fi
  rm -rf "${cache_dir:?}/lib"
  mv "$cache_dir/lib.tmp" "$cache_dir/lib"
  printf '%s' "$key" > "$marker"
  exec {lock_fd}>&-
  infra_log "$(find "$cache_dir/lib" -name '*.jar' | wc -l) jars in $cache_dir/lib"
}

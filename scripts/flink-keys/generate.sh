#!/usr/bin/env bash
# Regenerates src/config/flink-keys.ts: every configuration key that Apache Flink 1.2 to 1.20 declares in its
# option classes (ConfigOption fields, their deprecated and fallback keys, and the key constants of the old
# ConfigConstants), read from Flink's own jars on Maven Central. Needs Java 17 and Maven; takes a while (about
# an hour, mostly Maven trying artifact names that a version does not have).
#
# Usage: scripts/flink-keys/generate.sh        (writes src/config/flink-keys.ts)
# Environment:
#   FLINK_KEYS_WORK  where jars and per-version key lists go (default: a new temp directory; kept). Reusing one
#                    skips the jars already there; the generated file is the union of all its key lists.
#   FLINK_KEYS_ONLY  extract only these minor versions (space-separated, e.g. "1.20"), e.g. to add a new release
#
# The jars stay in the work directory and the local Maven repository; nothing is added to this repository but
# the generated file.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
WORK="${FLINK_KEYS_WORK:-$(mktemp -d -t flink-keys-XXXXXX)}"
OUT="$ROOT/src/config/flink-keys.ts"

# The newest patch release of each minor version first; older patches are tried when one is not served.
VERSIONS=(
  "1.2 1.2.1 1.2.0"
  "1.3 1.3.3 1.3.2 1.3.0"
  "1.4 1.4.2 1.4.1 1.4.0"
  "1.5 1.5.6 1.5.5 1.5.0"
  "1.6 1.6.4 1.6.3 1.6.0"
  "1.7 1.7.2 1.7.1 1.7.0"
  "1.8 1.8.3 1.8.2 1.8.0"
  "1.9 1.9.3 1.9.2 1.9.1 1.9.0"
  "1.10 1.10.3 1.10.2 1.10.1 1.10.0"
  "1.11 1.11.6 1.11.3 1.11.2 1.11.0"
  "1.12 1.12.7 1.12.5 1.12.2 1.12.0"
  "1.13 1.13.6 1.13.5 1.13.2 1.13.0"
  "1.14 1.14.6 1.14.5 1.14.4 1.14.0"
  "1.15 1.15.4 1.15.3 1.15.2 1.15.1 1.15.0"
  "1.16 1.16.3 1.16.2 1.16.1 1.16.0"
  "1.17 1.17.2 1.17.1 1.17.0"
  "1.18 1.18.1 1.18.0"
  "1.19 1.19.3 1.19.2 1.19.1 1.19.0"
  "1.20 1.20.5 1.20.4 1.20.3 1.20.2 1.20.1 1.20.0"
)
# The modules that declare options. Until 1.14 the Scala-dependent ones carry a _2.12 (or _2.11, _2.10) suffix.
PLAIN=(flink-core flink-table-api-java flink-table-common flink-dstl-dfs flink-statebackend-changelog flink-runtime-web
  flink-sql-gateway)
SCALA=(flink-runtime flink-clients flink-streaming-java flink-yarn flink-kubernetes flink-mesos
  flink-statebackend-rocksdb flink-sql-client flink-python)

# Copies one artifact (without dependencies) into $dir/scan, trying the patch versions in turn.
fetchJar() {
  local artifact="$1" v
  shift
  for v in "$@"; do
    if compgen -G "$dir/scan/$artifact-$v.jar" > /dev/null; then echo "$v"; return 0; fi
    if mvn -q dependency:copy -Dartifact="org.apache.flink:$artifact:$v" -DoutputDirectory="$dir/scan" \
        > "$dir/mvn-$artifact-$v.log" 2>&1; then
      echo "$v"
      return 0
    fi
  done
  return 1
}

for entry in "${VERSIONS[@]}"; do
  read -r minor patches <<< "$entry"
  if [[ -n "${FLINK_KEYS_ONLY:-}" && " $FLINK_KEYS_ONLY " != *" $minor "* ]]; then continue; fi
  read -r -a patchList <<< "$patches"
  dir="$WORK/$minor"
  mkdir -p "$dir/scan" "$dir/lib"
  deps=""
  for a in "${PLAIN[@]}"; do
    if v="$(fetchJar "$a" "${patchList[@]}")"; then
      if [[ "$a" == flink-core ]]; then
        deps+="<dependency><groupId>org.apache.flink</groupId><artifactId>$a</artifactId><version>$v</version></dependency>"
      fi
    else
      echo "Flink $minor: no $a" >&2
    fi
  done
  for a in "${SCALA[@]}"; do
    # Modules dropped the suffix one by one (flink-runtime in 1.14, most others in 1.15): try both spellings.
    if [[ "${minor#1.}" -le 14 ]]; then names=("${a}_2.12" "${a}_2.11" "${a}_2.10" "$a"); else names=("$a" "${a}_2.12"); fi
    found=""
    for n in "${names[@]}"; do
      if v="$(fetchJar "$n" "${patchList[@]}")"; then
        found="$n"
        # RocksDB's options need the RocksDB classes to initialize.
        if [[ "$a" == flink-statebackend-rocksdb ]]; then
          deps+="<dependency><groupId>org.apache.flink</groupId><artifactId>$n</artifactId><version>$v</version></dependency>"
        fi
        break
      fi
    done
    [[ -n "$found" ]] || echo "Flink $minor: no $a" >&2
  done
  # What the option classes need to initialize: flink-core's (and RocksDB's) own dependencies.
  cat > "$dir/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>local</groupId><artifactId>flink-keys</artifactId><version>1</version>
<dependencies>$deps</dependencies></project>
POM
  (cd "$dir" && mvn -q dependency:copy-dependencies -DoutputDirectory="$dir/lib" > "$dir/mvn-deps.log" 2>&1)
  java "$HERE/ExtractFlinkKeys.java" "$(ls "$dir"/scan/*.jar | tr '\n' ':')" "$(ls "$dir"/lib/*.jar | tr '\n' ':')" \
    > "$WORK/keys-$minor.tsv" 2> "$WORK/extract-$minor.err"
  echo "Flink $minor: $(tail -n 1 "$WORK/extract-$minor.err")" >&2
done

# The keys a flink-conf.yaml can hold. Left out: options of table connectors, formats, lookups and catalogs (set in
# SQL DDL, not in flink-conf.yaml), and options declared relative to a prefix (a reporter's class is declared as
# "class" and read as metrics.reporter.<name>.class), which the families in flink-key-lookup.ts cover.
configKeys() {
  awk -F'\t' '
    $2 ~ /^org\.apache\.flink\.table\./ && $1 !~ /^(table|sql-client|sql-gateway)\./ { next }
    $1 ~ /^(class|interval|enabled|<parameter>)$/ || $1 ~ /^(factory|filter|scope)\./ { next }
    { print $1 }' "$@"
}

{
  echo '// Generated by scripts/flink-keys/generate.sh from the option classes in the jars of Apache Flink 1.2 to 1.20'
  echo '// (Maven Central, org.apache.flink). Do not edit by hand: run the script again.'
  echo '/**'
  echo ' * Every flink-conf.yaml key that Apache Flink 1.2 to 1.20 declares: the keys of its ConfigOption fields, their'
  echo ' * deprecated and fallback keys, and the key constants of the old ConfigConstants (table connector options and'
  echo ' * keys declared relative to a prefix left out). These are facts (names), used to tell a Flink key that'
  echo ' * flink-ts ignores from a typo. Families of keys with free parts (metrics.reporter.<name>.<option>, ...) are'
  echo ' * in flink-key-lookup.ts.'
  echo ' */'
  echo 'export const FLINK_KEYS: readonly string[] = Object.freeze(['
  configKeys "$WORK"/keys-*.tsv | LC_ALL=C sort -u | sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/\\\\'/g" -e "s/^/  '/" -e "s/\$/',/"
  echo ']);'
} > "$OUT"
echo "Wrote $(grep -c "^  '" "$OUT") keys to $OUT (work directory: $WORK)" >&2

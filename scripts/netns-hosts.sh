#!/usr/bin/env bash
# Several "hosts" on this machine for multi-host tests: each is a network namespace with its own address, its
# own hostname (UTS namespace), its own /tmp and /etc/hosts (mount namespace) and its own sshd (Debian's
# openssh-server) that accepts a key pair made for the run. Everything else, the flink-ts installation included,
# is the same filesystem on every host, as Flink's scripts assume of a cluster.
#
# Usage:
#   scripts/netns-hosts.sh up ID N       create hosts h1..hN of run ID (1-8 of [a-z0-9]); prints key=value lines
#   scripts/netns-hosts.sh down ID       stop every process of those hosts and remove namespaces, links and files
#   scripts/netns-hosts.sh down --stale  the same for every run whose owner process (NETNS_OWNER_PID at `up`) is gone
#   scripts/netns-hosts.sh exec ID HOST -- CMD [ARG...]   run CMD on HOST (its network, hostname and mounts)
#   scripts/netns-hosts.sh pids ID HOST  the pids of every process on HOST, one a line
#   scripts/netns-hosts.sh check         exit 0 when namespaces can be created here, else say why and exit 1
#
# The network: a bridge in the root namespace with the address <prefix>.<k>.1/24 (the "gateway"), and host hi at
# <prefix>.<k>.(10+i) on a veth pair. <prefix> is NETNS_HOSTS_PREFIX (default 10.213); k is the first subnet no
# other run on this machine uses. Only the bridge's own subnet is routed: the hosts reach each other and the root
# namespace's gateway address, nothing else. A service the hosts need (ZooKeeper, HDFS) runs in the root namespace
# bound to the gateway address (`gateway=` in the output), or to 0.0.0.0; a test reaches a host at its address.
# Each host's /etc/hosts names h1..hN and `gateway`, so daemons on the hosts can use names; the root namespace's
# /etc/hosts is not touched, so from there use the addresses. A ZooKeeper for the hosts, for example:
#   ZK_HOST=<gateway> ZK_PORT=<free port> ZK_HOME_DIR=<run dir>/zk scripts/zookeeper.sh start
# and `high-availability.zookeeper.quorum: gateway:<port>` in the hosts' flink-conf.yaml.
#
# Output of `up` (stdout; everything else goes to stderr):
#   dir=<run dir>  gateway=<addr>  subnet=<cidr>  key=<private key>  hosts=h1,h2,...
#   host.hI=<addr>  hostkey.hI=<sshd public host key file>  tmp.hI=<dir seen as /tmp on hI>
#   netns.hI=<network namespace name>  pid.hI=<sshd pid, whose namespaces `exec` enters>
# sshd on hI accepts the key's public half from <run dir>/hI/authorized_keys, read at every login: a test can
# empty it to make a host refuse the login. known_hosts is left to the test (from the hostkey.* files).
#
# Environment: NETNS_HOSTS_DIR (default /var/tmp/flink-ts-netns; not under /tmp, which each host replaces),
# NETNS_HOSTS_PREFIX (default 10.213), NETNS_OWNER_PID (the process whose exit makes the run stale).
# Needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN), iproute2, util-linux and openssh-server (installed when missing).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/lib/common.sh"
export INFRA_NAME=netns-hosts

BASE_DIR="${NETNS_HOSTS_DIR:-/var/tmp/flink-ts-netns}"
PREFIX="${NETNS_HOSTS_PREFIX:-10.213}"
SSHD=/usr/sbin/sshd

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//' >&2
  exit 2
}

checkId() {
  [[ "${1:-}" =~ ^[a-z0-9]{1,8}$ ]] || infra_die "run ID '${1:-}' must be 1-8 characters of a-z and 0-9 (it becomes part of interface names)"
}

runDir() { printf '%s/%s\n' "$BASE_DIR" "$1"; }
nsName() { printf 'flink-%s-%s\n' "$1" "$2"; }
bridgeName() { printf 'fns%s\n' "$1"; }

requireTools() {
  local -a missing=()
  command -v ip > /dev/null 2>&1 || missing+=(iproute2)
  { command -v unshare && command -v nsenter; } > /dev/null 2>&1 || missing+=(util-linux)
  [ -x "$SSHD" ] || missing+=(openssh-server)
  command -v ssh-keygen > /dev/null 2>&1 || missing+=(openssh-client)
  if [ ${#missing[@]} -gt 0 ]; then infra_apt_install "${missing[@]}"; fi
}

# Creating (and removing) a throwaway namespace is the only reliable test: containers may run as root without
# CAP_NET_ADMIN or CAP_SYS_ADMIN.
checkNamespaces() {
  local probe="flink-probe-$$" err
  if [ "$(id -u)" != 0 ]; then
    echo "network namespaces cannot be created: this runs as $(id -un), and creating namespaces, links and sshd needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN)" >&2
    return 1
  fi
  if ! err="$(ip netns add "$probe" 2>&1)"; then
    echo "network namespaces cannot be created here (needs CAP_NET_ADMIN and CAP_SYS_ADMIN; a container needs --privileged or --cap-add NET_ADMIN,SYS_ADMIN): ip netns add: $err" >&2
    return 1
  fi
  if ! err="$(ip netns exec "$probe" unshare --uts --mount true 2>&1)"; then
    ip netns del "$probe" 2> /dev/null || true
    echo "UTS and mount namespaces cannot be created here (needs CAP_SYS_ADMIN): unshare: $err" >&2
    return 1
  fi
  ip netns del "$probe"
}

# The first <prefix>.k.0/24 that no interface in the root namespace has an address in. Called under the lock.
pickSubnet() {
  local k used
  used="$(ip -o -4 addr show 2> /dev/null || true)"
  for ((k = 0; k < 255; k++)); do
    if ! grep -qF " $PREFIX.$k." <<< "$used"; then
      echo "$k"
      return 0
    fi
  done
  infra_die "every subnet $PREFIX.0-254.0/24 is in use by another run; remove stale runs with: $0 down --stale"
}

sshdPid() {
  local file="$(runDir "$1")/$2/sshd.launch.pid" pid
  [ -f "$file" ] || return 1
  pid="$(tr -dc '0-9' < "$file")"
  infra_pid_alive "$pid" sshd || return 1
  echo "$pid"
}

writeSshdConfig() {
  local hdir="$1" addr="$2"
  cat > "$hdir/sshd_config" << EOF
# sshd of a test host; everything it needs lives in $hdir.
ListenAddress $addr
Port 22
HostKey $hdir/ssh_host_ed25519_key
PidFile none
AuthorizedKeysFile $hdir/authorized_keys
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
UsePAM no
StrictModes no
PrintMotd no
PrintLastLog no
MaxStartups 100:30:200
LogLevel VERBOSE
EOF
}

up() {
  local id="$1" n="$2"
  checkId "$id"
  [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 40 ] || infra_die "the number of hosts must be 1-40, not '$n'"
  case "$BASE_DIR/" in /tmp/*) infra_die "NETNS_HOSTS_DIR ($BASE_DIR) must not be under /tmp: every host mounts its own /tmp" ;; esac
  requireTools
  checkNamespaces || exit 1
  local dir bridge k gateway i h ns addr hdir pid
  dir="$(runDir "$id")"
  bridge="$(bridgeName "$id")"
  mkdir -p "$BASE_DIR"
  [ ! -e "$dir" ] || infra_die "run $id exists already ($dir); remove it with: $0 down $id"
  mkdir -p "$dir/ssh"
  echo "${NETNS_OWNER_PID:-$PPID}" > "$dir/owner.pid"
  # sshd's privilege separation directory, which the Debian package creates only when its service starts.
  mkdir -p /run/sshd
  chmod 0755 /run/sshd

  # The subnet is chosen and taken (the bridge gets its address) under one lock, so parallel runs differ.
  exec 9> "$BASE_DIR/.lock"
  flock 9
  k="$(pickSubnet)"
  gateway="$PREFIX.$k.1"
  ip link add "$bridge" type bridge
  ip addr add "$gateway/24" dev "$bridge"
  ip link set "$bridge" up
  flock -u 9
  exec 9>&-
  echo "$k" > "$dir/subnet"

  ssh-keygen -q -t ed25519 -N '' -C "flink-ts netns run $id" -f "$dir/ssh/id_ed25519"

  {
    echo "127.0.0.1 localhost"
    echo "$gateway gateway"
    for ((i = 1; i <= n; i++)); do echo "$PREFIX.$k.$((10 + i)) h$i"; done
  } > "$dir/hosts"

  for ((i = 1; i <= n; i++)); do
    h="h$i"
    ns="$(nsName "$id" "$h")"
    addr="$PREFIX.$k.$((10 + i))"
    hdir="$dir/$h"
    mkdir -p "$hdir/tmp"
    chmod 1777 "$hdir/tmp"
    cp "$dir/hosts" "$hdir/hosts"
    cp "$dir/ssh/id_ed25519.pub" "$hdir/authorized_keys"
    ssh-keygen -q -t ed25519 -N '' -C "$h" -f "$hdir/ssh_host_ed25519_key"
    writeSshdConfig "$hdir" "$addr"

    ip netns add "$ns"
    ip link add "${bridge}v$i" type veth peer name eth0 netns "$ns"
    ip link set "${bridge}v$i" master "$bridge" up
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up
    ip -n "$ns" link set lo up

    # `ip netns exec` and unshare both exec rather than fork, and so does the shell, so $! is sshd itself: the
    # process whose namespaces `exec` enters. -D keeps sshd in the foreground, -e sends its log to the file.
    # shellcheck disable=SC2016  # expanded by the inner shell
    nohup ip netns exec "$ns" unshare --uts --mount --propagation private -- /bin/sh -c '
      hostname "$1" && mount --bind "$2/tmp" /tmp && mount --bind "$2/hosts" /etc/hosts && exec "$3" -D -e -f "$2/sshd_config"
    ' netns-host "$h" "$hdir" "$SSHD" > "$hdir/sshd.log" 2>&1 < /dev/null &
    echo $! > "$hdir/sshd.launch.pid"
  done

  for ((i = 1; i <= n; i++)); do
    hdir="$dir/h$i"
    pid="$(cat "$hdir/sshd.launch.pid")"
    if ! infra_wait_port "$PREFIX.$k.$((10 + i))" 22 20 "$pid"; then
      infra_tail_log "$hdir/sshd.log"
      down "$id"
      infra_die "the sshd of h$i did not start"
    fi
  done

  local hosts=""
  for ((i = 1; i <= n; i++)); do hosts+="${hosts:+,}h$i"; done
  echo "dir=$dir"
  echo "gateway=$gateway"
  echo "subnet=$PREFIX.$k.0/24"
  echo "key=$dir/ssh/id_ed25519"
  echo "hosts=$hosts"
  for ((i = 1; i <= n; i++)); do
    h="h$i"
    echo "host.$h=$PREFIX.$k.$((10 + i))"
    echo "hostkey.$h=$dir/$h/ssh_host_ed25519_key.pub"
    echo "tmp.$h=$dir/$h/tmp"
    echo "netns.$h=$(nsName "$id" "$h")"
    echo "pid.$h=$(cat "$dir/$h/sshd.launch.pid")"
  done
  infra_log "run $id: $n hosts on $PREFIX.$k.0/24, gateway $gateway"
}

# Every process whose network namespace is the host's: sshd, its sessions and whatever they started.
hostPids() {
  local ns
  ns="$(nsName "$1" "$2")"
  ip netns pids "$ns" 2> /dev/null || true
}

killHost() {
  local id="$1" h="$2" pids i
  pids="$(hostPids "$id" "$h")"
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086  # one pid a word
  kill -TERM $pids 2> /dev/null || true
  for ((i = 0; i < 50; i++)); do
    pids="$(hostPids "$id" "$h")"
    [ -n "$pids" ] || return 0
    sleep 0.1
  done
  # shellcheck disable=SC2086
  kill -KILL $pids 2> /dev/null || true
  for ((i = 0; i < 50; i++)); do
    [ -n "$(hostPids "$id" "$h")" ] || return 0
    sleep 0.1
  done
  infra_log "processes of $h still alive after SIGKILL: $(hostPids "$id" "$h" | tr '\n' ' ')"
}

down() {
  local id="$1" dir bridge ns h status=0
  checkId "$id"
  dir="$(runDir "$id")"
  bridge="$(bridgeName "$id")"
  # The namespaces of the run, whether or not its directory survived.
  local -a hosts=()
  while IFS= read -r ns; do
    [ -n "$ns" ] && hosts+=("${ns#"flink-$id-"}")
  done < <(ip netns list 2> /dev/null | awk '{print $1}' | grep -E "^flink-$id-h[0-9]+$" || true)
  for h in ${hosts[@]+"${hosts[@]}"}; do killHost "$id" "$h"; done
  for h in ${hosts[@]+"${hosts[@]}"}; do
    ip netns del "$(nsName "$id" "$h")" 2> /dev/null || status=1
  done
  if ip link show "$bridge" > /dev/null 2>&1; then ip link del "$bridge" || status=1; fi
  if [ -d "$dir" ]; then rm -rf -- "$dir" || status=1; fi
  [ "$status" = 0 ] || infra_log "run $id was not removed completely"
  return "$status"
}

downStale() {
  local d id owner
  [ -d "$BASE_DIR" ] || return 0
  for d in "$BASE_DIR"/*/; do
    [ -d "$d" ] || continue
    id="$(basename "$d")"
    [[ "$id" =~ ^[a-z0-9]{1,8}$ ]] || continue
    owner="$(tr -dc '0-9' < "$d/owner.pid" 2> /dev/null || true)"
    if [ -z "$owner" ] || ! kill -0 "$owner" 2> /dev/null; then
      infra_log "removing stale run $id (its owner ${owner:-?} is gone)"
      down "$id" || true
    fi
  done
}

execOn() {
  local id="$1" h="$2" pid
  shift 2
  [ "${1:-}" = "--" ] && shift
  [ $# -gt 0 ] || usage
  checkId "$id"
  pid="$(sshdPid "$id" "$h")" || infra_die "host $h of run $id is not running (no sshd)"
  exec nsenter -t "$pid" -n -u -m -- "$@"
}

case "${1:-}" in
  up) [ $# -eq 3 ] || usage; up "$2" "$3" ;;
  down)
    [ $# -eq 2 ] || usage
    if [ "$2" = --stale ]; then downStale; else down "$2"; fi
    ;;
  exec) [ $# -ge 4 ] || usage; execOn "${@:2}" ;;
  pids) [ $# -eq 3 ] || usage; checkId "$2"; hostPids "$2" "$3" ;;
  check) checkNamespaces ;;
  *) usage ;;
esac

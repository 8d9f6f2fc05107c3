# shellcheck shell=bash
# Relief on one machine: the one place that knows how to install the
# packages, build the tree, and run private Postgres and Redis servers.
# Sourced by deploy/local/up, deploy/local/down, tests/run and the C++ test
# helper tests/testing/pg_server.cc.
#
# Contract of every function here:
# - returns non-zero on failure and never calls `exit`; safe to call under
#   `set -euo pipefail`; does not change the caller's shell options;
# - progress and errors go to stderr, prefixed "relief: "; a function that
#   has a result (relief_free_port, relief_data_dir, ...) prints only that
#   result on stdout;
# - as root, Postgres programs run as the `postgres` user through runuser
#   (initdb refuses root); as another user they run as that user.
#
# Environment read here:
#   RELIEF_JOBS           parallel build jobs (default 2)
#   RELIEF_PG_FAST=1      start Postgres with fsync=off (tests only)
#   RELIEF_PG_EXTRA_OPTS  more postgres options, e.g. "-c max_connections=200"
#   RELIEF_PG_BIN         Postgres programs (default /usr/lib/postgresql/15/bin)
#   RELIEF_DATA           deploy/local's data folder (see relief_data_dir)

# The repository this file belongs to (not the caller's working directory).
RELIEF_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
RELIEF_PG_BIN="${RELIEF_PG_BIN:-/usr/lib/postgresql/15/bin}"

# ---------------------------------------------------------------------------
# Small helpers.

relief_log() { printf 'relief: %s\n' "$*" >&2; }

# Milliseconds since the epoch.
relief_now_ms() {
  local ns
  ns=$(date +%s%N)
  echo $((ns / 1000000))
}

# relief_elapsed START_MS: prints the time since START_MS as "12.3s".
relief_elapsed() {
  local now d
  now=$(relief_now_ms)
  d=$((now - $1))
  printf '%d.%ds\n' $((d / 1000)) $(((d % 1000) / 100))
}

# Absolute, normalised form of a path (the path need not exist).
_relief_abs() { realpath -m -- "$1"; }

_relief_valid_port() {
  [[ $1 =~ ^[0-9]+$ ]] && (($1 >= 1 && $1 <= 65535)) && return 0
  relief_log "not a TCP port: '$1'"
  return 1
}

# Runs a command as the postgres user when root (from /, so that the programs
# do not trip over a working directory they cannot read).
_relief_as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd / && runuser -u postgres -- "$@")
  else
    (cd / && "$@")
  fi
}

# True when the user running Postgres can traverse DIR and all its parents.
_relief_pg_can_reach() {
  [[ $EUID -ne 0 ]] && return 0
  _relief_as_pg test -x "$1"
}

# Prints the first ancestor of DIR (or DIR) the postgres user cannot traverse.
_relief_pg_blocker() {
  local path="" part
  local -a parts
  IFS=/ read -r -a parts <<<"${1#/}"
  for part in "${parts[@]}"; do
    path="$path/$part"
    [[ -d $path ]] || break
    if ! _relief_as_pg test -x "$path"; then
      echo "$path"
      return 0
    fi
  done
  echo "$1"
}

# _relief_pid_alive PID [COMM]: true when PID is a live (non-zombie) process,
# and, when COMM is given, that process's name is COMM.
_relief_pid_alive() {
  local pid=$1 comm=${2:-} stat
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 1
  # Field 3 (after "pid (comm)") is the state; Z is a zombie, X is dead.
  local state=${stat##*) }
  state=${state%% *}
  [[ $state == Z || $state == X ]] && return 1
  if [[ -n $comm ]]; then
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "$comm" ]] || return 1
  fi
  return 0
}

# relief_pidfile_pid PIDFILE [COMM]: prints the pid recorded in PIDFILE when
# that process is alive (and named COMM); fails otherwise.
relief_pidfile_pid() {
  local pid
  [[ -f $1 ]] || return 1
  pid=$(head -n 1 "$1" 2>/dev/null | tr -d '[:space:]')
  _relief_pid_alive "$pid" "${2:-}" || return 1
  echo "$pid"
}

# relief_stop_pidfile PIDFILE COMM [WHAT] [TIMEOUT_S]: stops the process
# recorded in PIDFILE (SIGTERM, then SIGKILL after TIMEOUT_S, default 30),
# waits until it is gone and removes PIDFILE. Idempotent.
relief_stop_pidfile() {
  local pidfile=$1 comm=$2 what=${3:-$2} timeout=${4:-30} pid deadline
  if ! pid=$(relief_pidfile_pid "$pidfile" "$comm"); then
    rm -f "$pidfile"
    relief_log "$what: not running"
    return 0
  fi
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$(($(relief_now_ms) + timeout * 1000))
  while _relief_pid_alive "$pid" "$comm"; do
    if (($(relief_now_ms) >= deadline)); then
      relief_log "$what: pid $pid still running after ${timeout}s, sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      deadline=$(($(relief_now_ms) + 10000))
      while _relief_pid_alive "$pid" "$comm"; do
        if (($(relief_now_ms) >= deadline)); then
          relief_log "$what: pid $pid survives SIGKILL"
          return 1
        fi
        sleep 0.1
      done
      break
    fi
    sleep 0.1
  done
  rm -f "$pidfile"
  relief_log "$what: stopped (pid $pid)"
}

# ---------------------------------------------------------------------------
# Packages and build.

# relief_install_packages [LIST]: installs the Debian packages of LIST
# (default deploy/packages.txt; one per line, '#' comments allowed) that are
# not installed yet. Services are not started by the install (policy-rc.d).
relief_install_packages() {
  local list=${1:-$RELIEF_REPO/deploy/packages.txt} start line p
  local -a pkgs=() missing=() sudo=()
  local -A installed=()
  start=$(relief_now_ms)
  if [[ ! -r $list ]]; then
    relief_log "packages: cannot read $list"
    return 1
  fi
  while IFS= read -r line || [[ -n $line ]]; do
    line=${line%%#*}
    line=${line//[[:space:]]/}
    [[ -n $line ]] && pkgs+=("$line")
  done <"$list"
  # One dpkg-query for all; unknown packages only print to stderr.
  while read -r p line; do
    [[ $line == ii* ]] && installed[${p%%:*}]=1
  done < <(dpkg-query -W -f='${Package} ${db:Status-Abbrev}\n' "${pkgs[@]}" 2>/dev/null || true)
  for p in "${pkgs[@]}"; do
    [[ -n ${installed[$p]:-} ]] || missing+=("$p")
  done
  if ((${#missing[@]} == 0)); then
    relief_log "packages: all ${#pkgs[@]} already installed ($(relief_elapsed "$start"))"
    return 0
  fi
  if [[ $EUID -ne 0 ]]; then
    if ! command -v sudo >/dev/null; then
      relief_log "packages: missing ${missing[*]}; run as root to install them"
      return 1
    fi
    sudo=(sudo)
  fi
  relief_log "packages: installing ${#missing[@]} missing: ${missing[*]}"
  local aptlog policy=/usr/sbin/policy-rc.d made_policy=0 rc=0
  aptlog=$(mktemp /tmp/relief-apt.XXXXXX.log)
  # Keep the packages' init scripts from starting the system-wide Postgres
  # and Redis: Relief runs its own, on its own ports.
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null &&
      "${sudo[@]}" chmod 755 "$policy" && made_policy=1
  fi
  {
    "${sudo[@]}" apt-get -o Acquire::Retries=3 update &&
      "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 \
        install -y --no-install-recommends "${missing[@]}"
  } </dev/null >"$aptlog" 2>&1 || rc=$?
  if ((made_policy)); then "${sudo[@]}" rm -f "$policy"; fi
  if ((rc != 0)); then
    tail -n 40 "$aptlog" >&2
    relief_log "packages: apt-get failed (exit $rc); full log in $aptlog"
    return 1
  fi
  rm -f "$aptlog"
  relief_log "packages: installed ${#missing[@]} (${missing[*]}) in $(relief_elapsed "$start")"
}

# relief_build [BUILD_DIR]: configures BUILD_DIR (default $REPO/build) with
# Ninja and RelWithDebInfo when it is not configured yet, then builds it with
# RELIEF_JOBS (default 2) jobs.
relief_build() {
  local build start
  build=$(_relief_abs "${1:-$RELIEF_REPO/build}")
  start=$(relief_now_ms)
  if [[ ! -f $build/build.ninja ]]; then
    local -a gen=(-G Ninja)
    # A tree configured with another generator keeps it.
    if [[ -f $build/CMakeCache.txt ]] &&
      ! grep -qx 'CMAKE_GENERATOR:INTERNAL=Ninja' "$build/CMakeCache.txt"; then
      gen=()
    fi
    if ! cmake -S "$RELIEF_REPO" -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo; then
      relief_log "build: cmake could not configure $build"
      return 1
    fi
  fi
  if ! cmake --build "$build" -j "${RELIEF_JOBS:-2}"; then
    relief_log "build: failed after $(relief_elapsed "$start")"
    return 1
  fi
  relief_log "build: $build up to date in $(relief_elapsed "$start")"
}

# ---------------------------------------------------------------------------
# Ports.

# relief_port_free PORT: true when no TCP socket on this machine uses PORT.
relief_port_free() {
  local out
  out=$(ss -Htan "sport = :$1") || {
    relief_log "ports: ss failed (is iproute2 installed?)"
    return 2
  }
  [[ -z $out ]]
}

# relief_free_port: prints a TCP port on 127.0.0.1 that nothing uses, chosen
# at random in 20000-60000 (below the kernel's ephemeral range when that
# leaves room, so that outgoing connections do not take it later).
relief_free_port() {
  local lo=20000 hi=60000 eph_lo port i rc
  if ! command -v ss >/dev/null; then
    relief_log "ports: ss not found (install iproute2)"
    return 1
  fi
  if read -r eph_lo _ 2>/dev/null </proc/sys/net/ipv4/ip_local_port_range &&
    ((eph_lo - 1 - lo >= 2000 && eph_lo - 1 < hi)); then
    hi=$((eph_lo - 1))
  fi
  for ((i = 0; i < 200; i++)); do
    port=$((lo + ${SRANDOM:-$((RANDOM * 32768 + RANDOM))} % (hi - lo + 1)))
    rc=0
    relief_port_free "$port" || rc=$?
    ((rc == 2)) && return 1
    if ((rc == 0)); then
      echo "$port"
      return 0
    fi
  done
  relief_log "ports: no free port found in $lo-$hi"
  return 1
}

# relief_wait_port HOST PORT TIMEOUT_S: waits until a TCP connection to
# HOST:PORT succeeds; fails after TIMEOUT_S seconds.
relief_wait_port() {
  local host=$1 port=$2 timeout=${3:-30} deadline
  deadline=$(($(relief_now_ms) + timeout * 1000))
  while :; do
    # shellcheck disable=SC2016  # $0/$1 belong to the inner bash.
    if timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null; then
      return 0
    fi
    if (($(relief_now_ms) >= deadline)); then
      relief_log "nothing accepts connections on $host:$port after ${timeout}s"
      return 1
    fi
    sleep 0.1
  done
}

# ---------------------------------------------------------------------------
# Postgres.

# relief_pg_running_port DIR: prints the port of the Postgres running from
# DIR/data; fails when none runs.
relief_pg_running_port() {
  local data
  data=$(_relief_abs "$1")/data
  [[ -f $data/PG_VERSION ]] || return 1
  _relief_as_pg "$RELIEF_PG_BIN/pg_ctl" status -D "$data" >/dev/null 2>&1 || return 1
  # Line 4 of postmaster.pid is the port.
  sed -n 4p "$data/postmaster.pid" 2>/dev/null | tr -d '[:space:]'
}

# relief_pg_start DIR PORT: starts a private Postgres cluster: data in
# DIR/data (initdb'd on first use: UTF8, locale C.UTF-8, trust auth,
# superuser "postgres"), socket in DIR, log in DIR/log, listening on
# 127.0.0.1:PORT. RELIEF_PG_FAST=1 adds fsync=off. Idempotent: succeeds when
# it already runs on PORT, fails when it runs on another port.
relief_pg_start() {
  if (($# != 2)); then
    relief_log "usage: relief_pg_start DIR PORT"
    return 2
  fi
  local dir port=$2 data log running
  dir=$(_relief_abs "$1")
  data=$dir/data
  log=$dir/log
  _relief_valid_port "$port" || return 1
  if [[ $dir == *[\'\"\\]* ]]; then
    relief_log "postgres: quotes or backslashes in '$dir' are not supported"
    return 1
  fi
  if [[ ! -x $RELIEF_PG_BIN/pg_ctl ]]; then
    relief_log "postgres: $RELIEF_PG_BIN/pg_ctl not found (install the postgresql package)"
    return 1
  fi
  mkdir -p "$dir" || return 1
  if [[ $EUID -eq 0 ]]; then
    if ! id -u postgres >/dev/null 2>&1; then
      relief_log "postgres: no 'postgres' user (install the postgresql package)"
      return 1
    fi
    chown -R postgres:postgres "$dir" || return 1
    if ! _relief_pg_can_reach "$dir"; then
      relief_log "postgres: the postgres user cannot reach $dir: $(_relief_pg_blocker "$dir") is not searchable by others (chmod o+x it, or use a folder under /tmp or /var/lib)"
      return 1
    fi
  fi

  if running=$(relief_pg_running_port "$dir"); then
    if [[ $running == "$port" ]]; then
      relief_log "postgres: already running in $dir on 127.0.0.1:$port"
      return 0
    fi
    relief_log "postgres: already running in $dir on port $running, not $port"
    return 1
  fi

  if [[ ! -f $data/PG_VERSION ]]; then
    if [[ -d $data && -n $(ls -A "$data") ]]; then
      relief_log "postgres: $data is not empty and not a cluster; remove it"
      return 1
    fi
    local locale=C out
    if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then
      locale=C.UTF-8
    fi
    local -a nosync=()
    [[ ${RELIEF_PG_FAST:-0} == 1 ]] && nosync=(--no-sync)
    if ! out=$(_relief_as_pg "$RELIEF_PG_BIN/initdb" -D "$data" -E UTF8 \
      --locale="$locale" -A trust -U postgres --no-instructions "${nosync[@]}" 2>&1); then
      printf '%s\n' "$out" >&2
      relief_log "postgres: initdb failed in $data"
      return 1
    fi
  fi

  # The socket path must fit in 107 bytes; without room, TCP only.
  local sockdir=$dir
  if ((${#dir} + 18 > 107)); then
    relief_log "postgres: $dir is too long for a Unix socket; TCP only"
    sockdir=""
  fi
  local opts="-k '$sockdir' -c listen_addresses=127.0.0.1 -p $port"
  [[ ${RELIEF_PG_FAST:-0} == 1 ]] && opts+=" -c fsync=off"
  [[ -n ${RELIEF_PG_EXTRA_OPTS:-} ]] && opts+=" $RELIEF_PG_EXTRA_OPTS"
  if ! _relief_as_pg "$RELIEF_PG_BIN/pg_ctl" start -w -t 60 -D "$data" -l "$log" \
    -o "$opts" >/dev/null; then
    tail -n 20 "$log" >&2 2>/dev/null || true
    relief_log "postgres: failed to start in $dir on 127.0.0.1:$port (log: $log)"
    return 1
  fi
  relief_log "postgres: started in $dir on 127.0.0.1:$port"
}

# relief_pg_stop DIR [MODE]: stops the Postgres of DIR/data (pg_ctl stop -m
# MODE, default fast; "immediate" simulates a crash). Idempotent.
relief_pg_stop() {
  if (($# < 1)); then
    relief_log "usage: relief_pg_stop DIR [fast|smart|immediate]"
    return 2
  fi
  local dir mode=${2:-fast}
  dir=$(_relief_abs "$1")
  if [[ ! -f $dir/data/PG_VERSION ]]; then
    relief_log "postgres: no cluster in $dir"
    return 0
  fi
  if ! relief_pg_running_port "$dir" >/dev/null; then
    relief_log "postgres: not running in $dir"
    return 0
  fi
  if ! _relief_as_pg "$RELIEF_PG_BIN/pg_ctl" stop -D "$dir/data" -m "$mode" -w -t 60 >/dev/null; then
    relief_log "postgres: could not stop the server in $dir"
    return 1
  fi
  relief_log "postgres: stopped ($dir, $mode)"
}

# relief_pg_provision ADMIN_URL DBNAME: on the cluster at ADMIN_URL (a
# superuser connection to any database), creates database DBNAME (UTF8), the
# login role relief_registry (no password: the local cluster trusts
# loopback), schemas registry and ref owned by it, and revokes PUBLIC's rights
# on schema public. Idempotent. The SQL is deploy/sql/provision.sql.
relief_pg_provision() {
  if (($# != 2)); then
    relief_log "usage: relief_pg_provision ADMIN_URL DBNAME"
    return 2
  fi
  local url=$1 db=$2
  if [[ ! $db =~ ^[a-z_][a-z0-9_]{0,62}$ ]]; then
    relief_log "postgres: bad database name '$db'"
    return 1
  fi
  if ! psql "$url" -X -q -v ON_ERROR_STOP=1 -v dbname="$db" -v role=relief_registry \
    -f "$RELIEF_REPO/deploy/sql/provision.sql" </dev/null; then
    relief_log "postgres: provisioning database $db failed"
    return 1
  fi
  relief_log "postgres: database $db provisioned (role relief_registry, schemas registry and ref)"
}

# ---------------------------------------------------------------------------
# Redis.

# relief_redis_running_port DIR: prints the port of the Redis running from
# DIR; fails when none runs.
relief_redis_running_port() {
  local dir
  dir=$(_relief_abs "$1")
  relief_pidfile_pid "$dir/redis.pid" redis-server >/dev/null || return 1
  tr -d '[:space:]' <"$dir/redis.port" 2>/dev/null
}

# relief_redis_start DIR PORT: starts a private Redis (no persistence) on
# 127.0.0.1:PORT with pid file DIR/redis.pid and log DIR/redis.log, and waits
# until it accepts connections. Idempotent like relief_pg_start.
relief_redis_start() {
  if (($# != 2)); then
    relief_log "usage: relief_redis_start DIR PORT"
    return 2
  fi
  local dir port=$2 running pidfile logfile logsize deadline
  dir=$(_relief_abs "$1")
  pidfile=$dir/redis.pid
  logfile=$dir/redis.log
  _relief_valid_port "$port" || return 1
  if ! command -v redis-server >/dev/null; then
    relief_log "redis: redis-server not found (install the redis-server package)"
    return 1
  fi
  mkdir -p "$dir" || return 1
  if running=$(relief_redis_running_port "$dir"); then
    if [[ $running == "$port" ]]; then
      relief_log "redis: already running in $dir on 127.0.0.1:$port"
      return 0
    fi
    relief_log "redis: already running in $dir on port ${running:-?}, not $port"
    return 1
  fi
  rm -f "$pidfile"
  logsize=$(stat -c %s "$logfile" 2>/dev/null || echo 0)
  if ! redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
    --daemonize yes --dir "$dir" --pidfile "$pidfile" --logfile "$logfile" </dev/null; then
    relief_log "redis: redis-server failed to start in $dir"
    return 1
  fi
  echo "$port" >"$dir/redis.port"
  # Redis writes its pid file after it has bound its port, and logs and exits
  # when it cannot bind.
  deadline=$(($(relief_now_ms) + 30000))
  until relief_pidfile_pid "$pidfile" redis-server >/dev/null &&
    relief_wait_port 127.0.0.1 "$port" 1 2>/dev/null; do
    if tail -c +$((logsize + 1)) "$logfile" 2>/dev/null |
      grep -qE 'Failed listening|Could not create server TCP|aborting'; then
      tail -n 5 "$logfile" >&2
      relief_log "redis: could not listen on 127.0.0.1:$port"
      return 1
    fi
    if (($(relief_now_ms) >= deadline)); then
      tail -n 5 "$logfile" >&2 2>/dev/null || true
      relief_log "redis: not up on 127.0.0.1:$port after 30s (log: $logfile)"
      return 1
    fi
    sleep 0.05
  done
  relief_log "redis: started in $dir on 127.0.0.1:$port"
}

# relief_redis_stop DIR: stops the Redis of DIR and waits until it is gone.
# Idempotent.
relief_redis_stop() {
  if (($# != 1)); then
    relief_log "usage: relief_redis_stop DIR"
    return 2
  fi
  local dir
  dir=$(_relief_abs "$1")
  relief_stop_pidfile "$dir/redis.pid" redis-server "redis ($dir)"
}

# ---------------------------------------------------------------------------
# deploy/local's data folder.

# relief_data_dir --create|--find: prints deploy/local's data folder:
# $RELIEF_DATA when set; else $REPO/.relief when the postgres user can
# traverse it; else /var/lib/relief-local/<hash of $REPO>. --create makes it
# (for `up`); --find only looks (for `down`): the folder with an env file wins.
relief_data_dir() {
  local create primary fallback hash created=0 dir
  case ${1:-} in
    --create) create=1 ;;
    --find) create=0 ;;
    *)
      relief_log "usage: relief_data_dir --create|--find"
      return 2
      ;;
  esac
  if [[ -n ${RELIEF_DATA:-} ]]; then
    dir=$(_relief_abs "$RELIEF_DATA")
    if ((create)); then
      if [[ ! -d $dir ]]; then
        mkdir -p "$dir" && chmod 755 "$dir" || return 1
      fi
      if ! _relief_pg_can_reach "$dir"; then
        relief_log "data: the postgres user cannot reach RELIEF_DATA=$dir ($(_relief_pg_blocker "$dir") is not searchable by others)"
        return 1
      fi
    fi
    echo "$dir"
    return 0
  fi
  primary=$RELIEF_REPO/.relief
  hash=$(printf '%s' "$RELIEF_REPO" | sha256sum | cut -c1-12)
  fallback=/var/lib/relief-local/$hash
  if ((!create)); then
    if [[ -f $primary/env || ! -d $fallback ]]; then
      echo "$primary"
    else
      echo "$fallback"
    fi
    return 0
  fi
  if [[ ! -f $primary/env && -f $fallback/env ]]; then
    echo "$fallback"
    return 0
  fi
  if [[ ! -d $primary ]]; then
    mkdir -p "$primary" || return 1
    created=1
  fi
  # Relief's own folder: others may traverse it (its parents decide).
  chmod 755 "$primary" 2>/dev/null || true
  if _relief_pg_can_reach "$primary"; then
    echo "$primary"
    return 0
  fi
  if ((created)); then rmdir "$primary" 2>/dev/null || true; fi
  relief_log "data: the postgres user cannot reach $primary ($(_relief_pg_blocker "$primary") is not searchable by others); using $fallback"
  mkdir -p "$fallback" || return 1
  chmod 755 /var/lib/relief-local "$fallback"
  echo "$fallback"
}

#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the tests: `pg_cluster.sh start DIR
# SOCKET_DIR BINDIR` makes a fresh cluster in DIR that listens only on a
# Unix socket in SOCKET_DIR (no TCP at all), with
#   - tenet_owner: a plain role (no superuser, no BYPASSRLS) owning the
#     database tenet_test, which creates the tables and applies `tenet sql`;
#   - tenet_app: another plain role, not the owner, whom row-level security
#     applies to.
# `pg_cluster.sh stop DIR SOCKET_DIR BINDIR` stops it and deletes both folders.
# For tests that take PostgreSQL away mid-test (tests/fleet/, each with a
# cluster of its own): `pg_cluster.sh stop-keep DIR SOCKET_DIR BINDIR
# [fast|immediate]` shuts the server down (fast: clients disconnected, a
# checkpoint; immediate: like a crash, recovery at the next start) and keeps
# the data; `pg_cluster.sh restart DIR SOCKET_DIR BINDIR` starts it again on
# the same socket.
# ctest runs them as the FIXTURES_SETUP / FIXTURES_CLEANUP of the PostgreSQL
# tests, so the cluster goes away whether the tests pass or not. Every wait
# is bounded. PostgreSQL refuses to run as root: as root, the server runs as
# the `postgres` system user, which owns DIR and SOCKET_DIR.
set -euo pipefail

action=$1 dir=$2 socket_dir=$3 bindir=$4
port=5432
# A fallback for DIR when the server user cannot reach the build directory
# (a checkout under /root, say); SOCKET_DIR is under /tmp, reachable by all.
fallback_dir="$socket_dir-data"

as_server_user() {
  if [[ $(id -u) -eq 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

stop() {
  for candidate in "$dir" "$fallback_dir"; do
    if [[ -f "$candidate/data/postmaster.pid" ]]; then
      as_server_user "$bindir/pg_ctl" stop -D "$candidate/data" -m immediate -w -t 30 \
        >/dev/null 2>&1 || true
    fi
    rm -rf "$candidate"
  done
  rm -rf "$socket_dir"
}

# The folder holding the cluster (DIR, or the fallback `start` chose).
cluster_home() {
  for candidate in "$dir" "$fallback_dir"; do
    if [[ -d "$candidate/data" ]]; then
      echo "$candidate"
      return
    fi
  done
  echo "pg_cluster: no cluster in $dir or $fallback_dir" >&2
  exit 1
}

# Starts the server of the cluster in $1 (listening on SOCKET_DIR only),
# waiting at most 30 s for it to accept connections.
run_server() {
  as_server_user "$bindir/pg_ctl" start -D "$1/data" -w -t 30 -l "$1/server.log" \
    -o "-c listen_addresses='' -k '$socket_dir' -p $port -c unix_socket_permissions=0777 -c fsync=off" \
    >/dev/null || { cat "$1/server.log" >&2; exit 1; }
}

case "$action" in
  start)
    stop  # a cluster left over from an interrupted run
    mkdir -p "$dir" "$socket_dir"
    if [[ $(id -u) -eq 0 ]] && ! runuser -u postgres -- test -x "$(dirname "$dir")"; then
      rmdir "$dir"
      dir=$fallback_dir
      mkdir -p "$dir"
    fi
    chmod 700 "$dir" "$socket_dir"
    if [[ $(id -u) -eq 0 ]]; then chown postgres: "$dir" "$socket_dir"; fi
    as_server_user "$bindir/initdb" -D "$dir/data" -A trust -U tenet_admin -E UTF8 \
      --locale=C.UTF-8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    run_server "$dir"
    psql=("$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$port" -U tenet_admin -d postgres)
    timeout 30 "${psql[@]}" <<'SQL'
CREATE ROLE tenet_owner LOGIN NOSUPERUSER NOCREATEROLE NOBYPASSRLS;
CREATE ROLE tenet_app LOGIN NOSUPERUSER NOCREATEROLE NOBYPASSRLS;
CREATE DATABASE tenet_test OWNER tenet_owner;
SQL
    echo "pg_cluster: started in $dir, socket in $socket_dir"
    ;;
  stop)
    stop
    echo "pg_cluster: stopped"
    ;;
  stop-keep)
    mode=${5:-fast}
    if [[ $mode != fast && $mode != immediate ]]; then
      echo "pg_cluster: stop-keep takes fast or immediate, not '$mode'" >&2
      exit 2
    fi
    home=$(cluster_home)
    as_server_user "$bindir/pg_ctl" stop -D "$home/data" -m "$mode" -w -t 30 >/dev/null \
      || { tail -n 20 "$home/server.log" >&2; exit 1; }
    echo "pg_cluster: stopped ($mode), data kept in $home"
    ;;
  restart)
    home=$(cluster_home)
    run_server "$home"
    echo "pg_cluster: restarted in $home, socket in $socket_dir"
    ;;
  *)
    echo "usage: pg_cluster.sh start|stop|stop-keep|restart DIR SOCKET_DIR BINDIR [fast|immediate]" >&2
    exit 2
    ;;
esac

#!/usr/bin/env bash
# scripts/services.sh - make sure PostgreSQL and Redis answer, and export
# DATABASE_URL and REDIS_URL for whatever runs after it.
#
# Sourced by scripts/demo and scripts/test:
#     source scripts/services.sh
# Run directly:
#     scripts/services.sh [start]   ensure the services and print which are used
#     scripts/services.sh env       ensure them and print `export` lines, for
#                                   eval "$(scripts/services.sh env)"
#     scripts/services.sh status    tell whether the private instances run
#     scripts/services.sh stop      stop the private instances in .local/
#
# How the services are chosen:
#   1. DATABASE_URL and REDIS_URL from the environment (or the defaults below
#      when unset) are used if they answer.
#   2. Otherwise a private instance is started under <repo>/.local/ (ignored by
#      git) on a spare loopback port, and reused by later runs. PostgreSQL and
#      Redis are installed from Debian's packages when their programs are missing.
# It also makes sure `go` is found (PATH or /usr/local/go/bin).
set -euo pipefail

ZWGK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
ZWGK_LOCAL="$ZWGK_ROOT/.local"

_svc_default_db='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
_svc_default_redis='redis://127.0.0.1:6379/0'
_svc_pg_first_port=54329
_svc_redis_first_port=63790
_svc_pg_sysuser=zwgk-postgres # created only when root and no `postgres` user exists
_svc_apt_updated=0

_svc_log() { printf 'services: %s\n' "$*" >&2; }
_svc_die() {
	printf 'services: ERROR: %s\n' "$*" >&2
	exit 1
}

# Hide passwords: scheme://user:secret@host -> scheme://user:***@host, password=x -> password=***.
_svc_mask() {
	printf '%s\n' "$1" | sed -E -e 's#(://[^:/@]*):[^@/]*@#\1:***@#' -e 's#(password=)[^& ]*#\1***#Ig'
}

# Percent-decoding for user names and passwords taken out of URLs.
_svc_urldecode() {
	local s="${1//+/ }"
	printf '%b' "${s//%/\\x}"
}

# Print "host port user password" (user and password URL-decoded, possibly
# empty) for a URL such as scheme://[user[:pass]@]host[:port][/...]. Only used
# when no client program is installed, to talk to the server over bash /dev/tcp.
_svc_url_parts() {
	local url="$1" default_port="$2" rest userinfo="" hostport host port user="" pass=""
	rest="${url#*://}"
	rest="${rest%%[/?]*}"
	if [[ "$rest" == *@* ]]; then
		userinfo="${rest%@*}"
		rest="${rest##*@}"
	fi
	hostport="${rest%%,*}" # first host of a multi-host URL
	if [[ "$hostport" == \[* ]]; then # [ipv6]:port
		host="${hostport%%]*}"
		host="${host#[}"
		port="${hostport#*]}"
		port="${port#:}"
	else
		host="${hostport%%:*}"
		port=""
		[[ "$hostport" == *:* ]] && port="${hostport#*:}"
	fi
	if [[ -n "$userinfo" ]]; then
		user="$(_svc_urldecode "${userinfo%%:*}")"
		[[ "$userinfo" == *:* ]] && pass="$(_svc_urldecode "${userinfo#*:}")"
	fi
	printf '%s\n%s\n%s\n%s\n' "${host:-127.0.0.1}" "${port:-$default_port}" "$user" "$pass"
}

# True if something accepts TCP connections on host:port.
_svc_tcp_open() {
	# shellcheck disable=SC2016 # $1/$2 belong to the inner bash
	timeout 3 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" 2>/dev/null
}

# First port from $1 on that nothing listens on (127.0.0.1).
_svc_free_port() {
	local p="$1" end=$(($1 + 200))
	while ((p < end)); do
		if ! _svc_tcp_open 127.0.0.1 "$p"; then
			printf '%s\n' "$p"
			return 0
		fi
		p=$((p + 1))
	done
	return 1
}

# True if the PostgreSQL server at URL $1 answers a query (psql), or at least
# accepts connections (pg_isready, else a bare TCP connect).
_svc_pg_ok() {
	local url="$1" out
	if command -v psql >/dev/null 2>&1; then
		out="$(PGCONNECT_TIMEOUT=5 timeout 15 psql -X -w -A -t -q -d "$url" -c 'select 1' </dev/null 2>/dev/null)" || return 1
		[[ "$out" == 1 ]]
	elif command -v pg_isready >/dev/null 2>&1; then
		timeout 15 pg_isready -q -t 5 -d "$url" </dev/null >/dev/null 2>&1
	else
		local -a p
		mapfile -t p < <(_svc_url_parts "$url" 5432)
		_svc_tcp_open "${p[0]}" "${p[1]}"
	fi
}

# Warn when the role cannot create databases (the Go tests need to). psql only.
_svc_pg_check_createdb() {
	local url="$1" out
	command -v psql >/dev/null 2>&1 || return 0
	out="$(PGCONNECT_TIMEOUT=5 timeout 15 psql -X -w -A -t -q -d "$url" \
		-c 'select rolsuper or rolcreatedb from pg_roles where rolname = current_user' </dev/null 2>/dev/null)" || return 0
	if [[ "$out" == f ]]; then
		_svc_log "WARNING: the role in DATABASE_URL cannot CREATE DATABASE; the Go tests need it (use a superuser such as postgres)"
	fi
}

# True if the Redis server at URL $1 answers PING with PONG (redis-cli, else /dev/tcp).
_svc_redis_ok() {
	local url="$1" out
	if command -v redis-cli >/dev/null 2>&1; then
		local -a tls=()
		[[ "$url" == rediss://* ]] && tls=(--tls)
		out="$(timeout 10 redis-cli "${tls[@]}" -u "$url" ping </dev/null 2>/dev/null)" || true
		[[ "$out" == PONG ]] && return 0
	fi
	# No redis-cli, or it failed: redis-cli 7.0 mishandles an empty user name
	# (redis://:password@host), so also try plain RESP over bash /dev/tcp.
	[[ "$url" != rediss://* ]] || return 1 # TLS needs redis-cli
	{
		local -a p
		mapfile -t p < <(_svc_url_parts "$url" 6379)
		# Speak RESP over bash /dev/tcp: optional AUTH [user] password, then PING.
		# shellcheck disable=SC2016 # $1..$4 belong to the inner bash
		LC_ALL=C timeout 5 bash -c '
			resp() { # encode one command as a RESP array (${#a} counts bytes under LC_ALL=C)
				local a
				printf "*%d\r\n" "$#"
				for a in "$@"; do printf "\$%d\r\n%s\r\n" "${#a}" "$a"; done
			}
			exec 3<>"/dev/tcp/$1/$2" || exit 1
			if [ -n "$4" ]; then
				if [ -n "$3" ]; then resp AUTH "$3" "$4" >&3; else resp AUTH "$4" >&3; fi
			fi
			resp PING >&3
			while IFS= read -r line <&3; do
				case "$line" in
				+PONG*) exit 0 ;;
				-*) exit 1 ;;
				esac
			done
			exit 1' _ "${p[0]}" "${p[1]}" "${p[2]}" "${p[3]}" 2>/dev/null
	}
}

# Make sure `go` is on PATH and new enough for go.mod; we cannot download toolchains.
_svc_ensure_go() {
	if ! command -v go >/dev/null 2>&1; then
		if [[ -x /usr/local/go/bin/go ]]; then
			export PATH="/usr/local/go/bin:$PATH"
		else
			_svc_die "Go is not installed (no 'go' on PATH nor /usr/local/go/bin/go).
  Install Go 1.26 or newer for Linux from https://go.dev/dl/ , for example:
    sudo rm -rf /usr/local/go && sudo tar -C /usr/local -xzf go1.26.*.linux-amd64.tar.gz
    export PATH=/usr/local/go/bin:\$PATH
  then run this command again."
		fi
	fi
	local want have
	want="$(sed -n -E 's/^go[[:space:]]+([0-9][0-9.]*).*/\1/p' "$ZWGK_ROOT/go.mod" 2>/dev/null | head -n 1)"
	# GOTOOLCHAIN=local and cwd=/ so that `go` does not try to download a newer toolchain.
	have="$(cd / && GOTOOLCHAIN=local go env GOVERSION 2>/dev/null)" || _svc_die "'$(command -v go)' does not run"
	have="${have#go}"
	have="${have%%[!0-9.]*}"
	if [[ -n "$want" && -n "$have" ]] && [[ "$(printf '%s\n%s\n' "$want" "$have" | sort -V | head -n 1)" != "$want" ]]; then
		_svc_die "go.mod needs Go $want but $(command -v go) is Go $have; install Go 1.26 or newer from https://go.dev/dl/ (toolchains cannot be downloaded automatically here)."
	fi
}

# apt-get install the given Debian packages (via sudo when not root).
_svc_apt_install() {
	local -a sudo=()
	command -v apt-get >/dev/null 2>&1 || _svc_die "need $* but apt-get is not available; install them by hand"
	if [[ "$(id -u)" -ne 0 ]]; then
		command -v sudo >/dev/null 2>&1 || _svc_die "need $* (apt-get install $*) but not root and no sudo; install them by hand"
		sudo=(sudo)
		[[ -t 0 ]] || sudo+=(-n) # never wait for a password prompt without a terminal
	fi
	_svc_log "installing $* from Debian's packages (apt-get)..."
	if ((!_svc_apt_updated)); then
		"${sudo[@]}" apt-get update -q >&2 || _svc_die "apt-get update failed"
		_svc_apt_updated=1
	fi
	"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" >&2 ||
		_svc_die "apt-get install $* failed"
}

# ---------------------------------------------------------------- PostgreSQL

_svc_pg_data="$ZWGK_LOCAL/pgdata"
_svc_pg_user="" # OS user that owns and runs the private cluster ("" = ourselves)

# Directory with initdb and pg_ctl: the version that made an existing data dir,
# else the ones on PATH, else the newest /usr/lib/postgresql/*/bin.
_svc_pg_bindir() {
	local d v p
	if [[ -f "$_svc_pg_data/PG_VERSION" ]]; then
		v="$(<"$_svc_pg_data/PG_VERSION")"
		d="/usr/lib/postgresql/$v/bin"
		[[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && {
			printf '%s\n' "$d"
			return 0
		}
	fi
	if p="$(command -v initdb 2>/dev/null)"; then
		d="$(dirname "$(readlink -f "$p")")"
		[[ -x "$d/pg_ctl" ]] && {
			printf '%s\n' "$d"
			return 0
		}
	fi
	while IFS= read -r d; do
		[[ -x "$d/initdb" && -x "$d/pg_ctl" ]] && {
			printf '%s\n' "$d"
			return 0
		}
	done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -r -V)
	return 1
}

# Real path of the data dir (.local/pgdata may be a link to a folder in /tmp).
_svc_pg_datadir() {
	readlink -f "$_svc_pg_data" 2>/dev/null || printf '%s\n' "$_svc_pg_data"
}

# Close every inherited descriptor above 2 (call in a subshell), so that the
# daemons started from it hold neither our lock file nor a caller's pipes.
_svc_close_fds() {
	local fd
	for fd in /proc/self/fd/*; do
		fd="${fd##*/}"
		if [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2)); then
			eval "exec $fd>&-"
		fi
	done 2>/dev/null
	[[ -z "$_svc_lock_fd" ]] || exec {_svc_lock_fd}>&-
}

# Run a command as the cluster's OS user (PostgreSQL refuses to run as root).
_svc_as_pg() {
	(
		cd /
		_svc_close_fds
		if [[ -z "$_svc_pg_user" ]]; then
			exec "$@"
		elif command -v runuser >/dev/null 2>&1; then
			exec runuser -u "$_svc_pg_user" -- "$@"
		else
			# shellcheck disable=SC2016 # $0/$@ are expanded by the inner shell
			exec su -s /bin/sh -c 'exec "$0" "$@"' "$_svc_pg_user" "$@"
		fi
	)
}

# Decide which OS user runs the private cluster.
_svc_pg_pick_user() {
	_svc_pg_user=""
	[[ "$(id -u)" -eq 0 ]] || return 0
	local owner=""
	[[ -e "$_svc_pg_data" ]] && owner="$(stat -L -c %U "$_svc_pg_data" 2>/dev/null || true)"
	if [[ -n "$owner" && "$owner" != root && "$owner" != UNKNOWN ]]; then
		_svc_pg_user="$owner"
	elif id -u postgres >/dev/null 2>&1; then
		_svc_pg_user=postgres
	else
		if ! id -u "$_svc_pg_sysuser" >/dev/null 2>&1; then
			_svc_log "creating system user $_svc_pg_sysuser to run the private PostgreSQL"
			useradd --system --user-group --no-create-home --home-dir /nonexistent \
				--shell /usr/sbin/nologin "$_svc_pg_sysuser" ||
				_svc_die "could not create system user $_svc_pg_sysuser"
		fi
		_svc_pg_user="$_svc_pg_sysuser"
	fi
}

# Make a directory owned by the cluster's user.
_svc_pg_mkdir() {
	mkdir -p "$1"
	chmod "$2" "$1"
	[[ -z "$_svc_pg_user" ]] || chown "$_svc_pg_user:" "$1"
}

# Port of the cluster if it runs, from postmaster.pid; fails otherwise.
_svc_pg_running_port() {
	local bindir="$1" port
	_svc_as_pg "$bindir/pg_ctl" status -D "$(_svc_pg_datadir)" >/dev/null 2>&1 || return 1
	port="$(sed -n 4p "$_svc_pg_data/postmaster.pid" 2>/dev/null || true)"
	[[ "$port" =~ ^[0-9]+$ ]] || return 1
	printf '%s\n' "$port"
}

# Start (or reuse) the private cluster in .local/pgdata and set _svc_db.
_svc_pg_private() {
	local bindir port home sock log
	bindir="$(_svc_pg_bindir)" || {
		_svc_apt_install postgresql
		bindir="$(_svc_pg_bindir)" || _svc_die "PostgreSQL was installed but initdb/pg_ctl were not found"
	}
	mkdir -p "$ZWGK_LOCAL"
	_svc_pg_pick_user

	# A dangling link (its /tmp target was cleaned up) means: start afresh.
	if [[ -L "$_svc_pg_data" && ! -e "$_svc_pg_data" ]]; then
		rm -f "$_svc_pg_data" "$ZWGK_LOCAL/pg.log"
	fi

	if port="$(_svc_pg_running_port "$bindir")"; then
		_svc_db="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
		_svc_pg_ok "$_svc_db" || _svc_die "private PostgreSQL runs (port $port) but does not answer; see .local/pg.log, or run: scripts/services.sh stop"
		printf '%s\n' "$port" >"$ZWGK_LOCAL/pg.port"
		_svc_db_src="private, reused"
		return 0
	fi

	# Where the cluster lives: .local/ itself, unless the cluster's user cannot
	# reach it (root's repo under a private home directory, say); then a
	# per-repo folder in /tmp, linked from .local/pgdata.
	if [[ -L "$_svc_pg_data" ]]; then
		home="$(dirname "$(readlink -f "$_svc_pg_data")")"
	else
		home="$ZWGK_LOCAL"
		if [[ ! -f "$_svc_pg_data/PG_VERSION" ]]; then
			_svc_pg_mkdir "$ZWGK_LOCAL/pgsock" 0755
			if ! _svc_as_pg test -w "$ZWGK_LOCAL/pgsock"; then
				home="/tmp/zwgk-pg-$(printf '%s' "$ZWGK_ROOT" | cksum | cut -d ' ' -f 1)"
				_svc_log "user $_svc_pg_user cannot reach $ZWGK_LOCAL; keeping the cluster in $home (linked from .local/pgdata)"
				rm -rf "$_svc_pg_data" "$ZWGK_LOCAL/pgsock"
				_svc_pg_mkdir "$home" 0755
				ln -sfn "$home/pgdata" "$_svc_pg_data"
				ln -sfn "$home/pg.log" "$ZWGK_LOCAL/pg.log"
			fi
		fi
	fi
	sock="$home/pgsock"
	log="$home/pg.log"

	if [[ ! -f "$_svc_pg_data/PG_VERSION" ]]; then
		_svc_log "initialising a private PostgreSQL cluster in .local/pgdata ($bindir)"
		_svc_pg_mkdir "$home/pgdata" 0700
		_svc_pg_mkdir "$sock" 0755
		: >>"$log"
		[[ -z "$_svc_pg_user" ]] || chown "$_svc_pg_user:" "$log"
		if ! _svc_as_pg "$bindir/initdb" -D "$home/pgdata" -U postgres --auth=trust \
			--encoding=UTF8 --no-locale >>"$log" 2>&1; then
			tail -n 20 "$log" >&2 || true
			_svc_die "initdb failed; see .local/pg.log"
		fi
		local sockconf="$sock"
		# Unix socket paths are limited to ~107 bytes; use TCP only if too long.
		((${#sock} + 20 < 100)) || sockconf=""
		cat >>"$_svc_pg_data/postgresql.conf" <<EOF

# --- added by scripts/services.sh: private dev/test cluster ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '${sockconf//\'/\'\'}'
# Throwaway data: trade crash safety for speed (tests create many databases).
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
	fi

	# Same port as last time if it is still free, else the next spare one.
	port=""
	if [[ -f "$ZWGK_LOCAL/pg.port" ]]; then
		port="$(<"$ZWGK_LOCAL/pg.port")"
		[[ "$port" =~ ^[0-9]+$ ]] && ! _svc_tcp_open 127.0.0.1 "$port" || port=""
	fi
	[[ -n "$port" ]] || port="$(_svc_free_port "$_svc_pg_first_port")" || _svc_die "no free port from $_svc_pg_first_port for PostgreSQL"
	printf '%s\n' "$port" >"$ZWGK_LOCAL/pg.port"

	[[ -e "$log" ]] || : >"$log"
	[[ -z "$_svc_pg_user" ]] || chown "$_svc_pg_user:" "$log"
	_svc_log "starting private PostgreSQL on 127.0.0.1:$port (log: .local/pg.log)"
	if ! _svc_as_pg "$bindir/pg_ctl" start -w -t 60 -D "$home/pgdata" -l "$log" -o "-p $port" >/dev/null; then
		tail -n 20 "$log" >&2 || true
		_svc_die "could not start the private PostgreSQL; see .local/pg.log"
	fi
	_svc_db="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
	_svc_pg_ok "$_svc_db" || _svc_die "private PostgreSQL started but does not answer on port $port; see .local/pg.log"
	_svc_db_src="private, started"
}

_svc_pg_stop() {
	local bindir
	if [[ ! -f "$_svc_pg_data/PG_VERSION" ]]; then
		_svc_log "no private PostgreSQL in .local/pgdata"
		return 0
	fi
	bindir="$(_svc_pg_bindir)" || _svc_die "pg_ctl not found"
	_svc_pg_pick_user
	if _svc_pg_running_port "$bindir" >/dev/null; then
		_svc_as_pg "$bindir/pg_ctl" stop -w -t 60 -m fast -D "$(_svc_pg_datadir)" >/dev/null ||
			_svc_die "could not stop the private PostgreSQL"
		_svc_log "stopped the private PostgreSQL"
	else
		_svc_log "the private PostgreSQL is not running"
	fi
}

# ---------------------------------------------------------------- Redis

_svc_redis_pidfile="$ZWGK_LOCAL/redis.pid"

# PID of our private redis-server if it runs; fails otherwise.
_svc_redis_pid() {
	local pid
	[[ -f "$_svc_redis_pidfile" ]] || return 1
	pid="$(<"$_svc_redis_pidfile")"
	[[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
	[[ "$(cat "/proc/$pid/comm" 2>/dev/null || echo redis-server)" == redis-server* ]] || return 1
	printf '%s\n' "$pid"
}

# Start (or reuse) the private Redis and set _svc_redis.
_svc_redis_private() {
	local bin port i
	mkdir -p "$ZWGK_LOCAL"
	if _svc_redis_pid >/dev/null && [[ -f "$ZWGK_LOCAL/redis.port" ]]; then
		port="$(<"$ZWGK_LOCAL/redis.port")"
		if _svc_redis_ok "redis://127.0.0.1:$port/0"; then
			_svc_redis="redis://127.0.0.1:$port/0"
			_svc_redis_src="private, reused"
			return 0
		fi
	fi
	bin="$(command -v redis-server 2>/dev/null)" || {
		_svc_apt_install redis-server
		bin="$(command -v redis-server 2>/dev/null)" || _svc_die "redis-server was installed but is not on PATH"
	}
	port=""
	if [[ -f "$ZWGK_LOCAL/redis.port" ]]; then
		port="$(<"$ZWGK_LOCAL/redis.port")"
		[[ "$port" =~ ^[0-9]+$ ]] && ! _svc_tcp_open 127.0.0.1 "$port" || port=""
	fi
	[[ -n "$port" ]] || port="$(_svc_free_port "$_svc_redis_first_port")" || _svc_die "no free port from $_svc_redis_first_port for Redis"
	printf '%s\n' "$port" >"$ZWGK_LOCAL/redis.port"
	_svc_log "starting private Redis on 127.0.0.1:$port (log: .local/redis.log)"
	(
		_svc_close_fds
		exec "$bin" --daemonize yes --bind 127.0.0.1 --port "$port" --save "" --appendonly no \
			--dir "$ZWGK_LOCAL" --pidfile "$_svc_redis_pidfile" --logfile "$ZWGK_LOCAL/redis.log" </dev/null >/dev/null
	) || _svc_die "could not start redis-server; see .local/redis.log"
	_svc_redis="redis://127.0.0.1:$port/0"
	for ((i = 0; i < 50; i++)); do
		if _svc_redis_ok "$_svc_redis"; then
			_svc_redis_src="private, started"
			return 0
		fi
		sleep 0.2
	done
	tail -n 20 "$ZWGK_LOCAL/redis.log" >&2 || true
	_svc_die "private Redis does not answer on port $port; see .local/redis.log"
}

_svc_redis_stop() {
	local pid i
	if ! pid="$(_svc_redis_pid)"; then
		_svc_log "the private Redis is not running"
		return 0
	fi
	kill -TERM "$pid"
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	kill -0 "$pid" 2>/dev/null && _svc_die "the private Redis (pid $pid) did not stop"
	rm -f "$_svc_redis_pidfile"
	_svc_log "stopped the private Redis"
}

# ---------------------------------------------------------------- main

# Serialise starts of the private instances between concurrent runs.
_svc_lock_fd=""
_svc_lock() {
	[[ -z "$_svc_lock_fd" ]] || return 0
	command -v flock >/dev/null 2>&1 || return 0
	mkdir -p "$ZWGK_LOCAL"
	exec {_svc_lock_fd}>"$ZWGK_LOCAL/services.lock"
	flock -w 120 "$_svc_lock_fd" || _svc_die "timed out waiting for another run holding .local/services.lock"
}
_svc_unlock() {
	[[ -n "$_svc_lock_fd" ]] || return 0
	exec {_svc_lock_fd}>&-
	_svc_lock_fd=""
}

_svc_orig_db="${DATABASE_URL:-}"
_svc_orig_redis="${REDIS_URL:-}"

_svc_ensure() {
	_svc_ensure_go

	_svc_db="${DATABASE_URL:-$_svc_default_db}"
	_svc_redis="${REDIS_URL:-$_svc_default_redis}"
	if _svc_pg_ok "$_svc_db"; then
		_svc_db_src="${DATABASE_URL:+DATABASE_URL}"
		_svc_db_src="${_svc_db_src:-default}"
	else
		_svc_log "PostgreSQL at $(_svc_mask "$_svc_db") does not answer; using a private one in .local/"
		_svc_lock
		_svc_pg_private
	fi
	if _svc_redis_ok "$_svc_redis"; then
		_svc_redis_src="${REDIS_URL:+REDIS_URL}"
		_svc_redis_src="${_svc_redis_src:-default}"
	else
		_svc_log "Redis at $(_svc_mask "$_svc_redis") does not answer; using a private one in .local/"
		_svc_lock
		_svc_redis_private
	fi
	_svc_unlock

	_svc_pg_check_createdb "$_svc_db"
	export DATABASE_URL="$_svc_db"
	export REDIS_URL="$_svc_redis"
	_svc_log "using PostgreSQL $(_svc_mask "$DATABASE_URL") ($_svc_db_src), Redis $(_svc_mask "$REDIS_URL") ($_svc_redis_src)"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
	case "${1:-start}" in
	start)
		_svc_ensure
		;;
	env)
		_svc_ensure
		# Only what changed: a URL the caller already had (maybe with a password) is not echoed.
		[[ "$DATABASE_URL" == "$_svc_orig_db" ]] || printf 'export DATABASE_URL=%q\n' "$DATABASE_URL"
		[[ "$REDIS_URL" == "$_svc_orig_redis" ]] || printf 'export REDIS_URL=%q\n' "$REDIS_URL"
		;;
	stop)
		_svc_lock
		_svc_pg_stop
		_svc_redis_stop
		;;
	status)
		if bindir="$(_svc_pg_bindir 2>/dev/null)" && [[ -f "$_svc_pg_data/PG_VERSION" ]] && _svc_pg_pick_user &&
			port="$(_svc_pg_running_port "$bindir")"; then
			echo "private PostgreSQL: running on 127.0.0.1:$port"
		else
			echo "private PostgreSQL: not running"
		fi
		if pid="$(_svc_redis_pid)"; then
			echo "private Redis: running on 127.0.0.1:$(cat "$ZWGK_LOCAL/redis.port" 2>/dev/null || echo '?') (pid $pid)"
		else
			echo "private Redis: not running"
		fi
		;;
	*)
		echo "usage: $0 [start|env|status|stop]" >&2
		exit 2
		;;
	esac
else
	_svc_ensure
fi

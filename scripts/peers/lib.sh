# shellcheck shell=bash
# Common helpers for the peer scripts. Sourced, never executed.
#
# Conventions shared by every script in this folder:
#   * all state (configs, keys, spools, logs, pidfiles) lives under $PEERS_DIR
#     (default /tmp/peers); nothing is written next to the scripts, because the
#     shared/ folder may be read-only (CI copies it without write bits);
#   * every long-running process we start gets a pidfile in $PEERS_DIR/pids/;
#     stop-all.sh only ever kills PIDs that are listed there;
#   * servers listen on 127.0.0.1 only.

set -euo pipefail

PEERS_DIR="${PEERS_STATE_DIR:-${CYRUS_STATE_DIR:-${WKD_STATE_DIR:-/tmp/pgp-composer-peers}}}"
PEERS_PIDS="$PEERS_DIR/pids"
# Folder holding these scripts, whatever the caller's current directory is.
PEERS_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

mkdir -p "$PEERS_DIR" "$PEERS_PIDS"
# The cyrus / postfix / nginx workers run as unprivileged users and must be
# able to traverse into $PEERS_DIR.
chmod 755 "$PEERS_DIR" "$PEERS_PIDS"

log()  { printf '[cyrus-peer] %s\n' "$*" >&2; }
die()  { printf '[cyrus-peer] ERROR: %s\n' "$*" >&2; exit 1; }

need() {  # need CMD [debian-package]
  command -v "$1" >/dev/null 2>&1 || [ -x "$1" ] ||
    die "missing '$1' (apt-get install ${2:-$1}; see ../shared/peers/install-deps.sh)"
}

# port_open PORT -> 0 if something accepts TCP connections on 127.0.0.1:PORT
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# wait_port PORT SECONDS WHAT [PID]: bounded wait until the port accepts
# connections; fails early if PID (when given) dies.
wait_port() {
  local port="$1" secs="$2" what="$3" pid="${4:-}" i
  for ((i = 0; i < secs * 10; i++)); do
    port_open "$port" && return 0
    if [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; then
      die "$what (pid $pid) exited before port $port opened"
    fi
    sleep 0.1
  done
  die "$what did not open 127.0.0.1:$port within ${secs}s"
}

# pid_alive NAME -> 0 if $PEERS_PIDS/NAME.pid names a live process
pid_alive() {
  local f="$PEERS_PIDS/$1.pid" pid
  [ -s "$f" ] || return 1
  pid="$(head -n1 "$f")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# record_pid NAME PID
record_pid() { echo "$2" > "$PEERS_PIDS/$1.pid"; }

# kill_recorded NAME: TERM the recorded PID, wait up to 10 s, then KILL it.
kill_recorded() {
  local name="$1" f="$PEERS_PIDS/$1.pid" pid i
  [ -s "$f" ] || return 0
  pid="$(head -n1 "$f")"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      log "$name (pid $pid) ignored TERM, sending KILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$f"
}

# ensure_port_free PORT WHAT: refuse to start on a port someone else holds.
ensure_port_free() {
  port_open "$1" && die "127.0.0.1:$1 (for $2) is already in use by another process; set a different port via env"
  return 0
}

# Millisecond clock for the startup timings printed by the scripts.
now_ms() { date +%s%3N; }

# make_test_tls DIR CN SUBJECT_ALT_NAMES DAYS: a throw-away CA (DIR/ca.crt, ca.key) and a server
# certificate it signs (DIR/server.crt, server.key), for loopback tests only.
make_test_tls() {
  local dir="$1" cn="$2" san="$3" days="$4"
  (
    cd "$dir"
    openssl req -x509 -newkey rsa:2048 -nodes -days "$days" -keyout ca.key -out ca.crt \
      -subj "/CN=peers test CA (do not trust outside tests)" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
    openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=$cn" 2>/dev/null
    printf '%s\n' "subjectAltName=$san" "extendedKeyUsage=serverAuth" "basicConstraints=CA:FALSE" > server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" \
      -extfile server.ext -out server.crt 2>/dev/null
  )
}

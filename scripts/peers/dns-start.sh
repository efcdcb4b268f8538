#!/usr/bin/env bash
# dns-start.sh - real DNSSEC on loopback for the transport-status tests: Knot signs the zones,
# Unbound validates them against a private trust anchor, nginx serves the MTA-STS policies.
#   dane.test          signed MX + signed TLSA 3 1 1                 -> dane
#   sts.test           MTA-STS enforce covering the MX, TLSRPT        -> mta-sts
#   sts-testing.test   MTA-STS testing                                -> mta-sts-testing
#   sts-redirect.test  the policy URL answers 301 (never followed)    -> opportunistic
#   plain.test         an MX, nothing else                            -> opportunistic
#   insecure.test      unsigned delegation, TLSA present              -> opportunistic
#   bogus.test         signed, but the parent's DS does not match     -> SERVFAIL: dnssec-bogus
# Env: PEERS_STATE_DIR (/tmp/pgp-composer-peers), DNS_KNOT_PORT (5300), DNS_RESOLVER_PORT (5354),
#      DNS_POLICY_PORT (28543), DNS_FRESH=1 (new keys). Stop: scripts/peers/dns-stop.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KNOT_PORT="${DNS_KNOT_PORT:-5300}"
RESOLVER_PORT="${DNS_RESOLVER_PORT:-5354}"
POLICY_PORT="${DNS_POLICY_PORT:-28543}"
D="$PEERS_DIR/dns"
need knotd knot; need keymgr knot; need unbound unbound; need nginx nginx-light; need openssl

print_endpoints() {
  cat <<EOF
DNSSEC peer is up (knot pid $(cat "$PEERS_PIDS/dns-knot.pid"), unbound pid $(cat "$PEERS_PIDS/dns-unbound.pid"), policy nginx pid $(cat "$PEERS_PIDS/dns-nginx.pid")):
  validating resolver  127.0.0.1:$RESOLVER_PORT  (TRANSPORT_RESOLVER)
  authoritative        127.0.0.1:$KNOT_PORT
  MTA-STS policies     https://127.0.0.1:$POLICY_PORT (TRANSPORT_HTTPS_PORT), CA $D/tls/ca.crt (TRANSPORT_CA_FILE)
  e.g.  kdig @127.0.0.1 -p $RESOLVER_PORT +dnssec MX dane.test
EOF
}

if pid_alive dns-knot && pid_alive dns-unbound && pid_alive dns-nginx && port_open "$RESOLVER_PORT" && port_open "$POLICY_PORT"; then
  log "DNSSEC peer already running"; print_endpoints; exit 0
fi
kill_recorded dns-unbound; kill_recorded dns-knot; kill_recorded dns-nginx
ensure_port_free "$KNOT_PORT" "knot"; ensure_port_free "$RESOLVER_PORT" "unbound"; ensure_port_free "$POLICY_PORT" "policy nginx"

t0=$(now_ms)
[ "${DNS_FRESH:-0}" = 1 ] && rm -rf "$D"
rm -rf "$D/knot/db" "$D/knot/run" "$D/unbound"
mkdir -p "$D"/{knot/zones,knot/db,knot/run,unbound,tls,www,logs,run/tmp}

# A TLSA record needs some certificate digest; the tests never connect to the MX.
TLSA_HEX=8f2c9a1b3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8
cat > "$D/knot/zones/test.zone" <<EOF
\$TTL 300
@ SOA ns.test. hostmaster.test. 1 3600 600 86400 300
@ NS ns.test.
ns A 127.0.0.1
dane MX 10 mx1.dane.test.
mx1.dane A 127.0.0.1
_25._tcp.mx1.dane TLSA 3 1 1 $TLSA_HEX
sts MX 10 mx1.sts.test.
mx1.sts A 127.0.0.1
_mta-sts.sts TXT "v=STSv1; id=20261205T000000;"
mta-sts.sts A 127.0.0.1
_smtp._tls.sts TXT "v=TLSRPTv1; rua=mailto:tlsrpt@sts.test"
sts-testing MX 10 mx1.sts-testing.test.
mx1.sts-testing A 127.0.0.1
_mta-sts.sts-testing TXT "v=STSv1; id=1;"
mta-sts.sts-testing A 127.0.0.1
sts-redirect MX 10 mx1.sts-redirect.test.
mx1.sts-redirect A 127.0.0.1
_mta-sts.sts-redirect TXT "v=STSv1; id=1;"
mta-sts.sts-redirect A 127.0.0.1
plain MX 10 mx1.plain.test.
mx1.plain A 127.0.0.1
insecure NS ns.test.
bogus NS ns.test.
bogus DS 12345 13 2 0000000000000000000000000000000000000000000000000000000000000000
EOF
for child in insecure bogus; do
  cat > "$D/knot/zones/$child.test.zone" <<EOF
\$TTL 300
@ SOA ns.test. hostmaster.test. 1 3600 600 86400 300
@ NS ns.test.
@ MX 10 mx1.$child.test.
mx1 A 127.0.0.1
_25._tcp.mx1 TLSA 3 1 1 $TLSA_HEX
EOF
done

cat > "$D/knot/knot.conf" <<EOF
server:
    rundir: "$D/knot/run"
    listen: 127.0.0.1@$KNOT_PORT
database:
    storage: "$D/knot/db"
log:
  - target: stderr
    any: info
policy:
  - id: fast
    algorithm: ecdsap256sha256
    single-type-signing: on
    nsec3: off
template:
  - id: default
    storage: "$D/knot/zones"
    file: "%s.zone"
    zonefile-sync: -1
    journal-content: none
zone:
  - domain: test.
    dnssec-signing: on
    dnssec-policy: fast
  - domain: bogus.test.
    dnssec-signing: on
    dnssec-policy: fast
  - domain: insecure.test.
EOF
knotd -c "$D/knot/knot.conf" > "$D/logs/knot.log" 2>&1 &
record_pid dns-knot $!
wait_port "$KNOT_PORT" 10 knotd "$!"
# The trust anchor: the DS of test. once Knot has made its key.
for ((i = 0; i < 100; i++)); do
  keymgr -c "$D/knot/knot.conf" test. ds 2>/dev/null | grep -q ' DS ' && break
  sleep 0.1
done
keymgr -c "$D/knot/knot.conf" test. ds > "$D/unbound/test.ds" 2>/dev/null
grep -q ' DS ' "$D/unbound/test.ds" || die "knot made no key for test. (see $D/logs/knot.log)"

cat > "$D/unbound/unbound.conf" <<EOF
server:
    interface: 127.0.0.1@$RESOLVER_PORT
    do-ip6: no
    access-control: 127.0.0.0/8 allow
    username: ""
    chroot: ""
    directory: "$D/unbound"
    pidfile: ""
    use-syslog: no
    logfile: ""
    do-not-query-localhost: no
    local-zone: "test." nodefault
    module-config: "validator iterator"
    trust-anchor-file: "$D/unbound/test.ds"
    val-log-level: 2
    cache-max-ttl: 5
    cache-max-negative-ttl: 5
    qname-minimisation: no
stub-zone:
    name: "test."
    stub-addr: 127.0.0.1@$KNOT_PORT
stub-zone:
    name: "insecure.test."
    stub-addr: 127.0.0.1@$KNOT_PORT
stub-zone:
    name: "bogus.test."
    stub-addr: 127.0.0.1@$KNOT_PORT
EOF
unbound -d -c "$D/unbound/unbound.conf" > "$D/logs/unbound.log" 2>&1 &
record_pid dns-unbound $!
wait_port "$RESOLVER_PORT" 10 unbound "$!"

# MTA-STS policies over HTTPS, with a throw-away CA.
if [ ! -s "$D/tls/server.crt" ]; then
  make_test_tls "$D/tls" mta-sts.sts.test \
    "DNS:mta-sts.sts.test,DNS:mta-sts.sts-testing.test,DNS:mta-sts.sts-redirect.test" 825
fi
chmod 644 "$D/tls/"*.crt; chmod 600 "$D/tls/"*.key
mkdir -p "$D/www/sts" "$D/www/sts-testing"
printf 'version: STSv1\r\nmode: enforce\r\nmx: mx1.sts.test\r\nmax_age: 86400\r\n' > "$D/www/sts/mta-sts.txt"
printf 'version: STSv1\r\nmode: testing\r\nmx: *.sts-testing.test\r\nmax_age: 86400\r\n' > "$D/www/sts-testing/mta-sts.txt"
chmod -R a+rX "$D/www"
cat > "$D/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $D/run/nginx.pid;
error_log $D/logs/nginx-error.log warn;
events { worker_connections 64; }
http {
  access_log $D/logs/nginx-access.log;
  client_body_temp_path $D/run/tmp/body;
  proxy_temp_path $D/run/tmp/proxy;
  fastcgi_temp_path $D/run/tmp/fastcgi;
  uwsgi_temp_path $D/run/tmp/uwsgi;
  scgi_temp_path $D/run/tmp/scgi;
  types { }
  default_type text/plain;
  ssl_certificate     $D/tls/server.crt;
  ssl_certificate_key $D/tls/server.key;
  server_tokens off;
  server { listen 127.0.0.1:$POLICY_PORT ssl default_server; return 404; }
  server {
    listen 127.0.0.1:$POLICY_PORT ssl;
    server_name mta-sts.sts.test;
    location = /.well-known/mta-sts.txt { alias $D/www/sts/mta-sts.txt; }
  }
  server {
    listen 127.0.0.1:$POLICY_PORT ssl;
    server_name mta-sts.sts-testing.test;
    location = /.well-known/mta-sts.txt { alias $D/www/sts-testing/mta-sts.txt; }
  }
  server {
    listen 127.0.0.1:$POLICY_PORT ssl;
    server_name mta-sts.sts-redirect.test;
    location / { return 301 https://mta-sts.sts.test/.well-known/mta-sts.txt; }
  }
}
EOF
nginx -c "$D/nginx.conf" -e "$D/logs/nginx-error.log" > "$D/logs/nginx.out" 2>&1 &
record_pid dns-nginx $!
wait_port "$POLICY_PORT" 10 nginx "$!"

log "DNSSEC peer ready in $(( $(now_ms) - t0 )) ms"
print_endpoints

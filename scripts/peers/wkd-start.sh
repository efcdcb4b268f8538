#!/usr/bin/env bash
# wkd-start.sh - a Web Key Directory for the discovery tests, built with GnuPG's own
# tooling (gpg-wks-client --install-key) and served by nginx on 127.0.0.1 over HTTPS
# with a throw-away CA.
#   carol@wkd.test     ed25519/cv25519        advanced + direct
#   dave@wkd.test      rsa3072/rsa3072        advanced + direct
#   erin@wkd.test      two user IDs (erin@elsewhere.example too); only wkd.test is published
#   Joe.Doe@wkd.test   mixed-case local part  (hash iy9q119eutrkn8s1mk4r39qejnbu3n5q)
#   frank@direct.test  direct method only; openpgpkey.direct.test closes the connection
#   gina@wkd.test      expired key (made in 2020 with a one-year expiry)
# VKS at https://keys.wkd.test: vera@vks.test (only there), by-fingerprint for carol and vera,
# and HTTP 429 for limited@vks.test.
# Clients must send the real host names (Host/SNI) while connecting to 127.0.0.1:
#   Chromium --host-resolver-rules, or the proxy's WKD_PROXY_HOST_MAP.
# Env: WKD_STATE_DIR (/tmp/pgp-composer-peers), WKD_HTTP_PORT (28480), WKD_HTTPS_PORT (28443),
#      WKD_FRESH=1 (new keys and CA). Stop: scripts/peers/wkd-stop.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HTTP_PORT="${WKD_HTTP_PORT:-28480}"
HTTPS_PORT="${WKD_HTTPS_PORT:-28443}"
W="$PEERS_DIR/wkd"
WKS=/usr/lib/gnupg/gpg-wks-client     # not on $PATH in Debian
need gpg gnupg; need "$WKS" gpg-wks-client; need nginx nginx-light; need openssl; need curl

print_endpoints() {
  cat <<EOF
WKD is up (nginx, pid $(cat "$PEERS_PIDS/wkd-nginx.pid")):
  HTTP   http://127.0.0.1:$HTTP_PORT    HTTPS  https://127.0.0.1:$HTTPS_PORT
  hosts  openpgpkey.wkd.test (advanced)  wkd.test, direct.test (direct)
  e.g.   curl --cacert $W/tls/ca.crt --resolve openpgpkey.wkd.test:$HTTPS_PORT:127.0.0.1 \\
           https://openpgpkey.wkd.test:$HTTPS_PORT/.well-known/openpgpkey/wkd.test/hu/$(cat "$W/keys/carol.hash" 2>/dev/null)?l=carol
  CA     $W/tls/ca.crt   (SPKI sha256 for Chromium --ignore-certificate-errors-spki-list: $(cat "$W/tls/server.spki" 2>/dev/null))
  keys   $W/keys/<name>.asc (public)  <name>.sec.asc (secret, no passphrase)  <name>.fpr  <name>.hash
  Chromium: --host-resolver-rules="MAP *.wkd.test 127.0.0.1:$HTTPS_PORT, MAP wkd.test 127.0.0.1:$HTTPS_PORT, MAP direct.test 127.0.0.1:$HTTPS_PORT, MAP openpgpkey.direct.test ~NOTFOUND"
EOF
}

if pid_alive wkd-nginx && port_open "$HTTPS_PORT" && port_open "$HTTP_PORT"; then
  log "WKD peer already running"; print_endpoints; exit 0
fi
kill_recorded wkd-nginx
ensure_port_free "$HTTP_PORT" "WKD http"; ensure_port_free "$HTTPS_PORT" "WKD https"

t0=$(now_ms)
[ "${WKD_FRESH:-0}" = 1 ] && { log "WKD_FRESH=1: wiping $W"; rm -rf "$W"; }
mkdir -p "$W"/{keys,tls,logs,run/tmp}
export GNUPGHOME="$W/gnupg"
mkdir -p -m 700 "$GNUPGHOME"
GPG=(gpg --batch --quiet --no-tty --pinentry-mode loopback --passphrase '')

# ----------------------------------------------------------------- keys ----
# name | user id(s) (';'-separated) | primary algo | encryption subkey algo
KEYS=(
  "carol|Carol <carol@wkd.test>|future-default|"
  "dave|Dave <dave@wkd.test>|rsa3072|rsa3072"
  "erin|Erin <erin@wkd.test>;Erin <erin@elsewhere.example>|future-default|"
  "joedoe|Joe Doe <Joe.Doe@wkd.test>|future-default|"
  "frank|Frank <frank@direct.test>|future-default|"
)
for spec in "${KEYS[@]}"; do
  IFS='|' read -r name uids algo sub <<<"$spec"
  [ -s "$W/keys/$name.fpr" ] && continue
  IFS=';' read -r -a uidlist <<<"$uids"
  log "generating key $name (${uidlist[0]}, $algo)"
  "${GPG[@]}" --quick-gen-key "${uidlist[0]}" "$algo" default never 2>>"$W/logs/keygen.log"
  fpr="$(gpg --with-colons --list-keys "=${uidlist[0]}" | awk -F: '/^fpr/{print $10; exit}')"
  [ -n "$sub" ] && "${GPG[@]}" --quick-add-key "$fpr" "$sub" encr never 2>>"$W/logs/keygen.log"
  for u in "${uidlist[@]:1}"; do "${GPG[@]}" --quick-add-uid "$fpr" "$u" 2>>"$W/logs/keygen.log"; done
  # Without an explicit primary flag, gpg treats the NEWEST user id as primary;
  # keep the first (WKD-domain) one primary.
  [ "${#uidlist[@]}" -gt 1 ] && "${GPG[@]}" --quick-set-primary-uid "$fpr" "${uidlist[0]}" 2>>"$W/logs/keygen.log"
  sed -E 's/.*<([^>]+)>.*/\1/' <<<"${uidlist[0]}" > "$W/keys/$name.addr"
  echo "$fpr" > "$W/keys/$name.fpr"
  gpg --armor --export "$fpr" > "$W/keys/$name.asc"
  "${GPG[@]}" --armor --export-secret-keys "$fpr" > "$W/keys/$name.sec.asc"
done
# An expired key published on WKD (made in 2020 with a one-year expiry) and a key only on
# the VKS key server.
if [ ! -s "$W/keys/gina.fpr" ]; then
  log "generating expired key gina@wkd.test"
  "${GPG[@]}" --faked-system-time 20200101T000000 --quick-gen-key "Gina <gina@wkd.test>" future-default default 1y 2>>"$W/logs/keygen.log"
  gpg --with-colons --list-keys "=Gina <gina@wkd.test>" | awk -F: '/^fpr/{print $10; exit}' > "$W/keys/gina.fpr"
  echo gina@wkd.test > "$W/keys/gina.addr"
  gpg --armor --export "$(cat "$W/keys/gina.fpr")" > "$W/keys/gina.asc"
fi
if [ ! -s "$W/keys/vera.fpr" ]; then
  log "generating key vera@vks.test (VKS only)"
  "${GPG[@]}" --quick-gen-key "Vera <vera@vks.test>" future-default default never 2>>"$W/logs/keygen.log"
  gpg --with-colons --list-keys "=Vera <vera@vks.test>" | awk -F: '/^fpr/{print $10; exit}' > "$W/keys/vera.fpr"
  echo vera@vks.test > "$W/keys/vera.addr"
  gpg --armor --export "$(cat "$W/keys/vera.fpr")" > "$W/keys/vera.asc"
fi
# gpg auto-started an agent for this GNUPGHOME; end it the gpg way (no pkill).
gpgconf --kill gpg-agent 2>/dev/null || true

# ------------------------------------------------------------ WKD trees ----
# www/advanced/<domain>/.well-known/openpgpkey/<domain>/{hu/,policy}
# www/direct/<domain>/.well-known/openpgpkey/{hu/,policy}
rm -rf "$W/www" "$W/build"
mkdir -p "$W/build"
for spec in "${KEYS[@]}"; do
  IFS='|' read -r name uids _ _ <<<"$spec"
  addr="$(sed -E 's/.*<([^>]+)>.*/\1/' <<<"${uids%%;*}")"
  # --install-key filters the key down to the user id(s) of that address and
  # writes <dir>/<domain>/hu/<z-base-32(sha1(lowercase local part))>.
  "$WKS" -C "$W/build" --install-key "$W/keys/$name.asc" "$addr" ||
    die "gpg-wks-client --install-key failed for $addr"
  "$WKS" --print-wkd-hash "$addr" | awk '{print $1}' > "$W/keys/$name.hash"
  "$WKS" --print-wkd-url "$addr" > "$W/keys/$name.url"
done
"$WKS" -C "$W/build" --install-key "$W/keys/gina.asc" gina@wkd.test || die "gpg-wks-client --install-key failed for gina"
for dom in "$W"/build/*; do
  dom="$(basename "$dom")"
  mkdir -p "$W/www/direct/$dom/.well-known/openpgpkey"
  cp -r "$W/build/$dom/." "$W/www/direct/$dom/.well-known/openpgpkey/"
  if [ "$dom" != direct.test ]; then
    mkdir -p "$W/www/advanced/$dom/.well-known/openpgpkey/$dom"
    cp -r "$W/build/$dom/." "$W/www/advanced/$dom/.well-known/openpgpkey/$dom/"
  fi
done
# VKS (keys.openpgp.org's API) for keys.wkd.test: by-email (armored) and by-fingerprint.
mkdir -p "$W/www/vks/by-email" "$W/www/vks/by-fingerprint"
cp "$W/keys/vera.asc" "$W/www/vks/by-email/vera@vks.test"
for name in carol vera; do cp "$W/keys/$name.asc" "$W/www/vks/by-fingerprint/$(cat "$W/keys/$name.fpr")"; done
chmod -R a+rX "$W/www"

# ---------------------------------------------------------------- TLS -----
if [ ! -s "$W/tls/server.crt" ]; then
  log "creating throw-away CA and server certificate"
  make_test_tls "$W/tls" wkd.test \
    "DNS:wkd.test,DNS:*.wkd.test,DNS:direct.test,DNS:*.direct.test,DNS:localhost,IP:127.0.0.1" 825
  # base64(sha256(SPKI)) for Chromium's --ignore-certificate-errors-spki-list
  openssl x509 -in "$W/tls/server.crt" -pubkey -noout | openssl pkey -pubin -outform der |
    openssl dgst -sha256 -binary | base64 > "$W/tls/server.spki"
fi
chmod 644 "$W/tls/"*.crt; chmod 600 "$W/tls/"*.key

# --------------------------------------------------------------- nginx ----
cat > "$W/nginx.conf" <<EOF
# Generated by wkd-start.sh
worker_processes 1;
daemon off;
pid $W/run/nginx.pid;
error_log $W/logs/error.log warn;
events { worker_connections 64; }
http {
  access_log $W/logs/access.log;
  client_body_temp_path $W/run/tmp/body;
  proxy_temp_path $W/run/tmp/proxy;
  fastcgi_temp_path $W/run/tmp/fastcgi;
  uwsgi_temp_path $W/run/tmp/uwsgi;
  scgi_temp_path $W/run/tmp/scgi;
  types { }
  default_type application/octet-stream;
  ssl_certificate     $W/tls/server.crt;
  ssl_certificate_key $W/tls/server.key;
  server_tokens off;

  # Unknown host names: 404 (still with CORS so a browser can read it).
  server {
    listen 127.0.0.1:$HTTP_PORT default_server;
    listen 127.0.0.1:$HTTPS_PORT ssl default_server;
    add_header Access-Control-Allow-Origin * always;
    return 404;
  }
  # Advanced method: openpgpkey.<domain>/.well-known/openpgpkey/<domain>/...
  server {
    listen 127.0.0.1:$HTTP_PORT;
    listen 127.0.0.1:$HTTPS_PORT ssl;
    server_name ~^openpgpkey\.(?<wkd_domain>.+)\$;
    root $W/www/advanced/\$wkd_domain;
    # A domain without an advanced tree behaves like a dead host.
    if (!-d \$document_root) { return 444; }
    location /.well-known/openpgpkey/ {
      add_header Access-Control-Allow-Origin * always;
      add_header Cache-Control no-cache always;
      location ~ /policy\$ { default_type text/plain; add_header Access-Control-Allow-Origin * always; }
    }
    location / { add_header Access-Control-Allow-Origin * always; return 404; }
  }
  # VKS: the key server API subset the app uses, with a rate-limited address.
  server {
    listen 127.0.0.1:$HTTP_PORT;
    listen 127.0.0.1:$HTTPS_PORT ssl;
    server_name keys.wkd.test;
    add_header Access-Control-Allow-Origin * always;
    location = /vks/v1/by-email/limited@vks.test { add_header Access-Control-Allow-Origin * always; return 429; }
    location /vks/v1/by-email/ { alias $W/www/vks/by-email/; default_type application/pgp-keys; add_header Access-Control-Allow-Origin * always; }
    location /vks/v1/by-fingerprint/ { alias $W/www/vks/by-fingerprint/; default_type application/pgp-keys; add_header Access-Control-Allow-Origin * always; }
    location / { add_header Access-Control-Allow-Origin * always; return 404; }
  }
  # Direct method: <domain>/.well-known/openpgpkey/...
  server {
    listen 127.0.0.1:$HTTP_PORT;
    listen 127.0.0.1:$HTTPS_PORT ssl;
    server_name wkd.test direct.test;
    root $W/www/direct/\$host;
    location /.well-known/openpgpkey/ {
      add_header Access-Control-Allow-Origin * always;
      add_header Cache-Control no-cache always;
      location ~ /policy\$ { default_type text/plain; add_header Access-Control-Allow-Origin * always; }
    }
    location / { add_header Access-Control-Allow-Origin * always; return 404; }
  }
}
EOF
nginx -t -c "$W/nginx.conf" -p "$W" >"$W/logs/nginx-test.log" 2>&1 ||
  die "nginx config test failed: $(cat "$W/logs/nginx-test.log")"
log "starting nginx for WKD (http :$HTTP_PORT, https :$HTTPS_PORT)"
nginx -c "$W/nginx.conf" -p "$W" >>"$W/logs/nginx.out" 2>&1 &
record_pid wkd-nginx $!
wait_port "$HTTPS_PORT" 15 "nginx (WKD)" "$!"
wait_port "$HTTP_PORT" 5 "nginx (WKD)"

# Readiness: carol's key via the advanced method over HTTPS.
url="https://openpgpkey.wkd.test:$HTTPS_PORT/.well-known/openpgpkey/wkd.test/hu/$(cat "$W/keys/carol.hash")?l=carol"
curl -sS --fail --max-time 5 --cacert "$W/tls/ca.crt" --resolve "openpgpkey.wkd.test:$HTTPS_PORT:127.0.0.1" \
  -o /dev/null "$url" || die "WKD self-check failed: $url"
log "WKD peer ready in $(( $(now_ms) - t0 )) ms"
print_endpoints

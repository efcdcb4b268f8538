#!/usr/bin/env bash
# wkd-gpg-locate.sh TREE ADDRESS OUTDIR
# Real GnuPG finds ADDRESS by WKD in the web key directory TREE (GnuPG's layout, as the companion
# writes it under <DATA_DIR>/wkd), served by nginx over HTTPS on 127.0.0.1:443 as
# openpgpkey.<domain> and <domain> with a throw-away CA. dirmngr always uses port 443 and real name
# resolution, so this runs in a private mount + network namespace (unshare): there lo has its own
# 127.0.0.1, and /etc/hosts, nsswitch.conf and the CA bundle are bind-mounted copies. Nothing on the
# host changes. Writes to OUTDIR: locate.out (gpg's words), located.asc (the key gpg stored),
# fetched.gpg (the exact bytes nginx served), encrypted.asc (gpg encrypting to the located key).
# Exit 77 when unshare is not permitted here.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
TREE="$(cd "$1" && pwd)"; ADDRESS="$2"; OUT="$3"
need gpg gnupg; need nginx nginx-light; need openssl; need unshare util-linux; need ip iproute2; need curl curl
unshare --mount --net true 2>/dev/null || { log "unshare --mount --net not permitted"; exit 77; }
DOMAIN="${ADDRESS##*@}"; DOMAIN="${DOMAIN,,}"
mkdir -p "$OUT"; W="$(mktemp -d "${TMPDIR:-/tmp}/wkd-locate.XXXXXX")"
mkdir -p "$W"/{tls,run/tmp,logs} && mkdir -p -m 700 "$W/gnupg"
make_test_tls "$W/tls" "openpgpkey.$DOMAIN" "DNS:openpgpkey.$DOMAIN,DNS:$DOMAIN" 2
cat > "$W/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $W/run/nginx.pid;
error_log $W/logs/error.log warn;
events { worker_connections 16; }
http {
  access_log $W/logs/access.log;
  client_body_temp_path $W/run/tmp/body; proxy_temp_path $W/run/tmp/proxy; fastcgi_temp_path $W/run/tmp/fastcgi;
  uwsgi_temp_path $W/run/tmp/uwsgi; scgi_temp_path $W/run/tmp/scgi;
  types { } default_type application/octet-stream;
  ssl_certificate $W/tls/server.crt; ssl_certificate_key $W/tls/server.key;
  # The companion's tree as it is on disk: <tree>/<domain>/hu/<hash>, served as both WKD forms.
  server {
    listen 127.0.0.1:443 ssl; server_name openpgpkey.$DOMAIN;
    location /.well-known/openpgpkey/ { alias $TREE/; add_header Access-Control-Allow-Origin * always; }
  }
  server {
    listen 127.0.0.1:443 ssl; server_name $DOMAIN;
    location /.well-known/openpgpkey/ { alias $TREE/$DOMAIN/; add_header Access-Control-Allow-Origin * always; }
  }
}
EOF
printf '127.0.0.1 localhost openpgpkey.%s %s\n' "$DOMAIN" "$DOMAIN" > "$W/hosts"
sed -E 's/^hosts:.*/hosts: files/' /etc/nsswitch.conf > "$W/nsswitch.conf"
cat /etc/ssl/certs/ca-certificates.crt "$W/tls/ca.crt" > "$W/ca-bundle.crt"
echo standard-resolver > "$W/gnupg/dirmngr.conf"   # getaddrinfo -> /etc/hosts
HASH="$(/usr/lib/gnupg/gpg-wks-client --print-wkd-hash "$ADDRESS" | awk '{print $1}')"
unshare --mount --net bash -c '
  set -u; W="$1"; ADDRESS="$2"; OUT="$3"; DOMAIN="$4"; HASH="$5"
  ip link set lo up
  mount --bind "$W/hosts" /etc/hosts
  mount --bind "$W/nsswitch.conf" /etc/nsswitch.conf
  mount --bind "$W/ca-bundle.crt" /etc/ssl/certs/ca-certificates.crt
  nginx -c "$W/nginx.conf" -p "$W" & ngx=$!
  for i in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/443) 2>/dev/null && break; sleep 0.1; done
  export GNUPGHOME="$W/gnupg"
  curl -s --cacert "$W/tls/ca.crt" -o "$OUT/fetched.gpg" "https://openpgpkey.$DOMAIN/.well-known/openpgpkey/$DOMAIN/hu/$HASH" || true
  gpg --batch --auto-key-locate clear,nodefault,wkd --locate-keys "$ADDRESS" > "$OUT/locate.out" 2>&1 || true
  gpg --batch --armor --export "$ADDRESS" > "$OUT/located.asc" 2>/dev/null || true
  echo "a message for $ADDRESS" | gpg --batch --trust-model always --armor --encrypt -r "$ADDRESS" > "$OUT/encrypted.asc" 2>>"$OUT/locate.out" || true
  gpgconf --kill dirmngr; gpgconf --kill gpg-agent
  kill "$ngx"; wait "$ngx" 2>/dev/null
' _ "$W" "$ADDRESS" "$OUT" "$DOMAIN" "$HASH"
cat "$OUT/locate.out"
rm -rf "$W"

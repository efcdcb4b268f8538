#!/usr/bin/env bash
# wkd-stop.sh - stop the nginx started by wkd-start.sh (recorded PID only) and its gpg-agent.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
kill_recorded wkd-nginx
[ -d "$PEERS_DIR/wkd/gnupg" ] && GNUPGHOME="$PEERS_DIR/wkd/gnupg" gpgconf --kill all 2>/dev/null || true

#!/usr/bin/env bash
# dns-stop.sh - stop what dns-start.sh started (recorded PIDs only).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
kill_recorded dns-nginx
kill_recorded dns-unbound
kill_recorded dns-knot

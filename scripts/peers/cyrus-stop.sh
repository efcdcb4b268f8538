#!/usr/bin/env bash
# cyrus-stop.sh - stop what cyrus-start.sh started: only the recorded PIDs
# (nginx front, Postfix master, Cyrus master), TERM then KILL after 10 s.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
kill_recorded jmap-cors
kill_recorded postfix
kill_recorded cyrus

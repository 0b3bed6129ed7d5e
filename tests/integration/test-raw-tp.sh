#!/usr/bin/env bash
# test-raw-tp.sh: the raw_tp fallback end to end, forced on a kernel that has tp_btf
# (--bpf-attach raw_tp): every available event attaches as raw_tp, switches are counted right,
# the aggregation and the live feed work.
set -u
here=$(dirname "$0")
. "$here/lib.sh"
require_root
BUILD=${1:?usage: test-raw-tp.sh BUILD_DIR}
CTL=$BUILD/collectord/collectorctl
command -v jq >/dev/null || skip "jq is not installed"
TMP=$(mktemp -d /tmp/schedmcp-rawtp.XXXXXX)
SOCK=$TMP/c.sock
cleanup() { kill "$cpid" 2>/dev/null; wait 2>/dev/null; [ "$failures" -eq 0 ] && rm -rf "$TMP"; }
trap cleanup EXIT
"$BUILD/collectord/collectord" --foreground --socket "$SOCK" --bpf-attach raw_tp 2>"$TMP/collectord.log" &
cpid=$!
wait_for_socket "$SOCK" && sleep 0.5
ctl() { "$CTL" --socket "$SOCK" "$@"; }

status=$(ctl --json status)
expect_eq "sched_switch is attached as raw_tp" raw_tp "$(jq -r .bpf.attach <<<"$status")"
expect_eq "every available event is attached as raw_tp" "" \
	"$(jq -r '.events | to_entries[] | select(.value.available and .value.attach != "raw_tp") | .key' <<<"$status")"
check "at least sched_switch, sched_wakeup and softirq are available" \
	jq -e '.events.sched_switch.available and .events.sched_wakeup.available and .events.softirq_entry.available' <<<"$status"

# A steady load for the window, so the few switches just outside it (process start-up,
# the connection) are lost in the count.
load() {
	if command -v perf >/dev/null; then
		taskset -c 0 perf bench sched pipe -l 10000000 >/dev/null 2>&1 &
	else
		(mkfifo "$TMP/a" "$TMP/b"; (while read -r x; do echo "$x"; done <"$TMP/a" >"$TMP/b") &
		 (echo 1; while read -r x; do echo "$x"; done <"$TMP/b") >"$TMP/a") &
	fi
	LOAD=$!
}
load
sleep 0.5
c0=$(awk '/^ctxt/{print $2}' /proc/stat)
m=$(ctl --json call measure_switches duration_secs=2)
c1=$(awk '/^ctxt/{print $2}' /proc/stat)
pkill -P "$LOAD" 2>/dev/null; kill "$LOAD" 2>/dev/null; wait "$LOAD" 2>/dev/null
bpf=$(jq .switches <<<"$m")
# /proc/stat is read just outside the 2 s window, so it can only count more.
check "switches counted through raw_tp ($bpf) agree with /proc/stat ($((c1 - c0))) within 5%" \
	awk -v b="$bpf" -v p="$((c1 - c0))" 'BEGIN { exit !(b > 0 && b <= p * 1.001 && b >= p * 0.95) }'

sleep 1.2 # a window for the aggregation
cpu=$(ctl --json show stats://aggregated/cpu window=1)
check "the per-CPU aggregation counts switches" jq -e '[.cpus[].switches_per_s] | add > 0' <<<"$cpu"

ev=$(ctl --json call watch_events duration_secs=1 types='["sched_switch","sched_wakeup"]' limit=50)
check "the live feed delivers sched_switch records with comms" \
	jq -e '[.events[] | select(.type == "sched_switch" and (.next_comm | length) > 0)] | length > 0' <<<"$ev"
finish

#!/usr/bin/env bash
# test-calls.sh: CALL requests for real: an answer after its window, progress on the way,
# Ctrl-C cancels it in the collector, a vanished peer's call is released, other requests
# are not delayed meanwhile.
set -u
here=$(dirname "$0")
. "$here/lib.sh"
require_root
BUILD=${1:?usage: test-calls.sh BUILD_DIR}
COLLECTORD=$BUILD/collectord/collectord
COLLECTORCTL=$BUILD/collectord/collectorctl
command -v jq >/dev/null || skip "jq is not installed (the README's test command installs it)"

TMP=$(mktemp -d /tmp/schedmcp-calls.XXXXXX)
SOCK=$TMP/c.sock
cleanup() {
	[ -n "${cpid:-}" ] && kill "$cpid" 2>/dev/null
	wait 2>/dev/null
	[ "$failures" -eq 0 ] && rm -rf "$TMP" || echo "kept $TMP for inspection"
}
trap cleanup EXIT
ctl() { "$COLLECTORCTL" --socket "$SOCK" "$@"; }

"$COLLECTORD" --foreground --socket "$SOCK" --log-level debug 2>"$TMP/collectord.log" &
cpid=$!
wait_for_socket "$SOCK" || { echo "collectord did not start"; cat "$TMP/collectord.log"; exit 1; }
ctl ping >/dev/null

echo "# an answer after its window, with progress"
start=$(date +%s%N)
out=$(ctl call measure_switches duration_secs=2 2>"$TMP/progress")
took_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "measure_switches answers JSON" jq -e . <<<"$out"
check "after about its window (took ${took_ms} ms)" test "$took_ms" -ge 1900 -a "$took_ms" -lt 4000
expect_match "its window is stated" '^(1\.9|2\.0)' "$(jq -r .window_s <<<"$out")"
expect_eq "one figure per CPU" "$(jq -r '.bpf.per_cpu | length' < <(ctl --json status))" "$(jq -r '.per_cpu | length' <<<"$out")"
total=$(jq '[.per_cpu[].switches] | add' <<<"$out")
expect_eq "the per-CPU figures add up to the total" "$(jq .switches <<<"$out")" "$total"
check "some context switches were counted" test "$total" -gt 0
expect_match "progress was reported on the way" '1 of 2 s' "$(cat "$TMP/progress")"

echo "# other requests are not delayed by a running call"
ctl call measure_switches duration_secs=3 >/dev/null 2>&1 &
bg=$!
sleep 0.3
start=$(date +%s%N)
ctl ping >/dev/null
ping_ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "ping answers in ${ping_ms} ms while a 3 s call runs (bound 500 ms)" test "$ping_ms" -lt 500
wait "$bg"

echo "# Ctrl-C cancels the call in the collector"
# Started directly, not through the ctl function, so the signal reaches collectorctl.
"$COLLECTORCTL" --socket "$SOCK" call measure_switches duration_secs=30 >"$TMP/cancel.out" 2>&1 &
bg=$!
sleep 0.5
kill -INT "$bg"
wait "$bg"
rc=$?
expect_eq "collectorctl exits 1 on a cancelled call" 1 "$rc"
expect_match "and says so" 'cancelled' "$(cat "$TMP/cancel.out")"
expect_eq "no call is left running" 0 "$(ctl --json clients | jq '[.clients[] | select(.in_flight > 1)] | length')"

echo "# a peer that goes away takes its calls with it"
fds_before=$(ls /proc/"$cpid"/fd | wc -l)
"$COLLECTORCTL" --socket "$SOCK" call measure_switches duration_secs=30 >/dev/null 2>&1 &
bg=$!
sleep 0.5
kill -9 "$bg"; wait "$bg" 2>/dev/null
sleep 0.3
expect_eq "only this test's own connection remains" 1 "$(ctl --json clients | jq '.clients | length')"
expect_eq "collectord holds no more fds than before" "$fds_before" "$(ls /proc/"$cpid"/fd | wc -l)"
check "collectord is still serving" ctl ping

echo "# bad calls are refused with a reason"
out=$(ctl call no_such_call 2>&1)
expect_match "an unknown call is named" "unknown call 'no_such_call'" "$out"
out=$(ctl call measure_switches duration_secs=0 2>&1)
expect_match "a bad argument says what is allowed" 'duration_secs must be an integer from 1 to 300' "$out"
expect_match "status lists the calls" 'measure_switches' "$(ctl --json status | jq -r '.calls[].name')"

kill -TERM "$cpid"
check "collectord exits cleanly with no call left" wait_gone "$cpid"
finish

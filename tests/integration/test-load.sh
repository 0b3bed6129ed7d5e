#!/usr/bin/env bash
# test-load.sh: 64 concurrent clients (MCP through schedmcp, and the wire protocol directly) for a
# bounded time; a flood of connections; running out of file descriptors. Every request is answered
# or refused with an error naming the limit, memory stays bounded, fds return to the idle figure.
set -u
here=$(dirname "$0")
. "$here/lib.sh"
require_root
BUILD=${1:?usage: test-load.sh BUILD_DIR}
COLLECTORD=$BUILD/collectord/collectord
COLLECTORCTL=$BUILD/collectord/collectorctl
LOAD=$BUILD/tests/integration/load-client
SCHEDMCP=$BUILD/mcp-frontend/schedmcp
RSS_BOUND_KB=65536 # 64 MiB: idle is ~4 MiB, each of 48 peers may hold a few replies in flight
# AddressSanitizer keeps freed memory in quarantine and shadows all of it: a
# sanitizer build's RSS says nothing about ours, so the bound is for plain builds.
if ldd "$COLLECTORD" | grep -q libasan; then
	RSS_BOUND_KB=1048576
	echo "# sanitizer build: RSS bound raised to 1 GiB (ASan's quarantine and shadow memory)"
fi

TMP=$(mktemp -d /tmp/schedmcp-load.XXXXXX)
SOCK=$TMP/c.sock
cleanup() {
	[ -n "${cpid:-}" ] && kill "$cpid" 2>/dev/null
	wait 2>/dev/null
	[ "$failures" -eq 0 ] && rm -rf "$TMP" || echo "kept $TMP for inspection"
}
trap cleanup EXIT
printf '[Limits]\nMaxClients=48\nMaxRequestsInFlight=32\n' >"$TMP/collectord.conf"
"$COLLECTORD" --foreground --socket "$SOCK" --config "$TMP/collectord.conf" 2>"$TMP/collectord.log" &
cpid=$!
wait_for_socket "$SOCK" && sleep 0.5
"$COLLECTORCTL" --socket "$SOCK" ping >/dev/null
fds_idle=$(ls /proc/$cpid/fd | wc -l)
rss_idle=$(awk '/^VmRSS/{print $2}' /proc/$cpid/status)

echo "# 64 clients for 8 s, MaxClients=48"
peak=0
"$LOAD" -S "$SOCK" -m "$SCHEDMCP" -k 64 -t 8 >"$TMP/load.out" 2>"$TMP/load.err" &
load=$!
while kill -0 $load 2>/dev/null; do
	v=$(awk '/^VmRSS/{print $2}' /proc/$cpid/status); [ "$v" -gt "$peak" ] && peak=$v
	sleep 0.1
done
wait $load
rc=$?
summary=$(cat "$TMP/load.out")
echo "  $summary"
expect_eq "every request was answered or refused by a named limit" 0 "$rc"
[ $rc -eq 0 ] || head -5 "$TMP/load.err"
expect_match "clients beyond MaxClients and requests beyond MaxRequestsInFlight were refused" 'refused by a limit [1-9]' "$summary"
expect_match "and most requests were answered" 'answered [0-9]{4,}' "$summary"
check "collectord RSS stayed under $RSS_BOUND_KB KiB (idle $rss_idle, peak $peak)" test "$peak" -lt $RSS_BOUND_KB
sleep 0.5
expect_eq "its fd count is back to the idle figure" "$fds_idle" "$(ls /proc/$cpid/fd | wc -l)"
check "and it still serves" "$COLLECTORCTL" --socket "$SOCK" ping

echo "# a client that opens connections until refused"
out=$("$LOAD" -S "$SOCK" -m "$SCHEDMCP" -k 60 -t 1 2>&1)
expect_match "connections beyond the limit are refused with the limit named" 'too many clients \(MaxClients=48\)|refused by a limit [1-9]' "$out"
check "the others keep being served meanwhile" "$COLLECTORCTL" --socket "$SOCK" ping
kill "$cpid"; wait "$cpid" 2>/dev/null

echo "# out of file descriptors (RLIMIT_NOFILE 32)"
( ulimit -n 32; exec "$COLLECTORD" --foreground --no-bpf --socket "$SOCK" 2>"$TMP/nofile.log" ) &
cpid=$!
wait_for_socket "$SOCK" && sleep 0.3
holders=()
for i in $(seq 40); do
	(sleep 4 | socat - UNIX-CONNECT:"$SOCK",type=5 >/dev/null 2>&1) &
	holders+=($!)
done
sleep 1
cpu=$(awk '{print $14 + $15}' /proc/$cpid/stat)
sleep 1
cpu2=$(awk '{print $14 + $15}' /proc/$cpid/stat)
check "collectord does not spin while out of fds (cpu ticks $cpu -> $cpu2)" test $((cpu2 - cpu)) -lt 20
expect_match "it says why it pauses" 'pausing new clients' "$(cat "$TMP/nofile.log")"
pkill -f "UNIX-CONNECT:$SOCK" 2>/dev/null
wait "${holders[@]}" 2>/dev/null
check "once fds are free it serves again" "$COLLECTORCTL" --socket "$SOCK" --timeout 5000 ping
finish

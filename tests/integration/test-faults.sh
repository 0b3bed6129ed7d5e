#!/usr/bin/env bash
# test-faults.sh: collectord killed (-9) while a client streams events and profiles: schedmcp
# answers every request with a clear "restart it" error and works again, without a restart of
# its own, once the collector is back. SIGTERM while streaming and profiling releases every perf
# fd, BPF program and link, and removes the socket.
set -u
here=$(dirname "$0")
. "$here/lib.sh"
require_root
BUILD=${1:?usage: test-faults.sh BUILD_DIR}
COLLECTORD=$BUILD/collectord/collectord
SCHEDMCP=$BUILD/mcp-frontend/schedmcp
CTL=$BUILD/collectord/collectorctl
for t in systemd-socket-activate jq bpftool; do command -v $t >/dev/null || skip "$t is not installed"; done
TMP=$(mktemp -d /tmp/schedmcp-faults.XXXXXX)
chmod 0755 "$TMP"
SOCK=$TMP/c.sock
LOG=$TMP/collectord.log
cleanup() {
	[ -n "${MCP_PID:-}" ] && kill "$MCP_PID" 2>/dev/null
	pkill -f -- "--socket $TMP/" 2>/dev/null
	pkill -f -- "-l $SOCK" 2>/dev/null
	wait 2>/dev/null
	[ "$failures" -eq 0 ] && rm -rf "$TMP" || echo "kept $TMP for inspection"
}
trap cleanup EXIT
ensure_group
id=100
# ask METHOD PARAMS: the answer with our id in $A; notifications in between are skipped.
ask() {
	id=$((id + 1))
	mcp_send "{\"jsonrpc\":\"2.0\",\"id\":$id,\"method\":\"$1\",\"params\":$2}"
	local deadline=$((SECONDS + 20)) line
	A=
	while [ $SECONDS -lt $deadline ]; do
		IFS= read -r -t 20 line <&"$MCP_OUT" || break
		[ "$(jq -r '.id // empty' <<<"$line" 2>/dev/null)" = "$id" ] && { A=$line; return 0; }
	done
	echo "no answer to $1"
	return 1
}
text_of() { jq -r '.error.message // .result.content[0].text // .result.contents[0].text // empty' <<<"$A"; }

echo "# kill -9 during a stream and a profile"
start_activated "$SOCK" "$LOG" || exit 1
mcp_start
mcp_init >/dev/null
ask resources/subscribe '{"uri":"events://stream"}'
expect_match "subscribed to events://stream" '"result":\{\}' "$A"
ask tools/call '{"name":"start_perf_profiling","arguments":{"mode":"samples","freq":99}}'
expect_match "a profile is running" '"isError":false' "$A"
sleep 0.5
cpid=$("$CTL" --socket "$SOCK" --json status | jq -r .pid)
kill -9 "$cpid"; wait_gone "$cpid"
ask resources/read '{"uri":"events://stream"}'
expect_match "reading the stream says the collector is gone and how to restart it" \
	'collectord (went away|is not running).*([Rr]estart|[Ss]tart) it' "$(text_of)"
ask tools/call '{"name":"stop_perf_profiling","arguments":{}}'
expect_match "stopping the profile is a tool error that says the same" \
	'collectord (went away|is not running).*([Rr]estart|[Ss]tart) it' "$(text_of)"
ask tools/call '{"name":"get_topology","arguments":{}}'
expect_match "so is any other tool" 'collectord (went away|is not running)' "$(text_of)"
start_activated "$SOCK" "$LOG" || echo "activator did not come back"
ask tools/call '{"name":"get_topology","arguments":{}}'
expect_match "after the restart the same schedmcp works again" '"nr_online":' "$A"
ask resources/subscribe '{"uri":"events://stream"}'
expect_match "and can subscribe again" '"result":\{\}' "$A"
mcp_stop
# systemd-socket-activate execs collectord: stop it by the pid it reports
cpid=$("$CTL" --socket "$SOCK" --json status | jq -r .pid)
kill "$cpid" 2>/dev/null; wait_gone "$cpid"

echo "# a subscriber that stops reading: its drops are counted and shown by collectorctl clients"
OTHER=$TMP/slow.sock
"$COLLECTORD" --foreground --socket "$OTHER" 2>>"$LOG" &
spid=$!
wait_for_socket "$OTHER" && sleep 0.5
# collectorctl stops reading the socket once the pipe to a sleeping reader is full
("$CTL" --socket "$OTHER" events | sleep 6) &
slow=$!
sleep 0.5
if command -v perf >/dev/null; then
	taskset -c 0 perf bench sched pipe -l 100000 >/dev/null 2>&1
else
	for _ in $(seq 3000); do /bin/true; done
fi
sleep 0.3
row=$("$CTL" --socket "$OTHER" --json clients | jq -c '[.clients[] | select(.subscriptions > 0)][0]')
check "the stalled subscriber's drops are counted ($(jq -r .events_dropped <<<"$row") dropped)" \
	jq -e '.events_dropped > 0' <<<"$row"
check "its queue stays bounded ($(jq -r .queued_bytes <<<"$row") bytes queued)" jq -e '.queued_bytes < 8388608' <<<"$row"
expect_match "collectorctl clients shows a DROPS column" 'SUBS +DROPS' "$("$CTL" --socket "$OTHER" clients)"
out=$(setpriv --reuid=nobody --regid=nogroup --groups=collectord "$CTL" --socket "$OTHER" clients 2>&1)
expect_match "and refuses a read-level peer" 'needs admin access' "$out"
kill "$slow" 2>/dev/null; pkill -f -- "--socket $OTHER events" 2>/dev/null
kill "$spid"; wait_gone "$spid"

echo "# SIGTERM during a stream and a profile"
OWN=$TMP/own.sock
"$COLLECTORD" --foreground --socket "$OWN" 2>>"$LOG" &
cpid=$!
wait_for_socket "$OWN" && sleep 0.5
SOCK=$OWN
mcp_start
mcp_init >/dev/null
ask resources/subscribe '{"uri":"events://stream"}'
ask tools/call '{"name":"start_perf_profiling","arguments":{"mode":"kernel_aggregate","freq":99}}'
expect_match "a kernel_aggregate profile is running" '"isError":false' "$A"
sleep 0.5
perf_fds=$(find /proc/$cpid/fd -lname 'anon_inode:*perf_event*' 2>/dev/null | wc -l)
check "collectord holds perf fds while profiling ($perf_fds)" test "$perf_fds" -gt 0
# what it holds, from its own fds: /proc/PID/fdinfo names each BPF program and link
progs=$(cat /proc/$cpid/fdinfo/* 2>/dev/null | awk '/^prog_id:/{print $2}' | sort -u | tr '\n' ' ')
links=$(cat /proc/$cpid/fdinfo/* 2>/dev/null | awk '/^link_id:/{print $2}' | sort -u | tr '\n' ' ')
check "and BPF programs ($progs) and links ($links)" test -n "$progs"
kill -TERM "$cpid"
check "collectord exits on SIGTERM while streaming and profiling" wait_gone "$cpid" 10
check "its socket is removed" test ! -e "$OWN"
gone() { # every id of $2 ("prog" or "link") in $1 no longer exists, within 5 s (RCU)
	local id
	for id in $1; do
		for _ in $(seq 50); do bpftool "$2" show id "$id" >/dev/null 2>&1 || continue 2; sleep 0.1; done
		return 1
	done
}
check "every BPF program it held is released" gone "$progs" prog
check "every BPF link it held is released" gone "$links" link
ask ping '{}'
expect_match "schedmcp itself still answers" '"result":\{\}' "$A"
mcp_stop
finish

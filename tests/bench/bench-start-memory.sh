#!/usr/bin/env bash
# bench-start-memory.sh: cold start through socket activation (connect to first answer, BPF
# load included) beside a warm round trip; collectord and schedmcp memory idle, under 64 clients
# and with a subscriber that stops reading.
set -u
. "$(dirname "$0")/lib-bench.sh"
BUILD=${1:?usage: bench-start-memory.sh BUILD_DIR}
[ "$(id -u)" -eq 0 ] || skip "needs root (loads BPF programs)"
command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate is not installed"
bench_tmp
machine
CTL=$BUILD/collectord/collectorctl
if short; then rounds=5; else rounds=9; fi

ms() { echo "scale=1; ($2 - $1) / 1000000" | bc; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

cold=() warm=()
for ((r = 0; r < rounds; r++)); do
	sock=$TMP/act.sock
	rm -f "$sock"
	systemd-socket-activate --seqpacket -l "$sock" -- "$BUILD/collectord/collectord" --config /dev/null \
		>/dev/null 2>&1 &
	act=$!
	for _ in $(seq 200); do [ -S "$sock" ] && break; sleep 0.01; done
	t0=$(date +%s%N); "$CTL" --socket "$sock" ping >/dev/null || { echo "cold ping failed"; exit 1; }
	t1=$(date +%s%N); "$CTL" --socket "$sock" ping >/dev/null
	t2=$(date +%s%N)
	cold+=("$(ms "$t0" "$t1")") warm+=("$(ms "$t1" "$t2")")
	kill "$act" 2>/dev/null; wait "$act" 2>/dev/null
done
c=$(printf '%s\n' "${cold[@]}" | median) w=$(printf '%s\n' "${warm[@]}" | median)
echo
echo "cold start (socket activation, BPF load included), median of $rounds"
printf '  first answer      %8s ms   (goal <= 300 ms)\n' "$c"
printf '  warm round trip   %8s ms   (the same collectorctl ping, collector running)\n' "$w"
printf '  start-up cost     %8s ms   spread %s..%s ms\n' "$(echo "$c - $w" | bc)" \
	"$(printf '%s\n' "${cold[@]}" | sort -n | head -1)" "$(printf '%s\n' "${cold[@]}" | sort -n | tail -1)"

rss() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
hwm() { awk '/^VmHWM/{print $2}' "/proc/$1/status"; }
anon() { awk '/^RssAnon/{print $2}' "/proc/$1/status"; }
start_collector "$BUILD" || exit 1
sleep 1
idle=$(rss "$COLLECTOR_PID")
peak_start=$(hwm "$COLLECTOR_PID") # start-up: libbpf reads the kernel's BTF for CO-RE
# 64 concurrent MCP clients, each its own schedmcp, reading and pinging.
n=1000; short && n=200
"$BUILD/tests/bench/mcp-latency" -s "$BUILD/mcp-frontend/schedmcp" -e "$BUILD/tests/bench/jsonrpc-echo" \
	-S "$SOCK" -n "$n" -r 1 -c 64 >/dev/null 2>&1 &
load=$!
peak_mcp=0
while kill -0 "$load" 2>/dev/null; do
	for p in $(pgrep -f "schedmcp --socket $SOCK"); do
		v=$(rss "$p" 2>/dev/null); [ -n "$v" ] && [ "$v" -gt "$peak_mcp" ] && peak_mcp=$v
	done
	sleep 0.05
done
wait "$load" || echo "note: the 64-client load reported an error"
peak=$(hwm "$COLLECTOR_PID")
after=$(rss "$COLLECTOR_PID")
"$BUILD/mcp-frontend/schedmcp" --socket "$SOCK" < <(sleep 1) &
mp=$!; sleep 0.5; mcp_idle=$(rss $mp); wait $mp

# A subscriber that stops reading (SIGSTOP) while the feed runs at this machine's heaviest
# switch rate: its queue is bounded, so collectord's RSS must stay flat and the drops counted.
stall_secs=10; short && stall_secs=3
"$CTL" --socket "$SOCK" events --duration $((stall_secs + 30)) >/dev/null 2>&1 &
sub=$!
sleep 0.5
kill -STOP "$sub"
stall_before=$(rss "$COLLECTOR_PID")
c0=$(awk '/^ctxt/{print $2}' /proc/stat)
timeout "$stall_secs" taskset -c 0 perf bench sched pipe -l 100000000 >/dev/null 2>&1 &
pipe=$!
stall_peak=$stall_before stall_anon=0
while kill -0 "$pipe" 2>/dev/null; do
	v=$(rss "$COLLECTOR_PID"); [ "$v" -gt "$stall_peak" ] && stall_peak=$v
	v=$(anon "$COLLECTOR_PID"); [ "$v" -gt "$stall_anon" ] && stall_anon=$v
	sleep 0.1
done
wait "$pipe" 2>/dev/null
c1=$(awk '/^ctxt/{print $2}' /proc/stat)
stalled=$("$CTL" --socket "$SOCK" --json clients |
	jq -c --argjson p "$sub" '.clients[] | select(.pid == $p) | [.events_delivered, .events_dropped, .queued_bytes]')
kill -CONT "$sub"; kill "$sub" 2>/dev/null; wait "$sub" 2>/dev/null
echo
echo "memory (RSS, KiB)"
printf '  collectord idle           %8s   (goal <= 32768)\n' "$idle"
printf '  collectord peak at start  %8s   (BTF parsed for CO-RE, then freed)\n' "$peak_start"
printf '  collectord peak, 64 MCP clients %8s\n' "$peak"
printf '  collectord after the load %8s\n' "$after"
printf '  schedmcp idle             %8s   (goal <= 8192)\n' "$mcp_idle"
printf '  schedmcp peak under load  %8s\n' "$peak_mcp"
echo
echo "stalled subscriber (SIGSTOPped collectorctl events, ${stall_secs} s of taskset -c 0 perf bench sched pipe)"
printf '  context switches          %8s   (/proc/stat)\n' "$((c1 - c0))"
printf '  collectord RSS before     %8s KiB\n' "$stall_before"
printf '  collectord RSS peak       %8s KiB   (goal <= 32768, bounded)\n' "$stall_peak"
printf '    of which its own heap   %8s KiB   (RssAnon; the rest is mostly the BPF ring buffer,\n' "$stall_anon"
printf '                                       whose data pages libbpf maps twice, so VmRSS counts them twice)\n'
if [ -n "$stalled" ]; then
	printf '  delivered, dropped, queued bytes of the stalled peer: %s\n' "$stalled"
else
	echo "could not read the stalled peer from collectorctl clients"; exit 1
fi

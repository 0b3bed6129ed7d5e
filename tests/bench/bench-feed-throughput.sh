#!/usr/bin/env bash
# bench-feed-throughput.sh: how many live-feed events reach a subscribed reader, and what is dropped.
#   synthetic: feed-synthetic pushes fixed records through collectord's filter, queue and EVENTS
#     batches, a SOCK_SEQPACKET socket and the front-end's decoder (goal: >= 1M records/s), then
#     stands in for collectord so that a real schedmcp and an MCP client carry them (events://stream)
#   real: collectord's BPF feed under `perf bench sched pipe` loads, read by a wire client of
#     collectord, by an MCP client of schedmcp (resources/subscribe, then resources/read back to back)
#     and by `collectorctl events`; baseline: the kernel's context switches over the same window
#     (/proc/stat ctxt) beside the sched_switch events that arrived stamped inside it.
set -u
. "$(dirname "$0")/lib-bench.sh"
BUILD=${1:?usage: bench-feed-throughput.sh BUILD_DIR}
SYN=$BUILD/tests/bench/feed-synthetic
READER=$BUILD/tests/bench/feed-reader
SCHEDMCP=${BENCH_SCHEDMCP:-$BUILD/mcp-frontend/schedmcp} # another build's, to measure a front-end change
CTL=$BUILD/collectord/collectorctl
bench_tmp
machine
echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on this machine takes CPU from every reader)"
if short; then secs=2 syn_secs=0.5 syn_rounds=1 read_timeout=3; else secs=3 syn_secs=1 syn_rounds=3 read_timeout=10; fi
big_tokens=1000000 # schedmcp's largest answer budget: 4 MB a read

kv() { grep -o "\b$1=[^ ]*" <<<"$2" | head -1 | cut -d= -f2; }

echo
"$SYN" -d "$syn_secs" -r "$syn_rounds" || { echo "feed-synthetic failed"; exit 1; }

# row LABEL READER_OUTPUT [synthetic]: one line of the tables below
row() {
	local out=$2 ctxt secs_run kept rate ratio
	[ -n "$out" ] || { printf '  %-44s %s\n' "$1" "no result (see the error above)"; return; }
	kept=yes
	[ "$(kv dropped "$out")" = 0 ] && [ "$(kv lost_kernel "$out")" = 0 ] && [ "$(kv caught_up "$out")" = 1 ] &&
		[ "$(kv stalled "$out")" = 0 ] || kept=no
	[ "$(kv stalled "$out")" = 1 ] && kept="no: stalled"
	secs_run=$(kv seconds "$out") ctxt=$(kv ctxt "$out")
	rate=$(printf '%.0f' "$(echo "$ctxt / $secs_run" | bc -l)") ratio=$(kv switch_ratio "$out")
	[ "${3:-}" = synthetic ] && rate=- ratio=-
	printf '  %-44s %11s %11s %8s %10s %8s %9s %6s  %s\n' "$1" "$(kv events_per_s "$out")" \
		"$rate" "$ratio" "$(kv dropped "$out")" \
		"$(kv lost_kernel "$out")" "$(kv max_read_ms "$out")" "$(kv behind_s "$out")" "$kept"
}
header() {
	printf '  %-44s %11s %11s %8s %10s %8s %9s %6s  %s\n' "$1" events/s switches/s seen/ctxt dropped lost \
		"max read" behind "kept up"
	printf '  %-44s %11s %11s %8s %10s %8s %9s %6s\n' "" "" "(kernel)" "" "" "" "(ms)" "(s)"
}

echo
echo "synthetic records through a real schedmcp: feed-synthetic stands in for collectord and offers 1M records/s"
echo "  (switch+wakeups) for ${secs} s; an MCP client reads events://stream back to back; schedmcp --max-answer-tokens N"
header "front-end"
budgets=("$big_tokens")
short || budgets=(20000 "$big_tokens")
for tokens in "${budgets[@]}"; do
	"$SYN" -L "$TMP/syn.sock" -p 1000000 -d 60 >"$TMP/syn.out" 2>&1 &
	syn_pid=$!
	for _ in $(seq 100); do [ -S "$TMP/syn.sock" ] && break; sleep 0.02; done
	out=$("$READER" -S "$TMP/syn.sock" -s "$SCHEDMCP" -t "$tokens" -T "$read_timeout" -- sleep "$secs")
	wait "$syn_pid"
	row "schedmcp, $tokens tokens" "$out" synthetic
	echo "    (the stand-in's own queue dropped $(kv dropped "$(cat "$TMP/syn.out")") of $(kv produced "$(cat "$TMP/syn.out")") offered)"
done

if [ "$(id -u)" -ne 0 ] || ! command -v perf >/dev/null; then
	echo
	echo "real path: not measured (needs root for BPF and perf for the load)"
	exit 0
fi
others=$(pgrep -x collectord | wc -l)
start_collector "$BUILD" || exit 1
[ "$others" -gt 0 ] && echo "# note: $others other collectord process(es) running; their BPF programs run on every switch too"

pipe="perf bench sched pipe -l 1000000000"
declare -A loads=(
	[pinned]="timeout $secs taskset -c 0 $pipe"
	[unpinned]="timeout $secs $pipe"
	[two-pairs]="timeout $secs sh -c 'taskset -c 0 $pipe & taskset -c 1 $pipe; wait'"
)
declare -A load_names=(
	[pinned]="one pair on CPU 0"
	[unpinned]="one pair, unpinned"
	[two-pairs]="a pair on each CPU"
)
if short; then
	load_order=(unpinned)
	readers=(wire mcp ctl)
else
	load_order=(pinned unpinned two-pairs)
	readers=(wire wire-json mcp mcp-big ctl)
fi
declare -A reader_args=(
	[wire]="-W"
	[wire-json]="-J"
	[mcp]="-s $SCHEDMCP -t 20000 -T $read_timeout"
	[mcp-big]="-s $SCHEDMCP -t $big_tokens -T $read_timeout"
	[ctl]="-c $CTL"
)
declare -A reader_names=(
	[wire]="collectord socket, records decoded"
	[wire-json]="collectord socket, + direct JSON lines"
	[mcp]="schedmcp events://stream, 20000 tokens"
	[mcp-big]="schedmcp events://stream, $big_tokens tokens"
	[ctl]="collectorctl --json events"
)
echo
echo "real path: collectord's BPF feed (every event type) under perf bench sched pipe for ${secs} s, each reader alone"
for l in "${load_order[@]}"; do
	echo
	header "$l: ${load_names[$l]}"
	for rd in "${readers[@]}"; do
		# shellcheck disable=SC2086 # the arguments are word lists
		out=$(eval "\"$READER\" -S \"$SOCK\" ${reader_args[$rd]} -- ${loads[$l]}")
		row "${reader_names[$rd]}" "$out"
	done
done
echo
echo "  seen/ctxt: sched_switch events stamped inside the load's window / the kernel's context switches over it"
echo "  dropped: events the feed dropped for a slow reader (collectord's queue, and schedmcp's for its readers);"
echo "  lost: the BPF ring buffer was full; behind: how long after the load the reader had the window's events"
echo "  goal: 0 dropped while the reader keeps up; synthetic path >= 1M records/s"

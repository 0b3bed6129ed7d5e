#!/usr/bin/env bash
# bench-profile.sh BUILD_DIR: the profiler against perf on this machine.
#  1. symbolizing the same samples: collectord's get_perf_results (no file cached yet; the
#     kernel's symbols are loaded while the first profile runs, as collectord does; then the
#     same request again, then a new session over the same binaries) against perf report --stdio
#     on a perf record of the same workload over the same seconds;
#  2. the cost of system-wide kernel_aggregate profiling at 99 Hz on perf bench sched messaging.
# Prints the figures, the ratios and the goals of the issue beside them; fails only when it
# could not measure. BENCH_MODE=short: fewer rounds.
set -u
here=$(dirname "$0")
. "$here/../integration/lib.sh" # the MCP coprocess helpers
. "$here/lib-bench.sh"
BUILD=${1:?usage: bench-profile.sh BUILD_DIR}
[ "$(id -u)" -eq 0 ] || skip "needs root (perf events of every process, BPF)"
for t in perf jq; do command -v "$t" >/dev/null || skip "$t is not installed (apt-get install linux-perf jq)"; done
COLLECTORCTL=$BUILD/collectord/collectorctl
SCHEDMCP=$BUILD/mcp-frontend/schedmcp
FIX=$BUILD/tests/fixtures
if short; then ROUNDS=3; else ROUNDS=9; fi
pids=()
bench_tmp
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; bench_cleanup' EXIT
machine
start_collector "$BUILD" || exit 1
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
# tool ID NAME ARGS_JSON: a tools/call, its structuredContent in $TMP/ID.json. (Not in a
# pipe or $(...): bash closes a coprocess's descriptors in subshells.)
tool() {
	local t0
	t0=$(date +%s%N)
	mcp_call "{\"jsonrpc\":\"2.0\",\"id\":$1,\"method\":\"tools/call\",\"params\":{\"name\":\"$2\",\"arguments\":$3}}" \
		>"$TMP/raw-$1.json"
	TOOL_MS=$(( ($(date +%s%N) - t0) / 1000000 ))
	jq -c '.result.structuredContent // .result.content[0].text // .error' "$TMP/raw-$1.json" >"$TMP/$1.json"
}
out() { cat "$TMP/$1.json"; }
workload() { # the same mix for both profilers: a hot loop, a syscall loop, a shared library
	"$FIX/hotspot-fp" "$1" spin & pids+=($!)
	"$FIX/hotspot-fp" "$1" syscall & pids+=($!)
	"$FIX/hotspot-shlib" "$1" & pids+=($!)
}

echo "# 1. symbolizing the same samples"
mcp_start
mcp_init >/dev/null
workload 6
sleep 0.5
perf record -q -a -g -F 499 -o "$TMP/perf.data" -- sleep 4 >/dev/null 2>&1 &
precord=$!
tool 1 start_perf_profiling '{"mode":"samples","freq":499,"duration_secs":4}'
wait "$precord"
sleep 0.3
tool 2 stop_perf_profiling '{}'
st=$(out 2)
tool 3 get_perf_results '{"limit":20}'
cold=$TOOL_MS
tool 4 get_perf_results '{"limit":20}'
same=$TOOL_MS
r1=$(out 3) r2=$(out 4)
p0=$(now_ms); perf report -i "$TMP/perf.data" --stdio >"$TMP/perf-report.txt" 2>/dev/null; p1=$(now_ms)
psamples=$(perf report -i "$TMP/perf.data" --stdio --no-children --sort sym -g none 2>/dev/null |
	awk '/^# Samples:/ { print $3; exit }')
# A new session over the same binaries: the files are cached, the addresses not.
workload 4
sleep 0.3
tool 5 start_perf_profiling '{"mode":"samples","freq":499,"duration_secs":2}'
sleep 2.3
tool 6 stop_perf_profiling '{}'
tool 7 get_perf_results '{"limit":20}'
warm=$TOOL_MS
r3=$(out 7)
mcp_stop
perf_ms=$((p1 - p0))
echo "     samples: collectord $(jq .samples <<<"$st"), perf record $psamples"
echo "     perf report --stdio:                   $perf_ms ms"
echo "     get_perf_results, no file cached:       $cold ms (symbolizing: $(jq .symbolization.ms <<<"$r1") ms)"
echo "     the same request again:                 $same ms (symbolizing: $(jq .symbolization.ms <<<"$r2") ms)"
echo "     a new session on the same binaries:     $warm ms (symbolizing: $(jq .symbolization.ms <<<"$r3") ms)"
[ "$cold" -gt 0 ] && [ "$perf_ms" -gt 0 ] || { echo "could not measure"; exit 1; }
ratio=$(awk -v a="$perf_ms" -v b="$cold" 'BEGIN { printf "%.1f", a / b }')
cold_sym=$(jq .symbolization.ms <<<"$r1") warm_sym=$(jq .symbolization.ms <<<"$r3")
echo "     perf report / get_perf_results (cold):  ${ratio}x   (goal >= 2x)"
echo "     cold / same request again:              $(awk -v a="$cold" -v b="$same" 'BEGIN { printf "%.1f", a / (b ? b : 1) }')x   (goal > 1x)"
echo "     cold / new session, cached files (symbolizing): $(awk -v a="$cold_sym" -v b="$warm_sym" 'BEGIN { printf "%.1f", a / (b > 0 ? b : 0.001) }')x   (goal > 1x)"

echo "# 2. the cost of system-wide kernel_aggregate at 99 Hz on perf bench sched messaging"
bench() { perf bench sched messaging -l 200 2>/dev/null | awk '/Total time/ { print $3 }'; }
base=() prof=()
# The in-kernel cost measured directly too: the BPF program's own run time per sample.
stats_was=$(sysctl -n kernel.bpf_stats_enabled 2>/dev/null || echo 0)
sysctl -qw kernel.bpf_stats_enabled=1 2>/dev/null
run_ns=0 run_cnt=0
# Alternated, so that drifts in the machine's load hit both sides alike.
for ((i = 0; i < ROUNDS; i++)); do
	base+=("$(bench)")
	"$COLLECTORCTL" --socket "$SOCK" profile --duration 60 --freq 99 --mode kernel_aggregate >/dev/null 2>&1 &
	ctlpid=$!
	sleep 0.5
	prof+=("$(bench)")
	read -r ns cnt <<<"$(bpftool -j prog show name stackagg_perf 2>/dev/null |
		jq -r 'if type == "array" then .[0] else . end | "\(.run_time_ns // 0) \(.run_cnt // 0)"')"
	run_ns=$((run_ns + ${ns:-0})) run_cnt=$((run_cnt + ${cnt:-0}))
	kill -INT "$ctlpid"; wait "$ctlpid" 2>/dev/null
done
sysctl -qw kernel.bpf_stats_enabled="$stats_was" 2>/dev/null
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
mb=$(median "${base[@]}") mp=$(median "${prof[@]}")
over=$(awk -v a="$mb" -v b="$mp" 'BEGIN { printf "%.2f", (b - a) * 100 / a }')
echo "     without profiling: ${base[*]} s (median $mb)"
echo "     with profiling:    ${prof[*]} s (median $mp)"
echo "     overhead: ${over}% (median of $ROUNDS alternated rounds; goal < 1%)"
if [ "$run_cnt" -gt 0 ]; then
	per=$((run_ns / run_cnt))
	echo "     the BPF program: $per ns per sample over $run_cnt samples: at 99 Hz" \
		"$(awk -v n="$per" 'BEGIN { printf "%.4f", n * 99 / 1e7 }')% of each CPU (goal < 1%)"
fi

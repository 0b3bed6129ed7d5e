#!/usr/bin/env bash
# bench-sched-cost.sh: what always-on scheduler tracing costs, beside the tools a user knows.
#   cost per event: `taskset -c 0 perf bench sched pipe -l N` (about a million context switches
#     a second on one CPU): (traced time - untraced time) / context switches in the run, with the
#     time as perf bench reports it (wall) and as user + system time of the workload (cpu: what
#     other tasks on CPU 0 take is not in it, so it is steadier on a busy machine; perf sched
#     record's own process is, as it wraps the workload)
#   mixed load: `perf bench sched messaging -g 10 -l 1000`, relative to untraced, with the spread
# Peers, each in the same interleaved rounds: collectord (its always-on aggregation, no client),
# libbpf-tools runqlat, a bpftrace one-liner counting sched_switch per CPU, perf sched record.
#   BPF run time: collectord's own programs under the same pipe load with BPF statistics on (as
#     bpf://programs turns them on), per run: robust to a noisy machine, unlike the times above.
set -u
. "$(dirname "$0")/lib-bench.sh"
BUILD=${1:?usage: bench-sched-cost.sh BUILD_DIR}
[ "$(id -u)" -eq 0 ] || skip "needs root (BPF tracers)"
command -v perf >/dev/null || skip "perf is not installed (apt-get install linux-perf)"
command -v jq >/dev/null || skip "jq is not installed (apt-get install jq)"
bench_tmp
machine
if short; then loops=100000 msg_loops=200 rounds=5; else loops=500000 msg_loops=1000 rounds=7; fi
others=$(pgrep -x collectord | wc -l)
[ "$others" -gt 0 ] && echo "# note: $others other collectord process(es) running; their cost is in every figure"

ctxt() { awk '/^ctxt/{print $2}' /proc/stat; }

# run_pipe [WRAPPER...]: prints "seconds switches cpu_seconds"
run_pipe() {
	local c0 c1 out
	c0=$(ctxt)
	out=$( { TIMEFORMAT='cpu %3U %3S'; time "$@" taskset -c 0 perf bench sched pipe -l "$loops"; } 2>&1) || return 1
	c1=$(ctxt)
	echo "$(awk '/Total time/{print $3}' <<<"$out") $((c1 - c0)) $(awk '/^cpu /{print $2 + $3}' <<<"$out")"
}
run_messaging() {
	perf bench sched messaging -g 10 -l "$msg_loops" 2>&1 | awk '/Total time/{print $3}'
}

tracer_pid=
start_tracer() { # start_tracer NAME
	tracer_pid=
	case $1 in
	none) ;;
	collectord)
		start_collector "$BUILD" || return 1
		tracer_pid=$COLLECTOR_PID ;;
	runqlat)
		command -v runqlat >/dev/null || return 2
		runqlat 3600 1 >/dev/null 2>&1 &
		tracer_pid=$!; sleep 2 ;;
	bpftrace)
		command -v bpftrace >/dev/null || return 2
		bpftrace -e 'tracepoint:sched:sched_switch { @[cpu] = count(); }' >"$TMP/bt.out" 2>&1 &
		tracer_pid=$!
		for _ in $(seq 100); do grep -qs Attaching "$TMP/bt.out" && break; sleep 0.1; done
		sleep 0.5 ;;
	esac
}
stop_tracer() {
	[ -n "$tracer_pid" ] && kill -INT "$tracer_pid" 2>/dev/null && wait "$tracer_pid" 2>/dev/null
	COLLECTOR_PID=
	tracer_pid=
}

tracers=(none collectord runqlat bpftrace perf-sched)
declare -A pipe_t pipe_n pipe_c msg_t
for ((r = 0; r < rounds; r++)); do
	n=${#tracers[@]}
	for ((k = 0; k < n; k++)); do
		t=${tracers[$(((k + r) % n))]} # rotate the order every round
		if [ "$t" = perf-sched ]; then
			# perf sched record wraps the workload; its data goes to tmpfs-backed TMP
			read -r secs sw cpu < <(run_pipe perf sched record -o "$TMP/sched.data" --) ||
				{ echo "perf bench failed under $t"; exit 1; }
			pipe_t[$t]+="$secs " pipe_n[$t]+="$sw " pipe_c[$t]+="$cpu "
			msg_t[$t]+="$(perf sched record -o "$TMP/sched.data" -- perf bench sched messaging -g 10 -l "$msg_loops" 2>&1 | awk '/Total time/{print $3}') "
			rm -f "$TMP/sched.data"*
			continue
		fi
		start_tracer "$t"; rc=$?
		[ $rc -eq 2 ] && continue
		[ $rc -ne 0 ] && { echo "could not start $t"; exit 1; }
		read -r secs sw cpu < <(run_pipe) || { echo "perf bench failed under $t"; exit 1; }
		pipe_t[$t]+="$secs " pipe_n[$t]+="$sw " pipe_c[$t]+="$cpu "
		msg_t[$t]+="$(run_messaging) "
		stop_tracer
	done
done

# bpf_run_time: collectord's sched_switch and sched_waking programs, ns per run, under one pipe run
bpf_run_time() {
	command -v bpftool >/dev/null || { echo "  not measured: bpftool is not installed"; return 0; }
	start_collector "$BUILD" || return 1
	local ctl=("$BUILD/collectord/collectorctl" --socket "$SOCK") ids
	# reading bpf://programs turns the statistics on (until a minute without a read)
	"${ctl[@]}" --json show bpf://programs limit=1 >/dev/null || { echo "  not measured: bpf://programs failed"; return 1; }
	ids=$("${ctl[@]}" --json status | jq -r '.bpf.programs[] | select(.name | test("^sched_(switch|waking)_")) | "\(.id) \(.name)"')
	snap() {
		while read -r id _; do
			bpftool prog show id "$id" -j | jq -r '"\(.id) \(.run_cnt // 0) \(.run_time_ns // 0)"'
		done <<<"$ids"
	}
	snap >"$TMP/stats.a"
	run_pipe >/dev/null || { echo "  perf bench failed"; return 1; }
	snap >"$TMP/stats.b"
	kill "$COLLECTOR_PID"; wait "$COLLECTOR_PID" 2>/dev/null; COLLECTOR_PID=
	# per context switch: both programs' time over sched_switch's runs (wake-ups per switch included)
	join <(sort "$TMP/stats.a") <(sort "$TMP/stats.b") | join - <(sort <<<"$ids") |
		awk '{ n = $4 - $2; t = $5 - $3; if (n <= 0) next
		       printf "  %-18s %7.1f ns/run  (%d runs)\n", $6, t / n, n; all += t; if ($6 ~ /switch/) sw = n }
		     END { if (sw > 0) printf "  %-18s %7.1f ns per context switch\n", "both", all / sw }'
}

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
minmax() { tr ' ' '\n' | grep -v '^$' | sort -g | awk 'NR==1{a=$1} {b=$1} END {printf "%s..%s", a, b}'; }
base_t=$(median <<<"${pipe_t[none]}")
base_m=$(median <<<"${msg_t[none]}")
echo
# per_round TIMES SWITCHES BASE: each round's ns per switch against the untraced median
per_round() {
	paste -d' ' <(tr ' ' '\n' <<<"$1" | grep -v '^$') <(tr ' ' '\n' <<<"$2" | grep -v '^$') |
		awk -v b="$3" '{ printf "%.0f ", ($1 - b) * 1e9 / $2 }'
}
base_c=$(median <<<"${pipe_c[none]}")
echo "cost per context switch: taskset -c 0 perf bench sched pipe -l $loops, median of $rounds interleaved rounds"
echo "  (ns per switch from perf bench's time, and from the workload's cpu time; spread: each round against the untraced median)"
printf '  %-12s %8s %8s %10s %9s %14s %9s %14s %10s\n' tracer "time (s)" "cpu (s)" switches "ns/switch" spread \
	"cpu ns/sw" spread "vs ours"
ours='' ours_c=''
for t in "${tracers[@]}"; do
	[ -n "${pipe_t[$t]:-}" ] || { printf '  %-12s %s\n' "$t" "not measured (not installed)"; continue; }
	tt=$(median <<<"${pipe_t[$t]}") sw=$(median <<<"${pipe_n[$t]}") tc=$(median <<<"${pipe_c[$t]}")
	if [ "$t" = none ]; then
		printf '  %-12s %8s %8s %10s %9s %14s %9s %14s\n' untraced "$tt" "$tc" "$sw" - - - -
		continue
	fi
	ns=$(echo "scale=1; ($tt - $base_t) * 1000000000 / $sw" | bc)
	nc=$(echo "scale=1; ($tc - $base_c) * 1000000000 / $sw" | bc)
	[ "$t" = collectord ] && ours=$ns ours_c=$nc
	ratio=-
	[ -n "$ours" ] && [ "$t" != collectord ] &&
		ratio=$(echo "scale=2; $ns / $ours" | bc 2>/dev/null)x,$(echo "scale=2; $nc / $ours_c" | bc 2>/dev/null)x
	printf '  %-12s %8s %8s %10s %9s %14s %9s %14s %10s\n' "$t" "$tt" "$tc" "$sw" "$ns" \
		"$(per_round "${pipe_t[$t]}" "${pipe_n[$t]}" "$base_t" | minmax)" "$nc" \
		"$(per_round "${pipe_c[$t]}" "${pipe_n[$t]}" "$base_c" | minmax)" "$ratio"
done
echo "  goal: collectord at most 150 ns per context switch, below every peer"
echo
echo "BPF run time of collectord's programs, statistics on (their own clock reads included), same load"
bpf_run_time || exit 1
echo
echo "mixed load: perf bench sched messaging -g 10 -l $msg_loops, median of $rounds rounds"
printf '  %-12s %10s %10s %16s\n' tracer "time (s)" overhead "spread (s)"
for t in "${tracers[@]}"; do
	[ -n "${msg_t[$t]:-}" ] || continue
	tm=$(median <<<"${msg_t[$t]}")
	ov=$(echo "scale=1; ($tm - $base_m) * 100 / $base_m" | bc)
	printf '  %-12s %10s %9s%% %16s\n' "$([ "$t" = none ] && echo untraced || echo "$t")" "$tm" "$ov" "$(minmax <<<"${msg_t[$t]}")"
done

# lib-bench.sh: shared by the benchmark scripts: mode, a collector to measure, cleanup.
# shellcheck shell=bash

BENCH_MODE=${BENCH_MODE:-full}
short() { [ "$BENCH_MODE" = short ]; }
skip() { echo "SKIP: $*"; exit 77; }

bench_tmp() {
	TMP=$(mktemp -d /tmp/schedmcp-bench.XXXXXX)
	trap 'bench_cleanup' EXIT
}
bench_cleanup() {
	[ -n "${COLLECTOR_PID:-}" ] && kill "$COLLECTOR_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$TMP"
}

# start_collector BUILD [args...]: a collectord of our own on $TMP/c.sock
start_collector() {
	local build=$1; shift
	SOCK=$TMP/c.sock
	local extra=()
	[ "$(id -u)" -eq 0 ] || extra=(--no-bpf --socket-group "$(id -gn)")
	"$build/collectord/collectord" --foreground --socket "$SOCK" --config /dev/null "${extra[@]}" "$@" \
		2>"$TMP/collectord.log" &
	COLLECTOR_PID=$!
	for _ in $(seq 200); do
		"$build/collectord/collectorctl" --socket "$SOCK" ping >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "collectord did not start:"; cat "$TMP/collectord.log"; return 1
}

machine() {
	echo "# machine: $(nproc) CPUs ($(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo)), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r), $(date -u +%Y-%m-%d)"
}

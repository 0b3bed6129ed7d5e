#!/bin/sh
# run-all.sh: runs every fuzz target for SECONDS, JOBS at a time, and prints a table of the figures.
# Usage: tests/fuzz/run-all.sh BUILD_DIR SECONDS [JOBS [TARGET...]]
#   BUILD_DIR  a -Dfuzz=true build (CC=clang meson setup BUILD_DIR -Dfuzz=true)
#   SECONDS    per target (600 for the long run before a release)
#   JOBS       targets run at once (default 2: one per core of a small machine)
# Each target runs on a scratch copy of its seeds with its dictionary; its log, final corpus and
# any crash input stay in $FUZZ_OUT (default: a new directory under /tmp), named after it. The table
# (markdown) gives executions, the final cov: and ft: of libFuzzer's last status line, the corpus
# (inputs/bytes) and the crash inputs left; it is also written to $FUZZ_OUT/figures.md.
set -eu

if [ $# -lt 2 ]; then
	echo "usage: $0 BUILD_DIR SECONDS [JOBS [TARGET...]]" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
seconds=$2
jobs=${3:-2}
[ $# -gt 3 ] && shift 3 || set --
src=$(cd "$(dirname "$0")" && pwd)
out=${FUZZ_OUT:-$(mktemp -d /tmp/fuzz-run.XXXXXX)}
mkdir -p "$out"

targets="$*"
if [ -z "$targets" ]; then
	for exe in "$build"/tests/fuzz/fuzz-*; do
		[ -x "$exe" ] && [ -f "$exe" ] && targets="$targets ${exe##*/fuzz-}"
	done
fi

dict_of() {
	case $1 in
	procstat | meminfo | psi | netdev) echo "$src/proc.dict" ;;
	json-text) echo "$src/jsonrpc.dict" ;;
	*) [ -f "$src/$1.dict" ] && echo "$src/$1.dict" || true ;;
	esac
}

run_one() {
	name=$1
	corpus="$out/$name-corpus"
	rm -rf "$corpus" && mkdir -p "$corpus" "$out/$name-crashes"
	cp -R "$src/corpus/$name/." "$corpus/"
	dict=$(dict_of "$name")
	start=$(date +%s)
	"$build/tests/fuzz/fuzz-$name" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$out/$name-crashes/" ${dict:+-dict="$dict"} \
		"$corpus" >"$out/$name.log" 2>&1 || true
	echo $(($(date +%s) - start)) >"$out/$name.secs"
}

# A simple pool: start JOBS, wait for the oldest, start the next.
pids=""
for name in $targets; do
	run_one "$name" &
	pids="$pids $!"
	set -- $pids
	if [ $# -ge "$jobs" ]; then
		wait "$1"
		shift
		pids="$*"
	fi
done
wait

{
	echo "| target | seconds | executions | exec/s | cov | ft | corpus (inputs/bytes) | crashes |"
	echo "|---|---:|---:|---:|---:|---:|---:|---:|"
	for name in $targets; do
		log="$out/$name.log"
		last=$(grep -a -E '^#[0-9]+' "$log" | grep -a ' cov: ' | tail -n 1)
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
		cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
		ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
		corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p')
		crashes=$(find "$out/$name-crashes" -type f | wc -l)
		echo "| $name | $(cat "$out/$name.secs") | ${execs:-?} | ${rate:-?} | ${cov:-?} | ${ft:-?} | ${corp:-?} | $crashes |"
	done
} | tee "$out/figures.md"
echo "logs, corpora and crash inputs: $out" >&2

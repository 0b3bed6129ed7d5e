#!/bin/sh
# run-fuzzer.sh: runs a libFuzzer target for SECONDS on a scratch copy of its seed corpus.
# Usage: run-fuzzer.sh EXE SEEDDIR SECONDS [libFuzzer options...]
# libFuzzer adds the inputs it finds to its first corpus directory: that is the scratch
# copy next to EXE in the build directory, never the seeds in the source tree. Crash
# inputs are kept next to EXE as fuzz-NAME-crash-*.
set -eu

if [ $# -lt 3 ]; then
	echo "usage: $0 EXE SEEDDIR SECONDS [libFuzzer options...]" >&2
	exit 2
fi
exe=$1
seeds=$2
seconds=$3
shift 3

dir=$(dirname "$exe")
name=$(basename "$exe")
work=$(mktemp -d "$dir/$name-corpus.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cp -R "$seeds"/. "$work"/

status=0
"$exe" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
	-artifact_prefix="$dir/$name-" "$@" "$work" || status=$?
exit $status

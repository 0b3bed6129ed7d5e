#!/usr/bin/env bash
# bench-mcp-latency.sh: MCP round trips (ping, resources/read stats://aggregated/cpu) through schedmcp and
# collectord, 1 and 8 clients, against a bare JSON-RPC echo over the same stdio pipe.
set -u
. "$(dirname "$0")/lib-bench.sh"
BUILD=${1:?usage: bench-mcp-latency.sh BUILD_DIR}
bench_tmp
start_collector "$BUILD" || exit 1
machine
uri=${BENCH_READ_URI:-stats://aggregated/cpu}
ctl() { "$BUILD/collectord/collectorctl" --socket "$SOCK" --json "$@"; }
# The figures are measured by BPF: without it (not root) the resource only says why.
if [ "$uri" = stats://aggregated/cpu ]; then
	why=$(ctl show "$uri" | jq -r 'select(.available == false) | .reason')
	[ -n "$why" ] && skip "$uri is not served here: $why"
	# Answers are kept once the ring holds two reads of the BPF maps (one interval):
	# measure those, not the start.
	for _ in $(seq 50); do
		[ "$(ctl show "$uri" | jq -r '.reads // 0')" -ge 2 ] && break
		sleep 0.1
	done
fi
ctl show "$uri" >/dev/null || { echo "cannot read $uri"; exit 1; }
if short; then n=300 rounds=5; else n=3000 rounds=7; fi
BENCH_READ_URI=$uri "$BUILD/tests/bench/mcp-latency" -s "$BUILD/mcp-frontend/schedmcp" \
	-e "$BUILD/tests/bench/jsonrpc-echo" -S "$SOCK" -n "$n" -r "$rounds"

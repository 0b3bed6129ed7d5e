#!/usr/bin/env bash
# bench-mcp-latency.sh: MCP round trips (ping, resources/read) through schedmcp and collectord,
# 1 and 8 clients, against a bare JSON-RPC echo over the same stdio pipe.
set -u
. "$(dirname "$0")/lib-bench.sh"
BUILD=${1:?usage: bench-mcp-latency.sh BUILD_DIR}
bench_tmp
start_collector "$BUILD" || exit 1
machine
# A resource the collector serves from memory; stats://aggregated/cpu once it exists.
uri=stats://aggregated/cpu
"$BUILD/collectord/collectorctl" --socket "$SOCK" show "$uri" >/dev/null 2>&1 || uri=stats://system/cpu
if short; then n=300 rounds=5; else n=3000 rounds=7; fi
BENCH_READ_URI=$uri "$BUILD/tests/bench/mcp-latency" -s "$BUILD/mcp-frontend/schedmcp" \
	-e "$BUILD/tests/bench/jsonrpc-echo" -S "$SOCK" -n "$n" -r "$rounds"

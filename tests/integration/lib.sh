# lib.sh: shared helpers of the integration scripts: checks, a collector under test, MCP sessions.
# shellcheck shell=bash

failures=0
checks=0

# SCHEDMCP_TIME_FACTOR: multiplies the waits below (and the MCP read timeout) for slow runs;
# 10 by default under valgrind, which makes the programs 20-50 times slower.
if [ -n "${SCHEDMCP_VALGRIND:-}" ]; then
	TIME_FACTOR=${SCHEDMCP_TIME_FACTOR:-10}
else
	TIME_FACTOR=${SCHEDMCP_TIME_FACTOR:-1}
fi

# SCHEDMCP_VALGRIND=LOG_DIR: every collectord, collectorctl and schedmcp the test starts runs
# under valgrind memcheck with one log per process, LOG_DIR/TEST.PROGRAM.PID.log
# (tests/valgrind/run-integration.sh runs the suite so and reads the logs). The scripts take
# the build directory as $1 and name the programs from it after sourcing this file, so $1 is
# swapped for a tree of links to it in which those three programs are valgrind wrappers.
valgrind_tree() { # valgrind_tree BUILD_DIR LOG_DIR TEST: prints the tree's path
	local build=$1 logs=$2 test=$3 tree prog sub e extra
	local supp
	supp=$(cd "$(dirname "${BASH_SOURCE[0]}")/../valgrind" && pwd)/schedmcp.supp
	tree=$(mktemp -d "$logs/tree-$test.XXXXXX") || return 1
	chmod 0755 "$tree"
	for e in "$build"/*; do ln -s "$e" "$tree/"; done
	for prog in collectord/collectord collectord/collectorctl mcp-frontend/schedmcp; do
		sub=${prog%/*}
		if [ -L "$tree/$sub" ]; then
			rm "$tree/$sub" && mkdir -m 0755 "$tree/$sub" || return 1
			for e in "$build/$sub"/*; do ln -s "$e" "$tree/$sub/"; done
		fi
		rm -f "$tree/$prog"
		extra=
		# collectorctl's default 5 s timeout, scaled (a --timeout of the test's own comes later and wins)
		[ "$prog" = collectord/collectorctl ] && extra="--timeout $((5000 * TIME_FACTOR > 600000 ? 600000 : 5000 * TIME_FACTOR))"
		# --error-exitcode: a memcheck error fails the test that met it, too
		cat >"$tree/$prog" <<-EOF
			#!/bin/sh
			exec valgrind --tool=memcheck -s --leak-check=full --show-leak-kinds=definite,indirect \\
			    --errors-for-leak-kinds=definite,indirect --error-exitcode=86 --track-origins=yes \\
			    --num-callers=40 --child-silent-after-fork=yes --fullpath-after= \\
			    --suppressions="$supp" --log-file="$logs/$test.${prog#*/}.%p.log" \\
			    "$build/$prog" $extra "\$@"
		EOF
		chmod 0755 "$tree/$prog" || return 1
	done
	printf '%s' "$tree"
}
if [ -n "${SCHEDMCP_VALGRIND:-}" ] && [ -d "${1:-}" ]; then
	command -v valgrind >/dev/null || { echo "SCHEDMCP_VALGRIND is set but valgrind is not installed"; exit 1; }
	mkdir -p "$SCHEDMCP_VALGRIND" && chmod 1777 "$SCHEDMCP_VALGRIND" || exit 1 # nobody writes logs too
	vg_tree=$(valgrind_tree "$(cd "$1" && pwd)" "$(cd "$SCHEDMCP_VALGRIND" && pwd)" "$(basename "$0" .sh)") ||
		{ echo "cannot build the valgrind tree in $SCHEDMCP_VALGRIND"; exit 1; }
	set -- "$vg_tree" "${@:2}"
fi
check() { # check DESCRIPTION COMMAND...: runs COMMAND, counts a failure with what it printed
	local what=$1; shift
	checks=$((checks + 1))
	local out
	if out=$("$@" 2>&1); then
		echo "ok   - $what"
	else
		echo "FAIL - $what"
		printf '       %s\n' "$out" | head -20
		failures=$((failures + 1))
	fi
}
expect_eq() { # expect_eq DESCRIPTION EXPECTED GOT
	checks=$((checks + 1))
	if [ "$2" = "$3" ]; then echo "ok   - $1"; else
		echo "FAIL - $1: expected '$2', got '$3'"; failures=$((failures + 1)); fi
}
expect_match() { # expect_match DESCRIPTION REGEX TEXT
	checks=$((checks + 1))
	if printf '%s' "$3" | grep -Eq -- "$2"; then echo "ok   - $1"; else
		echo "FAIL - $1: /$2/ not in:"; printf '       %s\n' "$3" | head -10; failures=$((failures + 1)); fi
}
finish() {
	echo "$((checks - failures)) passed, $failures failed"
	[ "$failures" -eq 0 ]
}
skip() { echo "SKIP: $*"; exit 77; }

require_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (loads BPF programs and changes users); run 'sudo meson test --suite integration'"
}

wait_for_socket() { # wait_for_socket PATH [SECONDS]
	local i
	for ((i = 0; i < ${2:-10} * TIME_FACTOR * 20; i++)); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

wait_ready() { # wait_ready SOCKET [SECONDS]: until collectord answers (start-up can take seconds)
	local i
	for ((i = 0; i < ${2:-30} * 5; i++)); do
		"$COLLECTORCTL" --socket "$1" --timeout $((1000 * TIME_FACTOR)) ping >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

wait_gone() { # wait_gone PID [SECONDS]
	local i
	for ((i = 0; i < ${2:-10} * TIME_FACTOR * 20; i++)); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	return 1
}

# scratch NAME: a private TMP with SOCK and LOG paths in it; at exit the coprocess
# schedmcp and every pid in pids are stopped and TMP goes, unless a check failed.
scratch() {
	TMP=$(mktemp -d "/tmp/schedmcp-$1.XXXXXX")
	chmod 0755 "$TMP"
	SOCK=$TMP/collectord.sock
	LOG=$TMP/collectord.log
	pids=()
	trap scratch_cleanup EXIT
}
scratch_cleanup() {
	[ -n "${MCP_PID:-}" ] && kill "$MCP_PID" 2>/dev/null
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	[ "$failures" -eq 0 ] && rm -rf "$TMP" || echo "kept $TMP for inspection"
}

ensure_group() { # the socket group the product expects
	getent group collectord >/dev/null || groupadd --system collectord
}

# Socket activation as systemd does it: the listener exists before the daemon.
# systemd-socket-activate execs collectord on the first connection.
start_activated() { # start_activated SOCKET LOG [collectord args...]
	local sock=$1 log=$2; shift 2
	rm -f "$sock"
	systemd-socket-activate --seqpacket -l "$sock" -- "$COLLECTORD" "$@" >>"$log" 2>&1 &
	ACTIVATOR_PID=$!
	wait_for_socket "$sock" || return 1
	# systemd would set SocketGroup=collectord and SocketMode=0660
	chgrp collectord "$sock" && chmod 0660 "$sock"
}

mcp_start() { # mcp_start [runner prefix...]: schedmcp as a coprocess MCP
	coproc MCP { exec "$@" "$SCHEDMCP" --socket "$SOCK" 2>>"$TMP/schedmcp.log"; }
	MCP_IN=${MCP[1]}
	MCP_OUT=${MCP[0]}
}
mcp_send() { printf '%s\n' "$1" >&"$MCP_IN"; }
mcp_recv() { # mcp_recv: one line, 10 s at most (times TIME_FACTOR)
	local line
	IFS= read -r -t $((10 * TIME_FACTOR)) line <&"$MCP_OUT" || return 1
	printf '%s' "$line"
}
mcp_call() { mcp_send "$1" && mcp_recv; }
mcp_init() {
	mcp_call '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"integration","version":"1"}}}' &&
		mcp_send '{"jsonrpc":"2.0","method":"notifications/initialized"}'
}
mcp_stop() {
	local pid=${MCP_PID:-} # bash unsets MCP_PID once the coprocess is gone
	exec {MCP_IN}>&- 2>/dev/null || true
	# What schedmcp still writes is drained, or it could block on a full pipe and never see EOF.
	cat <&"$MCP_OUT" >/dev/null 2>&1 || true
	[ -z "$pid" ] || wait "$pid" 2>/dev/null || true
}

# lib.sh: shared helpers of the integration scripts: checks, a collector under test, MCP sessions.
# shellcheck shell=bash

failures=0
checks=0
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
	for ((i = 0; i < ${2:-10} * 20; i++)); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	return 1
}

wait_ready() { # wait_ready SOCKET [SECONDS]: until collectord answers (start-up can take seconds)
	local i
	for ((i = 0; i < ${2:-30} * 5; i++)); do
		"$COLLECTORCTL" --socket "$1" --timeout 1000 ping >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}

wait_gone() { # wait_gone PID [SECONDS]
	local i
	for ((i = 0; i < ${2:-10} * 20; i++)); do
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
mcp_recv() { # mcp_recv: one line, 10 s at most
	local line
	IFS= read -r -t 10 line <&"$MCP_OUT" || return 1
	printf '%s' "$line"
}
mcp_call() { mcp_send "$1" && mcp_recv; }
mcp_init() {
	mcp_call '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"integration","version":"1"}}}' &&
		mcp_send '{"jsonrpc":"2.0","method":"notifications/initialized"}'
}
mcp_stop() {
	exec {MCP_IN}>&- 2>/dev/null || true
	wait "$MCP_PID" 2>/dev/null || true
}

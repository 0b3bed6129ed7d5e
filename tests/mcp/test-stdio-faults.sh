#!/usr/bin/env bash
# test-stdio-faults.sh: schedmcp against a hostile or vanishing client: a 100 MB message, stdout
# closed (EPIPE), stdin closed in the middle of a request. No crash, no hang, bounded memory,
# exit where the specification says to exit.
set -u
SCHEDMCP=${1:?usage: test-stdio-faults.sh SCHEDMCP}
TMP=$(mktemp -d /tmp/schedmcp-stdio.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
failures=0 checks=0
ok() { checks=$((checks + 1)); echo "ok   - $1"; }
bad() { checks=$((checks + 1)); failures=$((failures + 1)); echo "FAIL - $1"; }
INIT='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}'
PING='{"jsonrpc":"2.0","id":2,"method":"ping"}'

echo "# a 100 MB message"
mkfifo "$TMP/in"
"$SCHEDMCP" --socket "$TMP/none.sock" <"$TMP/in" >"$TMP/out" 2>"$TMP/err" &
pid=$!
exec 3>"$TMP/in"
echo "$INIT" >&3
peak=0
( head -c $((100 * 1024 * 1024)) /dev/zero | tr '\0' 'a'; echo ) >&3 &
feeder=$!
while kill -0 $feeder 2>/dev/null; do
	v=$(awk '/^VmRSS/{print $2}' /proc/$pid/status 2>/dev/null); [ -n "$v" ] && [ "$v" -gt "$peak" ] && peak=$v
	sleep 0.05
done
echo "$PING" >&3
exec 3>&-
for _ in $(seq 100); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then bad "schedmcp exits after stdin closes"; kill $pid; else ok "schedmcp exits after stdin closes"; fi
wait $pid; rc=$?
[ $rc -eq 0 ] && ok "with status 0" || bad "with status 0 (got $rc)"
grep -q '"code":-32600,"message":"Invalid Request: message longer than' "$TMP/out" && ok "the 100 MB message is refused with -32600" || bad "the 100 MB message is refused with -32600"
grep -q '"id":2,"result":{}' "$TMP/out" && ok "the ping after it is answered" || bad "the ping after it is answered"
# ASan's shadow and quarantine make a sanitizer build's RSS meaningless: bound plain builds.
bound=65536
ldd "$SCHEDMCP" | grep -q libasan && bound=1048576
[ "$peak" -lt $bound ] && ok "memory stayed bounded while it streamed in (peak RSS $peak KiB)" || bad "memory stayed bounded (peak RSS $peak KiB)"

echo "# stdout closed by the client"
rm -f "$TMP/in"; mkfifo "$TMP/in"
( exec 1>&-; exec "$SCHEDMCP" --socket "$TMP/none.sock" <"$TMP/in" 2>"$TMP/err2" ) &
pid=$!
exec 3>"$TMP/in"
echo "$INIT" >&3
echo "$PING" >&3
for _ in $(seq 50); do kill -0 $pid 2>/dev/null || break; sleep 0.1; done
if kill -0 $pid 2>/dev/null; then bad "schedmcp exits when it cannot write its answers (EPIPE)"; kill $pid; else ok "schedmcp exits when it cannot write its answers (EPIPE)"; fi
exec 3>&-
wait $pid; rc=$?
[ $rc -lt 128 ] && ok "by exiting, not by a signal (status $rc)" || bad "by a signal (status $rc)"

echo "# stdin closed in the middle of a request line"
out=$( (echo "$INIT"; printf '{"jsonrpc":"2.0","id":3,"method":"pi') | timeout 10 "$SCHEDMCP" --socket "$TMP/none.sock" 2>/dev/null)
rc=$?
[ $rc -eq 0 ] && ok "schedmcp exits 0 when stdin ends mid-message" || bad "schedmcp exits 0 when stdin ends mid-message (status $rc)"
grep -q '"id":1' <<<"$out" && ok "after answering what it had read" || bad "after answering what it had read"

echo "$((checks - failures)) passed, $failures failed"
[ $failures -eq 0 ]

#!/usr/bin/env bash
# test-wire-abuse.sh: malformed wire messages and forbidden requests against a real collectord.
set -u
here=$(dirname "$0")
. "$here/lib.sh"
require_root
BUILD=${1:?usage: test-wire-abuse.sh BUILD_DIR}
TMP=$(mktemp -d /tmp/schedmcp-abuse.XXXXXX)
chmod 0755 "$TMP"
SOCK=$TMP/c.sock
cleanup() { kill "$cpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
ensure_group
"$BUILD/collectord/collectord" --foreground --no-bpf --socket "$SOCK" 2>"$TMP/collectord.log" &
cpid=$!
wait_for_socket "$SOCK" || exit 1
sleep 0.2
rc=0
"$BUILD/tests/integration/wire-abuse" "$SOCK" || rc=1
echo "# as a read-level peer (nobody in group collectord)"
setpriv --reuid=nobody --regid=nogroup --groups=collectord "$BUILD/tests/integration/wire-abuse" "$SOCK" --read-level || rc=1
kill -0 "$cpid" && echo "ok   - collectord survived everything" || { echo "FAIL - collectord died"; rc=1; }
exit $rc

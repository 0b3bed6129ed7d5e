#!/usr/bin/env bash
# run-integration.sh: the integration suite with every collectord, collectorctl and schedmcp under
# valgrind memcheck, then a table per program of processes, errors and bytes lost; fails when an
# error or a leak comes from the project's own code (collectord/, common/, mcp-frontend/).
# Usage (root): tests/valgrind/run-integration.sh BUILD_DIR [meson test arguments, e.g. test names]
#   BUILD_DIR: a build without sanitizers, e.g. meson setup build-valgrind -Dbuildtype=debug
#   LOG_DIR=DIR: where the logs go (default: a new /tmp/schedmcp-valgrind.XXXXXX)
#   TIMEOUT_MULTIPLIER=N: meson's test timeouts times N (default 10)
#   SCHEDMCP_TIME_FACTOR=N: the tests' own waits times N (default 10, see tests/integration/lib.sh)
# Takes about half an hour on 2 cores: memcheck makes the programs 20-50 times slower.
set -uo pipefail
build=$(cd "${1:?usage: run-integration.sh BUILD_DIR [meson test arguments]}" && pwd) || exit 2
shift
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)

[ "$(id -u)" -eq 0 ] || { echo "run-integration.sh: needs root, as the integration suite does" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "run-integration.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 2; }
if ldd "$build/collectord/collectord" | grep -q libasan; then
	echo "run-integration.sh: $build is built with ASan, which valgrind cannot run; use a plain build" >&2
	exit 2
fi
logs=${LOG_DIR:-$(mktemp -d /tmp/schedmcp-valgrind.XXXXXX)}
mkdir -p "$logs" || exit 2
echo "run-integration.sh: memcheck logs in $logs"

meson compile -C "$build" >/dev/null || exit 2
SCHEDMCP_VALGRIND=$logs meson test -C "$build" --suite integration --num-processes 1 \
	--timeout-multiplier "${TIMEOUT_MULTIPLIER:-10}" --print-errorlogs "$@"
tests_rc=$?
echo
python3 "$here/summarize.py" "$logs" "$src" "$build/meson-logs/testlog.json"
memcheck_rc=$?
# Checks that time the programs (latencies, watchdog pings, windows) can fail 20-50 times slower;
# they are listed, but the verdict is memcheck's.
[ $tests_rc -eq 0 ] || echo "run-integration.sh: some checks failed under valgrind, listed above" \
	"($build/meson-logs/testlog.txt); not counted in the verdict, which is memcheck's"
exit $memcheck_rc

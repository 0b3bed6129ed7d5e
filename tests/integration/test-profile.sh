#!/usr/bin/env bash
# test-profile.sh: perf profiling end to end: the hot function of each hotspot build is the top
# symbol, dwarf unwinding completes the chain of the build without frame pointers, a system call
# shows its kernel path, a JIT's perf map resolves, hw:cycles falls back, nothing is left held
# after auto-stop, stop or a client's exit, results agree with perf record + perf report, and
# the flame graph renders.
set -u
here=$(dirname "$0")
. "$here/lib.sh"
require_root
BUILD=${1:?usage: test-profile.sh BUILD_DIR}
COLLECTORD=$BUILD/collectord/collectord
COLLECTORCTL=$BUILD/collectord/collectorctl
SCHEDMCP=$BUILD/mcp-frontend/schedmcp
FIX=$BUILD/tests/fixtures
for t in jq setpriv python3; do
	command -v "$t" >/dev/null || skip "$t is not installed (scripts/install-deps --test)"
done
ensure_group

scratch profile
"$COLLECTORD" --foreground --socket "$SOCK" --log-level debug 2>"$LOG" &
cpid=$!
pids+=("$cpid")
wait_ready "$SOCK" || { echo "collectord did not start"; cat "$LOG"; exit 1; }
ctl() { "$COLLECTORCTL" --socket "$SOCK" --timeout 60000 "$@"; }
hot() { # hot VARIANT SECONDS [MODE]: starts a fixture, its pid in HOT
	"$FIX/hotspot-$1" "$2" "${3:-spin}" &
	HOT=$!
	pids+=("$HOT")
	sleep 0.3
}
perf_fds() { find /proc/"$cpid"/fd -lname 'anon_inode:\[perf_event\]' 2>/dev/null | wc -l; }
# The profiler's BPF objects among collectord's own fds: perf links, perf_event and
# tracepoint programs, stack-trace maps (other tests may profile at the same time).
profiling_bpf() {
	local fd n=0
	for fd in /proc/"$cpid"/fdinfo/*; do
		grep -qE '^(link_type:\s+perf|prog_type:\s+(5|7)|map_type:\s+7)$' "$fd" 2>/dev/null && n=$((n + 1))
	done
	echo "$n"
}
top_of() { jq -r '.results.symbols[0] | "\(.symbol) \(.self_pct)"' <<<"$1"; }

echo "# the hot function is the top symbol of every build, by pid"
for v in fp nofp stripped shlib; do
	hot "$v" 20
	out=$(ctl --json profile --pid "$HOT" --duration 2 --freq 499)
	read -r sym pct <<<"$(top_of "$out")"
	want=hotspot_hot
	[ "$v" = shlib ] && want=hotspot_lib_hot
	expect_eq "hotspot-$v: top symbol" "$want" "$sym"
	check "hotspot-$v: $sym has more than 80% of the samples ($pct%)" awk -v p="$pct" 'BEGIN { exit !(p > 80) }'
	[ "$v" = shlib ] && expect_eq "hotspot-shlib: the hot function's module is the library" \
		libhotspot-lib.so "$(jq -r '.results.symbols[0].module' <<<"$out")"
	[ "$v" = stripped ] && expect_match "hotspot-stripped: resolved through its debuglink" \
		'hotspot_caller_b' "$(jq -r '.results.symbols[].symbol' <<<"$out")"
	kill "$HOT"; wait "$HOT" 2>/dev/null
done

echo "# call_graph dwarf completes the chain of the build without frame pointers"
chain='main;hotspot_run;hotspot_caller_a;hotspot_caller_b;hotspot_hot'
hot nofp 20
ctl profile --pid "$HOT" --duration 2 --freq 499 --call-graph dwarf --folded "$TMP/dwarf.folded" >/dev/null
top=$(sort -t' ' -k2 -nr "$TMP/dwarf.folded" | head -1)
expect_match "dwarf: the heaviest stack is the whole chain" "$chain [0-9]+\$" "$top"
total=$(awk '{s += $NF} END {print s}' "$TMP/dwarf.folded")
complete=$(grep -F "$chain" "$TMP/dwarf.folded" | awk '{s += $NF} END {print s + 0}')
check "dwarf: $complete of $total samples have the complete chain (> 90%)" test $((complete * 10)) -gt $((total * 9))
ctl profile --pid "$HOT" --duration 1 --freq 499 --folded "$TMP/fp-nofp.folded" >/dev/null
check "fp on the same build does not find the chain (what dwarf is for)" \
	bash -c "! grep -qF '$chain' '$TMP/fp-nofp.folded'"
kill "$HOT"; wait "$HOT" 2>/dev/null

echo "# a process spinning in a system call shows its kernel path"
hot fp 20 syscall
ctl profile --pid "$HOT" --duration 2 --freq 499 --folded "$TMP/syscall.folded" >/dev/null
expect_match "read(2) of /dev/zero: the kernel's read path in the stacks" \
	'(ksys_read|vfs_read|read_zero|__x64_sys_read)_\[k\]' "$(cat "$TMP/syscall.folded")"
kill "$HOT"; wait "$HOT" 2>/dev/null

echo "# a JIT's perf-PID.map resolves"
hot fp 20 jit
out=$(ctl --json profile --pid "$HOT" --duration 2 --freq 499)
expect_eq "the JIT-compiled function is the top symbol" jit_spin_loop "$(jq -r '.results.symbols[0].symbol' <<<"$out")"
expect_eq "from the process's perf map" "perf-$HOT.map" "$(jq -r '.results.symbols[0].module' <<<"$out")"
kill "$HOT"; wait "$HOT" 2>/dev/null

echo "# hw:cycles without a hardware PMU falls back to cpu-clock and says so"
if [ "$(ctl --json status | jq -r .features.hw_pmu.available)" = false ]; then
	hot fp 20
	out=$(ctl --json profile --pid "$HOT" --duration 1 --event hw:cycles)
	expect_eq "hw:cycles is sampled as sw:cpu-clock" sw:cpu-clock "$(jq -r .status.event <<<"$out")"
	expect_eq "the request is kept" hw:cycles "$(jq -r .status.event_requested <<<"$out")"
	expect_match "the answer says why" 'hardware PMU.*sw:cpu-clock instead' "$(jq -r .status.fallback <<<"$out")"
	expect_eq "and the profile is still right" hotspot_hot "$(jq -r '.results.symbols[0].symbol' <<<"$out")"
	kill "$HOT"; wait "$HOT" 2>/dev/null
else
	echo "ok   - (this machine has a hardware PMU: no fallback to check)"
fi

echo "# freq above the kernel's limit is clamped with a note"
max=$(cat /proc/sys/kernel/perf_event_max_sample_rate)
out=$(ctl --json profile --duration 0.3 --freq $((max + 1)) --max-samples 100)
expect_eq "freq is the kernel's maximum" "$max" "$(jq -r .status.freq <<<"$out")"
expect_match "and says so" 'perf_event_max_sample_rate' "$(jq -r .status.freq_note <<<"$out")"

echo "# nothing is held after auto-stop, stop, or the client's exit"
check "no perf event before" test "$(perf_fds)" -eq 0
mcp_start
mcp_init >/dev/null
mcp_call '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"start_perf_profiling","arguments":{"mode":"kernel_aggregate"}}}' >"$TMP/start.json"
expect_eq "system-wide kernel_aggregate runs" running "$(jq -r .result.structuredContent.state "$TMP/start.json")"
check "it holds one perf event per online CPU ($(perf_fds))" test "$(perf_fds)" -eq "$(getconf _NPROCESSORS_ONLN)"
check "and its BPF program, links and stack map ($(profiling_bpf) fds)" test "$(profiling_bpf)" -ge 3
sleep 1
mcp_call '{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"stop_perf_profiling","arguments":{}}}' >"$TMP/stop.json"
expect_eq "stop answers the final state" stopped "$(jq -r .result.structuredContent.state "$TMP/stop.json")"
check "after stop: no perf fd in collectord" test "$(perf_fds)" -eq 0
check "after stop: no profiling BPF link, program or map" test "$(profiling_bpf)" -eq 0
mcp_call '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_perf_results","arguments":{"limit":5}}}' >"$TMP/results.json"
check "results after stop: symbols" jq -e '.result.structuredContent.symbols | length > 0' "$TMP/results.json"
mcp_call '{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"start_perf_profiling","arguments":{"duration_secs":1,"mode":"kernel_aggregate"}}}' >/dev/null
sleep 1.6
mcp_call '{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"profiling://perf/status"}}' >"$TMP/status.json"
expect_eq "auto-stop after duration_secs" "duration_secs reached" \
	"$(jq -r '.result.contents[0].text | fromjson | .stop_reason' "$TMP/status.json")"
check "after auto-stop: no perf fd" test "$(perf_fds)" -eq 0
check "after auto-stop: no profiling BPF link, program or map" test "$(profiling_bpf)" -eq 0
mcp_call '{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"start_perf_profiling","arguments":{"max_samples":50,"freq":999}}}' >/dev/null
sleep 1
mcp_call '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"stop_perf_profiling","arguments":{}}}' >"$TMP/stop2.json"
expect_eq "auto-stop at max_samples" "max_samples reached" "$(jq -r .result.structuredContent.stop_reason "$TMP/stop2.json")"
expect_eq "with exactly max_samples counted" 50 "$(jq -r .result.structuredContent.samples "$TMP/stop2.json")"
mcp_call '{"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"start_perf_profiling","arguments":{}}}' >/dev/null
mcp_call '{"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"start_perf_profiling","arguments":{}}}' >"$TMP/busy.json"
expect_match "one session per client: a second start says to stop first" 'stop it with stop_perf_profiling' \
	"$(jq -r '.result.content[0].text' "$TMP/busy.json")"
mcp_stop
sleep 0.5
check "the client went away: no perf fd" test "$(perf_fds)" -eq 0
check "the client went away: no profiling BPF link, program or map" test "$(profiling_bpf)" -eq 0

echo "# a process that exits during the profile is still resolved"
hot fp 2
out=$(ctl --json profile --pid "$HOT" --duration 5 --freq 499)
expect_eq "the profile stops when its process exits" "the target process exited" "$(jq -r .status.stop_reason <<<"$out")"
expect_eq "and its stacks still resolve" hotspot_hot "$(jq -r '.results.symbols[0].symbol' <<<"$out")"

echo "# a read-level peer never receives a raw kernel address"
install -d -m 0777 "$TMP/nobody"
out=$(setpriv --reuid=nobody --regid=nogroup --groups=collectord "$COLLECTORCTL" --socket "$SOCK" --timeout 60000 \
	--json profile --duration 1 --freq 199 --limit 1000 --folded "$TMP/nobody/read-level.folded" 2>&1)
check "the read-level profile ran" test -s "$TMP/nobody/read-level.folded"
check "no kernel address in its folded stacks" bash -c "! grep -Eq '0xffff[0-9a-f]{12}' '$TMP/nobody/read-level.folded'"
printf '%s' "$out" >"$TMP/read-level.json"
check "nor in its top symbols" bash -c "! grep -Eq '0xffff[0-9a-f]{12}' '$TMP/read-level.json'"

echo "# the flame graph renders"
hot fp 20
ctl profile --pid "$HOT" --duration 1 --freq 499 --svg "$TMP/flame.svg" >/dev/null
kill "$HOT"; wait "$HOT" 2>/dev/null
check "the SVG is well-formed XML" python3 -c "import xml.etree.ElementTree as E, sys; E.parse(sys.argv[1])" "$TMP/flame.svg"
expect_match "and names the hot function" '<title>hotspot_hot \(' "$(cat "$TMP/flame.svg")"
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -n "$browser" ]; then
	timeout 60 "$browser" --headless --no-sandbox --disable-gpu --window-size=1200,400 \
		--screenshot="$TMP/flame.png" "file://$TMP/flame.svg" >/dev/null 2>&1
	check "headless $(basename "$browser") renders it: flame-coloured pixels in the screenshot" \
		python3 "$here/png-flame-pixels.py" "$TMP/flame.png" 20000
else
	echo "ok   - (no chromium: the screenshot check is skipped; scripts/install-deps --test installs it)"
fi

echo "# results agree with perf record + perf report"
if command -v perf >/dev/null; then
	for mode in spin syscall; do
		hot fp 20 "$mode"
		perf record -q -F 499 -g -p "$HOT" -o "$TMP/perf.data" -- sleep 3 >/dev/null 2>&1 &
		precord=$!
		out=$(ctl --json profile --pid "$HOT" --duration 3 --freq 499)
		wait "$precord"
		kill "$HOT"; wait "$HOT" 2>/dev/null
		read -r ppct psym <<<"$(perf report -i "$TMP/perf.data" --stdio --no-children --sort sym 2>/dev/null |
			awk '/^ +[0-9.]+%/ { sub("%", "", $1); print $1, $3; exit }')"
		read -r osym opct <<<"$(top_of "$out")"
		echo "     $mode: perf report: $psym $ppct%  collectord: $osym $opct%"
		expect_eq "$mode: the same top symbol as perf report" "$psym" "$osym"
		check "$mode: shares within 5 points ($ppct% vs $opct%)" \
			awk -v a="$ppct" -v b="$opct" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 5) }'
	done
else
	echo "ok   - (perf is not installed: the comparison is skipped; apt-get install linux-perf)"
fi

kill -TERM "$cpid"
check "collectord exits cleanly" wait_gone "$cpid"
finish

#!/usr/bin/env bash
# test-system-stats.sh: stats://system/{cpu,memory,network} from a real collectord, checked against /proc.
#
# The context-switch check cannot flake: the answer carries the raw ctxt counter at both ends of
# its window and the window's CLOCK_MONOTONIC bounds, so the rate is checked exactly against
# them, and ctxt_end against this script's own /proc/stat readings taken before and after the
# request. A comparison with our own rate follows, over the same stretch: this script samples
# /proc/stat with CLOCK_MONOTONIC every 10 ms (tracing-helper.py) and interpolates them at the
# window's bounds, so the two rates cover the same 10 s and agree well inside 5% however the
# machine's load swings (a fifo ping-pong, about 10^5 switches/s, keeps the rate up).
set -u
here=$(dirname "$0")
. "$here/lib.sh"
require_root
BUILD=${1:?usage: test-system-stats.sh BUILD_DIR}
COLLECTORD=$BUILD/collectord/collectord
COLLECTORCTL=$BUILD/collectord/collectorctl
SCHEDMCP=$BUILD/mcp-frontend/schedmcp
command -v jq >/dev/null || skip "jq is not installed (the README's test command installs it)"
[ -n "${EPOCHREALTIME:-}" ] || skip "needs bash 5 (EPOCHREALTIME)"

scratch sys
ensure_group
show() { "$COLLECTORCTL" --socket "$SOCK" --json show "$@"; }
ctxt_now() { awk '$1 == "ctxt" { print $2 }' /proc/stat; }
# awk_ok EXPR [VAR=VALUE...]: succeeds when the awk expression is true
awk_ok() { local e=$1; shift; awk "$@" "BEGIN { exit !($e) }"; }

# Two shells passing a token through two fifos: every hop is a sleep and a wakeup.
mkfifo "$TMP/ping" "$TMP/pong"
(exec 3<"$TMP/ping" 4>"$TMP/pong"; while IFS= read -r x <&3; do echo "$x" >&4; done) &
pids+=($!)
(exec 3>"$TMP/ping" 4<"$TMP/pong"; echo 1 >&3; while IFS= read -r x <&4; do echo "$x" >&3; done) &
pids+=($!)
sleep 1

# Our own samples of /proc/stat ctxt with CLOCK_MONOTONIC, every 10 ms from before the
# collector's first sample: the 10 s window read later may start anywhere after it.
python3 "$here/tracing-helper.py" sample "$TMP/ctxt-samples" 120 &
sampler=$!
pids+=($sampler)
for _ in $(seq 500); do [ -s "$TMP/ctxt-samples" ] && break; sleep 0.01; done # its first sample first

"$COLLECTORD" --foreground --socket "$SOCK" 2>>"$LOG" &
pids+=($!)
wait_ready "$SOCK" || { echo "collectord does not answer on $SOCK"; cat "$LOG"; exit 1; }
# Sampling has begun once it answers (start-up before that can take seconds).
t_start=$EPOCHREALTIME

echo "# right after start: the window actually covered, said so"
cpu=$(show stats://system/cpu)
expect_eq "requested_window_s is the default 10" 10 "$(jq -r .requested_window_s <<<"$cpu")"
check "window_s is what was sampled, under 10 s" awk_ok "w > 0 && w < 10" -v w="$(jq -r .window_s <<<"$cpu")"
expect_match "and a note says so" "sampled for only" "$(jq -r .note <<<"$cpu")"
expect_eq "one per_cpu entry per online cpu" "$(grep -c '^cpu[0-9]' /proc/stat)" "$(jq '.per_cpu.cpus | length' <<<"$cpu")"
check "cpu shares add up to 100%" awk_ok "s > 99.9 && s < 100.1" -v s="$(jq '.total | .user_pct + .nice_pct + .system_pct + .idle_pct + .iowait_pct + .irq_pct + .softirq_pct + .steal_pct' <<<"$cpu")"
expect_match "softirqs by type" '^[0-9.]+$' "$(jq -r .softirqs_per_s.TIMER <<<"$cpu")"
out=$("$COLLECTORCTL" --socket "$SOCK" --json show stats://system/cpu window=0 2>&1)
expect_match "window=0 is refused with the range" "from 1 to 60" "$out"
out=$("$COLLECTORCTL" --socket "$SOCK" --json show stats://system/network bogus=1 2>&1)
expect_match "an unknown argument is refused" "unknown argument 'bogus'" "$out"

echo "# stats://system/memory"
mem=$(show stats://system/memory)
expect_eq "mem_total_kb is MemTotal" "$(awk '$1 == "MemTotal:" { print $2 }' /proc/meminfo)" "$(jq -r .mem_total_kb <<<"$mem")"
check "used_ratio + available_ratio = 1" awk_ok "s > 0.9998 && s < 1.0002" -v s="$(jq '.used_ratio + .available_ratio' <<<"$mem")"
if [ "$(awk '$1 == "SwapTotal:" { print $2 }' /proc/meminfo)" = 0 ]; then
	expect_eq "no swap: swap_used_ratio is null" null "$(jq -r .swap_used_ratio <<<"$mem")"
	expect_match "with a note" "no swap" "$(jq -r .swap_note <<<"$mem")"
else
	check "swap_used_ratio is within 0..1" awk_ok "r >= 0 && r <= 1" -v r="$(jq -r .swap_used_ratio <<<"$mem")"
fi
expect_match "page faults per second over the window" '^[0-9.]+$' "$(jq -r .vmstat.pgfault_per_s <<<"$mem")"
if [ -r /proc/pressure/cpu ]; then
	expect_eq "psi is available" true "$(jq -r .psi.available <<<"$mem")"
	expect_match "psi cpu some avg10" '^[0-9.]+$' "$(jq -r .psi.cpu.some.avg10_pct <<<"$mem")"
	expect_match "psi io full total" '^[0-9]+$' "$(jq -r .psi.io.full.total_us <<<"$mem")"
else
	expect_eq "psi is unavailable" false "$(jq -r .psi.available <<<"$mem")"
	expect_match "and says why" "CONFIG_PSI" "$(jq -r .psi.reason <<<"$mem")"
fi

echo "# through schedmcp"
mcp_start
mcp_init >/dev/null
r=$(mcp_call '{"jsonrpc":"2.0","id":1,"method":"resources/list"}')
for u in stats://system/cpu stats://system/memory stats://system/network; do
	expect_eq "schedmcp lists $u" 1 "$(jq --arg u "$u" '[.result.resources[] | select(.uri == $u)] | length' <<<"$r")"
done
r=$(mcp_call '{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"stats://system/memory"}}')
expect_eq "stats://system/memory through schedmcp: mem_total_kb" "$(jq -r .mem_total_kb <<<"$mem")" \
	"$(jq -r '.result.contents[0].text | fromjson | .mem_total_kb' <<<"$r")"
mcp_stop

echo "# a 10 s window against our own /proc/stat readings"
lo_a=$(awk -F'[: ]+' '$2 == "lo" { print $3 }' /proc/net/dev)
a=$(ctxt_now); t_a=$EPOCHREALTIME
# Enough samples for a full 10 s window: 11.5 s after the collector first answered.
sleep "$(awk -v s="$t_start" -v n="$EPOCHREALTIME" 'BEGIN { d = s + 11.5 - n; print (d > 0 ? d : 0) }')"
t_r=$EPOCHREALTIME
cpu=$(show stats://system/cpu window=10)
t_b=$EPOCHREALTIME; b=$(ctxt_now)
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
net=$(show stats://system/network)
lo_b=$(awk -F'[: ]+' '$2 == "lo" { print $3 }' /proc/net/dev)

w=$(jq -r .window_s <<<"$cpu")
start=$(jq -r .ctxt_start <<<"$cpu"); end=$(jq -r .ctxt_end <<<"$cpu")
check "window_s is 10 s to within half the 1 s interval (got $w)" awk_ok "w >= 9.5 && w <= 10.5" -v w="$w"
expect_eq "no note on a full window" null "$(jq -r .note <<<"$cpu")"
check "the window is 10 s of CLOCK_MONOTONIC" awk_ok "d >= 9.5e9 && d <= 10.5e9" \
	-v d="$(jq '.window_end_ns - .window_start_ns' <<<"$cpu")"
rate=$(jq -r .context_switches_per_s <<<"$cpu")
exact=$(jq '(.ctxt_end - .ctxt_start) * 1e9 / (.window_end_ns - .window_start_ns)' <<<"$cpu")
check "context_switches_per_s ($rate) = (ctxt_end - ctxt_start) / window ($exact)" \
	awk_ok "r - e < 0.001 && e - r < 0.001" -v r="$rate" -v e="$exact"
# The end sample was sample_age_ms old when the answer was made, after t_r: so it was taken
# after our first reading if that is older (50 ms for the two clocks' rates and rounding).
age_ms=$(jq -r .sample_age_ms <<<"$cpu")
check "the end sample ($age_ms ms old) was taken after our first reading" \
	awk_ok "(tr - ta) * 1000 > age + 50" -v ta="$t_a" -v tr="$t_r" -v age="$age_ms"
check "ctxt_start <= ctxt_end" test "$start" -le "$end"
check "our reading before ($a) <= ctxt_end ($end) <= our reading after ($b)" \
	bash -c "[ $a -le $end ] && [ $end -le $b ]"
# Our count over the window, interpolated between our samples at its CLOCK_MONOTONIC bounds.
ws=$(jq -r .window_start_ns <<<"$cpu") we=$(jq -r .window_end_ns <<<"$cpu")
grown=$(python3 "$here/tracing-helper.py" interp "$TMP/ctxt-samples" "$ws" "$we" ctxt 2>&1)
expect_match "our samples cover the window (the count over it, interpolated)" '^[0-9]+$' "$grown"
own=$(awk -v g="$grown" -v ws="$ws" -v we="$we" 'BEGIN { printf "%.1f", g * 1e9 / (we - ws) }' 2>/dev/null)
check "the rate ($rate/s) is within 5% of our own over the same stretch (${own:-?}/s)" \
	awk_ok "o > 0 && r > 0 && (r - o) / o < 0.05 && (o - r) / o < 0.05" -v r="$rate" -v o="${own:-0}"

echo "# stats://system/network"
expect_eq "one entry per /proc/net/dev interface" "$(($(wc -l </proc/net/dev) - 2))" "$(jq -r .total <<<"$net")"
lo=$(jq -r '.interfaces[] | select(.name == "lo") | .rx_bytes' <<<"$net")
check "lo rx_bytes ($lo) is between our readings ($lo_a, $lo_b)" bash -c "[ $lo_a -le $lo ] && [ $lo -le $lo_b ]"
expect_match "with a rate over the window" '^[0-9.]+$' "$(jq -r '.interfaces[] | select(.name == "lo") | .rx_bytes_per_s' <<<"$net")"
check "whole window for lo" awk_ok "w >= 9.5" -v w="$(jq -r .window_s <<<"$net")"

finish

#!/usr/bin/env bash
# test-snapshots.sh: the scheduler and catalog resources (scheduler://current, stats://scheduler/*,
# events://perf, events://kprobe, bpf://programs) on this kernel and on a sched_ext fixture tree.
set -u
here=$(dirname "$0")
. "$here/lib.sh"
require_root
BUILD=${1:?usage: test-snapshots.sh BUILD_DIR SOURCE_DIR}
SRC=${2:?usage: test-snapshots.sh BUILD_DIR SOURCE_DIR}
COLLECTORD=$BUILD/collectord/collectord
COLLECTORCTL=$BUILD/collectord/collectorctl
SCHEDMCP=$BUILD/mcp-frontend/schedmcp
FAKE_SCX=$BUILD/tests/fixtures/fake-scx-stats
command -v jq >/dev/null || skip "jq is not installed (the README's test command installs it)"

scratch snap
ensure_group
show() { "$COLLECTORCTL" --socket "$SOCK" --json show "$@"; }

"$COLLECTORD" --foreground --socket "$SOCK" 2>>"$LOG" &
pids+=($!)
wait_ready "$SOCK" || { echo "collectord does not answer on $SOCK"; cat "$LOG"; exit 1; }
status=$("$COLLECTORCTL" --socket "$SOCK" --json status)

echo "# scheduler://current on this kernel"
cur=$(show scheduler://current)
expect_eq "kernel is uname -r" "$(uname -r)" "$(jq -r .kernel <<<"$cur")"
IFS=. read -r major minor _ <<<"$(uname -r)"
if [ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 6 ]; }; then policy=EEVDF; else policy=CFS; fi
expect_eq "fair_policy follows the release ($(uname -r))" "$policy" "$(jq -r .fair_policy <<<"$cur")"
if [ -e /sys/kernel/sched_ext/state ] && [ "$(cat /sys/kernel/sched_ext/state)" = enabled ]; then
	expect_eq "a loaded BPF scheduler makes the class sched_ext" sched_ext "$(jq -r .class <<<"$cur")"
	expect_eq "and its name is the ops" "$(cat /sys/kernel/sched_ext/root/ops)" "$(jq -r .name <<<"$cur")"
else
	expect_eq "class is fair without a BPF scheduler" fair "$(jq -r .class <<<"$cur")"
	expect_eq "name is the fair policy" "$policy" "$(jq -r .name <<<"$cur")"
fi
if [ ! -e /sys/kernel/sched_ext ]; then
	expect_eq "sched_ext is unavailable here" false "$(jq -r .sched_ext.available <<<"$cur")"
	expect_match "with the reason" 'CONFIG_SCHED_CLASS_EXT' "$(jq -r .sched_ext.reason <<<"$cur")"
fi
out=$("$COLLECTORCTL" --socket "$SOCK" --json show scheduler://current bogus=1 2>&1)
expect_match "an unknown argument is refused" "unknown argument 'bogus'" "$out"

echo "# stats://scheduler/scx and stats://scheduler/raw on this kernel"
scx=$(show stats://scheduler/scx)
raw=$(show stats://scheduler/raw)
if [ ! -e /sys/kernel/sched_ext ]; then
	expect_eq "scx counters are unavailable here" false "$(jq -r .available <<<"$scx")"
	expect_match "with the reason" 'sched_ext is not available.*CONFIG_SCHED_CLASS_EXT' "$(jq -r .reason <<<"$scx")"
else
	expect_eq "scx counters are available" true "$(jq -r .available <<<"$scx")"
	expect_eq "state is the kernel's" "$(cat /sys/kernel/sched_ext/state)" "$(jq -r .state <<<"$scx")"
fi
if [ ! -S /var/run/scx/root/stats ]; then
	expect_eq "raw stats are unavailable here" false "$(jq -r .available <<<"$raw")"
	expect_match "because no scheduler runs" 'no sched_ext scheduler is running \(no stats socket at /var/run/scx/root/stats\)' "$(jq -r .reason <<<"$raw")"
fi

echo "# events://perf"
AE=/sys/kernel/tracing/available_events
[ -r "$AE" ] || AE=/sys/kernel/debug/tracing/available_events
sum=$(show events://perf limit=0)
expect_eq "events://perf is available" true "$(jq -r .available <<<"$sum")"
n=$(grep -c . "$AE")
expect_eq "total is the number of lines of $AE" "$n" "$(jq -r .total <<<"$sum")"
expect_eq "the subsystem counts add up to total" "$n" "$(jq '[.subsystems[]] | add' <<<"$sum")"
expect_eq "limit=0 gives counts only" 0 "$(jq '.events | length' <<<"$sum")"
offset=0 seen=0 pages=0
while :; do
	page=$(show events://perf offset=$offset limit=1000)
	seen=$((seen + $(jq '.events | length' <<<"$page")))
	pages=$((pages + 1))
	next=$(jq -r .next_offset <<<"$page")
	[ "$next" = null ] || [ "$pages" -gt 100 ] && break
	offset=$next
done
expect_eq "paging to the end visits total events" "$n" "$seen"
expect_eq "in ceil(total/1000) pages" $(((n + 999) / 1000)) "$pages"
sched=$(show events://perf subsystem=sched limit=1000)
expect_eq "subsystem=sched counts the sched: lines" "$(grep -c '^sched:' "$AE")" "$(jq -r .total <<<"$sched")"
expect_eq "and lists no other subsystem" 0 "$(jq '[.events[] | select(.subsystem != "sched")] | length' <<<"$sched")"
sw=$(show events://perf filter=sched_switch)
expect_match "filter=sched_switch finds sched:sched_switch" 'sched:sched_switch' "$(jq -r '.events[] | "\(.subsystem):\(.event)"' <<<"$sw")"
out=$("$COLLECTORCTL" --socket "$SOCK" --json show events://perf subsystem=nosuch 2>&1)
expect_match "an unknown subsystem is an error that lists the known ones" "unknown subsystem 'nosuch'; the known subsystems are: .*sched" "$out"
out=$("$COLLECTORCTL" --socket "$SOCK" --json show events://perf limit=5000 2>&1)
expect_match "limit is bounded" 'limit must be an integer from 0' "$out"

echo "# events://kprobe"
kp=$(show events://kprobe)
if [ "$(jq -r .features.kprobe.available <<<"$status")" = false ]; then
	expect_eq "kprobes unavailable here: events://kprobe says so" false "$(jq -r .available <<<"$kp")"
	check "with the reason from the probe" grep -qF -- "kprobes cannot be attached on this kernel: $(jq -r .features.kprobe.reason <<<"$status")" <<<"$(jq -r .reason <<<"$kp")"
elif [ -r /sys/kernel/tracing/available_filter_functions ]; then
	expect_eq "events://kprobe is available" true "$(jq -r .available <<<"$kp")"
	check "it lists functions" test "$(jq -r .total <<<"$kp")" -gt 1000
else
	expect_eq "an unreadable function list is unavailable" false "$(jq -r .available <<<"$kp")"
fi

echo "# bpf://programs"
ours=$(jq -r '.bpf.programs[0].id' <<<"$status")
first=$(show bpf://programs limit=1000)
expect_eq "reading turns statistics on" true "$(jq -r .stats_enabled <<<"$first")"
sleep 0.5
second=$(show bpf://programs limit=1000)
expect_eq "the page has every program" "$(jq -r .total <<<"$second")" "$(jq '.programs | length' <<<"$second")"
check "statistics have been on for a while" jq -e '.stats_since_s >= 0.4' <<<"$second"
prog=$(jq -c --argjson id "$ours" '.programs[] | select(.id == $id)' <<<"$second")
expect_match "collectord's own program is listed by its full name" '^sched_switch_(btf|raw)$' "$(jq -r .name <<<"$prog")"
check "and has run (run_cnt > 0)" jq -e '.run_cnt > 0 and .run_time_ns > 0 and .ns_per_run > 0' <<<"$prog"
check "with type, verified_insns, memlock, load time and maps" \
	jq -e '(.type | length > 0) and .verified_insns > 0 and .memlock_bytes > 0 and (.loaded_at | test("Z$")) and .nr_maps >= 1' <<<"$prog"
if [ "$(jq -r .name <<<"$prog")" = sched_switch_btf ]; then
	expect_eq "its attach point is tp_btf/sched_switch" "tp_btf/sched_switch" "$(jq -r '"\(.attach.kind)/\(.attach.target)"' <<<"$prog")"
fi
n1=$(show bpf://programs limit=1 enable_stats=false)
expect_eq "pages have one program with limit=1" 1 "$(jq '.programs | length' <<<"$n1")"
# Other processes load and unload programs meanwhile: the page, not the count, is checked.
check "total counts them all: a next page while there are more" \
	jq -e 'if .total > 1 then .next_offset == 1 else .next_offset == null end' <<<"$n1"

echo "# through schedmcp"
mcp_start
init=$(mcp_init)
expect_eq "initialize answers" 2025-06-18 "$(jq -r .result.protocolVersion <<<"$init")"
list=$(mcp_call '{"jsonrpc":"2.0","id":1,"method":"resources/list"}')
for u in scheduler://current stats://scheduler/scx stats://scheduler/raw events://perf events://kprobe bpf://programs; do
	expect_eq "resources/list offers $u" 1 "$(jq --arg u "$u" '[.result.resources[] | select(.uri == $u)] | length' <<<"$list")"
done
r=$(mcp_call '{"jsonrpc":"2.0","id":2,"method":"resources/read","params":{"uri":"scheduler://current"}}')
expect_eq "resources/read scheduler://current" "$(jq -r .class <<<"$cur")" "$(jq -r '.result.contents[0].text | fromjson | .class' <<<"$r")"
r=$(mcp_call '{"jsonrpc":"2.0","id":3,"method":"resources/read","params":{"uri":"events://perf"}}')
expect_eq "resources/read events://perf gives the first 100" 100 "$(jq -r '.result.contents[0].text | fromjson | .events | length' <<<"$r")"
mcp_stop

echo "# a machine running the sched_ext scheduler rusty (fixture tree)"
FX=$TMP/rusty
cp -r "$SRC/tests/fixtures/scx/rusty" "$FX"
FXSOCK=$TMP/fixture.sock
"$COLLECTORD" --foreground --no-bpf --sysfs-root "$FX" --socket "$FXSOCK" 2>>"$LOG" &
pids+=($!)
wait_ready "$FXSOCK" || echo "fixture collectord did not start"
fx() { "$COLLECTORCTL" --socket "$FXSOCK" --json show "$@"; }
cur=$(fx scheduler://current)
expect_eq "class is sched_ext" sched_ext "$(jq -r .class <<<"$cur")"
expect_eq "name is rusty" rusty "$(jq -r .name <<<"$cur")"
expect_eq "ops is rusty" rusty "$(jq -r .sched_ext.ops <<<"$cur")"
expect_eq "enable_seq is read" 7 "$(jq -r .sched_ext.enable_seq <<<"$cur")"
expect_eq "the fixture's kernel" 6.12.8-scx "$(jq -r .kernel <<<"$cur")"
scx=$(fx stats://scheduler/scx)
expect_eq "counters: state" enabled "$(jq -r .state <<<"$scx")"
expect_eq "counters: nr_rejected is a number" 2 "$(jq '.nr_rejected' <<<"$scx")"
expect_eq "counters: switch_all is a boolean" true "$(jq '.switch_all' <<<"$scx")"
expect_eq "counters: events parsed" 4521 "$(jq '.events.SCX_EV_DISPATCH_KEEP_LAST' <<<"$scx")"
expect_eq "counters: debugfs parsed, typed" '"rusty" 1' "$(jq -c '.debug.ops, .debug.enabled' <<<"$scx" | tr '\n' ' ' | sed 's/ $//')"
raw=$(fx stats://scheduler/raw)
expect_eq "no stats socket in the tree yet: unavailable" false "$(jq -r .available <<<"$raw")"
mkdir -p "$FX/var/run/scx/root"
coproc FAKE { exec "$FAKE_SCX" "$FX/var/run/scx/root/stats" normal; }
fake_pid=$FAKE_PID
pids+=("$fake_pid")
IFS= read -r -t 5 ready <&"${FAKE[0]}"
expect_eq "fake scx_stats server is ready" ready "${ready:-}"
raw=$(fx stats://scheduler/raw)
expect_eq "raw stats come from the scheduler's socket" true "$(jq -r .available <<<"$raw")"
expect_eq "stats are its answer" 4 "$(jq -r .stats.nr_cpus <<<"$raw")"
expect_eq "stats_meta too" top "$(jq -r .stats_meta.top.name <<<"$raw")"
out=$("$COLLECTORCTL" --socket "$FXSOCK" --json show stats://scheduler/raw target=nosuch 2>&1)
expect_match "an errno reply is an error with the errno" 'errno 22' "$out"
kill "$fake_pid"

finish

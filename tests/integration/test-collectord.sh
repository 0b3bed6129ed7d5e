#!/usr/bin/env bash
# test-collectord.sh: collectord for real: socket activation, BPF counting, access control,
# capability-free schedmcp, kill and restart, reload, clean exit.
set -u
here=$(dirname "$0")
. "$here/lib.sh"
require_root
BUILD=${1:?usage: test-collectord.sh BUILD_DIR}
COLLECTORD=$BUILD/collectord/collectord
COLLECTORCTL=$BUILD/collectord/collectorctl
SCHEDMCP=$BUILD/mcp-frontend/schedmcp
for t in systemd-socket-activate setpriv jq; do
	command -v $t >/dev/null || skip "$t is not installed (the README's test command installs it)"
done

TMP=$(mktemp -d /tmp/schedmcp-it.XXXXXX)
chmod 0755 "$TMP"
SOCK=$TMP/collectord.sock
LOG=$TMP/collectord.log
cleanup() {
	[ -n "${MCP_PID:-}" ] && kill "$MCP_PID" 2>/dev/null
	pkill -f -- "--socket $TMP/" 2>/dev/null
	[ -n "${ACTIVATOR_PID:-}" ] && kill "$ACTIVATOR_PID" 2>/dev/null
	wait 2>/dev/null
	[ "$failures" -eq 0 ] && rm -rf "$TMP" || echo "kept $TMP for inspection"
}
trap cleanup EXIT
ensure_group
ctl() { "$COLLECTORCTL" --socket "$SOCK" "$@"; }

echo "# socket activation"
start_activated "$SOCK" "$LOG" --log-level debug || { echo "activator did not create $SOCK"; exit 1; }
status=$(ctl --json status)
check "status --json parses as JSON" jq -e . <<<"$status"
expect_eq "the collector was socket-activated" true "$(jq -r .socket.activated <<<"$status")"
expect_eq "BPF programs are loaded" true "$(jq -r .bpf.loaded <<<"$status")"
expect_match "sched_switch is attached with tp_btf or raw_tp" '^(tp_btf|raw_tp)$' "$(jq -r .bpf.attach <<<"$status")"
c1=$(jq -r .bpf.sched_switch_count <<<"$status")
sleep 0.3
c2=$(ctl --json status | jq -r .bpf.sched_switch_count)
check "sched_switch count grows ($c1 -> $c2)" test "$c2" -gt "$c1"
for f in btf tp_btf raw_tp ringbuf sched_ext kprobe fentry hw_pmu psi tracefs debugfs bpf_stats; do
	expect_match "feature $f is reported with availability" '^(true|false)$' "$(jq -r ".features.$f.available" <<<"$status")"
	if [ "$(jq -r ".features.$f.available" <<<"$status")" = false ]; then
		expect_match "unavailable feature $f says why" '.{10,}' "$(jq -r ".features.$f.reason" <<<"$status")"
	fi
done
expect_match "the human status names the features" 'tp_btf +available' "$(ctl status)"

echo "# topology"
topo=$(ctl --json show topology://info)
expect_eq "nr_online equals nproc" "$(nproc)" "$(jq -r .nr_online <<<"$topo")"
possible=$(awk -F- '{print ($2 == "" ? $1 : $2) + 1}' /sys/devices/system/cpu/possible)
expect_eq "nr_cpus equals the possible CPUs" "$possible" "$(jq -r .nr_cpus <<<"$topo")"
expect_eq "one cpus[] entry per CPU" "$possible" "$(jq -r '.cpus | length' <<<"$topo")"

echo "# access control"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$COLLECTORCTL" --socket "$SOCK" status 2>&1)
rc=$?
expect_eq "a user outside the group cannot connect (exit 3)" 3 "$rc"
expect_match "and is told how to get access" "permission denied.*usermod -aG collectord" "$out"
out=$(setpriv --reuid=nobody --regid=nogroup --groups=collectord "$COLLECTORCTL" --socket "$SOCK" --json status)
expect_eq "a member of the group gets read access" read "$(jq -r .access <<<"$out")"
out=$(setpriv --reuid=nobody --regid=nogroup --groups=collectord "$COLLECTORCTL" --socket "$SOCK" clients 2>&1)
rc=$?
expect_eq "a read-level peer asking for an admin verb fails (exit 1)" 1 "$rc"
expect_match "with a clear refusal" "needs admin access" "$out"
# The daemon checks SO_PEERCRED itself, even when the file mode would let a peer in.
OPEN=$TMP/open.sock
"$COLLECTORD" --foreground --no-bpf --socket "$OPEN" --socket-mode 0666 2>>"$LOG" &
open_pid=$!
wait_for_socket "$OPEN"
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups "$COLLECTORCTL" --socket "$OPEN" status 2>&1)
expect_match "collectord itself refuses a peer outside the group" "uid 65534 is not in group 'collectord'" "$out"
kill "$open_pid"; wait "$open_pid" 2>/dev/null

echo "# schedmcp as nobody, without capabilities"
mcp_start setpriv --reuid=nobody --regid=nogroup --groups=collectord --inh-caps=-all --bounding-set=-all
sleep 0.2
schedmcp_pid=$(pgrep -f -- "schedmcp --socket $SOCK" | head -1)
expect_eq "schedmcp runs as nobody" 65534 "$(awk '/^Uid:/{print $3}' /proc/"$schedmcp_pid"/status)"
expect_eq "schedmcp has CapEff 0" 0000000000000000 "$(awk '/^CapEff:/{print $2}' /proc/"$schedmcp_pid"/status)"
init=$(mcp_init)
expect_eq "initialize answers" 2025-06-18 "$(jq -r .result.protocolVersion <<<"$init")"
read_topo='{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"topology://info"}}'
r=$(mcp_call "$read_topo")
expect_eq "topology://info through schedmcp: nr_online" "$(nproc)" "$(jq -r '.result.contents[0].text | fromjson | .nr_online' <<<"$r")"

echo "# kill -9 the collector, then restart it"
cpid=$(jq -r .pid <<<"$status")
kill -9 "$cpid"
wait_gone "$cpid"
r=$(mcp_call "${read_topo/\"id\":1/\"id\":2}")
expect_match "schedmcp answers a clear error while the collector is down" 'collectord (is not running|went away).*(Start|Restart) it with' "$(jq -r .error.message <<<"$r")"
expect_eq "with the id of the request" 2 "$(jq -r .id <<<"$r")"
start_activated "$SOCK" "$LOG" || echo "activator did not come back"
r=$(mcp_call "${read_topo/\"id\":1/\"id\":3}")
expect_eq "after the restart the same schedmcp works again" "$(nproc)" "$(jq -r '.result.contents[0].text | fromjson | .nr_online' <<<"$r")"
mcp_stop

echo "# configuration reload"
CONF=$TMP/collectord.conf
printf '[Limits]\nMaxClients=7\n' >"$CONF"
ctl --json status >/dev/null # keeps the activated instance; restart it with a configuration
kill "$(ctl --json status | jq -r .pid)"
start_activated "$SOCK" "$LOG" --config "$CONF"
expect_eq "the configuration file is read" 7 "$(ctl --json status | jq -r .clients.max)"
printf '[Limits]\nMaxClients=7\nBogus=1\n' >"$CONF"
out=$(ctl reload 2>&1)
expect_match "a bad file is refused with its line and reason" "collectord.conf:3: unknown key Bogus=" "$out"
cpid=$(ctl --json status | jq -r .pid)
kill -HUP "$cpid"; sleep 0.2
expect_eq "after SIGHUP with a bad file the running configuration stays" 7 "$(ctl --json status | jq -r .clients.max)"
printf '[Limits]\nMaxClients=9\n' >"$CONF"
kill -HUP "$cpid"; sleep 0.2
expect_eq "SIGHUP with a good file applies it" 9 "$(ctl --json status | jq -r .clients.max)"

echo "# clean exit"
prog=$(ctl --json status | jq -r '.bpf.programs[0].id')
check "the BPF program $prog is loaded while collectord runs" bpftool prog show id "$prog"
kill -TERM "$cpid"
check "collectord exits on SIGTERM" wait_gone "$cpid"
# The kernel frees a program after an RCU grace period: give it a moment.
check "its BPF program is released" bash -c "for i in \$(seq 50); do bpftool prog show id $prog >/dev/null 2>&1 || exit 0; sleep 0.1; done; exit 1"

echo "# sd_notify: READY, STATUS and the watchdog"
if command -v socat >/dev/null; then
	NOTIFY=$TMP/notify.sock
	socat -u UNIX-RECV:"$NOTIFY" - >"$TMP/notify.log" 2>/dev/null &
	socat_pid=$!
	wait_for_socket "$NOTIFY"
	NOTIFY_SOCKET=$NOTIFY WATCHDOG_USEC=200000 "$COLLECTORD" --foreground --socket "$TMP/notify-c.sock" 2>>"$LOG" &
	npid=$!
	sleep 0.8
	kill "$npid"; wait_gone "$npid"; sleep 0.1
	kill "$socat_pid" 2>/dev/null
	notes=$(tr '\0' '\n' <"$TMP/notify.log")
	expect_match "collectord tells systemd READY=1" '(^|[[:space:]])READY=1' "$notes"
	expect_match "with a STATUS line" 'STATUS=Serving on' "$notes"
	expect_match "pings the watchdog at half its interval" 'WATCHDOG=1' "$notes"
	expect_match "and says STOPPING=1 on SIGTERM" 'STOPPING=1' "$notes"
else
	echo "# skipped: socat is not installed"
fi

echo "# exit on idle, own socket"
OWN=$TMP/own.sock
"$COLLECTORD" --foreground --socket "$OWN" --exit-on-idle 1 2>>"$LOG" &
own_pid=$!
wait_for_socket "$OWN"
expect_eq "a socket it binds itself is 0660" 660 "$(stat -c %a "$OWN")"
expect_eq "and belongs to group collectord" collectord "$(stat -c %G "$OWN")"
"$COLLECTORCTL" --socket "$OWN" ping >/dev/null
check "it exits after 1 s without clients" wait_gone "$own_pid" 5
check "and removes the socket it bound" test ! -e "$OWN"

finish

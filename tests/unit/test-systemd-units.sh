#!/bin/sh
# test-systemd-units.sh: systemd-analyze verify and security on collectord's units.
# Usage: test-systemd-units.sh SERVICE SOCKET [MANDIR]
# SERVICE is the configured collectord.service, SOCKET the collectord.socket
# source, MANDIR the man/ source directory (lets verify check Documentation=).
# Exits 77 (meson: skip) with the reason when systemd-analyze cannot do the job.
set -eu

MAX_EXPOSURE=25 # tenths: fail above an overall exposure of 2.5

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 SERVICE SOCKET [MANDIR]" >&2
	exit 2
fi
service=$1
socket=$2
mandir=${3:-}

for f in "$service" "$socket"; do
	if [ ! -f "$f" ]; then
		echo "FAIL: $f: no such file"
		exit 1
	fi
done

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP: systemd-analyze not found"
	exit 77
fi
# --offline= and --threshold= came with systemd 250, --recursive-errors= with 250 too.
help=$(systemd-analyze --help 2>&1 || true)
for opt in --offline --threshold --recursive-errors; do
	case $help in
	*"$opt="*) ;;
	*)
		echo "SKIP: systemd-analyze has no $opt= ($(systemd-analyze --version | head -n 1))"
		exit 77
		;;
	esac
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/test-systemd-units.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM

# verify insists that ExecStart= exists: when collectord is not installed yet,
# point a copy of the unit at a stand-in executable.
exec_path=$(sed -n 's/^ExecStart=[-@:+!]*\([^ ]*\).*/\1/p' "$service" | head -n 1)
if [ -z "$exec_path" ]; then
	echo "FAIL: $service: no ExecStart="
	exit 1
fi
if [ -x "$exec_path" ]; then
	cp "$service" "$tmp/collectord.service"
else
	mkdir "$tmp/bin"
	printf '#!/bin/sh\nexit 0\n' >"$tmp/bin/collectord"
	chmod 755 "$tmp/bin/collectord"
	sed "s|^ExecStart=\\([-@:+!]*\\)$exec_path|ExecStart=\\1$tmp/bin/collectord|" \
		"$service" >"$tmp/collectord.service"
	echo "note: $exec_path is not installed; verifying against a stand-in executable"
fi
cp "$socket" "$tmp/collectord.socket"

# Documentation=man:... is checked against the pages in the tree, not the
# (possibly absent) installed ones.
man_check=--man=no
if [ -n "$mandir" ] && [ -d "$mandir" ] && command -v man >/dev/null 2>&1; then
	for page in "$mandir"/*.[0-9]; do
		[ -e "$page" ] || continue
		section=${page##*.}
		mkdir -p "$tmp/man/man$section"
		ln -s "$(cd "$(dirname "$page")" && pwd)/$(basename "$page")" "$tmp/man/man$section/"
	done
	if [ -d "$tmp/man" ]; then
		MANPATH=$tmp/man
		export MANPATH
		man_check=--man=yes
	fi
fi
if [ "$man_check" = --man=no ]; then
	echo "note: not checking Documentation= (no man(1) or no man page directory)"
fi

rc=0
echo "== systemd-analyze verify $man_check"
# --recursive-errors=no: any warning about our two units fails, while
# warnings about the host's own units (sockets.target, ...) do not.
if ! (cd "$tmp" && systemd-analyze verify --recursive-errors=no "$man_check" \
	collectord.service collectord.socket); then
	echo "FAIL: systemd-analyze verify"
	rc=1
fi

echo "== systemd-analyze security --offline=true --threshold=$MAX_EXPOSURE"
if ! (cd "$tmp" && systemd-analyze security --no-pager --offline=true \
	--threshold="$MAX_EXPOSURE" collectord.service); then
	echo "FAIL: overall exposure of collectord.service is above $((MAX_EXPOSURE / 10)).$((MAX_EXPOSURE % 10))"
	rc=1
fi

[ $rc -eq 0 ] && echo "PASS"
exit $rc

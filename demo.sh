#!/usr/bin/env bash
# Install what is missing, build, and supervise a real program with sysgate:
#   1. sysgate-run runs a shell script under policies/demo.policy (through the
#      system daemon if one runs, else a private embedded daemon);
#   2. a sysgated on a private socket, with sysgatectl querying it.
set -euo pipefail
cd "$(dirname "$0")"
./.ci/deps.sh
[ -d build ] || meson setup build >/dev/null
meson compile -C build >/dev/null
B=$PWD/build
T=$(mktemp -d /tmp/sysgate-demo.XXXXXX)
daemon=
cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
script='cd "$0"
mknod null c 1 3 && echo "mknod null: succeeded (faked: ls finds $(ls | wc -l) files)"
touch keep; rm keep 2>/dev/null || echo "rm keep: refused"
hostname sysgate-demo 2>/dev/null || echo "hostname: refused"'

echo "### policies/demo.policy"
grep -v '^#' policies/demo.policy | sed '/^$/d'
echo
echo "### 1. sysgate-run -v --policy policies/demo.policy -- sh -c '...'"
mkdir "$T/work"
"$B/shim/sysgate-run" -v --policy policies/demo.policy --log "$T/embedded.jsonl" -- sh -c "$script" "$T/work"
echo "exit status: $?"
if [ -s "$T/embedded.jsonl" ]; then
	echo "audit records (embedded daemon, --log):"
	sed 's/^/  /' "$T/embedded.jsonl"
else
	echo "(the system daemon took the session: see 'sysgatectl log')"
fi
echo
echo "### 2. sysgated --foreground --socket $T/sock, then sysgatectl"
"$B/daemon/sysgated" --foreground --socket "$T/sock" --log "$T/audit.jsonl" &
daemon=$!
for _ in $(seq 50); do [ -S "$T/sock" ] && break; sleep 0.1; done
export SYSGATE_SOCKET=$T/sock
mkdir "$T/work2"
"$B/shim/sysgate-run" --policy policies/demo.policy -- sh -c "$script; sleep 1" "$T/work2" &
run=$!
sleep 0.5
echo "\$ sysgatectl sessions"
"$B/client/sysgatectl" sessions
echo "\$ sysgatectl stats"
"$B/client/sysgatectl" stats
wait "$run"
echo "\$ sysgatectl log"
"$B/client/sysgatectl" log
echo "\$ sysgatectl status"
"$B/client/sysgatectl" status

#!/usr/bin/env bash
# peers-tar.sh - the tar-with-devices workload of sysgate-bench (issue 6): what extracting an
# archive of device nodes, fifos and files of several owners costs, and what it leaves behind,
# inside `unshare -Ur` (a user namespace mapping only uid/gid 0, to the caller, where mknod of
# a device fails with EPERM and chown to an unmapped id with EINVAL), with:
#   bare tar (files-only archive: the baseline; and the full archive), fakeroot, proot -0,
#   strace fault injection, and sysgate-run with a policy faking mknod/mknodat of devices and
#   the chown family (routed and recorded; and `quiet`, which the kernel settles alone); and
#   the cost of learning: sysgate-run --learn on the files-only archive, then its policy.
# tar runs with its defaults: as uid 0 in the namespace it restores owners and modes.
# Prints markdown on standard output: per case every exit status seen, median wall time
# (min-max) of the tool+tar command measured inside the namespace, the ratio to the baseline,
# char devices and fifos present afterwards, entries tar reported failed, and how many
# entries' mode and owner, seen by stat in a fresh `unshare -Ur`, equal `tar -tvf`'s.
# Exit: 0 measured (whatever the tools' own statuses), 77 not measurable here (the reason is
# printed), 1 failure of this script.  Every run is bounded by --timeout.
set -euo pipefail
export LC_ALL=C

usage() {
	cat <<'EOF'
Usage: peers-tar.sh [--runs N] [--timeout SEC] [--workdir DIR] [--sysgate-run PATH]
                    [--socket PATH]

Extract an archive of device nodes, fifos and files of several owners inside
`unshare -Ur` with bare tar, fakeroot, proot -0, strace inject and sysgate-run;
print a markdown table. Run as root (the archive needs real nodes and owners).
bench/deps.sh installs the peers.

  --runs N            runs per case, the median is shown (default 5)
  --timeout SEC       limit of each run (default 120)
  --workdir DIR       an existing empty directory to work in (default: a new
                      one under $TMPDIR or /dev/shm); its contents are removed
  --sysgate-run PATH  sysgate-run to measure (without it, its rows say why not)
  --socket PATH       sysgated socket for sysgate-run (default: its own choice)
Environment: DEVICES=400 FIFOS=20 FILES=2000 DIRS=40
EOF
}

RUNS=5 TIMEOUT=120 WORK='' SGRUN='' SOCK=''
while [ $# -gt 0 ]; do
	case $1 in
	--runs) RUNS=${2:?}; shift 2 ;;
	--timeout) TIMEOUT=${2:?}; shift 2 ;;
	--workdir) WORK=${2:?}; shift 2 ;;
	--sysgate-run) SGRUN=${2:?}; shift 2 ;;
	--socket) SOCK=${2:?}; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	*) usage >&2; exit 1 ;;
	esac
done
DEVICES=${DEVICES:-400} FIFOS=${FIFOS:-20} FILES=${FILES:-2000} DIRS=${DIRS:-40}
for v in RUNS TIMEOUT DEVICES FIFOS FILES DIRS; do
	if ! [[ ${!v} =~ ^[0-9]+$ ]] || [ "${!v}" -gt 100000 ]; then
		echo "peers-tar.sh: bad $v '${!v}'" >&2; exit 1
	fi
done
if [ "$RUNS" -lt 1 ] || [ "$TIMEOUT" -lt 1 ] || [ "$DIRS" -lt 1 ]; then
	echo "peers-tar.sh: --runs, --timeout and DIRS must be >= 1" >&2; exit 1
fi

skip() { echo "Not measured: $*."; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (the archive holds real device nodes and files of several owners)"
for t in tar unshare timeout find; do
	command -v "$t" >/dev/null || skip "'$t' is not installed (bench/deps.sh installs it)"
done
unshare -Ur true 2>/dev/null || skip "'unshare -Ur' fails here (user namespaces disabled?)"

# ---- work directory, cleaned up on every exit; a signal stops the run in progress ----------
cur='' made=''
if [ -n "$WORK" ]; then
	[ -d "$WORK" ] || { echo "peers-tar.sh: no directory '$WORK'" >&2; exit 1; }
	T=$(cd "$WORK" && pwd)
else
	base=${TMPDIR:-/dev/shm}; [ -d "$base" ] && [ -w "$base" ] || base=/tmp
	T=$(mktemp -d "$base/peers-tar.XXXXXX"); made=1
fi
cleanup() {
	# timeout relays TERM to the run's process group, and kills it 5 s later
	[ -z "$cur" ] || { kill -TERM "$cur" 2>/dev/null; wait "$cur" 2>/dev/null; }
	if [ -n "$made" ]; then rm -rf "$T"; else find "$T" -mindepth 1 -delete 2>/dev/null; fi
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP

# ---- the archive: built as real root, numeric owners -------------------------------------
S=$T/src
mkdir -p "$S/dev" "$S/fifo" "$S/links"
owners=(0 1000 65534 100000)
majmin=(1:3 1:5 1:7 1:8 1:9 5:0 5:2 4:1 10:200 136:0)
dmodes=(0666 0660 0600)
fmodes=(0644 0600 0755 0640)
# shellcheck disable=SC2034 # filled and read through namerefs
declare -a by_owner0 by_owner1 by_owner2 by_owner3 by_mode0 by_mode1 by_mode2 by_mode3
add() { local -n list=$1; list+=("$2"); }
own() { add "by_owner$(($1 % 4))" "$2"; }
text=$(head -c 3072 /dev/urandom | base64 -w0) # 4096 characters to cut files from
for ((d = 0; d < DIRS; d++)); do mkdir "$S/data$d"; own "$d" "data$d"; done
for ((i = 0; i < FILES; i++)); do
	f=data$((i % DIRS))/file$i
	printf '%s' "${text:0:$((512 + (i * 53) % 3584))}" >"$S/$f"
	own "$i" "$f"
	add "by_mode$((i % 4))" "$f"
done
for ((i = 0; i < DEVICES; i++)); do
	mm=${majmin[i % ${#majmin[@]}]}
	mknod -m "${dmodes[i % 3]}" "$S/dev/node$i" c "${mm%:*}" "${mm#*:}"
	own "$i" "dev/node$i"
done
for ((i = 0; i < FIFOS; i++)); do mkfifo -m 0640 "$S/fifo/pipe$i"; own "$i" "fifo/pipe$i"; done
for ((i = 0; i < 10 && i < FILES; i++)); do
	ln -s "../data$((i % DIRS))/file$i" "$S/links/link$i"; own "$i" "links/link$i"
done
apply() { # apply LIST COMMAND...: run COMMAND on the names in array LIST, in $S
	local -n names=$1
	shift
	[ ${#names[@]} -eq 0 ] || (cd "$S" && printf '%s\0' "${names[@]}" | xargs -0 "$@")
}
for k in 0 1 2 3; do
	apply "by_owner$k" chown -h "${owners[k]}:${owners[k]}"
	apply "by_mode$k" chmod "${fmodes[k]}"
done
(cd "$S" && tar --numeric-owner -cf "$T/files.tar" data* links &&
	tar --numeric-owner -cf "$T/full.tar" data* links dev fifo)
rm -rf "$S"

# ---- the sysgate policies ------------------------------------------------------------------
fake_policy() { # $1: modifier ("" or quiet)
	cat <<EOF
version 1
default allow
# device nodes cannot be made in a user namespace: pretend (fifos pass, tested in the kernel)
mknod fake 0${1:+ $1} if arg1 & 0170000 == 0020000
mknod fake 0${1:+ $1} if arg1 & 0170000 == 0060000
mknodat fake 0${1:+ $1} if arg2 & 0170000 == 0020000
mknodat fake 0${1:+ $1} if arg2 & 0170000 == 0060000
# nor can files be given to unmapped ids
chown, fchown, lchown, fchownat fake 0${1:+ $1}
EOF
}
fake_policy quiet >"$T/fake-quiet.policy"

# ---- the runs ------------------------------------------------------------------------------
# One run: extract $ar into a fresh $T/x inside a new user namespace, timed there.
run_once() { # AR CMD... ; sets rc and us (empty when the run was cut short)
	local ar=$1 trc
	shift
	rm -rf "$T/x"; mkdir "$T/x"; : >"$T/res"
	rc='' us=''
	# shellcheck disable=SC2016 # expanded by the inner bash
	(cd "$T/x" && exec timeout -k 5 "$TIMEOUT" unshare -Ur bash -c \
		's=$EPOCHREALTIME; "$@" </dev/null >/dev/null 2>"$0"; r=$?; e=$EPOCHREALTIME
		 echo "$r $((${e/./} - ${s/./}))"' "$T/err" "$@" -xf "$ar") >"$T/res" &
	cur=$!
	trc=0; wait "$cur" || trc=$?
	cur=
	read -r rc us <"$T/res" || true
	if [ -z "${rc:-}" ]; then rc="$trc (timeout)"; us=; fi
}

listing_tar() { tar --numeric-owner -tvf "$1" | awk '{n = $6; sub(/\/$/, "", n); print n, $1, $2}' | sort; }
listing_fs() { (cd "$1" && unshare -Ur find . -mindepth 1 -printf '%P %M %U/%G\n') | sort; }
# "modes-ok/total owners-ok/total" of the entries of archive $1 as found in directory $2
matches() {
	join -a1 -e - -o 0,1.2,1.3,2.2,2.3 <(listing_tar "$1") <(listing_fs "$2") |
		awk '{m += $2 == $4; o += $3 == $5} END {printf "%d/%d %d/%d", m, NR, o, NR}'
}

rows=() details=() base= verdict=
# the allowlisted devices of userns.policy (null zero full random urandom tty) among the nodes
allowed=0
for ((i = 0; i < DEVICES; i++)); do
	case ${majmin[i % ${#majmin[@]}]} in 1:3 | 1:5 | 1:7 | 1:8 | 1:9 | 5:0) allowed=$((allowed + 1)) ;; esac
done
met() { if "$@"; then echo met; else echo "**not met**"; fi; }
# issue 6's targets, judged on the last case run
target_verdict() {
	echo "exit 0 in every run: $(met [ "$last_rcs" = 0 ]); real nodes for the $allowed" \
		"allowlisted devices: $last_chr, $(met [ "$last_chr" -ge "$allowed" ]);" \
		"<= 1.5 x the files-only bare tar: $last_ratio x, $(met awk -v r="$last_ratio" 'BEGIN {exit !(r != "-" && r <= 1.5)}')"
}
# run_case LABEL ARCHIVE CMD... (CMD gets "-xf ARCHIVE")
run_case() {
	local label=$1 ar=$2 i rcs=() times=() med min max ratio chr fifo failed mt
	shift 2
	for ((i = 0; i < RUNS; i++)); do
		run_once "$ar" "$@"
		rcs+=("$rc")
		[ -z "$us" ] || times+=("$us")
	done
	if [ ${#times[@]} -eq 0 ]; then
		med=- min=- max=- ratio=-
	else
		read -r min med max < <(printf '%s\n' "${times[@]}" | sort -n | awk '{v[NR] = $1 / 1000}
			END {m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			     printf "%.1f %.1f %.1f\n", v[1], m, v[NR]}')
		[ -n "$base" ] || base=$med
		ratio=$(awk -v a="$med" -v b="$base" 'BEGIN {printf "%.2f", a / b}')
	fi
	chr=$(find "$T/x" -type c | wc -l)
	fifo=$(find "$T/x" -type p | wc -l)
	failed=$(sed -nE 's/^tar: (.*): Cannot .*/\1/p' "$T/err" | sort -u | wc -l)
	mt=$(matches "$ar" "$T/x")
	last_rcs=$(printf '%s\n' "${rcs[@]}" | sort -u | paste -sd/) last_ratio=$ratio last_chr=$chr
	rows+=("| $label | $last_rcs | $med ($min-$max) | $ratio | $chr | $fifo | $failed | ${mt% *} | ${mt#* } |")
	details+=("- $label: $(sed -E 's/^tar: [^:]+: /tar: NAME: /; s/[0-9]+/N/g; s/^(.{100}).+/\1.../' "$T/err" |
		sort | uniq -c | sort -rn | head -4 | awk '{c = $1; $1 = ""; printf "%s%d x \"%s\"", (NR > 1 ? "; " : ""), c, substr($0, 2)}')")
	[ -n "${details[-1]#*: }" ] || details[-1]="${details[-1]}(nothing)"
}
absent() { rows+=("| $1 | not available: $2 | | | | | | | |"); }

# shellcheck disable=SC2016 # expanded by sh
probe=$(cd "$T" && unshare -Ur sh -c 'mknod probe c 1 3 2>&1; echo "(exit $?)"' | tr '\n' ' ')
rm -f "$T/probe"
uidmap=$(unshare -Ur cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //')

run_case "bare tar, files-only archive (baseline)" "$T/files.tar" tar
run_case "bare tar" "$T/full.tar" tar
if command -v fakeroot >/dev/null; then run_case "fakeroot tar" "$T/full.tar" fakeroot tar
else absent "fakeroot tar" "fakeroot not installed (bench/deps.sh)"; fi
if command -v proot >/dev/null; then run_case "proot -0 tar" "$T/full.tar" proot -0 tar
else absent "proot -0 tar" "proot not installed (bench/deps.sh)"; fi
if command -v strace >/dev/null; then
	run_case "strace -f --seccomp-bpf, mknod/mknodat injected retval=0" \
		"$T/full.tar" strace -f --seccomp-bpf -e trace=mknod,mknodat -e inject=mknod:retval=0 \
		-e inject=mknodat:retval=0 -o /dev/null tar
else absent "strace inject tar" "strace not installed (bench/deps.sh)"; fi
USERNS=$(cd "$(dirname "$0")" && pwd)/userns.policy # the shipped policies/userns.policy, copied by meson
if [ -n "$SGRUN" ] && [ -x "$SGRUN" ] && [ -r "$USERNS" ]; then
	# the system daemon (root, outside the namespace): real nodes for allowlisted devices
	if [ -n "$SOCK" ]; then
		run_case "sysgate-run, userns.policy, system daemon as root" "$T/full.tar" \
			"$SGRUN" --socket "$SOCK" -p "$USERNS" -- tar
		verdict=$(target_verdict)
		# the same without a record per emulated call
		sed -E 's/(emulate [a-z]+)/\1 quiet/' "$USERNS" >"$T/userns-quiet.policy"
		run_case "sysgate-run, userns.policy with \`quiet\` emulators, system daemon" \
			"$T/full.tar" "$SGRUN" --socket "$SOCK" -p "$T/userns-quiet.policy" -- tar
	else absent "sysgate-run, userns.policy, system daemon" "no --socket given"; fi
	# a private daemon started inside the namespace: no privilege, placeholder files
	run_case "sysgate-run --embedded inside the namespace, userns.policy" "$T/full.tar" \
		"$SGRUN" --embedded --log /dev/null -p "$USERNS" -- tar
	run_case "sysgate-run, devices and chown faked \`quiet\` (kernel only, no nodes)" "$T/full.tar" \
		"$SGRUN" ${SOCK:+--socket "$SOCK"} -p "$T/fake-quiet.policy" -- tar
	# learning (issue 7): every call routed to the daemon and counted there, beside the
	# baseline (the same files-only archive); then the policy it wrote, enforced
	run_case "sysgate-run --learn, files-only archive (every call routed and counted)" \
		"$T/files.tar" "$SGRUN" ${SOCK:+--socket "$SOCK"} --learn "$T/learnt.policy" -- tar
	if [ -s "$T/learnt.policy" ]; then
		run_case "sysgate-run -p the learnt policy, files-only archive" "$T/files.tar" \
			"$SGRUN" ${SOCK:+--socket "$SOCK"} -p "$T/learnt.policy" -- tar
	else absent "sysgate-run -p the learnt policy" "--learn wrote no policy"; fi
else
	absent "sysgate-run" "no --sysgate-run given, or $USERNS missing"
fi

# ---- report --------------------------------------------------------------------------------
learnt=
[ ! -s "$T/learnt.policy" ] || learnt="$(grep -c ' allow' "$T/learnt.policy") allow rules, $(grep '^default' "$T/learnt.policy")"
echo "Archive: $DEVICES char devices, $FIFOS fifos, $FILES files in $DIRS dirs, 10 symlinks;" \
	"owners ${owners[*]}; full.tar $(du -k "$T/full.tar" | cut -f1) KiB; $RUNS runs per case;" \
	"fs $(stat -f -c %T "$T"). Inside \`unshare -Ur\`: uid_map '$uidmap'; \`mknod c 1 3\` -> $probe"
echo
echo "| case | exit (all runs) | median ms (min-max) | x baseline | char devs | fifos | failed entries | modes ok | owners ok |"
echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
printf '%s\n' "${rows[@]}"
echo
echo "Expected: $DEVICES char devices, $FIFOS fifos, exit 0. Modes/owners ok: entries whose mode" \
	"and uid/gid, as stat sees them in a fresh \`unshare -Ur\`, equal \`tar -tvf\`'s (only id 0" \
	"is mapped there, so files of other owners cannot match). sysgate's rows run the shipped" \
	"policies/userns.policy (device nodes made by sysgated: real for the allowlisted null, zero," \
	"full, random, urandom, tty when the daemon is root outside the namespace, empty placeholder" \
	"files when it is a private daemon inside it; chown to unmapped ids faked; fifos in the" \
	"kernel), and, for the floor of pure kernel-side faking (nodes absent), \`$(grep -v '^#' "$T/fake-quiet.policy" | grep -v '^version\|^default' | paste -sd';' | sed 's/ \+/ /g')\`." \
	"The --learn row routes every syscall to the daemon, which counts it (no record); the next" \
	"row enforces the policy that run wrote (${learnt:-no policy}): its allows stay in the kernel."
echo
echo "Targets (issue 6), for sysgate-run with userns.policy and the system daemon: ${verdict:-not measured (no --socket given)}."
echo
echo "Standard error of each case's last run, by kind (numbers as N):"
echo
printf '%s\n' "${details[@]}"
echo
v="kernel $(uname -r); $(tar --version | head -1)"
! command -v fakeroot >/dev/null || v+="; fakeroot $(fakeroot --version | awk '{print $NF}')"
! command -v proot >/dev/null || v+="; proot $(proot --version 2>/dev/null | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -1)"
! command -v strace >/dev/null || v+="; $(strace -V | head -1)"
echo "Versions: $v."

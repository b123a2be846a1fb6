#!/usr/bin/env bash
# Fuzz the tests/fuzz harnesses for long, one after the other on one cpu, and print the
# executions and crashes of each.
#   tests/fuzz/run-long.sh [SECONDS [HARNESS...]]     default: 600 s each, every harness
# Uses the -Dfuzz=true clang build in $BUILDDIR (default build-clang, as tests/run.sh makes
# it; set up here when missing) and the harnesses, seeds and dictionaries its `meson test
# --suite fuzz` runs.  libFuzzer runs with -fork=1: one worker at a time, and a crash is kept
# and fuzzing goes on.  What a run finds stays in $BUILDDIR/tests/fuzz: long/NAME/ the corpus
# it grew (the next run goes on from it), long/NAME.log libFuzzer's output, artifacts/NAME/
# each input that crashed, leaked, hung or ran out of memory.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-600}
shift || true
builddir=${BUILDDIR:-build-clang}
[ -d "$builddir" ] || CC=clang meson setup "$builddir" -Dtests=false -Dfuzz=true >/dev/null
meson compile -C "$builddir" >/dev/null
# name, harness, seeds, artifacts, extra libFuzzer options: from the fuzz suite's tests
mapfile -t runs < <(meson introspect "$builddir" --tests | python3 -c '
import json, sys
for t in json.load(sys.stdin):
    if "sysgate:fuzz" in t["suite"] and t["cmd"][0].endswith("fuzz-one.sh"):
        c = t["cmd"]
        print("\t".join([t["name"][len("fuzz_"):], c[1], c[2], c[3]] + c[5:]))
')
if [ ${#runs[@]} -eq 0 ]; then
	echo "run-long.sh: $builddir has no libFuzzer harnesses: set it up with CC=clang -Dfuzz=true" >&2
	exit 1
fi
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
report=()
for run in "${runs[@]}"; do
	IFS=$'\t' read -r -a f <<<"$run"
	name=${f[0]} harness=$builddir/${f[1]} seeds=${f[2]} artifacts=${f[3]}
	if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then
		continue
	fi
	work=$builddir/tests/fuzz/long/$name
	log=$builddir/tests/fuzz/long/$name.log
	mkdir -p "$work" "$artifacts"
	echo "fuzzing $name for $seconds s (log: $log)"
	"$harness" -fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 \
		-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$artifacts/" "${f[@]:4}" "$work" "$seeds" >"$log" 2>&1 || true
	# the last status line: #EXECS: cov: C ft: F corp: N exec/s E oom/timeout/crash: O/T/K ...
	last=$(grep -E '^#[0-9]+: cov:' "$log" | tail -1 || true)
	execs=$(sed -nE 's/^#([0-9]+):.*/\1/p' <<<"$last")
	cov=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<<"$last")
	corp=$(sed -nE 's/.* corp: ([0-9]+) .*/\1/p' <<<"$last")
	otc=$(sed -nE 's|.* oom/timeout/crash: ([0-9/]+) .*|\1|p' <<<"$last")
	report+=("$(printf '%-16s %8s %14s %6s %6s %18s' "$name" "$seconds" "${execs:-?}" \
		"${cov:-?}" "${corp:-?}" "${otc:-?}")")
done
printf '%-16s %8s %14s %6s %6s %18s\n' harness seconds executions cov corpus oom/timeout/crash
printf '%s\n' "${report[@]}"
found=$(find "$builddir/tests/fuzz/artifacts" -type f 2>/dev/null | sort)
if [ -n "$found" ]; then
	printf 'inputs that failed (reproduce: HARNESS FILE):\n%s\n' "$found"
	exit 1
fi

#!/usr/bin/env bash
# meson test --suite fuzz in a -Dfuzz=true build: fuzz one harness for SECONDS from its seed
# corpus.  New inputs go to a temporary directory (the seeds in the repository stay as they
# are); a crash, leak or UBSan report fails the test and leaves its input in ARTIFACTS.
#   fuzz-one.sh HARNESS SEEDS ARTIFACTS SECONDS [libFuzzer options...]
set -euo pipefail
harness=$1 seeds=$2 artifacts=$3 seconds=$4
shift 4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"
"$harness" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$artifacts/" "$@" "$work" "$seeds"

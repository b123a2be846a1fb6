#!/usr/bin/env bash
# Install what is missing, build with gcc (and check that clang builds too), run the whole suite,
# then fuzz each parser briefly in the clang build (-Dfuzz=true: libFuzzer, ASan, UBSan).
set -euo pipefail
cd "$(dirname "$0")/.."
./.ci/deps.sh
builddir=${BUILDDIR:-build}
[ -d "$builddir" ] || meson setup "$builddir"
meson compile -C "$builddir"
if [ -z "${SKIP_CLANG:-}" ]; then
	[ -d "$builddir-clang" ] || CC=clang meson setup "$builddir-clang" -Dtests=false -Dfuzz=true >/dev/null
	meson introspect "$builddir-clang" --buildoptions | python3 -c 'import json, sys
sys.exit(not any(o["name"] == "fuzz" and o["value"] for o in json.load(sys.stdin)))' ||
		meson configure "$builddir-clang" -Dfuzz=true # a tree set up before -Dfuzz
	meson compile -C "$builddir-clang" >/dev/null
	echo "clang build: ok"
fi
meson test -C "$builddir" --print-errorlogs
[ -n "${SKIP_CLANG:-}" ] || meson test -C "$builddir-clang" --suite fuzz --print-errorlogs

#!/usr/bin/env bash
# Install what is missing, build with gcc (and check that clang builds too), run the whole suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./.ci/deps.sh
builddir=${BUILDDIR:-build}
[ -d "$builddir" ] || meson setup "$builddir"
meson compile -C "$builddir"
if [ -z "${SKIP_CLANG:-}" ]; then
	[ -d "$builddir-clang" ] || CC=clang meson setup "$builddir-clang" -Dtests=false >/dev/null
	meson compile -C "$builddir-clang" >/dev/null
	echo "clang build: ok"
fi
meson test -C "$builddir" --print-errorlogs

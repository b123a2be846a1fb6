#!/usr/bin/env bash
# Install the Debian 12 packages sysgate needs to build, test and run its demo (as root),
# plus any package named as an argument (bench/deps.sh adds the benchmark's peers).
set -euo pipefail
# libclang-rt-14-dev: clang's sanitizer and libFuzzer runtimes (only recommended by clang,
# which --no-install-recommends leaves out), for tests/fuzz.
pkgs=(meson ninja-build pkg-config gcc gcc-multilib clang libclang-rt-14-dev libc6-dev
      libseccomp-dev libevent-dev libjson-c-dev libcriterion-dev
      systemd python3 tar strace "$@")
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

#!/usr/bin/env bash
# Install what the benchmark needs (Debian 12, as root): the build packages of .ci/deps.sh,
# and what bench/peers-tar.sh compares sysgate with — the peers a user would pick instead
# (fakeroot, proot, strace), GNU tar and unshare (util-linux).
set -euo pipefail
exec bash "$(dirname "$0")/../.ci/deps.sh" fakeroot proot strace tar util-linux coreutils findutils

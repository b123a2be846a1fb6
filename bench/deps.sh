#!/usr/bin/env bash
# Install what bench/peers-tar.sh compares sysgate with (Debian 12, as root): the peers a
# user would pick instead (fakeroot, proot, strace), GNU tar and unshare (util-linux).
set -euo pipefail
pkgs=(fakeroot proot strace tar util-linux coreutils findutils)
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

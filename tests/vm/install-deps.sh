#!/usr/bin/env bash
# Installs everything ixl needs to build, test and run the virtual bench on
# Debian 12 (bookworm), as root. Idempotent: a second run only checks.
set -euo pipefail

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "install-deps: run as root (apt-get needs it)" >&2
		exit 77 # EX_NOPERM
	fi
}

# Build and unit-test dependencies.
build_pkgs=(build-essential cmake pkg-config libpcap-dev libbsd-dev)
# Virtual bench: guest kernel unpacking, initramfs, oracles inside the guest.
bench_pkgs=(busybox-static cpio gzip kmod tcpdump tshark pciutils iproute2 python3)
# QEMU 10 from bookworm-backports is the first with an igb model.
backports_pkgs=(qemu-system-x86)

missing=()
for p in "${build_pkgs[@]}" "${bench_pkgs[@]}" "$@"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
qemu_ok=0
if command -v qemu-system-x86_64 >/dev/null &&
	qemu-system-x86_64 -device help 2>/dev/null | grep -q '"igb"'; then
	qemu_ok=1
fi

if [ ${#missing[@]} -eq 0 ] && [ $qemu_ok -eq 1 ]; then
	exit 0
fi
need_root

export DEBIAN_FRONTEND=noninteractive
if [ $qemu_ok -eq 0 ] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
	echo "deb http://deb.debian.org/debian bookworm-backports main" \
		>/etc/apt/sources.list.d/ixl-backports.list
fi
apt-get update -qq
# tshark asks whether non-root users may capture; the default (no) is fine.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
if [ ${#missing[@]} -gt 0 ]; then
	apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [ $qemu_ok -eq 0 ]; then
	apt-get install -y -qq --no-install-recommends -t bookworm-backports "${backports_pkgs[@]}"
fi

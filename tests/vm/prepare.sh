#!/usr/bin/env bash
# Prepares the cache that tests/vm/ixl-vm boots from: a Debian guest kernel,
# its modules (with modules.dep) and a tiny busybox initramfs.
#
#   tests/vm/prepare.sh [--quick] [--force]
#
# Cache directory: $IXL_VM_CACHE, default /var/cache/ixl-vm. Layout:
#   kernel-VERSION/boot/vmlinuz-VERSION      the guest kernel (dpkg -x of linux-image-VERSION)
#   kernel-VERSION/lib/modules/VERSION/      its modules + modules.dep (modprobe -d kernel-VERSION)
#   initramfs-VERSION-STAMP.cpio.gz          busybox + virtio/9p modules + /init
#   current.env                              KVER, KERNEL, INITRD, MODDIR, STAMP (read by ixl-vm)
#
# The kernel version is what Debian's linux-image-amd64 depends on (apt-cache),
# unless $IXL_VM_KVER names one (e.g. 6.1.0-56-amd64). Once the cache is
# complete, later runs do not ask apt again (use --force to rebuild).
#
# --quick: only check that the cache is complete and current (no install-deps,
#          no apt): exit 0 if it is, otherwise prepare it as usual.
# --force: rebuild kernel tree and initramfs even if present.
#
# Idempotent; two concurrent runs serialise on an flock on CACHE/.lock, and
# everything is built in temporary names and renamed into place.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${IXL_VM_CACHE:-/var/cache/ixl-vm}
quick=0
force=0
for a in "$@"; do
	case $a in
	--quick) quick=1 ;;
	--force) force=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed -e '$d' -e 's/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "prepare.sh: unknown argument: $a" >&2
		exit 2
		;;
	esac
done

log() { echo "prepare.sh: $*" >&2; }
die() {
	log "error: $*"
	exit 1
}

# Modules the initramfs loads (with their dependencies, in order) to reach
# the host's root over virtio 9p.
initramfs_modules=(virtio_pci 9pnet_virtio 9p)

# The initramfs /init (busybox ash). It mounts the host's / read-only over 9p
# (tag ixlroot), a tmpfs on /run, the private control share (tag ixlctl) on
# /run/ixl-vm, and hands over to /run/ixl-vm/guest-init (a copy of
# tests/vm/guest-init made by ixl-vm) as the new root's init.
read -r -d '' init_script <<'EOF' || true
#!/bin/sh
export PATH=/bin
fail() {
	echo "ixl-vm initramfs: $*" >&2
	echo o >/proc/sysrq-trigger
	sleep 30
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
while read -r m; do
	insmod "/lib/ixl-modules/$m.ko" || fail "insmod $m failed"
done </lib/ixl-modules/order
o=trans=virtio,version=9p2000.L,msize=512000
mount -t 9p -o "$o,ro,cache=loose" ixlroot /newroot || fail "cannot mount the host root (9p tag ixlroot)"
mount -t tmpfs -o mode=0755 tmpfs /newroot/run || fail "cannot mount tmpfs on /run"
mkdir /newroot/run/ixl-vm
mount -t 9p -o "$o" ixlctl /newroot/run/ixl-vm || fail "cannot mount the control share (9p tag ixlctl)"
for d in dev proc sys; do
	mount --move "/$d" "/newroot/$d" || fail "cannot move /$d"
done
exec switch_root /newroot /bin/bash /run/ixl-vm/guest-init
fail "switch_root failed"
EOF
stamp=$(printf '%s\n' "$init_script" "${initramfs_modules[*]}" | sha256sum | cut -c1-12)

cache_ok() {
	[ -f "$cache/current.env" ] || return 1
	local KVER= KERNEL= INITRD= MODDIR= STAMP=
	# shellcheck disable=SC1091
	. "$cache/current.env"
	[ "$STAMP" = "$stamp" ] && [ -f "$KERNEL" ] && [ -f "$INITRD" ] &&
		[ -f "$MODDIR/lib/modules/$KVER/modules.dep" ] &&
		{ [ -z "${IXL_VM_KVER:-}" ] || [ "$IXL_VM_KVER" = "$KVER" ]; }
}

if [ $quick -eq 1 ] && [ $force -eq 0 ] && cache_ok; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	die "run as root (needs apt, mknod and $cache)"
fi
"$here/install-deps.sh"

mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
# Another run may have finished while we waited.
if [ $force -eq 0 ] && cache_ok; then
	exit 0
fi

find_kver() {
	if [ -n "${IXL_VM_KVER:-}" ]; then
		echo "$IXL_VM_KVER"
		return
	fi
	local v
	v=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -n1)
	if [ -z "$v" ]; then
		log "apt-cache knows no linux-image-amd64; running apt-get update"
		apt-get update -qq
		v=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -n1)
	fi
	[ -n "$v" ] || die "cannot tell which linux-image-*-amd64 linux-image-amd64 depends on"
	echo "$v"
}

kver=$(find_kver)
kdir="$cache/kernel-$kver"
tmp=$(mktemp -d "$cache/.tmp.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"

if [ $force -eq 1 ] || [ ! -f "$kdir/lib/modules/$kver/modules.dep" ] || [ ! -f "$kdir/boot/vmlinuz-$kver" ]; then
	log "fetching guest kernel linux-image-$kver"
	(cd "$tmp" && apt-get download -q "linux-image-$kver" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2) ||
		die "apt-get download linux-image-$kver failed"
	deb=$(ls "$tmp"/linux-image-*.deb)
	mkdir "$tmp/kernel"
	dpkg -x "$deb" "$tmp/kernel"
	rm -f "$deb"
	[ -f "$tmp/kernel/boot/vmlinuz-$kver" ] || die "package has no boot/vmlinuz-$kver"
	# Debian 12 ships plain .ko; later releases compress them, which modprobe
	# handles but busybox insmod in the initramfs may not: the initramfs
	# copies are decompressed below.
	depmod -b "$tmp/kernel" "$kver"
	rm -rf "$kdir"
	mv "$tmp/kernel" "$kdir"
fi

initrd="$cache/initramfs-$kver-$stamp.cpio.gz"
if [ $force -eq 1 ] || [ ! -f "$initrd" ]; then
	log "building initramfs $initrd"
	busybox=$(command -v busybox) || die "busybox not found (package busybox-static)"
	if ldd "$busybox" >/dev/null 2>&1; then
		die "$busybox is dynamically linked; install busybox-static"
	fi
	r="$tmp/root"
	mkdir -p "$r"/{bin,dev,proc,sys,newroot,lib/ixl-modules}
	cp "$busybox" "$r/bin/busybox"
	for applet in $("$r/bin/busybox" --list); do
		[ -e "$r/bin/$applet" ] || ln -s busybox "$r/bin/$applet"
	done
	mknod -m 600 "$r/dev/console" c 5 1
	mknod -m 666 "$r/dev/null" c 1 3
	: >"$r/lib/ixl-modules/order"
	while read -r _ path; do
		name=$(basename "$path")
		name=${name%%.ko*}
		grep -qx "$name" "$r/lib/ixl-modules/order" && continue
		case $path in
		*.ko) cp "$path" "$r/lib/ixl-modules/$name.ko" ;;
		*.ko.xz) xz -dc "$path" >"$r/lib/ixl-modules/$name.ko" ;;
		*.ko.zst) zstd -qdc "$path" >"$r/lib/ixl-modules/$name.ko" ;;
		*.ko.gz) gzip -dc "$path" >"$r/lib/ixl-modules/$name.ko" ;;
		*) die "unexpected module file $path" ;;
		esac
		echo "$name" >>"$r/lib/ixl-modules/order"
	done < <(for m in "${initramfs_modules[@]}"; do
		modprobe -d "$kdir" -S "$kver" --show-depends "$m" | grep '^insmod '
	done)
	for m in "${initramfs_modules[@]}"; do
		grep -qx "${m//-/_}" "$r/lib/ixl-modules/order" || die "module $m not found for $kver"
	done
	printf '%s\n' "$init_script" >"$r/init"
	chmod 755 "$r/init"
	(cd "$r" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) | gzip -1 >"$tmp/initrd"
	mv "$tmp/initrd" "$initrd"
fi

cat >"$tmp/current.env" <<EOF
KVER=$kver
KERNEL=$kdir/boot/vmlinuz-$kver
INITRD=$initrd
MODDIR=$kdir
STAMP=$stamp
EOF
mv "$tmp/current.env" "$cache/current.env"
# Drop initramfs images of older stamps/kernels (not the kernel trees: a
# running guest may be using one).
for f in "$cache"/initramfs-*.cpio.gz; do
	[ "$f" = "$initrd" ] || rm -f "$f"
done
log "ready: kernel $kver in $cache"

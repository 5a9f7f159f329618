#!/usr/bin/env bash
# Prepares the cache that tests/vm/ixl-vm boots from: a Debian guest kernel,
# its modules (with modules.dep) and a tiny busybox initramfs.
#
#   tests/vm/prepare.sh [--quick] [--force]
#
# Cache directory: $IXL_VM_CACHE, default /var/cache/ixl-vm. Layout:
#   kernel-VERSION/boot/vmlinuz-VERSION      the guest kernel (dpkg -x of linux-image-VERSION)
#   kernel-VERSION/boot/vmlinux-VERSION      the same uncompressed, booted through its PVH entry
#                                            (saves seconds of decompression under TCG)
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
# --force: rebuild the initramfs (and vmlinux) even if present. A complete
#          kernel tree is never replaced (running guests read modules from it);
#          delete CACHE/kernel-VERSION by hand to fetch it again.
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

# Modules copied into the initramfs (with their dependencies): virtio 9p to
# reach the host's root, vfio, and the drivers of the usual QEMU NICs. Other
# drivers are loaded from the cache later, by guest-init.
initramfs_modules=(virtio_pci 9pnet_virtio 9p vfio-pci vfio_iommu_type1
	e1000 e1000e igb virtio_net 8139cp 8139too vmxnet3)

# The initramfs /init (busybox ash, everything from RAM: fast under TCG). It
# mounts the host's / read-only over 9p (tag ixlroot) on /newroot, tmpfs over
# the places that must be writable, the private control share (tag ixlctl)
# on /run/ixl-vm and the work dir (tag ixlwork, path in /run/ixl-vm/workdir)
# at its host path; loads vfio-pci and the NIC drivers (by modalias of the
# functions in slots 0x04-0x1e), names NIC i's interface eth<i>; then hands
# over to /run/ixl-vm/guest-init (a copy of tests/vm/guest-init made by
# ixl-vm) in the new root. /etc/ixl-vm.conf (KVER, MODDIR) comes with it.
read -r -d '' init_script <<'EOF' || true
#!/bin/sh
export PATH=/bin
. /etc/ixl-vm.conf
fail() {
	echo "ixl-vm initramfs: $*" >&2
	echo o >/proc/sysrq-trigger
	sleep 30
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
dmesg -n 1
modprobe -a virtio_pci 9pnet_virtio 9p || fail "cannot load the 9p modules"
o=trans=virtio,version=9p2000.L,msize=512000
r=/newroot
mount -t 9p -o "$o,ro,cache=loose" ixlroot $r || fail "cannot mount the host root (9p tag ixlroot)"
mount -t tmpfs -o mode=0755 tmpfs $r/run || fail "cannot mount tmpfs on /run"
mkdir $r/run/ixl-vm $r/run/ixl-vm-bin
mount -t 9p -o "$o" ixlctl $r/run/ixl-vm || fail "cannot mount the control share (9p tag ixlctl)"
# The host's /tmp is hidden by a tmpfs, except the directories ixl-vm names
# in keep (a clone, build or cwd under /tmp): they are held by a bind mount
# while the tmpfs goes on, then moved back to their place on top of it.
n=0
while IFS= read -r p; do
	mkdir -p /keep/$n && mount -o bind "$r$p" /keep/$n && n=$((n + 1))
done <$r/run/ixl-vm/keep
for d in tmp var/tmp; do
	mount -t tmpfs -o mode=1777 tmpfs $r/$d
done
n=0
while IFS= read -r p; do
	mkdir -p "$r$p" && mount -o move /keep/$n "$r$p"
	n=$((n + 1))
done <$r/run/ixl-vm/keep
# Other tmpfs places: ixl-vm leaves out those holding the cwd, the repo or
# the module tree, which must stay visible.
while IFS= read -r d; do
	[ -d "$r$d" ] && mount -t tmpfs -o mode=0755 tmpfs "$r$d"
done <$r/run/ixl-vm/tmpfs
mkdir -p /dev/pts /dev/shm /dev/hugepages /dev/mqueue
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t hugetlbfs -o mode=1770 hugetlbfs /dev/hugepages
mount -t mqueue mqueue /dev/mqueue
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing
ln -s /proc/self/fd /dev/fd
ln -s /proc/self/fd/0 /dev/stdin
ln -s /proc/self/fd/1 /dev/stdout
ln -s /proc/self/fd/2 /dev/stderr
# The read-write work dir, at its host path (which may lie in a tmpfs above).
IFS= read -r w <$r/run/ixl-vm/workdir || fail "no work dir"
mkdir -p "$r$w" && mount -t 9p -o "$o" ixlwork "$r$w" || fail "cannot mount the work dir $w"
hostname ixl-vm
ip link set lo up
# Drivers: vfio, then by modalias for the NIC slots 0x04-0x1e (function 0).
modprobe -a vfio-pci vfio_iommu_type1
aliases=
for p in /sys/bus/pci/devices/0000:00:*.0; do
	s=${p##*:}
	s=$((0x${s%.0}))
	[ $s -ge 4 ] && [ $s -le 30 ] && aliases="$aliases $(cat $p/modalias)"
done
[ -n "$aliases" ] && modprobe -a -q $aliases
# virtio-net binds to the virtio device that virtio_pci creates.
aliases=
for p in /sys/bus/virtio/devices/*; do
	[ -e $p/driver ] || aliases="$aliases $(cat $p/modalias)"
done
[ -n "$aliases" ] && modprobe -a -q $aliases
for pass in ixltmp eth; do
	for n in /sys/bus/pci/devices/0000:00:*.0/net/* /sys/bus/pci/devices/0000:00:*.0/virtio*/net/*; do
		[ -e "$n" ] || continue
		p=${n%/net/*}
		p=${p%/virtio*}
		s=${p##*:}
		s=$((0x${s%.0}))
		[ $s -ge 4 ] && [ $s -le 30 ] && ip link set dev ${n##*/} name $pass$((s - 4))
	done
done
# modprobe in the new root: the modules are in the cache dir, the host has
# no /lib/modules. A wrapper is in PATH and the kernel's usermode modprobe.
mp=/usr/sbin/modprobe
[ -x $r$mp ] || mp=/sbin/modprobe
printf '#!/bin/sh\nexec %s -d %s "$@"\n' "$mp" "$MODDIR" >$r/run/ixl-vm-bin/modprobe
cp $r/run/ixl-vm-bin/modprobe $r/run/ixl-vm-bin/ixl-vm-modprobe
chmod 755 $r/run/ixl-vm-bin/modprobe $r/run/ixl-vm-bin/ixl-vm-modprobe
echo /run/ixl-vm-bin/modprobe >/proc/sys/kernel/modprobe
for d in dev proc sys; do
	mount --move "/$d" "$r/$d" || fail "cannot move /$d"
done
exec switch_root $r /bin/bash /run/ixl-vm/guest-init
fail "switch_root failed"
EOF
stamp=$(printf '%s\n' "$init_script" "${initramfs_modules[*]}" "$cache" | sha256sum | cut -c1-12)

cache_ok() {
	[ -f "$cache/current.env" ] || return 1
	local KVER= KERNEL= INITRD= MODDIR= STAMP=
	# shellcheck disable=SC1091
	. "$cache/current.env"
	[ "$STAMP" = "$stamp" ] && [ -f "$KERNEL" ] && [ -f "$INITRD" ] &&
		[ -f "$MODDIR/lib/modules/$KVER/modules.dep" ] &&
		{ [ -f "$MODDIR/boot/vmlinux-$KVER" ] || ! grep -qx 'CONFIG_PVH=y' "$MODDIR/boot/config-$KVER"; } &&
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

if [ ! -f "$kdir/lib/modules/$kver/modules.dep" ] || [ ! -f "$kdir/boot/vmlinuz-$kver" ]; then
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

# An uncompressed vmlinux (ELF with a PVH entry note), if the kernel has
# CONFIG_PVH: QEMU boots it directly, without decompressing under TCG.
extract_vmlinux='
import bz2, lzma, sys, zlib
data = open(sys.argv[1], "rb").read()
for magic, new in ((b"\xfd7zXZ\x00", lambda: lzma.LZMADecompressor()),
                   (b"\x1f\x8b\x08", lambda: zlib.decompressobj(31)),
                   (b"BZh", lambda: bz2.BZ2Decompressor())):
    i = data.find(magic)
    while i >= 0:
        try:
            out = new().decompress(data[i:])
            if out[:4] == b"\x7fELF":
                open(sys.argv[2], "wb").write(out)
                sys.exit(0)
        except Exception:
            pass
        i = data.find(magic, i + 1)
sys.exit(1)
'
kernel="$kdir/boot/vmlinuz-$kver"
if { [ $force -eq 1 ] || [ ! -f "$kdir/boot/vmlinux-$kver" ]; } && grep -qx 'CONFIG_PVH=y' "$kdir/boot/config-$kver" 2>/dev/null; then
	if python3 -c "$extract_vmlinux" "$kernel" "$tmp/vmlinux"; then
		mv "$tmp/vmlinux" "$kdir/boot/vmlinux-$kver"
	else
		log "cannot extract vmlinux; booting the compressed vmlinuz"
	fi
fi
[ -f "$kdir/boot/vmlinux-$kver" ] && kernel="$kdir/boot/vmlinux-$kver"

initrd="$cache/initramfs-$kver-$stamp.cpio.gz"
if [ $force -eq 1 ] || [ ! -f "$initrd" ]; then
	log "building initramfs $initrd"
	busybox=$(command -v busybox) || die "busybox not found (package busybox-static)"
	if ldd "$busybox" >/dev/null 2>&1; then
		die "$busybox is dynamically linked; install busybox-static"
	fi
	r="$tmp/root"
	mkdir -p "$r"/{bin,dev,proc,sys,newroot,etc}
	cp "$busybox" "$r/bin/busybox"
	for applet in $("$r/bin/busybox" --list); do
		[ -e "$r/bin/$applet" ] || ln -s busybox "$r/bin/$applet"
	done
	mknod -m 600 "$r/dev/console" c 5 1
	mknod -m 666 "$r/dev/null" c 1 3
	case $cache in *[\'\"\\\ \$\`]*) die "cache path $cache: no quotes, spaces, \$ or \\ please" ;; esac
	mdir="$r/lib/modules/$kver"
	mkdir -p "$mdir"
	while read -r _ path; do
		rel=${path#"$kdir/lib/modules/$kver/"}
		dst="$mdir/${rel%%.ko*}.ko"
		[ -e "$dst" ] && continue
		mkdir -p "$(dirname "$dst")"
		case $path in
		*.ko) cp "$path" "$dst" ;;
		*.ko.xz) xz -dc "$path" >"$dst" ;;
		*.ko.zst) zstd -qdc "$path" >"$dst" ;;
		*.ko.gz) gzip -dc "$path" >"$dst" ;;
		*) die "unexpected module file $path" ;;
		esac
	done < <(for m in "${initramfs_modules[@]}"; do
		modprobe -d "$kdir" -S "$kver" --show-depends "$m" | grep '^insmod '
	done)
	cp "$kdir/lib/modules/$kver"/modules.{builtin,builtin.modinfo,order} "$mdir/"
	depmod -b "$r" "$kver"
	for m in "${initramfs_modules[@]}"; do
		modprobe -d "$r" -S "$kver" --show-depends "$m" >/dev/null 2>&1 || die "module $m not found for $kver"
	done
	printf 'KVER=%s\nMODDIR=%s\n' "$kver" "$kdir" >"$r/etc/ixl-vm.conf"
	printf '%s\n' "$init_script" >"$r/init"
	chmod 755 "$r/init"
	(cd "$r" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) | gzip -1 >"$tmp/initrd"
	mv "$tmp/initrd" "$initrd"
fi

cat >"$tmp/current.env" <<EOF
KVER=$kver
KERNEL=$kernel
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

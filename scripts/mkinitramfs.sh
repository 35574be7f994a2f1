#!/usr/bin/env bash
# Builds a gzip'd newc initramfs for the plugland test VM (see vm-run.sh).
#
#   scripts/mkinitramfs.sh OUT.cpio.gz GUEST_SCRIPT [FILE...]
#
# Contents: static busybox with all applets in /bin and /sbin; stress-ng,
# hackbench and cyclictest from the host in /usr/bin; each FILE in
# /usr/local/lib/plugland/ if its name ends in .so or .bpf.o, else in /usr/local/bin if
# it is executable (ELF files bring the libraries ldd lists, at the same
# absolute paths); GUEST_SCRIPT as /test.sh (so /bin/sh, not bash); an /init
# that mounts the usual file systems, exports every kernel argument
# plugland.NAME=VALUE as PLUGLAND_NAME=VALUE, runs /test.sh, prints
# "PLUGLAND_VM_EXIT=<status>" and powers off.
set -euo pipefail

usage() { echo "usage: $0 OUT.cpio.gz GUEST_SCRIPT [FILE...]" >&2; exit 2; }
[ $# -ge 2 ] || usage
out=$1 guest=$2
shift 2
[ -f "$guest" ] || { echo "mkinitramfs: no such file: $guest" >&2; exit 1; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

is_elf() { [ "$(head -c4 "$1" | od -An -c | tr -d ' ')" = '177ELF' ]; }

# copy FILE DIR: FILE into $root/DIR, plus the libraries ldd lists for it
# (the dynamic loader included) at their absolute paths.
copy() {
	local f=$1 dir=$2 lib
	mkdir -p "$root$dir"
	cp -L "$f" "$root$dir/"
	is_elf "$f" || return 0
	if ldd "$f" 2>/dev/null | grep 'not found' >&2; then
		echo "mkinitramfs: warning: $f has missing libraries (above)" >&2
	fi
	for lib in $(ldd "$f" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,usr/bin}
cp -L "$(command -v busybox)" "$root/bin/busybox"
for applet in $("$root/bin/busybox" --list); do
	[ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
	ln -s ../bin/busybox "$root/sbin/$applet"
done

for tool in stress-ng hackbench cyclictest; do
	copy "$(command -v "$tool")" /usr/bin
done

for f in "$@"; do
	if [[ $f == *.so || $f == *.bpf.o ]]; then
		copy "$f" /usr/local/lib/plugland
	elif [ -f "$f" ] && [ -x "$f" ]; then
		copy "$f" /usr/local/bin
	else
		echo "mkinitramfs: not a .so nor an executable: $f" >&2
		exit 1
	fi
done

install -m 755 "$guest" "$root/test.sh"

cat >"$root/init" <<'EOF'
#!/bin/busybox sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
exec </dev/console >/dev/console 2>&1
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mkdir -p /dev/shm && mount -t tmpfs tmpfs /dev/shm
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
if grep -qw tracefs /proc/filesystems; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
fi
export PATH=/usr/local/bin:/usr/bin:/bin:/sbin HOME=/root
ip link set lo up

# plugland.foo-bar=baz on the kernel command line -> PLUGLAND_FOO_BAR=baz
set -f
for arg in $(cat /proc/cmdline); do
	case $arg in plugland.?*=*) ;; *) continue ;; esac
	name=$(echo "${arg%%=*}" | sed 's/^plugland\.//; s/[^A-Za-z0-9_]/_/g' | tr a-z A-Z)
	export "PLUGLAND_$name=${arg#*=}"
done
set +f

echo "plugland-vm: kernel $(uname -r), $(nproc) CPUs"
/test.sh
status=$?
echo "PLUGLAND_VM_EXIT=$status"
sync
poweroff -f
EOF
chmod 755 "$root/init"

# Fixed owners, modes from the sources, mtimes zeroed, sorted entries.
find "$root" -exec touch -h -d @0 {} +
(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc -R 0:0 --reproducible --quiet) | gzip -9n >"$out"

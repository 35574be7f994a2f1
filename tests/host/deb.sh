#!/usr/bin/env bash
# The Debian package ($(O)/deb/plugland_*.deb, make deb): lintian finds no
# error; installed with dpkg into a throwaway root it holds what an
# operator needs, runs (--list-plugins, --simulate), and a purge leaves
# nothing behind.
#
#   tests/host/deb.sh BUILD_DIR
set -uo pipefail
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "$0")/lib.sh"

deb=$(ls "$build"/deb/plugland_*.deb 2>/dev/null | head -n1)
if [ -z "$deb" ]; then
	echo "FAIL deb: no package in $build/deb (make deb)"
	exit 1
fi

# Errors fail (lintian's exit status); warnings are shown.
lintian --fail-on error --tag-display-limit 0 "$deb" >"$tmp/lintian" 2>&1
rc=$?
grep -v 'running with root privileges' "$tmp/lintian" >"$tmp/tags"
verdict $rc "lintian $(basename "$deb"): no error ($(grep -c '^W:' "$tmp/tags") warnings)" "$tmp/tags"
grep '^W:' "$tmp/lintian" | sed 's/^/    /'

# A throwaway root: dpkg's own database, nothing else. Maintainer scripts
# run outside a chroot, told the root (DPKG_ROOT).
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
: >"$root/var/lib/dpkg/status"
dpkg() { command dpkg --root="$root" --force-script-chrootless --force-depends --log=/dev/null "$@"; }
dpkg -i "$deb" >"$tmp/install" 2>&1
verdict $? "dpkg -i into a throwaway root" "$tmp/install"

missing=""
for f in usr/bin/scx_plugland usr/bin/plugland-dump usr/bin/plugland-replay usr/include/plugland/plugin.h \
	usr/share/pkgconfig/plugland.pc etc/plugland/plugland.ini usr/lib/plugland/deadline.so \
	usr/lib/plugland/fifo.so usr/share/man/man8/scx_plugland.8.gz \
	usr/share/man/man5/plugland.ini.5.gz usr/share/man/man1/plugland-dump.1.gz usr/share/man/man1/plugland-replay.1.gz \
	usr/share/man/man7/plugland-plugin.7.gz usr/lib/systemd/system/scx_plugland.service \
	usr/share/bash-completion/completions/scx_plugland; do
	[ -e "$root/$f" ] || missing="$missing /$f"
done
[ -z "$missing" ]
verdict $? "the package holds the binaries, plugins, SDK, ini, man pages, unit and completion${missing:+ (missing:$missing)}"
dpkg -s plugland 2>/dev/null | grep -A3 '^Conffiles:' >"$tmp/conffiles"
grep -q '^ /etc/plugland/plugland.ini ' "$tmp/conffiles"
verdict $? "/etc/plugland/plugland.ini is a conffile" "$tmp/conffiles"

# It runs from there (on this machine's libraries).
bin=$root/usr/bin/scx_plugland
cfg=(-c "$root/etc/plugland/plugland.ini" -P "$root/usr/lib/plugland")
"$bin" "${cfg[@]}" --list-plugins >"$tmp/list" 2>&1 && grep -q deadline "$tmp/list"
verdict $? "the installed scx_plugland --list-plugins" "$tmp/list"
"$bin" "${cfg[@]}" --set control.socket= --simulate 10000 >"$tmp/sim" 2>&1 &&
	grep -q '^simulated 10000 decisions' "$tmp/sim"
verdict $? "the installed scx_plugland --simulate 10000 on the installed configuration" "$tmp/sim"

dpkg --purge plugland >"$tmp/purge" 2>&1
verdict $? "dpkg --purge" "$tmp/purge"
find "$root" -mindepth 1 ! -path "$root/var/lib/dpkg" ! -path "$root/var/lib/dpkg/*" \
	! -path "$root/var/lib" ! -path "$root/var" >"$tmp/left"
[ ! -s "$tmp/left" ]
verdict $? "nothing left behind after the purge" "$tmp/left"

[ "$failed" = 0 ]

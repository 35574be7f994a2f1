#!/usr/bin/env bash
# The SDK as a user gets it: `make install` into a scratch root, build
# examples/my_policy out of tree with the installed pkg-config file, load
# it from the installed plugin folder and run it on the simulator;
# `make uninstall` removes what install put there. It builds in a scratch
# folder of its own: BUILD_DIR, the tree's build, is left as it is.
#
#   tests/host/sdk.sh [BUILD_DIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"
prefix=/opt/plugland-sdk-test

# A build of its own: one for another prefix has other paths compiled in,
# and would replace the binaries of $build that the other tests run.
make -s -C "$top" O="$root/build" install DESTDIR="$root" PREFIX="$prefix" \
	SYSCONFDIR="$prefix/etc" >/dev/null
export PKG_CONFIG_PATH=$root$prefix/share/pkgconfig PKG_CONFIG_SYSROOT_DIR=$root
plugindir=$root$(PKG_CONFIG_SYSROOT_DIR= pkg-config --variable=plugindir plugland)
work=$root/work
mkdir -p "$work"
cp "$top/examples/my_policy/my_policy.c" "$work/"
# shellcheck disable=SC2046 # pkg-config's flags are words
cc -Wall -Wextra -Werror -shared -fPIC $(pkg-config --cflags plugland) \
	"$work/my_policy.c" -o "$work/my_policy.so"
install -m 644 "$work/my_policy.so" "$plugindir/"

out=$("$root$prefix/bin/scx_plugland" -c "$root$prefix/etc/plugland/plugland.ini" \
	-P "$plugindir" -p my_policy --simulate 50000)
echo "$out" | sed 's/^/    /'
grep -q "policy 'my_policy'" <<<"$out" || { echo "FAIL sdk: my_policy did not run"; exit 1; }
"$root$prefix/bin/scx_plugland" -P "$plugindir" --list-plugins | grep -q '^my_policy *ok' ||
	{ echo "FAIL sdk: --list-plugins does not show my_policy as ok"; exit 1; }

rm "$plugindir/my_policy.so"
make -s -C "$top" O="$root/build" uninstall DESTDIR="$root" PREFIX="$prefix" \
	SYSCONFDIR="$prefix/etc" >/dev/null
left=$(find "$root$prefix" -type f ! -name plugland.ini)
[ -z "$left" ] || { echo "FAIL sdk: uninstall left: $left"; exit 1; }
echo "PASS sdk: built against the installed SDK, loaded, ran; uninstall clean"

#!/usr/bin/env bash
# Fetches a Debian kernel built with CONFIG_SCHED_CLASS_EXT=y from
# trixie-backports and prints the path of its vmlinuz. Cached: a kernel
# already fetched is not downloaded again.
#
#   scripts/fetch-kernel.sh [SERIES]
#
# SERIES (or $KERNEL): "6.18" (default, the LTS), "7.3", "latest", or an
# exact Debian version such as "6.18.15+deb13". The newest matching flavour
# "-amd64" is used. From 7.x Debian splits the image into linux-binary-*;
# both layouts are handled.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${PLUGLAND_CACHE:-$here/../.cache}
series=${1:-${KERNEL:-6.18}}
apt_dir=$cache/apt-trixie

# shellcheck source=apt-private.sh
. "$here/apt-private.sh"

log() { echo "fetch-kernel: $*" >&2; }

# An exact version already in the cache needs no network at all.
if [ -f "$cache/kernels/$series/vmlinuz" ]; then
	echo "$cache/kernels/$series/vmlinuz"
	exit 0
fi

# Refresh the private package index at most once a day.
APT_PRIV_DIR=$apt_dir
if [ -z "$(find "$apt_dir/lists" -maxdepth 1 -name '*Packages*' -mmin -1440 2>/dev/null)" ]; then
	log "updating the trixie-backports index"
	apt_private_init "$apt_dir" trixie-backports >&2
fi

available_versions() {
	local f
	for f in "$apt_dir"/lists/*trixie-backports*_Packages*; do
		case $f in
		*.lz4) lz4cat "$f" ;; *.xz) xzcat "$f" ;; *.gz) zcat "$f" ;; *) cat "$f" ;;
		esac
	done | sed -n 's/^Package: linux-\(image\|binary\)-\([0-9][^ ]*+deb[0-9]*\)-amd64$/\2/p' | sort -uV
}

case $series in
latest) version=$(available_versions | tail -n1) ;;
*+deb*) version=$series ;;
*) version=$(available_versions | grep -E "^${series//./\\.}\.[0-9]+\+" | tail -n1 || true) ;;
esac
[ -n "${version:-}" ] || { log "no trixie-backports kernel matches '$series'"; exit 1; }

out=$cache/kernels/$version
if [ ! -f "$out/vmlinuz" ]; then
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	for pkg in "linux-image-$version-amd64" "linux-binary-$version-amd64"; do
		log "downloading $pkg"
		(cd "$tmp" && apt_private download "$pkg" >/dev/null 2>&1) || continue
		deb=$(ls "$tmp"/*.deb 2>/dev/null | head -n1) || true
		[ -n "$deb" ] || continue
		# <= 6.x: ./boot/vmlinuz-VER; 7.x linux-binary: ./usr/lib/modules/VER/vmlinuz
		dpkg-deb --fsys-tarfile "$deb" |
			tar -x -C "$tmp" --wildcards './boot/vmlinuz-*' './usr/lib/modules/*/vmlinuz' 2>/dev/null || true
		rm -f "$tmp"/*.deb
		img=$(find "$tmp" -path "$tmp/*/vmlinuz*" -type f 2>/dev/null | head -n1 || true)
		[ -n "$img" ] && break
	done
	[ -n "$img" ] || { log "no vmlinuz in the packages of $version"; exit 1; }
	mkdir -p "$out"
	cp "$img" "$out/vmlinuz.tmp" && mv "$out/vmlinuz.tmp" "$out/vmlinuz"
	log "kernel $version cached in $out"
fi
# Aliases ("6.18", "latest") resolve through the index; exact versions hit
# the early exit above next time.
echo "$out/vmlinuz"

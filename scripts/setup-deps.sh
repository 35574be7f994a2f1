#!/usr/bin/env bash
# Installs everything plugland needs to build and test, on Debian 12
# (bookworm), as root. Idempotent: exits quickly when all is present.
#
#   scripts/setup-deps.sh          build + test dependencies
#
# libbpf 1.1 in bookworm is too old for sched_ext; libbpf 1.4 comes from
# bookworm-backports through a private apt source list (the system's apt
# configuration is not modified).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cache=${PLUGLAND_CACHE:-$here/../.cache}

APT_PKGS=(
	make gcc pkg-config clang-19 llvm-19 lld-19
	libelf-dev zlib1g-dev libinih-dev libcmocka-dev libclang-rt-19-dev libcjson-dev
	qemu-system-x86 busybox-static cpio zstd xz-utils lz4
	stress-ng rt-tests procps python3 gnuplot-nox valgrind
	debhelper dpkg-dev lintian python3-yaml
	scdoc man-db groff-base systemd bash-completion
	prometheus
)
BPO_LIBBPF_MIN=1.4

have_pkgs() {
	local n
	n=$(dpkg-query -W -f='${db:Status-Abbrev}\n' "$@" 2>/dev/null | grep -c '^ii')
	[ "$n" -eq $# ]
}

libbpf_ok() {
	local v
	v=$(pkg-config --modversion libbpf 2>/dev/null) || return 1
	dpkg --compare-versions "$v" ge "$BPO_LIBBPF_MIN"
}

need_root() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "setup-deps: missing packages; run as root: sudo $0" >&2
		exit 1
	fi
}

if ! have_pkgs "${APT_PKGS[@]}"; then
	need_root
	echo "setup-deps: installing Debian packages"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${APT_PKGS[@]}" >/dev/null
fi

if ! libbpf_ok; then
	need_root
	echo "setup-deps: installing libbpf >= $BPO_LIBBPF_MIN from bookworm-backports"
	# shellcheck source=apt-private.sh
	. "$here/apt-private.sh"
	apt_private_init "$cache/apt" bookworm-backports
	rm -f "$cache/apt/archives/"libbpf*.deb
	(cd "$cache/apt/archives" &&
		apt_private download libbpf1/bookworm-backports libbpf-dev/bookworm-backports >/dev/null 2>&1)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$cache/apt/archives/"libbpf*.deb >/dev/null
	libbpf_ok || { echo "setup-deps: libbpf still too old" >&2; exit 1; }
fi
exit 0

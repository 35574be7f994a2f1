# shellcheck shell=bash
# Helpers for fetching packages from Debian suites the machine does not have
# configured (bookworm-backports, trixie-backports), without touching the
# system's apt configuration. The mirror is read from the machine's own apt
# sources at run time; no registry host is written down here.
#
# Usage (sourced):  apt_private_init SUITE...   then   apt_private download PKG...

apt_private_mirror() {
	local f uri
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		# First deb822 URIs line whose suite list names a plain Debian suite.
		uri=$(awk '/^URIs:/{u=$2} /^Suites:/{ if (u != "" && $0 !~ /security/) { print u; exit } }' "$f")
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	done
	if [ -r /etc/apt/sources.list ]; then
		uri=$(awk '$1=="deb" && $0 !~ /security/ { for (i=2;i<=NF;i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' /etc/apt/sources.list)
		[ -n "$uri" ] && { echo "$uri"; return 0; }
	fi
	echo "apt-private: no Debian mirror found in /etc/apt/sources.list{,.d}" >&2
	return 1
}

# apt_private_init DIR SUITE...: a private source list + state under DIR.
apt_private_init() {
	APT_PRIV_DIR=$1; shift
	local mirror suite
	mirror=$(apt_private_mirror) || return 1
	mkdir -p "$APT_PRIV_DIR/lists/partial" "$APT_PRIV_DIR/archives/partial"
	: > "$APT_PRIV_DIR/sources.list"
	for suite in "$@"; do
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror $suite main" \
			>> "$APT_PRIV_DIR/sources.list"
	done
	apt_private update -qq
}

apt_private() {
	apt-get \
		-o Dir::Etc::SourceList="$APT_PRIV_DIR/sources.list" \
		-o Dir::Etc::SourceParts=/dev/null \
		-o Dir::State::Lists="$APT_PRIV_DIR/lists" \
		-o Dir::Cache::Archives="$APT_PRIV_DIR/archives" \
		-o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= \
		-o APT::Get::List-Cleanup=0 \
		"$@"
}

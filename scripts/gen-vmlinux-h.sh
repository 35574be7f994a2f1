#!/usr/bin/env bash
# Regenerates bpf/vmlinux.h from the BTF of a trixie-backports kernel.
# A maintainer tool: the result is checked in (as the scx project does),
# so builds need neither bpftool nor a kernel with sched_ext.
#
#   scripts/gen-vmlinux-h.sh [SERIES]      (default: 6.18)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$here/..
cache=${PLUGLAND_CACHE:-$top/.cache}
vmlinuz=$("$here/fetch-kernel.sh" "${1:-6.18}")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# bpftool from bookworm-backports, unpacked privately (not installed).
bpftool=$cache/bpftool/usr/sbin/bpftool
if [ ! -x "$bpftool" ]; then
	# shellcheck source=apt-private.sh
	. "$here/apt-private.sh"
	apt_private_init "$cache/apt" bookworm-backports
	(cd "$tmp" && apt_private download bpftool/bookworm-backports >/dev/null 2>&1)
	dpkg-deb -x "$tmp"/bpftool_*.deb "$cache/bpftool"
fi

# The bzImage carries a compressed vmlinux; find the zstd/xz/gzip stream.
python3 - "$vmlinuz" "$tmp/vmlinux.z" <<'PY'
import sys
data = open(sys.argv[1], 'rb').read()
for magic in (b'\x28\xb5\x2f\xfd', b'\xfd7zXZ\x00', b'\x1f\x8b\x08'):
    off = data.find(magic)
    if off >= 0:
        open(sys.argv[2], 'wb').write(data[off:])
        sys.exit(0)
sys.exit("gen-vmlinux-h: no compressed kernel found in " + sys.argv[1])
PY
(zstd -dcq "$tmp/vmlinux.z" 2>/dev/null || xz -dcq "$tmp/vmlinux.z" 2>/dev/null ||
	zcat -q "$tmp/vmlinux.z" 2>/dev/null || true) > "$tmp/vmlinux"
"$bpftool" btf dump file "$tmp/vmlinux" format c > "$tmp/vmlinux.h"
grep -q 'struct sched_ext_ops {' "$tmp/vmlinux.h" || { echo "gen-vmlinux-h: kernel has no sched_ext BTF" >&2; exit 1; }
mv "$tmp/vmlinux.h" "$top/bpf/vmlinux.h"
echo "bpf/vmlinux.h regenerated from $(basename "$(dirname "$vmlinuz")")"

#!/usr/bin/env bash
# The tree a benchmark measures: its commit, "-dirty" when tracked files
# outside bench/results/ differ from it (a boot that rewrites a tracked
# results file must not make the next measurement "dirty").
#
#   bench/source-id.sh [DIR]     (default: this checkout)
top=${1:-$(cd "$(dirname "$0")/.." && pwd)}
src=$(git -C "$top" describe --always 2>/dev/null) || { echo unknown; exit 0; }
if [ -n "$(git -C "$top" status --porcelain --untracked-files=no -- . ':(exclude)bench/results' 2>/dev/null)" ]; then
	src=$src-dirty
fi
echo "$src"

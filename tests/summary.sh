#!/bin/sh
# tests/summary.sh BUILD_DIR: the closing lines of make test. Counts the
# verdicts every stage left behind (BUILD_DIR/results/*.txt for the unit,
# sanitizer, host and smoke stages; the VM boots' console logs), lists
# what was skipped and why, and what failed. Non-zero when anything
# failed or when no verdict was found at all.
set -u
b=${1:-build}
all=$(mktemp)
trap 'rm -f "$all"' EXIT
for f in "$b"/results/*.txt "$b"/san/results/*.txt "$b"/vm/console*.log; do
	[ -f "$f" ] || continue
	case $f in
	"$b"/san/*) tag=" (ASan/UBSan)" ;;
	*) tag="" ;;
	esac
	tr -d '\r' <"$f" | grep -aE '^(PASS|FAIL|SKIP) ' | sed "s|^\(....\) \([^:]*\)|\1 \2$tag|"
done >"$all"
passed=$(grep -c '^PASS ' "$all")
failed=$(grep -c '^FAIL ' "$all")
skipped=$(grep -c '^SKIP ' "$all")
if [ "$skipped" -gt 0 ]; then
	echo "  skipped:"
	grep '^SKIP ' "$all" | sed 's/^SKIP /    /'
fi
if [ "$failed" -gt 0 ]; then
	echo "  failed:"
	grep '^FAIL ' "$all" | sed 's/^FAIL /    /'
fi
echo "make test: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]

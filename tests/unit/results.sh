#!/bin/sh
# tests/unit/results.sh LOG NAME: one line per test of a cmocka program's
# output LOG, "PASS|FAIL|SKIP NAME/test", a skip with its reason (the
# "skipped: ..." line the test printed before skip()). Summary lines at
# the end repeat the verdicts: only the first verdict after a RUN counts.
awk -v prog="$2" '
	/^\[ RUN      \] / { cur = $4; why = ""; next }
	cur != "" && /^skipped: / { why = substr($0, 10); next }
	cur != "" && /^\[       OK \] / { print "PASS " prog "/" cur; cur = ""; next }
	cur != "" && /^\[  SKIPPED \] / {
		print "SKIP " prog "/" cur ": " (why != "" ? why : "no reason given"); cur = ""; next
	}
	cur != "" && /^\[  (FAILED|ERROR) *\] / { print "FAIL " prog "/" cur; cur = ""; next }
' "$1"

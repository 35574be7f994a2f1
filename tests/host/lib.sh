# Sourced by tests/host/*.sh: one verdict line a check, counted in $failed.
failed=0

# verdict STATUS WHAT [FILE]: PASS WHAT when STATUS is 0, else FAIL WHAT
# and the first 40 lines of FILE, indented.
verdict() {
	if [ "$1" = 0 ]; then
		echo "PASS $2"
	else
		echo "FAIL $2"; [ -z "${3:-}" ] || sed 's/^/    /' "$3" | head -n 40
		failed=$((failed + 1))
	fi
}

#!/usr/bin/env bash
# What `make install` adds for running scx_plugland as a service (issue
# 20): the systemd unit, the man pages, bash completion. No sched_ext or
# root needed: the unit is checked by systemd-analyze, not started.
#
#   tests/host/service.sh BUILD_DIR
set -uo pipefail
b=${1:-build}
bin=$(cd "$b" && pwd)/scx_plugland
man_dir=$b/man
unit=$b/dist/scx_plugland.service
completion=dist/completion/scx_plugland
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

pass() { echo "PASS $1"; }
fail() {
	echo "FAIL $1"
	[ -z "${2:-}" ] || sed 's/^/    /' <<<"$2" | cat -v
	failed=$((failed + 1))
}

# --- the systemd unit -------------------------------------------------

if [ ! -f "$unit" ]; then
	fail "service: $unit: not built"
else
	left=$(grep -n '@[A-Z_]*@' "$unit")
	[ -z "$left" ] && pass "service: every @PLACEHOLDER@ filled in" ||
		fail "service: placeholders left" "$left"
	missing=""
	for want in 'After=.*sys-fs-bpf\.mount' 'ExecStart=/.*/scx_plugland -c /.*\.ini$' \
		'ExecReload=/bin/kill -HUP \$MAINPID$' 'Restart=on-failure$' \
		'StartLimitIntervalSec=[1-9]' 'StartLimitBurst=[1-9]' 'LimitMEMLOCK=infinity$' \
		'CapabilityBoundingSet=.*CAP_SYS_ADMIN' 'CapabilityBoundingSet=.*CAP_BPF' \
		'CapabilityBoundingSet=.*CAP_IPC_LOCK' 'ProtectSystem=strict$' \
		'ReadWritePaths=.*/run' 'NoNewPrivileges=yes$' 'SystemCallArchitectures=native$'; do
		grep -qE "^$want" "$unit" || missing+="$want"$'\n'
	done
	[ -z "$missing" ] && pass "service: start, reload, restart, limits, hardening directives" ||
		fail "service: directives missing" "$missing"
	# systemd-analyze verify wants the ExecStart binary to exist and the
	# Documentation= man pages to be found: the build tree's.
	mkdir -p "$tmp/unit" "$tmp/man"
	sed "s|^ExecStart=[^ ]*/scx_plugland |ExecStart=$bin |" "$unit" >"$tmp/unit/scx_plugland.service"
	for p in "$man_dir"/*; do
		[ -f "$p" ] || continue
		mkdir -p "$tmp/man/man${p##*.}" && cp "$p" "$tmp/man/man${p##*.}/"
	done
	if ! command -v systemd-analyze >/dev/null; then
		fail "service: systemd-analyze verify: no systemd-analyze (scripts/setup-deps.sh installs it)"
	else
		out=$(MANPATH=$tmp/man SYSTEMD_LOG_COLOR=0 systemd-analyze verify \
			"$tmp/unit/scx_plugland.service" 2>&1)
		rc=$?
		# An unknown directive is only a warning: any output fails.
		[ $rc = 0 ] && [ -z "$out" ] && pass "service: systemd-analyze verify" ||
			fail "service: systemd-analyze verify: exit $rc" "$out"
		# verify takes an unknown capability silently
		caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit")
		# shellcheck disable=SC2086 # one argument per capability
		out=$(systemd-analyze capability $caps 2>&1 >/dev/null)
		rc=$?
		[ $rc = 0 ] && [ -n "$caps" ] && pass "service: capabilities known: $caps" ||
			fail "service: CapabilityBoundingSet=$caps" "$out"
	fi
fi

# --- the man pages ----------------------------------------------------

pages="scx_plugland.8 plugland.ini.5 plugland-dump.1 plugland-replay.1 plugland-plugin.7"
for p in $pages; do
	if [ ! -s "$man_dir/$p" ]; then
		fail "man $p: not built in $man_dir"
		continue
	fi
	# man --warnings: groff's own warnings (-ww) and man-db's
	out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l -Tutf8 "$man_dir/$p" 2>&1 >/dev/null)
	out+=$(groff -ww -z -man "$man_dir/$p" 2>&1 | sed '1s/^/\n/')
	[ -z "$out" ] && pass "man $p: renders without a warning" || fail "man $p: warnings" "$out"
done

# text PAGE: the page as plain text, wide enough for a term on one line
text() { MANWIDTH=200 man -l -Tutf8 "$man_dir/$1" 2>/dev/null | col -bx; }
# term REGEX FILE: a line of FILE (text) is a term that REGEX starts: at
# the indent of the body, and the next line indented under it (a line of
# prose that starts with the word is followed by one at the same indent).
# (grep -c reads it all: under pipefail, grep -q's early exit fails the first)
term() { [ "$(grep -E -A1 -- "^ {7}$1" "$2" | grep -cE '^ {11}[^ ]')" -gt 0 ]; }

# plugland.ini(5) documents every key --print-config prints and no other:
# the host's table (config.c, bpf_settings.h) and the plugin keys of the
# shipped ini, the commented-out ones too (uncommented here).
if [ -s "$man_dir/plugland.ini.5" ]; then
	sed -E 's/^;([a-z_]+ = )/\1/' conf/plugland.ini >"$tmp/all.ini"
	"$bin" -c "$tmp/all.ini" -P "$b/plugins" --print-config >"$tmp/config" 2>"$tmp/config.err"
	awk '/^\[.*\]$/ { s = substr($0, 2, length($0) - 2); next }
	     s != "" && / = / { sub(/ = .*/, ""); print s "." $0 }' "$tmp/config" | sort -u >"$tmp/printed"
	# documented: "*key* = ..." term lines under "## [section]"
	awk '/^## \[.*\]$/ { s = substr($0, 5, length($0) - 5); next }
	     /^# / { s = "" }
	     s != "" && /^\*[a-z_]+\* = / { k = $1; gsub(/\*/, "", k); print s "." k }' \
		docs/man/plugland.ini.5.scd | sort -u >"$tmp/documented"
	# ... and rendered so: a term line "key = default" in the page
	text plugland.ini.5 >"$tmp/ini.txt"
	while read -r sk; do
		term "${sk#*.} = " "$tmp/ini.txt" || echo "$sk (not rendered)"
	done <"$tmp/documented" >"$tmp/unrendered"
	missing=$(comm -23 "$tmp/printed" "$tmp/documented")
	extra=$(comm -13 "$tmp/printed" "$tmp/documented")
	if [ "$(wc -l <"$tmp/printed")" -lt 30 ]; then
		fail "man plugland.ini.5: --print-config printed $(wc -l <"$tmp/printed") keys" \
			"$(cat "$tmp/config" "$tmp/config.err")"
	elif [ -n "$missing$extra" ] || [ -s "$tmp/unrendered" ]; then
		fail "man plugland.ini.5: keys differ from --print-config" \
			"$(sed -n 's/^./missing from the page: &/p' <<<"$missing"
			   sed -n 's/^./not printed by --print-config: &/p' <<<"$extra"; cat "$tmp/unrendered")"
	else
		pass "man plugland.ini.5: the $(wc -l <"$tmp/printed") keys of --print-config, no other"
	fi
fi

# scx_plugland(8): every long flag of --help and ctl --help, every ctl
# command of the control socket's table (control_cmds.c) and of ctl --help,
# each as a term line of its own.
if [ -s "$man_dir/scx_plugland.8" ]; then
	text scx_plugland.8 >"$tmp/8.txt"
	flags=$({ "$bin" --help; "$bin" ctl --help; } | grep -oE -- '--[a-z][a-z-]+' | sort -u)
	cmds=$({ sed -n '/^static const char \*const help\[\]\[2\]/,/^};/p' host/control_cmds.c |
			grep -oE '^\s*\{ "[a-z]+' | grep -oE '[a-z]+$'
		"$bin" ctl --help | sed -n '/^$/,$p' | grep -oE '^  [a-z]+' | tr -d ' '; } | sort -u)
	missing=""
	for f in $flags; do
		term "(-[a-zA-Z], )?$f( |$)" "$tmp/8.txt" || missing+="flag $f"$'\n'
	done
	for c in $cmds; do
		term "$c( |$)" "$tmp/8.txt" || missing+="ctl command $c"$'\n'
	done
	nf=$(wc -w <<<"$flags"); nc=$(wc -w <<<"$cmds")
	if [ "$nf" -lt 10 ] || [ "$nc" -lt 8 ]; then
		fail "man scx_plugland.8: found only $nf flags, $nc ctl commands to look for"
	elif [ -n "$missing" ]; then
		fail "man scx_plugland.8: not documented" "${missing%$'\n'}"
	else
		pass "man scx_plugland.8: the $nf long flags and $nc ctl commands"
	fi
fi

# --- bash completion --------------------------------------------------

bc=/usr/share/bash-completion/bash_completion
if [ ! -f "$bc" ]; then
	fail "completion: no $bc (scripts/setup-deps.sh installs bash-completion)"
else
	mkdir -p "$tmp/only"
	: >"$tmp/only/zzz.so"
	printf '[fifo]\ncapacity = 64\n' >"$tmp/fifo.ini"
	# the option lines of --help (its usage line names ctl's --json)
	want_flags=$("$bin" --help | grep -E -- '^ +(-[a-zA-Z], +)?--[a-z]' | grep -oE -- '--[a-z][a-z-]+' |
		sort -u)
	want_cmds=$(sed -n '/^static const char \*const help\[\]\[2\]/,/^};/p' host/control_cmds.c |
		grep -oE '^\s*\{ "[a-z]+' | grep -oE '[a-z]+$' | sort -u)
	# Each case in a shell of its own: bash-completion's helpers, then ours.
	# comp WORDS...: the completions of the last word, sorted, one a line.
	comp() {
		bash --norc --noprofile -c '
			. "$1" && . "$2" || exit 9
			shift 2
			compopt() { :; }  # outside a real completion: nothing to set
			COMP_WORDS=("$@")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMP_LINE="${COMP_WORDS[*]}"
			COMP_POINT=${#COMP_LINE}
			COMPREPLY=()
			_scx_plugland "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
			printf "%s\n" "${COMPREPLY[@]}"' _ "$bc" "$completion" "$@" 2>&1 | sort -u
	}
	# expect_comp WANT(grep -x pattern per line, all present) UNWANTED -- WORDS...
	expect_comp() {
		local want=$1 unwanted=$2 got w bad=""
		shift 3
		got=$(comp "$@")
		for w in $want; do grep -qx -- "$w" <<<"$got" || bad+="missing $w; "; done
		for w in $unwanted; do grep -qx -- "$w" <<<"$got" && bad+="unwanted $w; "; done
		[ -n "$got" ] || bad+="nothing offered"
		if [ -z "$bad" ]; then
			pass "completion: scx_plugland ${*:2}<TAB>"
		else
			fail "completion: scx_plugland ${*:2}<TAB>: $bad" "$got"
		fi
	}
	expect_comp deadline "" -- "$bin" -p de
	expect_comp "fifo deadline lottery rules" "" -- "$bin" -p ""
	# -P on the line is where the policies are (and the built-in fifo)
	expect_comp "fifo zzz" "deadline" -- "$bin" -P "$tmp/only" -p ""
	expect_comp switch "status" -- "$bin" ctl sw
	expect_comp "$want_cmds" "" -- "$bin" ctl ""
	expect_comp "start stop" "" -- "$bin" ctl debug ""
	expect_comp "deadline fifo" "" -- "$bin" ctl switch ""
	expect_comp "watchdog.timeout_ms=" "watchdog.init_timeout_ms= watchdog.action=" -- \
		"$bin" --set watchdog.ti
	expect_comp "bpf.heartbeat_ms bpf.ringbuf_kib bpf.idle_direct" "scheduler.policy" -- \
		"$bin" --set bpf.
	# -c on the line: its plugin sections
	expect_comp "fifo.capacity=" "" -- "$bin" -c "$tmp/fifo.ini" --set fifo.
	expect_comp "$want_flags" "" -- "$bin" --
	expect_comp "ctl" "" -- "$bin" ""
fi

# --- make install / uninstall ----------------------------------------

# Into a scratch root, with paths of its own: the files rendered for them.
root=$tmp/root
# of its own each run: a page rendered for an earlier run does not match
prefix=/opt/plugland-svc-test-$$
mk() { make -s -C . O="$b" DESTDIR="$root" PREFIX="$prefix" SYSCONFDIR="$prefix/etc" "$@"; }
installed="lib/systemd/system/scx_plugland.service share/bash-completion/completions/scx_plugland
	share/man/man8/scx_plugland.8 share/man/man5/plugland.ini.5 share/man/man1/plugland-dump.1
	share/man/man1/plugland-replay.1 share/man/man7/plugland-plugin.7 bin/plugland-replay"
if ! out=$(mk install 2>&1); then
	fail "install: make install" "$out"
else
	missing=""
	for f in $installed; do [ -s "$root$prefix/$f" ] || missing+="$prefix/$f"$'\n'; done
	grep -qx "ExecStart=$prefix/bin/scx_plugland -c $prefix/etc/plugland/plugland.ini" \
		"$root$prefix/lib/systemd/system/scx_plugland.service" ||
		missing+="the unit's ExecStart for PREFIX=$prefix"$'\n'
	page=$(man -l "$root$prefix/share/man/man5/plugland.ini.5" 2>/dev/null | col -bx)
	grep -q "$prefix/etc/plugland/plugland.ini" <<<"$page" ||
		missing+="plugland.ini.5 naming $prefix/etc/plugland/plugland.ini"$'\n'
	[ -z "$missing" ] && pass "install: unit, completion, man pages (sections 1 5 7 8), for PREFIX" ||
		fail "install: not installed" "${missing%$'\n'}"
	out=$(mk uninstall 2>&1)
	left=""
	for f in $installed; do [ ! -e "$root$prefix/$f" ] || left+="$prefix/$f"$'\n'; done
	[ -z "$left" ] && pass "uninstall: unit, completion, man pages removed" ||
		fail "uninstall: left" "${left%$'\n'}"
fi

exit $((failed > 0))

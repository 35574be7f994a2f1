# plugland: a sched_ext scheduler whose policy is a user-space C plugin.
#
#   make            build everything into $(O)/
#   make demo       boot a sched_ext kernel in qemu and show plugland at work
#   make test       unit tests (plain and ASan/UBSan) + VM integration tests
#   make install    PREFIX=/usr/local DESTDIR= (also the systemd unit, man pages, completion)
#
# V=1 shows the commands. KERNEL=7.3 (or latest, or 6.18.15+deb13) picks
# the VM kernel.

VERSION     := 0.2.0
O           ?= build
PREFIX      ?= /usr/local
SYSCONFDIR  ?= /etc
PLUGIN_DIR  ?= $(PREFIX)/lib/plugland
CONF_FILE   ?= $(SYSCONFDIR)/plugland/plugland.ini
CONTROL_SOCKET ?= /run/plugland.sock
KERNEL      ?= 6.18
export KERNEL

CC          ?= gcc
CLANG       ?= clang-19
PKG_CONFIG  ?= pkg-config

ifeq ($(V),1)
Q :=
msg = @true
else
Q := @
msg = @printf '  %-8s %s\n' '$(1)' '$(2)';
endif

WARN        := -Wall -Wextra -Werror
SAN         ?=
SANFLAGS    := $(if $(SAN),-fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all)
CFLAGS      ?= -O2 -g
ALL_CFLAGS  := $(CFLAGS) $(CPPFLAGS) $(WARN) $(SANFLAGS) -std=gnu11 -D_GNU_SOURCE -MMD -MP -Iinclude \
	       -DPLUGLAND_VERSION='"$(VERSION)"' -DPLUGLAND_PLUGIN_DIR='"$(PLUGIN_DIR)"' \
	       -DPLUGLAND_CONF_FILE='"$(CONF_FILE)"' -DPLUGLAND_CONTROL_SOCKET='"$(CONTROL_SOCKET)"' \
	       $(shell $(PKG_CONFIG) --cflags libbpf inih libcjson 2>/dev/null)
LDLIBS_HOST := $(shell $(PKG_CONFIG) --libs libbpf inih libcjson 2>/dev/null || echo -lbpf -linih -lcjson) -lelf -lz -ldl -lpthread -lm
BPF_CFLAGS  := -target bpf -mcpu=v3 -O2 -g -D__TARGET_ARCH_x86 -Ibpf \
	       -I/usr/include/$(shell $(CC) -dumpmachine) $(WARN) -Wno-unused-parameter

HOST_SRCS   := $(wildcard host/*.c)
HOST_OBJS   := $(HOST_SRCS:%.c=$(O)/%.o) $(O)/host/fifo_builtin.o $(O)/host/bpf_embed.o
# What unit tests link against: the host without the kernel-facing parts.
CORE_OBJS   := $(addprefix $(O)/host/,sched_loop.o synth_backend.o config.o services.o log.o \
		 plugin_loader.o topology.o held_set.o control.o policy_slot.o fifo_builtin.o \
		 watchdog.o plugin_elf.o stoppable.o workload.o replay_trace.o shadow.o shadow_feed.o \
		 shadow_compare.o policy_spec.o)
# Every folder of plugins/ is a plugin but common/: what plugins share.
PLUGINS     := $(filter-out common,$(patsubst plugins/%/,%,$(sort $(dir $(wildcard plugins/*/*.c)))))
PLUGIN_SOS  := $(PLUGINS:%=$(O)/plugins/%.so)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
TEST_PLUGINS := no_symbol wrong_abi newer_abi abi_1 null_enqueue init_fails misnamed good \
		async_wrong_abi async_small async_good
TEST_PLUGIN_SOS := $(TEST_PLUGINS:%=$(O)/tests/plugins/%.so)

.PHONY: all deps demo test test-unit test-unit-san test-smoke test-vm test-vm-deps clean install uninstall test-sdk \
	deb test-package
.DELETE_ON_ERROR:

all: $(O)/scx_plugland $(PLUGIN_SOS)

deps:
	$(Q)scripts/setup-deps.sh

$(O)/bpf/plugland.bpf.o: bpf/plugland.bpf.c bpf/intf.h bpf/compat.bpf.h bpf/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(O)/host/bpf_embed.o: host/bpf_embed.S $(O)/bpf/plugland.bpf.o
	$(call msg,EMBED,$@)
	$(Q)$(CC) -c -DBPF_OBJ_PATH='"$(O)/bpf/plugland.bpf.o"' $< -o $@

# The built-in FIFO is the fifo plugin's source under another symbol name.
$(O)/host/fifo_builtin.o: plugins/fifo/fifo.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Dplugland_policy=plugland_builtin_fifo -c $< -o $@

$(O)/%.o: %.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -c $< -o $@

# Plugins bind to the host's _exit() and _Exit() (named when plugin code
# ends the process) and pthread_create() (threads counted per plugin):
# host/interpose.c.
EXPORTS     := -Wl,--export-dynamic-symbol=_exit -Wl,--export-dynamic-symbol=_Exit \
	       -Wl,--export-dynamic-symbol=pthread_create
$(O)/scx_plugland: $(HOST_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ -o $@ $(EXPORTS) $(LDLIBS_HOST)

$(O)/plugins/%.so: plugins/%/*.c include/plugland/plugin.h
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -fPIC -shared -fvisibility=hidden $(filter %.c,$^) -o $@

$(O)/tests/%: tests/unit/%.c $(CORE_OBJS)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Ihost $(filter-out %.so,$^) -o $@ $(LDLIBS_HOST) -lcmocka

$(O)/tests/plugins/%.so: tests/plugins/variants.c include/plugland/plugin.h
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Iinclude -fPIC -shared -fvisibility=hidden -DVARIANT_$* $< -o $@

# Policies that hang or crash on purpose, for the VM fault tests.
FAULTY_POLICIES := $(addprefix $(O)/tests/plugins/,hang.so crash.so hoard.so quit.so stray.so)
FAULTY_SOS  := $(FAULTY_POLICIES) $(O)/tests/plugins/crashasync.so
# deadline with an ordered queue per CPU, for the VM cases (its rule is
# with the policies' below)
DEADLINE_LOCAL_SO := $(O)/tests/plugins/deadline-local.so
$(FAULTY_POLICIES): $(O)/tests/plugins/%.so: tests/plugins/faulty.c include/plugland/plugin.h
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Iinclude -fPIC -shared -fvisibility=hidden -DVARIANT_$* $< -o $@
$(O)/tests/plugins/crashasync.so: tests/plugins/crash_async.c include/plugland/plugin.h
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Iinclude -fPIC -shared -fvisibility=hidden $< -o $@

# An async plugin stuck in its first consume(), for the host's reports.
STALL_SO    := $(O)/tests/plugins/stall.so
$(STALL_SO): tests/plugins/stall.c include/plugland/plugin.h
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Iinclude -fPIC -shared -fvisibility=hidden $< -o $@

$(O)/tests/test_loader: $(TEST_PLUGIN_SOS)
# It tests the threads plugin code starts, counted by scx_plugland's own
# pthread_create().
$(O)/tests/test_culprit: $(O)/host/interpose.o
$(O)/tests/test_cpu_gate: plugins/common/cpu_gate.c
$(O)/tests/test_om_metrics: plugins/openmetrics/om_metrics.c
$(O)/tests/test_policy_switch: $(PLUGIN_SOS)
$(O)/tests/test_policy_switch: ALL_CFLAGS += -DTEST_PLUGINS_BUILT='"$(abspath $(O))/plugins"'
$(O)/tests/test_loader: ALL_CFLAGS += -DTEST_PLUGIN_DIR='"$(abspath $(O))/tests/plugins"'
# The shipped workloads (conf/workloads/) they read.
$(O)/tests/test_workload $(O)/tests/test_workload_run: ALL_CFLAGS += \
	-DWORKLOADS_DIR='"$(abspath conf/workloads)"'

# Verdicts, one line each (PASS|FAIL|SKIP what[: why]), go to
# $(RESULTS)/STAGE.txt as well as to the output: tests/summary.sh counts
# them at the end of make test.
RESULTS := $(O)/results
# logged STAGE COMMAND: run COMMAND, its output kept as $(RESULTS)/STAGE.txt
logged = mkdir -p $(RESULTS) && { $(2) >$(RESULTS)/$(1).txt 2>&1; rc=$$?; \
	 cat $(RESULTS)/$(1).txt; exit $$rc; }

test-unit: $(UNIT_BINS) $(O)/scx_plugland $(FAULTY_SOS) $(STALL_SO) $(O)/plugins/openmetrics.so
	@# Each test's output goes to its .log, shown when it fails (or V=1):
	@# CI keeps a bounded part of the output, and the failure must be in it.
	$(Q)mkdir -p $(RESULTS) && : >$(RESULTS)/unit.txt && for t in $(UNIT_BINS); do \
		$$t >$$t.log 2>&1; rc=$$?; \
		tests/unit/results.sh $$t.log $${t##*/} >$$t.results; \
		cat $$t.results >>$(RESULTS)/unit.txt; \
		[ $$rc = 0 ] || echo "FAIL $${t##*/}: exit $$rc" >>$(RESULTS)/unit.txt; \
		p=$$(grep -c '^PASS' $$t.results); s=$$(grep -c '^SKIP' $$t.results); \
		if [ $$rc = 0 ]; then \
			[ "$(V)" != 1 ] || cat $$t.log; \
			echo "  PASS     $$t ($$p passed$$([ $$s = 0 ] || echo ", $$s skipped"))"; \
			grep '^SKIP' $$t.results | sed 's/^SKIP /  SKIP       /'; \
		else cat $$t.log; echo "  FAIL     $$t (output above, kept in $$t.log)"; exit 1; fi; \
	done
	$(Q)$(call logged,cli,tests/host/cli.sh $(O))
	$(Q)$(call logged,sdk,tests/host/sdk.sh $(O))
	$(Q)$(call logged,deploy,tests/host/deploy.sh $(O))
	$(Q)$(call logged,service,tests/host/service.sh $(O))
	$(Q)$(call logged,metrics,tests/host/metrics.sh $(O))
	$(Q)$(call logged,shadow,tests/host/shadow.sh $(O))

# The same unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-unit-san:
	$(Q)$(MAKE) --no-print-directory O=$(O)/san SAN=address,undefined test-unit

# Small programs the VM tests run in the guest.
VM_TOOLS    := $(O)/tests/vm/json_check $(O)/tests/vm/compute $(O)/bench/floor $(O)/bench/floor.bpf.o \
	       $(O)/tests/vm/enum_probe.bpf.o
$(O)/tests/vm/json_check: tests/vm/json_check.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) $< -o $@ -lcjson
$(O)/tests/vm/compute: tests/vm/compute.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 $< -o $@ -pthread

# What the VM's initramfs holds (tests/vm/run.sh); tests/mutants.sh builds
# it for its VM mutants.
test-vm-deps: all $(O)/plugland-replay $(FAULTY_SOS) $(DEADLINE_LOCAL_SO) $(VM_TOOLS)

test-vm: test-vm-deps
	$(Q)$(call logged,vm-runner,tests/host/vm_runner.sh $(O))
	$(Q)tests/vm/run.sh $(O)

# Every stage runs, a failed one too, and the closing lines count the
# verdicts of all (tests/summary.sh); the exit status is non-zero when
# any stage failed.
test: deps
	$(Q)rm -rf $(RESULTS) $(O)/san/results $(O)/vm/console*.log
	$(Q)rc=0; \
	$(MAKE) --no-print-directory all test-unit || rc=1; \
	$(MAKE) --no-print-directory test-unit-san || rc=1; \
	$(MAKE) --no-print-directory test-smoke || rc=1; \
	$(MAKE) --no-print-directory test-package || rc=1; \
	$(MAKE) --no-print-directory test-vm || rc=1; \
	tests/summary.sh $(O) || rc=1; \
	exit $$rc

# The gates that have their own targets, short: ThreadSanitizer on the
# concurrent code, a few seconds of each fuzz target, and the instruction
# budgets (bench/budget.txt).
SMOKE_TSAN_RECORDS ?= 2000000
SMOKE_FUZZ_SECONDS ?= 5
test-smoke:
	$(Q)mkdir -p $(RESULTS) && : >$(RESULTS)/smoke.txt; rc=0; \
	for g in "tsan TSAN_RECORDS=$(SMOKE_TSAN_RECORDS)" "fuzz FUZZ_SECONDS=$(SMOKE_FUZZ_SECONDS)" \
		 bench-check; do \
		if $(MAKE) --no-print-directory $$g; then echo "PASS smoke: make $$g" >>$(RESULTS)/smoke.txt; \
		else echo "FAIL smoke: make $$g" >>$(RESULTS)/smoke.txt; rc=1; fi; \
	done; \
	cat $(RESULTS)/smoke.txt; exit $$rc

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh $(O)

$(O)/plugland.pc: include/plugland.pc.in Makefile $(O)/dist/paths
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|; s|@PLUGIN_DIR@|$(PLUGIN_DIR)|; s|@VERSION@|$(VERSION)|' $< >$@

# The binary, the SDK (header + pkg-config), the plugins, the default
# config (not overwritten if present: it is the administrator's).
install: all $(O)/plugland.pc
	install -D -m 644 $(O)/dist/scx_plugland.service $(DESTDIR)$(SYSTEMD_UNIT_DIR)/scx_plugland.service
	install -D -m 644 dist/completion/scx_plugland $(DESTDIR)$(BASH_COMPLETION_DIR)/scx_plugland
	$(foreach p,$(MAN_PAGES),install -D -m 644 $(p) $(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)) &&) true
	install -D -m 755 $(O)/scx_plugland $(DESTDIR)$(PREFIX)/bin/scx_plugland
	install -D -m 755 $(O)/plugland-dump $(DESTDIR)$(PREFIX)/bin/plugland-dump
	install -D -m 755 $(O)/plugland-replay $(DESTDIR)$(PREFIX)/bin/plugland-replay
	install -D -m 644 include/plugland/plugin.h $(DESTDIR)$(PREFIX)/include/plugland/plugin.h
	install -D -m 644 include/plugland/flags.h $(DESTDIR)$(PREFIX)/include/plugland/flags.h
	install -D -m 644 include/plugland/ini_lines.h $(DESTDIR)$(PREFIX)/include/plugland/ini_lines.h
	install -D -m 644 $(O)/plugland.pc $(DESTDIR)$(PREFIX)/share/pkgconfig/plugland.pc
	install -d -m 755 $(DESTDIR)$(PLUGIN_DIR)
	install -m 644 $(PLUGIN_SOS) $(DESTDIR)$(PLUGIN_DIR)/
	test -e $(DESTDIR)$(CONF_FILE) || { install -d -m 755 $(dir $(DESTDIR)$(CONF_FILE)) && \
		sed 's|^plugin_dir = .*|plugin_dir = $(PLUGIN_DIR)|' conf/plugland.ini >$(DESTDIR)$(CONF_FILE); }

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/scx_plugland $(DESTDIR)$(PREFIX)/bin/plugland-dump \
	      $(DESTDIR)$(PREFIX)/bin/plugland-replay \
	      $(DESTDIR)$(PREFIX)/include/plugland/plugin.h \
	      $(DESTDIR)$(PREFIX)/include/plugland/flags.h \
	      $(DESTDIR)$(PREFIX)/include/plugland/ini_lines.h \
	      $(DESTDIR)$(PREFIX)/share/pkgconfig/plugland.pc $(PLUGINS:%=$(DESTDIR)$(PLUGIN_DIR)/%.so) \
	      $(DESTDIR)$(SYSTEMD_UNIT_DIR)/scx_plugland.service \
	      $(DESTDIR)$(BASH_COMPLETION_DIR)/scx_plugland \
	      $(foreach p,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)))
	-rmdir $(DESTDIR)$(PREFIX)/include/plugland $(DESTDIR)$(PLUGIN_DIR) 2>/dev/null
	@echo "left $(DESTDIR)$(CONF_FILE) in place (your configuration)"

# The Debian package (debian/), built from this tree into $(O)/deb/
# (dpkg-buildpackage writes next to the tree: moved from there).
# dpkg-buildpackage writes into the parent folder: all of it moves to
# $(O)/deb, the debug-symbols package too (it was left beside the checkout).
deb:
	$(Q)rm -rf $(O)/deb && mkdir -p $(O)/deb
	$(Q)dpkg-buildpackage -b -us -uc >$(O)/deb/build.log 2>&1 || { tail -n 40 $(O)/deb/build.log; exit 1; }
	$(Q)for f in ../plugland_$(VERSION)_* ../plugland-dbgsym_$(VERSION)_*; do \
		[ ! -e "$$f" ] || mv "$$f" $(O)/deb/; done
	$(Q)ls $(O)/deb/*.deb

# The package as an operator meets it: lintian, install, run, purge.
test-package: deb
	$(Q)$(call logged,package,tests/host/deb.sh $(O))

# --- Running it as a service (issue 20): the systemd unit, the man pages
# (scdoc), bash completion. Paths in the unit and the pages are the
# installed ones: PREFIX, CONF_FILE, PLUGIN_DIR, CONTROL_SOCKET.
SYSTEMD_UNIT_DIR    ?= $(PREFIX)/lib/systemd/system
BASH_COMPLETION_DIR ?= $(PREFIX)/share/bash-completion/completions
MANDIR              ?= $(PREFIX)/share/man
SCDOC               ?= scdoc
MAN_SRCS  := $(wildcard docs/man/*.scd)
MAN_PAGES := $(MAN_SRCS:docs/man/%.scd=$(O)/man/%)
INSTALLED_PATHS = -e 's|@BINDIR@|$(PREFIX)/bin|g; s|@CONF_FILE@|$(CONF_FILE)|g' \
		  -e 's|@PLUGIN_DIR@|$(PLUGIN_DIR)|g; s|@CONTROL_SOCKET@|$(CONTROL_SOCKET)|g' \
		  -e 's|@PREFIX@|$(PREFIX)|g; s|@VERSION@|$(VERSION)|g'

# Rendered again when an install path changes (make install PREFIX=...
# after a plain make): $(O)/dist/paths holds the paths of the last
# rendering, rewritten (when make reads this) only when they differ.
RENDERED_PATHS := $(PREFIX) $(CONF_FILE) $(PLUGIN_DIR) $(CONTROL_SOCKET) $(VERSION)
$(shell mkdir -p $(O)/dist && { echo '$(RENDERED_PATHS)' | cmp -s - $(O)/dist/paths || \
	echo '$(RENDERED_PATHS)' >$(O)/dist/paths; })

all: $(O)/dist/scx_plugland.service man
man: $(MAN_PAGES)
test-unit: $(O)/dist/scx_plugland.service $(MAN_PAGES)

$(O)/dist/scx_plugland.service: dist/systemd/scx_plugland.service.in Makefile $(O)/dist/paths
	$(call msg,GEN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)sed $(INSTALLED_PATHS) $< >$@

$(O)/man/%: docs/man/%.scd Makefile $(O)/dist/paths
	$(call msg,SCDOC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)sed $(INSTALLED_PATHS) $< >$@.scd && $(SCDOC) <$@.scd >$@ && rm -f $@.scd

.PHONY: man

# Install into a scratch root, build examples/my_policy against the
# installed SDK with pkg-config, load it and run it on the simulator.
test-sdk: all
	$(Q)tests/host/sdk.sh $(O)

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)

# --- The decision log (issue 4): library, plugland-dump, tests, fuzzing, bench.
#
#   make tsan        the log's stress test, the async runner, the watchdog and the
#                    shadow's feed under ThreadSanitizer
#   make fuzz        every fuzz target for FUZZ_SECONDS each (libFuzzer, clang-19)
#   make bench-log   the decision log's figures (append ns, read rate, dump MB/s)

LOG_OBJS    := $(addprefix $(O)/host/,decision_log.o decision_dump.o locked_mem.o async_runner.o \
		 culprit.o)
CORE_OBJS   += $(LOG_OBJS)
# The unit test rule above expanded CORE_OBJS already: add them to it.
$(UNIT_BINS): $(LOG_OBJS)

DUMP_OUT_SRCS := $(addprefix tools/,dump_records.c dump_summary.c dump_perfetto.c dump_escape.c \
		 dump_shadow.c)
DUMP_OUT_OBJS := $(DUMP_OUT_SRCS:%.c=$(O)/%.o)
$(O)/tools/%.o: ALL_CFLAGS += -Ihost

all: $(O)/plugland-dump

$(O)/plugland-dump: $(O)/tools/plugland-dump.o $(DUMP_OUT_OBJS) $(O)/host/decision_dump.o \
		   $(O)/host/shadow_compare.o
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ -o $@ -lz -lm

$(O)/tests/host/mkdump: tests/host/mkdump.c tests/host/mkdump_events.c $(LOG_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Ihost $^ -o $@ -lz -lpthread

# plugland-dump's messages and outputs; part of test-unit (and so of the
# ASan/UBSan run).
test-dump: $(O)/plugland-dump $(O)/tests/host/mkdump
	$(Q)$(call logged,dump,tests/host/dump.sh $(O))
test-unit: test-dump

# plugland-replay's table, isolation, determinism, errors and speed; part
# of test-unit too.
test-replay: $(O)/plugland-replay $(O)/tests/host/mkdump $(FAULTY_POLICIES) $(PLUGIN_SOS)
	$(Q)$(call logged,replay,tests/host/replay.sh $(O))
test-unit: test-replay
.PHONY: test-replay

# ThreadSanitizer: TSAN_RECORDS records through one producer and four
# readers and a dumper (test-unit runs a short version). TSan does not
# model atomic_thread_fence (newer gcc warns: -Wno-tsan); every word the
# fences order is itself atomic, so it sees no race, and the stress test
# checks by content what the fences protect.
TSAN_RECORDS ?= 20000000
TSAN_CFLAGS  := -O2 -g $(if $(findstring clang,$(CC)),,-Wno-tsan)
tsan:
	$(Q)$(MAKE) --no-print-directory O=$(O)/tsan SAN=thread CFLAGS='$(TSAN_CFLAGS)' \
		$(O)/tsan/tests/test_log_stress $(O)/tsan/tests/test_async_runner \
		$(O)/tsan/tests/test_watchdog $(O)/tsan/tests/test_shadow
	$(Q)set -e; export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1; \
		echo "  RUN      $(O)/tsan/tests/test_async_runner"; $(O)/tsan/tests/test_async_runner; \
		echo "  RUN      $(O)/tsan/tests/test_watchdog"; $(O)/tsan/tests/test_watchdog; \
		echo "  RUN      $(O)/tsan/tests/test_shadow"; $(O)/tsan/tests/test_shadow; \
		echo "  RUN      $(O)/tsan/tests/test_log_stress ($(TSAN_RECORDS) records)"; \
		PLUGLAND_STRESS_RECORDS=$(TSAN_RECORDS) $(O)/tsan/tests/test_log_stress

# Fuzzing: tests/fuzz/fuzz_NAME.c for each NAME in FUZZ_TARGETS, built with
# FUZZ_SRCS_NAME and FUZZ_LIBS_NAME, run for FUZZ_SECONDS each with the
# seeds in FUZZ_SEEDS_NAME (read only) and FUZZ_ARGS_NAME. New inputs go to
# $(O)/fuzz/corpus/NAME, findings to $(O)/fuzz/NAME-crash-*.
FUZZ_TARGETS   := dump_parse config workload
FUZZ_SECONDS   ?= 60
FUZZ_CC        ?= $(CLANG)
# The host's own -D and -I flags, so fuzzed sources build as in the host.
FUZZ_CFLAGS    := -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		  -std=gnu11 $(filter -D% -I%,$(ALL_CFLAGS)) -Ihost -Itools

FUZZ_SRCS_dump_parse  := host/decision_dump.c host/replay_trace.c host/shadow_compare.c \
			 $(DUMP_OUT_SRCS)
FUZZ_LIBS_dump_parse  := -lz -lm
FUZZ_SEEDS_dump_parse := $(O)/fuzz/seeds/dump_parse
FUZZ_ARGS_dump_parse  := -max_len=20000 -dict=tests/fuzz/dump_parse.dict

FUZZ_SRCS_config  := host/config.c host/policy_spec.c host/plugin_loader.c host/plugin_elf.c host/culprit.c host/log.c
FUZZ_LIBS_config  := $(shell $(PKG_CONFIG) --libs inih 2>/dev/null || echo -linih) -lelf -ldl -lpthread
FUZZ_SEEDS_config := tests/fuzz/corpus/config

FUZZ_SRCS_workload  := host/workload.c host/synth_backend.c host/topology.c $(FUZZ_SRCS_config)
FUZZ_LIBS_workload  := $(FUZZ_LIBS_config) -lm
FUZZ_SEEDS_workload := tests/fuzz/corpus/workload
FUZZ_ARGS_workload  := -dict=tests/fuzz/workload.dict

$(O)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c
	$(call msg,FUZZ,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $< $(FUZZ_SRCS_$*) -o $@ $(FUZZ_LIBS_$*)
$(O)/fuzz/fuzz_dump_parse: $(FUZZ_SRCS_dump_parse) host/decision_dump.h tools/dump_output.h \
	host/replay_trace.h \
	include/plugland/plugin.h include/plugland/flags.h
$(O)/fuzz/fuzz_config: $(FUZZ_SRCS_config) host/config.h tests/fuzz/line_error.h
$(O)/fuzz/fuzz_workload: $(FUZZ_SRCS_workload) host/workload.h host/synth_backend.h tests/fuzz/line_error.h

# Seeds for the dump parser: small dumps of each kind (clean, unclean,
# stop when full, snapshot, task events of every kind, format 1).
fuzz-seeds: $(O)/tests/host/mkdump
	$(Q)mkdir -p $(O)/fuzz/seeds/dump_parse
	$(Q)cd $(O)/fuzz/seeds/dump_parse && rm -f *.old && \
		$(abspath $(O))/tests/host/mkdump -n 20 -c 16 -C 2 clean && \
		$(abspath $(O))/tests/host/mkdump -n 40 -c 32 -C 3 -u unclean && \
		$(abspath $(O))/tests/host/mkdump -n 9 -c 8 -C 1 -s stop && \
		$(abspath $(O))/tests/host/mkdump -n 70 -c 64 -C 4 -a snapshot && \
		$(abspath $(O))/tests/host/mkdump -n 6 -c 32 -C 2 -e $(abspath tests/host/events/basic.txt) events && \
		$(abspath $(O))/tests/host/mkdump -n 0 -c 64 -C 2 -g 0.001,3 generated && \
		$(abspath $(O))/tests/host/mkdump -n 12 -c 16 -C 2 -V 1 version1

run_fuzz = mkdir -p $(O)/fuzz/corpus/$(1) && \
	echo "  FUZZ     $(1) for $(FUZZ_SECONDS) s" && \
	$(O)/fuzz/fuzz_$(1) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
		-artifact_prefix=$(O)/fuzz/$(1)- $(FUZZ_ARGS_$(1)) \
		$(O)/fuzz/corpus/$(1) $(FUZZ_SEEDS_$(1)) >$(O)/fuzz/$(1).log 2>&1 && \
	grep -E '^(stat::number_of_executed_units|Done)' $(O)/fuzz/$(1).log | sed 's/^/           /' || \
	{ tail -40 $(O)/fuzz/$(1).log; exit 1; }

fuzz: $(FUZZ_TARGETS:%=$(O)/fuzz/fuzz_%) fuzz-seeds
	$(Q)$(foreach t,$(FUZZ_TARGETS),$(call run_fuzz,$(t)) &&) true

$(O)/bench/bench_log: bench/bench_log.c $(LOG_OBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Ihost $^ -o $@ -lz -lpthread

bench-log: $(O)/bench/bench_log
	$(Q)mkdir -p bench/results
	$(Q){ echo "source $$(bench/source-id.sh)"; \
	      echo "date $$(date -u +%Y-%m-%d)"; \
	      echo "cpu $$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $$(nproc) cores"; \
	      $(O)/bench/bench_log; } | tee bench/results/log.txt

.PHONY: test-dump tsan fuzz fuzz-seeds bench-log

# --- Policies and async plugins (issue 5): deadline, lottery, rules, stats,
# logger. plugins/common/ holds what they share (not a plugin): the
# deadline core (deadline, rules), the CPU gate (deadline, lottery, rules),
# the pid table (deadline, rules, stats), and header-only helpers. Each
# plugin compiles in what it uses.
PLUGIN_LINK  = $(CC) $(ALL_CFLAGS) $(LDFLAGS) -fPIC -shared -fvisibility=hidden $(filter %.c,$^) -o $@
DEADLINE_LIB := $(addprefix plugins/common/,edf.c run_heap.c pid_table.c cpu_gate.c)
PLUGIN_HDRS  := $(wildcard include/plugland/*.h plugins/common/*.h)
$(O)/tests/test_edf: $(DEADLINE_LIB)

$(O)/plugins/rules.so: $(wildcard plugins/rules/*.[ch]) $(DEADLINE_LIB) $(PLUGIN_HDRS)
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(PLUGIN_LINK) -linih -lpthread

$(O)/plugins/lottery.so: $(wildcard plugins/lottery/*.[ch]) plugins/common/cpu_gate.c $(PLUGIN_HDRS)
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(PLUGIN_LINK)

$(O)/plugins/stats.so: $(wildcard plugins/stats/*.[ch]) plugins/common/pid_table.c $(PLUGIN_HDRS)
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(PLUGIN_LINK)

$(O)/plugins/logger.so: $(wildcard plugins/logger/*.[ch]) $(PLUGIN_HDRS)
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(PLUGIN_LINK) -lz

$(O)/plugins/openmetrics.so: $(wildcard plugins/openmetrics/*.[ch]) $(PLUGIN_HDRS)
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(PLUGIN_LINK) -lpthread

$(O)/plugins/deadline.so: $(wildcard plugins/deadline/*.[ch]) $(DEADLINE_LIB) $(PLUGIN_HDRS)
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(PLUGIN_LINK)

# deadline asking for an ordered queue per CPU, which no shipped policy
# does: the VM cases fastwake, affinity and leftovers run that path of BPF.
$(DEADLINE_LOCAL_SO): $(wildcard plugins/deadline/*.[ch]) $(DEADLINE_LIB) $(PLUGIN_HDRS)
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(PLUGIN_LINK) -DDEADLINE_NAME='"deadline-local"' \
		-DDEADLINE_EXTRA_FLAGS=PLUGLAND_POLICY_FAST_WAKE_LOCAL

# Their tests dlopen the built .so files (tests/unit/policy_harness.c).
PLUGIN_TESTS := $(addprefix $(O)/tests/,test_deadline test_lottery test_rules test_hot_path_alloc \
		  test_two_instances test_workload_run \
		  test_stats test_logger)
# They build the whole host (host.h) on a synthetic machine: all of host/ but main.
HOST_LIB_OBJS := $(filter-out $(O)/host/main.o,$(HOST_OBJS))
$(PLUGIN_TESTS): $(O)/tests/unit/policy_harness.o $(PLUGIN_SOS) $(HOST_LIB_OBJS)
$(O)/tests/test_sched_loop $(O)/tests/test_fast_wake $(O)/tests/test_fast_vtime $(O)/tests/test_watchdog \
	$(O)/tests/test_policy_switch: $(HOST_LIB_OBJS)
$(PLUGIN_TESTS) $(O)/tests/unit/policy_harness.o: ALL_CFLAGS += -Ihost \
	-DPLUGIN_BUILD_DIR='"$(abspath $(O))/plugins"'

# plugland-replay: the whole host (the simulated machine runs each
# candidate, as --simulate does) but main.c, and the replay's own files.
REPLAY_SRCS := $(addprefix tools/,plugland-replay.c replay_machine.c replay_candidate.c \
		 replay_report.c)
all: $(O)/plugland-replay
$(O)/plugland-replay: $(REPLAY_SRCS:%.c=$(O)/%.o) $(HOST_LIB_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) $^ -o $@ $(EXPORTS) $(LDLIBS_HOST)

# --- Benchmarks (issue 7): docs/performance.md says what they measure.
#
#   make bench        in process (decisions/s, instructions per decision) and
#                     in the VM (hackbench, cyclictest, stress-ng, host CPU),
#                     one boot per VM size; writes bench/results/,
#                     docs/performance.md and docs/latency-*.png, and prints
#                     the figures (about 15 min per VM size)
#   make bench-check  instructions per decision against bench/budget.txt;
#                     fails when one grew more than 10 % (under a minute)
#
#   BENCH_CPUS="2 4"  VM sizes in vCPUs (empty: no VM)
#   BENCH_RUNS=5      runs per figure in the VM
#   BENCH_INPROC_RUNS=9  runs per figure in process (noisier: more runs)
#   BENCH_POLICIES    what runs after the kernel's own scheduler
#                     (POLICY+idle: POLICY with bpf.idle_direct=true)
BENCH_CPUS     ?= 2 4
BENCH_RUNS     ?= 5
BENCH_INPROC_RUNS ?= 9
BENCH_POLICIES ?= fifo,deadline,lottery,rules
$(O)/bench/bench_loop: bench/bench_loop.c bench/loopback_backend.c $(CORE_OBJS) $(HOST_LIB_OBJS) \
		       bench/loopback_backend.h host/sched_loop.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Ihost $(filter %.c %.o,$^) -o $@ $(LDLIBS_HOST)

# The VM benchmark's request-serving workload (bench/vm-guest.sh), any Linux.
$(O)/bench/reqserve: bench/reqserve.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) -std=gnu11 $< -o $@ -pthread

# The VM benchmark's floor: a minimal sched_ext scheduler (bench/floor.bpf.c)
# and its loader, for what sched_ext itself costs there.
$(O)/bench/floor.bpf.o: bench/floor.bpf.c bpf/compat.bpf.h bpf/vmlinux.h
	$(call msg,CLANG,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(O)/tests/vm/enum_probe.bpf.o: tests/vm/enum_probe.bpf.c bpf/compat.bpf.h bpf/vmlinux.h
	$(call msg,CLANG,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(O)/bench/floor: bench/floor.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) $< -o $@ $(LDLIBS_HOST)

bench-inproc: all $(O)/bench/bench_loop
	$(Q)bench/inproc.sh $(O) $(BENCH_INPROC_RUNS)

bench-callgrind: all $(O)/bench/bench_loop
	$(Q)bench/callgrind.py -b $(O) -o bench/results/callgrind.txt

bench-vm: all $(O)/bench/reqserve $(O)/bench/floor $(O)/bench/floor.bpf.o
	$(Q)set -e; for c in $(BENCH_CPUS); do bench/run.sh -c $$c $(O) $(BENCH_POLICIES) $(BENCH_RUNS); done

bench-report:
	$(Q)bench/report.py

# Where a wake-up's time goes (ftrace in the VM): an investigation, not a figure.
TRACE_POLICIES ?= deadline
bench-trace: all
	$(Q)bench/wakeup-trace.sh $(O) $(TRACE_POLICIES)

# The policy lab's fidelity: VM boots (3) that record hackbench and reqserve
# under each policy and replay each dump through it (docs/policy-lab.md).
bench-fidelity: all $(O)/plugland-replay $(O)/bench/reqserve
	$(Q)bench/fidelity.sh $(O)

# One step after the other: nothing else may run while a figure is taken.
bench: deps
	$(Q)$(MAKE) --no-print-directory all $(O)/bench/bench_loop
	$(Q)$(MAKE) --no-print-directory bench-inproc
	$(Q)$(MAKE) --no-print-directory bench-callgrind
	$(Q)$(MAKE) --no-print-directory bench-log
	$(Q)$(MAKE) --no-print-directory bench-vm
	$(Q)$(MAKE) --no-print-directory bench-report

bench-check: all $(O)/bench/bench_loop
	$(Q)bench/callgrind.py -b $(O) -c bench/budget.txt

.PHONY: bench bench-check bench-inproc bench-callgrind bench-vm bench-report bench-trace bench-fidelity

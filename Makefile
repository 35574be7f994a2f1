# plugland: a sched_ext scheduler whose policy is a user-space C plugin.
#
#   make            build everything into $(O)/
#   make demo       boot a sched_ext kernel in qemu and show plugland at work
#   make test       unit tests (plain and ASan/UBSan) + VM integration tests
#   make install    PREFIX=/usr/local DESTDIR=
#
# V=1 shows the commands. KERNEL=7.3 (or latest, or 6.18.15+deb13) picks
# the VM kernel.

VERSION     := 0.1.0
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
ALL_CFLAGS  := $(CFLAGS) $(WARN) $(SANFLAGS) -std=gnu11 -D_GNU_SOURCE -MMD -MP -Iinclude \
	       -DPLUGLAND_VERSION='"$(VERSION)"' -DPLUGLAND_PLUGIN_DIR='"$(PLUGIN_DIR)"' \
	       -DPLUGLAND_CONF_FILE='"$(CONF_FILE)"' -DPLUGLAND_CONTROL_SOCKET='"$(CONTROL_SOCKET)"' \
	       $(shell $(PKG_CONFIG) --cflags libbpf inih libcjson 2>/dev/null)
LDLIBS_HOST := $(shell $(PKG_CONFIG) --libs libbpf inih libcjson 2>/dev/null || echo -lbpf -linih -lcjson) -lelf -lz -ldl -lpthread
BPF_CFLAGS  := -target bpf -mcpu=v3 -O2 -g -D__TARGET_ARCH_x86 -Ibpf \
	       -I/usr/include/$(shell $(CC) -dumpmachine) $(WARN) -Wno-unused-parameter

HOST_SRCS   := $(wildcard host/*.c)
HOST_OBJS   := $(HOST_SRCS:%.c=$(O)/%.o) $(O)/host/fifo_builtin.o $(O)/host/bpf_embed.o
# What unit tests link against: the host without the kernel-facing parts.
CORE_OBJS   := $(addprefix $(O)/host/,sched_loop.o synth_backend.o config.o services.o log.o \
		 plugin_loader.o topology.o held_set.o control.o policy_slot.o fifo_builtin.o)
PLUGINS     := $(patsubst plugins/%/,%,$(sort $(dir $(wildcard plugins/*/*.c))))
PLUGIN_SOS  := $(PLUGINS:%=$(O)/plugins/%.so)
UNIT_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_BINS   := $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
TEST_PLUGINS := no_symbol wrong_abi newer_abi null_enqueue init_fails misnamed good
TEST_PLUGIN_SOS := $(TEST_PLUGINS:%=$(O)/tests/plugins/%.so)

.PHONY: all deps demo test test-unit test-unit-san test-vm clean install uninstall test-sdk
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

$(O)/scx_plugland: $(HOST_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(ALL_CFLAGS) $^ -o $@ $(LDLIBS_HOST)

$(O)/plugins/%.so: plugins/%/*.c include/plugland/plugin.h
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -fPIC -shared -fvisibility=hidden $(filter %.c,$^) -o $@

$(O)/tests/%: tests/unit/%.c $(CORE_OBJS)
	$(call msg,TEST,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(ALL_CFLAGS) -Ihost $(filter-out %.so,$^) -o $@ $(LDLIBS_HOST) -lcmocka

$(O)/tests/plugins/%.so: tests/plugins/variants.c include/plugland/plugin.h
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Iinclude -fPIC -shared -fvisibility=hidden -DVARIANT_$* $< -o $@

# Policies that hang or crash on purpose, for the VM fault tests.
FAULTY_SOS  := $(O)/tests/plugins/hang.so $(O)/tests/plugins/crash.so
$(O)/tests/plugins/hang.so $(O)/tests/plugins/crash.so: $(O)/tests/plugins/%.so: tests/plugins/faulty.c include/plugland/plugin.h
	$(call msg,PLUGIN,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(WARN) -Iinclude -fPIC -shared -fvisibility=hidden -DVARIANT_$* $< -o $@

$(O)/tests/test_loader: $(TEST_PLUGIN_SOS)
$(O)/tests/test_policy_switch: $(PLUGIN_SOS)
$(O)/tests/test_policy_switch: ALL_CFLAGS += -DTEST_PLUGINS_BUILT='"$(abspath $(O))/plugins"'
$(O)/tests/test_loader: ALL_CFLAGS += -DTEST_PLUGIN_DIR='"$(abspath $(O))/tests/plugins"'

test-unit: $(UNIT_BINS) $(O)/scx_plugland
	$(Q)set -e; for t in $(UNIT_BINS); do echo "  RUN      $$t"; $$t; done
	$(Q)tests/host/cli.sh $(O)
	$(Q)tests/host/sdk.sh $(O)

# The same unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-unit-san:
	$(Q)$(MAKE) --no-print-directory O=$(O)/san SAN=address,undefined test-unit

test-vm: all $(FAULTY_SOS)
	$(Q)tests/vm/run.sh $(O)

test: deps
	$(Q)$(MAKE) --no-print-directory all test-unit
	$(Q)$(MAKE) --no-print-directory test-unit-san
	$(Q)$(MAKE) --no-print-directory test-vm

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)scripts/demo.sh $(O)

$(O)/plugland.pc: include/plugland.pc.in Makefile
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|; s|@PLUGIN_DIR@|$(PLUGIN_DIR)|; s|@VERSION@|$(VERSION)|' $< >$@

# The binary, the SDK (header + pkg-config), the plugins, the default
# config (not overwritten if present: it is the administrator's).
install: all $(O)/plugland.pc
	install -D -m 755 $(O)/scx_plugland $(DESTDIR)$(PREFIX)/bin/scx_plugland
	install -D -m 644 include/plugland/plugin.h $(DESTDIR)$(PREFIX)/include/plugland/plugin.h
	install -D -m 644 $(O)/plugland.pc $(DESTDIR)$(PREFIX)/share/pkgconfig/plugland.pc
	install -d -m 755 $(DESTDIR)$(PLUGIN_DIR)
	install -m 644 $(PLUGIN_SOS) $(DESTDIR)$(PLUGIN_DIR)/
	test -e $(DESTDIR)$(CONF_FILE) || { install -d -m 755 $(dir $(DESTDIR)$(CONF_FILE)) && \
		sed 's|^plugin_dir = .*|plugin_dir = $(PLUGIN_DIR)|' conf/plugland.ini >$(DESTDIR)$(CONF_FILE); }

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/scx_plugland $(DESTDIR)$(PREFIX)/include/plugland/plugin.h \
	      $(DESTDIR)$(PREFIX)/share/pkgconfig/plugland.pc $(PLUGINS:%=$(DESTDIR)$(PLUGIN_DIR)/%.so)
	-rmdir $(DESTDIR)$(PREFIX)/include/plugland $(DESTDIR)$(PLUGIN_DIR) 2>/dev/null
	@echo "left $(DESTDIR)$(CONF_FILE) in place (your configuration)"

# Install into a scratch root, build examples/my_policy against the
# installed SDK with pkg-config, load it and run it on the simulator.
test-sdk: all
	$(Q)tests/host/sdk.sh $(O)

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)

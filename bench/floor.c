// SPDX-License-Identifier: GPL-2.0
/*
 * floor: load bench/floor.bpf.c (the benchmark's minimal sched_ext
 * scheduler), attach it, and detach on SIGINT or SIGTERM.
 *
 *   floor [-v] OBJECT.bpf.o    (-v: the vtime queue, else FIFO)
 *
 * Exit 0 after a clean detach; 1, with one line saying why, if the object
 * cannot be opened, loaded or attached, or if the kernel ejected it.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level;
	(void)fmt;
	(void)ap;
	return 0;
}

/* The kernel's sched_ext state: "enabled" while a scheduler runs. */
static int enabled(void)
{
	char state[32] = "";
	FILE *f = fopen("/sys/kernel/sched_ext/state", "r");

	if (!f)
		return 0;
	if (!fgets(state, sizeof(state), f))
		state[0] = 0;
	fclose(f);
	return strncmp(state, "enabled", 7) == 0;
}

int main(int argc, char **argv)
{
	struct bpf_object *obj;
	struct bpf_link *link;
	struct bpf_map *ops, *rodata;
	bool vtime = argc == 3 && strcmp(argv[1], "-v") == 0;
	const char *path = argv[argc - 1];
	int err;

	if (argc != 2 && !vtime) {
		fprintf(stderr, "usage: floor [-v] OBJECT.bpf.o\n");
		return 2;
	}
	libbpf_set_print(quiet);
	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		char why[128];

		libbpf_strerror(errno, why, sizeof(why));
		fprintf(stderr, "floor: cannot open %s: %s\n", path, why);
		return 1;
	}
	rodata = bpf_object__find_map_by_name(obj, ".rodata");
	if (vtime) {
		size_t size = 0;
		bool *mode = rodata ? bpf_map__initial_value(rodata, &size) : NULL;

		if (!mode || size < sizeof(*mode)) {
			fprintf(stderr, "floor: %s has no vtime_mode\n", path);
			bpf_object__close(obj);
			return 1;
		}
		*mode = true; /* its only read-only variable */
	}
	err = bpf_object__load(obj);
	ops = bpf_object__find_map_by_name(obj, "floor_ops");
	if (err || !ops) {
		fprintf(stderr, "floor: cannot load %s: %s\n", path, strerror(err ? -err : ENOENT));
		bpf_object__close(obj);
		return 1;
	}
	link = bpf_map__attach_struct_ops(ops);
	if (!link) {
		fprintf(stderr, "floor: cannot attach: %s\n", strerror(errno));
		bpf_object__close(obj);
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (int i = 0; i < 50 && !stop && !enabled(); i++) /* enabling: at most 5 s */
		usleep(100000);
	while (!stop && enabled())
		usleep(100000);
	err = stop ? 0 : 1;
	if (err)
		fprintf(stderr, "floor: the kernel disabled the scheduler\n");
	bpf_link__destroy(link);
	bpf_object__close(obj);
	return err;
}

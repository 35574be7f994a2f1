// SPDX-License-Identifier: GPL-2.0
/*
 * floor: load bench/floor.bpf.c (the benchmark's minimal sched_ext
 * scheduler), attach it, and detach on SIGINT or SIGTERM.
 *
 *   floor [-m fifo|vtime|local|local-vtime|direct] OBJECT.bpf.o  (floor.bpf.c's modes; fifo)
 *
 * Any sched_ext object that needs no user space loads the same way: its
 * first struct_ops map is attached, and a read-only variable named __NAME,
 * where NAME is an enumerator of the running kernel, gets its value (how
 * the scx schedulers learn SCX_DSQ_LOCAL, SCX_SLICE_DFL and the like).
 * bench/run.sh -x runs other in-kernel schedulers beside the floor.
 *
 * Exit 0 after a clean detach; 1, with one line saying why, if the object
 * cannot be opened, loaded or attached, or if the kernel ejected it.
 */
#include <bpf/btf.h>
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

/* The object's scheduler: its first struct_ops map. */
static struct bpf_map *ops_map(struct bpf_object *obj)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_STRUCT_OPS)
			return map;
	return NULL;
}

/* The running kernel's value of enumerator NAME, if it has one. */
static bool kernel_enum(const struct btf *vmlinux, const char *name, unsigned long long *value)
{
	unsigned int n = btf__type_cnt(vmlinux);

	for (unsigned int id = 1; id < n; id++) {
		const struct btf_type *t = btf__type_by_id(vmlinux, id);

		for (unsigned int i = 0; btf_is_enum(t) && i < btf_vlen(t); i++)
			if (!strcmp(btf__name_by_offset(vmlinux, btf_enum(t)[i].name_off), name)) {
				*value = (unsigned long long)(long long)btf_enum(t)[i].val;
				return true;
			}
		for (unsigned int i = 0; btf_is_enum64(t) && i < btf_vlen(t); i++)
			if (!strcmp(btf__name_by_offset(vmlinux, btf_enum64(t)[i].name_off), name)) {
				*value = btf_enum64_value(&btf_enum64(t)[i]);
				return true;
			}
	}
	return false;
}

/* Fill the object's __NAME read-only variables from the kernel's enums. */
static void fill_kernel_enums(struct bpf_object *obj, struct bpf_map *rodata)
{
	const struct btf *btf = bpf_object__btf(obj);
	const struct btf_var_secinfo *v;
	const struct btf_type *t;
	struct btf *vmlinux;
	size_t size = 0;
	char *data = rodata ? bpf_map__initial_value(rodata, &size) : NULL;
	int sec = btf ? btf__find_by_name_kind(btf, ".rodata", BTF_KIND_DATASEC) : -1;

	if (!data || sec < 0 || !(vmlinux = btf__load_vmlinux_btf()))
		return;
	t = btf__type_by_id(btf, sec);
	v = btf_var_secinfos(t);

	for (unsigned int i = 0; i < btf_vlen(t); i++, v++) {
		const char *name = btf__name_by_offset(btf, btf__type_by_id(btf, v->type)->name_off);
		unsigned long long value;

		if (strncmp(name, "__", 2) || v->offset + v->size > size ||
		    !kernel_enum(vmlinux, name + 2, &value))
			continue;
		if (v->size == 8)
			memcpy(data + v->offset, &value, 8);
		else if (v->size == 4)
			memcpy(data + v->offset, &(unsigned int){ (unsigned int)value }, 4);
	}
	btf__free(vmlinux);
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
	static const char *const modes[] = { "fifo", "vtime", "local", "local-vtime", "direct" }; /* enum floor_mode */
	const char *path = argv[argc - 1];
	int err, mode = -1;

	if (argc == 4 && strcmp(argv[1], "-m") == 0)
		for (int i = 0; i < (int)(sizeof(modes) / sizeof(modes[0])); i++)
			if (strcmp(argv[2], modes[i]) == 0)
				mode = i;
	if (argc != 2 && mode < 0) {
		fprintf(stderr, "usage: floor [-m fifo|vtime|local|local-vtime|direct] OBJECT.bpf.o\n");
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
	fill_kernel_enums(obj, rodata);
	if (mode > 0) {
		size_t size = 0;
		unsigned int *floor_mode = rodata ? bpf_map__initial_value(rodata, &size) : NULL;

		if (!floor_mode || size < sizeof(*floor_mode)) {
			fprintf(stderr, "floor: %s has no floor_mode\n", path);
			bpf_object__close(obj);
			return 1;
		}
		*floor_mode = (unsigned int)mode; /* its only read-only variable */
	}
	err = bpf_object__load(obj);
	ops = ops_map(obj);
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

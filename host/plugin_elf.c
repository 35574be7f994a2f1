// SPDX-License-Identifier: GPL-2.0
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "plugin_elf.h"

#if defined(__x86_64__)
#define HOST_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define HOST_MACHINE EM_AARCH64
#elif defined(__riscv)
#define HOST_MACHINE EM_RISCV
#else
#error "the ELF machine of this architecture"
#endif

/* The defined symbol `name` in .dynsym (what dlsym() would find). */
static bool find_dynsym(Elf *e, const char *name, GElf_Sym *out)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	while ((scn = elf_nextscn(e, scn))) {
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_DYNSYM || !sh.sh_entsize)
			continue;
		if (!(data = elf_getdata(scn, NULL)))
			return false;
		n = sh.sh_size / sh.sh_entsize;
		for (i = 1; i < n; i++) {
			const char *s;

			if (!gelf_getsym(data, (int)i, out) || out->st_shndx == SHN_UNDEF)
				continue;
			s = elf_strptr(e, sh.sh_link, out->st_name);
			if (s && !strcmp(s, name))
				return true;
		}
	}
	return false;
}

/* The file offset of virtual address v, if the file holds its bytes. */
static bool file_offset(Elf *e, GElf_Addr v, size_t len, off_t *off)
{
	size_t i, n;

	if (elf_getphdrnum(e, &n))
		return false;
	for (i = 0; i < n; i++) {
		GElf_Phdr ph;

		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (v >= ph.p_vaddr && v + len <= ph.p_vaddr + ph.p_filesz) {
			*off = (off_t)(v - ph.p_vaddr + ph.p_offset);
			return true;
		}
	}
	return false;
}

int plugin_elf_peek(int fd, const char *symbol, void *head, size_t len, char *err,
		    size_t errlen)
{
	GElf_Ehdr eh;
	GElf_Sym sym;
	off_t off;
	int ret = -2;
	Elf *e;

	if (elf_version(EV_CURRENT) == EV_NONE) {
		snprintf(err, errlen, "libelf: %s", elf_errmsg(-1));
		return -2;
	}
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || !gelf_getehdr(e, &eh)) {
		snprintf(err, errlen, "not an ELF file");
		goto out;
	}
	if (eh.e_type != ET_DYN || gelf_getclass(e) != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32)) {
		snprintf(err, errlen, "not a shared object (build it with -shared -fPIC)");
		goto out;
	}
	if (eh.e_machine != HOST_MACHINE) {
		snprintf(err, errlen, "built for another machine (ELF machine %u, this is %u)",
			 (unsigned)eh.e_machine, (unsigned)HOST_MACHINE);
		goto out;
	}
	if (!find_dynsym(e, symbol, &sym)) {
		ret = -1;
		goto out;
	}
	if (sym.st_size < len || !file_offset(e, sym.st_value, len, &off) ||
	    pread(fd, head, len, off) != (ssize_t)len) {
		snprintf(err, errlen, "its '%s' is not an initialised descriptor", symbol);
		goto out;
	}
	ret = 0;
out:
	if (e)
		elf_end(e);
	return ret;
}

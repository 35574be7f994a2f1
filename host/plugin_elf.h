/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a plugin file says before any of its code runs: dlopen() runs a
 * plugin's constructors, so the checks that need no code (an ELF shared
 * object for this machine, exporting the descriptor, with the host's ABI
 * major) are made on the file first, with libelf.
 */
#ifndef PLUGLAND_PLUGIN_ELF_H
#define PLUGLAND_PLUGIN_ELF_H

#include <stddef.h>

/*
 * Copy the first len bytes of the object `symbol` names in the ELF
 * shared object open on fd into head, as the file holds them (constant
 * fields: no relocation is applied). 0; -1 with err "not a plugland ..."
 * when the symbol is missing; -2 with err when the file is no shared
 * object for this machine or cannot be read.
 */
int plugin_elf_peek(int fd, const char *symbol, void *head, size_t len, char *err,
		    size_t errlen);

#endif

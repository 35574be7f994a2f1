// SPDX-License-Identifier: GPL-2.0
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "build_tree.h"

bool build_tree_plugin_dir(char *dir, size_t len)
{
	char exe[PATH_MAX], probe[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return false;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return false;
	*slash = 0;
	snprintf(probe, sizeof(probe), "%s/bpf/plugland.bpf.o", exe);
	if (access(probe, R_OK))
		return false;
	snprintf(probe, sizeof(probe), "%s/plugins", exe);
	if (access(probe, X_OK) || strlen(probe) >= len)
		return false;
	memcpy(dir, probe, strlen(probe) + 1);
	return true;
}

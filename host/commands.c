// SPDX-License-Identifier: GPL-2.0
/* The commands that only look: --list-plugins, and the policies for messages. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "log.h"
#include "plugin_loader.h"

extern const struct plugland_policy plugland_builtin_fifo;

void policy_names(const struct config *cfg, char *buf, size_t len)
{
	char dirs[sizeof(cfg->plugin_dir)], *dir, *save = NULL;
	struct dirent **names;
	size_t used;
	int i, n;

	snprintf(buf, len, "%s (built in)", plugland_builtin_fifo.name);
	snprintf(dirs, sizeof(dirs), "%s", cfg->plugin_dir);
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		n = scandir(dir, &names, NULL, alphasort);
		for (i = 0; i < n; i++) {
			size_t nlen = strlen(names[i]->d_name);
			char name[256];

			if (nlen > 3 && !strcmp(names[i]->d_name + nlen - 3, ".so")) {
				snprintf(name, sizeof(name), "%.*s", (int)(nlen - 3), names[i]->d_name);
				used = strlen(buf);
				if (strcmp(name, plugland_builtin_fifo.name) &&
				    !plugin_is_async(dir, name) && used < len)
					snprintf(buf + used, len - used, ", %s", name);
			}
			free(names[i]);
		}
		if (n >= 0)
			free(names);
	}
}

/* --list-plugins: every NAME.so of every plugin folder, loadable or why not. */
int list_plugins(const struct config *cfg)
{
	char dirs[sizeof(cfg->plugin_dir)], *dir, *save = NULL, err[PATH_MAX + 256];
	struct loaded_policy lp;
	struct loaded_async la;
	struct dirent **names;
	int i, n, found = 0;

	printf("%-12s %-8s %s\n", "NAME", "STATUS", "DETAILS");
	printf("%-12s %-8s %s\n", plugland_builtin_fifo.name, "ok", "policy: built-in: first come, first served");
	snprintf(dirs, sizeof(dirs), "%s", cfg->plugin_dir);
	for (dir = strtok_r(dirs, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		n = scandir(dir, &names, NULL, alphasort);
		if (n < 0) {
			printf("%-12s %-8s %s: %s\n", "-", "missing", dir, strerror(errno));
			continue;
		}
		for (i = 0; i < n; i++) {
			size_t len = strlen(names[i]->d_name);
			char name[256];

			if (len > 3 && !strcmp(names[i]->d_name + len - 3, ".so")) {
				snprintf(name, sizeof(name), "%.*s", (int)(len - 3), names[i]->d_name);
				found++;
				if (plugin_is_async(dir, name)) {
					if (async_load(dir, name, &la, err, sizeof(err)) == 0) {
						printf("%-12s %-8s async: %s: %s\n", name, "ok", la.path,
						       la.ops.description ? la.ops.description : "");
						async_unload(&la);
					} else {
						printf("%-12s %-8s %s\n", name, "refused", err);
					}
				} else if (policy_load(dir, name, &lp, err, sizeof(err)) == 0) {
					printf("%-12s %-8s policy: %s: %s\n", name, "ok", lp.path,
					       lp.ops.description ? lp.ops.description : "");
					policy_unload(&lp);
				} else {
					printf("%-12s %-8s %s\n", name, "refused", err);
				}
			}
			free(names[i]);
		}
		free(names);
	}
	if (!found)
		printf("(no plugins in %s)\n", cfg->plugin_dir);
	return 0;
}

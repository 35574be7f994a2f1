/* SPDX-License-Identifier: GPL-2.0 */
/* The struct plugland_host each plugin receives: the host's services. */
#ifndef PLUGLAND_SERVICES_H
#define PLUGLAND_SERVICES_H

#include <plugland/plugin.h>
#include "backend.h"
#include "config.h"

struct plugin_services {
	struct plugland_host host;	/* what the plugin sees; first member */
	char name[64];			/* log prefix and config section */
	const struct config *cfg;
};

/* Fill *s for plugin `name`. The backend serves pick_idle_cpu; it may be
 * set later with services_set_backend() (plugins init before attach). */
void services_init(struct plugin_services *s, const char *name, const struct config *cfg,
		   uint32_t nr_cpus, uint64_t default_slice_ns);
void services_set_backend(struct backend *be);

#endif

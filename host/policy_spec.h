/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A policy and settings of its ini section, as one word:
 * POLICY[@KEY=VALUE[,KEY=VALUE...]] (deadline@slice_us=2000,min_slice_us=500).
 * plugland-replay's candidates and scx_plugland's shadow policy are named
 * so; each setting applies as --set POLICY.KEY=VALUE would.
 */
#ifndef PLUGLAND_POLICY_SPEC_H
#define PLUGLAND_POLICY_SPEC_H

#include <stddef.h>

#define POLICY_SPEC_MAX_SETTINGS 16

struct policy_spec {
	char policy[64];
	unsigned int nr_settings;
	char settings[POLICY_SPEC_MAX_SETTINGS][256]; /* "POLICY.KEY=VALUE", as --set */
};

/* 0, or -1 with what is wrong in err (the shape only: whether the policy
 * exists and reads those keys is for its loader to say). */
int policy_spec_parse(struct policy_spec *p, const char *spec, char *err, size_t errlen);

#endif

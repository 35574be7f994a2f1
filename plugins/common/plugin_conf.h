/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading a plugin's own ini section ([NAME]) through host->config():
 * numbers with a range, booleans and words from a list, each refused with
 * one message naming the key. Header-only: every plugin includes it.
 */
#ifndef PLUGLAND_PLUGIN_CONF_H
#define PLUGLAND_PLUGIN_CONF_H

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <plugland/plugin.h>

static inline const char *conf_str(const struct plugland_host *h, const char *key)
{
	return h->config ? h->config(h, key) : NULL; /* NULL: a test's bare host */
}

/* *out = the key's value in [min, max], or unchanged when unset. 0, or -EINVAL logged. */
static inline int conf_u64(const struct plugland_host *h, const char *key, uint64_t min,
			   uint64_t max, uint64_t *out)
{
	const char *v = conf_str(h, key);
	unsigned long long n;
	char *end;

	if (!v)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || n < min || n > max) {
		h->log(h, PLUGLAND_LOG_ERROR, "%s: expected a number in [%" PRIu64 ", %" PRIu64
		       "], got '%s'", key, min, max, v);
		return -EINVAL;
	}
	*out = n;
	return 0;
}

static inline int conf_bool(const struct plugland_host *h, const char *key, bool *out)
{
	const char *v = conf_str(h, key);

	if (!v)
		return 0;
	if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes"))
		*out = true;
	else if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no"))
		*out = false;
	else {
		h->log(h, PLUGLAND_LOG_ERROR, "%s: expected true or false, got '%s'", key, v);
		return -EINVAL;
	}
	return 0;
}

/* *out = index of the value in words[] (NULL-terminated), unchanged when unset. */
static inline int conf_word(const struct plugland_host *h, const char *key,
			    const char *const *words, unsigned int *out)
{
	const char *v = conf_str(h, key);
	unsigned int i;

	if (!v)
		return 0;
	for (i = 0; words[i]; i++) {
		if (!strcmp(v, words[i])) {
			*out = i;
			return 0;
		}
	}
	h->log(h, PLUGLAND_LOG_ERROR, "%s: unknown value '%s'", key, v);
	return -EINVAL;
}

#endif

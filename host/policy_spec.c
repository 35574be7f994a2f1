// SPDX-License-Identifier: GPL-2.0
/* Parsing POLICY[@KEY=VALUE,...] (policy_spec.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "fail_msg.h"
#include "policy_spec.h"

static bool name_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       ch == '_' || ch == '-';
}

int policy_spec_parse(struct policy_spec *c, const char *spec, char *err, size_t errlen)
{
	const char *at = strchr(spec, '@'), *p;
	size_t len = at ? (size_t)(at - spec) : strlen(spec);

	memset(c, 0, sizeof(*c));
	if (!len || len >= sizeof(c->policy))
		return fail_msg(err, errlen, "expected POLICY[@KEY=VALUE[,KEY=VALUE...]]");
	for (p = spec; p < spec + len; p++)
		if (!name_char(*p))
			return fail_msg(err, errlen, "expected POLICY[@KEY=VALUE[,KEY=VALUE...]]: "
				    "a policy's name is letters, digits, '_' and '-'");
	memcpy(c->policy, spec, len);
	if (!at)
		return 0;
	for (p = at + 1;;) {
		const char *end = strchr(p, ','), *eq;
		size_t n = end ? (size_t)(end - p) : strlen(p);

		eq = memchr(p, '=', n);
		if (!n || !eq || eq == p)
			return fail_msg(err, errlen, "expected KEY=VALUE after '%s'",
				    p == at + 1 ? "@" : ",");
		if (c->nr_settings == POLICY_SPEC_MAX_SETTINGS)
			return fail_msg(err, errlen, "more than %d settings", POLICY_SPEC_MAX_SETTINGS);
		if ((size_t)snprintf(c->settings[c->nr_settings], sizeof(c->settings[0]), "%.*s.%.*s",
				     (int)len, spec, (int)n, p) >= sizeof(c->settings[0]))
			return fail_msg(err, errlen, "a setting longer than %zu bytes",
				    sizeof(c->settings[0]) - 1);
		c->nr_settings++;
		if (!end)
			return 0;
		p = end + 1;
	}
}

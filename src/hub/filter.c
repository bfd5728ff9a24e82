/*
 * TAXII 2.1 URL filters (see filter.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/filter.h"
#include "hub/ids.h"
#include "stix/ident.h"

/* Parses a decimal in [min, max] from the whole string. */
static bool parse_dec(const char *s, int64_t min, int64_t max, int64_t *ret)
{
	if (!*s || strlen(s) > 18)
		return false;
	int64_t v = 0;
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max)
		return false;
	*ret = v;
	return true;
}

static bool id_ok(const char *s, size_t n)
{
	return yg_stix_id_valid(s, n, NULL);
}

/* A spec_version value: digits '.' digits ("2.1"), at most 8 bytes. */
static bool spec_version_ok(const char *s, size_t n)
{
	const char *dot = memchr(s, '.', n);
	if (!dot || dot == s || dot == s + n - 1 || n > 8)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s + i != dot && (s[i] < '0' || s[i] > '9'))
			return false;
	return true;
}

/* Splits a copy of value at commas into list; items must be non-empty and,
 * when ok is given, pass it: a value that can never match an object is the
 * client's mistake, told as such rather than answered with an empty page. */
static int split(char *text, const char **list, size_t *n, bool (*ok)(const char *, size_t))
{
	char *p = text;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = '\0';
		if (!*p || (ok && !ok(p, strlen(p))))
			return -EINVAL;
		if (*n >= YG_STORE_LIST_MAX)
			return -E2BIG;
		list[(*n)++] = p;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

int yg_taxii_filter_parse(const struct yg_kv *args, size_t n, struct yg_taxii_filter *ret,
			  char *err, size_t errlen)
{
	memset(ret, 0, sizeof *ret);
	ret->limit = YG_TAXII_LIMIT_DEFAULT;
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		if (args[i].value)
			total += strlen(args[i].value) + 1;
	ret->text = malloc(total + 1);
	if (!ret->text)
		return -ENOMEM;
	char *t = ret->text;
	int r = 0;
	const char *bad = NULL;
	for (size_t i = 0; i < n; i++) {
		const char *k = args[i].key, *v = args[i].value ? args[i].value : "";
		size_t vl = strlen(v);
		memcpy(t, v, vl + 1);
		char *copy = t;
		t += vl + 1;
		bad = k;
		if (!strcmp(k, "added_after")) {
			int64_t us;
			if (!yg_time_parse_us(v, vl, &us)) {
				r = -EINVAL;
				break;
			}
			if (us > ret->added_after_us)
				ret->added_after_us = us;
		} else if (!strcmp(k, "next")) {
			int64_t us;
			if (!parse_dec(v, 0, INT64_MAX / 2, &us)) {
				r = -EINVAL;
				break;
			}
			if (us > ret->added_after_us)
				ret->added_after_us = us;
		} else if (!strcmp(k, "limit")) {
			int64_t l;
			if (!parse_dec(v, 1, 999999999, &l)) {
				r = -EINVAL;
				break;
			}
			ret->limit = l > YG_TAXII_LIMIT_MAX ? YG_TAXII_LIMIT_MAX : (size_t)l;
		} else if (!strcmp(k, "match[id]")) {
			r = split(copy, ret->ids, &ret->n_ids, id_ok);
		} else if (!strcmp(k, "match[type]")) {
			r = split(copy, ret->types, &ret->n_types, yg_stix_type_valid);
		} else if (!strcmp(k, "match[spec_version]")) {
			r = split(copy, ret->spec_versions, &ret->n_spec_versions, spec_version_ok);
		} else if (!strcmp(k, "match[version]")) {
			const char *items[YG_STORE_LIST_MAX];
			size_t ni = 0;
			r = split(copy, items, &ni, NULL);
			for (size_t j = 0; r == 0 && j < ni; j++) {
				int64_t us;
				if (!strcmp(items[j], "first"))
					ret->version_flags |= YG_VER_FIRST;
				else if (!strcmp(items[j], "last"))
					ret->version_flags |= YG_VER_LAST;
				else if (!strcmp(items[j], "all"))
					ret->version_flags |= YG_VER_ALL;
				else if (!yg_time_parse_us(items[j], strlen(items[j]), &us))
					r = -EINVAL;
				else if (ret->n_versions >= YG_STORE_LIST_MAX)
					r = -E2BIG;
				else
					ret->versions_us[ret->n_versions++] = us;
			}
		}
		if (r < 0)
			break;
	}
	if (r < 0 && err && errlen)
		snprintf(err, errlen, "%s: %s", bad ? bad : "?",
			 r == -E2BIG ? "more than 100 values" : "invalid value");
	return r;
}

void yg_taxii_filter_release(struct yg_taxii_filter *f)
{
	if (!f)
		return;
	free(f->text);
	f->text = NULL;
}

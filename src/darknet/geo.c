#include "darknet/geo.h"
#include "darknet/asn_csv.h"

#include <dirent.h>
#include <errno.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct yg_geo {
	MMDB_s db[YG_GEO_MAX_DBS];
	char *name[YG_GEO_MAX_DBS];
	unsigned n;
	struct yg_asn_table *asn; /* the *asn*.csv files; NULL when none */
};

static bool is_asn_csv(const char *n, size_t l)
{
	return n[0] != '.' && l > 4 && !strcmp(n + l - 4, ".csv") && strstr(n, "asn");
}

/* Loads every *asn*.csv of dir into g->asn. A bad row is skipped (the
 * first is named on stderr); a file that cannot be read is an error. */
static int load_asn(struct yg_geo *g, const char *dir, char *err, size_t errlen)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	int r = 0;
	struct dirent *de;
	while (r == 0 && (de = readdir(d)) != NULL) {
		if (!is_asn_csv(de->d_name, strlen(de->d_name)))
			continue;
		if (!g->asn && (r = yg_asn_table_new(&g->asn)) < 0)
			break;
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		struct yg_asn_load_result res = {0};
		r = yg_asn_table_load(g->asn, path, &res);
		if (r < 0)
			snprintf(err, errlen, "%s: %s", path, res.first_bad[0] ? res.first_bad : strerror(-r));
		else if (res.bad)
			fprintf(stderr, "geo: %s: %zu bad rows skipped, the first at %s\n", path,
				res.bad, res.first_bad);
	}
	closedir(d);
	if (r == 0 && g->asn)
		yg_asn_table_finish(g->asn);
	return r < 0 ? -EBADMSG : 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int yg_geo_open(const char *dir, struct yg_geo **ret, char *err, size_t errlen)
{
	*ret = NULL;
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	char *names[YG_GEO_MAX_DBS];
	unsigned n = 0;
	struct dirent *de;
	while ((de = readdir(d)) != NULL && n < YG_GEO_MAX_DBS) {
		size_t l = strlen(de->d_name);
		if (l > 5 && !strcmp(de->d_name + l - 5, ".mmdb") && de->d_name[0] != '.')
			names[n++] = strdup(de->d_name);
	}
	closedir(d);
	int r = 0;
	struct yg_geo *g = NULL;
	for (unsigned i = 0; i < n; i++)
		if (!names[i])
			r = -ENOMEM;
	if (r < 0)
		goto fail;
	qsort(names, n, sizeof *names, cmp_str);
	g = calloc(1, sizeof *g);
	if (!g) {
		r = -ENOMEM;
		goto fail;
	}
	r = load_asn(g, dir, err, errlen);
	if (r < 0)
		goto fail;
	if (n == 0 && !g->asn)
		goto fail; /* nothing: no geo, not an error */
	for (unsigned i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		int s = MMDB_open(path, MMDB_MODE_MMAP, &g->db[g->n]);
		if (s != MMDB_SUCCESS) {
			snprintf(err, errlen, "%s: %s", path, MMDB_strerror(s));
			r = -EBADMSG;
			goto fail;
		}
		g->name[g->n++] = names[i];
		names[i] = NULL;
	}
	*ret = g;
	return 0;
fail:
	for (unsigned i = 0; i < n; i++)
		free(names[i]);
	yg_geo_free(g);
	return r;
}

void yg_geo_free(struct yg_geo *g)
{
	if (!g)
		return;
	for (unsigned i = 0; i < g->n; i++) {
		MMDB_close(&g->db[i]);
		free(g->name[i]);
	}
	yg_asn_table_free(g->asn);
	free(g);
}

unsigned yg_geo_count(const struct yg_geo *g)
{
	return g ? g->n : 0;
}

size_t yg_geo_asn_ranges(const struct yg_geo *g)
{
	return g ? yg_asn_table_rows(g->asn) : 0;
}

const char *yg_geo_name(const struct yg_geo *g, unsigned i)
{
	return g && i < g->n ? g->name[i] : NULL;
}

static bool get_country(MMDB_entry_s *e, char out[3])
{
	MMDB_entry_data_s d;
	if ((MMDB_get_value(e, &d, "country_code", NULL) != MMDB_SUCCESS || !d.has_data) &&
	    (MMDB_get_value(e, &d, "country", "iso_code", NULL) != MMDB_SUCCESS || !d.has_data))
		return false;
	if (d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size != 2)
		return false;
	for (int i = 0; i < 2; i++) {
		char c = d.utf8_string[i];
		if (c < 'A' || c > 'Z')
			return false;
		out[i] = c;
	}
	out[2] = 0;
	return true;
}

static uint32_t get_asn(MMDB_entry_s *e)
{
	MMDB_entry_data_s d;
	if ((MMDB_get_value(e, &d, "autonomous_system_number", NULL) != MMDB_SUCCESS ||
	     !d.has_data) &&
	    (MMDB_get_value(e, &d, "asn", NULL) != MMDB_SUCCESS || !d.has_data))
		return 0;
	switch (d.type) {
	case MMDB_DATA_TYPE_UINT32: return d.uint32;
	case MMDB_DATA_TYPE_UINT16: return d.uint16;
	case MMDB_DATA_TYPE_UINT64: return d.uint64 <= UINT32_MAX ? (uint32_t)d.uint64 : 0;
	default: return 0;
	}
}

void yg_geo_lookup(const struct yg_geo *g, uint8_t family, const struct yg_addr *a,
                   struct yg_geo_result *ret)
{
	memset(ret, 0, sizeof *ret);
	if (!g)
		return;
	struct sockaddr_in s4 = {.sin_family = AF_INET};
	struct sockaddr_in6 s6 = {.sin6_family = AF_INET6};
	const struct sockaddr *sa;
	if (family == 4) {
		memcpy(&s4.sin_addr, a->b, 4);
		sa = (const struct sockaddr *)&s4;
	} else {
		memcpy(&s6.sin6_addr, a->b, 16);
		sa = (const struct sockaddr *)&s6;
	}
	for (unsigned i = 0; i < g->n && (!ret->country[0] || !ret->asn); i++) {
		int me = 0;
		/* MMDB_lookup_sockaddr takes a non-const handle but only reads. */
		MMDB_lookup_result_s lr = MMDB_lookup_sockaddr((MMDB_s *)&g->db[i], sa, &me);
		if (me != MMDB_SUCCESS || !lr.found_entry)
			continue;
		if (!ret->country[0])
			get_country(&lr.entry, ret->country);
		if (!ret->asn)
			ret->asn = get_asn(&lr.entry);
	}
	if (!ret->asn)
		ret->asn = yg_asn_table_lookup(g->asn, family, a->b);
}

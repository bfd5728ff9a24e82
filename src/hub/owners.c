/*
 * Owner lookup and import (owners.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "darknet/research.h"
#include "hub/owners.h"
#include "intel/prefix_map.h"
#include "store/store_hosts.h"

struct yg_owners {
	pthread_mutex_t lock;
	struct yg_pmap *map; /* NULL before the first build or with no prefix */
	char gen[32];        /* the generation the map was built at */
	bool built;
};

int yg_owners_new(struct yg_owners **ret)
{
	struct yg_owners *o = calloc(1, sizeof *o);
	if (!o)
		return -ENOMEM;
	pthread_mutex_init(&o->lock, NULL);
	*ret = o;
	return 0;
}

void yg_owners_free(struct yg_owners *o)
{
	if (!o)
		return;
	yg_pmap_free(o->map);
	pthread_mutex_destroy(&o->lock);
	free(o);
}

struct collect {
	struct yg_pmap_entry *e;
	size_t n, cap;
};

static int collect_prefix(void *ud, const char *cidr, int64_t owner_id)
{
	struct collect *c = ud;
	struct yg_addr a;
	struct yg_pmap_entry e = {0};
	/* Stored prefixes were checked on import; one that is not is skipped. */
	if (!cidr || yg_dn_cidr_parse(cidr, strlen(cidr), &e.family, &a, &e.len) < 0 ||
	    owner_id <= 0 || owner_id >= UINT32_MAX)
		return 1;
	memcpy(e.addr, a.b, 16);
	e.value = (uint32_t)owner_id;
	if (c->n == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 256;
		struct yg_pmap_entry *ne = realloc(c->e, nc * sizeof *ne);
		if (!ne)
			return -ENOMEM;
		c->e = ne;
		c->cap = nc;
	}
	c->e[c->n++] = e;
	return 1;
}

/* Rebuilds the map when the generation moved; under o->lock. */
static int refresh(struct yg_owners *o, struct yg_store *st)
{
	char *gen = NULL;
	int r = st->ops->setting_get(st, YG_OWNERS_GEN_SETTING, &gen);
	if (r == -ENOENT) {
		gen = strdup("0");
		r = gen ? 0 : -ENOMEM;
	}
	if (r < 0)
		return r;
	if (o->built && !strcmp(gen, o->gen)) {
		free(gen);
		return 0;
	}
	struct collect c = {0};
	r = st->ops->hosts->prefix_list(st, collect_prefix, &c);
	struct yg_pmap *m = NULL;
	if (r == 0)
		r = yg_pmap_build(c.e, c.n, &m);
	free(c.e);
	if (r == 0) {
		yg_pmap_free(o->map);
		o->map = m;
		snprintf(o->gen, sizeof o->gen, "%s", gen);
		o->built = true;
	}
	free(gen);
	return r;
}

int yg_owners_match(struct yg_owners *o, struct yg_store *st, uint8_t family,
		    const uint8_t addr[16], int64_t *ret_owner_id)
{
	pthread_mutex_lock(&o->lock);
	int r = refresh(o, st);
	uint32_t v = 0;
	if (r == 0)
		r = yg_pmap_lookup(o->map, family, addr, &v, NULL);
	pthread_mutex_unlock(&o->lock);
	if (r == 0)
		*ret_owner_id = v;
	return r;
}

static int new_secret(char out[YG_HOST_SECRET_LEN + 1])
{
	unsigned char b[YG_HOST_SECRET_LEN / 2];
	if (RAND_bytes(b, sizeof b) != 1)
		return -EIO;
	for (size_t i = 0; i < sizeof b; i++)
		snprintf(out + 2 * i, 3, "%02x", b[i]);
	return 0;
}

int yg_owners_implicit(struct yg_store *st, const char *name, int64_t org_id, int64_t *ret_id)
{
	struct yg_host_owner o;
	int r = st->ops->hosts->owner_find(st, name, &o);
	if (r == 0) {
		*ret_id = o.id;
		return 0;
	}
	if (r != -ENOENT)
		return r;
	memset(&o, 0, sizeof o);
	snprintf(o.name, sizeof o.name, "%s", name);
	snprintf(o.lang, sizeof o.lang, "en");
	o.org_id = org_id;
	r = new_secret(o.secret);
	if (r == 0)
		r = st->ops->hosts->owner_put(st, &o, ret_id, NULL);
	return r;
}

struct import {
	struct yg_store *st;
	struct yg_owners_import_result *res;
	void (*bad)(void *ud, unsigned long line, const char *why);
	void *ud;
};

static int import_row(void *ud, const struct yg_owner_row *row)
{
	struct import *im = ud;
	struct yg_store *st = im->st;
	struct yg_host_owner o;
	memset(&o, 0, sizeof o);
	snprintf(o.name, sizeof o.name, "%s", row->owner);
	snprintf(o.email, sizeof o.email, "%s", row->email);
	snprintf(o.webhook, sizeof o.webhook, "%s", row->webhook);
	snprintf(o.lang, sizeof o.lang, "%s", row->lang);
	struct yg_org org;
	int r = st->ops->org_find(st, row->owner, &org);
	if (r == 0) {
		o.org_id = org.id;
		im->res->members++;
	} else if (r != -ENOENT) {
		return r;
	}
	r = new_secret(o.secret);
	int64_t id = 0;
	bool is_new = false;
	if (r == 0)
		r = st->ops->hosts->owner_put(st, &o, &id, &is_new);
	if (r == 0)
		r = st->ops->hosts->prefix_put(st, row->cidr, id);
	if (r == 0 && is_new)
		im->res->new_owners++;
	return r;
}

static void import_bad(void *ud, unsigned long line, const char *why)
{
	struct import *im = ud;
	im->res->bad++;
	if (im->bad)
		im->bad(im->ud, line, why);
}

int yg_owners_import(struct yg_store *st, const char *data, size_t len,
		     void (*bad)(void *ud, unsigned long line, const char *why), void *ud,
		     struct yg_owners_import_result *ret)
{
	struct yg_owners_import_result res = {0};
	struct import im = {.st = st, .res = &res, .bad = bad, .ud = ud};
	/* Rows go to the store as they are parsed, inside one transaction,
	 * so a bound hit half-way leaves nothing behind. */
	struct yg_owner_csv_cb cb = {.row = import_row, .bad = import_bad, .ud = &im};
	int r = st->ops->tx_begin(st);
	if (r < 0)
		return r;
	long n = yg_owner_csv_parse(data, len, &cb);
	r = n < 0 ? (int)n : 0;
	char *gen = NULL;
	if (r == 0) {
		int g = st->ops->setting_get(st, YG_OWNERS_GEN_SETTING, &gen);
		long long v = g == 0 ? strtoll(gen, NULL, 10) : 0;
		free(gen);
		char text[32];
		snprintf(text, sizeof text, "%lld", v + 1);
		r = g == 0 || g == -ENOENT ? st->ops->setting_set(st, YG_OWNERS_GEN_SETTING, text) : g;
	}
	if (r < 0) {
		st->ops->tx_rollback(st);
		return r;
	}
	r = st->ops->tx_commit(st);
	if (r == 0) {
		res.lines = n;
		*ret = res;
	}
	return r;
}

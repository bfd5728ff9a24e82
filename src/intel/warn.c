/*
 * Warning lists: values that must never become indicators by themselves
 * (the most popular domains, public suffixes, big CDN and cloud ranges,
 * public DNS resolvers, private and reserved ranges, hashes of empty
 * files, a community's own domains). A feed that lists one of them is
 * wrong or too broad, and blocking it would hurt everyone.
 *
 * The lists are indicator files (any format the loader reads); each file
 * is one list, named by its base name without extension. They are loaded
 * into one indicator set whose source names are the list names, and a
 * candidate value is "on" a list when:
 *
 *   domain   it is a listed name exactly (a subdomain of a popular domain
 *            is specific enough to stand: phish.blogspot.example)
 *   ip/cidr  it overlaps a listed address or range: inside it, or
 *            containing it (0.0.0.0/1 would block every resolver)
 *   url      its path is "/" (a whole site) and its host is a listed name
 *   hashes   it is listed exactly (MD5/JA3 answer for each other, as in
 *            match.c)
 */
#include "intel/intel-int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"

struct yg_intel_warn {
	struct yg_intel_builder *b; /* until the first check: then built */
	struct yg_intel_set *set;
	unsigned long lists;
};

int yg_intel_warn_new(struct yg_intel_warn **ret)
{
	struct yg_intel_warn *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	int r = yg_intel_builder_new(&w->b);
	if (r < 0) {
		free(w);
		return r;
	}
	*ret = w;
	return 0;
}

void yg_intel_warn_free(struct yg_intel_warn *w)
{
	if (!w)
		return;
	yg_intel_builder_free(w->b);
	yg_intel_set_free(w->set);
	free(w);
}

void yg_intel_warn_on_error(struct yg_intel_warn *w, yg_intel_error_fn fn, void *ud)
{
	if (w->b)
		yg_intel_builder_on_error(w->b, fn, ud);
}

/* The list name of a path: its base name up to the first '.'. */
static void list_name(const char *path, char *out, size_t cap)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strcspn(base, ".");
	if (n >= cap)
		n = cap - 1;
	memcpy(out, base, n);
	out[n] = 0;
}

long yg_intel_warn_load_buffer(struct yg_intel_warn *w, const char *name, const uint8_t *data,
                               size_t len)
{
	if (!w || !w->b)
		return -EINVAL;
	long r = yg_intel_load_buffer(w->b, name, data, len);
	if (r >= 0)
		w->lists++;
	return r;
}

long yg_intel_warn_load_path(struct yg_intel_warn *w, const char *path)
{
	if (!w || !w->b || !path)
		return -EINVAL;
	/* each file is loaded under its list name: one builder, so a folder
	 * is read file by file here rather than by yg_intel_load_path */
	struct yg_intel_builder *tmp;
	int r = yg_intel_builder_new(&tmp);
	if (r < 0)
		return r;
	yg_intel_builder_on_error(tmp, w->b->errfn, w->b->errud);
	long k = yg_intel_load_path(tmp, path);
	struct yg_intel_set *s = NULL;
	if (k >= 0)
		r = yg_intel_builder_build(tmp, &s);
	else
		yg_intel_builder_free(tmp);
	if (k < 0 || r < 0)
		return k < 0 ? k : r;
	/* re-add under list names (the source of each value is its file) */
	long added = 0;
	for (uint32_t i = 0; i < yg_intel_set_count(s) && r >= 0; i++) {
		struct yg_indicator_info in;
		yg_intel_describe(s, i, &in);
		char name[128];
		list_name(in.source, name, sizeof name);
		r = yg_intel_builder_add(w->b, in.type, in.value, strlen(in.value), name, 0, NULL);
		if (r == 0)
			added++;
	}
	yg_intel_set_free(s);
	if (r < 0 && r != -EINVAL)
		return r;
	w->lists++;
	return added;
}

int yg_intel_warn_build(struct yg_intel_warn *w)
{
	if (!w)
		return -EINVAL;
	if (w->set)
		return 0;
	int r = yg_intel_builder_build(w->b, &w->set);
	w->b = NULL;
	return r;
}

size_t yg_intel_warn_count(const struct yg_intel_warn *w)
{
	return w && w->set ? yg_intel_set_count(w->set) : 0;
}

static const char *source_of(const struct yg_intel_set *s, uint32_t idx)
{
	struct yg_indicator_info in;
	yg_intel_describe(s, idx, &in);
	return in.source;
}

static const char *exact_domain(const struct yg_intel_set *s, const char *v, size_t n)
{
	uint32_t m = yg_intel_match_domain(s, v, n);
	if (m == YG_INTEL_NONE)
		return NULL;
	struct yg_indicator_info in;
	yg_intel_describe(s, m, &in);
	return strlen(in.value) == n && memcmp(in.value, v, n) == 0 ? in.source : NULL;
}

static uint32_t overlap4(const struct yg_intel_set *s, uint32_t start, uint32_t end)
{
	long i = yg_intel_lpm4_floor(&s->host4, end);
	if (i >= 0 && s->host4.keys[i] >= start)
		return s->host4.vals[i];
	for (i = yg_intel_lpm4_floor(&s->range4, end); i >= 0; i--) {
		if (s->range4.vals[i] != YG_INTEL_NONE)
			return s->range4.vals[i];
		if (s->range4.keys[i] <= start)
			break;
	}
	return YG_INTEL_NONE;
}

static uint32_t overlap6(const struct yg_intel_set *s, yg_u128 start, yg_u128 end)
{
	long i = yg_intel_lpm6_floor(&s->host6, end);
	if (i >= 0 && s->host6.keys[i] >= start)
		return s->host6.vals[i];
	for (i = yg_intel_lpm6_floor(&s->range6, end); i >= 0; i--) {
		if (s->range6.vals[i] != YG_INTEL_NONE)
			return s->range6.vals[i];
		if (s->range6.keys[i] <= start)
			break;
	}
	return YG_INTEL_NONE;
}

const char *yg_intel_warn_check_norm(const struct yg_intel_warn *w, const struct yg_norm *nv)
{
	if (!w || !w->set)
		return NULL;
	const struct yg_intel_set *s = w->set;
	uint32_t m = YG_INTEL_NONE;
	switch (nv->type) {
	case YG_IND_DOMAIN:
		return exact_domain(s, nv->text, nv->len);
	case YG_IND_IP:
		if (nv->family == 4) {
			uint32_t a = yg_load_be32(nv->addr);
			uint32_t span = nv->plen >= 32 ? 0 : (uint32_t)(0xffffffffu >> nv->plen);
			m = overlap4(s, a, a | span);
		} else {
			yg_u128 a = 0;
			for (int i = 0; i < 16; i++)
				a = (a << 8) | nv->addr[i];
			yg_u128 span = nv->plen >= 128 ? 0 : (~(yg_u128)0) >> nv->plen;
			m = overlap6(s, a, a | span);
		}
		break;
	case YG_IND_URL: {
		const char *slash = memchr(nv->text, '/', nv->len);
		if (slash && slash != nv->text && (size_t)(slash - nv->text) == nv->len - 1 &&
		    !memchr(nv->text, ':', nv->len))
			return exact_domain(s, nv->text, nv->len - 1);
		return NULL;
	}
	default:
		m = yg_intel_match_token(s, nv->type, nv->text, nv->len);
		break;
	}
	return m == YG_INTEL_NONE ? NULL : source_of(s, m);
}

const char *yg_intel_warn_check(const struct yg_intel_warn *w, enum yg_ind_type type,
                                const char *value, size_t len)
{
	struct yg_norm *nv = malloc(sizeof *nv);
	const char *why, *r = NULL;
	if (nv && yg_intel_norm(type, value, len, nv, &why) == 0)
		r = yg_intel_warn_check_norm(w, nv);
	free(nv);
	return r;
}

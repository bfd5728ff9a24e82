/*
 * The builder: collects normalized indicators, collapses duplicates (same
 * type and normalized text; the first source is kept) and interns source
 * names. Nothing is allocated per line: values go to one growing arena,
 * records to growing arrays.
 */
#include "intel/intel-int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/bigalloc.h"
#include "common/hash.h"

uint64_t yg_intel_hash(uint64_t seed, enum yg_ind_type type, const char *s, size_t len)
{
	return yg_hash64(s, len, seed ^ ((uint64_t)(type + 1) * 0x9e3779b97f4a7c15ULL));
}

/* Grows *p (of elem-sized items, capacity *cap) to hold need items. */
static int grow(void **p, size_t *cap, size_t need, size_t elem, size_t first)
{
	if (need <= *cap)
		return 0;
	size_t nc = *cap ? *cap : first;
	while (nc < need)
		nc *= 2;
	if (nc > SIZE_MAX / elem)
		return -ENOMEM;
	void *q = realloc(*p, nc * elem);
	if (!q)
		return -ENOMEM;
	yg_big_advise(q, nc * elem); /* filled front to back: fewer faults */
	*p = q;
	*cap = nc;
	return 0;
}

int yg_intel_builder_new(struct yg_intel_builder **ret)
{
	struct yg_intel_builder *b = calloc(1, sizeof *b);
	if (!b)
		return -ENOMEM;
	b->seed = yg_hash_random_seed();
	*ret = b;
	return 0;
}

void yg_intel_builder_free(struct yg_intel_builder *b)
{
	if (!b)
		return;
	free(b->inds);
	free(b->hashes);
	free(b->arena);
	free(b->slots);
	free(b->ip4);
	free(b->ip6);
	free(b->stix);
	free(b->srcs);
	free(b);
}

void yg_intel_builder_on_error(struct yg_intel_builder *b, yg_intel_error_fn fn, void *ud)
{
	b->errfn = fn;
	b->errud = ud;
}

void yg_intel_builder_set_warn(struct yg_intel_builder *b, const struct yg_intel_warn *w,
                               yg_intel_held_fn fn, void *ud)
{
	b->warn = w;
	b->heldfn = fn;
	b->heldud = ud;
}

unsigned long yg_intel_builder_held(const struct yg_intel_builder *b)
{
	return b->held_back;
}

unsigned long yg_intel_builder_rejected(const struct yg_intel_builder *b)
{
	return b->rejected;
}

static int rehash(struct yg_intel_builder *b, size_t ncap);

void yg_intel_report(struct yg_intel_builder *b, const char *source, unsigned long line,
                     const char *msg)
{
	if (b->errfn)
		b->errfn(b->errud, source ? source : "", line, msg);
}

void yg_intel_reject(struct yg_intel_builder *b, const char *source, unsigned long line,
                     const char *msg)
{
	(void)source; /* the file being loaded: named when its verdict is reported */
	b->rejected++;
	b->file_errors++;
	if (b->nheld < YG_INTEL_MAX_ERRORS_SHOWN) {
		struct yg_intel_held_err *h = &b->held[b->nheld++];
		h->line = line;
		snprintf(h->msg, sizeof h->msg, "%s", msg);
	}
}

void yg_intel_file_begin(struct yg_intel_builder *b)
{
	b->file_errors = b->file_ok = 0;
	b->nheld = 0;
	b->mark = (struct yg_intel_mark){b->n, b->n4, b->n6, b->nstix, b->alen, b->nsrc};
}

/* Takes back every indicator added since the file began. The dedup table
 * is rebuilt from the kept hashes: linear probing has no cheap delete, and
 * this runs only for a file that was not understood. */
static int rollback(struct yg_intel_builder *b)
{
	const struct yg_intel_mark *m = &b->mark;
	if (b->n == m->n && b->nsrc == m->nsrc)
		return 0;
	b->n = m->n;
	b->n4 = m->n4;
	b->n6 = m->n6;
	b->nstix = m->nstix;
	b->alen = m->alen;
	b->nsrc = m->nsrc;
	b->sused = b->n;
	return b->slots ? rehash(b, b->smask + 1) : 0;
}

int yg_intel_file_end(struct yg_intel_builder *b, const char *source, const char *format,
                      bool judge)
{
	unsigned long bad = b->file_errors, total = bad + b->file_ok;
	char msg[400];
	if (judge && bad && bad * 2 > total) {
		int r = rollback(b);
		if (r < 0)
			return b->failed = r;
		snprintf(msg, sizeof msg,
		         "format not recognized (read as %s): %lu of %lu entries rejected, "
		         "nothing loaded from this file; first bad entry: %s",
		         format, bad, total, b->held[0].msg);
		yg_intel_report(b, source, b->held[0].line, msg);
		return 1;
	}
	for (unsigned i = 0; i < b->nheld; i++)
		yg_intel_report(b, source, b->held[i].line, b->held[i].msg);
	if (bad > b->nheld) {
		snprintf(msg, sizeof msg, "%lu more rejected entries not shown", bad - b->nheld);
		yg_intel_report(b, source, 0, msg);
	}
	return 0;
}

static int arena_put(struct yg_intel_builder *b, const char *s, size_t len, uint32_t *ret_off)
{
	if (b->alen + len + 1 > YG_INTEL_MAX_ARENA)
		return -E2BIG;
	void *a = b->arena;
	int r = grow(&a, &b->acap, b->alen + len + 1, 1, 1 << 16);
	if (r < 0)
		return r;
	b->arena = a;
	memcpy(b->arena + b->alen, s, len);
	b->arena[b->alen + len] = 0;
	*ret_off = (uint32_t)b->alen;
	b->alen += len + 1;
	return 0;
}

static int intern_source(struct yg_intel_builder *b, const char *source, uint16_t *ret)
{
	if (!source)
		source = "";
	/* Loads add a file's lines in a row: the last source is the usual hit. */
	for (size_t k = b->nsrc; k-- > 0;)
		if (strcmp(b->arena + b->srcs[k], source) == 0) {
			*ret = (uint16_t)k;
			return 0;
		}
	if (b->nsrc >= YG_INTEL_MAX_SOURCES)
		return -E2BIG;
	void *p = b->srcs;
	int r = grow(&p, &b->capsrc, b->nsrc + 1, sizeof *b->srcs, 8);
	if (r < 0)
		return r;
	b->srcs = p;
	uint32_t off;
	r = arena_put(b, source, strlen(source), &off);
	if (r < 0)
		return r;
	b->srcs[b->nsrc] = off;
	*ret = (uint16_t)b->nsrc++;
	return 0;
}

static int rehash(struct yg_intel_builder *b, size_t ncap)
{
	struct yg_slot *ns = yg_big_calloc(ncap, sizeof *ns);
	if (!ns)
		return -ENOMEM;
	size_t mask = ncap - 1;
	for (size_t i = 0; i < b->n; i++) {
		uint64_t h = b->hashes[i];
		size_t pos = h & mask;
		while (ns[pos].idx)
			pos = (pos + 1) & mask;
		ns[pos].tag = (uint32_t)(h >> 32);
		ns[pos].idx = (uint32_t)i + 1;
	}
	free(b->slots);
	b->slots = ns;
	b->smask = mask;
	return 0;
}

/* Finds the indicator with this type and text: its slot position, and
 * whether it is there. */
static bool find(const struct yg_intel_builder *b, uint64_t h, const struct yg_norm *nv,
                 size_t *ret_pos)
{
	size_t pos = h & b->smask;
	uint32_t tag = (uint32_t)(h >> 32);
	for (;;) {
		const struct yg_slot *s = &b->slots[pos];
		if (!s->idx)
			break;
		const struct yg_ind *in = &b->inds[s->idx - 1];
		if (s->tag == tag && in->type == nv->type) {
			const char *t = b->arena + in->val;
			if (memcmp(t, nv->text, nv->len) == 0 && t[nv->len] == 0) {
				*ret_pos = pos;
				return true;
			}
		}
		pos = (pos + 1) & b->smask;
	}
	*ret_pos = pos;
	return false;
}

static int ensure(struct yg_intel_builder *b, const struct yg_norm *nv, bool stix)
{
	int r;
	if ((b->sused + 1) * 4 > (b->smask + 1) * 3 || !b->slots) {
		r = rehash(b, b->slots ? (b->smask + 1) * 2 : 1024);
		if (r < 0)
			return r;
	}
	size_t c = b->cap;
	void *p = b->inds;
	r = grow(&p, &c, b->n + 1, sizeof *b->inds, 1024);
	if (r < 0)
		return r;
	b->inds = p;
	p = b->hashes;
	r = grow(&p, &b->cap, b->n + 1, sizeof *b->hashes, 1024);
	if (r < 0)
		return r;
	b->hashes = p;
	if (nv->type == YG_IND_IP && nv->family == 4) {
		p = b->ip4;
		r = grow(&p, &b->cap4, b->n4 + 1, sizeof *b->ip4, 1024);
		if (r < 0)
			return r;
		b->ip4 = p;
	} else if (nv->type == YG_IND_IP) {
		p = b->ip6;
		r = grow(&p, &b->cap6, b->n6 + 1, sizeof *b->ip6, 64);
		if (r < 0)
			return r;
		b->ip6 = p;
	}
	if (stix) {
		p = b->stix;
		r = grow(&p, &b->capstix, b->nstix + 1, sizeof *b->stix, 64);
		if (r < 0)
			return r;
		b->stix = p;
	}
	return 0;
}

void yg_intel_builder_prefetch(struct yg_intel_builder *b, struct yg_norm *nv)
{
	nv->hash = yg_intel_hash(b->seed, nv->type, nv->text, nv->len);
	nv->hashed = true;
	if (b->slots)
		__builtin_prefetch(&b->slots[nv->hash & b->smask]);
}

int yg_intel_builder_reserve(struct yg_intel_builder *b, size_t more, size_t text)
{
	if (b->failed)
		return b->failed;
	if (more > YG_INTEL_MAX_INDICATORS)
		more = YG_INTEL_MAX_INDICATORS;
	size_t want = b->n + more, cap = b->slots ? b->smask + 1 : 1024;
	while (want * 4 > cap * 3)
		cap *= 2;
	int r = 0;
	if (!b->slots || cap > b->smask + 1)
		r = rehash(b, cap);
	size_t c = b->cap;
	void *p = b->inds;
	if (r == 0)
		r = grow(&p, &c, want, sizeof *b->inds, 1024);
	b->inds = p;
	p = b->hashes;
	if (r == 0)
		r = grow(&p, &b->cap, want, sizeof *b->hashes, 1024);
	b->hashes = p;
	/* The arena and the IPv4 records too: grown by doubling, each step
	 * was a copy of all that came before (a tenth of a big load). Room
	 * that stays unused is address space only, never touched, and the
	 * build hands both over at their final size. */
	if (text > YG_INTEL_MAX_ARENA - b->alen)
		text = YG_INTEL_MAX_ARENA - b->alen;
	p = b->arena;
	if (r == 0)
		r = grow(&p, &b->acap, b->alen + text, 1, 1 << 16);
	b->arena = p;
	p = b->ip4;
	if (r == 0)
		r = grow(&p, &b->cap4, b->n4 + more, sizeof *b->ip4, 1024);
	b->ip4 = p;
	return r;
}

static yg_u128 load_u128(const uint8_t a[16])
{
	yg_u128 v = 0;
	for (int i = 0; i < 16; i++)
		v = (v << 8) | a[i];
	return v;
}

int yg_intel_builder_put(struct yg_intel_builder *b, const struct yg_norm *nv, const char *source,
                         unsigned long line, const char *stix_id)
{
	if (b->failed)
		return b->failed;
	if (!b->slots) {
		int r = rehash(b, 1024);
		if (r < 0)
			return b->failed = r;
	}
	uint64_t h = nv->hashed ? nv->hash : yg_intel_hash(b->seed, nv->type, nv->text, nv->len);
	size_t pos;
	if (find(b, h, nv, &pos)) {
		b->file_ok++;
		return 0;
	}
	if (b->warn) {
		const char *list = yg_intel_warn_check_norm(b->warn, nv);
		if (list) {
			b->held_back++;
			b->file_ok++; /* understood, only not wanted */
			if (b->heldfn)
				b->heldfn(b->heldud, source ? source : "", line, nv->text, list);
			return 0;
		}
	}
	if (b->n >= YG_INTEL_MAX_INDICATORS)
		return -E2BIG;
	const struct yg_slot *before = b->slots;
	int r = ensure(b, nv, stix_id != NULL);
	uint16_t src = 0;
	uint32_t off = 0, sid = 0;
	if (r == 0)
		r = intern_source(b, source, &src);
	if (r == 0)
		r = arena_put(b, nv->text, nv->len, &off);
	if (r == 0 && stix_id)
		r = arena_put(b, stix_id, strnlen(stix_id, 256), &sid);
	if (r == -E2BIG)
		return r; /* a cap: this one is skipped, the rest still loads */
	if (r < 0)
		return b->failed = r;
	if (b->slots != before)
		find(b, h, nv, &pos); /* the table grew: find the free slot again */
	uint32_t idx = (uint32_t)b->n;
	b->inds[idx] = (struct yg_ind){.val = off,
	                               .line = line > UINT32_MAX ? UINT32_MAX : (uint32_t)line,
	                               .src = src,
	                               .type = (uint8_t)nv->type};
	b->hashes[idx] = h;
	b->slots[pos] = (struct yg_slot){(uint32_t)(h >> 32), idx + 1};
	b->sused++;
	b->n++;
	if (nv->type == YG_IND_IP && nv->family == 4)
		b->ip4[b->n4++] = (struct yg_ip4e){
		    .addr = ((uint32_t)nv->addr[0] << 24) | ((uint32_t)nv->addr[1] << 16) |
		            ((uint32_t)nv->addr[2] << 8) | nv->addr[3],
		    .idx = idx,
		    .len = nv->plen};
	else if (nv->type == YG_IND_IP)
		b->ip6[b->n6++] =
		    (struct yg_ip6e){.addr = load_u128(nv->addr), .idx = idx, .len = nv->plen};
	if (stix_id)
		b->stix[b->nstix++] = (struct yg_stixref){idx, sid};
	b->file_ok++;
	return 1;
}

int yg_intel_builder_add(struct yg_intel_builder *b, enum yg_ind_type type, const char *value,
                         size_t len, const char *source, unsigned long line, const char *stix_id)
{
	struct yg_norm nv;
	const char *why;
	if (!value || (unsigned)type >= YG_IND__COUNT)
		return -EINVAL;
	int r = yg_intel_norm(type, value, len, &nv, &why);
	if (r < 0)
		return r;
	r = yg_intel_builder_put(b, &nv, source, line, stix_id);
	return r < 0 ? r : 0;
}

unsigned yg_intel_source_hints(const char *source)
{
	unsigned h = 0;
	if (!source)
		return 0;
	const char *base = strrchr(source, '/');
	base = base ? base + 1 : source;
	for (const char *p = source; *p; p++) {
		if (yg_lc(p[0]) == 'j' && yg_lc(p[1]) == 'a' && p[2] == '3')
			h |= yg_lc(p[3]) == 's' ? YG_GUESS_JA3S : YG_GUESS_JA3;
		/* The file's own name only: /etc/ssl/ says nothing of a list. */
		if (p >= base && (!strncasecmp(p, "ssl", 3) || !strncasecmp(p, "x509", 4) ||
		                  !strncasecmp(p, "cert", 4)))
			h |= YG_GUESS_CERT;
	}
	return h;
}

int yg_intel_builder_add_guess(struct yg_intel_builder *b, const char *value, size_t len,
                               const char *source, unsigned long line, const char *stix_id)
{
	struct yg_norm nv;
	const char *why;
	if (!value)
		return -EINVAL;
	int r = yg_intel_norm_guess(value, len, yg_intel_source_hints(source), &nv, &why);
	if (r < 0)
		return r;
	r = yg_intel_builder_put(b, &nv, source, line, stix_id);
	return r < 0 ? r : 0;
}

int yg_intel_add_token(struct yg_intel_builder *b, const char *source, unsigned long line,
                       const char *v, size_t len, unsigned hints, long *added)
{
	struct yg_norm nv;
	const char *why;
	int r = yg_intel_norm_guess(v, len, hints, &nv, &why);
	if (r < 0) {
		char msg[160];
		snprintf(msg, sizeof msg, "%s: \"%.*s\"", why, (int)(len > 60 ? 60 : len), v);
		yg_intel_reject(b, source, line, msg);
		return 0;
	}
	r = yg_intel_builder_put(b, &nv, source, line, NULL);
	if (r == -E2BIG) {
		yg_intel_reject(b, source, line, "too many indicators or sources; skipped");
		return 0;
	}
	if (r < 0)
		return r;
	*added += r;
	return 0;
}

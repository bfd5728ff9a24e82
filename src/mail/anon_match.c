/*
 * Multi-needle search for the anonymizer (see anon-int.h).
 *
 * Why Aho-Corasick and not a loop over needles: a message names up to
 * YG_MAIL_ANON_MAX_RCPT recipients, each with a dozen forms, and a
 * submitted message is up to 32 MiB; needle by needle (or with a
 * backtracking matcher that tries an escape at each character) a crafted
 * message makes that needles x bytes x needle length. The automaton reads
 * each byte of a view once (failure links make it amortized O(1) per byte)
 * whatever the number of needles. Transitions sit in one hash table keyed by
 * (state, byte), so memory is linear in the needle bytes, not x 256.
 *
 * Why decoded views instead of escaped needle forms: percent-escapes,
 * character references and QP may escape any subset of characters (kits
 * escape '@' only, or everything; a mailer wraps a line anywhere with a
 * soft break). The views undo them, remembering for each byte the span of
 * the original it came from, so a match maps back to the exact bytes to
 * replace. There are three views:
 *   raw     the string as it is;
 *   unesc   %XX and %25XX (percent-encoded once and twice), &#N; &#xH; and
 *           the named references of the characters addresses use, and
 *           "=\n" / "=\r\n" soft breaks undone;
 *   qp      unesc with quoted-printable =XX undone too, and '+' read as a
 *           space (form encoding: "?name=Taro+Yamada"). Separate, because
 *           =XX also starts URL query values ("?a=deadbeef") and undoing
 *           it there would hide a needle that the other views see, and
 *           '+' is a character of addresses and of base64.
 * Exact (base64) needles run on raw and unesc only: QP undoing would eat
 * base64 padding and the characters after it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mail/anon-int.h"
#include "mail/mail-int.h"

struct needle {
	struct yg_anon_tag tag;
	uint32_t len;
	uint32_t off; /* in yg_anon_set.bytes until built */
};

struct ac_node {
	uint32_t fail;    /* longest proper suffix that is a state */
	uint32_t out;     /* needle index + 1 ending here, 0 none */
	uint32_t dict;    /* nearest state on the fail chain with out, 0 none */
	uint32_t child;   /* first child (build only) */
	uint32_t sibling; /* next sibling (build only) */
	uint32_t depth;   /* bytes from the root */
	uint32_t first;   /* index + 1 of the first needle through here */
	uint8_t c;
};

/* States are at most YG_ANON_NEEDLE_BYTES + 1 < 2^24, so a transition's
 * key (state << 8 | byte) + 1 fits 32 bits. */
struct ac {
	struct ac_node *nodes;
	size_t n;
	uint32_t *keys; /* 0 = empty */
	uint32_t *vals;
	size_t tab_cap;
	uint32_t root[256]; /* the root's transitions, read most often */
};

/* Needles are kept as bytes until yg_anon_set_build, which then sizes
 * every table once from their total: no regrowth, few allocations (each
 * message builds its own set). */
struct yg_anon_set {
	struct needle *nd;
	size_t n, cap;
	char *bytes;
	size_t n_bytes, cap_bytes;
	struct ac fold, exact;
	size_t min_len; /* of the needles, SIZE_MAX for none */
	bool built;
};

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

static size_t slot(uint32_t key, size_t mask)
{
	return (size_t)((key * 0x9e3779b1u) >> 7) & mask;
}

static uint32_t ac_goto(const struct ac *a, uint32_t state, uint8_t c)
{
	uint32_t key = ((state << 8) | c) + 1;
	size_t mask = a->tab_cap - 1;
	for (size_t i = slot(key, mask);; i = (i + 1) & mask) {
		if (a->keys[i] == key)
			return a->vals[i];
		if (!a->keys[i])
			return 0;
	}
}

/* One step of the automaton: the goto, falling back along the fail links. */
static uint32_t step(const struct ac *a, uint32_t st, uint8_t c)
{
	for (;;) {
		uint32_t t = st ? ac_goto(a, st, c) : a->root[c];
		if (t || st == 0)
			return t;
		st = a->nodes[st].fail;
	}
}

/* The child of state on c, made when missing (room was reserved). */
static uint32_t ac_child(struct ac *a, uint32_t state, uint8_t c)
{
	uint32_t key = ((state << 8) | c) + 1;
	size_t mask = a->tab_cap - 1, i = slot(key, mask);
	for (; a->keys[i]; i = (i + 1) & mask)
		if (a->keys[i] == key)
			return a->vals[i];
	uint32_t t = (uint32_t)a->n++;
	struct ac_node *nd = &a->nodes[t];
	nd->c = c;
	nd->depth = a->nodes[state].depth + 1;
	nd->sibling = a->nodes[state].child;
	a->nodes[state].child = t;
	a->keys[i] = key;
	a->vals[i] = t;
	if (state == 0)
		a->root[c] = t;
	return t;
}

/* Room for `bytes` needle bytes: at most that many states besides the
 * root, the table at most half full. */
static int ac_alloc(struct ac *a, size_t bytes)
{
	size_t cap = 16;
	while (cap < 2 * (bytes + 1))
		cap *= 2;
	a->nodes = calloc(bytes + 1, sizeof *a->nodes);
	a->keys = calloc(cap, sizeof *a->keys);
	a->vals = malloc(cap * sizeof *a->vals);
	if (!a->nodes || !a->keys || !a->vals)
		return -ENOMEM;
	a->tab_cap = cap;
	a->n = 1; /* the root */
	return 0;
}

static void ac_release(struct ac *a)
{
	free(a->nodes);
	free(a->keys);
	free(a->vals);
	memset(a, 0, sizeof *a);
}

/* Breadth-first: a state's fail target is shallower, so it is done first. */
static int ac_links(struct ac *a)
{
	uint32_t *q = malloc(a->n * sizeof *q);
	if (!q)
		return -ENOMEM;
	size_t head = 0, tail = 0;
	for (uint32_t v = a->nodes[0].child; v; v = a->nodes[v].sibling) {
		a->nodes[v].fail = 0;
		a->nodes[v].dict = 0;
		q[tail++] = v;
	}
	while (head < tail) {
		uint32_t u = q[head++];
		for (uint32_t v = a->nodes[u].child; v; v = a->nodes[v].sibling) {
			uint8_t c = a->nodes[v].c;
			uint32_t f = a->nodes[u].fail, t = 0;
			for (;;) {
				t = ac_goto(a, f, c);
				if (t || f == 0)
					break;
				f = a->nodes[f].fail;
			}
			a->nodes[v].fail = t;
			a->nodes[v].dict = a->nodes[t].out ? t : a->nodes[t].dict;
			q[tail++] = v;
		}
	}
	free(q);
	return 0;
}

int yg_anon_set_new(struct yg_anon_set **ret)
{
	struct yg_anon_set *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	s->min_len = SIZE_MAX;
	*ret = s;
	return 0;
}

void yg_anon_set_free(struct yg_anon_set *s)
{
	if (!s)
		return;
	ac_release(&s->fold);
	ac_release(&s->exact);
	free(s->nd);
	free(s->bytes);
	free(s);
}

size_t yg_anon_set_count(const struct yg_anon_set *s)
{
	return s ? s->n : 0;
}

int yg_anon_set_add(struct yg_anon_set *s, const char *p, size_t n, const struct yg_anon_tag *tag)
{
	if (!s || !p || n == 0 || !tag || s->built)
		return -EINVAL;
	if (s->n_bytes + n > YG_ANON_NEEDLE_BYTES)
		return -E2BIG;
	int r = yg_mail_grow((void **)&s->nd, &s->cap, s->n, sizeof *s->nd, UINT32_MAX - 1);
	if (r < 0)
		return r;
	while (s->n_bytes + n > s->cap_bytes) {
		size_t nc = s->cap_bytes ? 2 * s->cap_bytes : 512;
		char *b = realloc(s->bytes, nc);
		if (!b)
			return -ENOMEM;
		s->bytes = b;
		s->cap_bytes = nc;
	}
	memcpy(s->bytes + s->n_bytes, p, n);
	s->nd[s->n++] =
	    (struct needle){.tag = *tag, .len = (uint32_t)n, .off = (uint32_t)s->n_bytes};
	if (n < s->min_len)
		s->min_len = n;
	s->n_bytes += n;
	return 0;
}

int yg_anon_set_add_form(void *set, const char *p, size_t n, const struct yg_anon_tag *tag)
{
	return yg_anon_set_add(set, p, n, tag);
}

/* Inserts needle i; one equal to an earlier needle (same bytes after
 * folding, same automaton) is dropped, so the first one added wins. */
static void insert(struct yg_anon_set *s, size_t i)
{
	const struct needle *nd = &s->nd[i];
	struct ac *a = nd->tag.exact ? &s->exact : &s->fold;
	const uint8_t *p = (const uint8_t *)s->bytes + nd->off;
	uint32_t st = 0;
	for (size_t k = 0; k < nd->len; k++) {
		st = ac_child(a, st, nd->tag.exact ? p[k] : lower(p[k]));
		if (!a->nodes[st].first)
			a->nodes[st].first = (uint32_t)i + 1;
	}
	if (!a->nodes[st].out)
		a->nodes[st].out = (uint32_t)i + 1;
}

int yg_anon_set_build(struct yg_anon_set *s)
{
	if (!s || s->built)
		return -EINVAL;
	size_t fold = 0, exact = 0;
	for (size_t i = 0; i < s->n; i++)
		*(s->nd[i].tag.exact ? &exact : &fold) += s->nd[i].len;
	int r = ac_alloc(&s->fold, fold);
	if (r == 0)
		r = ac_alloc(&s->exact, exact);
	if (r < 0)
		return r;
	for (size_t i = 0; i < s->n; i++)
		insert(s, i);
	r = ac_links(&s->fold);
	if (r == 0)
		r = ac_links(&s->exact);
	free(s->bytes);
	s->bytes = NULL;
	s->built = r == 0;
	return r;
}

/* ---- decoded views ---- */

struct view {
	uint8_t *b;
	uint32_t *beg, *end; /* NULL: the raw view, byte i is [i, i + 1) */
	size_t n;
};

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)lower((uint8_t)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static bool hex2(const char *p, size_t avail, uint8_t *ret)
{
	if (avail < 2 || hexval(p[0]) < 0 || hexval(p[1]) < 0)
		return false;
	*ret = (uint8_t)(hexval(p[0]) * 16 + hexval(p[1]));
	return true;
}

/* The named references of characters that addresses, names and URLs use
 * (HTML's list is 2,000 long; the rest never spell an address). */
static const struct {
	const char *name;
	char c;
} named[] = {
    {"commat", '@'}, {"period", '.'}, {"lowbar", '_'}, {"hyphen", '-'}, {"dash", '-'},
    {"plus", '+'},   {"amp", '&'},    {"percnt", '%'}, {"equals", '='}, {"colon", ':'},
    {"sol", '/'},    {"num", '#'},    {"excl", '!'},   {"quest", '?'},  {"lt", '<'},
    {"gt", '>'},     {"quot", '"'},   {"apos", '\''},  {"nbsp", ' '},   {"semi", ';'},
    {"comma", ','},  {"dollar", '$'}, {"ast", '*'},    {"grave", '`'},  {"tilde", '~'},
    {"Hat", '^'},    {"verbar", '|'}, {"lcub", '{'},   {"rcub", '}'},   {"bsol", '\\'},
};

/* A character reference at p (p[0] == '&'): its length, and the UTF-8 of
 * the character in out (1..4 bytes, *ret_n). 0 when none. */
static size_t entity_at(const char *p, size_t avail, uint8_t out[4], size_t *ret_n)
{
	if (avail >= 3 && p[1] == '#') {
		bool hx = p[2] == 'x' || p[2] == 'X';
		size_t i = hx ? 3 : 2, digits = 0;
		uint32_t cp = 0;
		while (i < avail && digits < 8) {
			int v = hx ? hexval(p[i]) : (p[i] >= '0' && p[i] <= '9' ? p[i] - '0' : -1);
			if (v < 0)
				break;
			cp = cp * (hx ? 16u : 10u) + (uint32_t)v;
			i++;
			digits++;
		}
		if (!digits || cp == 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		if (i < avail && p[i] == ';')
			i++;
		if (cp < 0x80) {
			out[0] = (uint8_t)cp;
			*ret_n = 1;
		} else if (cp < 0x800) {
			out[0] = (uint8_t)(0xc0 | cp >> 6);
			out[1] = (uint8_t)(0x80 | (cp & 0x3f));
			*ret_n = 2;
		} else if (cp < 0x10000) {
			out[0] = (uint8_t)(0xe0 | cp >> 12);
			out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
			out[2] = (uint8_t)(0x80 | (cp & 0x3f));
			*ret_n = 3;
		} else {
			out[0] = (uint8_t)(0xf0 | cp >> 18);
			out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
			out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
			out[3] = (uint8_t)(0x80 | (cp & 0x3f));
			*ret_n = 4;
		}
		return i;
	}
	for (size_t k = 0; k < sizeof named / sizeof *named; k++) {
		size_t ln = strlen(named[k].name);
		if (avail >= ln + 2 && !memcmp(p + 1, named[k].name, ln) && p[ln + 1] == ';') {
			out[0] = (uint8_t)named[k].c;
			*ret_n = 1;
			return ln + 2;
		}
	}
	return 0;
}

void yg_anon_scratch_release(struct yg_anon_scratch *sc)
{
	if (!sc)
		return;
	free(sc->view[0]);
	free(sc->view[1]);
	free(sc->spans);
	memset(sc, 0, sizeof *sc);
}

/* Fills v with p[0..n) unescaped (qp: =XX too); every escape is at least as
 * long as what it stands for, so n bytes suffice. The block is the
 * scratch's *blk (*cap bytes), grown when too small. */
static int view_decode(const char *p, size_t n, bool qp, uint32_t **blkp, size_t *cap,
                       struct view *v)
{
	/* One block: the offsets first (aligned), then the bytes. n is below
	 * UINT32_MAX (yg_anon_scan_into), so this does not overflow. */
	size_t need = n * (2 * sizeof *v->beg + 1);
	if (need > *cap) {
		/* Nothing of the old block is kept: free, not realloc (no copy). */
		free(*blkp);
		*cap = 0;
		size_t nc = need < 4096 ? 4096 : need;
		if (!(*blkp = malloc(nc)))
			return -ENOMEM;
		*cap = nc;
	}
	uint32_t *blk = *blkp;
	v->beg = blk;
	v->end = blk + n;
	v->b = (uint8_t *)(blk + 2 * n);
	size_t i = 0, o = 0;
	while (i < n) {
		uint8_t c[4];
		size_t cn = 1, used = 1;
		c[0] = (uint8_t)p[i];
		if (p[i] == '%') {
			uint8_t b;
			if (n - i >= 5 && p[i + 1] == '2' && p[i + 2] == '5' &&
			    hex2(p + i + 3, n - i - 3, &b)) {
				c[0] = b;
				used = 5;
			} else if (hex2(p + i + 1, n - i - 1, &b)) {
				c[0] = b;
				used = 3;
			}
		} else if (p[i] == '&') {
			size_t en = 0, el = entity_at(p + i, n - i, c, &en);
			if (el) {
				used = el;
				cn = en;
			} else {
				c[0] = '&';
			}
		} else if (p[i] == '=') {
			uint8_t b;
			if (n - i >= 2 && p[i + 1] == '\n') {
				i += 2;
				continue;
			}
			if (n - i >= 3 && p[i + 1] == '\r' && p[i + 2] == '\n') {
				i += 3;
				continue;
			}
			if (qp && hex2(p + i + 1, n - i - 1, &b)) {
				c[0] = b;
				used = 3;
			}
		} else if (qp && p[i] == '+') {
			c[0] = ' ';
		}
		for (size_t k = 0; k < cn; k++) {
			v->b[o] = c[k];
			v->beg[o] = (uint32_t)i;
			v->end[o] = (uint32_t)(i + used);
			o++;
		}
		i += used;
	}
	v->n = o;
	return 0;
}

/* ---- scanning ---- */

struct hits {
	struct yg_anon_span *v;
	size_t n, cap;
};

static bool is_word(uint8_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c >= 0x80;
}

static bool is_b64(uint8_t c)
{
	if (c >= 0x80)
		return false;
	return is_word(c) || c == '+' || c == '/' || c == '-' || c == '_';
}

static bool is_host(uint8_t c)
{
	return is_word(c) || c == '-' || c == '.';
}

/* The form a plain needle was found in, from the original bytes it spans. */
static uint8_t enc_of(const char *p, size_t beg, size_t end)
{
	uint8_t e = YG_MAIL_RE_PLAIN;
	for (size_t i = beg; i < end; i++) {
		if (p[i] == '%')
			return end - i >= 3 && p[i + 1] == '2' && p[i + 2] == '5'
			           ? YG_MAIL_RE_PERCENT2
			           : YG_MAIL_RE_PERCENT;
		if (p[i] == '&')
			e = YG_MAIL_RE_ENTITY;
		else if (p[i] == '=' && e == YG_MAIL_RE_PLAIN)
			e = YG_MAIL_RE_QP;
	}
	return e;
}

static int hit_add(struct hits *h, const struct yg_anon_set *s, const char *p, size_t n,
                   uint32_t needle, size_t beg, size_t end)
{
	const struct needle *nd = &s->nd[needle];
	if (nd->tag.pre && beg > 0 && is_b64((uint8_t)p[beg - 1]))
		beg--;
	if (nd->tag.post && end < n && is_b64((uint8_t)p[end]))
		end++;
	uint8_t enc = nd->tag.enc;
	if (enc == YG_MAIL_RE_PLAIN)
		enc = enc_of(p, beg, end);
	/* A host under an own domain goes whole ("wiki.corp.example"); a
	 * name that merely ends like it ("mycorp.example", a look-alike the
	 * kit registered) is someone else's and stays an indicator. */
	if (nd->tag.kind == YG_MAIL_RK_OWN_DOMAIN && enc == YG_MAIL_RE_PLAIN) {
		if (beg > 0 && is_word((uint8_t)p[beg - 1]))
			return 0;
		while (beg > 0 && is_host((uint8_t)p[beg - 1]))
			beg--;
	}
	int r = yg_mail_grow((void **)&h->v, &h->cap, h->n, sizeof *h->v, SIZE_MAX / 64);
	if (r < 0)
		return r;
	h->v[h->n++] = (struct yg_anon_span){.beg = beg, .end = end, .tag = nd->tag, .enc = enc};
	return 0;
}

/* Runs automaton a over view bytes b[0..vn) and records matches mapped
 * back to p through v (NULL: raw). Only the longest acceptable needle
 * ending at each byte is recorded: a shorter one ending there lies inside
 * it, so the merged spans are the same. */
static int run(const struct yg_anon_set *s, const struct ac *a, bool fold, const uint8_t *b,
               size_t vn, const struct view *v, const char *p, size_t n, struct hits *h)
{
	if (a->n <= 1)
		return 0;
	uint32_t st = 0;
	for (size_t i = 0; i < vn; i++) {
		st = step(a, st, fold ? lower(b[i]) : b[i]);
		uint32_t k = a->nodes[st].out ? st : a->nodes[st].dict;
		/* A words needle rejected here may hide a shorter one on the
		 * chain; a few steps find it (hosts are few and short). */
		for (int steps = 0; k && steps < 8; steps++, k = a->nodes[k].dict) {
			uint32_t ni = a->nodes[k].out - 1;
			const struct needle *nd = &s->nd[ni];
			size_t vb = i + 1 - nd->len, ve = i + 1;
			if (nd->tag.words &&
			    ((vb > 0 && is_word(b[vb - 1])) || (ve < vn && is_word(b[ve]))))
				continue;
			size_t ob = v ? v->beg[vb] : vb, oe = v ? v->end[ve - 1] : ve;
			int r = hit_add(h, s, p, n, ni, ob, oe);
			if (r < 0)
				return r;
			break;
		}
	}
	return 0;
}

static int span_cmp(const void *x, const void *y)
{
	const struct yg_anon_span *a = x, *b = y;
	if (a->beg != b->beg)
		return a->beg < b->beg ? -1 : 1;
	return a->end > b->end ? -1 : a->end < b->end;
}

/* Whether a is the more important of two overlapping matches: the lower
 * kind (recipients first), then the longer. */
static bool better(const struct yg_anon_span *a, const struct yg_anon_span *b)
{
	if (a->tag.kind != b->tag.kind)
		return a->tag.kind < b->tag.kind;
	return a->end - a->beg > b->end - b->beg;
}

static size_t merge(struct yg_anon_span *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof *v, span_cmp);
	size_t o = 0;
	struct yg_anon_span cur = v[0], best = v[0];
	for (size_t i = 1; i < n; i++) {
		if (v[i].beg < cur.end) {
			if (v[i].end > cur.end)
				cur.end = v[i].end;
			if (better(&v[i], &best))
				best = v[i];
			continue;
		}
		cur.tag = best.tag;
		cur.enc = best.enc;
		v[o++] = cur;
		cur = best = v[i];
	}
	cur.tag = best.tag;
	cur.enc = best.enc;
	v[o++] = cur;
	return o;
}

int yg_anon_scan_into(const struct yg_anon_set *const *sets, size_t n_sets, const char *p,
                      size_t n, struct yg_anon_scratch *sc, const struct yg_anon_span **ret,
                      size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	for (size_t k = 0; k < n_sets; k++)
		if (!sets[k] || !sets[k]->built)
			return -EINVAL;
	if ((!p && n) || !sc)
		return -EINVAL;
	if (n == 0)
		return 0;
	if (n > UINT32_MAX - 8)
		return -E2BIG; /* views keep 32-bit offsets; never silently unscanned */
	/* The matches go to the scratch's array, emptied. */
	struct hits h = {.v = sc->spans, .cap = sc->cap_spans};
	struct view un = {0}, qp = {0};
	/* Shorter than every needle: nothing to find (most short fields). */
	size_t shortest = SIZE_MAX;
	for (size_t k = 0; k < n_sets; k++)
		if (sets[k]->min_len < shortest)
			shortest = sets[k]->min_len;
	if (n < shortest)
		return 0;
	bool escapes = false, qp_escapes = false, pct = false;
	for (size_t i = 0; i < n; i++) {
		escapes |= p[i] == '%' || p[i] == '&' || p[i] == '=';
		pct |= p[i] == '%' || p[i] == '&';
		qp_escapes |=
		    (p[i] == '=' && i + 2 < n && hexval(p[i + 1]) >= 0 && hexval(p[i + 2]) >= 0) ||
		    p[i] == '+';
	}
	const uint8_t *raw = (const uint8_t *)p;
	int r = 0;
	if (escapes)
		r = view_decode(p, n, false, &sc->view[0], &sc->view_cap[0], &un);
	if (r == 0 && qp_escapes)
		r = view_decode(p, n, true, &sc->view[1], &sc->view_cap[1], &qp);
	for (size_t k = 0; r == 0 && k < n_sets; k++) {
		const struct yg_anon_set *s = sets[k];
		r = run(s, &s->fold, true, raw, n, NULL, p, n, &h);
		if (r == 0)
			r = run(s, &s->exact, false, raw, n, NULL, p, n, &h);
		if (r == 0 && escapes)
			r = run(s, &s->fold, true, un.b, un.n, &un, p, n, &h);
		/* Base64 written with escapes: %2B, %2F, %3D, &#43; ... */
		if (r == 0 && pct)
			r = run(s, &s->exact, false, un.b, un.n, &un, p, n, &h);
		if (r == 0 && qp_escapes)
			r = run(s, &s->fold, true, qp.b, qp.n, &qp, p, n, &h);
	}
	/* The array may have grown (or moved) in hit_add: the scratch keeps
	 * it, also on an error. */
	sc->spans = h.v;
	sc->cap_spans = h.cap;
	if (r < 0)
		return r;
	*ret_n = merge(h.v, h.n);
	if (*ret_n)
		*ret = h.v;
	return 0;
}

int yg_anon_scan(const struct yg_anon_set *const *sets, size_t n_sets, const char *p, size_t n,
                 struct yg_anon_span **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	struct yg_anon_scratch sc = {0};
	const struct yg_anon_span *sp = NULL;
	size_t n_sp = 0;
	int r = yg_anon_scan_into(sets, n_sets, p, n, &sc, &sp, &n_sp);
	if (r == 0 && n_sp) {
		/* sp is sc.spans: the caller takes it over. */
		*ret = sc.spans;
		*ret_n = n_sp;
		sc.spans = NULL;
	}
	yg_anon_scratch_release(&sc);
	return r;
}

int yg_anon_set_scan(const struct yg_anon_set *s, const char *p, size_t n,
                     struct yg_anon_span **ret, size_t *ret_n)
{
	return yg_anon_scan(&s, 1, p, n, ret, ret_n);
}

/* The state after the last byte of p is the longest end of p that begins
 * a needle. */
static uint32_t end_state(const struct ac *a, bool fold, const char *p, size_t n)
{
	uint32_t st = 0;
	for (size_t i = 0; a->n > 1 && i < n; i++) {
		st = step(a, st, fold ? lower((uint8_t)p[i]) : (uint8_t)p[i]);
	}
	return st;
}

bool yg_anon_tail(const struct yg_anon_set *const *sets, size_t n_sets, const char *p, size_t n,
                  size_t *ret_len, struct yg_anon_tag *ret_tag)
{
	uint32_t best = 0;
	for (size_t k = 0; p && k < n_sets; k++) {
		const struct yg_anon_set *s = sets[k];
		if (!s || !s->built)
			continue;
		const struct ac *as[2] = {&s->fold, &s->exact};
		for (int x = 0; x < 2; x++) {
			const struct ac *a = as[x];
			uint32_t st = end_state(a, x == 0, p, n);
			if (a->nodes[st].depth > best && a->nodes[st].depth >= YG_ANON_MIN_TAIL &&
			    a->nodes[st].first) {
				best = a->nodes[st].depth;
				*ret_len = best;
				*ret_tag = s->nd[a->nodes[st].first - 1].tag;
			}
		}
	}
	return best > 0;
}

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

struct ac {
	struct ac_node *nodes;
	size_t n, cap;
	uint64_t *keys; /* (state << 8 | byte) + 1, 0 = empty */
	uint32_t *vals;
	size_t tab_cap, tab_n;
};

struct yg_anon_set {
	struct needle *nd;
	size_t n, cap;
	size_t bytes;
	struct ac fold, exact;
	bool built;
};

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

static size_t slot(uint64_t key, size_t mask)
{
	key *= 0x9e3779b97f4a7c15ull;
	return (size_t)(key >> 17) & mask;
}

static uint32_t ac_goto(const struct ac *a, uint32_t state, uint8_t c)
{
	if (!a->tab_cap)
		return 0;
	uint64_t key = (((uint64_t)state << 8) | c) + 1;
	size_t mask = a->tab_cap - 1;
	for (size_t i = slot(key, mask);; i = (i + 1) & mask) {
		if (a->keys[i] == key)
			return a->vals[i];
		if (!a->keys[i])
			return 0;
	}
}

static int tab_grow(struct ac *a)
{
	size_t nc = a->tab_cap ? a->tab_cap * 2 : 256;
	uint64_t *k = calloc(nc, sizeof *k);
	uint32_t *v = calloc(nc, sizeof *v);
	if (!k || !v) {
		free(k);
		free(v);
		return -ENOMEM;
	}
	for (size_t i = 0; i < a->tab_cap; i++) {
		if (!a->keys[i])
			continue;
		size_t j = slot(a->keys[i], nc - 1);
		while (k[j])
			j = (j + 1) & (nc - 1);
		k[j] = a->keys[i];
		v[j] = a->vals[i];
	}
	free(a->keys);
	free(a->vals);
	a->keys = k;
	a->vals = v;
	a->tab_cap = nc;
	return 0;
}

/* The child of state on c, made when missing; 0 on -ENOMEM (the root is
 * never a child). */
static uint32_t ac_child(struct ac *a, uint32_t state, uint8_t c)
{
	uint32_t t = ac_goto(a, state, c);
	if (t)
		return t;
	if ((a->tab_n + 1) * 2 > a->tab_cap && tab_grow(a) < 0)
		return 0;
	if (yg_mail_grow((void **)&a->nodes, &a->cap, a->n, sizeof *a->nodes, UINT32_MAX) < 0)
		return 0;
	t = (uint32_t)a->n++;
	struct ac_node *nd = &a->nodes[t];
	memset(nd, 0, sizeof *nd);
	nd->c = c;
	nd->depth = a->nodes[state].depth + 1;
	nd->sibling = a->nodes[state].child;
	a->nodes[state].child = t;
	uint64_t key = (((uint64_t)state << 8) | c) + 1;
	size_t mask = a->tab_cap - 1, i = slot(key, mask);
	while (a->keys[i])
		i = (i + 1) & mask;
	a->keys[i] = key;
	a->vals[i] = t;
	a->tab_n++;
	return t;
}

static int ac_init(struct ac *a)
{
	int r = yg_mail_grow((void **)&a->nodes, &a->cap, 0, sizeof *a->nodes, UINT32_MAX);
	if (r < 0)
		return r;
	a->n = 1; /* the root, zeroed by the grow */
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
	if (ac_init(&s->fold) < 0 || ac_init(&s->exact) < 0) {
		yg_anon_set_free(s);
		return -ENOMEM;
	}
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
	if (s->bytes + n > YG_ANON_NEEDLE_BYTES)
		return -E2BIG;
	struct ac *a = tag->exact ? &s->exact : &s->fold;
	uint32_t st = 0;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = tag->exact ? (uint8_t)p[i] : lower((uint8_t)p[i]);
		st = ac_child(a, st, c);
		if (!st)
			return -ENOMEM;
	}
	if (a->nodes[st].out)
		return 0; /* the same needle came first */
	int r = yg_mail_grow((void **)&s->nd, &s->cap, s->n, sizeof *s->nd, UINT32_MAX - 1);
	if (r < 0)
		return r;
	s->nd[s->n] = (struct needle){.tag = *tag, .len = (uint32_t)n};
	a->nodes[st].out = (uint32_t)++s->n;
	st = 0;
	for (size_t i = 0; i < n; i++) {
		st = ac_goto(a, st, tag->exact ? (uint8_t)p[i] : lower((uint8_t)p[i]));
		if (!a->nodes[st].first)
			a->nodes[st].first = (uint32_t)s->n;
	}
	s->bytes += n;
	return 0;
}

int yg_anon_set_add_form(void *set, const char *p, size_t n, const struct yg_anon_tag *tag)
{
	return yg_anon_set_add(set, p, n, tag);
}

int yg_anon_set_build(struct yg_anon_set *s)
{
	if (!s)
		return -EINVAL;
	int r = ac_links(&s->fold);
	if (r == 0)
		r = ac_links(&s->exact);
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

static void view_release(struct view *v)
{
	free(v->b);
	free(v->beg);
	free(v->end);
	memset(v, 0, sizeof *v);
}

/* Fills v with p[0..n) unescaped (qp: =XX too); every escape is at least as
 * long as what it stands for, so n bytes suffice. */
static int view_decode(const char *p, size_t n, bool qp, struct view *v)
{
	v->b = malloc(n ? n : 1);
	v->beg = malloc((n ? n : 1) * sizeof *v->beg);
	v->end = malloc((n ? n : 1) * sizeof *v->end);
	if (!v->b || !v->beg || !v->end) {
		view_release(v);
		return -ENOMEM;
	}
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
		uint8_t c = fold ? lower(b[i]) : b[i];
		uint32_t t;
		for (;;) {
			t = ac_goto(a, st, c);
			if (t || st == 0)
				break;
			st = a->nodes[st].fail;
		}
		st = t;
		uint32_t k = a->nodes[st].out ? st : a->nodes[st].dict;
		/* A words needle rejected here may hide a shorter one on the
		 * chain; a few steps find it (hosts are few and short). */
		for (int steps = 0; k && steps < 8; steps++, k = a->nodes[k].dict) {
			uint32_t ni = a->nodes[k].out - 1;
			const struct needle *nd = &s->nd[ni];
			size_t vb = i + 1 - nd->len, ve = i + 1;
			if (nd->tag.words && ((vb > 0 && is_word(b[vb - 1])) || (ve < vn && is_word(b[ve]))))
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

int yg_anon_set_scan(const struct yg_anon_set *s, const char *p, size_t n,
		     struct yg_anon_span **ret, size_t *ret_n)
{
	*ret = NULL;
	*ret_n = 0;
	if (!s || !s->built || !p || n == 0 || n > UINT32_MAX - 8)
		return s && s->built ? 0 : -EINVAL;
	struct hits h = {0};
	struct view un = {0}, qp = {0};
	bool escapes = false, qp_escapes = false;
	for (size_t i = 0; i < n; i++) {
		escapes |= p[i] == '%' || p[i] == '&' || p[i] == '=';
		qp_escapes |= (p[i] == '=' && i + 2 < n && hexval(p[i + 1]) >= 0 &&
			       hexval(p[i + 2]) >= 0) ||
			      p[i] == '+';
	}
	const uint8_t *raw = (const uint8_t *)p;
	int r = run(s, &s->fold, true, raw, n, NULL, p, n, &h);
	if (r == 0)
		r = run(s, &s->exact, false, raw, n, NULL, p, n, &h);
	if (r == 0 && escapes) {
		r = view_decode(p, n, false, &un);
		if (r == 0)
			r = run(s, &s->fold, true, un.b, un.n, &un, p, n, &h);
		if (r == 0)
			r = run(s, &s->exact, false, un.b, un.n, &un, p, n, &h);
	}
	if (r == 0 && qp_escapes) {
		r = view_decode(p, n, true, &qp);
		if (r == 0)
			r = run(s, &s->fold, true, qp.b, qp.n, &qp, p, n, &h);
	}
	view_release(&un);
	view_release(&qp);
	if (r < 0) {
		free(h.v);
		return r;
	}
	*ret_n = merge(h.v, h.n);
	if (*ret_n)
		*ret = h.v;
	else
		free(h.v);
	return 0;
}

/* The state after the last byte of p is the longest end of p that begins
 * a needle. */
static uint32_t end_state(const struct ac *a, bool fold, const char *p, size_t n)
{
	uint32_t st = 0;
	for (size_t i = 0; a->n > 1 && i < n; i++) {
		uint8_t c = fold ? lower((uint8_t)p[i]) : (uint8_t)p[i];
		uint32_t t;
		for (;;) {
			t = ac_goto(a, st, c);
			if (t || st == 0)
				break;
			st = a->nodes[st].fail;
		}
		st = t;
	}
	return st;
}

bool yg_anon_set_tail(const struct yg_anon_set *s, const char *p, size_t n, size_t *ret_len,
		      struct yg_anon_tag *ret_tag)
{
	if (!s || !s->built || !p)
		return false;
	uint32_t f = end_state(&s->fold, true, p, n), e = end_state(&s->exact, false, p, n);
	const struct ac *a = &s->fold;
	uint32_t st = f;
	if (s->exact.nodes[e].depth > s->fold.nodes[f].depth) {
		a = &s->exact;
		st = e;
	}
	if (a->nodes[st].depth < YG_ANON_MIN_TAIL || !a->nodes[st].first)
		return false;
	*ret_len = a->nodes[st].depth;
	*ret_tag = s->nd[a->nodes[st].first - 1].tag;
	return true;
}

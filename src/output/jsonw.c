#include "output/jsonw.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Output is capped so a pathological caller cannot grow it without bound. */
#define JSONW_MAX_CAP (256u << 20)

int yg_jsonw_init(struct yg_jsonw *w, size_t cap)
{
	memset(w, 0, sizeof *w);
	if (cap < 256)
		cap = 256;
	w->buf = malloc(cap);
	if (!w->buf)
		return -ENOMEM;
	w->cap = cap;
	return 0;
}

void yg_jsonw_release(struct yg_jsonw *w)
{
	free(w->buf);
	memset(w, 0, sizeof *w);
}

void yg_jsonw_reset(struct yg_jsonw *w)
{
	w->len = 0;
	w->depth = 0;
	w->need_comma[0] = false;
	w->failed = false;
}

bool yg_jsonw_ok(const struct yg_jsonw *w)
{
	return !w->failed && w->depth == 0;
}

bool yg_jsonw_grow(struct yg_jsonw *w, size_t n)
{
	if (w->failed)
		return false;
	if (w->cap - w->len >= n)
		return true;
	size_t cap = w->cap;
	while (cap - w->len < n) {
		if (cap >= JSONW_MAX_CAP) {
			w->failed = true;
			return false;
		}
		cap *= 2;
	}
	char *b = realloc(w->buf, cap);
	if (!b) {
		w->failed = true;
		return false;
	}
	w->buf = b;
	w->cap = cap;
	return true;
}

static inline void put(struct yg_jsonw *w, const char *s, size_t n)
{
	if (!yg_jsonw_reserve(w, n))
		return;
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static inline void putc1(struct yg_jsonw *w, char c)
{
	if (!yg_jsonw_reserve(w, 1))
		return;
	w->buf[w->len++] = c;
}

/* Before a value: a comma if a sibling came before (arrays and top level). */
static void before_value(struct yg_jsonw *w)
{
	if (w->need_comma[w->depth])
		putc1(w, ',');
	w->need_comma[w->depth] = true;
}

static void after_keyed_value(struct yg_jsonw *w)
{
	w->need_comma[w->depth] = true;
}

static void open_(struct yg_jsonw *w, char c)
{
	before_value(w);
	putc1(w, c);
	if (w->depth >= YG_JSONW_MAX_DEPTH) {
		w->failed = true;
		return;
	}
	w->depth++;
	w->need_comma[w->depth] = false;
}

static void close_(struct yg_jsonw *w, char c)
{
	if (w->depth == 0) {
		w->failed = true;
		return;
	}
	putc1(w, c);
	w->depth--;
	after_keyed_value(w);
}

void yg_jsonw_obj_open(struct yg_jsonw *w)
{
	open_(w, '{');
}

void yg_jsonw_obj_close(struct yg_jsonw *w)
{
	close_(w, '}');
}

void yg_jsonw_arr_open(struct yg_jsonw *w)
{
	open_(w, '[');
}

void yg_jsonw_arr_close(struct yg_jsonw *w)
{
	close_(w, ']');
}

/* Length of a valid UTF-8 sequence starting at s (1..4), or 0 if invalid. */
static size_t utf8_seq(const uint8_t *s, size_t left)
{
	uint8_t c = s[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		n = 2;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (left < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and values past U+10FFFF. */
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n;
}

/* Bytes copied verbatim into a JSON string: printable ASCII except the
 * quote and the backslash. */
#define SAFE8(b) [b] = 1, [b + 1] = 1, [b + 2] = 1, [b + 3] = 1, [b + 4] = 1, \
		 [b + 5] = 1, [b + 6] = 1, [b + 7] = 1
static const uint8_t json_safe[256] = {
	[0x20] = 1, [0x21] = 1, /* 0x22 is the quote */
	[0x23] = 1, [0x24] = 1, [0x25] = 1, [0x26] = 1, [0x27] = 1,
	SAFE8(0x28), SAFE8(0x30), SAFE8(0x38), SAFE8(0x40), SAFE8(0x48), SAFE8(0x50),
	[0x58] = 1, [0x59] = 1, [0x5a] = 1, [0x5b] = 1, /* 0x5c is the backslash */
	[0x5d] = 1, [0x5e] = 1, [0x5f] = 1,
	SAFE8(0x60), SAFE8(0x68), SAFE8(0x70), SAFE8(0x78),
};
#undef SAFE8

/* The end of the run of json_safe bytes starting at s[i] (at most n). */
static size_t safe_run(const uint8_t *s, size_t i, size_t n)
{
#ifdef __SSE2__
	/* Sixteen bytes a step: names, URLs and user agents are mostly plain
	 * ASCII and make up much of every EVE line. */
	const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
	const __m128i ctl_max = _mm_set1_epi8(0x1f);
	while (n - i >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		__m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, ctl_max), ctl_max); /* <= 0x1f */
		__m128i bad = _mm_or_si128(ctl, _mm_or_si128(_mm_cmpeq_epi8(v, quote),
							     _mm_cmpeq_epi8(v, bslash)));
		/* The sign bit marks the bytes >= 0x80 (UTF-8, checked apart). */
		unsigned m = (unsigned)_mm_movemask_epi8(bad) | (unsigned)_mm_movemask_epi8(v);
		if (m)
			return i + (size_t)__builtin_ctz(m);
		i += 16;
	}
#endif
	while (i < n && json_safe[s[i]])
		i++;
	return i;
}

static void escaped(struct yg_jsonw *w, const uint8_t *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	/* Worst case 6 output bytes per input byte, plus quotes. */
	if (n > (JSONW_MAX_CAP / 8) || !yg_jsonw_reserve(w, n * 6 + 2)) {
		w->failed = true;
		return;
	}
	char *o = w->buf + w->len;
	*o++ = '"';
	size_t i = 0;
	while (i < n) {
		/* Copy the run of bytes that need no escaping in one go. */
		size_t run = safe_run(s, i, n);
		if (run > i) {
			memcpy(o, s + i, run - i);
			o += run - i;
			i = run;
			if (i == n)
				break;
		}
		uint8_t c = s[i];
		if (c >= 0x80) {
			size_t k = utf8_seq(s + i, n - i);
			if (k) {
				memcpy(o, s + i, k);
				o += k;
				i += k;
				continue;
			}
		}
		*o++ = '\\';
		switch (c) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			*o++ = 'u';
			*o++ = '0';
			*o++ = '0';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 15];
		}
		i++;
	}
	*o++ = '"';
	w->len = (size_t)(o - w->buf);
}

void yg_jsonw_strn(struct yg_jsonw *w, const void *s, size_t len)
{
	before_value(w);
	escaped(w, s, len);
}

void yg_jsonw_strn_plain(struct yg_jsonw *w, const char *s, size_t len)
{
	before_value(w);
	if (len > JSONW_MAX_CAP || !yg_jsonw_reserve(w, len + 2)) {
		w->failed = true;
		return;
	}
	char *o = w->buf + w->len;
	*o++ = '"';
	memcpy(o, s, len);
	o[len] = '"';
	w->len += len + 2;
}

/* Two digits a step: numbers are a good part of every EVE event (ids,
 * ports, counters) and a division per digit showed in profiles. */
static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
				     "25262728293031323334353637383940414243444546474849"
				     "50515253545556575859606162636465666768697071727374"
				     "75767778798081828384858687888990919293949596979899";

/* v's digits ending at tmp[24]; returns where they start. */
static size_t u64_digits(char tmp[24], uint64_t v)
{
	size_t n = 24;
	while (v >= 100) {
		unsigned d = (unsigned)(v % 100);
		v /= 100;
		n -= 2;
		memcpy(tmp + n, digit_pairs + 2 * d, 2);
	}
	if (v >= 10) {
		n -= 2;
		memcpy(tmp + n, digit_pairs + 2 * v, 2);
	} else {
		tmp[--n] = (char)('0' + v);
	}
	return n;
}

void yg_jsonw_u64(struct yg_jsonw *w, uint64_t v)
{
	char tmp[24];
	size_t n = u64_digits(tmp, v);
	before_value(w);
	put(w, tmp + n, sizeof tmp - n);
}

size_t yg_jsonw_fmt_u64(char out[20], uint64_t v)
{
	char tmp[24];
	size_t n = u64_digits(tmp, v);
	memcpy(out, tmp + n, sizeof tmp - n);
	return sizeof tmp - n;
}

void yg_jsonw_i64(struct yg_jsonw *w, int64_t v)
{
	if (v >= 0) {
		yg_jsonw_u64(w, (uint64_t)v);
		return;
	}
	before_value(w);
	putc1(w, '-');
	w->need_comma[w->depth] = false;
	yg_jsonw_u64(w, (uint64_t)0 - (uint64_t)v);
}

void yg_jsonw_bool(struct yg_jsonw *w, bool v)
{
	before_value(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void yg_jsonw_null(struct yg_jsonw *w)
{
	before_value(w);
	put(w, "null", 4);
}

void yg_jsonw_raw(struct yg_jsonw *w, const char *json, size_t len)
{
	before_value(w);
	put(w, json, len);
}

void yg_jsonw_newline(struct yg_jsonw *w)
{
	putc1(w, '\n');
	w->need_comma[0] = false;
}

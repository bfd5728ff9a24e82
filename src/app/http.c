/*
 * HTTP/1.x request head and status line parser: RFC 9112 sections 2.2
 * (message parsing), 3 (request line), 4 (status line), 5 (field syntax),
 * 6.1-6.3 (Transfer-Encoding, Content-Length), RFC 9110 section 5.6.2
 * (tokens).
 *
 *   request-line  = method SP request-target SP HTTP-version CRLF
 *   field-line    = field-name ":" OWS field-value OWS CRLF
 *   request head  = request-line *( field-line ) CRLF
 *   status-line   = HTTP-version SP 3DIGIT SP [ reason-phrase ] CRLF
 *
 *   "GET /a?b HTTP/1.1\r\nHost: example.com\r\nUser-Agent: x\r\n\r\n"
 *    ^method ^target ^version ^field-name ^OWS ^value          ^end of head
 *
 * Decisions (a sensor must not be easier to fool than the servers behind
 * it, and must never wait forever):
 *  - A bare LF ends a line like CRLF (section 2.2 allows it); a CR not
 *    followed by LF is malformed.
 *  - Empty lines before the request line are skipped (section 2.2).
 *  - obs-fold (a field line starting with SP or HTAB) is rejected, always
 *    (section 5.2 lets a server reject it; spans cannot unfold in place).
 *  - Whitespace between field name and colon is rejected (section 5.1).
 *  - A second Host field is rejected (section 3.2).
 *  - Content-Length: digits, or a list of identical values; anything else
 *    (or any Transfer-Encoding, which overrides it) leaves it 0.
 *  - The request line needs single SPs; the target is any bytes but
 *    controls and SP (raw UTF-8 in URLs is common).
 *  - A head is rejected as soon as a complete line, or the start of an
 *    incomplete one, cannot be HTTP, so garbage is not waited for.
 */
#include "app/http.h"

#include <errno.h>
#include <string.h>

/* RFC 9110 tchar. */
static bool is_tchar(uint8_t c)
{
	static const uint8_t tab[256] = {
	    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
	    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1,  ['~'] = 1, ['0'] = 1,
	    ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1,  ['7'] = 1, ['8'] = 1,
	    ['9'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,  ['F'] = 1, ['G'] = 1,
	    ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,  ['N'] = 1, ['O'] = 1,
	    ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,  ['V'] = 1, ['W'] = 1,
	    ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1,  ['d'] = 1, ['e'] = 1,
	    ['f'] = 1, ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1,  ['l'] = 1, ['m'] = 1,
	    ['n'] = 1, ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1,  ['t'] = 1, ['u'] = 1,
	    ['v'] = 1, ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1,
	};
	return tab[c];
}

static bool is_digit(uint8_t c)
{
	return c >= '0' && c <= '9';
}

static uint8_t lc(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 32) : c;
}

/* Methods from the IANA HTTP Method Registry, plus those Suricata and
 * servers see in the wild (M-SEARCH, NOTIFY for SSDP; PURGE for caches). */
static const char *const methods[] = {
    "GET",
    "POST",
    "HEAD",
    "PUT",
    "DELETE",
    "OPTIONS",
    "CONNECT",
    "TRACE",
    "PATCH",
    "PROPFIND",
    "PROPPATCH",
    "MKCOL",
    "COPY",
    "MOVE",
    "LOCK",
    "UNLOCK",
    "SEARCH",
    "REPORT",
    "MKACTIVITY",
    "CHECKOUT",
    "CHECKIN",
    "UNCHECKOUT",
    "MERGE",
    "MKCALENDAR",
    "MKWORKSPACE",
    "MKREDIRECTREF",
    "UPDATEREDIRECTREF",
    "VERSION-CONTROL",
    "BASELINE-CONTROL",
    "UPDATE",
    "LABEL",
    "ORDERPATCH",
    "ACL",
    "BIND",
    "UNBIND",
    "REBIND",
    "LINK",
    "UNLINK",
    "QUERY",
    "M-SEARCH",
    "NOTIFY",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "PURGE",
};

int yg_http_detect(const uint8_t *p, size_t len)
{
	if (!p)
		return len ? -1 : 0;
	bool prefix = false;
	for (size_t i = 0; i < sizeof methods / sizeof methods[0]; i++) {
		size_t n = strlen(methods[i]);
		if (len > n) {
			if (memcmp(p, methods[i], n) == 0 && p[n] == ' ')
				return 1;
		} else if (memcmp(p, methods[i], len) == 0) {
			prefix = true;
		}
	}
	return prefix ? 0 : -1;
}

bool yg_http_looks_like_request(const uint8_t *p, size_t len)
{
	return yg_http_detect(p, len) == 1;
}

enum line_result { LINE_OK, LINE_NEED, LINE_BAD };

/* Matches p[0..n) against "HTTP/" DIGIT "." DIGIT; a short n only has to
 * be a prefix of such a version (LINE_NEED). */
static enum line_result version(const uint8_t *p, size_t n)
{
	static const char pat[] = "HTTP/d.d";
	for (size_t i = 0; i < 8; i++) {
		if (i == n)
			return LINE_NEED;
		bool ok = pat[i] == 'd' ? is_digit(p[i]) : p[i] == (uint8_t)pat[i];
		if (!ok)
			return LINE_BAD;
	}
	return LINE_OK;
}

/*
 * Parses the request line p[0..n) (without its line end). complete: the
 * line end was seen; otherwise checks that p is a possible start of one.
 */
static enum line_result request_line(const uint8_t *p, size_t n, bool complete,
                                     struct yg_http_request *ret)
{
	size_t i = 0;
	while (i < n && is_tchar(p[i]))
		i++;
	if (i == n)
		return complete ? LINE_BAD : LINE_NEED;
	if (i == 0 || p[i] != ' ')
		return LINE_BAD;
	size_t m_end = i++;
	size_t t_start = i;
	while (i < n && p[i] > ' ' && p[i] != 0x7f)
		i++;
	if (i == n)
		return complete ? LINE_BAD : LINE_NEED;
	if (i == t_start || p[i] != ' ')
		return LINE_BAD;
	size_t t_end = i++;
	enum line_result v = version(p + i, n - i);
	if (v != LINE_OK)
		return v == LINE_NEED && !complete ? LINE_NEED : LINE_BAD;
	if (n - i != 8)
		return LINE_BAD;
	if (!complete)
		return LINE_NEED;
	ret->method = (struct yg_span){p, m_end};
	ret->uri = (struct yg_span){p + t_start, t_end - t_start};
	ret->version = (struct yg_span){p + i, 8};
	return LINE_OK;
}

/* Whether [p, p+n) equals the lower-case name lc_name, ignoring case. */
static bool name_is(const uint8_t *p, size_t n, const char *lc_name, size_t lc_len)
{
	if (n != lc_len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (lc(p[i]) != (uint8_t)lc_name[i])
			return false;
	return true;
}

#define NAME_IS(p, n, s) name_is(p, n, s, sizeof(s) - 1)

/* Content-Length value: 1*DIGIT, or "n, n, n" of one value (RFC 9112
 * section 6.3 item 5). Returns false when invalid. */
static bool content_length(const uint8_t *p, size_t n, uint64_t *ret)
{
	bool have = false;
	uint64_t first = 0;
	size_t i = 0;
	for (;;) {
		uint64_t v = 0;
		size_t start = i;
		while (i < n && is_digit(p[i])) {
			uint64_t d = (uint64_t)(p[i] - '0');
			if (v > (UINT64_MAX - d) / 10)
				return false;
			v = v * 10 + d;
			i++;
		}
		if (i == start || (have && v != first))
			return false;
		first = v;
		have = true;
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		if (i == n)
			break;
		if (p[i] != ',')
			return false;
		i++;
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
	}
	*ret = first;
	return true;
}

/* The fields both message kinds read; spans borrow the input. */
struct fields {
	bool one_host;   /* a second Host field is malformed (requests) */
	bool allow_fold; /* obs-fold continues the last field (responses) */
	enum { LAST_NONE, LAST_OTHER, LAST_CL, LAST_TE } last; /* field a fold continues */
	bool have_host, have_cl, cl_bad, te, chunked;
	uint64_t cl;
	struct yg_span host, user_agent, referer, content_type, location;
};

static void first_span(struct yg_span *dst, struct yg_span v)
{
	if (!dst->p)
		*dst = v;
}

/* Whether coding list v ends in "chunked" (the final coding). */
static bool ends_chunked(struct yg_span v)
{
	return v.len >= 7 && NAME_IS(v.p + v.len - 7, 7, "chunked") &&
	       (v.len == 7 || v.p[v.len - 8] == ',' || v.p[v.len - 8] == ' ' ||
		v.p[v.len - 8] == '\t');
}

/* An obs-fold line p[0..n) continuing the previous field (responses). */
static enum line_result fold_line(const uint8_t *p, size_t n, bool complete, struct fields *f)
{
	if (f->last == LAST_NONE)
		return LINE_BAD; /* whitespace before the first field */
	for (size_t k = 0; k < n; k++)
		if (p[k] == 0 || p[k] == '\r')
			return LINE_BAD;
	if (!complete)
		return LINE_NEED;
	size_t i = 0, e = n;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	while (e > i && (p[e - 1] == ' ' || p[e - 1] == '\t'))
		e--;
	struct yg_span v = {p + i, e - i};
	/* Recorded values keep their first line; what decides the framing
	 * reads the continuation as the client will. */
	if (f->last == LAST_TE && v.len)
		f->chunked = ends_chunked(v);
	else if (f->last == LAST_CL && v.len)
		f->cl_bad = true;
	return LINE_OK;
}

/* Parses one field line p[0..n) (without its line end). */
static enum line_result field_line(const uint8_t *p, size_t n, bool complete, struct fields *f)
{
	if (n && (p[0] == ' ' || p[0] == '\t')) {
		/* obs-fold: RFC 9112 section 5.2 lets a server reject it, while a
		 * user agent must unfold it, so a sensor reads it in responses. */
		if (!f->allow_fold)
			return LINE_BAD;
		return fold_line(p, n, complete, f);
	}
	size_t i = 0;
	while (i < n && is_tchar(p[i]))
		i++;
	if (i == n)
		return complete ? LINE_BAD : LINE_NEED;
	if (i == 0 || p[i] != ':')
		return LINE_BAD;
	size_t name_len = i++;
	for (size_t k = i; k < n; k++)
		if (p[k] == 0 || p[k] == '\r')
			return LINE_BAD; /* a CR right before LF was stripped by the caller */
	if (!complete)
		return LINE_NEED;
	while (i < n && (p[i] == ' ' || p[i] == '\t'))
		i++;
	size_t e = n;
	while (e > i && (p[e - 1] == ' ' || p[e - 1] == '\t'))
		e--;
	struct yg_span v = {p + i, e - i};
	f->last = LAST_OTHER;
	if (NAME_IS(p, name_len, "host")) {
		if (f->have_host && f->one_host)
			return LINE_BAD;
		f->have_host = true;
		first_span(&f->host, v);
	} else if (NAME_IS(p, name_len, "user-agent")) {
		first_span(&f->user_agent, v);
	} else if (NAME_IS(p, name_len, "referer")) {
		first_span(&f->referer, v);
	} else if (NAME_IS(p, name_len, "content-type")) {
		first_span(&f->content_type, v);
	} else if (NAME_IS(p, name_len, "location")) {
		first_span(&f->location, v);
	} else if (NAME_IS(p, name_len, "content-length")) {
		uint64_t cl;
		if (!content_length(v.p, v.len, &cl) || (f->have_cl && cl != f->cl))
			f->cl_bad = true;
		else
			f->cl = cl;
		f->have_cl = true;
		f->last = LAST_CL;
	} else if (NAME_IS(p, name_len, "transfer-encoding")) {
		f->te = true;
		/* chunked is the final coding when it ends the list. */
		f->chunked = ends_chunked(v);
		f->last = LAST_TE;
	}
	return LINE_OK;
}

typedef enum line_result (*start_line_fn)(const uint8_t *p, size_t n, bool complete, void *ret);

/*
 * Walks a message head: the start line (given to start), then field lines
 * into f, up to the empty line. Returns 0 with *head_len set, or -EAGAIN,
 * -E2BIG, -EBADMSG as the public parsers document.
 */
static int parse_head(const uint8_t *p, size_t len, start_line_fn start, void *start_ret,
		      struct fields *f, size_t *head_len)
{
	/* Nothing past the cap can be part of a head we accept. */
	size_t n = len < YG_HTTP_HEAD_MAX ? len : YG_HTTP_HEAD_MAX;
	size_t off = 0;
	bool first = true;

	/* Empty lines before the start line (RFC 9112 section 2.2). */
	while (off < n && (p[off] == '\n' || (p[off] == '\r' && off + 1 < n && p[off + 1] == '\n')))
		off += p[off] == '\r' ? 2 : 1;

	for (;;) {
		const uint8_t *line = p + off;
		const uint8_t *lf = memchr(line, '\n', n - off);
		size_t ll = lf ? (size_t)(lf - line) : n - off;
		size_t body = ll;
		if (lf && ll && line[ll - 1] == '\r')
			body--;
		if (!lf && ll && line[ll - 1] == '\r')
			body--; /* its LF may be next */
		enum line_result r;
		if (first) {
			r = start(line, body, lf != NULL, start_ret);
			first = false;
		} else if (body == 0) {
			if (!lf)
				r = LINE_NEED;
			else {
				*head_len = (size_t)(lf - p) + 1;
				return 0;
			}
		} else {
			r = field_line(line, body, lf != NULL, f);
		}
		if (r == LINE_BAD)
			return -EBADMSG;
		if (r == LINE_NEED || !lf)
			return len >= YG_HTTP_HEAD_MAX ? -E2BIG : -EAGAIN;
		off += ll + 1;
	}
}

static enum line_result request_start(const uint8_t *p, size_t n, bool complete, void *ret)
{
	return request_line(p, n, complete, ret);
}

int yg_http_request_parse(const uint8_t *p, size_t len, struct yg_http_request *ret)
{
	if (!p || !ret)
		return -EINVAL;
	struct yg_http_request req = {0};
	struct fields f = {.one_host = true};
	int r = parse_head(p, len, request_start, &req, &f, &req.head_len);
	if (r < 0)
		return r;
	req.host = f.host;
	req.user_agent = f.user_agent;
	req.referer = f.referer;
	req.content_type = f.content_type;
	req.chunked = f.te && f.chunked;
	if (f.have_cl && !f.cl_bad && !f.te)
		req.content_length = f.cl;
	*ret = req;
	return 0;
}

/*
 * Parses the status line p[0..ll) (without its line end) like
 * request_line. "HTTP/1.1 200" with the reason and even its SP left out is
 * common, and accepted.
 */
static enum line_result status_line(const uint8_t *p, size_t ll, bool complete, unsigned *ret)
{
	enum line_result v = version(p, ll);
	if (v == LINE_BAD || (v == LINE_NEED && complete))
		return LINE_BAD;
	if (v == LINE_NEED)
		return LINE_NEED;
	static const char shape[] = " ddd";
	unsigned status = 0;
	for (size_t i = 0; i < 4; i++) {
		if (8 + i == ll)
			return complete ? LINE_BAD : LINE_NEED;
		uint8_t c = p[8 + i];
		if (shape[i] == ' ' ? c != ' ' : !is_digit(c))
			return LINE_BAD;
		if (shape[i] == 'd')
			status = status * 10 + (unsigned)(c - '0');
	}
	/* RFC 9110 section 15: the first digit is the class, 1 to 5; anything
	 * from 600 up is still taken as a status (its class unknown). */
	if (status < 100 || (ll > 12 && p[12] != ' '))
		return LINE_BAD;
	for (size_t i = 13; i < ll; i++)
		if (p[i] == 0 || p[i] == '\r')
			return LINE_BAD;
	if (!complete)
		return LINE_NEED;
	*ret = status;
	return LINE_OK;
}

int yg_http_status_parse(const uint8_t *p, size_t len, unsigned *ret_status)
{
	if (!p || !ret_status)
		return -EINVAL;
	size_t n = len < YG_HTTP_HEAD_MAX ? len : YG_HTTP_HEAD_MAX;
	const uint8_t *lf = memchr(p, '\n', n);
	size_t ll = lf ? (size_t)(lf - p) : n;
	if (ll && p[ll - 1] == '\r')
		ll--;
	enum line_result r = status_line(p, ll, lf != NULL, ret_status);
	if (r == LINE_BAD)
		return -EBADMSG;
	if (r == LINE_NEED)
		return len >= YG_HTTP_HEAD_MAX ? -EBADMSG : -EAGAIN;
	return 0;
}

static enum line_result response_start(const uint8_t *p, size_t n, bool complete, void *ret)
{
	struct yg_http_response *resp = ret;
	enum line_result r = status_line(p, n, complete, &resp->status);
	if (r == LINE_OK)
		resp->version = (struct yg_span){p, 8};
	return r;
}

int yg_http_response_parse(const uint8_t *p, size_t len, struct yg_http_response *ret)
{
	if (!p || !ret)
		return -EINVAL;
	struct yg_http_response resp = {0};
	struct fields f = {.allow_fold = true};
	int r = parse_head(p, len, response_start, &resp, &f, &resp.head_len);
	if (r < 0)
		return r;
	resp.content_type = f.content_type;
	resp.location = f.location;
	/* RFC 9112 section 6.3: a Transfer-Encoding overrides Content-Length;
	 * one that does not end in chunked, or a bad Content-Length, leaves
	 * the body delimited by the close of the connection. */
	resp.chunked = f.te && f.chunked;
	if (f.have_cl && !f.cl_bad && !f.te) {
		resp.content_length = f.cl;
		resp.has_length = true;
	}
	*ret = resp;
	return 0;
}

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

struct fields {
	bool have_host, have_cl, cl_bad, te;
	uint64_t cl;
};

/* Parses one field line p[0..n) (without its line end). */
static enum line_result field_line(const uint8_t *p, size_t n, bool complete,
                                   struct yg_http_request *ret, struct fields *f)
{
	if (n && (p[0] == ' ' || p[0] == '\t'))
		return LINE_BAD; /* obs-fold, or whitespace before the first field */
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
	if (NAME_IS(p, name_len, "host")) {
		if (f->have_host)
			return LINE_BAD;
		f->have_host = true;
		ret->host = v;
	} else if (NAME_IS(p, name_len, "user-agent")) {
		if (!ret->user_agent.p)
			ret->user_agent = v;
	} else if (NAME_IS(p, name_len, "referer")) {
		if (!ret->referer.p)
			ret->referer = v;
	} else if (NAME_IS(p, name_len, "content-type")) {
		if (!ret->content_type.p)
			ret->content_type = v;
	} else if (NAME_IS(p, name_len, "content-length")) {
		uint64_t cl;
		if (!content_length(v.p, v.len, &cl) || (f->have_cl && cl != f->cl))
			f->cl_bad = true;
		else
			f->cl = cl;
		f->have_cl = true;
	} else if (NAME_IS(p, name_len, "transfer-encoding")) {
		f->te = true;
		/* chunked is the final coding when it ends the list. */
		if (v.len >= 7 && NAME_IS(v.p + v.len - 7, 7, "chunked") &&
		    (v.len == 7 || v.p[v.len - 8] == ',' || v.p[v.len - 8] == ' ' ||
		     v.p[v.len - 8] == '\t'))
			ret->chunked = true;
		else
			ret->chunked = false;
	}
	return LINE_OK;
}

int yg_http_request_parse(const uint8_t *p, size_t len, struct yg_http_request *ret)
{
	if (!p || !ret)
		return -EINVAL;
	struct yg_http_request req = {0};
	struct fields f = {0};
	/* Nothing past the cap can be part of a head we accept. */
	size_t n = len < YG_HTTP_HEAD_MAX ? len : YG_HTTP_HEAD_MAX;
	size_t off = 0;
	bool first = true;

	/* Empty lines before the request line (RFC 9112 section 2.2). */
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
			r = request_line(line, body, lf != NULL, &req);
			first = false;
		} else if (body == 0) {
			if (!lf)
				r = LINE_NEED;
			else {
				req.head_len = (size_t)(lf - p) + 1;
				break;
			}
		} else {
			r = field_line(line, body, lf != NULL, &req, &f);
		}
		if (r == LINE_BAD)
			return -EBADMSG;
		if (r == LINE_NEED || !lf)
			return len >= YG_HTTP_HEAD_MAX ? -E2BIG : -EAGAIN;
		off += ll + 1;
	}
	if (f.have_cl && !f.cl_bad && !f.te)
		req.content_length = f.cl;
	*ret = req;
	return 0;
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
	enum line_result v = version(p, ll);
	if (v == LINE_BAD || (v == LINE_NEED && lf))
		return -EBADMSG;
	if (v == LINE_NEED)
		return len >= YG_HTTP_HEAD_MAX ? -EBADMSG : -EAGAIN;
	/* "HTTP/1.1 200" with the reason and even its SP left out is common. */
	static const char shape[] = " ddd";
	unsigned status = 0;
	for (size_t i = 0; i < 4; i++) {
		if (8 + i == ll)
			return lf || len >= YG_HTTP_HEAD_MAX ? -EBADMSG : -EAGAIN;
		uint8_t c = p[8 + i];
		if (shape[i] == ' ' ? c != ' ' : !is_digit(c))
			return -EBADMSG;
		if (shape[i] == 'd')
			status = status * 10 + (unsigned)(c - '0');
	}
	/* RFC 9110 section 15: the first digit is the class, 1 to 5; anything
	 * from 600 up is still taken as a status (its class unknown). */
	if (status < 100 || (ll > 12 && p[12] != ' '))
		return -EBADMSG;
	for (size_t i = 13; i < ll; i++)
		if (p[i] == 0 || p[i] == '\r')
			return -EBADMSG;
	if (!lf)
		return len >= YG_HTTP_HEAD_MAX ? -EBADMSG : -EAGAIN;
	*ret_status = status;
	return 0;
}

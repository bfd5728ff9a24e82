/*
 * The indicator of a URL that carried a victim's value (see anon-int.h).
 *
 * RFC 3986 section 3:
 *
 *   https://login.evil.example/auth/form.php?id=7&email=[recipient-1]#[recipient-1]
 *   \___/   \________________/\____________/ \__________________/ \__________/
 *   scheme     authority           path             query           fragment
 *
 * A kit writes the victim into the link so its page comes pre-filled; the
 * page itself is the same for every victim. So the indicator other members
 * match is the link without what names the victim: here
 * https://login.evil.example/auth/form.php?id=7. A placeholder in the path
 * ("/u/[recipient-1]/login") makes everything from that segment on
 * victim-specific, so the path is cut before it. A placeholder in the
 * authority (an own domain in the host) leaves nothing to share.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mail/anon-int.h"
#include "mail/mail-int.h"

bool yg_anon_has_mark(const char *p, size_t n)
{
	static const char *const marks[] = {"[recipient", "[own-domain]", "[internal-ip]",
	                                    "[internal-host", "[pii]"};
	for (size_t i = 0; i < sizeof marks / sizeof *marks; i++)
		if (memmem(p, n, marks[i], strlen(marks[i])))
			return true;
	return false;
}

struct buf {
	char *p;
	size_t n;
};

static void put(struct buf *b, const char *s, size_t n)
{
	if (n)
		memcpy(b->p + b->n, s, n);
	b->n += n;
}

int yg_anon_url_indicator(const char *url, char **ret)
{
	*ret = NULL;
	if (!url)
		return 0;
	size_t len = strlen(url);
	if (!yg_anon_has_mark(url, len))
		return 0;
	const char *sep = strstr(url, "://");
	if (!sep)
		return 0;
	size_t auth_beg = (size_t)(sep - url) + 3, auth_end = auth_beg;
	while (auth_end < len && !strchr("/?#", url[auth_end]))
		auth_end++;
	if (yg_anon_has_mark(url, auth_end))
		return 0;
	size_t path_end = auth_end;
	while (path_end < len && url[path_end] != '?' && url[path_end] != '#')
		path_end++;
	size_t q_end = path_end;
	if (q_end < len && url[q_end] == '?')
		while (q_end < len && url[q_end] != '#')
			q_end++;
	/* Never longer than the URL. */
	struct buf b = {.p = malloc(len + 1)};
	if (!b.p)
		return -ENOMEM;
	put(&b, url, auth_end);
	/* The path, segment by segment, up to the first one with a mark. */
	bool cut = false;
	for (size_t i = auth_end; i < path_end;) {
		size_t j = i + 1;
		while (j < path_end && url[j] != '/')
			j++;
		if (yg_anon_has_mark(url + i, j - i)) {
			put(&b, "/", 1);
			cut = true;
			break;
		}
		put(&b, url + i, j - i);
		i = j;
	}
	if (!cut && q_end > path_end) {
		/* The query's parameters without a mark, in their order. */
		bool first = true;
		for (size_t i = path_end + 1; i < q_end;) {
			size_t j = i;
			while (j < q_end && url[j] != '&' && url[j] != ';')
				j++;
			if (j > i && !yg_anon_has_mark(url + i, j - i)) {
				put(&b, first ? "?" : "&", 1);
				put(&b, url + i, j - i);
				first = false;
			}
			i = j + 1;
		}
	}
	if (!cut && q_end < len && !yg_anon_has_mark(url + q_end, len - q_end))
		put(&b, url + q_end, len - q_end);
	b.p[b.n] = '\0';
	*ret = b.p;
	return 0;
}

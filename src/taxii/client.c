/*
 * The TAXII 2.1 client (see client.h): requests on libcurl, answers
 * checked by answer.c before anything of them is used.
 *
 *   GET {url}/taxii2/                  discovery -> API root
 *     404: GET {url}/                  the URL itself as discovery, or as
 *                                      an API root ({"versions":[...]})
 *   GET {root}collections/             readable collections (cursors kept
 *                                      per collection id)
 *   GET {root}collections/{id}/objects/?match[type]=indicator
 *       [&added_after=T][&next=N]      pages until more is false; with
 *                                      more but no next, added_after moves
 *                                      to the page's X-TAXII-Date-Added-Last
 *
 * Why the cursor is the server's X-TAXII-Date-Added-Last and never our
 * clock: the server's clock decides what "added after" means (3.4), and a
 * time of ours would skip what it added while our clocks disagree.
 */
#include "taxii/client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <jansson.h>

#include "common/curlbody.h"
#include "stix/ident.h"

#define TAXII_MEDIA "application/taxii+json;version=2.1"
/* A whole answer page is at most a few MiB at 1000 objects. */
#define PAGE_MAX_BYTES (64u << 20)
/* Pages of one collection in one round; the rest comes next round. */
#define PAGES_MAX 10000u
#define URL_MAX (YG_TAXII_URL_MAX + YG_TAXII_COLL_ID_MAX + YG_TAXII_NEXT_MAX + 256)

struct cursor {
	char id[YG_TAXII_COLL_ID_MAX];
	char last[YG_TAXII_TIME_MAX];
};

struct yg_taxii_client {
	char *url; /* without a trailing slash */
	struct yg_taxii_cred cred;
	char *only[YG_TAXII_ONLY_MAX];
	size_t n_only;
	int (*cancel)(void *ud);
	void *ud;
	CURL *h;
	bool any_type;
	char hub_hdr[96]; /* "X-Yagura-Hub: <our identity>", "" when none */
	char server_hub[YG_TAXII_ID_MAX];
	char post_name[YG_TAXII_TITLE_MAX]; /* the collection post_id was found for */
	char post_id[YG_TAXII_COLL_ID_MAX];
	char root[YG_TAXII_URL_MAX];
	size_t n_cur;
	struct cursor cur[YG_TAXII_COLLECTIONS_MAX];
};

struct hdr {
	char added_last[YG_TAXII_TIME_MAX];
	char hub[YG_TAXII_ID_MAX]; /* X-Yagura-Hub, "" when absent or malformed */
};

/* X-Yagura-Hub: identity--<uuid> (a yagura hub names itself). */
static void header_hub(const char *line, size_t n, char *ret, size_t retlen)
{
	static const char name[] = "X-Yagura-Hub:";
	size_t nl = sizeof name - 1;
	if (n <= nl || strncasecmp(line, name, nl))
		return;
	const char *v = line + nl;
	size_t k = n - nl;
	while (k && (*v == ' ' || *v == '\t')) {
		v++;
		k--;
	}
	while (k && (v[k - 1] == '\r' || v[k - 1] == '\n' || v[k - 1] == ' ' || v[k - 1] == '\t'))
		k--;
	if (k == 0 || k >= retlen || !yg_stix_id_valid(v, k, "identity"))
		return;
	memcpy(ret, v, k);
	ret[k] = '\0';
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct hdr *h = ud;
	size_t n = size * nmemb;
	yg_taxii_header_added_last(ptr, n, h->added_last, sizeof h->added_last);
	header_hub(ptr, n, h->hub, sizeof h->hub);
	return n;
}

static int on_xfer(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	struct yg_taxii_client *c = ud;
	return c->cancel ? c->cancel(c->ud) : 0;
}

void yg_taxii_client_free(struct yg_taxii_client *c)
{
	if (!c)
		return;
	if (c->h)
		curl_easy_cleanup(c->h);
	yg_taxii_cred_release(&c->cred);
	for (size_t i = 0; i < c->n_only; i++)
		free(c->only[i]);
	free(c->url);
	free(c);
}

int yg_taxii_client_new(const struct yg_taxii_client_config *cfg, struct yg_taxii_client **ret)
{
	if (!cfg->url || !cfg->cred || cfg->n_only > YG_TAXII_ONLY_MAX)
		return -EINVAL;
	size_t ul = strlen(cfg->url);
	while (ul && cfg->url[ul - 1] == '/')
		ul--;
	if (ul == 0 || ul > YG_TAXII_URL_MAX - 64)
		return -EINVAL;
	struct yg_taxii_client *c = calloc(1, sizeof *c);
	if (!c)
		return -ENOMEM;
	int r = -ENOMEM;
	c->url = strndup(cfg->url, ul);
	if (!c->url || yg_taxii_cred_copy(cfg->cred, &c->cred) < 0)
		goto fail;
	for (; c->n_only < cfg->n_only; c->n_only++) {
		c->only[c->n_only] = strdup(cfg->only[c->n_only]);
		if (!c->only[c->n_only])
			goto fail;
	}
	c->cancel = cfg->cancel;
	c->ud = cfg->ud;
	c->any_type = cfg->any_type;
	if (cfg->hub_id) {
		size_t hl = strlen(cfg->hub_id);
		r = -EINVAL;
		if (!yg_stix_id_valid(cfg->hub_id, hl, "identity") || hl + 16 >= sizeof c->hub_hdr)
			goto fail;
		snprintf(c->hub_hdr, sizeof c->hub_hdr, "X-Yagura-Hub: %s", cfg->hub_id);
		r = -ENOMEM;
	}
	c->h = curl_easy_init();
	if (!c->h)
		goto fail;
	r = -EIO;
	if (curl_easy_setopt(c->h, CURLOPT_NOSIGNAL, 1L) ||
	    curl_easy_setopt(c->h, CURLOPT_PROTOCOLS_STR, "http,https") ||
	    curl_easy_setopt(c->h, CURLOPT_CONNECTTIMEOUT_MS, 3000L) ||
	    curl_easy_setopt(c->h, CURLOPT_TIMEOUT_MS, 30000L) ||
	    curl_easy_setopt(c->h, CURLOPT_NOPROGRESS, 0L) ||
	    curl_easy_setopt(c->h, CURLOPT_XFERINFOFUNCTION, on_xfer) ||
	    curl_easy_setopt(c->h, CURLOPT_XFERINFODATA, c) ||
	    curl_easy_setopt(c->h, CURLOPT_WRITEFUNCTION, yg_curlbody_write) ||
	    curl_easy_setopt(c->h, CURLOPT_HEADERFUNCTION, on_header) ||
	    yg_taxii_cred_apply(&c->cred, c->h) < 0)
		goto fail;
	*ret = c;
	return 0;
fail:
	yg_taxii_client_free(c);
	return r;
}

const char *yg_taxii_client_root(const struct yg_taxii_client *c)
{
	return c->root;
}

static int say(struct yg_taxii_round *io, int r, const char *msg)
{
	snprintf(io->err, sizeof io->err, "%s", msg);
	return r;
}

/* One GET (or, with body, a POST of it) with the TAXII media type into
 * b. 0 with the status in *ret_status (any status: the caller decides), or
 * <0 when there was no answer. */
static int request(struct yg_taxii_client *c, struct yg_taxii_round *io, const char *url,
		   const char *body, size_t body_len, struct yg_curlbody *b, struct hdr *hdr,
		   long *ret_status)
{
	char err[CURL_ERROR_SIZE] = "";
	struct curl_slist *h = NULL, *h2;
	if (yg_taxii_cred_headers(&c->cred, &h) < 0)
		return say(io, -ENOMEM, "out of memory");
	h2 = curl_slist_append(h, "Accept: " TAXII_MEDIA);
	if (h2 && c->hub_hdr[0]) {
		h = h2;
		h2 = curl_slist_append(h, c->hub_hdr);
	}
	if (h2 && body) {
		h = h2;
		h2 = curl_slist_append(h, "Content-Type: " TAXII_MEDIA);
	}
	if (!h2) {
		curl_slist_free_all(h);
		return say(io, -ENOMEM, "out of memory");
	}
	yg_curlbody_release(b);
	*hdr = (struct hdr){""};
	if (body) {
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, body);
	} else {
		curl_easy_setopt(c->h, CURLOPT_HTTPGET, 1L);
	}
	curl_easy_setopt(c->h, CURLOPT_URL, url);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, h2);
	curl_easy_setopt(c->h, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c->h, CURLOPT_HEADERDATA, (void *)hdr);
	curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, err);
	io->requests++;
	CURLcode cr = curl_easy_perform(c->h);
	long status = 0;
	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(c->h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(c->h, CURLOPT_ERRORBUFFER, NULL); /* err dies with this frame */
	if (body)
		curl_easy_setopt(c->h, CURLOPT_POSTFIELDS, NULL); /* body is the caller's */
	curl_slist_free_all(h2);
	if (hdr->hub[0])
		memcpy(c->server_hub, hdr->hub, sizeof c->server_hub);
	if (cr == CURLE_ABORTED_BY_CALLBACK)
		return say(io, -ECANCELED, "stopped");
	if (cr != CURLE_OK) {
		snprintf(io->err, sizeof io->err, "%s",
			 b->too_big ? "answer larger than accepted" : (err[0] ? err : curl_easy_strerror(cr)));
		return -EIO;
	}
	*ret_status = status;
	return 0;
}

static int get(struct yg_taxii_client *c, struct yg_taxii_round *io, const char *url,
	       struct yg_curlbody *b, struct hdr *hdr, long *ret_status)
{
	return request(c, io, url, NULL, 0, b, hdr, ret_status);
}

/* The part of url after the client's base, for messages (never a secret:
 * credentials are never in URLs). */
static const char *shown(const struct yg_taxii_client *c, const char *url)
{
	size_t n = strlen(c->url);
	return strncmp(url, c->url, n) ? url : url + n;
}

static int http_error(struct yg_taxii_client *c, struct yg_taxii_round *io, const char *url,
		      long status)
{
	io->status = status;
	curl_off_t after = 0;
	if (curl_easy_getinfo(c->h, CURLINFO_RETRY_AFTER, &after) == CURLE_OK && after > 0)
		io->retry_after_s = after > 86400 ? 86400 : (long)after;
	snprintf(io->err, sizeof io->err, "%s answered %ld%s", shown(c, url), status,
		 status == 401 || status == 403 ? ": the credentials are not accepted" : "");
	return -EIO;
}

/* Whether a 200 answer to {url}/ is an API root information resource. */
static bool is_api_root(const struct yg_curlbody *b)
{
	json_t *j = json_loadb(b->p ? b->p : "", b->len, 0, NULL);
	bool ok = json_is_object(j) && json_is_array(json_object_get(j, "versions"));
	json_decref(j);
	return ok;
}

static int discover(struct yg_taxii_client *c, struct yg_taxii_round *io, struct yg_curlbody *b)
{
	char url[YG_TAXII_URL_MAX + 16], perr[256] = "";
	struct hdr hdr;
	long st = 0;
	snprintf(url, sizeof url, "%s/taxii2/", c->url);
	int r = get(c, io, url, b, &hdr, &st);
	if (r < 0)
		return r;
	if (st == 404) {
		/* Given the discovery URL or an API root itself. */
		snprintf(url, sizeof url, "%s/", c->url);
		r = get(c, io, url, b, &hdr, &st);
		if (r < 0)
			return r;
		size_t ul = strlen(url);
		if (st == 200 && is_api_root(b) && ul < sizeof c->root) {
			memcpy(c->root, url, ul + 1);
			return 0;
		}
		if (st == 200 && yg_taxii_parse_discovery((const uint8_t *)(b->p ? b->p : ""), b->len,
							  c->url, c->root, sizeof c->root, perr,
							  sizeof perr) == 0)
			return 0;
		if (st == 404 || st == 200) {
			c->root[0] = '\0';
			return say(io, -ENOENT, "no TAXII 2.1 service here (404)");
		}
	}
	if (st != 200)
		return http_error(c, io, url, st);
	r = yg_taxii_parse_discovery((const uint8_t *)(b->p ? b->p : ""), b->len, c->url, c->root,
				     sizeof c->root, perr, sizeof perr);
	if (r < 0) {
		c->root[0] = '\0';
		snprintf(io->err, sizeof io->err, "%s", perr);
	}
	return r;
}

static bool chosen(const struct yg_taxii_client *c, const struct yg_taxii_collections *cl,
		   size_t i)
{
	if (!c->n_only)
		return true;
	for (size_t k = 0; k < c->n_only; k++)
		if (!strcmp(c->only[k], cl->id[i]) ||
		    (cl->alias[i][0] && !strcmp(c->only[k], cl->alias[i])) ||
		    (cl->title[i][0] && !strcmp(c->only[k], cl->title[i])))
			return true;
	return false;
}

/* Every page of one collection added after its cursor. */
static int collection(struct yg_taxii_client *c, struct yg_taxii_round *io, struct cursor *cur,
		      struct yg_curlbody *b,
		      void (*on_object)(void *ud, const struct yg_taxii_object *o), void *ud)
{
	char url[URL_MAX], next[YG_TAXII_NEXT_MAX] = "", perr[256] = "";
	char after[YG_TAXII_TIME_MAX];
	snprintf(after, sizeof after, "%s", cur->last);
	for (unsigned page = 0; page < PAGES_MAX; page++) {
		struct hdr hdr;
		long st = 0;
		/* Timestamps and next tokens passed the parser's URL-safe
		 * check; only '+' would need escaping, and they have none. */
		snprintf(url, sizeof url, "%scollections/%s/objects/?%s%s%s%s%s", c->root, cur->id,
			 c->any_type ? "match%5Bversion%5D=all" : "match%5Btype%5D=indicator",
			 after[0] ? "&added_after=" : "", after, next[0] ? "&next=" : "", next);
		int r = get(c, io, url, b, &hdr, &st);
		if (r < 0)
			return r;
		if (st == 404) {
			/* Gone since the list was read: the next round lists again. */
			io->status = st;
			snprintf(io->err, sizeof io->err, "collection %s is gone (404)", cur->id);
			return -EIO;
		}
		if (st != 200)
			return http_error(c, io, url, st);
		struct yg_taxii_envelope env = {0};
		const uint8_t *body = (const uint8_t *)(b->p ? b->p : "");
		if (c->any_type)
			r = yg_taxii_envelope_parse_any(body, b->len, &env, perr, sizeof perr);
		else
			r = yg_taxii_envelope_parse(body, b->len, &env, perr, sizeof perr);
		if (r < 0) {
			snprintf(io->err, sizeof io->err, "%s", perr);
			return r;
		}
		for (size_t i = 0; i < env.n; i++)
			on_object(ud, &env.v[i]);
		io->objects += env.n;
		bool more = env.more;
		bool progress = hdr.added_last[0] &&
				(!cur->last[0] || yg_taxii_time_cmp(hdr.added_last, cur->last) > 0);
		if (progress)
			snprintf(cur->last, sizeof cur->last, "%s", hdr.added_last);
		if (more && env.next[0] && strcmp(env.next, next)) {
			snprintf(next, sizeof next, "%s", env.next);
		} else if (more && progress && !env.next[0]) {
			snprintf(after, sizeof after, "%s", cur->last);
		} else if (more) {
			yg_taxii_envelope_release(&env);
			return say(io, -EBADMSG,
				   "more:true without a new next or X-TAXII-Date-Added-Last");
		}
		yg_taxii_envelope_release(&env);
		if (!more)
			return 0;
	}
	return 0;
}

int yg_taxii_client_round(struct yg_taxii_client *c, struct yg_taxii_round *io,
			  void (*on_object)(void *ud, const struct yg_taxii_object *o), void *ud)
{
	char url[YG_TAXII_URL_MAX + 32], perr[256] = "";
	struct yg_curlbody b = {.limit = PAGE_MAX_BYTES};
	struct yg_taxii_collections *cl = NULL;
	struct hdr hdr;
	long st = 0;
	int r;
	io->collections = io->objects = 0;
	io->requests = 0;
	io->status = 0;
	io->retry_after_s = 0;
	io->err[0] = '\0';
	if (!c->root[0]) {
		r = discover(c, io, &b);
		if (r < 0)
			goto out;
	}
	snprintf(url, sizeof url, "%scollections/", c->root);
	r = get(c, io, url, &b, &hdr, &st);
	if (r < 0)
		goto out;
	if (st == 404) {
		/* The root moved or went: discover again next round. */
		c->root[0] = '\0';
		r = say(io, -ENOENT, "no collections at the API root (404)");
		goto out;
	}
	if (st != 200) {
		r = http_error(c, io, url, st);
		goto out;
	}
	cl = malloc(sizeof *cl);
	if (!cl) {
		r = say(io, -ENOMEM, "out of memory");
		goto out;
	}
	r = yg_taxii_parse_collections((const uint8_t *)(b.p ? b.p : ""), b.len, cl, perr,
				       sizeof perr);
	if (r < 0) {
		snprintf(io->err, sizeof io->err, "%s", perr);
		goto out;
	}
	/* Cursors follow their collection; a new one starts from nothing. */
	/* Zeroed whole though only keep[0..nk) is copied: cppcheck cannot
	 * follow the loop that writes exactly those. */
	struct cursor keep[YG_TAXII_COLLECTIONS_MAX] = {0};
	size_t nk = 0;
	for (size_t i = 0; i < cl->n; i++) {
		if (!chosen(c, cl, i))
			continue;
		snprintf(keep[nk].id, sizeof keep[nk].id, "%s", cl->id[i]);
		keep[nk].last[0] = '\0';
		for (size_t j = 0; !io->full && j < c->n_cur; j++)
			if (!strcmp(c->cur[j].id, cl->id[i]))
				memcpy(keep[nk].last, c->cur[j].last, sizeof keep[nk].last);
		nk++;
	}
	memcpy(c->cur, keep, nk * sizeof keep[0]);
	c->n_cur = nk;
	io->collections = nk;
	for (size_t i = 0; i < c->n_cur; i++) {
		r = collection(c, io, &c->cur[i], &b, on_object, ud);
		if (r < 0)
			break;
	}
out:
	if (r < 0 && io->full)
		for (size_t i = 0; i < c->n_cur; i++)
			c->cur[i].last[0] = '\0';
	free(cl);
	yg_curlbody_release(&b);
	return r;
}

const char *yg_taxii_client_server_hub(const struct yg_taxii_client *c)
{
	return c->server_hub;
}

void yg_taxii_client_cursors(const struct yg_taxii_client *c,
			     void (*fn)(void *ud, const char *id, const char *last), void *ud)
{
	for (size_t i = 0; i < c->n_cur; i++)
		fn(ud, c->cur[i].id, c->cur[i].last);
}

/* What the collections parser lets through as an id: unreserved URL
 * characters only (RFC 3986 2.3), so it goes into a path unescaped. */
static bool id_url_safe(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n >= YG_TAXII_COLL_ID_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || strchr("-._~", s[i])))
			return false;
	return true;
}

int yg_taxii_client_set_cursor(struct yg_taxii_client *c, const char *id, const char *last)
{
	if (!id_url_safe(id) || strlen(last) >= YG_TAXII_TIME_MAX ||
	    (last[0] && !yg_taxii_time_ok(last)))
		return -EINVAL;
	size_t i = 0;
	while (i < c->n_cur && strcmp(c->cur[i].id, id))
		i++;
	if (i == c->n_cur) {
		if (c->n_cur == YG_TAXII_COLLECTIONS_MAX)
			return -E2BIG;
		c->n_cur++;
	}
	snprintf(c->cur[i].id, sizeof c->cur[i].id, "%s", id);
	snprintf(c->cur[i].last, sizeof c->cur[i].last, "%s", last);
	return 0;
}

/* The id of the readable collection named name (id, alias or title). */
static int find_collection(struct yg_taxii_client *c, struct yg_taxii_round *io, const char *name,
			   struct yg_curlbody *b)
{
	char url[YG_TAXII_URL_MAX + 32], perr[256] = "";
	struct hdr hdr;
	long st = 0;
	int r;
	if (!c->root[0]) {
		r = discover(c, io, b);
		if (r < 0)
			return r;
	}
	snprintf(url, sizeof url, "%scollections/", c->root);
	r = get(c, io, url, b, &hdr, &st);
	if (r < 0)
		return r;
	if (st == 404) {
		c->root[0] = '\0';
		return say(io, -ENOENT, "no collections at the API root (404)");
	}
	if (st != 200)
		return http_error(c, io, url, st);
	struct yg_taxii_collections *cl = malloc(sizeof *cl);
	if (!cl)
		return say(io, -ENOMEM, "out of memory");
	r = yg_taxii_parse_collections((const uint8_t *)(b->p ? b->p : ""), b->len, cl, perr,
				       sizeof perr);
	if (r < 0) {
		snprintf(io->err, sizeof io->err, "%s", perr);
		goto out;
	}
	r = say(io, -ENOENT, "no such collection to post to");
	for (size_t i = 0; i < cl->n; i++)
		if (!strcmp(name, cl->id[i]) || (cl->alias[i][0] && !strcmp(name, cl->alias[i])) ||
		    (cl->title[i][0] && !strcmp(name, cl->title[i]))) {
			snprintf(c->post_id, sizeof c->post_id, "%s", cl->id[i]);
			snprintf(c->post_name, sizeof c->post_name, "%s", name);
			io->err[0] = '\0';
			r = 0;
			break;
		}
out:
	free(cl);
	return r;
}

int yg_taxii_client_post(struct yg_taxii_client *c, const char *collection, const char *body,
			 size_t len, struct yg_taxii_post *io)
{
	struct yg_taxii_round rio = {0};
	struct yg_curlbody b = {.limit = 16u << 20};
	char url[URL_MAX], perr[256] = "";
	struct hdr hdr;
	long st = 0;
	int r = 0;
	memset(io, 0, sizeof *io);
	if (strlen(collection) >= sizeof c->post_name) {
		r = say(&rio, -EINVAL, "collection name too long");
		goto out;
	}
	if (!c->root[0] || !c->post_id[0] || strcmp(c->post_name, collection)) {
		r = find_collection(c, &rio, collection, &b);
		if (r < 0)
			goto out;
	}
	snprintf(url, sizeof url, "%scollections/%s/objects/", c->root, c->post_id);
	r = request(c, &rio, url, body, len, &b, &hdr, &st);
	if (r < 0)
		goto out;
	io->status = st;
	if (st == 404) {
		/* Gone or moved: find it again next time. */
		c->post_id[0] = '\0';
		c->root[0] = '\0';
	}
	if (st != 200 && st != 202) {
		r = http_error(c, &rio, url, st);
		goto out;
	}
	r = yg_taxii_parse_status((const uint8_t *)(b.p ? b.p : ""), b.len, &io->st, perr,
				  sizeof perr);
	if (r < 0)
		snprintf(rio.err, sizeof rio.err, "%s", perr);
out:
	io->requests = rio.requests;
	if (rio.retry_after_s)
		io->retry_after_s = rio.retry_after_s;
	if (!io->status)
		io->status = rio.status;
	memcpy(io->err, rio.err, sizeof io->err);
	yg_curlbody_release(&b);
	return r;
}

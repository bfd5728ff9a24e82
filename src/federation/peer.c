/*
 * Peer configuration documents (see peer.h). Strings are copied into fixed
 * fields only after their length and characters are checked.
 */
#include "federation/peer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>

#include "common/names.h"

static const char *const tlp_words[] = {
    [YG_TLP_CLEAR] = "clear",
    [YG_TLP_GREEN] = "green",
    [YG_TLP_AMBER] = "amber",
};

int yg_fed_tlp_parse(const char *s, enum yg_tlp *ret)
{
	for (unsigned i = 0; s && i <= YG_TLP_AMBER; i++)
		if (!strcmp(s, tlp_words[i])) {
			*ret = (enum yg_tlp)i;
			return 0;
		}
	return -EINVAL;
}

const char *yg_fed_tlp_word(enum yg_tlp t)
{
	return (unsigned)t <= YG_TLP_AMBER ? tlp_words[t] : "?";
}

static int bad(char *err, size_t errlen, const char *peer, const char *field, const char *why)
{
	snprintf(err, errlen, "peer %.64s: %s: %s", peer && peer[0] ? peer : "?", field, why);
	return -EBADMSG;
}

int yg_fed_peer_check(const struct yg_fed_peer *p, char *err, size_t errlen)
{
	if (!yg_label_ok(p->name, YG_FED_NAME_MAX))
		return bad(err, errlen, NULL, "name", "must be 1..64 of [A-Za-z0-9._-]");
	if (!yg_printable_ok(p->url, YG_TAXII_URL_MAX - 64, false) ||
	    (strncmp(p->url, "http://", 7) && strncmp(p->url, "https://", 8)))
		return bad(err, errlen, p->name, "url", "must be an http:// or https:// URL");
	size_t tl = strnlen(p->token, sizeof p->token);
	if (tl == 0 || tl > YG_TAXII_SECRET_MAX)
		return bad(err, errlen, p->name, "token", "missing or too long");
	for (size_t i = 0; i < tl; i++)
		if ((unsigned char)p->token[i] < 0x20 || p->token[i] == 0x7f)
			return bad(err, errlen, p->name, "token", "holds a control character");
	if (p->n_pull > YG_TAXII_ONLY_MAX)
		return bad(err, errlen, p->name, "pull", "more than 16 collections");
	for (size_t i = 0; i < p->n_pull; i++)
		if (!yg_printable_ok(p->pull[i], YG_TAXII_TITLE_MAX - 1, false))
			return bad(err, errlen, p->name, "pull",
			           "a collection name is not short printable text");
	if (p->n_push > YG_TAXII_ONLY_MAX)
		return bad(err, errlen, p->name, "push", "more than 16 collections");
	for (size_t i = 0; i < p->n_push; i++) {
		const char *eq = strchr(p->push[i], '=');
		if (!yg_printable_ok(p->push[i], YG_TAXII_TITLE_MAX - 1, false) || eq == p->push[i] ||
		    (eq && !eq[1]))
			return bad(err, errlen, p->name, "push",
			           "an entry is not LOCAL or LOCAL=REMOTE of short printable text");
	}
	if (p->tlp_max > YG_TLP_AMBER)
		return bad(err, errlen, p->name, "tlp_max", "must be clear, green or amber");
	size_t sn = strnlen(p->share_as, sizeof p->share_as);
	if (sn == 0 || sn > YG_STORE_NAME_MAX)
		return bad(err, errlen, p->name, "share_as", "must name an organization");
	return 0;
}

/* Copies a string member into a field of size cap; false when it is not a
 * string or does not fit. */
static bool take(const json_t *o, const char *key, char *dst, size_t cap, bool required)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return !required && (dst[0] = '\0', true);
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	if (!s || n >= cap || strlen(s) != n)
		return false;
	memcpy(dst, s, n + 1);
	return true;
}

static int parse_one(const json_t *o, struct yg_fed_peer *p, char *err, size_t errlen)
{
	if (!json_is_object(o))
		return bad(err, errlen, NULL, "entry", "not an object");
	if (!take(o, "name", p->name, sizeof p->name, true))
		return bad(err, errlen, NULL, "name", "missing or too long");
	if (!take(o, "url", p->url, sizeof p->url, true))
		return bad(err, errlen, p->name, "url", "missing or too long");
	if (!take(o, "token", p->token, sizeof p->token, true))
		return bad(err, errlen, p->name, "token", "missing or too long");
	const json_t *push = json_object_get(o, "push");
	size_t i;
	const json_t *v;
	p->n_push = 0;
	if (json_is_string(push) && json_string_length(push)) {
		/* The form before lists: the peer's collection our default one
		 * goes to. */
		const char *s = json_string_value(push);
		size_t n = json_string_length(push);
		if (strlen(s) != n || n + 8 >= sizeof p->push[0])
			return bad(err, errlen, p->name, "push", "not text or too long");
		snprintf(p->push[p->n_push++], sizeof p->push[0], "default=%s", s);
	} else if (push && !json_is_string(push)) {
		if (!json_is_array(push) || json_array_size(push) > YG_TAXII_ONLY_MAX)
			return bad(err, errlen, p->name, "push", "not a list of at most 16 names");
		json_array_foreach(push, i, v)
		{
			const char *s = json_string_value(v);
			if (!s || json_string_length(v) >= YG_TAXII_TITLE_MAX ||
			    strlen(s) != json_string_length(v))
				return bad(err, errlen, p->name, "push", "a name is not short text");
			memcpy(p->push[p->n_push++], s, strlen(s) + 1);
		}
	}
	if (!take(o, "share_as", p->share_as, sizeof p->share_as, false))
		return bad(err, errlen, p->name, "share_as", "not text or too long");
	if (!p->share_as[0])
		memcpy(p->share_as, p->name, strlen(p->name) + 1);
	char word[16];
	if (!take(o, "tlp_max", word, sizeof word, false))
		return bad(err, errlen, p->name, "tlp_max", "not text");
	p->tlp_max = YG_TLP_GREEN;
	if (word[0] && yg_fed_tlp_parse(word, &p->tlp_max) < 0)
		return bad(err, errlen, p->name, "tlp_max", "must be clear, green or amber");
	const json_t *pull = json_object_get(o, "pull");
	if (pull && (!json_is_array(pull) || json_array_size(pull) > YG_TAXII_ONLY_MAX))
		return bad(err, errlen, p->name, "pull", "not a list of at most 16 names");
	p->n_pull = 0;
	json_array_foreach(pull, i, v)
	{
		const char *s = json_string_value(v);
		if (!s || json_string_length(v) >= YG_TAXII_TITLE_MAX ||
		    strlen(s) != json_string_length(v))
			return bad(err, errlen, p->name, "pull", "a name is not short text");
		memcpy(p->pull[p->n_pull++], s, strlen(s) + 1);
	}
	return yg_fed_peer_check(p, err, errlen);
}

int yg_fed_peers_parse(const char *text, size_t len, struct yg_fed_peers **ret, char *err,
                       size_t errlen)
{
	if (len > YG_FED_CONFIG_MAX) {
		snprintf(err, errlen, "federation configuration larger than 256 KiB");
		return -E2BIG;
	}
	json_error_t je;
	json_t *root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		snprintf(err, errlen, "federation configuration: not JSON: %s (line %d)", je.text,
		         je.line);
		return -EBADMSG;
	}
	int r = -ENOMEM;
	struct yg_fed_peers *p = calloc(1, sizeof *p);
	if (!p)
		goto out;
	const json_t *arr = json_object_get(root, "peers");
	if (!json_is_object(root) || !json_is_array(arr)) {
		r = -EBADMSG;
		snprintf(err, errlen, "federation configuration: no \"peers\" list");
		goto out;
	}
	if (json_array_size(arr) > YG_FED_PEERS_MAX) {
		r = -E2BIG;
		snprintf(err, errlen, "federation configuration: more than %d peers",
		         YG_FED_PEERS_MAX);
		goto out;
	}
	size_t i;
	const json_t *o;
	json_array_foreach(arr, i, o)
	{
		r = parse_one(o, &p->v[p->n], err, errlen);
		if (r < 0)
			goto out;
		for (size_t k = 0; k < p->n; k++)
			if (!strcmp(p->v[k].name, p->v[p->n].name)) {
				r = bad(err, errlen, p->v[k].name, "name", "given twice");
				goto out;
			}
		p->n++;
	}
	*ret = p;
	p = NULL;
	r = 0;
out:
	yg_fed_peers_free(p);
	json_decref(root);
	return r;
}

char *yg_fed_peers_dump(const struct yg_fed_peers *p)
{
	json_t *arr = json_array(), *root = json_pack("{s:o}", "peers", arr);
	char *s = NULL;
	if (!root)
		return NULL;
	for (size_t i = 0; i < p->n; i++) {
		const struct yg_fed_peer *e = &p->v[i];
		json_t *pull = json_array(), *push = json_array();
		for (size_t k = 0; pull && k < e->n_pull; k++)
			json_array_append_new(pull, json_string(e->pull[k]));
		for (size_t k = 0; push && k < e->n_push; k++)
			json_array_append_new(push, json_string(e->push[k]));
		json_t *o =
		    json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:s}", "name", e->name, "url", e->url,
		              "token", e->token, "pull", pull, "push", push, "tlp_max",
		              yg_fed_tlp_word(e->tlp_max), "share_as", e->share_as);
		if (!o || json_array_append_new(arr, o) < 0)
			goto out;
	}
	s = json_dumps(root, JSON_COMPACT);
out:
	/* The token strings inside root are jansson's copies: cleanse them. */
	for (size_t i = 0; i < json_array_size(arr); i++) {
		json_t *t = json_object_get(json_array_get(arr, i), "token");
		if (json_is_string(t))
			OPENSSL_cleanse((void *)json_string_value(t), json_string_length(t));
	}
	json_decref(root);
	return s;
}

int yg_fed_peers_load(struct yg_store *st, struct yg_fed_peers **ret, char *err, size_t errlen)
{
	char *text = NULL;
	int r = st->ops->setting_get(st, YG_FED_SETTING, &text);
	if (r == -ENOENT) {
		struct yg_fed_peers *p = calloc(1, sizeof *p);
		if (!p)
			return -ENOMEM;
		*ret = p;
		return 0;
	}
	if (r < 0) {
		snprintf(err, errlen, "federation configuration: store error");
		return r;
	}
	r = yg_fed_peers_parse(text, strlen(text), ret, err, errlen);
	yg_taxii_secret_free(text);
	return r;
}

int yg_fed_peers_save(struct yg_store *st, const struct yg_fed_peers *p)
{
	char *s = yg_fed_peers_dump(p);
	if (!s)
		return -ENOMEM;
	int r = st->ops->setting_set(st, YG_FED_SETTING, s);
	yg_taxii_secret_free(s);
	return r;
}

struct yg_fed_peer *yg_fed_peers_find(struct yg_fed_peers *p, const char *name)
{
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->v[i].name, name))
			return &p->v[i];
	return NULL;
}

void yg_fed_peers_free(struct yg_fed_peers *p)
{
	if (!p)
		return;
	OPENSSL_cleanse(p, sizeof *p);
	free(p);
}

bool yg_fed_peer_same(const struct yg_fed_peer *a, const struct yg_fed_peer *b)
{
	if (strcmp(a->name, b->name) || strcmp(a->url, b->url) || strcmp(a->token, b->token) ||
	    a->n_push != b->n_push || a->tlp_max != b->tlp_max ||
	    strcmp(a->share_as, b->share_as) || a->n_pull != b->n_pull)
		return false;
	for (size_t i = 0; i < a->n_pull; i++)
		if (strcmp(a->pull[i], b->pull[i]))
			return false;
	for (size_t i = 0; i < a->n_push; i++)
		if (strcmp(a->push[i], b->push[i]))
			return false;
	return true;
}

void yg_fed_push_split(const struct yg_fed_peer *p, size_t i, char local[YG_TAXII_TITLE_MAX],
                       char remote[YG_TAXII_TITLE_MAX])
{
	const char *s = p->push[i], *eq = strchr(s, '=');
	size_t n = eq ? (size_t)(eq - s) : strlen(s);
	if (n >= YG_TAXII_TITLE_MAX)
		n = YG_TAXII_TITLE_MAX - 1;
	memcpy(local, s, n);
	local[n] = '\0';
	snprintf(remote, YG_TAXII_TITLE_MAX, "%s", eq ? eq + 1 : local);
}

int yg_fed_policy_for(struct yg_store *st, int64_t org, struct yg_fed_policy *ret)
{
	struct yg_fed_peers *p = NULL;
	char err[256];
	int r = yg_fed_peers_load(st, &p, err, sizeof err);
	if (r < 0)
		return r;
	struct yg_fed_policy pol = {.tlp_max = YG_TLP_GREEN};
	pol.peer_orgs[pol.n_peer_orgs++] = org;
	for (size_t i = 0; i < p->n; i++) {
		struct yg_org o;
		r = st->ops->org_find(st, p->v[i].share_as, &o);
		if (r == -ENOENT)
			continue;
		if (r < 0)
			goto out;
		if (o.id == org)
			pol.tlp_max = p->v[i].tlp_max;
		else
			pol.peer_orgs[pol.n_peer_orgs++] = o.id;
	}
	r = 0;
	*ret = pol;
out:
	yg_fed_peers_free(p);
	return r;
}

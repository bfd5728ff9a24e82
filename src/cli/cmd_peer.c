/*
 * yagura hub admin --data DIR peer ...: the hubs this hub federates with
 * (src/federation/peer.h), straight in the store; a running hub picks a
 * change up within a round.
 *
 *   peer add NAME --url URL --token-file F [--pull COLLECTIONS|none]
 *            [--push COLLECTIONS|none] [--tlp-max clear|green|amber]
 *            [--share-as ORG]
 *   peer list        one line per peer: name, url, pull, push, tlp_max, share_as
 *   peer remove NAME
 *
 * --pull names the peer's collections to follow (comma-separated ids,
 * aliases or titles; "default" unless given), --push our collections whose
 * new objects are posted to the peer (comma-separated LOCAL or
 * LOCAL=REMOTE: our collection LOCAL, by id or title, to the peer's
 * collection REMOTE, the same name unless given; "default" unless given);
 * "none" turns a direction off. --share-as is the organization here that stands for the
 * peer (NAME unless given; created, sector "federation", when missing):
 * what the peer sends is stored as its, AMBER goes to the peer only when
 * it names that organization. The token file is read once (its first
 * line, at most 4 KiB) and the token kept in the store; it is never printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "cli/commands.h"
#include "federation/peer.h"
#include "federation/sight.h"
#include "hub/hub.h"

static const char *const usage_text =
    "usage: yagura hub admin --data DIR peer add NAME --url URL --token-file F\n"
    "                        [--pull COLLECTIONS|none] [--push LOCAL[=REMOTE],...|none]\n"
    "                        [--tlp-max clear|green|amber] [--share-as ORG]\n"
    "       yagura hub admin --data DIR peer list | remove NAME\n";

/* Splits a comma-separated list into list (pull or push entries). */
static int split_list(const char *v, char (*list)[YG_TAXII_TITLE_MAX], size_t max,
                      size_t *ret_n)
{
	size_t k = 0;
	if (!strcmp(v, "none")) {
		*ret_n = 0;
		return 0;
	}
	const char *s = v;
	while (*s) {
		const char *c = strchr(s, ',');
		size_t n = c ? (size_t)(c - s) : strlen(s);
		if (n == 0 || n >= YG_TAXII_TITLE_MAX || k == max)
			return -EINVAL;
		memcpy(list[k], s, n);
		list[k++][n] = '\0';
		s += n + (c ? 1 : 0);
	}
	*ret_n = k;
	return 0;
}

static int add_cmd(struct yg_store *st, int argc, char **argv)
{
	struct yg_fed_peers *all = NULL;
	struct yg_fed_peer *p = calloc(1, sizeof *p);
	char err[512];
	const char *token_file = NULL;
	int rc = 2;
	if (!p)
		return 1;
	snprintf(p->name, sizeof p->name, "%s", argv[2]);
	snprintf(p->push[0], sizeof p->push[0], "default");
	p->n_push = 1;
	snprintf(p->pull[0], sizeof p->pull[0], "default");
	p->n_pull = 1;
	p->tlp_max = YG_TLP_GREEN;
	for (int i = 3; i < argc; i += 2) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int bad = !v;
		if (bad)
			;
		else if (!strcmp(o, "--url"))
			bad = snprintf(p->url, sizeof p->url, "%s", v) >= (int)sizeof p->url;
		else if (!strcmp(o, "--token-file"))
			token_file = v;
		else if (!strcmp(o, "--pull"))
			bad = split_list(v, p->pull, YG_TAXII_ONLY_MAX, &p->n_pull) < 0;
		else if (!strcmp(o, "--push"))
			bad = split_list(v, p->push, YG_TAXII_ONLY_MAX, &p->n_push) < 0;
		else if (!strcmp(o, "--tlp-max"))
			bad = yg_fed_tlp_parse(v, &p->tlp_max) < 0;
		else if (!strcmp(o, "--share-as"))
			bad = snprintf(p->share_as, sizeof p->share_as, "%s", v) >=
			      (int)sizeof p->share_as;
		else
			bad = 1;
		if (bad) {
			fprintf(stderr, "yagura hub admin: peer add: bad option %s\n%s", o,
			        usage_text);
			goto out;
		}
	}
	if (!p->share_as[0])
		snprintf(p->share_as, sizeof p->share_as, "%s", p->name);
	if (!token_file || !p->url[0]) {
		fprintf(stderr,
		        "yagura hub admin: peer add: --url and --token-file are required\n%s",
		        usage_text);
		goto out;
	}
	char *tok = NULL;
	int r = yg_taxii_secret_read(token_file, &tok);
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: peer add: token file %s: %s\n", token_file,
		        r == -EINVAL  ? "empty or not one line of text"
		        : r == -E2BIG ? "longer than 4 KiB"
		                      : strerror(-r));
		rc = 1;
		goto out;
	}
	snprintf(p->token, sizeof p->token, "%s", tok);
	yg_taxii_secret_free(tok);
	if (yg_fed_peer_check(p, err, sizeof err) < 0) {
		fprintf(stderr, "yagura hub admin: %s\n", err);
		goto out;
	}
	rc = 1;
	r = yg_fed_peers_load(st, &all, err, sizeof err);
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: %s\n", err);
		goto out;
	}
	if (yg_fed_peers_find(all, p->name)) {
		fprintf(stderr, "yagura hub admin: peer %s exists (peer remove it first)\n",
		        p->name);
		goto out;
	}
	if (all->n == YG_FED_PEERS_MAX) {
		fprintf(stderr, "yagura hub admin: at most %d peers\n", YG_FED_PEERS_MAX);
		goto out;
	}
	struct yg_org org;
	r = st->ops->org_find(st, p->share_as, &org);
	if (r == -ENOENT)
		r = yg_hub_org_add(st, p->share_as, "federation", NULL, &org);
	all->v[all->n++] = *p;
	if (r == 0)
		r = yg_fed_peers_save(st, all);
	if (r == 0)
		r = st->ops->audit(st, 0, "admin", "peer.add", p->name);
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: peer add: %s\n", strerror(-r));
		goto out;
	}
	printf("peer %s added: %s as organization %s, tlp-max %s\n", p->name, p->url, p->share_as,
	       yg_fed_tlp_word(p->tlp_max));
	rc = 0;
out:
	yg_fed_peers_free(all);
	if (p) {
		OPENSSL_cleanse(p->token, sizeof p->token);
		free(p);
	}
	return rc;
}

static int list_cmd(struct yg_store *st)
{
	struct yg_fed_peers *all = NULL;
	char err[512];
	if (yg_fed_peers_load(st, &all, err, sizeof err) < 0) {
		fprintf(stderr, "yagura hub admin: %s\n", err);
		return 1;
	}
	for (size_t i = 0; i < all->n; i++) {
		const struct yg_fed_peer *p = &all->v[i];
		printf("%s\t%s\tpull=", p->name, p->url);
		for (size_t k = 0; k < p->n_pull; k++)
			printf("%s%s", k ? "," : "", p->pull[k]);
		printf("%s\tpush=", p->n_pull ? "" : "none");
		for (size_t k = 0; k < p->n_push; k++)
			printf("%s%s", k ? "," : "", p->push[k]);
		printf("%s\ttlp-max=%s\tshare-as=%s\n", p->n_push ? "" : "none",
		       yg_fed_tlp_word(p->tlp_max), p->share_as);
	}
	yg_fed_peers_free(all);
	return 0;
}

static int remove_cmd(struct yg_store *st, const char *name)
{
	struct yg_fed_peers *all = NULL;
	char err[512];
	int rc = 1;
	if (yg_fed_peers_load(st, &all, err, sizeof err) < 0) {
		fprintf(stderr, "yagura hub admin: %s\n", err);
		return 1;
	}
	struct yg_fed_peer *p = yg_fed_peers_find(all, name);
	if (!p) {
		fprintf(stderr, "yagura hub admin: no peer '%s'\n", name);
		goto out;
	}
	*p = all->v[--all->n];
	if (yg_fed_peers_save(st, all) < 0 ||
	    st->ops->audit(st, 0, "admin", "peer.remove", name) < 0) {
		fprintf(stderr, "yagura hub admin: peer remove: store error\n");
		goto out;
	}
	printf("peer %s removed\n", name);
	rc = 0;
out:
	yg_fed_peers_free(all);
	return rc;
}

int yg_cmd_hub_peer(struct yg_store *st, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list"))
		return list_cmd(st);
	if (argc == 3 && !strcmp(argv[1], "remove"))
		return remove_cmd(st, argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "add"))
		return add_cmd(st, argc, argv);
	fputs(usage_text, stderr);
	return 2;
}

/* org-share-sightings ORG on|off: a member's sightings reach federation
 * peers only in the hub's anonymous per-day counts unless it opts in
 * (federation/sight.h); the change reaches the peers within a round. */
int yg_cmd_hub_share_sightings(struct yg_store *st, int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[2], "on") && strcmp(argv[2], "off"))) {
		fputs("usage: yagura hub admin --data DIR org-share-sightings ORG on|off\n", stderr);
		return 2;
	}
	struct yg_org o;
	int r = st->ops->org_find(st, argv[1], &o);
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: no organization '%s'\n", argv[1]);
		return 1;
	}
	bool on = !strcmp(argv[2], "on");
	r = yg_fed_named_set(st, o.id, on);
	if (r == 0)
		r = st->ops->audit(st, o.id, "admin", "org.share_sightings", argv[2]);
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: org-share-sightings: %s\n",
		        r == -E2BIG ? "too many organizations opted in" : strerror(-r));
		return 1;
	}
	printf("%s: sightings go to peers %s\n", o.name,
	       on ? "with its identity" : "only in the hub's anonymous per-day counts");
	return 0;
}

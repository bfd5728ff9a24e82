/*
 * yagura hub admin: organizations, tokens and sharing groups, straight in
 * the store (works whether or not a hub serves the same DIR: SQLite WAL).
 *
 *   yagura hub admin --data DIR org add NAME --sector SECTOR [--country CC]
 *   yagura hub admin --data DIR org list
 *   yagura hub admin --data DIR token create --org NAME --role ROLE
 *   yagura hub admin --data DIR token revoke TOKEN|ID-PREFIX
 *   yagura hub admin --data DIR token list
 *   yagura hub admin --data DIR group add NAME --org OWNER --members A,B
 *   yagura hub admin --data DIR collection add TITLE [--description D]
 *                    [--read ORGS|*] [--write ORGS|*] [--public]
 *   yagura hub admin --data DIR collection list
 *   yagura hub admin --data DIR org-domains ORG add|del DOMAIN
 *   yagura hub admin --data DIR org-domains ORG list
 *   yagura hub admin --data DIR org-allow-naming ORG on|off
 *   yagura hub admin --data DIR org-share-sightings ORG on|off (cmd_peer.c)
 *   yagura hub admin --data DIR pii-pattern add|del REGEX
 *   yagura hub admin --data DIR pii-pattern list
 *   yagura hub admin --data DIR owner import FILE.csv
 *   yagura hub admin --data DIR owner list
 *   yagura hub admin --data DIR owner secret NAME
 *
 * owner import reads cidr,owner,email,webhook,language lines (README,
 * "Infected hosts"): a bad line is reported with its line number and
 * skipped, the good ones are kept. owner list prints one line per owner:
 * name, member organization or "-", e-mail, webhook, language, networks.
 * owner secret prints the key an owner's webhook receiver checks the
 * X-Yagura-Signature with.
 *
 * Between --data DIR and the command, --store postgresql --pg URL names a
 * hub's PostgreSQL store (cli/store_opts.h).
 *   yagura hub admin --data DIR feed add|list|del|run ... (cmd_feed.c)
 *   yagura hub admin --data DIR peer add|list|remove ... (cmd_peer.c)
 *   yagura hub admin --data DIR cert add|list|revoke ... (cmd_cert.c)
 *
 * ORGS is a comma-separated list of organization names; "*" (the default)
 * is every organization. --public lets clients without a token read the
 * collection's TLP:CLEAR objects. collection list prints one line per
 * collection: id, title, readers, writers, "public" or "members".
 *
 * token create prints the token alone on the last line of stdout; it is
 * never stored or shown again. Every action goes to the audit log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/store_opts.h"
#include "cli/commands.h"
#include "hub/auth.h"
#include "hub/hub.h"
#include "mail/anon.h"
#include "store/store.h"
#include "store/store_hosts.h"
#include "store/store_mail.h"
#include "hub/owners.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: yagura hub admin --data DIR org add NAME --sector SECTOR [--country CC]\n"
		"       yagura hub admin --data DIR org list\n"
		"       yagura hub admin --data DIR token create --org NAME --role "
		"admin|analyst|sensor|reader|peer\n"
		"       yagura hub admin --data DIR token revoke TOKEN|ID-PREFIX\n"
		"       yagura hub admin --data DIR token list\n"
		"       yagura hub admin --data DIR group add NAME --org OWNER --members A,B\n"
		"       yagura hub admin --data DIR collection add TITLE [--description D]\n"
		"                        [--read ORGS|*] [--write ORGS|*] [--public]\n"
		"       yagura hub admin --data DIR collection list\n"
		"       yagura hub admin --data DIR org-domains ORG add|del DOMAIN | list\n"
		"       yagura hub admin --data DIR org-allow-naming ORG on|off\n"
		"       yagura hub admin --data DIR org-share-sightings ORG on|off\n"
		"       yagura hub admin --data DIR pii-pattern add|del REGEX | list\n"
		"       yagura hub admin --data DIR owner import FILE.csv | list | secret NAME\n"
		"       yagura hub admin --data DIR feed add NAME --url URL [--format auto|FMT|taxii]\n"
		"                        [--every 1h] [--tlp clear|green|amber] [--confidence N]\n"
		"                        [--collection C] [--expire-after 7d] [--share-group G]\n"
		"                        [--max-bytes N] [--timeout 60s] [--taxii-collections A,B]\n"
		"                        [--token-file F] [--user U --password-file F]\n"
		"                        [--cert F --key F] [--ca F]\n"
		"       yagura hub admin --data DIR feed list | del NAME | run NAME\n"
		"       yagura hub admin --data DIR peer add NAME --url URL --token-file F\n"
		"                        [--pull COLLECTIONS|none] [--push LOCAL[=REMOTE],...|none]\n"
		"                        [--tlp-max clear|green|amber] [--share-as ORG]\n"
		"       yagura hub admin --data DIR peer list | remove NAME\n"
		"       yagura hub admin --data DIR cert add --org NAME --role ROLE FILE.pem\n"
		"       yagura hub admin --data DIR cert list | revoke FINGERPRINT\n"
		"After --data DIR: [--store postgresql --pg postgresql://...] for a hub on\n"
		"PostgreSQL (the default is the SQLite store DIR/hub.db).\n");
}

/* The organization a command names (by name or identity id); says so on
 * stderr when there is none. */
static int org_arg(struct yg_store *st, const char *name, struct yg_org *ret)
{
	int r = st->ops->org_find(st, name, ret);
	if (r < 0)
		fprintf(stderr, "yagura hub admin: no organization '%s'\n", name);
	return r;
}

/* Finds "--name VALUE" among argv[from..]; NULL when absent. */
static const char *opt(int argc, char **argv, int from, const char *name)
{
	for (int i = from; i + 1 < argc; i++)
		if (!strcmp(argv[i], name))
			return argv[i + 1];
	return NULL;
}

/* Every option given must be one of the allowed ones, with a value. */
static bool opts_ok(int argc, char **argv, int from, const char *const *allowed)
{
	for (int i = from; i < argc; i += 2) {
		bool ok = false;
		for (const char *const *a = allowed; *a; a++)
			ok |= !strcmp(argv[i], *a);
		if (!ok || i + 1 >= argc) {
			fprintf(stderr, "yagura hub admin: unexpected '%s'\n", argv[i]);
			return false;
		}
	}
	return true;
}

static int print_org(void *ud, const struct yg_org *o)
{
	(void)ud;
	printf("%s\t%s\t%s\t%s\n", o->name, o->sector, o->country[0] ? o->country : "-",
	       o->identity_id);
	return 1;
}

static int print_token(void *ud, const struct yg_token *t)
{
	struct yg_store *st = ud;
	struct yg_org o;
	if (st->ops->org_get(st, t->org_id, &o) < 0)
		snprintf(o.name, sizeof o.name, "?");
	printf("%s\t%s\t%s\t%s\n", t->public_id, o.name, yg_role_name(t->role),
	       t->revoked ? "revoked" : "active");
	return 1;
}

static int org_cmd(struct yg_store *st, int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "list") && argc == 2)
		return st->ops->org_list(st, print_org, NULL) < 0 ? 1 : 0;
	static const char *const allowed[] = {"--sector", "--country", NULL};
	if (argc < 3 || strcmp(argv[1], "add") || !opts_ok(argc, argv, 3, allowed)) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[2], *sector = opt(argc, argv, 3, "--sector"),
		   *country = opt(argc, argv, 3, "--country");
	if (!sector) {
		fprintf(stderr, "yagura hub admin: org add needs --sector\n");
		return 2;
	}
	if (country && (strlen(country) != 2 || country[0] < 'A' || country[0] > 'Z' ||
			country[1] < 'A' || country[1] > 'Z')) {
		fprintf(stderr, "yagura hub admin: --country takes two capital letters (ISO 3166)\n");
		return 2;
	}
	struct yg_org o;
	int r = yg_hub_org_add(st, name, sector, country, &o);
	if (r == -EEXIST) {
		fprintf(stderr, "yagura hub admin: organization '%s' exists\n", name);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: cannot add organization: %s\n", strerror(-r));
		return 1;
	}
	st->ops->audit(st, o.id, "cli", "org.add", name);
	printf("organization %s added: %s\n", o.name, o.identity_id);
	return 0;
}

static int token_cmd(struct yg_store *st, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list"))
		return st->ops->token_list(st, print_token, st) < 0 ? 1 : 0;
	if (argc == 3 && !strcmp(argv[1], "revoke")) {
		const char *arg = argv[2];
		uint8_t hash[YG_TOKEN_HASH_LEN];
		bool whole = yg_auth_token_shaped(arg, strlen(arg));
		if (whole && yg_auth_token_hash(arg, strlen(arg), hash) < 0)
			return 1;
		struct yg_token t;
		int r = st->ops->token_revoke(st, whole ? hash : NULL, whole ? NULL : arg, &t);
		if (r == -ENOENT || r == -EINVAL) {
			fprintf(stderr, "yagura hub admin: no such token\n");
			return 1;
		}
		if (r == -EEXIST) {
			fprintf(stderr, "yagura hub admin: '%s' matches several tokens\n", arg);
			return 1;
		}
		if (r < 0) {
			fprintf(stderr, "yagura hub admin: cannot revoke: %s\n", strerror(-r));
			return 1;
		}
		st->ops->audit(st, t.org_id, "cli", "token.revoke", t.public_id);
		printf("token %s revoked\n", t.public_id);
		return 0;
	}
	static const char *const allowed[] = {"--org", "--role", NULL};
	if (argc < 2 || strcmp(argv[1], "create") || !opts_ok(argc, argv, 2, allowed)) {
		usage(stderr);
		return 2;
	}
	const char *org_name = opt(argc, argv, 2, "--org"), *role_name = opt(argc, argv, 2, "--role");
	enum yg_role role;
	if (!org_name || yg_role_parse(role_name, &role) < 0) {
		fprintf(stderr, "yagura hub admin: token create needs --org NAME and --role "
				"admin|analyst|sensor|reader|peer\n");
		return 2;
	}
	struct yg_org o;
	if (org_arg(st, org_name, &o) < 0)
		return 1;
	char token[YG_TOKEN_HEX_LEN + 1], pub[YG_TOKEN_PUBID_LEN + 1];
	uint8_t hash[YG_TOKEN_HASH_LEN];
	int r = yg_auth_token_new(token, hash, pub);
	if (r == 0)
		r = st->ops->token_add(st, hash, pub, o.id, role, NULL);
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: cannot create a token: %s\n", strerror(-r));
		return 1;
	}
	st->ops->audit(st, o.id, "cli", "token.create", pub);
	printf("token %s for %s (%s); shown once, keep it safe:\n%s\n", pub, o.name,
	       yg_role_name(role), token);
	return 0;
}

static int group_cmd(struct yg_store *st, int argc, char **argv)
{
	static const char *const allowed[] = {"--org", "--members", NULL};
	if (argc < 3 || strcmp(argv[1], "add") || !opts_ok(argc, argv, 3, allowed)) {
		usage(stderr);
		return 2;
	}
	const char *name = argv[2], *owner = opt(argc, argv, 3, "--org"),
		   *members = opt(argc, argv, 3, "--members");
	if (!owner || !members) {
		fprintf(stderr, "yagura hub admin: group add needs --org OWNER and --members A,B\n");
		return 2;
	}
	struct yg_org o;
	if (org_arg(st, owner, &o) < 0)
		return 1;
	int64_t ids[YG_STORE_LIST_MAX];
	size_t n = 0;
	char *copy = strdup(members);
	if (!copy)
		return 1;
	int rc = 0;
	for (char *p = copy, *next; p && rc == 0; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		struct yg_org m;
		if (!*p)
			continue;
		if (n == YG_STORE_LIST_MAX) {
			fprintf(stderr, "yagura hub admin: at most %d members\n", YG_STORE_LIST_MAX);
			rc = 2;
		} else if (org_arg(st, p, &m) < 0) {
			rc = 1;
		} else {
			ids[n++] = m.id;
		}
	}
	free(copy);
	if (rc)
		return rc;
	int r = st->ops->group_add(st, name, o.id, ids, n, NULL);
	if (r == -EEXIST) {
		fprintf(stderr, "yagura hub admin: group '%s' exists\n", name);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: cannot add group: %s\n", strerror(-r));
		return 1;
	}
	st->ops->audit(st, o.id, "cli", "group.add", name);
	printf("group %s added with %zu members besides %s\n", name, n, o.name);
	return 0;
}

/* Parses ORGS ("*" or names separated by commas) into ids; *all when "*". */
static int org_ids(struct yg_store *st, const char *list, bool *all, int64_t *ids, size_t *n)
{
	*n = 0;
	*all = !list || !strcmp(list, "*");
	if (*all)
		return 0;
	char *copy = strdup(list);
	if (!copy)
		return 1;
	int rc = 0;
	for (char *p = copy, *next; p && rc == 0; p = next) {
		next = strchr(p, ',');
		if (next)
			*next++ = '\0';
		struct yg_org o;
		if (!*p)
			continue;
		if (*n == YG_STORE_LIST_MAX) {
			fprintf(stderr, "yagura hub admin: at most %d organizations\n",
				YG_STORE_LIST_MAX);
			rc = 2;
		} else if (org_arg(st, p, &o) < 0) {
			rc = 1;
		} else {
			ids[(*n)++] = o.id;
		}
	}
	free(copy);
	return rc;
}

struct grant_names {
	char read[4096], write[4096];
};

static void append_name(char *dst, size_t cap, const char *name)
{
	size_t len = strlen(dst);
	snprintf(dst + len, cap - len, "%s%s", len ? "," : "", name);
}

static int collect_grant(void *ud, const struct yg_org *o, bool can_read, bool can_write)
{
	struct grant_names *g = ud;
	if (can_read)
		append_name(g->read, sizeof g->read, o->name);
	if (can_write)
		append_name(g->write, sizeof g->write, o->name);
	return 1;
}

static int print_collection(void *ud, const struct yg_collection *c)
{
	struct yg_store *st = ud;
	struct grant_names g = {"", ""};
	if ((!c->read_all || !c->write_all) &&
	    st->ops->collection_grants(st, c->id, collect_grant, &g) < 0)
		return -EIO;
	printf("%s\t%s\t%s\t%s\t%s\n", c->uuid, c->title, c->read_all ? "*" : g.read,
	       c->write_all ? "*" : g.write, c->public_read ? "public" : "members");
	return 1;
}

static int collection_cmd(struct yg_store *st, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list"))
		return st->ops->collection_list(st, print_collection, st) < 0 ? 1 : 0;
	if (argc < 3 || strcmp(argv[1], "add")) {
		usage(stderr);
		return 2;
	}
	struct yg_hub_coll_spec spec = {.title = argv[2]};
	const char *rd = NULL, *wr = NULL;
	for (int i = 3; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(argv[i], "--public")) {
			spec.public_read = true;
			continue;
		}
		if (v && !strcmp(argv[i], "--description"))
			spec.description = v;
		else if (v && !strcmp(argv[i], "--read"))
			rd = v;
		else if (v && !strcmp(argv[i], "--write"))
			wr = v;
		else {
			fprintf(stderr, "yagura hub admin: unexpected '%s'\n", argv[i]);
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (!*spec.title || strlen(spec.title) > YG_STORE_NAME_MAX ||
	    (spec.description && strlen(spec.description) > YG_STORE_DESC_MAX)) {
		fprintf(stderr, "yagura hub admin: title 1..%d bytes, description at most %d\n",
			YG_STORE_NAME_MAX, YG_STORE_DESC_MAX);
		return 2;
	}
	int64_t rids[YG_STORE_LIST_MAX], wids[YG_STORE_LIST_MAX];
	int rc = org_ids(st, rd, &spec.read_all, rids, &spec.n_read_orgs);
	if (rc == 0)
		rc = org_ids(st, wr, &spec.write_all, wids, &spec.n_write_orgs);
	if (rc)
		return rc;
	spec.read_orgs = rids;
	spec.write_orgs = wids;
	struct yg_collection c;
	int r = yg_hub_collection_add(st, &spec, &c);
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: cannot add collection: %s\n", strerror(-r));
		return 1;
	}
	st->ops->audit(st, 0, "cli", "collection.add", c.uuid);
	printf("collection %s added: %s\n", c.title, c.uuid);
	return 0;
}

static int print_line(void *ud, const char *s)
{
	(void)ud;
	printf("%s\n", s);
	return 1;
}

/* org-domains ORG add|del DOMAIN, org-domains ORG list: the member's own
 * domains, scrubbed from what it submits (mail/anon.h). */
static int org_domains_cmd(struct yg_store *st, int argc, char **argv)
{
	if (argc < 3 || (strcmp(argv[2], "list") ? argc != 4 : argc != 3)) {
		usage(stderr);
		return 2;
	}
	struct yg_org o;
	int r = org_arg(st, argv[1], &o);
	if (r < 0)
		return 1;
	if (!strcmp(argv[2], "list"))
		return st->ops->mail->org_domains(st, o.id, print_line, NULL) < 0;
	char dom[YG_STORE_DOMAIN_MAX + 1];
	size_t n = strlen(argv[3]);
	if (n == 0 || n > YG_STORE_DOMAIN_MAX) {
		fprintf(stderr, "yagura hub admin: bad domain '%s'\n", argv[3]);
		return 2;
	}
	for (size_t i = 0; i <= n; i++)
		dom[i] = (char)(argv[3][i] >= 'A' && argv[3][i] <= 'Z' ? argv[3][i] + 32 : argv[3][i]);
	if (n > 1 && dom[n - 1] == '.')
		dom[n - 1] = '\0';
	if (!strcmp(argv[2], "add"))
		r = st->ops->mail->org_domain_add(st, o.id, dom);
	else if (!strcmp(argv[2], "del"))
		r = st->ops->mail->org_domain_del(st, o.id, dom);
	else {
		usage(stderr);
		return 2;
	}
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: org-domains %s %s: %s\n", argv[2], dom,
			r == -EINVAL ? "not a domain name"
			: r == -E2BIG ? "too many domains"
				      : strerror(-r));
		return 1;
	}
	st->ops->audit(st, o.id, "cli", !strcmp(argv[2], "add") ? "org.domain.add" : "org.domain.del",
		       dom);
	printf("%s: own domain %s %s\n", o.name, dom, !strcmp(argv[2], "add") ? "added" : "removed");
	return 0;
}

/* org-allow-naming ORG on|off: whether campaigns and notifications may
 * show this organization's name to the others it shares a campaign with. */
static int naming_cmd(struct yg_store *st, int argc, char **argv)
{
	if (argc != 3 || (strcmp(argv[2], "on") && strcmp(argv[2], "off"))) {
		usage(stderr);
		return 2;
	}
	struct yg_org o;
	int r = org_arg(st, argv[1], &o);
	if (r < 0)
		return 1;
	bool on = !strcmp(argv[2], "on");
	r = st->ops->mail->org_naming_set(st, o.id, on);
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: org-allow-naming: %s\n", strerror(-r));
		return 1;
	}
	st->ops->audit(st, o.id, "cli", "org.naming", on ? "on" : "off");
	printf("%s: naming in campaigns %s\n", o.name, on ? "allowed" : "not allowed");
	return 0;
}

/* pii-pattern add|del REGEX, pii-pattern list: POSIX extended regexes
 * whose matches are scrubbed from every submission. */
static int pii_cmd(struct yg_store *st, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list"))
		return st->ops->mail->pii_list(st, print_line, NULL) < 0;
	if (argc != 3 || (strcmp(argv[1], "add") && strcmp(argv[1], "del"))) {
		usage(stderr);
		return 2;
	}
	bool add = !strcmp(argv[1], "add");
	int r;
	if (add && yg_mail_anon_pattern_ok(argv[2]) < 0) {
		fprintf(stderr,
			"yagura hub admin: pii-pattern: not a POSIX extended regex of 1..%d bytes\n",
			YG_STORE_PII_LEN_MAX);
		return 2;
	}
	r = add ? st->ops->mail->pii_add(st, argv[2]) : st->ops->mail->pii_del(st, argv[2]);
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: pii-pattern %s: %s\n", argv[1],
			r == -E2BIG    ? "too many patterns"
			: r == -EEXIST ? "already there"
				       : strerror(-r));
		return 1;
	}
	st->ops->audit(st, 0, "cli", add ? "pii.add" : "pii.del", argv[2]);
	printf("pii pattern %s\n", add ? "added" : "removed");
	return 0;
}

static void import_bad(void *ud, unsigned long line, const char *why)
{
	fprintf(stderr, "yagura hub admin: %s:%lu: %s (line skipped)\n", (const char *)ud, line, why);
}

/* The whole file, at most YG_OWNER_CSV_MAX bytes; caller frees. */
static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(YG_OWNER_CSV_MAX + 1);
	size_t n = buf ? fread(buf, 1, YG_OWNER_CSV_MAX + 1, f) : 0;
	bool bad = ferror(f) || n > YG_OWNER_CSV_MAX;
	fclose(f);
	if (!buf || bad) {
		free(buf);
		return NULL;
	}
	*ret_len = n;
	return buf;
}

struct owner_print {
	struct yg_store *st;
	int64_t *counts; /* networks per owner id, indexed by id (bounded) */
	size_t n;
};

static int count_prefix(void *ud, const char *cidr, int64_t owner_id)
{
	struct owner_print *p = ud;
	(void)cidr;
	if (owner_id > 0 && (size_t)owner_id < p->n)
		p->counts[owner_id]++;
	return 1;
}

static int print_owner(void *ud, const struct yg_host_owner *o)
{
	struct owner_print *p = ud;
	struct yg_org org;
	const char *member = "-";
	if (o->org_id && p->st->ops->org_get(p->st, o->org_id, &org) == 0)
		member = org.name;
	long long nets = o->id > 0 && (size_t)o->id < p->n ? (long long)p->counts[o->id] : 0;
	printf("%s\t%s\t%s\t%s\t%s\t%lld\n", o->name, member, o->email[0] ? o->email : "-",
	       o->webhook[0] ? o->webhook : "-", o->lang, nets);
	return 1;
}

/* owner import FILE | list | secret NAME */
static int owner_cmd(struct yg_store *st, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list")) {
		struct owner_print p = {.st = st, .n = YG_HOST_OWNERS_MAX * 4};
		p.counts = calloc(p.n, sizeof *p.counts);
		int r = p.counts ? st->ops->hosts->prefix_list(st, count_prefix, &p) : -ENOMEM;
		if (r == 0)
			r = st->ops->hosts->owner_list(st, print_owner, &p);
		free(p.counts);
		return r < 0 ? 1 : 0;
	}
	if (argc == 3 && !strcmp(argv[1], "secret")) {
		struct yg_host_owner o;
		if (st->ops->hosts->owner_find(st, argv[2], &o) < 0) {
			fprintf(stderr, "yagura hub admin: no owner '%s'\n", argv[2]);
			return 1;
		}
		st->ops->audit(st, o.org_id, "cli", "owner.secret", o.name);
		printf("%s\n", o.secret);
		return 0;
	}
	if (argc != 3 || strcmp(argv[1], "import")) {
		usage(stderr);
		return 2;
	}
	size_t len = 0;
	char *data = slurp(argv[2], &len);
	if (!data) {
		fprintf(stderr, "yagura hub admin: cannot read %s (or larger than 64 MiB)\n", argv[2]);
		return 1;
	}
	struct yg_owners_import_result res;
	int r = yg_owners_import(st, data, len, import_bad, argv[2], &res);
	free(data);
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: owner import: %s\n",
			r == -E2BIG ? "too many lines or owners (nothing imported)" : strerror(-r));
		return 1;
	}
	st->ops->audit(st, 0, "cli", "owner.import", argv[2]);
	printf("owners: %ld networks imported, %ld lines skipped, %ld new owners, %ld members\n",
	       res.lines, res.bad, res.new_owners, res.members);
	return res.bad ? 3 : 0;
}

int yg_cmd_hub_admin(int argc, char **argv)
{
	if (argc >= 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
		usage(stdout);
		return 0;
	}
	if (argc < 4 || strcmp(argv[1], "--data")) {
		usage(stderr);
		return 2;
	}
	const char *dir = argv[2];
	/* The store options come between --data DIR and the command. */
	struct yg_store_opts so = {0};
	int k;
	while (argc >= 5 && (k = yg_store_opt("yagura hub admin", &so, argv[3], argv[4])) != 0) {
		if (k < 0)
			return 2;
		argc -= 2;
		argv += 2;
	}
	if (argc < 4 || yg_store_opts_check("yagura hub admin", &so) < 0) {
		usage(stderr);
		return 2;
	}
	struct yg_store *st = NULL;
	int r = yg_store_open(dir, yg_store_opts_pg(&so), &st);
	if (r == 0)
		r = yg_hub_bootstrap(st, NULL, NULL);
	if (r < 0) {
		yg_store_opts_fail("yagura hub admin", &so, dir, r);
		yg_store_close(st);
		return 1;
	}
	int rc;
	const char *what = argv[3];
	if (!strcmp(what, "org"))
		rc = org_cmd(st, argc - 3, argv + 3);
	else if (!strcmp(what, "token"))
		rc = token_cmd(st, argc - 3, argv + 3);
	else if (!strcmp(what, "group"))
		rc = group_cmd(st, argc - 3, argv + 3);
	else if (!strcmp(what, "collection"))
		rc = collection_cmd(st, argc - 3, argv + 3);
	else if (!strcmp(what, "org-domains"))
		rc = org_domains_cmd(st, argc - 3, argv + 3);
	else if (!strcmp(what, "org-allow-naming"))
		rc = naming_cmd(st, argc - 3, argv + 3);
	else if (!strcmp(what, "pii-pattern"))
		rc = pii_cmd(st, argc - 3, argv + 3);
	else if (!strcmp(what, "owner"))
		rc = owner_cmd(st, argc - 3, argv + 3);
	else if (!strcmp(what, "feed"))
		rc = yg_cmd_hub_feed(st, dir, argc - 3, argv + 3);
	else if (!strcmp(what, "org-share-sightings"))
		rc = yg_cmd_hub_share_sightings(st, argc - 3, argv + 3);
	else if (!strcmp(what, "peer"))
		rc = yg_cmd_hub_peer(st, argc - 3, argv + 3);
	else if (!strcmp(what, "cert"))
		rc = yg_cmd_hub_cert(st, argc - 3, argv + 3);
	else {
		usage(stderr);
		rc = 2;
	}
	yg_store_close(st);
	return rc;
}

/*
 * yagura hub admin --data DIR feed ...: the hub's feed subscriptions
 * (src/feeds/feeds.h), straight in the store.
 *
 *   feed add NAME --url URL [--format F] [--every D] [--tlp T] [--confidence N]
 *            [--collection C] [--expire-after D] [--share-group G] [--max-bytes N]
 *            [--timeout D] [--taxii-collections A,B] [--token-file F]
 *            [--user U --password-file F] [--cert F --key F] [--ca F]
 *   feed list        one line per feed: name, url, format, every, last run, health
 *   feed del NAME
 *   feed run NAME    runs it now, in this process, and prints the result
 *
 * The options become the same JSON a POST /api/v1/feeds carries, so one
 * parser (yg_feed_spec_parse) checks both.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/commands.h"
#include "feeds/feeds.h"

/* Option name -> JSON member; numbers go in as numbers. */
static const struct {
	const char *opt, *key;
	bool number;
} opts[] = {
    {"--url", "url", false},
    {"--format", "format", false},
    {"--every", "every", false},
    {"--tlp", "tlp", false},
    {"--confidence", "confidence", true},
    {"--collection", "collection", false},
    {"--expire-after", "expire_after", false},
    {"--share-group", "share_group", false},
    {"--max-bytes", "max_bytes", true},
    {"--timeout", "timeout", false},
    {"--taxii-collections", "taxii_collections", false},
    {"--token-file", "token_file", false},
    {"--user", "user", false},
    {"--password-file", "password_file", false},
    {"--cert", "cert_file", false},
    {"--key", "key_file", false},
    {"--ca", "ca_file", false},
};

static int add_cmd(struct yg_store *st, int argc, char **argv)
{
	json_t *o = json_pack("{s:s}", "name", argv[2]);
	char *text = NULL;
	int rc = 2;
	if (!o)
		return 1;
	for (int i = 3; i < argc; i += 2) {
		size_t k = 0;
		while (k < sizeof opts / sizeof opts[0] && strcmp(opts[k].opt, argv[i]))
			k++;
		if (k == sizeof opts / sizeof opts[0] || i + 1 >= argc) {
			fprintf(stderr, "yagura hub admin: feed add: unexpected '%s'\n", argv[i]);
			goto out;
		}
		json_t *v;
		if (opts[k].number) {
			char *end;
			long long n = strtoll(argv[i + 1], &end, 10);
			if (!*argv[i + 1] || *end) {
				fprintf(stderr, "yagura hub admin: feed add: %s takes a number\n",
				        argv[i]);
				goto out;
			}
			v = json_integer(n);
		} else {
			v = json_string(argv[i + 1]);
		}
		if (!v) {
			fprintf(stderr, "yagura hub admin: feed add: %s: not UTF-8 text\n",
			        argv[i]);
			goto out;
		}
		json_object_set_new(o, opts[k].key, v);
	}
	text = json_dumps(o, JSON_COMPACT);
	struct yg_feed_spec spec;
	char err[256];
	if (!text || yg_feed_spec_parse(text, strlen(text), &spec, err, sizeof err) < 0) {
		fprintf(stderr, "yagura hub admin: feed add: %s\n", text ? err : "out of memory");
		goto out;
	}
	int r = yg_feed_add(st, &spec);
	rc = 1;
	if (r == -EEXIST)
		fprintf(stderr, "yagura hub admin: feed '%s' exists\n", spec.name);
	else if (r == -ENOENT)
		fprintf(stderr, "yagura hub admin: feed add: no such collection or group\n");
	else if (r < 0)
		fprintf(stderr, "yagura hub admin: feed add: %s\n", strerror(-r));
	else {
		printf("feed %s added: %s every %llds, due now\n", spec.name, spec.url,
		       (long long)spec.every_s);
		rc = 0;
	}
out:
	free(text);
	json_decref(o);
	return rc;
}

static int print_feed(void *ud, const struct yg_feed_row *f)
{
	(void)ud;
	json_t *s = json_loads(f->spec, 0, NULL);
	json_t *h = json_loads(f->health, 0, NULL);
	printf("%s\t%s\t%s\t%llds\t%s\t%s\n", f->name, json_string_value(json_object_get(s, "url")),
	       json_string_value(json_object_get(s, "format")),
	       (long long)json_integer_value(json_object_get(s, "every")),
	       h ? json_string_value(json_object_get(h, "last_run")) : "never",
	       !h ? "-"
	       : json_is_true(json_object_get(h, "ok"))
	           ? "ok"
	           : json_string_value(json_object_get(h, "last_error")));
	json_decref(s);
	json_decref(h);
	return 1;
}

static int run_cmd(struct yg_store *st, const char *dir, const char *name)
{
	struct yg_intel_warn *warn = NULL;
	int r = yg_feed_warn_open(dir, &warn);
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: feed run: warning lists: %s\n", strerror(-r));
		return 1;
	}
	struct yg_feed_env env = {.warn = warn};
	struct yg_feed_result res;
	r = yg_feed_run(st, name, &env, &res);
	yg_intel_warn_free(warn);
	if (r == -ENOENT) {
		fprintf(stderr, "yagura hub admin: no feed '%s'\n", name);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: feed run: %s\n", strerror(-r));
		return 1;
	}
	char *j = yg_feed_result_json(&res);
	printf("%s\n", j ? j : "{}");
	free(j);
	if (!res.ok)
		fprintf(stderr, "yagura hub admin: feed %s failed: %s (last good content kept)\n",
		        name, res.error);
	return res.ok ? 0 : 1;
}

int yg_cmd_hub_feed(struct yg_store *st, const char *dir, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list"))
		return st->ops->feeds->list(st, print_feed, NULL) < 0;
	if (argc == 3 && !strcmp(argv[1], "del")) {
		int r = yg_feed_del(st, argv[2]);
		if (r < 0) {
			fprintf(stderr, "yagura hub admin: feed del: %s\n",
			        r == -ENOENT ? "no such feed" : strerror(-r));
			return 1;
		}
		printf("feed %s removed\n", argv[2]);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "run"))
		return run_cmd(st, dir, argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "add"))
		return add_cmd(st, argc, argv);
	fprintf(stderr, "usage: yagura hub admin --data DIR feed add NAME --url URL [options]\n"
	                "       yagura hub admin --data DIR feed list | del NAME | run NAME\n");
	return 2;
}

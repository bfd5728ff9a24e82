/*
 * yagura level: the hub's alert level from the command line, through the
 * hub's REST API (src/hub/level_api.c).
 *
 *   yagura level show     --hub URL (--token T | --token-file F) [--json]
 *   yagura level history  ... [--limit N] [--json]
 *   yagura level set N --reason TEXT ...
 *   yagura level confirm  ... [--proposal ID] [--reason TEXT]
 *   yagura level reject   ... [--proposal ID] [--reason TEXT]
 *   yagura level signal NAME VALUE ... [--ttl SECONDS]
 *   yagura level two-person on|off ...
 *   yagura level default-rules          prints the built-in rules file
 *
 * set, confirm, reject, signal and two-person need an admin token (the
 * hub answers 403 otherwise). --hub-ca F names CA certificates for a hub
 * on TLS. Exit status: 0 done, 1 the hub refused or could not be reached
 * (its answer is printed), 2 a usage error.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/commands.h"
#include "common/curlbody.h"
#include "level/level.h"

#define ANSWER_MAX (16u << 20)

struct opts {
	const char *hub, *token, *token_file, *ca, *reason;
	long long proposal, limit, ttl;
	bool json;
	char tok[256];
};

static void usage(FILE *out)
{
	fprintf(out,
		"usage: yagura level show|history --hub URL (--token T | --token-file F) [--json]\n"
		"       yagura level set N --reason TEXT --hub URL --token-file F\n"
		"       yagura level confirm|reject [--proposal ID] [--reason TEXT] --hub URL "
		"--token-file F\n"
		"       yagura level signal NAME VALUE [--ttl SECONDS] --hub URL --token-file F\n"
		"       yagura level two-person on|off --hub URL --token-file F\n"
		"       yagura level default-rules\n"
		"  --limit N   history entries (100)\n"
		"  --hub-ca F  CA certificate(s) for the hub's TLS certificate\n"
		"set, confirm, reject, signal and two-person need an admin token.\n");
}

static bool num(const char *s, long long lo, long long hi, long long *ret)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || *end || end == s || v < lo || v > hi)
		return false;
	*ret = v;
	return true;
}

/* The first word of the file (a token); trailing newline and spaces go. */
static int read_token(const char *path, char *out, size_t n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char line[512];
	int r = fgets(line, sizeof line, f) ? 0 : -EINVAL;
	fclose(f);
	if (r < 0)
		return r;
	size_t len = strcspn(line, " \t\r\n");
	if (len == 0 || len >= n)
		return -EINVAL;
	memcpy(out, line, len);
	out[len] = '\0';
	return 0;
}

/* Parses the options after the positional words (argv[first..]). */
static int parse(int argc, char **argv, int first, struct opts *o)
{
	o->limit = 100;
	for (int i = first; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = v != NULL;
		if (!a)
			return -EINVAL;
		if (!strcmp(a, "--json")) {
			o->json = true;
			continue;
		} else if (!strcmp(a, "--hub") && v)
			o->hub = v;
		else if (!strcmp(a, "--token") && v)
			o->token = v;
		else if (!strcmp(a, "--token-file") && v)
			o->token_file = v;
		else if (!strcmp(a, "--hub-ca") && v)
			o->ca = v;
		else if (!strcmp(a, "--reason") && v)
			o->reason = v;
		else if (!strcmp(a, "--proposal") && v)
			ok = num(v, 1, INT64_MAX, &o->proposal);
		else if (!strcmp(a, "--limit") && v)
			ok = num(v, 1, 500, &o->limit);
		else if (!strcmp(a, "--ttl") && v)
			ok = num(v, 1, 30 * 86400, &o->ttl);
		else {
			fprintf(stderr, "yagura level: unknown or incomplete option '%s'\n", a);
			return -EINVAL;
		}
		if (!ok) {
			fprintf(stderr, "yagura level: bad value for %s: '%s'\n", a, v);
			return -EINVAL;
		}
		i++;
	}
	if (!o->hub || !o->token == !o->token_file) {
		fprintf(stderr, "yagura level: needs --hub URL and one of --token, --token-file\n");
		return -EINVAL;
	}
	if (o->token_file) {
		int r = read_token(o->token_file, o->tok, sizeof o->tok);
		if (r < 0) {
			fprintf(stderr, "yagura level: --token-file %s: %s\n", o->token_file,
				r == -EINVAL ? "no token in it" : strerror(-r));
			return r;
		}
		o->token = o->tok;
	}
	return 0;
}

/* One request; *ret (caller decrefs) is the JSON answer of a 2xx. Prints
 * the hub's error otherwise and returns 1. */
static int call(const struct opts *o, const char *method, const char *path, json_t *body,
		json_t **ret)
{
	size_t hl = strlen(o->hub);
	while (hl && o->hub[hl - 1] == '/')
		hl--;
	char url[4200], auth[320];
	snprintf(url, sizeof url, "%.*s%s", (int)(hl < 4000 ? hl : 4000), o->hub, path);
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", o->token);
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	CURL *c = curl_easy_init();
	struct curl_slist *hdr = curl_slist_append(NULL, auth);
	struct curl_slist *h2 = hdr ? curl_slist_append(hdr, "Accept: application/json") : NULL;
	struct curl_slist *h3 = h2 ? curl_slist_append(h2, "Content-Type: application/json") : NULL;
	int rc = 1;
	if (!c || !h3 || (body && !text)) {
		fprintf(stderr, "yagura level: out of memory\n");
		goto out;
	}
	hdr = h3;
	struct yg_curlbody a = {.limit = ANSWER_MAX};
	char err[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "POST"))
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, text ? text : "");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, yg_curlbody_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 60000L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	if (o->ca)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca);
	CURLcode cr = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	json_t *j = cr == CURLE_OK && a.p ? json_loadb(a.p, a.len, 0, NULL) : NULL;
	if (cr != CURLE_OK) {
		fprintf(stderr, "yagura level: %s: %s\n", url, err[0] ? err : curl_easy_strerror(cr));
	} else if (status < 200 || status > 299 || !json_is_object(j)) {
		const char *title = json_string_value(json_object_get(j, "title"));
		const char *desc = json_string_value(json_object_get(j, "description"));
		fprintf(stderr, "yagura level: the hub answered %ld%s%s%s%s\n", status,
			title ? ": " : "", title ? title : "", desc ? " - " : "", desc ? desc : "");
	} else {
		*ret = j;
		j = NULL;
		rc = 0;
	}
	json_decref(j);
	yg_curlbody_release(&a);
out:
	curl_slist_free_all(hdr);
	curl_easy_cleanup(c);
	free(text);
	return rc;
}

static const char *str(const json_t *j, const char *dflt)
{
	const char *s = json_string_value(j);
	return s ? s : dflt;
}

static void print_reasons(const json_t *reasons, const char *indent)
{
	size_t i;
	json_t *r;
	json_array_foreach(reasons, i, r)
	{
		printf("%s%s: %s = %g %s %g -> level %lld", indent,
		       json_string_value(json_object_get(r, "rule")),
		       json_string_value(json_object_get(r, "signal")),
		       json_number_value(json_object_get(r, "value")),
		       json_string_value(json_object_get(r, "op")),
		       json_number_value(json_object_get(r, "threshold")),
		       (long long)json_integer_value(json_object_get(r, "level")));
		const char *why = json_string_value(json_object_get(r, "why"));
		if (why && *why)
			printf(" (%s)", why);
		printf("\n");
	}
}

static void print_status(const json_t *s)
{
	printf("level %lld (%s) since %s\n", (long long)json_integer_value(json_object_get(s, "level")),
	       json_string_value(json_object_get(s, "name")),
	       str(json_object_get(s, "since"), "-"));
	json_t *p = json_object_get(s, "proposal");
	if (json_is_object(p)) {
		printf("proposal %lld: level %lld (%s), %lld of %lld confirmations; "
		       "yagura level confirm|reject --proposal %lld\n",
		       (long long)json_integer_value(json_object_get(p, "id")),
		       (long long)json_integer_value(json_object_get(p, "level")),
		       json_string_value(json_object_get(p, "name")),
		       (long long)json_integer_value(json_object_get(p, "confirmations")),
		       (long long)json_integer_value(json_object_get(p, "confirmations_needed")),
		       (long long)json_integer_value(json_object_get(p, "id")));
		print_reasons(json_object_get(p, "reasons"), "  ");
	}
	json_t *e = json_object_get(s, "evaluated");
	printf("rules propose level %lld\n", (long long)json_integer_value(json_object_get(e, "level")));
	print_reasons(json_object_get(e, "reasons"), "  ");
	size_t i;
	json_t *a;
	json_array_foreach(json_object_get(s, "actions"), i, a)
	{
		const char *err = json_string_value(json_object_get(a, "error"));
		printf("action %s: %s after %lld attempt(s)%s%s\n",
		       json_string_value(json_object_get(a, "action")),
		       json_string_value(json_object_get(a, "state")),
		       (long long)json_integer_value(json_object_get(a, "attempts")), err ? ": " : "",
		       err ? err : "");
	}
}

static void print_history(const json_t *h)
{
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(h, "history"), i, e)
	{
		json_t *actor = json_object_get(e, "actor");
		printf("%lld\t%s\t%s\t%lld>%lld\t%s\t%s\n",
		       (long long)json_integer_value(json_object_get(e, "id")),
		       json_string_value(json_object_get(e, "time")),
		       json_string_value(json_object_get(e, "kind")),
		       (long long)json_integer_value(json_object_get(e, "from")),
		       (long long)json_integer_value(json_object_get(e, "to")),
		       str(json_object_get(actor, "org"), "-"), str(json_object_get(e, "reason"), ""));
	}
}

int yg_cmd_level(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const char *cmd = argv[1];
	if (!strcmp(cmd, "default-rules")) {
		fputs(yg_level_rules_default_text(), stdout);
		return 0;
	}
	struct opts o = {0};
	json_t *body = NULL, *ans = NULL;
	const char *method = "POST", *path = NULL;
	int first = 2;
	long long n = 0;
	if (!strcmp(cmd, "show") || !strcmp(cmd, "history")) {
		method = "GET";
	} else if (!strcmp(cmd, "set")) {
		if (argc < 3 || !num(argv[2], YG_LEVEL_MIN, YG_LEVEL_MAX, &n)) {
			fprintf(stderr, "yagura level set: needs a level 1..5\n");
			return 2;
		}
		first = 3;
	} else if (!strcmp(cmd, "signal")) {
		if (argc < 4) {
			fprintf(stderr, "yagura level signal: needs NAME VALUE\n");
			return 2;
		}
		first = 4;
	} else if (!strcmp(cmd, "two-person")) {
		if (argc < 3 || (strcmp(argv[2], "on") && strcmp(argv[2], "off"))) {
			fprintf(stderr, "yagura level two-person: on or off\n");
			return 2;
		}
		first = 3;
	} else if (strcmp(cmd, "confirm") && strcmp(cmd, "reject")) {
		fprintf(stderr, "yagura level: unknown subcommand '%s'\n", cmd);
		usage(stderr);
		return 2;
	}
	if (parse(argc, argv, first, &o) < 0)
		return 2;
	char hpath[64];
	if (!strcmp(cmd, "show")) {
		path = "/api/v1/level";
	} else if (!strcmp(cmd, "history")) {
		snprintf(hpath, sizeof hpath, "/api/v1/level/history?limit=%lld", o.limit);
		path = hpath;
	} else if (!strcmp(cmd, "set")) {
		if (!o.reason || !*o.reason) {
			fprintf(stderr, "yagura level set: a written --reason is required\n");
			return 2;
		}
		path = "/api/v1/level/set";
		body = json_pack("{s:I, s:s}", "level", (json_int_t)n, "reason", o.reason);
	} else if (!strcmp(cmd, "two-person")) {
		path = "/api/v1/level/set";
		body = json_pack("{s:b}", "two_person", !strcmp(argv[2], "on"));
	} else if (!strcmp(cmd, "signal")) {
		char *end;
		double v = strtod(argv[3], &end);
		if (*end || end == argv[3]) {
			fprintf(stderr, "yagura level signal: VALUE must be a number\n");
			return 2;
		}
		path = "/api/v1/level/signals";
		body = json_pack("{s:s, s:f}", "name", argv[2], "value", v);
		if (body && o.ttl)
			json_object_set_new(body, "ttl_s", json_integer(o.ttl));
	} else {
		path = !strcmp(cmd, "confirm") ? "/api/v1/level/confirm" : "/api/v1/level/reject";
		body = json_object();
		if (body && o.proposal)
			json_object_set_new(body, "proposal", json_integer(o.proposal));
		if (body && o.reason)
			json_object_set_new(body, "reason", json_string(o.reason));
	}
	if (strcmp(method, "GET") && !body) {
		fprintf(stderr, "yagura level: out of memory\n");
		return 1;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	int rc = call(&o, method, path, body, &ans);
	if (rc == 0 && o.json) {
		char *t = json_dumps(ans, JSON_INDENT(2));
		if (t)
			printf("%s\n", t);
		free(t);
	} else if (rc == 0 && !strcmp(cmd, "history")) {
		print_history(ans);
	} else if (rc == 0) {
		print_status(ans);
	}
	json_decref(ans);
	json_decref(body);
	curl_global_cleanup();
	return rc;
}

/*
 * Hub benchmarks (never part of the tests; bench/hub_bench.sh runs them).
 *
 *   bench_hub ingest [N]             N-object ATT&CK-like bundle (default 20000):
 *                                    POSTed to a real hub (libmicrohttpd on
 *                                    loopback, SQLite store in a temp dir) vs
 *                                    parsing the same JSON with jansson in a loop
 *   bench_hub memory [N]             RSS of a hub serving an N-object collection
 *                                    (default 100000) page by page
 *   bench_hub prepare DIR N FILE     makes a hub data dir with N objects and a
 *                                    token, writes one filtered 100-object page
 *                                    to FILE (the static baseline for nginx), and
 *                                    prints "token PATH" for wrk
 *
 * Output lines are key=value, rates in objects/s.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "hub/auth.h"
#include "hub/hub.h"
#include "hub/server.h"
#include "store/store.h"

#define TAXII "application/taxii+json;version=2.1"
#define GREEN "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- a growable text buffer for the generated bundle ---- */

struct text {
	char *p;
	size_t len, cap;
};

static void add(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(struct text *t, const char *fmt, ...)
{
	for (;;) {
		va_list ap;
		va_start(ap, fmt);
		int n = vsnprintf(t->p + t->len, t->cap - t->len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < t->cap - t->len) {
			t->len += (size_t)n;
			return;
		}
		size_t cap = t->cap ? t->cap * 2 : 1 << 20;
		char *p = realloc(t->p, cap);
		if (!p) {
			fprintf(stderr, "bench_hub: out of memory\n");
			exit(1);
		}
		t->p = p;
		t->cap = cap;
	}
}

/* A deterministic version-4 UUID from (run, kind, i). */
static void uuid_of(char out[37], unsigned run, unsigned kind, unsigned i)
{
	snprintf(out, 37, "%08x-%04x-4%03x-8%03x-%012x", 0x5eed0000u + run, kind & 0xffff,
		 (i >> 12) & 0xfff, i & 0xfff, i * 2654435761u);
}

/*
 * An ATT&CK-like mix: 1% identities, 30% attack-patterns, 10% malware,
 * 30% indicators with STIX patterns, the rest relationships between them.
 */
static void make_bundle(struct text *t, unsigned run, size_t n)
{
	const char *ts = "2024-01-01T00:00:00.000Z";
	char u[37], u2[37], ident[37];
	uuid_of(ident, run, 1, 0);
	t->len = 0;
	add(t, "{\"objects\":[");
	size_t n_id = n / 100 ? n / 100 : 1, n_ap = n * 30 / 100, n_mw = n / 10, n_ind = n * 30 / 100;
	for (size_t i = 0; i < n; i++) {
		if (i)
			add(t, ",");
		unsigned k = (unsigned)i;
		if (i < n_id) {
			uuid_of(u, run, 1, k);
			add(t,
			    "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"identity--%s\","
			    "\"created\":\"%s\",\"modified\":\"%s\",\"name\":\"Org %u\","
			    "\"identity_class\":\"organization\",\"object_marking_refs\":[\"" GREEN "\"]}",
			    u, ts, ts, k);
		} else if (i < n_id + n_ap) {
			uuid_of(u, run, 2, k);
			add(t,
			    "{\"type\":\"attack-pattern\",\"spec_version\":\"2.1\",\"id\":\"attack-pattern--%s\","
			    "\"created\":\"%s\",\"modified\":\"%s\",\"created_by_ref\":\"identity--%s\","
			    "\"name\":\"Technique %u\",\"description\":\"Adversaries may use technique %u "
			    "to gain access to systems, move laterally and exfiltrate data.\","
			    "\"kill_chain_phases\":[{\"kill_chain_name\":\"mitre-attack\",\"phase_name\":"
			    "\"initial-access\"}],\"external_references\":[{\"source_name\":\"mitre-attack\","
			    "\"external_id\":\"T%04u\",\"url\":\"https://attack.example/techniques/T%04u\"}],"
			    "\"x_mitre_platforms\":[\"Windows\",\"Linux\"],\"object_marking_refs\":[\"" GREEN
			    "\"]}",
			    u, ts, ts, ident, k, k, k % 10000, k % 10000);
		} else if (i < n_id + n_ap + n_mw) {
			uuid_of(u, run, 3, k);
			add(t,
			    "{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":\"malware--%s\","
			    "\"created\":\"%s\",\"modified\":\"%s\",\"created_by_ref\":\"identity--%s\","
			    "\"name\":\"Family %u\",\"is_family\":true,\"malware_types\":[\"backdoor\"],"
			    "\"description\":\"A remote access tool seen in campaign %u.\","
			    "\"object_marking_refs\":[\"" GREEN "\"]}",
			    u, ts, ts, ident, k, k % 97);
		} else if (i < n_id + n_ap + n_mw + n_ind) {
			uuid_of(u, run, 4, k);
			if (k % 3 == 0)
				add(t,
				    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\","
				    "\"created\":\"%s\",\"modified\":\"%s\",\"created_by_ref\":\"identity--%s\","
				    "\"pattern\":\"[ipv4-addr:value = '10.%u.%u.%u'] OR [domain-name:value = "
				    "'c2-%u.example.net']\",\"pattern_type\":\"stix\",\"valid_from\":\"%s\","
				    "\"indicator_types\":[\"malicious-activity\"],\"object_marking_refs\":[\"" GREEN
				    "\"]}",
				    u, ts, ts, ident, (k >> 16) & 255, (k >> 8) & 255, k & 255, k, ts);
			else
				add(t,
				    "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"indicator--%s\","
				    "\"created\":\"%s\",\"modified\":\"%s\",\"created_by_ref\":\"identity--%s\","
				    "\"pattern\":\"[file:hashes.'SHA-256' = '%064x'] AND [file:size > %u]\","
				    "\"pattern_type\":\"stix\",\"valid_from\":\"%s\",\"object_marking_refs\":[\"" GREEN
				    "\"]}",
				    u, ts, ts, ident, k, k, ts);
		} else {
			uuid_of(u, run, 5, k);
			uuid_of(u2, run, 3, (unsigned)(n_id + n_ap + k % (n_mw ? n_mw : 1)));
			char u3[37];
			uuid_of(u3, run, 2, (unsigned)(n_id + k % (n_ap ? n_ap : 1)));
			add(t,
			    "{\"type\":\"relationship\",\"spec_version\":\"2.1\",\"id\":\"relationship--%s\","
			    "\"created\":\"%s\",\"modified\":\"%s\",\"created_by_ref\":\"identity--%s\","
			    "\"relationship_type\":\"uses\",\"source_ref\":\"malware--%s\","
			    "\"target_ref\":\"attack-pattern--%s\",\"object_marking_refs\":[\"" GREEN "\"]}",
			    u, ts, ts, ident, u2, u3);
		}
	}
	add(t, "]}");
}

/* ---- a minimal blocking HTTP/1.1 client for loopback ---- */

struct http_resp {
	int status;
	char *body;
	size_t len;
};

static int http(uint16_t port, const char *method, const char *path, const char *token,
		const char *body, size_t body_len, struct http_resp *ret)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
		if (fd >= 0)
			close(fd);
		return -errno;
	}
	char head[1024];
	int hn = snprintf(head, sizeof head,
			  "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
			  "Accept: " TAXII "\r\nContent-Type: " TAXII "\r\nContent-Length: %zu\r\n"
			  "Connection: close\r\n\r\n",
			  method, path, token, body_len);
	struct text in = {0};
	int r = 0;
	if (write(fd, head, (size_t)hn) != hn)
		r = -EIO;
	for (size_t off = 0; r == 0 && off < body_len;) {
		ssize_t w = write(fd, body + off, body_len - off);
		if (w <= 0)
			r = -EIO;
		else
			off += (size_t)w;
	}
	char buf[65536];
	ssize_t got;
	while (r == 0 && (got = read(fd, buf, sizeof buf)) > 0)
		add(&in, "%.*s", (int)got, buf);
	close(fd);
	char *sep = in.p ? strstr(in.p, "\r\n\r\n") : NULL;
	if (r == 0 && (!sep || sscanf(in.p, "HTTP/1.1 %d", &ret->status) != 1))
		r = -EPROTO;
	if (r < 0) {
		free(in.p);
		return r;
	}
	ret->len = in.len - (size_t)(sep + 4 - in.p);
	memmove(in.p, sep + 4, ret->len + 1);
	ret->body = in.p;
	return 0;
}

/* ---- a hub in this process ---- */

struct bench_hub {
	char dir[64];
	struct yg_hub *hub;
	struct yg_server *srv;
	char token[YG_TOKEN_HEX_LEN + 1];
	char coll[37];
	uint16_t port;
};

static int hub_open(struct bench_hub *b, const char *dir)
{
	if (dir) {
		snprintf(b->dir, sizeof b->dir, "%s", dir);
	} else {
		snprintf(b->dir, sizeof b->dir, "/tmp/yg-bench-hub-XXXXXX");
		if (!mkdtemp(b->dir))
			return -errno;
	}
	struct yg_hub_config hc = {.data_dir = b->dir, .threads = 4, .max_body = 1u << 30};
	int r = yg_hub_new(&hc, &b->hub);
	if (r < 0)
		return r;
	struct yg_store *st = NULL;
	r = yg_store_sqlite_open(b->dir, &st);
	struct yg_org org;
	if (r == 0)
		r = yg_hub_org_add(st, "bench", "research", NULL, &org);
	uint8_t hash[YG_TOKEN_HASH_LEN];
	char pub[YG_TOKEN_PUBID_LEN + 1];
	if (r == 0)
		r = yg_auth_token_new(b->token, hash, pub);
	if (r == 0)
		r = st->ops->token_add(st, hash, pub, org.id, YG_ROLE_ANALYST, NULL);
	if (r == 0)
		r = yg_hub_bootstrap(st, NULL, b->coll);
	yg_store_close(st);
	if (r < 0)
		return r;
	struct yg_server_config sc = {.listen = "127.0.0.1:0", .threads = 4,
				      .max_body = 1u << 30, .timeout_s = 300};
	r = yg_server_start(&sc, b->hub, &b->srv);
	if (r == 0)
		b->port = yg_server_port(b->srv);
	return r;
}

static void hub_close(struct bench_hub *b, bool remove)
{
	yg_server_stop(b->srv, 1000);
	yg_hub_free(b->hub);
	if (remove) {
		char p[128];
		const char *files[] = {"hub.db", "hub.db-wal", "hub.db-shm"};
		for (size_t i = 0; i < 3; i++) {
			snprintf(p, sizeof p, "%s/%s", b->dir, files[i]);
			unlink(p);
		}
		rmdir(b->dir);
	}
}

/* POSTs an envelope; returns the number stored or a negative errno. */
static long post(struct bench_hub *b, const char *body, size_t len)
{
	char path[128];
	snprintf(path, sizeof path, "/taxii2/api/collections/%s/objects/", b->coll);
	struct http_resp resp = {0};
	int r = http(b->port, "POST", path, b->token, body, len, &resp);
	if (r < 0)
		return r;
	long stored = -EPROTO;
	json_t *j = resp.status == 202 ? json_loadb(resp.body, resp.len, 0, NULL) : NULL;
	if (j)
		stored = (long)json_integer_value(json_object_get(j, "success_count"));
	else
		fprintf(stderr, "bench_hub: POST answered %d: %.200s\n", resp.status, resp.body);
	json_decref(j);
	free(resp.body);
	return stored;
}

/* A line of /proc/self/status in kB: "VmRSS:" (all resident memory,
 * including the store file mapped by SQLite) or "RssAnon:" (heap, stacks). */
static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	size_t kl = strlen(key);
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, key, kl))
			kb = strtol(line + kl, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

static int ingest(size_t n)
{
	struct text t = {0};
	make_bundle(&t, 0, n);
	/* Baseline: jansson parsing the same text, for at least a second. */
	size_t loops = 0;
	double t0 = now_s(), dt;
	do {
		json_t *j = json_loadb(t.p, t.len, 0, NULL);
		if (!j || json_array_size(json_object_get(j, "objects")) != n) {
			fprintf(stderr, "bench_hub: the generated bundle does not parse\n");
			return 1;
		}
		json_decref(j);
		loops++;
		dt = now_s() - t0;
	} while (dt < 1.0);
	double parse_rate = (double)(loops * n) / dt;

	struct bench_hub b = {0};
	int r = hub_open(&b, NULL);
	if (r < 0) {
		fprintf(stderr, "bench_hub: cannot start a hub: %s\n", strerror(-r));
		return 1;
	}
	double best = 0;
	for (unsigned run = 1; run <= 3; run++) {
		make_bundle(&t, run, n); /* fresh ids: every object is new to the hub */
		t0 = now_s();
		long stored = post(&b, t.p, t.len);
		dt = now_s() - t0;
		if (stored != (long)n) {
			fprintf(stderr, "bench_hub: the hub stored %ld of %zu objects\n", stored, n);
			hub_close(&b, true);
			return 1;
		}
		if ((double)n / dt > best)
			best = (double)n / dt;
	}
	hub_close(&b, true);
	free(t.p);
	printf("ingest_objects=%zu bundle_bytes=%zu\n", n, t.len);
	printf("ingest_jansson_parse_objs_per_s=%.0f\n", parse_rate);
	printf("ingest_hub_post_objs_per_s=%.0f\n", best);
	printf("ratio_hub_ingest_vs_jansson_parse=%.3f (target >= 0.3)\n", best / parse_rate);
	return 0;
}

/* Fills the hub with n objects in envelopes of 5,000. */
static int fill(struct bench_hub *b, size_t n)
{
	struct text t = {0};
	for (size_t done = 0, run = 100; done < n; run++) {
		size_t k = n - done < 5000 ? n - done : 5000;
		make_bundle(&t, (unsigned)run, k);
		long stored = post(b, t.p, t.len);
		if (stored != (long)k) {
			free(t.p);
			return -EIO;
		}
		done += k;
	}
	free(t.p);
	return 0;
}

static int memory(size_t n)
{
	struct bench_hub b = {0};
	int r = hub_open(&b, NULL);
	if (r == 0)
		r = fill(&b, n);
	if (r < 0) {
		fprintf(stderr, "bench_hub: cannot fill a hub: %s\n", strerror(-r));
		return 1;
	}
	/* Two full passes: the second shows whether serving keeps growing. */
	long before = status_kb("VmRSS:"), anon_before = status_kb("RssAnon:");
	long anon_pass[2] = {0, 0}, rss_pass[2] = {0, 0}, anon_peak = anon_before;
	size_t seen = 0, pages = 0;
	for (int pass = 0; pass < 2; pass++) {
		char path[256], next[32] = "";
		seen = 0;
		for (;;) {
			snprintf(path, sizeof path,
				 "/taxii2/api/collections/%s/objects/?limit=1000%s%s", b.coll,
				 next[0] ? "&next=" : "", next);
			struct http_resp resp = {0};
			json_t *j = NULL;
			if (http(b.port, "GET", path, b.token, "", 0, &resp) < 0 ||
			    resp.status != 200 || !(j = json_loadb(resp.body, resp.len, 0, NULL))) {
				fprintf(stderr, "bench_hub: paging failed at page %zu\n", pages);
				free(resp.body);
				hub_close(&b, true);
				return 1;
			}
			free(resp.body);
			seen += json_array_size(json_object_get(j, "objects"));
			pages++;
			bool more = json_is_true(json_object_get(j, "more"));
			snprintf(next, sizeof next, "%s",
				 more ? json_string_value(json_object_get(j, "next")) : "");
			json_decref(j);
			long a = status_kb("RssAnon:");
			if (a > anon_peak)
				anon_peak = a;
			if (!more)
				break;
		}
		anon_pass[pass] = status_kb("RssAnon:");
		rss_pass[pass] = status_kb("VmRSS:");
	}
	hub_close(&b, true);
	printf("memory_objects=%zu pages=%zu seen_per_pass=%zu\n", n, pages, seen);
	printf("memory_rss_kb before=%ld after_pass1=%ld after_pass2=%ld (includes the mapped store "
	       "file)\n",
	       before, rss_pass[0], rss_pass[1]);
	printf("memory_anon_kb before=%ld after_pass1=%ld after_pass2=%ld peak=%ld\n", anon_before,
	       anon_pass[0], anon_pass[1], anon_peak);
	printf("ratio_anon_after_vs_before=%.3f ratio_anon_pass2_vs_pass1=%.3f (bounded: near 1)\n",
	       (double)anon_pass[1] / (double)anon_before,
	       (double)anon_pass[1] / (double)anon_pass[0]);
	return seen >= n ? 0 : 1;
}

static int prepare(const char *dir, size_t n, const char *file)
{
	struct bench_hub b = {0};
	int r = hub_open(&b, dir);
	if (r == 0)
		r = fill(&b, n);
	if (r < 0) {
		fprintf(stderr, "bench_hub: cannot prepare %s: %s\n", dir, strerror(-r));
		return 1;
	}
	char path[256];
	snprintf(path, sizeof path,
		 "/taxii2/api/collections/%s/objects/?match[type]=indicator&match[spec_version]=2.1"
		 "&limit=100&added_after=2000-01-01T00:00:00Z",
		 b.coll);
	struct http_resp resp = {0};
	r = http(b.port, "GET", path, b.token, "", 0, &resp);
	FILE *f = r == 0 && resp.status == 200 ? fopen(file, "wb") : NULL;
	if (!f || fwrite(resp.body, 1, resp.len, f) != resp.len) {
		fprintf(stderr, "bench_hub: cannot write the page to %s\n", file);
		if (f)
			fclose(f);
		free(resp.body);
		hub_close(&b, false);
		return 1;
	}
	fclose(f);
	free(resp.body);
	hub_close(&b, false);
	printf("%s %s\n", b.token, path);
	return 0;
}

static size_t count_arg(const char *s, size_t def)
{
	if (!s)
		return def;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	return *end || v == 0 || v > 10000000 ? def : (size_t)v;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "ingest";
	if (!strcmp(mode, "ingest"))
		return ingest(count_arg(argc > 2 ? argv[2] : NULL, 20000));
	if (!strcmp(mode, "memory"))
		return memory(count_arg(argc > 2 ? argv[2] : NULL, 100000));
	if (!strcmp(mode, "prepare") && argc == 5)
		return prepare(argv[2], count_arg(argv[3], 10000), argv[4]);
	fprintf(stderr, "usage: bench_hub ingest [N] | memory [N] | prepare DIR N FILE\n");
	return 2;
}

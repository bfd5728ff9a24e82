/*
 * Export memory (issue 12): a hub's GET /api/v1/export/{stix,nftables,ips}
 * over N indicators must not hold them all in memory. For each N (default
 * 50,000 and 300,000) a store is filled in a child process, then a fresh
 * process (exec'ed, so its peak RSS is its own) opens the hub, answers the
 * export through yg_hub_handle and sends the body as the server does on
 * plain HTTP (sendfile from body_fd). Printed per format and N: the peak
 * anonymous RSS (sampled every millisecond) above that just before the
 * request, and that per indicator; then the ratio of the two peaks (1.0:
 * memory independent of N). Anonymous, because the total RSS also counts
 * the store's own file pages (SQLite's mmap_size), which grow with the
 * database whatever the export does and which the kernel may drop.
 *
 *   bench_export [N1 N2]
 *   bench_export fill DIR N        (internal)
 *   bench_export measure DIR FORMAT (internal)
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <jansson.h>

#include "hub/auth.h"
#include "hub/hub.h"
#include "store/store.h"

#define GREEN "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

static int fill(const char *dir, long n)
{
	struct yg_store *st = NULL;
	struct yg_org org;
	char token[YG_TOKEN_HEX_LEN + 1], pub[YG_TOKEN_PUBID_LEN + 1];
	uint8_t hash[YG_TOKEN_HASH_LEN];
	char coll_uuid[37];
	struct yg_collection coll;
	if (yg_store_sqlite_open(dir, &st) < 0 || yg_hub_bootstrap(st, NULL, coll_uuid) < 0 ||
	    yg_hub_org_add(st, "bench", "energy", NULL, &org) < 0 ||
	    yg_auth_token_new(token, hash, pub) < 0 ||
	    st->ops->token_add(st, hash, pub, org.id, YG_ROLE_ANALYST, NULL) < 0 ||
	    st->ops->collection_get(st, coll_uuid, &coll) < 0 || st->ops->tx_begin(st) < 0)
		return 1;
	for (long i = 0; i < n; i++) {
		char id[64], pattern[128], obj[1024];
		snprintf(id, sizeof id, "indicator--00000000-0000-4000-8000-%012lx", i);
		if (i % 2)
			snprintf(pattern, sizeof pattern, "[ipv4-addr:value = '%ld.%ld.%ld.%ld']",
			         11 + (i >> 24) % 200, (i >> 16) & 255, (i >> 8) & 255, i & 255);
		else
			snprintf(pattern, sizeof pattern,
			         "[domain-name:value = 'host%ld.bench.example']", i);
		int len =
		    snprintf(obj, sizeof obj,
		             "{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"%s\","
		             "\"created\":\"2024-01-01T00:00:00.000Z\","
		             "\"modified\":\"2024-01-01T00:00:00.000Z\",\"pattern\":\"%s\","
		             "\"pattern_type\":\"stix\",\"valid_from\":\"2024-01-01T00:00:00Z\","
		             "\"object_marking_refs\":[\"" GREEN "\"]}",
		             id, pattern);
		struct yg_obj_in in = {.collection = coll.id,
		                       .stix_id = id,
		                       .type = "indicator",
		                       .spec_version = "2.1",
		                       .modified = "2024-01-01T00:00:00.000Z",
		                       .modified_us = 1704067200000000,
		                       .tlp = YG_TLP_GREEN,
		                       .submitter_org = org.id,
		                       .json = obj,
		                       .json_len = (size_t)len};
		int64_t added;
		if (st->ops->obj_put(st, &in, &added) < 0)
			return 1;
	}
	if (st->ops->tx_commit(st) < 0)
		return 1;
	yg_store_close(st);
	char path[4200];
	snprintf(path, sizeof path, "%s/bench.token", dir);
	FILE *f = fopen(path, "w");
	if (!f)
		return 1;
	fprintf(f, "%s\n", token);
	fclose(f);
	return 0;
}

/* Anonymous resident memory (kB): what the process itself holds. The
 * total RSS also counts the store's file pages, which SQLite maps (mmap_size)
 * and the kernel may drop at any time. */
static long anon_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long v = 0;
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "RssAnon:", 8))
			v = strtol(line + 8, NULL, 10);
	if (f)
		fclose(f);
	return v;
}

/* Samples anon_kb every millisecond while the export runs: its peak. */
static atomic_long peak_anon;
static atomic_bool sampling;

static void *sampler(void *arg)
{
	(void)arg;
	while (atomic_load(&sampling)) {
		long v = anon_kb();
		if (v > atomic_load(&peak_anon))
			atomic_store(&peak_anon, v);
		usleep(1000);
	}
	return NULL;
}

static int measure(const char *dir, const char *format)
{
	char path[4200], token[128], auth[160], url[128];
	snprintf(path, sizeof path, "%s/bench.token", dir);
	FILE *f = fopen(path, "r");
	if (!f || !fgets(token, sizeof token, f))
		return 1;
	fclose(f);
	token[strcspn(token, "\n")] = 0;
	snprintf(auth, sizeof auth, "Bearer %s", token);
	snprintf(url, sizeof url, "/api/v1/export/%s", format);
	struct yg_hub_config cfg = {.data_dir = dir, .threads = 1, .cache_mb = -1};
	struct yg_hub *h = NULL;
	if (yg_hub_new(&cfg, &h) < 0)
		return 1;
	struct yg_req req = {.method = "GET", .path = url, .authorization = auth};
	struct yg_resp resp = {0};
	long before = anon_kb();
	atomic_store(&peak_anon, before);
	atomic_store(&sampling, true);
	pthread_t t;
	if (pthread_create(&t, NULL, sampler, NULL) != 0)
		return 1;
	if (yg_hub_handle(h, &req, &resp) < 0 || resp.status != 200)
		return 1;
	/* As the server sends it on plain HTTP. */
	int null = open("/dev/null", O_WRONLY);
	size_t sent = 0;
	if (resp.body_in_fd) {
		off_t off = 0;
		while (sent < resp.len) {
			ssize_t k = sendfile(null, resp.body_fd, &off, resp.len - sent);
			if (k <= 0)
				break;
			sent += (size_t)k;
		}
	} else {
		sent = (size_t)write(null, resp.body, resp.len);
	}
	close(null);
	atomic_store(&sampling, false);
	pthread_join(t, NULL);
	long v = anon_kb();
	if (v > atomic_load(&peak_anon))
		atomic_store(&peak_anon, v);
	printf("%ld %zu %d\n", (atomic_load(&peak_anon) - before) * 1024, resp.len,
	       resp.body_in_fd);
	yg_resp_release(&resp);
	yg_hub_free(h);
	return 0;
}

static int run_child(char *const argv[], char *out, size_t cap)
{
	int p[2];
	if (pipe(p) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(p[1]);
	size_t n = 0;
	ssize_t k;
	while (n + 1 < cap && (k = read(p[0], out + n, cap - 1 - n)) > 0)
		n += (size_t)k;
	out[n] = 0;
	close(p[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "fill"))
		return fill(argv[2], strtol(argv[3], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "measure"))
		return measure(argv[2], argv[3]);
	long ns[2] = {50000, 300000};
	if (argc == 3) {
		ns[0] = strtol(argv[1], NULL, 10);
		ns[1] = strtol(argv[2], NULL, 10);
	}
	static const char *const formats[] = {"stix", "nftables", "ips"};
	char dirs[2][64];
	for (int k = 0; k < 2; k++) {
		snprintf(dirs[k], sizeof dirs[k], "/tmp/yagura-bench-export-XXXXXX");
		if (!mkdtemp(dirs[k]))
			return 1;
		char nbuf[32], out[64];
		snprintf(nbuf, sizeof nbuf, "%ld", ns[k]);
		char *const av[] = {argv[0], "fill", dirs[k], nbuf, NULL};
		if (run_child(av, out, sizeof out) < 0) {
			fprintf(stderr, "bench_export: cannot fill %s\n", dirs[k]);
			return 1;
		}
	}
	int rc = 0;
	for (size_t f = 0; f < sizeof formats / sizeof formats[0]; f++) {
		double per[2] = {0, 0}, peak[2] = {0, 0};
		for (int k = 0; k < 2; k++) {
			char out[128];
			char *const av[] = {argv[0], "measure", dirs[k], (char *)formats[f], NULL};
			long delta = 0;
			size_t bytes = 0;
			int in_fd = 0;
			if (run_child(av, out, sizeof out) < 0 ||
			    sscanf(out, "%ld %zu %d", &delta, &bytes, &in_fd) != 3) {
				fprintf(stderr, "bench_export: %s over %ld failed\n", formats[f],
				        ns[k]);
				rc = 1;
				continue;
			}
			peak[k] = (double)delta;
			per[k] = (double)delta / (double)ns[k];
			printf(
			    "export_%s_n%ld: peak_anon_rss_delta=%ld bytes, %.1f bytes/indicator, "
			    "body=%zu bytes%s\n",
			    formats[f], ns[k], delta, per[k], bytes, in_fd ? " (sendfile)" : "");
		}
		if (peak[0] > 0)
			printf("ratio_export_%s_peak_n%ld_vs_n%ld=%.2f (memory independent of N: "
			       "about 1; all in memory it would be %.1f)\n",
			       formats[f], ns[1], ns[0], peak[1] / peak[0],
			       (double)ns[1] / (double)ns[0]);
	}
	for (int k = 0; k < 2; k++) {
		char cmd[128];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dirs[k]);
		if (system(cmd) != 0)
			rc = 1;
	}
	return rc;
}

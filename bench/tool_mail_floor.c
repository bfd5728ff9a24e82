/*
 * The speed floor of `yagura mail analyze` (issue 5, Performance): what the
 * libraries the issue mandates cost on a corpus by themselves, so
 * bench/mail_bench.sh can print the best ratio against Python any analyzer
 * could reach if everything else it does cost nothing.
 *
 *   tool_mail_floor LISTFILE [JOBS]
 *
 * LISTFILE names one message a line. First (not timed) the analyzer itself
 * (yg_mail_analyze, no YARA, on JOBS threads; default: online cores) lists
 * every file it hashes in every message: MIME attachments and archive
 * members, with their decoded sizes. Then one thread times, over
 * pseudo-random bytes of exactly those sizes (the generated corpus's
 * attachments are random bytes too, bench/gen_mail.py), the two things
 * the analyzer does per file that no implementation can avoid:
 *   - libfuzzy's ssdeep, called as src/mail/attach.c calls it
 *     (fuzzy_hash_buf when the file fits the kept prefix, else streamed);
 *   - MD5, SHA-1 and SHA-256 through OpenSSL's EVP (Python pays these too).
 * Times are the thread's CPU time, so a busy machine inflates them less
 * than wall time: the floor errs low and the ceiling derived from it high.
 *
 * Prints key=value lines:
 *   mail_files_hashed=N  mail_attachment_bytes=B
 *   ssdeep_only_seconds=S  hashes_only_seconds=S
 * Exit status 0, or 1 with a message on stderr (bad list, unreadable
 * file, out of memory). Messages the analyzer refuses are counted
 * (mail_messages_refused=) and skipped, as yagura mail analyze skips them.
 */
#include <errno.h>
#include <fuzzy.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mail/mail.h"

#define MAX_PATHS  1000000
#define MAX_JOBS   64
#define MAX_FILES  (16u << 20) /* sizes recorded over the whole corpus */
#define POOL_MAX   YG_MAIL_KEEP_BYTES
#define READ_CHUNK 65536

struct sizes {
	uint64_t *v;
	size_t n, cap;
};

struct job {
	char **paths;
	size_t n_paths, first, stride;
	struct sizes sz;
	size_t refused;
	int err;
};

static int sizes_add(struct sizes *s, uint64_t v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		if (cap > MAX_FILES)
			return -E2BIG;
		uint64_t *p = realloc(s->v, cap * sizeof *p);
		if (!p)
			return -ENOMEM;
		s->v = p;
		s->cap = cap;
	}
	s->v[s->n++] = v;
	return 0;
}

static int read_file(const char *path, uint8_t **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	int r = 0;
	for (;;) {
		if (cap - len < READ_CHUNK) {
			if (cap > YG_MAIL_MAX_INPUT) {
				r = -E2BIG;
				goto out;
			}
			uint8_t *p = realloc(buf, cap + 4 * READ_CHUNK);
			if (!p) {
				r = -ENOMEM;
				goto out;
			}
			buf = p;
			cap += 4 * READ_CHUNK;
		}
		size_t got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f))
		r = -EIO;
out:
	fclose(f);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = len;
	return 0;
}

static void *analyze_stripe(void *arg)
{
	struct job *j = arg;
	struct yg_mail_opts opts = {0};
	for (size_t i = j->first; i < j->n_paths && j->err == 0; i += j->stride) {
		uint8_t *msg = NULL;
		size_t len = 0;
		struct yg_mail_report *rep = NULL;
		int r = read_file(j->paths[i], &msg, &len);
		if (r < 0) {
			j->err = r;
			break;
		}
		r = yg_mail_analyze(msg, len, &opts, &rep);
		free(msg);
		if (r == -ENOMEM) {
			j->err = r;
			break;
		}
		if (r < 0) {
			j->refused++;
			continue;
		}
		for (size_t k = 0; k < rep->n_files && r == 0; k++)
			r = sizes_add(&j->sz, rep->files[k].size);
		yg_mail_report_free(rep);
		if (r < 0)
			j->err = r;
	}
	return NULL;
}

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ssdeep of p[0..size) as attach.c computes it: one-shot within the kept
 * prefix, else streamed. size > pool_len reuses the pool cyclically. */
static int ssdeep_one(const uint8_t *pool, size_t pool_len, uint64_t size)
{
	char digest[FUZZY_MAX_RESULT];
	/* A refusal (over libfuzzy's size limit) is no ssdeep in the report,
	 * not an error, as in the analyzer. */
	if (size <= pool_len) {
		(void)fuzzy_hash_buf(pool, (uint32_t)size, digest);
		return 0;
	}
	struct fuzzy_state *st = fuzzy_new();
	if (!st)
		return -ENOMEM;
	bool ok = true;
	for (uint64_t done = 0; ok && done < size;) {
		size_t n = size - done < pool_len ? (size_t)(size - done) : pool_len;
		ok = fuzzy_update(st, pool, n) == 0;
		done += n;
	}
	if (ok)
		(void)fuzzy_digest(st, digest, 0);
	fuzzy_free(st);
	return 0;
}

/* MD5, SHA-1 and SHA-256 of size bytes, fed in the analyzer's chunks. */
static int hashes_one(EVP_MD_CTX *c[3], const uint8_t *pool, size_t pool_len, uint64_t size)
{
	const EVP_MD *md[3] = {EVP_md5(), EVP_sha1(), EVP_sha256()};
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned dn;
	for (int k = 0; k < 3; k++)
		if (!EVP_DigestInit_ex(c[k], md[k], NULL))
			return -ENOMEM;
	for (uint64_t done = 0; done < size;) {
		size_t n = size - done < READ_CHUNK ? (size_t)(size - done) : READ_CHUNK;
		const uint8_t *p = pool + done % (pool_len - READ_CHUNK + 1);
		for (int k = 0; k < 3; k++)
			if (!EVP_DigestUpdate(c[k], p, n))
				return -ENOMEM;
		done += n;
	}
	for (int k = 0; k < 3; k++)
		if (!EVP_DigestFinal_ex(c[k], d, &dn))
			return -ENOMEM;
	return 0;
}

static int read_list(const char *path, char ***ret, size_t *ret_n)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	char **v = NULL, *line = NULL;
	size_t n = 0, cap = 0, lcap = 0;
	ssize_t len;
	int r = 0;
	while ((len = getline(&line, &lcap, f)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		if (n == MAX_PATHS) {
			r = -E2BIG;
			break;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 1024;
			char **p = realloc(v, cap * sizeof *p);
			if (!p) {
				r = -ENOMEM;
				break;
			}
			v = p;
		}
		if (!(v[n] = strdup(line))) {
			r = -ENOMEM;
			break;
		}
		n++;
	}
	free(line);
	fclose(f);
	if (r < 0) {
		for (size_t i = 0; i < n; i++)
			free(v[i]);
		free(v);
		return r;
	}
	*ret = v;
	*ret_n = n;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: tool_mail_floor LISTFILE [JOBS]\n");
		return 2;
	}
	long jobs = sysconf(_SC_NPROCESSORS_ONLN);
	if (argc == 3) {
		char *end;
		errno = 0;
		jobs = strtol(argv[2], &end, 10);
		if (errno || *end || end == argv[2] || jobs < 1 || jobs > MAX_JOBS) {
			fprintf(stderr, "tool_mail_floor: JOBS wants 1..%d\n", MAX_JOBS);
			return 2;
		}
	}
	if (jobs < 1)
		jobs = 1;
	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;
	char **paths = NULL;
	size_t n_paths = 0;
	struct job job[MAX_JOBS] = {0};
	pthread_t tid[MAX_JOBS];
	uint8_t *pool = NULL;
	EVP_MD_CTX *ctx[3] = {EVP_MD_CTX_new(), EVP_MD_CTX_new(), EVP_MD_CTX_new()};
	int r = read_list(argv[1], &paths, &n_paths);
	if (r < 0) {
		fprintf(stderr, "tool_mail_floor: %s: %s\n", argv[1], strerror(-r));
		goto out;
	}
	long started = 0;
	for (long k = 0; k < jobs; k++) {
		job[k] = (struct job){
		    .paths = paths, .n_paths = n_paths, .first = (size_t)k, .stride = (size_t)jobs};
		if (pthread_create(&tid[k], NULL, analyze_stripe, &job[k]) != 0)
			break;
		started++;
	}
	uint64_t total = 0, max = 0;
	size_t n_files = 0, refused = 0;
	for (long k = 0; k < started; k++) {
		pthread_join(tid[k], NULL);
		if (job[k].err < 0 && r == 0)
			r = job[k].err;
		refused += job[k].refused;
		for (size_t i = 0; i < job[k].sz.n; i++) {
			total += job[k].sz.v[i];
			max = job[k].sz.v[i] > max ? job[k].sz.v[i] : max;
		}
		n_files += job[k].sz.n;
	}
	if (r == 0 && started < jobs)
		r = -EAGAIN;
	if (r < 0) {
		fprintf(stderr, "tool_mail_floor: analysis failed: %s\n", strerror(-r));
		goto out;
	}
	/* The kept-prefix size bounds the one-shot calls; a bigger file is
	 * streamed from the same pool, as the analyzer streams it. */
	size_t pool_len = max > POOL_MAX ? POOL_MAX : (size_t)max;
	if (pool_len < READ_CHUNK)
		pool_len = READ_CHUNK;
	pool = malloc(pool_len);
	if (!pool || !ctx[0] || !ctx[1] || !ctx[2]) {
		r = -ENOMEM;
		fprintf(stderr, "tool_mail_floor: out of memory\n");
		goto out;
	}
	uint64_t x = 0x9e3779b97f4a7c15u; /* xorshift64*: fast, fixed bytes */
	for (size_t i = 0; i < pool_len; i++) {
		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		pool[i] = (uint8_t)((x * 0x2545f4914f6cdd1du) >> 56);
	}
	double t0 = cpu_now();
	for (long k = 0; k < started && r == 0; k++)
		for (size_t i = 0; i < job[k].sz.n && r == 0; i++)
			r = ssdeep_one(pool, pool_len, job[k].sz.v[i]);
	double t1 = cpu_now();
	for (long k = 0; k < started && r == 0; k++)
		for (size_t i = 0; i < job[k].sz.n && r == 0; i++)
			r = hashes_one(ctx, pool, pool_len, job[k].sz.v[i]);
	double t2 = cpu_now();
	if (r < 0) {
		fprintf(stderr, "tool_mail_floor: hashing failed: %s\n", strerror(-r));
		goto out;
	}
	printf("mail_messages=%zu\n", n_paths);
	printf("mail_messages_refused=%zu\n", refused);
	printf("mail_files_hashed=%zu\n", n_files);
	printf("mail_attachment_bytes=%" PRIu64 "\n", total);
	printf("ssdeep_only_seconds=%.3f\n", t1 - t0);
	printf("hashes_only_seconds=%.3f\n", t2 - t1);
out:
	for (long k = 0; k < jobs; k++)
		free(job[k].sz.v);
	for (size_t i = 0; i < n_paths; i++)
		free(paths[i]);
	free(paths);
	free(pool);
	for (int k = 0; k < 3; k++)
		EVP_MD_CTX_free(ctx[k]);
	return r < 0 ? 1 : 0;
}

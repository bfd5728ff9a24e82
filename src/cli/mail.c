/*
 * yagura mail: e-mail analysis (issue 5).
 *
 *   yagura mail analyze FILE.eml... [--json | --stix] [--yara RULES]
 *                       [--protect DOMAINS|FILE] [--jobs N]
 *   yagura mail submit FILE.eml... --hub URL --token T|--token-file F
 *                      [--tlp L] [--share LIST] [--hub-ca F] [--json]
 *
 * submit POSTs each file to the hub's /api/v1/mail (libcurl) and prints
 * one line per file: "FILE<TAB>submission<TAB>campaign|-<TAB>N indicators"
 * (with --json the hub's whole answer instead). Exit status as analyze.
 * --share LIST (comma-separated organization names, identity ids and
 * group:NAME) names who may see an AMBER or RED submission.
 *
 * --json prints one JSON report per line (fields documented in
 * src/mail/mail.h), --stix one STIX 2.1 bundle per line; without either a
 * short human summary. A file that cannot be analyzed is reported on
 * stderr (and as {"file":..,"error":..} with --json/--stix); the others are
 * still analyzed. Exit status: 0 all analyzed, 1 some failed, 2 usage.
 *
 * --jobs N analyzes N files at a time on worker threads (default: the
 * online cores); yg_mail_analyze is thread-safe. Output stays in argument
 * order: each worker renders its report to a string and the main thread
 * prints slot after slot, letting workers run at most WINDOW files ahead so
 * memory stays bounded.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "cli/commands.h"
#include "common/curlbody.h"
#include "mail/mail.h"

#define PROTECT_MAX 4096
#define JOBS_MAX    256
#define WINDOW      1024 /* files rendered but not yet printed, at most */

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: yagura mail analyze FILE.eml... [--json | --stix] [--yara RULES]\n"
	    "                           [--protect DOMAINS|FILE] [--jobs N]\n"
	    "  --json      one JSON report per line\n"
	    "  --stix      one STIX 2.1 bundle per line\n"
	    "  --yara F    scan attachments and archive members with the YARA rules in F\n"
	    "  --protect   comma-separated domains, or a file of them (one a line, # comments),\n"
	    "              whose look-alikes are flagged\n"
	    "  --jobs N    files analyzed in parallel (default: number of cores)\n"
	    "       yagura mail submit FILE.eml... --hub URL --token T|--token-file F\n"
	    "                          [--tlp clear|green|amber|amber+strict|red] [--hub-ca F]\n"
	    "                          [--share LIST] [--json]\n"
	    "  --tlp L     the TLP of the submission (default amber)\n"
	    "  --share L   who else may see an AMBER or RED submission: comma-separated\n"
	    "              organization names, identity ids and group:NAME\n"
	    "  --hub-ca F  CA certificate(s) for the hub's TLS certificate\n");
}

/* One worker's input buffer, kept from message to message: a fresh buffer
 * per message cost a page fault for every 4 KiB read into it, and the
 * kernel's share of an analysis was mostly that. A file past INBUF_KEEP
 * gets a buffer of its own, freed after it. */
#define INBUF_KEEP (16u << 20)
_Static_assert(INBUF_KEEP < YG_MAIL_MAX_INPUT, "a kept file is sized by its hint");
struct inbuf {
	uint8_t *p;
	size_t cap;
};

/* Reads path whole. With ib (may be NULL), a regular file that fits
 * INBUF_KEEP goes into ib's buffer, grown as needed and kept by the
 * caller; anything else (no ib, a larger file, a pipe, a file that grew
 * while read) goes into a new buffer returned in *ret_own for the caller
 * to free (NULL when ib's was used). *ret points at the bytes either way.
 * 0 or -errno: -E2BIG past YG_MAIL_MAX_INPUT, -EIO on a read error. */
static int read_input(const char *path, struct inbuf *ib, const uint8_t **ret, size_t *ret_len,
                      uint8_t **ret_own)
{
	*ret_own = NULL;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* A regular file is read in one allocation (+1 to see EOF), not by
	 * doubling and copying; the size is only a hint, reading stays capped. */
	size_t cap = 1 << 16, n = 0;
	struct stat st;
	bool sized = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0;
	if (sized && (uint64_t)st.st_size < YG_MAIL_MAX_INPUT)
		cap = (size_t)st.st_size + 1;
	bool kept = ib && sized && (uint64_t)st.st_size + 1 <= INBUF_KEEP;
	uint8_t *buf = NULL, *own = NULL;
	int r = 0;
	if (kept) { /* cap is the file's size + 1 (INBUF_KEEP < YG_MAIL_MAX_INPUT) */
		if (cap > ib->cap) {
			uint8_t *b = realloc(ib->p, cap);
			if (!b) {
				r = -ENOMEM;
				goto out;
			}
			ib->p = b;
			ib->cap = cap;
		}
		buf = ib->p;
	} else {
		own = malloc(cap);
		if (!own) {
			r = -ENOMEM;
			goto out;
		}
		buf = own;
	}
	for (;;) {
		if (n == cap) { /* a file of unknown size, or one that grew since fstat */
			if (cap > YG_MAIL_MAX_INPUT) {
				r = -E2BIG;
				goto out;
			}
			/* ib's buffer stays as it is: the bytes move to one of
			 * our own, sized for this file only. */
			uint8_t *b = kept ? malloc(cap * 2) : realloc(own, cap * 2);
			if (!b) {
				r = -ENOMEM;
				goto out;
			}
			if (kept)
				memcpy(b, buf, n);
			own = buf = b;
			kept = false;
			cap *= 2;
		}
		ssize_t got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r = -EIO;
			goto out;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	*ret = buf;
	*ret_len = n;
	*ret_own = own;
	own = NULL;
out:
	free(own);
	close(fd);
	return r;
}

struct protect {
	char *v[PROTECT_MAX + 1];
	size_t n;
};

static int protect_add(struct protect *p, const char *s, size_t len)
{
	while (len && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len &&
	       (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' || s[len - 1] == '.'))
		len--;
	if (!len || *s == '#')
		return 0;
	if (p->n >= PROTECT_MAX)
		return -E2BIG;
	char *d = malloc(len + 1);
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < len; i++)
		d[i] = (char)((unsigned char)s[i] < 0x80 && s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32
		                                                                       : s[i]);
	d[len] = '\0';
	p->v[p->n++] = d;
	return 0;
}

static int protect_load(struct protect *p, const char *arg)
{
	const uint8_t *buf = NULL; /* read_input's -errno is not provably negative */
	uint8_t *own = NULL;
	size_t len = 0;
	char sep = ',';
	const char *s = arg;
	size_t n = strlen(arg);
	FILE *probe = strchr(arg, '/') || !strchr(arg, ',') ? fopen(arg, "rb") : NULL;
	bool from_file = probe != NULL;
	if (probe)
		fclose(probe);
	if (from_file) {
		int r = read_input(arg, NULL, &buf, &len, &own);
		if (r < 0)
			return r;
		s = (const char *)buf;
		n = len;
		sep = '\n';
	}
	int r = 0;
	for (size_t i = 0; i < n && r == 0;) {
		const char *e = memchr(s + i, sep, n - i);
		size_t l = e ? (size_t)(e - (s + i)) : n - i;
		r = protect_add(p, s + i, l);
		i += l + 1;
	}
	free(own);
	return r;
}

static void print_summary(FILE *o, const char *path, const struct yg_mail_report *r)
{
	fprintf(o, "%s\n", path);
	fprintf(o, "  from:       %s\n", r->from.n ? r->from.v[0].address : "-");
	fprintf(o, "  subject:    %s\n", r->subject ? r->subject : "-");
	fprintf(o, "  sending ip: %s  (%zu hops)\n", r->sending_ip ? r->sending_ip : "-",
	        r->n_hops);
	fprintf(o, "  auth:       spf=%s dkim=%s dmarc=%s\n", r->spf ? r->spf : "-",
	        r->dkim ? r->dkim : "-", r->dmarc ? r->dmarc : "-");
	fprintf(o, "  urls:       %zu\n", r->n_urls);
	for (size_t i = 0; i < r->n_urls && i < 20; i++)
		fprintf(o, "    %s%s\n", r->urls[i].url,
		        r->urls[i].text_mismatch ? "  [text shows another domain]" : "");
	fprintf(o, "  files:      %zu\n", r->n_files);
	for (size_t i = 0; i < r->n_files; i++) {
		const struct yg_mail_file *f = &r->files[i];
		fprintf(o, "    %s  %s  %llu bytes  sha256 %s", f->path,
		        f->sniffed_type ? f->sniffed_type : "?", (unsigned long long)f->size,
		        f->sha256[0] ? f->sha256 : "-");
		for (unsigned b = 0; b < YG_MAIL_F_COUNT; b++)
			if (f->flags & (1u << b))
				fprintf(o, " [%s]", yg_mail_flag_name(b));
		for (size_t k = 0; k < f->yara.n; k++)
			fprintf(o, " [yara:%s]", f->yara.v[k]);
		fprintf(o, "\n");
	}
	for (size_t i = 0; i < r->n_spoofs; i++)
		fprintf(o, "  spoofing:   %s: %s\n", r->spoofs[i].kind, r->spoofs[i].detail);
	for (size_t i = 0; i < r->anomalies.n; i++)
		fprintf(o, "  anomaly:    %s\n", r->anomalies.v[i]);
	fprintf(o, "  risk:       %d/100\n", r->score);
	for (size_t i = 0; i < r->n_reasons; i++)
		fprintf(o, "    +%d %s (%s)\n", r->reasons[i].points, r->reasons[i].code,
		        r->reasons[i].detail);
}

static const char *err_text(int r)
{
	switch (r) {
	case -ENODATA:
		return "empty file";
	case -EBADMSG:
		return "not an e-mail message";
	case -E2BIG:
		return "too large (limit 96 MiB)";
	default:
		return strerror(-r);
	}
}

/* One file's rendered output; the main thread prints them in order. */
struct slot {
	char *out; /* text for stdout (with its newline), or NULL */
	char *err; /* text for stderr, or NULL */
	bool failed;
	bool done;
};

struct pool {
	char **files;
	int nfiles;
	const struct yg_mail_opts *opts;
	bool json, stix;
	int64_t now_ms;
	struct slot *slots;
	pthread_mutex_t mu;
	pthread_cond_t cv_done;  /* a slot was filled */
	pthread_cond_t cv_space; /* the printer moved on */
	int next;                /* next file to take */
	int printed;             /* files printed so far */
};

static char *dup_line(const char *s)
{
	size_t n = strlen(s);
	char *d = malloc(n + 2);
	if (d) {
		memcpy(d, s, n);
		d[n] = '\n';
		d[n + 1] = '\0';
	}
	return d;
}

static char *err_line(const char *file, int r)
{
	char *s = NULL;
	size_t n = 0;
	FILE *o = open_memstream(&s, &n);
	if (!o)
		return NULL;
	fprintf(o, "yagura mail: %s: %s\n", file, err_text(r));
	fclose(o);
	return s;
}

static void render(const struct pool *p, int i, struct slot *sl, struct inbuf *ib)
{
	const char *file = p->files[i];
	const uint8_t *msg = NULL;
	uint8_t *own = NULL;
	size_t len = 0;
	struct yg_mail_report *rep = NULL;
	int r = read_input(file, ib, &msg, &len, &own);
	if (r == 0)
		r = yg_mail_analyze(msg, len, p->opts, &rep);
	free(own);
	/* Both answer 0 or -errno, and rep is filled only on 0: != 0 says so
	 * where r < 0 leaves the analyzer a positive r with rep NULL. */
	if (r != 0) {
		sl->failed = true;
		sl->err = err_line(file, r);
		if (p->json || p->stix) {
			json_t *e = json_pack("{s:s,s:s}", "file", file, "error", err_text(r));
			char *s = e ? json_dumps(e, JSON_COMPACT) : NULL;
			sl->out = s ? dup_line(s) : NULL;
			free(s);
			json_decref(e);
		}
		return;
	}
	rep->file = strdup(file);
	if (p->json || p->stix) {
		json_t *j =
		    p->json ? yg_mail_report_json(rep) : yg_mail_report_stix(rep, p->now_ms);
		char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
		sl->out = s ? dup_line(s) : NULL;
		sl->failed = sl->out == NULL;
		free(s);
		json_decref(j);
	} else {
		size_t n = 0;
		FILE *o = open_memstream(&sl->out, &n);
		if (o) {
			print_summary(o, file, rep);
			fclose(o);
		}
		sl->failed = sl->out == NULL;
	}
	yg_mail_report_free(rep);
}

static void *worker(void *arg)
{
	struct pool *p = arg;
	struct inbuf ib = {0};
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (p->next < p->nfiles && p->next - p->printed >= WINDOW)
			pthread_cond_wait(&p->cv_space, &p->mu);
		if (p->next >= p->nfiles)
			break;
		int i = p->next++;
		pthread_mutex_unlock(&p->mu);
		struct slot sl = {0};
		render(p, i, &sl, &ib);
		pthread_mutex_lock(&p->mu);
		sl.done = true;
		p->slots[i] = sl;
		pthread_cond_broadcast(&p->cv_done);
	}
	pthread_mutex_unlock(&p->mu);
	free(ib.p);
	return NULL;
}

/* Prints slots in order as they complete; returns true if any failed. */
static bool print_all(struct pool *p)
{
	bool failed = false;
	for (int i = 0; i < p->nfiles; i++) {
		pthread_mutex_lock(&p->mu);
		while (!p->slots[i].done)
			pthread_cond_wait(&p->cv_done, &p->mu);
		struct slot sl = p->slots[i];
		pthread_mutex_unlock(&p->mu);
		if (sl.err)
			fputs(sl.err, stderr);
		if (sl.out)
			fputs(sl.out, stdout);
		fflush(stdout);
		failed |= sl.failed;
		free(sl.err);
		free(sl.out);
		pthread_mutex_lock(&p->mu);
		p->printed = i + 1;
		pthread_cond_broadcast(&p->cv_space);
		pthread_mutex_unlock(&p->mu);
	}
	return failed;
}

static int default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > JOBS_MAX ? JOBS_MAX : (int)n;
}

static int run_pool(struct pool *p, int jobs)
{
	pthread_t tid[JOBS_MAX];
	int started = 0;
	p->slots = calloc((size_t)p->nfiles, sizeof *p->slots);
	if (!p->slots)
		return -ENOMEM;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv_done, NULL);
	pthread_cond_init(&p->cv_space, NULL);
	if (jobs > p->nfiles)
		jobs = p->nfiles;
	/* The main thread prints; with one job it also analyzes, inline. */
	for (int k = 0; k < jobs && jobs > 1; k++)
		if (pthread_create(&tid[k], NULL, worker, p) == 0)
			started++;
	if (started == 0) {
		struct inbuf ib = {0};
		for (int i = 0; i < p->nfiles; i++) {
			render(p, i, &p->slots[i], &ib);
			p->slots[i].done = true;
		}
		free(ib.p);
	}
	bool failed = print_all(p);
	for (int k = 0; k < started; k++)
		pthread_join(tid[k], NULL);
	pthread_cond_destroy(&p->cv_space);
	pthread_cond_destroy(&p->cv_done);
	pthread_mutex_destroy(&p->mu);
	free(p->slots);
	return failed ? 1 : 0;
}

static int analyze(int argc, char **argv)
{
	bool json = false, stix = false;
	const char *yara_path = NULL;
	struct protect prot = {0};
	struct yg_mail_yara *yara = NULL;
	int rc = 0, r;
	int nfiles = 0, jobs = default_jobs();
	char **files = calloc((size_t)argc, sizeof *files);
	if (!files)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--stix")) {
			stix = true;
		} else if (!strcmp(argv[i], "--jobs") && i + 1 < argc) {
			char *end;
			long v = strtol(argv[++i], &end, 10);
			if (*end || end == argv[i] || v < 1 || v > JOBS_MAX) {
				fprintf(stderr, "yagura mail: --jobs wants 1..%d\n", JOBS_MAX);
				rc = 2;
				goto out;
			}
			jobs = (int)v;
		} else if (!strcmp(argv[i], "--yara") && i + 1 < argc) {
			yara_path = argv[++i];
		} else if (!strcmp(argv[i], "--protect") && i + 1 < argc) {
			if ((r = protect_load(&prot, argv[++i])) < 0) {
				fprintf(stderr, "yagura mail: --protect %s: %s\n", argv[i],
				        strerror(-r));
				rc = 2;
				goto out;
			}
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			goto out;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "yagura mail: unknown option %s\n", argv[i]);
			usage(stderr);
			rc = 2;
			goto out;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (nfiles == 0 || (json && stix)) {
		usage(stderr);
		rc = 2;
		goto out;
	}
	if (yara_path) {
		char err[512] = "";
		if ((r = yg_mail_yara_load(yara_path, err, sizeof err, &yara)) < 0) {
			fprintf(stderr, "yagura mail: --yara: %s\n", err[0] ? err : strerror(-r));
			rc = 2;
			goto out;
		}
	}
	/* Every message allocates and frees the same few MiB again: glibc's
	 * defaults hand the top of the heap back to the kernel after each one
	 * (and serve big parts with mmap/munmap), so the next message page-
	 * faulted all of it in again, the largest cost after the hashes on
	 * mailbox-like input. Kept, the heap stops at the largest message. */
	mallopt(M_MMAP_THRESHOLD, 32 << 20);
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	struct yg_mail_opts opts = {yara, (const char *const *)prot.v};
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	struct pool pool = {.files = files,
	                    .nfiles = nfiles,
	                    .opts = &opts,
	                    .json = json,
	                    .stix = stix,
	                    .now_ms = now_ms};
	r = run_pool(&pool, jobs);
	if (r < 0) {
		fprintf(stderr, "yagura mail: %s\n", strerror(-r));
		r = 1;
	}
	rc = r;
out:
	for (size_t i = 0; i < prot.n; i++)
		free(prot.v[i]);
	yg_mail_yara_free(yara);
	free(files);
	return rc;
}

#define ANSWER_MAX (64u << 20)

/* The first line of a token file, without surrounding blanks. */
static int token_from_file(const char *path, char *out, size_t outlen)
{
	FILE *f = fopen(path, "re");
	if (!f)
		return -errno;
	char line[512];
	int r = fgets(line, sizeof line, f) ? 0 : -ENODATA;
	fclose(f);
	if (r < 0)
		return r;
	char *p = line;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strcspn(p, " \t\r\n");
	if (n == 0 || n >= outlen)
		return -EINVAL;
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

static int submit_one(CURL *c, const char *url, struct curl_slist *hdr, const char *path,
		      bool json)
{
	const uint8_t *msg = NULL;
	uint8_t *own = NULL;
	size_t len = 0;
	int r = read_input(path, NULL, &msg, &len, &own);
	if (r < 0) {
		fprintf(stderr, "yagura mail: %s: %s\n", path, strerror(-r));
		return 1;
	}
	struct yg_curlbody a = {.limit = ANSWER_MAX};
	char err[CURL_ERROR_SIZE] = "";
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, (const char *)msg);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, yg_curlbody_write);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, err);
	CURLcode cr = curl_easy_perform(c);
	long status = 0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	int rc = 1;
	json_t *j = cr == CURLE_OK && a.p ? json_loads(a.p, 0, NULL) : NULL;
	if (cr != CURLE_OK) {
		fprintf(stderr, "yagura mail: %s: %s\n", path, err[0] ? err : curl_easy_strerror(cr));
	} else if (status != 201 || !json_is_object(j)) {
		const char *title = json_string_value(json_object_get(j, "title"));
		const char *desc = json_string_value(json_object_get(j, "description"));
		fprintf(stderr, "yagura mail: %s: the hub answered %ld%s%s%s%s\n", path, status,
			title ? ": " : "", title ? title : "", desc ? " - " : "", desc ? desc : "");
	} else if (json) {
		printf("%s\n", a.p);
		rc = 0;
	} else {
		const char *camp = json_string_value(json_object_get(j, "campaign"));
		printf("%s\t%s\t%s\t%lld indicators\n", path,
		       json_string_value(json_object_get(j, "submission")), camp ? camp : "-",
		       (long long)json_integer_value(json_object_get(j, "indicators")));
		rc = 0;
	}
	json_decref(j);
	yg_curlbody_release(&a);
	free(own);
	return rc;
}

static int submit(int argc, char **argv)
{
	const char *hub = NULL, *token = NULL, *token_file = NULL, *tlp = "amber", *ca = NULL;
	const char *share = NULL;
	char *url = NULL, *share_q = NULL;
	bool json = false;
	const char **files = calloc((size_t)argc, sizeof *files);
	size_t nfiles = 0;
	if (!files)
		return 1;
	int rc = 2;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		bool has = i + 1 < argc;
		if (!strcmp(a, "--hub") && has)
			hub = argv[++i];
		else if (!strcmp(a, "--token") && has)
			token = argv[++i];
		else if (!strcmp(a, "--token-file") && has)
			token_file = argv[++i];
		else if (!strcmp(a, "--tlp") && has)
			tlp = argv[++i];
		else if (!strcmp(a, "--share") && has)
			share = argv[++i];
		else if (!strcmp(a, "--hub-ca") && has)
			ca = argv[++i];
		else if (!strcmp(a, "--json"))
			json = true;
		else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "yagura mail submit: unknown option %s\n", a);
			goto out;
		} else
			files[nfiles++] = a;
	}
	if (!hub || (!token && !token_file) || (token && token_file) || nfiles == 0) {
		fprintf(stderr, "yagura mail submit: needs FILE.eml..., --hub URL and one of "
				"--token, --token-file\n");
		goto out;
	}
	static const char *const levels[] = {"clear", "green", "amber", "amber+strict", "red"};
	bool tlp_ok = false;
	for (size_t i = 0; i < 5; i++)
		tlp_ok |= !strcmp(tlp, levels[i]);
	if (!tlp_ok) {
		fprintf(stderr, "yagura mail submit: --tlp must be clear, green, amber, "
				"amber+strict or red\n");
		goto out;
	}
	char tok[256];
	if (token_file) {
		int r = token_from_file(token_file, tok, sizeof tok);
		if (r < 0) {
			fprintf(stderr, "yagura mail submit: --token-file %s: %s\n", token_file,
				strerror(-r));
			rc = 1;
			goto out;
		}
		token = tok;
	}
	char auth[320];
	snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
	size_t hl = strlen(hub);
	while (hl && hub[hl - 1] == '/')
		hl--;
	if (hl > 4000)
		hl = 4000;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	CURL *c = curl_easy_init();
	/* Names may hold any byte: the list goes percent-encoded. */
	if (c && share)
		share_q = curl_easy_escape(c, share, 0);
	size_t ul = hl + 64 + (share_q ? strlen(share_q) : 0);
	url = (!share || share_q) ? malloc(ul) : NULL;
	/* '+' in a query is a space to some decoders: send it escaped. */
	if (url)
		snprintf(url, ul, "%.*s/api/v1/mail?tlp=%s%s%s", (int)hl, hub,
			 !strcmp(tlp, "amber+strict") ? "amber%2Bstrict" : tlp,
			 share_q ? "&share=" : "", share_q ? share_q : "");
	struct curl_slist *hdr = NULL;
	hdr = curl_slist_append(hdr, auth);
	hdr = curl_slist_append(hdr, "Content-Type: message/rfc822");
	hdr = curl_slist_append(hdr, "Accept: application/json");
	hdr = curl_slist_append(hdr, "Expect:");
	rc = 1;
	if (c && hdr && url) {
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 300000L);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
		if (ca)
			curl_easy_setopt(c, CURLOPT_CAINFO, ca);
		rc = 0;
		for (size_t i = 0; i < nfiles; i++)
			rc |= submit_one(c, url, hdr, files[i], json);
	}
	curl_slist_free_all(hdr);
	curl_free(share_q);
	free(url);
	curl_easy_cleanup(c);
	curl_global_cleanup();
out:
	free(files);
	return rc;
}

int yg_cmd_mail(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (!strcmp(argv[1], "analyze"))
		return analyze(argc - 1, argv + 1);
	if (!strcmp(argv[1], "submit"))
		return submit(argc - 1, argv + 1);
	fprintf(stderr, "yagura mail: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

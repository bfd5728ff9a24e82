/*
 * yagura mail: e-mail analysis (issue 5).
 *
 *   yagura mail analyze FILE.eml... [--json | --stix] [--yara RULES]
 *                       [--protect DOMAINS|FILE]
 *
 * --json prints one JSON report per line (fields documented in
 * src/mail/mail.h), --stix one STIX 2.1 bundle per line; without either a
 * short human summary. A file that cannot be analyzed is reported on
 * stderr (and as {"file":..,"error":..} with --json/--stix); the others are
 * still analyzed. Exit status: 0 all analyzed, 1 some failed, 2 usage.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "mail/mail.h"

#define PROTECT_MAX 4096

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: yagura mail analyze FILE.eml... [--json | --stix] [--yara RULES]\n"
	    "                           [--protect DOMAINS|FILE]\n"
	    "  --json      one JSON report per line\n"
	    "  --stix      one STIX 2.1 bundle per line\n"
	    "  --yara F    scan attachments and archive members with the YARA rules in F\n"
	    "  --protect   comma-separated domains, or a file of them (one a line, # comments),\n"
	    "              whose look-alikes are flagged\n");
}

static int read_file(const char *path, uint8_t **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	size_t cap = 1 << 16, n = 0;
	uint8_t *buf = malloc(cap);
	int r = 0;
	while (buf) {
		if (n == cap) {
			if (cap > YG_MAIL_MAX_INPUT) {
				r = -E2BIG;
				break;
			}
			uint8_t *b = realloc(buf, cap * 2);
			if (!b) {
				r = -ENOMEM;
				break;
			}
			buf = b;
			cap *= 2;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0) {
			if (ferror(f))
				r = -EIO;
			break;
		}
	}
	fclose(f);
	if (!buf)
		return -ENOMEM;
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = n;
	return 0;
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
	uint8_t *buf;
	size_t len;
	char sep = ',';
	const char *s = arg;
	size_t n = strlen(arg);
	FILE *probe = strchr(arg, '/') || !strchr(arg, ',') ? fopen(arg, "rb") : NULL;
	bool from_file = probe != NULL;
	if (probe)
		fclose(probe);
	if (from_file) {
		int r = read_file(arg, &buf, &len);
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
	if (from_file)
		free(buf);
	return r;
}

static void print_summary(const char *path, const struct yg_mail_report *r)
{
	printf("%s\n", path);
	printf("  from:       %s\n", r->from.n ? r->from.v[0].address : "-");
	printf("  subject:    %s\n", r->subject ? r->subject : "-");
	printf("  sending ip: %s  (%zu hops)\n", r->sending_ip ? r->sending_ip : "-", r->n_hops);
	printf("  auth:       spf=%s dkim=%s dmarc=%s\n", r->spf ? r->spf : "-",
	       r->dkim ? r->dkim : "-", r->dmarc ? r->dmarc : "-");
	printf("  urls:       %zu\n", r->n_urls);
	for (size_t i = 0; i < r->n_urls && i < 20; i++)
		printf("    %s%s\n", r->urls[i].url,
		       r->urls[i].text_mismatch ? "  [text shows another domain]" : "");
	printf("  files:      %zu\n", r->n_files);
	for (size_t i = 0; i < r->n_files; i++) {
		const struct yg_mail_file *f = &r->files[i];
		printf("    %s  %s  %llu bytes  sha256 %s", f->path,
		       f->sniffed_type ? f->sniffed_type : "?", (unsigned long long)f->size,
		       f->sha256[0] ? f->sha256 : "-");
		for (unsigned b = 0; b < YG_MAIL_F_COUNT; b++)
			if (f->flags & (1u << b))
				printf(" [%s]", yg_mail_flag_name(b));
		for (size_t k = 0; k < f->yara.n; k++)
			printf(" [yara:%s]", f->yara.v[k]);
		printf("\n");
	}
	for (size_t i = 0; i < r->n_spoofs; i++)
		printf("  spoofing:   %s: %s\n", r->spoofs[i].kind, r->spoofs[i].detail);
	for (size_t i = 0; i < r->anomalies.n; i++)
		printf("  anomaly:    %s\n", r->anomalies.v[i]);
	printf("  risk:       %d/100\n", r->score);
	for (size_t i = 0; i < r->n_reasons; i++)
		printf("    +%d %s (%s)\n", r->reasons[i].points, r->reasons[i].code,
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

static int analyze(int argc, char **argv)
{
	bool json = false, stix = false;
	const char *yara_path = NULL;
	struct protect prot = {0};
	struct yg_mail_yara *yara = NULL;
	int rc = 0, r;
	int nfiles = 0;
	char **files = calloc((size_t)argc, sizeof *files);
	if (!files)
		return 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--stix")) {
			stix = true;
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
	struct yg_mail_opts opts = {yara, (const char *const *)prot.v};
	struct timespec now;
	clock_gettime(CLOCK_REALTIME, &now);
	int64_t now_ms = (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
	for (int i = 0; i < nfiles; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;
		struct yg_mail_report *rep = NULL;
		r = read_file(files[i], &buf, &len);
		if (r == 0)
			r = yg_mail_analyze(buf, len, &opts, &rep);
		free(buf);
		if (r < 0) {
			fprintf(stderr, "yagura mail: %s: %s\n", files[i], err_text(r));
			if (json || stix) {
				json_t *e =
				    json_pack("{s:s,s:s}", "file", files[i], "error", err_text(r));
				char *s = e ? json_dumps(e, JSON_COMPACT) : NULL;
				if (s)
					printf("%s\n", s);
				free(s);
				json_decref(e);
			}
			rc = 1;
			continue;
		}
		rep->file = strdup(files[i]);
		if (json || stix) {
			json_t *j =
			    json ? yg_mail_report_json(rep) : yg_mail_report_stix(rep, now_ms);
			char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
			if (s)
				printf("%s\n", s);
			else
				rc = 1;
			free(s);
			json_decref(j);
		} else {
			print_summary(files[i], rep);
		}
		yg_mail_report_free(rep);
		fflush(stdout);
	}
out:
	for (size_t i = 0; i < prot.n; i++)
		free(prot.v[i]);
	yg_mail_yara_free(yara);
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
	fprintf(stderr, "yagura mail: unknown subcommand '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}

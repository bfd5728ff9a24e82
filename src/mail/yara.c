/*
 * YARA rules: compiled once from a file, then scanned against every
 * attachment (and archive member) kept in memory. libyara's rule sets are
 * safe to scan from several threads at once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yara.h>

#include "mail/mail-int.h"

#define YARA_TIMEOUT_S 10

struct yg_mail_yara {
	YR_RULES *rules;
};

struct cerr {
	char *buf;
	size_t len;
	bool set;
};

static void on_compile_error(int level, const char *file, int line, const YR_RULE *rule,
                             const char *msg, void *ud)
{
	(void)rule;
	struct cerr *e = ud;
	if (level != YARA_ERROR_LEVEL_ERROR || e->set || !e->buf || !e->len)
		return;
	snprintf(e->buf, e->len, "%s:%d: %s", file ? file : "rules", line, msg);
	e->set = true;
}

int yg_mail_yara_load(const char *path, char *errbuf, size_t errlen, struct yg_mail_yara **ret)
{
	int r = -EINVAL;
	YR_COMPILER *c = NULL;
	struct yg_mail_yara *y = NULL;
	struct cerr e = {errbuf, errlen, false};
	FILE *f = NULL;
	if (yr_initialize() != ERROR_SUCCESS)
		return -ENOMEM;
	f = fopen(path, "r");
	if (!f) {
		r = -errno;
		if (errbuf && errlen)
			snprintf(errbuf, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (yr_compiler_create(&c) != ERROR_SUCCESS) {
		r = -ENOMEM;
		goto out;
	}
	yr_compiler_set_callback(c, on_compile_error, &e);
	if (yr_compiler_add_file(c, f, NULL, path) != 0)
		goto out;
	y = calloc(1, sizeof *y);
	if (!y) {
		r = -ENOMEM;
		goto out;
	}
	if (yr_compiler_get_rules(c, &y->rules) != ERROR_SUCCESS) {
		free(y);
		y = NULL;
		r = -ENOMEM;
		goto out;
	}
	*ret = y;
	y = NULL;
	r = 0;
out:
	if (c)
		yr_compiler_destroy(c);
	if (f)
		fclose(f);
	if (r < 0)
		yr_finalize();
	return r;
}

void yg_mail_yara_free(struct yg_mail_yara *y)
{
	if (!y)
		return;
	yr_rules_destroy(y->rules);
	free(y);
	yr_finalize();
}

struct scan {
	struct yg_mail_strv *out;
	int err;
};

static int on_scan(YR_SCAN_CONTEXT *ctx, int msg, void *data, void *ud)
{
	(void)ctx;
	struct scan *s = ud;
	if (msg == CALLBACK_MSG_RULE_MATCHING) {
		const YR_RULE *rule = data;
		if (s->out->n < 64) {
			int r = yg_mail_strv_add_unique(s->out, rule->identifier);
			if (r < 0)
				s->err = r;
		}
	}
	return CALLBACK_CONTINUE;
}

int yg_mail_yara_scan(const struct yg_mail_yara *y, const uint8_t *p, size_t len,
                      struct yg_mail_strv *out)
{
	struct scan s = {out, 0};
	int r =
	    yr_rules_scan_mem(y->rules, p, len, SCAN_FLAGS_FAST_MODE, on_scan, &s, YARA_TIMEOUT_S);
	if (s.err)
		return s.err;
	return r == ERROR_SUCCESS ? 0 : -EIO;
}

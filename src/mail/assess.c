/*
 * Spoofing signs and the risk score. Each sign adds a reason with points;
 * a reason code counts once (its highest points), and the score is the sum
 * capped at 100. The table below is the whole scoring policy.
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mail/mail-int.h"

static const struct {
	const char *code;
	int points;
} policy[] = {
    {"attachment_executable", 40},
    {"attachment_script", 35},
    {"attachment_shortcut", 35},
    {"attachment_double_extension", 30},
    {"attachment_rlo", 30},
    {"attachment_macro", 30},
    {"attachment_encrypted_archive", 20},
    {"attachment_type_mismatch", 20},
    {"attachment_nested_archive", 10},
    {"archive_budget_exceeded", 20},
    {"yara_match", 40},
    {"return_path_mismatch", 10},
    {"reply_to_mismatch", 15},
    {"sender_mismatch", 5},
    {"display_name_address", 20},
    {"lookalike_domain", 30},
    {"idn_homograph", 30},
    {"spf_fail", 15},
    {"dkim_fail", 10},
    {"dmarc_fail", 20},
    {"url_text_mismatch", 25},
    {"url_ip_host", 15},
    {"malformed_mime", 5},
};

static int points_of(const char *code)
{
	for (size_t i = 0; i < sizeof policy / sizeof policy[0]; i++)
		if (!strcmp(policy[i].code, code))
			return policy[i].points;
	return 0;
}

static int reason(struct yg_mail_report *r, const char *code, const char *detail)
{
	for (size_t i = 0; i < r->n_reasons; i++)
		if (!strcmp(r->reasons[i].code, code))
			return 0;
	struct yg_mail_reason *v = realloc(r->reasons, (r->n_reasons + 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	r->reasons = v;
	struct yg_mail_reason *e = &v[r->n_reasons++];
	e->code = yg_mail_strdup(code);
	e->detail = yg_mail_strdup(detail ? detail : "");
	e->points = points_of(code);
	return e->code && e->detail ? 0 : -ENOMEM;
}

static int spoof(struct yg_mail_report *r, const char *kind, const char *detail)
{
	for (size_t i = 0; i < r->n_spoofs; i++)
		if (!strcmp(r->spoofs[i].kind, kind) && !strcmp(r->spoofs[i].detail, detail))
			return 0;
	if (r->n_spoofs >= 64)
		return 0;
	struct yg_mail_spoof *v = realloc(r->spoofs, (r->n_spoofs + 1) * sizeof *v);
	if (!v)
		return -ENOMEM;
	r->spoofs = v;
	struct yg_mail_spoof *s = &v[r->n_spoofs++];
	s->kind = yg_mail_strdup(kind);
	s->detail = yg_mail_strdup(detail);
	if (!s->kind || !s->detail)
		return -ENOMEM;
	return reason(r, kind, detail);
}

/* The first address-looking token of a display name, lower-cased. */
static bool name_address(const char *name, char *buf, size_t buflen)
{
	const char *at = name ? strchr(name, '@') : NULL;
	while (at) {
		const char *s = at, *e = at + 1;
		while (s > name && (isalnum((unsigned char)s[-1]) || strchr("._%+-", s[-1])))
			s--;
		while (*e && (isalnum((unsigned char)*e) || *e == '.' || *e == '-'))
			e++;
		while (e > at + 1 && e[-1] == '.')
			e--;
		if (s < at && e > at + 1 && memchr(at, '.', (size_t)(e - at)) &&
		    (size_t)(e - s) < buflen) {
			for (size_t i = 0; i < (size_t)(e - s); i++)
				buf[i] = (char)tolower((unsigned char)s[i]);
			buf[e - s] = '\0';
			return true;
		}
		at = strchr(at + 1, '@');
	}
	return false;
}

static const char *addr_reg(const char *addr, char **owned)
{
	*owned = NULL;
	const char *at = addr ? strrchr(addr, '@') : NULL;
	if (!at)
		return NULL;
	char *d = yg_mail_strdup(at + 1);
	for (char *p = d; p && *p; p++)
		*p = (char)((unsigned char)*p < 0x80 ? tolower((unsigned char)*p) : *p);
	*owned = d ? yg_mail_reg_domain(d) : NULL;
	free(d);
	return *owned;
}

static int check_domain(struct yg_mail_report *r, const char *host, const char *reg,
                        const char *where, const struct yg_mail_opts *opts)
{
	char detail[600];
	int e = 0;
	if (host && yg_mail_idn_homograph(host)) {
		snprintf(detail, sizeof detail, "%s: %s", where, host);
		if ((e = spoof(r, "idn_homograph", detail)) < 0)
			return e;
	}
	for (const char *const *p = opts && opts->protect ? opts->protect : NULL; p && *p; p++) {
		if (reg && yg_mail_lookalike(reg, *p)) {
			snprintf(detail, sizeof detail, "%s: %s looks like %s", where, reg, *p);
			if ((e = spoof(r, "lookalike_domain", detail)) < 0)
				return e;
		}
	}
	return 0;
}

static bool failed(const char *v)
{
	return v && (!strcmp(v, "fail") || !strcmp(v, "softfail") || !strcmp(v, "permerror"));
}

int yg_mail_assess(struct yg_mail_report *r, const struct yg_mail_opts *opts)
{
	char detail[600];
	int e = 0;
	/* The parser gives a list its array with its first address. */
	assert(r->from.v || r->from.n == 0);
	const struct yg_mail_addr *from = r->from.n ? &r->from.v[0] : NULL;
	const char *freg = from ? from->reg_domain : NULL;
	if (freg && r->return_path && r->return_path[0]) {
		char *own;
		const char *rreg = addr_reg(r->return_path, &own);
		if (rreg && strcmp(rreg, freg)) {
			snprintf(detail, sizeof detail, "From %s, Return-Path %s", freg, rreg);
			e = spoof(r, "return_path_mismatch", detail);
		}
		free(own);
		if (e < 0)
			return e;
	}
	for (size_t i = 0; freg && i < r->reply_to.n; i++) {
		const char *rr = r->reply_to.v[i].reg_domain;
		if (rr && strcmp(rr, freg)) {
			snprintf(detail, sizeof detail, "From %s, Reply-To %s", freg, rr);
			if ((e = spoof(r, "reply_to_mismatch", detail)) < 0)
				return e;
		}
	}
	for (size_t i = 0; freg && i < r->sender.n; i++) {
		const char *sr = r->sender.v[i].reg_domain;
		if (sr && strcmp(sr, freg)) {
			snprintf(detail, sizeof detail, "From %s, Sender %s", freg, sr);
			if ((e = spoof(r, "sender_mismatch", detail)) < 0)
				return e;
		}
	}
	for (size_t i = 0; i < r->from.n; i++) {
		char shown[256];
		const struct yg_mail_addr *a = &r->from.v[i];
		if (name_address(a->name, shown, sizeof shown) && strcasecmp(shown, a->address)) {
			snprintf(detail, sizeof detail, "display name shows %s, address is %s",
			         shown, a->address);
			if ((e = spoof(r, "display_name_address", detail)) < 0)
				return e;
		}
	}
	if (from && (e = check_domain(r, from->domain, freg, "From", opts)) < 0)
		return e;
	for (size_t i = 0; i < r->reply_to.n; i++)
		if ((e = check_domain(r, r->reply_to.v[i].domain, r->reply_to.v[i].reg_domain,
		                      "Reply-To", opts)) < 0)
			return e;
	for (size_t i = 0; i < r->n_urls; i++) {
		const struct yg_mail_url *u = &r->urls[i];
		if ((e = check_domain(r, u->host, u->reg_domain, "URL", opts)) < 0)
			return e;
		if (u->text_mismatch) {
			snprintf(detail, sizeof detail, "link text \"%.200s\" goes to %.300s",
			         u->link_text ? u->link_text : "", u->url);
			if ((e = reason(r, "url_text_mismatch", detail)) < 0)
				return e;
		}
		if (u->host && !u->reg_domain &&
		    (isdigit((unsigned char)u->host[0]) || u->host[0] == '[')) {
			snprintf(detail, sizeof detail, "%.500s", u->url);
			if ((e = reason(r, "url_ip_host", detail)) < 0)
				return e;
		}
	}
	if (failed(r->spf) && (e = reason(r, "spf_fail", r->spf)) < 0)
		return e;
	if (failed(r->dkim) && (e = reason(r, "dkim_fail", r->dkim)) < 0)
		return e;
	if (failed(r->dmarc) && (e = reason(r, "dmarc_fail", r->dmarc)) < 0)
		return e;
	static const struct {
		unsigned flag;
		const char *code;
	} fmap[] = {
	    {YG_MAIL_F_EXECUTABLE, "attachment_executable"},
	    {YG_MAIL_F_SCRIPT, "attachment_script"},
	    {YG_MAIL_F_SHORTCUT, "attachment_shortcut"},
	    {YG_MAIL_F_DOUBLE_EXT, "attachment_double_extension"},
	    {YG_MAIL_F_RLO, "attachment_rlo"},
	    {YG_MAIL_F_MACRO, "attachment_macro"},
	    {YG_MAIL_F_ENCRYPTED, "attachment_encrypted_archive"},
	    {YG_MAIL_F_TYPE_MISMATCH, "attachment_type_mismatch"},
	    {YG_MAIL_F_NESTED_ARCHIVE, "attachment_nested_archive"},
	    {YG_MAIL_F_BUDGET_EXCEEDED, "archive_budget_exceeded"},
	};
	for (size_t i = 0; i < r->n_files; i++) {
		const struct yg_mail_file *f = &r->files[i];
		for (size_t k = 0; k < sizeof fmap / sizeof fmap[0]; k++)
			if ((f->flags & fmap[k].flag) && (e = reason(r, fmap[k].code, f->path)) < 0)
				return e;
		if (f->yara.n) {
			snprintf(detail, sizeof detail, "%.200s: %.300s", f->path, f->yara.v[0]);
			if ((e = reason(r, "yara_match", detail)) < 0)
				return e;
		}
	}
	static const char *const malformed[] = {"malformed_multipart",
	                                        "multipart_without_boundary",
	                                        "invalid_base64",
	                                        "mime_nesting_overflow",
	                                        "too_many_parts",
	                                        "mime_too_deep",
	                                        "part_without_headers_or_content"};
	for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++)
		if (yg_mail_strv_has(&r->anomalies, malformed[i])) {
			if ((e = reason(r, "malformed_mime", malformed[i])) < 0)
				return e;
			break;
		}
	int score = 0;
	for (size_t i = 0; i < r->n_reasons; i++)
		score += r->reasons[i].points;
	r->score = score > 100 ? 100 : score;
	return 0;
}

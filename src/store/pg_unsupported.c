/*
 * PostgreSQL backend: the mail (store_mail.h) and telescope
 * (store_darknet.h) halves are not written yet. Every operation answers
 * -ENOTSUP, so callers fail cleanly instead of reaching a NULL table; the
 * hub answers those routes 501 on this backend (hub.c). Their tables
 * exist (pg_schema.c), so `hub migrate` already copies their rows.
 */
#include <errno.h>

#include "store/pg-int.h"
#include "store/store_darknet.h"
#include "store/store_mail.h"

static int pg_mail_org_domain_add(struct yg_store *st, int64_t org, const char *domain)
{
	(void)st;
	(void)org;
	(void)domain;
	return -ENOTSUP;
}

static int pg_mail_org_domain_del(struct yg_store *st, int64_t org, const char *domain)
{
	(void)st;
	(void)org;
	(void)domain;
	return -ENOTSUP;
}

static int pg_mail_org_domains(struct yg_store *st, int64_t org, int (*fn)(void *ud, const char *domain), void *ud)
{
	(void)st;
	(void)org;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_mail_org_naming_set(struct yg_store *st, int64_t org, bool allow)
{
	(void)st;
	(void)org;
	(void)allow;
	return -ENOTSUP;
}

static int pg_mail_org_naming_get(struct yg_store *st, int64_t org, bool *ret)
{
	(void)st;
	(void)org;
	(void)ret;
	return -ENOTSUP;
}

static int pg_mail_pii_add(struct yg_store *st, const char *pattern)
{
	(void)st;
	(void)pattern;
	return -ENOTSUP;
}

static int pg_mail_pii_del(struct yg_store *st, const char *pattern)
{
	(void)st;
	(void)pattern;
	return -ENOTSUP;
}

static int pg_mail_pii_list(struct yg_store *st, int (*fn)(void *ud, const char *pattern), void *ud)
{
	(void)st;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_mail_sub_put(struct yg_store *st, const struct yg_mail_sub *s, const uint8_t *blob, size_t blob_len, int64_t *ret_id)
{
	(void)st;
	(void)s;
	(void)blob;
	(void)blob_len;
	(void)ret_id;
	return -ENOTSUP;
}

static int pg_mail_sub_get(struct yg_store *st, const char *uuid, int64_t id, struct yg_mail_sub *ret)
{
	(void)st;
	(void)uuid;
	(void)id;
	(void)ret;
	return -ENOTSUP;
}

static int pg_mail_sub_blob(struct yg_store *st, int64_t id, uint8_t **ret, size_t *ret_len)
{
	(void)st;
	(void)id;
	(void)ret;
	(void)ret_len;
	return -ENOTSUP;
}

static int pg_mail_sub_named(struct yg_store *st, int64_t sub_id, int64_t viewer_org, bool *ret)
{
	(void)st;
	(void)sub_id;
	(void)viewer_org;
	(void)ret;
	return -ENOTSUP;
}

static int pg_mail_sub_shares(struct yg_store *st, int64_t sub_id, int64_t *ret_orgs, size_t *ret_n_orgs, int64_t *ret_groups, size_t *ret_n_groups)
{
	(void)st;
	(void)sub_id;
	(void)ret_orgs;
	(void)ret_n_orgs;
	(void)ret_groups;
	(void)ret_n_groups;
	return -ENOTSUP;
}

static int pg_mail_sub_list_campaign(struct yg_store *st, int64_t campaign, int64_t viewer_org, int (*fn)(void *ud, const struct yg_mail_sub *s), void *ud)
{
	(void)st;
	(void)campaign;
	(void)viewer_org;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_mail_sub_set_campaign(struct yg_store *st, int64_t sub_id, int64_t campaign)
{
	(void)st;
	(void)sub_id;
	(void)campaign;
	return -ENOTSUP;
}

static int pg_mail_value_intern(struct yg_store *st, int type, const char *value, bool warning, int64_t ssdeep_bs, int64_t *ret_id)
{
	(void)st;
	(void)type;
	(void)value;
	(void)warning;
	(void)ssdeep_bs;
	(void)ret_id;
	return -ENOTSUP;
}

static int pg_mail_posting_add(struct yg_store *st, int64_t value_id, int64_t sub_id)
{
	(void)st;
	(void)value_id;
	(void)sub_id;
	return -ENOTSUP;
}

static int pg_mail_value_subs(struct yg_store *st, int64_t value_id, size_t limit, int (*fn)(void *ud, int64_t sub_id, int64_t org, int64_t campaign), void *ud)
{
	(void)st;
	(void)value_id;
	(void)limit;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_mail_ssdeep_grams_add(struct yg_store *st, int64_t value_id, const int64_t *grams, size_t n)
{
	(void)st;
	(void)value_id;
	(void)grams;
	(void)n;
	return -ENOTSUP;
}

static int pg_mail_ssdeep_candidates(struct yg_store *st, const int64_t *grams, size_t n, size_t limit, int (*fn)(void *ud, int64_t value_id, const char *digest), void *ud)
{
	(void)st;
	(void)grams;
	(void)n;
	(void)limit;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_mail_campaign_values(struct yg_store *st, int64_t campaign, int64_t min_subs, int64_t viewer_org, bool all, int (*fn)(void *ud, const struct yg_corr_value_row *v), void *ud)
{
	(void)st;
	(void)campaign;
	(void)min_subs;
	(void)viewer_org;
	(void)all;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_mail_value_count(struct yg_store *st, int64_t *ret_values, int64_t *ret_postings)
{
	(void)st;
	(void)ret_values;
	(void)ret_postings;
	return -ENOTSUP;
}

static int pg_mail_campaign_new(struct yg_store *st, const char *stix_id, int64_t *ret_id)
{
	(void)st;
	(void)stix_id;
	(void)ret_id;
	return -ENOTSUP;
}

static int pg_mail_campaign_merge(struct yg_store *st, int64_t into, int64_t from)
{
	(void)st;
	(void)into;
	(void)from;
	return -ENOTSUP;
}

static int pg_mail_campaign_touch(struct yg_store *st, int64_t id)
{
	(void)st;
	(void)id;
	return -ENOTSUP;
}

static int pg_mail_campaign_get(struct yg_store *st, const char *stix_id, int64_t id, struct yg_campaign *ret)
{
	(void)st;
	(void)stix_id;
	(void)id;
	(void)ret;
	return -ENOTSUP;
}

static int pg_mail_campaign_list(struct yg_store *st, int64_t org, enum yg_tlp max_tlp, bool all, int (*fn)(void *ud, const struct yg_campaign *c), void *ud)
{
	(void)st;
	(void)org;
	(void)max_tlp;
	(void)all;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_mail_notify_add(struct yg_store *st, int64_t org, const char *json)
{
	(void)st;
	(void)org;
	(void)json;
	return -ENOTSUP;
}

static int pg_mail_notify_list(struct yg_store *st, int64_t org, size_t limit, int (*fn)(void *ud, int64_t id, int64_t created_us, const char *json), void *ud)
{
	(void)st;
	(void)org;
	(void)limit;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

const struct yg_store_mail_ops yg_pg_mail_ops = {
	.org_domain_add = pg_mail_org_domain_add,
	.org_domain_del = pg_mail_org_domain_del,
	.org_domains = pg_mail_org_domains,
	.org_naming_set = pg_mail_org_naming_set,
	.org_naming_get = pg_mail_org_naming_get,
	.pii_add = pg_mail_pii_add,
	.pii_del = pg_mail_pii_del,
	.pii_list = pg_mail_pii_list,
	.sub_put = pg_mail_sub_put,
	.sub_get = pg_mail_sub_get,
	.sub_blob = pg_mail_sub_blob,
	.sub_named = pg_mail_sub_named,
	.sub_shares = pg_mail_sub_shares,
	.sub_list_campaign = pg_mail_sub_list_campaign,
	.sub_set_campaign = pg_mail_sub_set_campaign,
	.value_intern = pg_mail_value_intern,
	.posting_add = pg_mail_posting_add,
	.value_subs = pg_mail_value_subs,
	.ssdeep_grams_add = pg_mail_ssdeep_grams_add,
	.ssdeep_candidates = pg_mail_ssdeep_candidates,
	.campaign_values = pg_mail_campaign_values,
	.value_count = pg_mail_value_count,
	.campaign_new = pg_mail_campaign_new,
	.campaign_merge = pg_mail_campaign_merge,
	.campaign_touch = pg_mail_campaign_touch,
	.campaign_get = pg_mail_campaign_get,
	.campaign_list = pg_mail_campaign_list,
	.notify_add = pg_mail_notify_add,
	.notify_list = pg_mail_notify_list,
};

static int pg_dn_window_put(struct yg_store *st, int64_t org_id, const struct yg_dn_window *w)
{
	(void)st;
	(void)org_id;
	(void)w;
	return -ENOTSUP;
}

static int pg_dn_minute_top(struct yg_store *st, int64_t minute, bool by_new, size_t limit, int (*fn)(void *ud, const struct yg_dn_port *p), void *ud)
{
	(void)st;
	(void)minute;
	(void)by_new;
	(void)limit;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_dn_minutes(struct yg_store *st, uint8_t proto, uint16_t port, int64_t from, int64_t to, bool covered_only, int (*fn)(void *ud, const struct yg_dn_point *p), void *ud)
{
	(void)st;
	(void)proto;
	(void)port;
	(void)from;
	(void)to;
	(void)covered_only;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_dn_hours(struct yg_store *st, uint8_t proto, uint16_t port, int64_t from, int64_t to, int (*fn)(void *ud, const struct yg_dn_point *p), void *ud)
{
	(void)st;
	(void)proto;
	(void)port;
	(void)from;
	(void)to;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_dn_surge_open(struct yg_store *st, uint8_t proto, uint16_t port, int64_t min_last, struct yg_dn_surge *ret)
{
	(void)st;
	(void)proto;
	(void)port;
	(void)min_last;
	(void)ret;
	return -ENOTSUP;
}

static int pg_dn_surge_put(struct yg_store *st, const struct yg_dn_surge *s, int64_t *ret_id)
{
	(void)st;
	(void)s;
	(void)ret_id;
	return -ENOTSUP;
}

static int pg_dn_surge_list(struct yg_store *st, int64_t min_last, size_t limit, int (*fn)(void *ud, const struct yg_dn_surge *s), void *ud)
{
	(void)st;
	(void)min_last;
	(void)limit;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_dn_surge_ports(struct yg_store *st, int64_t min_last, int (*fn)(void *ud, uint8_t proto, uint16_t port), void *ud)
{
	(void)st;
	(void)min_last;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_dn_sources_top(struct yg_store *st, int32_t port, int64_t min_last, size_t limit, int (*fn)(void *ud, const struct yg_dn_source *s), void *ud)
{
	(void)st;
	(void)port;
	(void)min_last;
	(void)limit;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_dn_victims_top(struct yg_store *st, size_t limit, int (*fn)(void *ud, const struct yg_dn_victim *v), void *ud)
{
	(void)st;
	(void)limit;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_dn_windows(struct yg_store *st, int64_t org, size_t limit, int (*fn)(void *ud, const struct yg_dn_window_row *w), void *ud)
{
	(void)st;
	(void)org;
	(void)limit;
	(void)fn;
	(void)ud;
	return -ENOTSUP;
}

static int pg_dn_last_minute(struct yg_store *st, int64_t *ret)
{
	(void)st;
	(void)ret;
	return -ENOTSUP;
}

static int pg_dn_sweep(struct yg_store *st, int64_t now_minute, unsigned minute_days, unsigned hour_days)
{
	(void)st;
	(void)now_minute;
	(void)minute_days;
	(void)hour_days;
	return -ENOTSUP;
}

const struct yg_store_darknet_ops yg_pg_darknet_ops = {
	.window_put = pg_dn_window_put,
	.minute_top = pg_dn_minute_top,
	.minutes = pg_dn_minutes,
	.hours = pg_dn_hours,
	.surge_open = pg_dn_surge_open,
	.surge_put = pg_dn_surge_put,
	.surge_list = pg_dn_surge_list,
	.surge_ports = pg_dn_surge_ports,
	.sources_top = pg_dn_sources_top,
	.victims_top = pg_dn_victims_top,
	.windows = pg_dn_windows,
	.last_minute = pg_dn_last_minute,
	.sweep = pg_dn_sweep,
};

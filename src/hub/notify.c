/*
 * The notifier of infected hosts (hosts_int.h): from pending hosts to one
 * notice per owner per window, and from notices to deliveries.
 *
 * Why a thread of its own: delivering waits on SMTP servers and owners'
 * webhooks, which must never hold a request worker or the alert level's
 * thread. It has its own store connection and wakes once a second (or at
 * once when kicked: a critical host, an admin's POST /hosts/notify).
 *
 * Batching. An owner with pending hosts gets a notice when its window
 * has passed (every_s, a day by default, since the oldest evidence no
 * notice covered yet: what comes within a window goes out together, and
 * two notices are never closer than a window but for critical hosts), at
 * once when a pending host is critical, or when forced. The notice lists every
 * pending host of the owner with its newest evidence, the families, and
 * the removal guidance of each family in the owner's language
 * (guidance_dir/<family>.<ja|en>.txt, else generic.<lang>.txt, else a
 * built-in text). Owners with no channel (an AS or "unknown" owner, or no
 * e-mail while SMTP is not configured, and no webhook) get no notice:
 * their hosts stay detected, visible to operators.
 *
 * Delivery. Each notice gets one delivery per channel; a failed attempt
 * is recorded and retried after retry_base_s * 2^(attempts-1) (capped at
 * retry_max_s), until retry_attempts, then "gave_up". Every attempt is a
 * row (store_hosts.h), so operators see each try and its error.
 *
 * One-time links. The stored notice holds placeholders, never tokens:
 * each attempt makes fresh random tokens, stores only their SHA-256 and
 * writes the links into what it sends. A reader of the database cannot
 * acknowledge anything; each token sets one host to one state, once,
 * within YG_NOTIFY_TOKEN_DAYS.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>
#include <openssl/sha.h>

#include "hub/buf.h"
#include "hub/hosts.h"
#include "hub/hosts_int.h"
#include "hub/ids.h"
#include "hub/notify_send.h"
#include "hub/owner_csv.h"
#include "level/level.h"
#include "store/store_hosts.h"

#define CONFIG_MAX            (256 * 1024)
#define GUIDANCE_MAX          (64 * 1024)
#define NOTICE_HOSTS_MAX      500 /* hosts in one notice; the rest wait for the next */
#define NOTICE_EVIDENCE       5   /* newest evidence rows per host in a notice */
#define OWNERS_PER_RUN        1000
#define DELIVERIES_PER_RUN    50
#define YG_NOTIFY_TOKEN_DAYS  30
#define SIGNAL_EVERY_US       (60 * 1000000LL)
#define PLACEHOLDER           "@@LINK:"
#define YG_GUIDANCE_DIR       "/usr/local/share/yagura/guidance"

struct yg_notify {
	struct yg_hub *h;
	struct yg_store *st;
	pthread_t thread;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, kicked, force;
	/* Configuration (notify.json). */
	unsigned every_s;
	char public_url[512];
	char guidance_dir[4200];
	bool smtp_on;
	struct yg_smtp_config smtp;
	unsigned webhook_timeout_s;
	double retry_base_s, retry_max_s;
	unsigned retry_attempts;
	int64_t last_signal_us;
	double signal_pushed;
};

/* ---- configuration ---- */

static int cfg_fail(char *err, size_t errlen, const char *path, const char *field,
		    const char *why)
{
	snprintf(err, errlen, "%s: %s %s", path, field, why);
	return -EINVAL;
}

static bool text_field(const json_t *o, const char *key, char *out, size_t n, bool *bad)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return false;
	const char *s = json_string_value(v);
	if (!s || strlen(s) >= n) {
		*bad = true;
		return false;
	}
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20) {
			*bad = true;
			return false;
		}
	memcpy(out, s, strlen(s) + 1);
	return true;
}

static bool num_field(const json_t *o, const char *key, double lo, double hi, double *out,
		      bool *bad)
{
	const json_t *v = json_object_get(o, key);
	if (!v)
		return false;
	if (!json_is_number(v) || json_number_value(v) < lo || json_number_value(v) > hi) {
		*bad = true;
		return false;
	}
	*out = json_number_value(v);
	return true;
}

/* DIR/notify.json; absent: defaults (no SMTP, webhooks only). */
static int load_config(struct yg_notify *n, const char *dir, char *err, size_t errlen)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/notify.json", dir);
	n->every_s = 86400;
	n->webhook_timeout_s = 10;
	n->retry_base_s = 5;
	n->retry_max_s = 600;
	n->retry_attempts = 8;
	n->smtp.timeout_s = 30;
	n->smtp.starttls = 1;
	snprintf(n->smtp.from, sizeof n->smtp.from, "yagura@localhost");
	snprintf(n->guidance_dir, sizeof n->guidance_dir, "%s/guidance", dir);
	struct stat sb;
	if (stat(path, &sb) < 0)
		return 0;
	if (sb.st_size > CONFIG_MAX)
		return cfg_fail(err, errlen, path, "file", "is larger than 256 KiB");
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(root)) {
		snprintf(err, errlen, "%s: line %d: %s", path, je.line,
			 root ? "must be a JSON object" : je.text);
		json_decref(root);
		return -EINVAL;
	}
	bool bad = false;
	double d;
	int r = 0;
	if (num_field(root, "every_s", 1, 86400.0 * 366, &d, &bad))
		n->every_s = (unsigned)d;
	if (bad) {
		r = cfg_fail(err, errlen, path, "every_s", "must be 1..31622400 seconds");
		goto out;
	}
	text_field(root, "public_url", n->public_url, sizeof n->public_url, &bad);
	if (bad || (n->public_url[0] && strncmp(n->public_url, "http://", 7) &&
		    strncmp(n->public_url, "https://", 8))) {
		r = cfg_fail(err, errlen, path, "public_url", "must be an http(s) URL");
		goto out;
	}
	size_t ul = strlen(n->public_url);
	while (ul && n->public_url[ul - 1] == '/')
		n->public_url[--ul] = '\0';
	text_field(root, "guidance_dir", n->guidance_dir, sizeof n->guidance_dir, &bad);
	if (bad) {
		r = cfg_fail(err, errlen, path, "guidance_dir", "must be a path");
		goto out;
	}
	const json_t *smtp = json_object_get(root, "smtp");
	if (smtp) {
		char tls[16] = "try";
		if (!json_is_object(smtp) ||
		    !text_field(smtp, "url", n->smtp.url, sizeof n->smtp.url, &bad) || bad ||
		    (strncmp(n->smtp.url, "smtp://", 7) && strncmp(n->smtp.url, "smtps://", 8))) {
			r = cfg_fail(err, errlen, path, "smtp.url",
				     "must be smtp://HOST:PORT or smtps://HOST:PORT");
			goto out;
		}
		text_field(smtp, "user", n->smtp.user, sizeof n->smtp.user, &bad);
		text_field(smtp, "password", n->smtp.password, sizeof n->smtp.password, &bad);
		text_field(smtp, "from", n->smtp.from, sizeof n->smtp.from, &bad);
		text_field(smtp, "starttls", tls, sizeof tls, &bad);
		text_field(smtp, "ca_file", n->smtp.ca_file, sizeof n->smtp.ca_file, &bad);
		if (bad || !yg_owner_email_ok(n->smtp.from) || !n->smtp.from[0]) {
			r = cfg_fail(err, errlen, path, "smtp",
				     "user, password, from (an address), ca_file must be text");
			goto out;
		}
		if (n->smtp.ca_file[0] && access(n->smtp.ca_file, R_OK) < 0) {
			r = cfg_fail(err, errlen, path, "smtp.ca_file", strerror(errno));
			goto out;
		}
		n->smtp.starttls = !strcmp(tls, "off") ? 0 : !strcmp(tls, "require") ? 2 : 1;
		if (strcmp(tls, "off") && strcmp(tls, "try") && strcmp(tls, "require")) {
			r = cfg_fail(err, errlen, path, "smtp.starttls", "must be off, try or require");
			goto out;
		}
		const json_t *ins = json_object_get(smtp, "insecure");
		n->smtp.insecure = json_is_true(ins);
		if (num_field(smtp, "timeout_s", 1, 600, &d, &bad))
			n->smtp.timeout_s = (unsigned)d;
		n->smtp_on = true;
	}
	const json_t *retry = json_object_get(root, "retry");
	if (retry) {
		num_field(retry, "base_s", 0.01, 86400, &n->retry_base_s, &bad);
		num_field(retry, "max_s", 0.01, 86400 * 7, &n->retry_max_s, &bad);
		if (num_field(retry, "attempts", 1, 100, &d, &bad))
			n->retry_attempts = (unsigned)d;
	}
	if (num_field(root, "webhook_timeout_s", 1, 600, &d, &bad))
		n->webhook_timeout_s = (unsigned)d;
	if (bad)
		r = cfg_fail(err, errlen, path, "retry or webhook_timeout_s", "out of range");
out:
	json_decref(root);
	return r;
}

/* ---- composing ---- */

static const char *const builtin_guidance[2] = {
	"この端末はマルウェアに感染している可能性があります。ネットワークから切り離し、"
	"最新の定義ファイルのウイルス対策ソフトで全体をスキャンし、検出されたものを駆除して"
	"ください。駆除後はパスワードを変更し、OS とソフトウェアを最新にしてください。\n",
	"This machine is probably infected with malware. Disconnect it from the network, scan "
	"it fully with up-to-date anti-virus software and remove what it finds. Afterwards, "
	"change its passwords and bring its operating system and software up to date.\n",
};

/* The guidance text of a family in a language (caller frees): the
 * configured folder first, then the installed one, family before generic. */
static char *guidance(const struct yg_notify *n, const char *family, const char *lang)
{
	const char *names[4] = {family, family, "generic", "generic"};
	const char *dirs[4] = {n->guidance_dir, YG_GUIDANCE_DIR, n->guidance_dir, YG_GUIDANCE_DIR};
	for (int i = 0; i < 4; i++) {
		char path[4400];
		snprintf(path, sizeof path, "%s/%s.%s.txt", dirs[i], names[i], lang);
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		char *buf = malloc(GUIDANCE_MAX + 1);
		size_t k = buf ? fread(buf, 1, GUIDANCE_MAX, f) : 0;
		fclose(f);
		if (buf && k > 0) {
			buf[k] = '\0';
			return buf;
		}
		free(buf);
	}
	return strdup(builtin_guidance[strcmp(lang, "ja") ? 1 : 0]);
}

static json_t *time_json(int64_t us)
{
	char t[YG_TIME_US_LEN + 1];
	return us && yg_time_format_us(us, t) == 0 ? json_string(t) : json_null();
}

struct ev_ctx {
	json_t *arr;
};

static int add_evidence(void *ud, const struct yg_host_evidence *e)
{
	struct ev_ctx *c = ud;
	json_t *o = json_pack("{s:o, s:s, s:s, s:s, s:s}", "time", time_json(e->time_us), "source",
			      e->source, "sensor", e->sensor, "family", e->family, "what", e->ref);
	return o && json_array_append_new(c->arr, o) == 0 ? 1 : -ENOMEM;
}

struct collect_hosts {
	struct yg_host *v;
	size_t n;
};

static int collect_host(void *ud, const struct yg_host *h)
{
	struct collect_hosts *c = ud;
	c->v[c->n++] = *h;
	return c->n < NOTICE_HOSTS_MAX ? 1 : 0;
}

/* The words of a notice, per language (0 ja, 1 en); each pair is what
 * goes before and after a value. */
static const struct {
	const char *subject, *greet[2], *intro[2], *host[2], *fam[4], *evidence, *ack[2],
	    *clean[2], *guide[2], *footer;
} words[2] = {
	{"[yagura] 感染の疑いがある端末のお知らせ",
	 {"", " ご担当者様\n\n"},
	 {"yagura の観測により、貴組織が管理するアドレスで ",
	  " 台の端末がマルウェアに感染している疑いがあります。\n\n"},
	 {"■ 端末 ", "\n"},
	 {"  ファミリー: ", " / 重大度: ", " / 初検知: ", " / 最終検知: "},
	 "  根拠:\n",
	 {"  確認した旨の連絡 (1 回限り): curl -X POST '", "'\n"},
	 {"  駆除完了の連絡 (1 回限り): curl -X POST '", "'\n"},
	 {"\n■ 駆除の手引き (", ")\n"},
	 "\n-- \nyagura ハブからの自動通知です。\n"},
	{"[yagura] Hosts in your network that appear infected",
	 {"Dear ", ",\n\n"},
	 {"yagura observed ",
	  " machine(s) at addresses you are responsible for that appear to be infected with "
	  "malware.\n\n"},
	 {"* Host ", "\n"},
	 {"  family: ", " / severity: ", " / first seen: ", " / last seen: "},
	 "  evidence:\n",
	 {"  to acknowledge (works once): curl -X POST '", "'\n"},
	 {"  to report it cleaned (works once): curl -X POST '", "'\n"},
	 {"\n* Removal guidance (", ")\n"},
	 "\n-- \nAn automatic notice of the yagura hub.\n"},
};

/* Appends the strings given (a NULL one is skipped). */
static void cat_n(struct yg_buf *b, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (v[i])
			yg_buf_adds(b, v[i]);
}
#define cat(b, ...)                                                                              \
	cat_n(b, (const char *const[]){__VA_ARGS__},                                             \
	      sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

static const char *tstr(int64_t us, char *buf)
{
	if (!us || yg_time_format_us(us, buf) < 0)
		return "-";
	buf[19] = 'Z'; /* seconds are enough for a reader */
	buf[20] = '\0';
	return buf;
}

/* Builds the notice of one owner's pending hosts. Caller frees *ret_body
 * and *ret_hosts. */
static int compose(struct yg_notify *n, const struct yg_host_owner *o, char **ret_body,
		   int64_t **ret_hosts, size_t *ret_n)
{
	*ret_n = 0;
	struct collect_hosts c = {.v = calloc(NOTICE_HOSTS_MAX, sizeof *c.v)};
	int64_t *ids = calloc(NOTICE_HOSTS_MAX, sizeof *ids);
	json_t *root = json_object(), *hosts = json_array(), *guide = json_object();
	struct yg_buf text;
	yg_buf_init(&text, 8u << 20);
	int r = -ENOMEM;
	if (!c.v || !ids || !root || !hosts || !guide)
		goto out;
	struct yg_host_query q = {.owner_id = o->id, .state = -1, .pending_only = true};
	r = n->st->ops->hosts->host_list(n->st, &q, collect_host, &c);
	if (r < 0 || c.n == 0)
		goto out;
	int L = strcmp(o->lang, "ja") ? 1 : 0;
	char count[24];
	snprintf(count, sizeof count, "%zu", c.n);
	cat(&text, words[L].greet[0], o->name, words[L].greet[1]);
	cat(&text, words[L].intro[0], count, words[L].intro[1]);
	char t1[YG_TIME_US_LEN + 1], t2[YG_TIME_US_LEN + 1];
	for (size_t i = 0; i < c.n && r >= 0; i++) {
		const struct yg_host *hh = &c.v[i];
		ids[i] = hh->id;
		struct ev_ctx ec = {.arr = json_array()};
		char ack[64], clean[64];
		snprintf(ack, sizeof ack, PLACEHOLDER "%lld:%d@@", (long long)hh->id,
			 YG_HOST_ACKNOWLEDGED);
		snprintf(clean, sizeof clean, PLACEHOLDER "%lld:%d@@", (long long)hh->id,
			 YG_HOST_CLEANED);
		r = ec.arr ? n->st->ops->hosts->evidence_list(n->st, hh->id, NOTICE_EVIDENCE,
							      add_evidence, &ec)
			   : -ENOMEM;
		json_t *e = json_pack("{s:I, s:s, s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:s, s:s}", "id",
				      (json_int_t)hh->id, hh->hashed ? "host_hash" : "host",
				      hh->hashed ? hh->key + 5 : hh->key, "family", hh->family,
				      "severity", yg_host_severity_name(hh->severity), "state",
				      yg_host_state_name(hh->state), "first_seen",
				      time_json(hh->first_seen_us), "last_seen",
				      time_json(hh->last_seen_us), "reinfections",
				      (json_int_t)hh->reinfections, "evidence",
				      ec.arr ? json_incref(ec.arr) : json_null(),
				      "acknowledge_url", ack, "cleaned_url", clean);
		if (r >= 0 && (!e || json_array_append_new(hosts, e) < 0))
			r = -ENOMEM;
		else if (r < 0)
			json_decref(e);
		cat(&text, words[L].host[0], hh->key, words[L].host[1]);
		cat(&text, words[L].fam[0], hh->family, words[L].fam[1],
		    yg_host_severity_name(hh->severity), words[L].fam[2], tstr(hh->first_seen_us, t1),
		    words[L].fam[3], tstr(hh->last_seen_us, t2), "\n");
		yg_buf_adds(&text, words[L].evidence);
		size_t k;
		json_t *ev;
		json_array_foreach(ec.arr, k, ev)
		{
			const char *ts = json_string_value(json_object_get(ev, "time"));
			char t19[20];
			snprintf(t19, sizeof t19, "%.19s", ts ? ts : "-");
			cat(&text, "   - ", t19, " ", json_string_value(json_object_get(ev, "source")),
			    " (", json_string_value(json_object_get(ev, "sensor")), "): ",
			    json_string_value(json_object_get(ev, "what")), "\n");
		}
		json_decref(ec.arr);
		cat(&text, words[L].ack[0], ack, words[L].ack[1]);
		cat(&text, words[L].clean[0], clean, words[L].clean[1]);
		yg_buf_adds(&text, "\n");
		if (!json_object_get(guide, hh->family)) {
			char *g = guidance(n, hh->family, o->lang);
			json_object_set_new(guide, hh->family, g ? json_string(g) : json_null());
			free(g);
		}
	}
	if (r < 0)
		goto out;
	const char *fam;
	json_t *g;
	json_object_foreach(guide, fam, g)
	{
		cat(&text, words[L].guide[0], fam, words[L].guide[1]);
		yg_buf_adds(&text, json_string_value(g) ? json_string_value(g) : "");
	}
	yg_buf_adds(&text, words[L].footer);
	char *t = yg_buf_take(&text, NULL);
	char uuid[YG_UUID_LEN + 1];
	char subject[256];
	snprintf(subject, sizeof subject, "%s (%zu)", words[L].subject, c.n);
	r = t && yg_uuid4(uuid) == 0 ? 0 : -ENOMEM;
	if (r == 0) {
		json_object_set_new(root, "type", json_string("yagura-infected-hosts-notice"));
		json_object_set_new(root, "notice", json_string(uuid));
		json_object_set_new(root, "owner", json_string(o->name));
		json_object_set_new(root, "language", json_string(o->lang));
		json_object_set_new(root, "created", time_json(yg_now_us()));
		json_object_set_new(root, "subject", json_string(subject));
		json_object_set(root, "hosts", hosts);
		json_object_set(root, "guidance", guide);
		json_object_set_new(root, "text", json_string(t));
		*ret_body = json_dumps(root, JSON_COMPACT);
		r = *ret_body ? 0 : -ENOMEM;
	}
	free(t);
	if (r == 0) {
		*ret_hosts = ids;
		*ret_n = c.n;
		ids = NULL;
	}
out:
	yg_buf_release(&text);
	json_decref(root);
	json_decref(hosts);
	json_decref(guide);
	free(c.v);
	free(ids);
	return r < 0 ? r : (*ret_n ? 0 : 1);
}

struct due_owner {
	int64_t id;
	enum yg_host_severity sev;
	int64_t since_us;
};

struct due_list {
	struct due_owner v[OWNERS_PER_RUN];
	size_t n;
};

static int collect_owner(void *ud, int64_t owner_id, enum yg_host_severity sev, int64_t since_us)
{
	struct due_list *d = ud;
	d->v[d->n].id = owner_id;
	d->v[d->n].since_us = since_us;
	d->v[d->n++].sev = sev;
	return d->n < OWNERS_PER_RUN ? 1 : 0;
}

/* One owner's notice and its deliveries, in one transaction: 0 when
 * one was made, 1 when there was nothing to tell. */
static int notify_owner(struct yg_notify *n, const struct yg_host_owner *o)
{
	struct yg_store *st = n->st;
	char *body = NULL;
	int64_t *ids = NULL;
	size_t nh = 0;
	int r = compose(n, o, &body, &ids, &nh);
	if (r != 0)
		return r; /* 1: nothing to tell after all */
	r = st->ops->tx_begin(st);
	if (r < 0)
		goto out;
	int64_t notice = 0, now = yg_now_us();
	r = st->ops->hosts->notice_add(st, o->id, body, ids, nh, &notice);
	if (r == 0 && o->email[0] && n->smtp_on)
		r = st->ops->hosts->delivery_add(st, notice, o->id, "email", o->email, NULL);
	if (r == 0 && o->webhook[0])
		r = st->ops->hosts->delivery_add(st, notice, o->id, "webhook", o->webhook, NULL);
	for (size_t i = 0; r == 0 && i < nh; i++)
		r = st->ops->hosts->host_set_state(st, ids[i], YG_HOST_NOTIFIED, now);
	if (r == 0)
		r = st->ops->hosts->owner_noticed(st, o->id, now);
	if (r == 0)
		r = st->ops->audit(st, o->org_id, "notifier", "hosts.notice", o->name);
	if (r == 0)
		r = st->ops->tx_commit(st);
	else
		st->ops->tx_rollback(st);
out:
	free(body);
	free(ids);
	return r;
}

/* Sends the notices that are due; answers how many went out. */
static size_t run_batch(struct yg_notify *n, bool force)
{
	struct yg_store *st = n->st;
	struct due_list *d = calloc(1, sizeof *d);
	size_t sent = 0;
	if (!d || st->ops->hosts->pending_owners(st, collect_owner, d) < 0) {
		free(d);
		return 0;
	}
	int64_t now = yg_now_us();
	for (size_t i = 0; i < d->n; i++) {
		struct yg_host_owner o;
		if (st->ops->hosts->owner_get(st, d->v[i].id, &o) < 0)
			continue;
		bool channel = (o.email[0] && n->smtp_on) || o.webhook[0];
		/* The window starts with the oldest evidence no notice covered:
		 * what arrives within it goes out together at its end. */
		bool due = force || d->v[i].sev == YG_HOST_SEV_CRITICAL ||
			   now - d->v[i].since_us >= (int64_t)n->every_s * 1000000LL;
		if (channel && due && notify_owner(n, &o) == 0)
			sent++;
	}
	free(d);
	return sent;
}

/* ---- delivering ---- */

/* Replaces each placeholder of body with a fresh one-time link, storing
 * the tokens' hashes. Caller frees the result. */
static char *with_links(struct yg_notify *n, const char *body)
{
	struct yg_buf b;
	yg_buf_init(&b, 32u << 20);
	const char *p = body;
	int64_t expires = yg_now_us() + (int64_t)YG_NOTIFY_TOKEN_DAYS * 86400 * 1000000LL;
	for (;;) {
		const char *q = strstr(p, PLACEHOLDER);
		if (!q) {
			yg_buf_adds(&b, p);
			break;
		}
		yg_buf_add(&b, p, (size_t)(q - p));
		long long host = 0;
		int state = 0, used = 0;
		if (sscanf(q + strlen(PLACEHOLDER), "%lld:%d@@%n", &host, &state, &used) != 2 ||
		    used == 0) {
			yg_buf_adds(&b, PLACEHOLDER);
			p = q + strlen(PLACEHOLDER);
			continue;
		}
		unsigned char raw[32], hash[32];
		char tok[65];
		if (RAND_bytes(raw, sizeof raw) != 1) {
			yg_buf_release(&b);
			return NULL;
		}
		for (size_t i = 0; i < 32; i++)
			snprintf(tok + 2 * i, 3, "%02x", raw[i]);
		SHA256((const unsigned char *)tok, 64, hash);
		if (n->st->ops->hosts->ack_put(n->st, hash, host, (enum yg_host_state)state,
					       expires) < 0) {
			yg_buf_release(&b);
			return NULL;
		}
		char link[700];
		snprintf(link, sizeof link, "%s/api/v1/hosts/%lld/state?token=%s", n->public_url, host,
			 tok);
		yg_buf_adds(&b, link);
		p = q + strlen(PLACEHOLDER) + used;
	}
	return yg_buf_take(&b, NULL);
}

static int send_one(struct yg_notify *n, const struct yg_host_delivery *d, char *err,
		    size_t errlen, long *ret_status)
{
	struct yg_store *st = n->st;
	struct yg_host_owner o;
	char *stored = NULL, *body = NULL;
	*ret_status = 0;
	int r = st->ops->hosts->owner_get(st, d->owner_id, &o);
	if (r == 0)
		r = st->ops->hosts->notice_body(st, d->notice_id, &stored);
	if (r == 0) {
		body = with_links(n, stored);
		r = body ? 0 : -ENOMEM;
	}
	if (r < 0) {
		snprintf(err, errlen, "cannot prepare the notice: %s", strerror(-r));
		goto out;
	}
	if (!strcmp(d->channel, "webhook")) {
		r = yg_notify_webhook(d->target, o.secret, body, n->webhook_timeout_s, ret_status, err,
				      errlen);
	} else {
		json_t *j = json_loads(body, 0, NULL);
		const char *text = json_string_value(json_object_get(j, "text"));
		const char *subject = json_string_value(json_object_get(j, "subject"));
		char ref[64];
		snprintf(ref, sizeof ref, "notice-%lld-%lld", (long long)d->notice_id,
			 (long long)d->id);
		size_t len = 0;
		char *msg = text && subject ? yg_notify_mail_build(n->smtp.from, d->target, subject,
								   text, o.lang, ref, &len)
					    : NULL;
		if (!msg) {
			snprintf(err, errlen, "cannot build the message");
			r = -ENOMEM;
		} else if (!n->smtp_on) {
			snprintf(err, errlen, "no SMTP server configured");
			r = -EIO;
		} else {
			r = yg_notify_smtp(&n->smtp, d->target, msg, len, err, errlen);
		}
		free(msg);
		json_decref(j);
	}
out:
	free(stored);
	free(body);
	return r;
}

struct due_deliveries {
	struct yg_host_delivery v[DELIVERIES_PER_RUN];
	size_t n;
};

static int collect_delivery(void *ud, const struct yg_host_delivery *d)
{
	struct due_deliveries *dd = ud;
	dd->v[dd->n++] = *d;
	return dd->n < DELIVERIES_PER_RUN ? 1 : 0;
}

static void run_deliveries(struct yg_notify *n)
{
	struct yg_store *st = n->st;
	struct due_deliveries *dd = calloc(1, sizeof *dd);
	if (!dd || st->ops->hosts->delivery_due(st, yg_now_us(), DELIVERIES_PER_RUN,
						collect_delivery, dd) < 0) {
		free(dd);
		return;
	}
	for (size_t i = 0; i < dd->n; i++) {
		const struct yg_host_delivery *d = &dd->v[i];
		struct yg_host_attempt a = {.delivery_id = d->id};
		int r = send_one(n, d, a.error, sizeof a.error, &a.status);
		a.time_us = yg_now_us();
		a.ok = r == 0;
		int64_t attempts = d->attempts + 1;
		const char *state = a.ok ? "delivered"
				    : attempts >= (int64_t)n->retry_attempts ? "gave_up"
									      : "failed";
		double wait = n->retry_base_s;
		for (int64_t k = 1; k < attempts && wait < n->retry_max_s; k++)
			wait *= 2;
		if (wait > n->retry_max_s)
			wait = n->retry_max_s;
		int64_t next = a.ok ? 0 : a.time_us + (int64_t)(wait * 1e6);
		(void)st->ops->hosts->delivery_attempt(st, d->id, &a, state, next);
	}
	free(dd);
}

struct active {
	int64_t n;
};

static int count_active(void *ud, const struct yg_host *h)
{
	struct active *a = ud;
	a->n += h->state != YG_HOST_CLEANED;
	return 1;
}

/* infected.hosts: hosts not cleaned, pushed to the alert level on change. */
static void tell_level(struct yg_notify *n, bool now)
{
	int64_t t = yg_now_us();
	struct yg_level *l = yg_hub_level(n->h);
	if (!l || (!now && t - n->last_signal_us < SIGNAL_EVERY_US))
		return;
	n->last_signal_us = t;
	struct active a = {0};
	struct yg_host_query q = {.state = -1};
	if (n->st->ops->hosts->host_list(n->st, &q, count_active, &a) < 0)
		return;
	if ((double)a.n == n->signal_pushed)
		return;
	n->signal_pushed = (double)a.n;
	(void)yg_level_signal_set(l, "infected.hosts", (double)a.n, "{\"source\": \"hosts\"}");
}

static void *loop(void *ud)
{
	struct yg_notify *n = ud;
	pthread_mutex_lock(&n->mu);
	while (!n->stop) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		if (!n->kicked)
			pthread_cond_timedwait(&n->cv, &n->mu, &ts);
		if (n->stop)
			break;
		bool force = n->force, kicked = n->kicked;
		n->force = n->kicked = false;
		pthread_mutex_unlock(&n->mu);
		/* A notice means new hosts: the level hears of them at once. */
		size_t sent = run_batch(n, force);
		run_deliveries(n);
		tell_level(n, kicked || sent);
		pthread_mutex_lock(&n->mu);
	}
	pthread_mutex_unlock(&n->mu);
	return NULL;
}

int yg_hub_notify_check(const char *data_dir, char *err, size_t errlen)
{
	struct yg_notify *n = calloc(1, sizeof *n);
	if (!n)
		return -ENOMEM;
	int r = load_config(n, data_dir, err, errlen);
	free(n);
	return r;
}

int yg_notify_new(struct yg_hub *h, const char *data_dir, unsigned every_s,
		  struct yg_notify **ret, char *err, size_t errlen)
{
	struct yg_notify *n = calloc(1, sizeof *n);
	if (!n)
		return -ENOMEM;
	n->h = h;
	n->signal_pushed = 0; /* none yet: a hub without hosts pushes nothing */
	pthread_mutex_init(&n->mu, NULL);
	pthread_cond_init(&n->cv, NULL);
	int r = load_config(n, data_dir, err, errlen);
	if (r == 0 && every_s)
		n->every_s = every_s;
	if (r == 0)
		r = yg_store_open(data_dir, h->pg, &n->st);
	if (r < 0) {
		yg_notify_free(n);
		return r;
	}
	*ret = n;
	return 0;
}

int yg_notify_start(struct yg_notify *n)
{
	if (!n || n->started)
		return 0;
	int r = pthread_create(&n->thread, NULL, loop, n);
	if (r)
		return -r;
	n->started = true;
	return 0;
}

void yg_notify_free(struct yg_notify *n)
{
	if (!n)
		return;
	if (n->started) {
		pthread_mutex_lock(&n->mu);
		n->stop = true;
		pthread_cond_signal(&n->cv);
		pthread_mutex_unlock(&n->mu);
		pthread_join(n->thread, NULL);
	}
	yg_store_close(n->st);
	pthread_cond_destroy(&n->cv);
	pthread_mutex_destroy(&n->mu);
	free(n);
}

void yg_notify_kick(struct yg_notify *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	n->kicked = true;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
}

void yg_notify_force(struct yg_notify *n)
{
	if (!n)
		return;
	pthread_mutex_lock(&n->mu);
	n->force = n->kicked = true;
	pthread_cond_signal(&n->cv);
	pthread_mutex_unlock(&n->mu);
}

const char *yg_notify_public_url(const struct yg_notify *n)
{
	return n ? n->public_url : "";
}

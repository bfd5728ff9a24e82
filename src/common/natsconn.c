/*
 * NATS connections (natsconn.h). libnats does the protocol, reconnects and
 * TLS; this file only turns yagura's options into its options.
 */
#include "common/natsconn.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct cb {
	void (*log)(void *ud, const char *msg);
	void *ud;
};

/* The callbacks' closure lives as long as the connection: libnats keeps
 * the pointer. One per process is enough for the sensor and the hub, which
 * each open at most two connections with the same logger. */
static struct cb cbs[4];
static int n_cbs;

static void on_disc(natsConnection *nc, void *closure)
{
	(void)nc;
	struct cb *c = closure;
	if (c->log)
		c->log(c->ud, "nats: connection lost; reconnecting (reports stay in the spool)");
}

static void on_reconn(natsConnection *nc, void *closure)
{
	(void)nc;
	struct cb *c = closure;
	if (c->log)
		c->log(c->ud, "nats: connected again");
}

static void on_connected(natsConnection *nc, void *closure)
{
	(void)nc;
	struct cb *c = closure;
	if (c->log)
		c->log(c->ud, "nats: connected");
}

int yg_nats_creds_parse(const char *text, size_t len, struct yg_nats_userpass *ret, char *err,
                        size_t errlen)
{
	memset(ret, 0, sizeof *ret);
	size_t line = 0, i = 0;
	while (i < len) {
		line++;
		size_t e = i;
		while (e < len && text[e] != '\n')
			e++;
		size_t a = i, b = e;
		i = e + 1;
		while (a < b && (text[a] == ' ' || text[a] == '\t'))
			a++;
		while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t' || text[b - 1] == '\r'))
			b--;
		if (a == b || text[a] == '#')
			continue;
		const char *eq = memchr(text + a, '=', b - a);
		if (!eq) {
			snprintf(err, errlen, "line %zu: not key=value", line);
			return -EINVAL;
		}
		size_t kl = (size_t)(eq - (text + a)), vl = b - (size_t)(eq + 1 - text);
		const char *v = eq + 1;
		char *dst = NULL;
		if (kl == 4 && !memcmp(text + a, "user", 4))
			dst = ret->user;
		else if (kl == 8 && !memcmp(text + a, "password", 8))
			dst = ret->password;
		else if (kl == 3 && !memcmp(text + a, "org", 3)) {
			int64_t n = 0;
			if (vl == 0 || vl > 15)
				goto bad_org;
			for (size_t k = 0; k < vl; k++) {
				if (v[k] < '0' || v[k] > '9')
					goto bad_org;
				n = n * 10 + (v[k] - '0');
			}
			if (n <= 0)
				goto bad_org;
			ret->org = n;
			continue;
		bad_org:
			snprintf(err, errlen, "line %zu: org wants an organization id (1, 2, ...)", line);
			return -EINVAL;
		} else {
			continue;
		}
		if (vl == 0 || vl >= 256 || memchr(v, '\0', vl)) {
			snprintf(err, errlen, "line %zu: the value is empty, too long or not text", line);
			return -EINVAL;
		}
		/* The user names its reply inboxes (_INBOX.<user>): one
		 * subject token. */
		for (size_t k = 0; dst == ret->user && k < vl; k++) {
			char ch = v[k];
			if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
			      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_')) {
				snprintf(err, errlen,
				         "line %zu: a user name is letters, digits, - and _ only (it "
				         "names the reply inboxes _INBOX.<user>)",
				         line);
				return -EINVAL;
			}
		}
		memcpy(dst, v, vl);
		dst[vl] = '\0';
	}
	if (!ret->user[0]) {
		snprintf(err, errlen, "no user= line");
		return -EINVAL;
	}
	return 0;
}

/* Reads a small file whole; caller frees. */
static int slurp(const char *path, char **ret, size_t *ret_len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno ? -errno : -EIO;
	char *buf = malloc(YG_NATS_CREDS_MAX + 1);
	size_t n = 0;
	int r = buf ? 0 : -ENOMEM;
	while (r == 0) {
		ssize_t k = read(fd, buf + n, YG_NATS_CREDS_MAX + 1 - n);
		if (k < 0)
			r = errno ? -errno : -EIO;
		else if (k == 0)
			break;
		else if ((n += (size_t)k) > YG_NATS_CREDS_MAX)
			r = -E2BIG;
	}
	close(fd);
	if (r < 0) {
		free(buf);
		return r;
	}
	buf[n] = '\0';
	*ret = buf;
	*ret_len = n;
	return 0;
}

int yg_nats_connect(const struct yg_nats_config *cfg, natsConnection **ret, int64_t *ret_org,
                    char *err, size_t errlen)
{
	natsOptions *o = NULL;
	natsConnection *nc = NULL;
	char *text = NULL;
	size_t len = 0;
	struct yg_nats_userpass up = {0};
	int r = -EIO;
	*ret_org = 0;
	if (!cfg->url || !*cfg->url) {
		snprintf(err, errlen, "no NATS URL");
		return -EINVAL;
	}
	if (natsOptions_Create(&o) != NATS_OK) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (cfg->creds_file) {
		r = slurp(cfg->creds_file, &text, &len);
		if (r >= 0 && !text)
			r = -EIO;
		if (r < 0) {
			snprintf(err, errlen, "%s: %s", cfg->creds_file,
			         r == -E2BIG ? "larger than a credentials file can be" : strerror(-r));
			goto out;
		}
		if (strstr(text, "-----BEGIN NATS USER JWT-----")) {
			if (natsOptions_SetUserCredentialsFromFiles(o, cfg->creds_file, NULL) != NATS_OK) {
				snprintf(err, errlen, "%s: not a usable NATS credentials file",
				         cfg->creds_file);
				r = -EINVAL;
				goto out;
			}
		} else {
			char perr[128];
			r = yg_nats_creds_parse(text, len, &up, perr, sizeof perr);
			if (r < 0) {
				snprintf(err, errlen, "%s: %s", cfg->creds_file, perr);
				goto out;
			}
			/* Replies (PubAcks, fetched messages) come to
			 * _INBOX.<user>.*, which the server lets only this
			 * user read. */
			char inbox[sizeof up.user + 8];
			snprintf(inbox, sizeof inbox, "_INBOX.%s", up.user);
			if (natsOptions_SetUserInfo(o, up.user, up.password[0] ? up.password : NULL) !=
			        NATS_OK ||
			    natsOptions_SetCustomInboxPrefix(o, inbox) != NATS_OK) {
				r = -ENOMEM;
				snprintf(err, errlen, "out of memory");
				goto out;
			}
			*ret_org = up.org;
		}
	}
	struct cb *c = NULL;
	if (n_cbs < (int)(sizeof cbs / sizeof cbs[0])) {
		c = &cbs[n_cbs++];
		c->log = cfg->log;
		c->ud = cfg->ud;
	}
	/* Several URLs separated by commas are a cluster: SetURL splits them. */
	natsStatus s = natsOptions_SetURL(o, cfg->url);
	if (s == NATS_OK && cfg->name)
		s = natsOptions_SetName(o, cfg->name);
	if (s == NATS_OK)
		s = natsOptions_SetMaxReconnect(o, -1);
	if (s == NATS_OK)
		s = natsOptions_SetReconnectWait(o, 250);
	if (s == NATS_OK)
		s = natsOptions_SetTimeout(o, 2000);
	if (s == NATS_OK)
		s = natsOptions_SetPingInterval(o, 5000);
	if (s == NATS_OK && c)
		s = natsOptions_SetDisconnectedCB(o, on_disc, c);
	if (s == NATS_OK && c)
		s = natsOptions_SetReconnectedCB(o, on_reconn, c);
	if (s == NATS_OK)
		s = natsOptions_SetRetryOnFailedConnect(o, true, c ? on_connected : NULL, c);
	if (s != NATS_OK) {
		r = -EINVAL;
		snprintf(err, errlen, "NATS options: %s", natsStatus_GetText(s));
		goto out;
	}
	s = natsConnection_Connect(&nc, o);
	/* NATS_NOT_YET_CONNECTED: the server is not there yet; the library
	 * keeps trying and calls on_connected. */
	if (s != NATS_OK && s != NATS_NOT_YET_CONNECTED) {
		r = s == NATS_NO_MEMORY ? -ENOMEM : -EIO;
		snprintf(err, errlen, "NATS %s: %s", cfg->url, natsStatus_GetText(s));
		goto out;
	}
	*ret = nc;
	nc = NULL;
	r = 0;
out:
	if (text) {
		memset(text, 0, len);
		free(text);
	}
	memset(&up, 0, sizeof up);
	natsOptions_Destroy(o);
	natsConnection_Destroy(nc);
	return r;
}

void yg_nats_close(natsConnection *nc)
{
	if (!nc)
		return;
	natsConnection_Close(nc);
	natsConnection_Destroy(nc);
}

bool yg_nats_connected(natsConnection *nc)
{
	return nc && natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED;
}

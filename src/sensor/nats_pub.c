/* Sensor reports to JetStream (nats_pub.h). */
#include "sensor/nats_pub.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/sha.h>

#define PUBACK_WAIT_MS 5000

struct yg_nats_pub {
	natsConnection *nc;
	jsCtx *js;
	int64_t org;
	bool org_fixed; /* from the credentials file */
};

int yg_nats_pub_new(const struct yg_nats_config *cfg, struct yg_nats_pub **ret, char *err,
                    size_t errlen)
{
	struct yg_nats_pub *p = calloc(1, sizeof *p);
	if (!p)
		return -ENOMEM;
	int r = yg_nats_connect(cfg, &p->nc, &p->org, err, errlen);
	if (r < 0)
		goto fail;
	p->org_fixed = p->org > 0;
	if (natsConnection_JetStream(&p->js, p->nc, NULL) != NATS_OK) {
		r = -ENOMEM;
		snprintf(err, errlen, "cannot make a JetStream context");
		goto fail;
	}
	*ret = p;
	return 0;
fail:
	yg_nats_pub_free(p);
	return r;
}

void yg_nats_pub_free(struct yg_nats_pub *p)
{
	if (!p)
		return;
	jsCtx_Destroy(p->js);
	yg_nats_close(p->nc);
	free(p);
}

int64_t yg_nats_pub_org(const struct yg_nats_pub *p)
{
	return p->org;
}

void yg_nats_pub_set_org(struct yg_nats_pub *p, int64_t org)
{
	if (!p->org_fixed && org > 0)
		p->org = org;
}

int yg_nats_pub_send(struct yg_nats_pub *p, const char *kind, const char *data, size_t len,
                     char *err, size_t errlen)
{
	if (p->org <= 0) {
		snprintf(err, errlen, "the organization id is not known yet (no org= in the "
		                      "credentials file and no answer from the hub's whoami)");
		return -ENXIO;
	}
	if (!yg_nats_connected(p->nc)) {
		snprintf(err, errlen, "not connected to NATS");
		return -ENOTCONN;
	}
	if (len > (size_t)INT32_MAX) {
		snprintf(err, errlen, "body too large");
		return -E2BIG;
	}
	char subj[96], id[65];
	snprintf(subj, sizeof subj, "yagura.%s.%lld", kind, (long long)p->org);
	uint8_t md[SHA256_DIGEST_LENGTH];
	SHA256((const uint8_t *)data, len, md);
	for (size_t i = 0; i < sizeof md; i++)
		snprintf(id + 2 * i, 3, "%02x", md[i]);
	jsPubOptions o;
	jsPubOptions_Init(&o);
	o.MsgId = id;
	o.MaxWait = PUBACK_WAIT_MS;
	jsPubAck *pa = NULL;
	jsErrCode jerr = 0;
	natsStatus s = js_Publish(&pa, p->js, subj, data, (int)len, &o, &jerr);
	jsPubAck_Destroy(pa);
	if (s == NATS_OK)
		return 0;
	const char *last = NULL;
	natsConnection_GetLastError(p->nc, &last);
	snprintf(err, errlen, "no PubAck for %s: %s%s%s", subj, natsStatus_GetText(s),
	         last && *last ? "; server said: " : "", last && *last ? last : "");
	return s == NATS_TIMEOUT ? -ETIMEDOUT : -EIO;
}

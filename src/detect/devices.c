/*
 * The device table (devices.h): records in a hash table keyed by MAC or
 * address, on one LRU list by last sighting.
 *
 * Why one mutex: observations come at flow starts and app-layer records
 * (a DHCP request, an mDNS answer, a User-Agent), thousands a second at
 * most, each a short lookup and a few string copies; stripes would buy
 * nothing measurable and cost a harder eviction.
 *
 * Why records hold a whole view: events need every field, and a record is
 * ~1.5 KiB; 16 MiB hold ten thousand devices, more than a site has.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/hash.h"
#include "detect/devices.h"
#include "detect/devices_oui.h"

#define ALERTED_MAX 8 /* internet peers remembered per device (alert once each) */

struct key {
	uint8_t kind; /* 1 MAC, 4 or 6 address */
	uint8_t b[16];
};

struct rec {
	struct key k;
	struct rec *hnext;
	struct rec *prev, *next; /* LRU: head most recent */
	uint32_t alerted[ALERTED_MAX];
	uint8_t n_alerted;
	uint8_t n_pending;
	struct yg_device_contact pending[YG_DEV_MAX_PENDING]; /* internet, before the class */
	unsigned ics_classes_alerted; /* bit per class */
	struct yg_device_view v;
};

struct yg_devices {
	pthread_mutex_t mu;
	struct yg_devices_config cfg;
	struct rec **buckets;
	size_t n_buckets; /* power of two */
	size_t max_recs;
	struct rec *head, *tail;
	struct yg_devices_stats st;
	/* JA4 -> class, learned from devices classed on other evidence;
	 * filled in order, then full (a site's TLS stacks are few). */
	struct {
		char ja4[40];
		uint8_t cls;
		bool mixed; /* taught two classes: teaches nothing */
	} learned[YG_DEV_JA4_LEARNED];
	unsigned n_learned;
};

static const char *const class_names[YG_DEV__COUNT] = {
    "unknown", "smartphone", "printer/MFP", "controller/PLC", "camera", "server", "workstation",
};

const char *yg_device_class_name(unsigned c)
{
	return c < YG_DEV__COUNT ? class_names[c] : "unknown";
}

int yg_device_class_parse(const char *name)
{
	for (unsigned i = 0; i < YG_DEV__COUNT; i++)
		if (!strcmp(name, class_names[i]))
			return (int)i;
	if (!strcmp(name, "printer") || !strcmp(name, "mfp"))
		return YG_DEV_PRINTER;
	if (!strcmp(name, "controller") || !strcmp(name, "plc"))
		return YG_DEV_CONTROLLER;
	return -1;
}

bool yg_devices_addr_local(uint8_t family, const struct yg_addr *a)
{
	const uint8_t *b = a->b;
	if (family == 4)
		return b[0] == 10 || b[0] == 127 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
		       (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) ||
		       (b[0] == 100 && (b[1] & 0xc0) == 64) || b[0] >= 224 || b[0] == 0;
	if (family == 6) {
		static const uint8_t loop[16] = {[15] = 1};
		return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) || b[0] == 0xff ||
		       !memcmp(b, loop, 16);
	}
	return false;
}

int yg_devices_new(const struct yg_devices_config *cfg, struct yg_devices **ret)
{
	struct yg_devices *d = calloc(1, sizeof *d);
	if (!d)
		return -ENOMEM;
	d->cfg = *cfg;
	if (!d->cfg.memcap)
		d->cfg.memcap = 16u << 20;
	if (d->cfg.memcap < YG_DEV_MEMCAP_MIN) {
		free(d);
		return -EINVAL;
	}
	if (!d->cfg.ics_allowed)
		d->cfg.ics_allowed = 1u << YG_DEV_CONTROLLER | 1u << YG_DEV_WORKSTATION |
				     1u << YG_DEV_SERVER | 1u << YG_DEV_UNKNOWN;
	d->max_recs = d->cfg.memcap / (sizeof(struct rec) + 2 * sizeof(struct rec *));
	if (d->max_recs < 1)
		d->max_recs = 1;
	d->n_buckets = 16;
	while (d->n_buckets < d->max_recs)
		d->n_buckets *= 2;
	d->buckets = calloc(d->n_buckets, sizeof *d->buckets);
	if (!d->buckets) {
		free(d);
		return -ENOMEM;
	}
	pthread_mutex_init(&d->mu, NULL);
	*ret = d;
	return 0;
}

void yg_devices_free(struct yg_devices *d)
{
	if (!d)
		return;
	for (struct rec *r = d->head, *n; r; r = n) {
		n = r->next;
		free(r);
	}
	free(d->buckets);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

void yg_devices_stats(struct yg_devices *d, struct yg_devices_stats *ret)
{
	pthread_mutex_lock(&d->mu);
	*ret = d->st;
	pthread_mutex_unlock(&d->mu);
}

static size_t key_slot(const struct yg_devices *d, const struct key *k)
{
	return (size_t)yg_hash64(k, sizeof *k, 0x6465766963) & (d->n_buckets - 1);
}

static void lru_unlink(struct yg_devices *d, struct rec *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		d->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		d->tail = r->prev;
	r->prev = r->next = NULL;
}

static void lru_push(struct yg_devices *d, struct rec *r)
{
	r->next = d->head;
	r->prev = NULL;
	if (d->head)
		d->head->prev = r;
	d->head = r;
	if (!d->tail)
		d->tail = r;
}

static void unhash(struct yg_devices *d, struct rec *r)
{
	struct rec **pp = &d->buckets[key_slot(d, &r->k)];
	while (*pp && *pp != r)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = r->hnext;
}

static void key_text(const struct key *k, char *out, size_t n)
{
	const uint8_t *b = k->b;
	if (k->kind == 1) {
		snprintf(out, n, "mac:%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
	} else if (k->kind == 4) {
		snprintf(out, n, "ip:%u.%u.%u.%u", b[0], b[1], b[2], b[3]);
	} else {
		size_t o = (size_t)snprintf(out, n, "ip:");
		for (unsigned i = 0; i < 16 && o < n; i += 2)
			o += (size_t)snprintf(out + o, n - o, "%s%02x%02x", i ? ":" : "", b[i], b[i + 1]);
	}
}

/* The record for k, created (and something evicted) when missing. */
static struct rec *get(struct yg_devices *d, const struct key *k, uint64_t ts, bool *ret_new)
{
	size_t s = key_slot(d, k);
	for (struct rec *r = d->buckets[s]; r; r = r->hnext)
		if (!memcmp(&r->k, k, sizeof *k)) {
			lru_unlink(d, r);
			lru_push(d, r);
			*ret_new = false;
			return r;
		}
	if (d->st.devices >= d->max_recs && d->tail) {
		struct rec *old = d->tail;
		lru_unlink(d, old);
		unhash(d, old);
		free(old);
		d->st.devices--;
		d->st.evicted++;
	}
	struct rec *r = calloc(1, sizeof *r);
	if (!r) {
		d->st.no_memory++;
		return NULL;
	}
	r->k = *k;
	key_text(k, r->v.id, sizeof r->v.id);
	if (k->kind == 1) {
		r->v.has_mac = true;
		memcpy(r->v.mac, k->b, 6);
		r->v.vendor = yg_oui_vendor(k->b);
	}
	r->v.first_us = ts;
	r->hnext = d->buckets[s];
	d->buckets[s] = r;
	lru_push(d, r);
	d->st.devices++;
	d->st.created++;
	*ret_new = true;
	return r;
}

/* A DNS PTR answer names an address, not a MAC: the device (MAC-keyed or
 * not) that has the address, or NULL. A walk of every record, affordable
 * as PTR answers for local addresses are rare; other observations without
 * a MAC are keyed by their address and never walk. */
static struct rec *find_by_addr(struct yg_devices *d, uint8_t family, const struct yg_addr *a)
{
	for (struct rec *r = d->head; r; r = r->next) {
		const struct yg_device_view *v = &r->v;
		if (family == 4) {
			for (unsigned i = 0; i < v->n_v4; i++)
				if (!memcmp(v->v4[i], a->b, 4))
					goto found;
		} else {
			for (unsigned i = 0; i < v->n_v6; i++)
				if (!memcmp(v->v6[i], a->b, 16))
					goto found;
		}
		continue;
found:
		lru_unlink(d, r);
		lru_push(d, r);
		return r;
	}
	return NULL;
}

/* Whether the interface id of a is the modified EUI-64 of mac (RFC 4291 2.5.1). */
static bool eui64_of(const uint8_t *a, const uint8_t mac[6])
{
	return a[8] == (mac[0] ^ 0x02) && a[9] == mac[1] && a[10] == mac[2] && a[11] == 0xff &&
	       a[12] == 0xfe && a[13] == mac[3] && a[14] == mac[4] && a[15] == mac[5];
}

/* Whether o's address belongs to the device with key k (see devices.h). */
static bool addr_is_devices(const struct yg_devices *d, const struct yg_device_obs *o)
{
	if (yg_devices_addr_local(o->family, o->addr) || o->home)
		return true;
	if (o->family != 6 || !o->mac)
		return false;
	if (eui64_of(o->addr->b, o->mac))
		return true;
	/* A privacy address: same /64 as an address the device has. */
	struct key k = {.kind = 1};
	memcpy(k.b, o->mac, 6);
	for (const struct rec *r = d->buckets[key_slot(d, &k)]; r; r = r->hnext)
		if (!memcmp(&r->k, &k, sizeof k))
			for (unsigned i = 0; i < r->v.n_v6; i++)
				if (!memcmp(r->v.v6[i], o->addr->b, 8) && r->v.v6[i][0] != 0xfe)
					return true;
	return false;
}

static bool add_str(char (*arr)[YG_DEV_STR], uint8_t *n, const char *s)
{
	if (!s || !*s)
		return false;
	for (unsigned i = 0; i < *n; i++)
		if (!strncmp(arr[i], s, YG_DEV_STR - 1))
			return false;
	if (*n >= YG_DEV_MAX_STR)
		return false;
	snprintf(arr[(*n)++], YG_DEV_STR, "%s", s);
	return true;
}

static void add_addr(struct yg_device_view *v, uint8_t family, const struct yg_addr *a)
{
	if (family == 4) {
		for (unsigned i = 0; i < v->n_v4; i++)
			if (!memcmp(v->v4[i], a->b, 4))
				return;
		if (v->n_v4 < YG_DEV_MAX_V4)
			memcpy(v->v4[v->n_v4++], a->b, 4);
	} else if (family == 6) {
		for (unsigned i = 0; i < v->n_v6; i++)
			if (!memcmp(v->v6[i], a->b, 16))
				return;
		if (v->n_v6 < YG_DEV_MAX_V6)
			memcpy(v->v6[v->n_v6++], a->b, 16);
	}
}

static bool multicast_or_bcast(uint8_t family, const struct yg_addr *a)
{
	if (family == 4)
		return a->b[0] >= 224 || (a->b[0] == 0 && a->b[1] == 0 && a->b[2] == 0 && a->b[3] == 0);
	return a->b[0] == 0xff;
}

/* Records what o says about the device; true when anything changed. */
static bool learn(struct yg_device_view *v, const struct yg_device_obs *o)
{
	bool ch = false;
	if (o->family && !multicast_or_bcast(o->family, o->addr)) {
		unsigned n = v->n_v4 + v->n_v6;
		add_addr(v, o->family, o->addr);
		ch |= v->n_v4 + v->n_v6 != n;
	}
	if (o->hostname && *o->hostname && o->hostname_src >= v->hostname_src &&
	    strncmp(v->hostname, o->hostname, sizeof v->hostname - 1)) {
		snprintf(v->hostname, sizeof v->hostname, "%s", o->hostname);
		v->hostname_src = (uint8_t)o->hostname_src;
		ch = true;
	}
	if (o->dhcp_prl && *o->dhcp_prl && strncmp(v->prl, o->dhcp_prl, sizeof v->prl - 1)) {
		snprintf(v->prl, sizeof v->prl, "%s", o->dhcp_prl);
		ch = true;
	}
	if (o->dhcp_vendor && *o->dhcp_vendor && strncmp(v->os, o->dhcp_vendor, sizeof v->os - 1)) {
		snprintf(v->os, sizeof v->os, "%s", o->dhcp_vendor);
		ch = true;
	}
	ch |= add_str(v->ua, &v->n_ua, o->user_agent);
	if (o->ja4 && *o->ja4) {
		bool seen = false;
		for (unsigned i = 0; i < v->n_ja4; i++)
			seen |= !strcmp(v->ja4[i], o->ja4);
		if (!seen && v->n_ja4 < YG_DEV_MAX_STR) {
			snprintf(v->ja4[v->n_ja4++], sizeof v->ja4[0], "%s", o->ja4);
			ch = true;
		}
	}
	if (o->mdns_service && *o->mdns_service) {
		bool seen = false;
		for (unsigned i = 0; i < v->n_mdns; i++)
			seen |= !strcmp(v->mdns[i], o->mdns_service);
		if (!seen && v->n_mdns < YG_DEV_MAX_STR) {
			snprintf(v->mdns[v->n_mdns++], sizeof v->mdns[0], "%s", o->mdns_service);
			ch = true;
		}
	}
	if (o->served_port) {
		bool seen = false;
		for (unsigned i = 0; i < v->n_ports; i++)
			seen |= v->ports[i] == o->served_port;
		if (!seen && v->n_ports < YG_DEV_MAX_PORTS) {
			v->ports[v->n_ports++] = o->served_port;
			ch = true;
		}
	}
	if (o->ics && !v->ics) {
		v->ics = true;
		ch = true;
	}
	if (o->ts_us > v->last_us)
		v->last_us = o->ts_us;
	return ch;
}

static int learned_slot(const struct yg_devices *d, const char *ja4)
{
	for (unsigned i = 0; i < d->n_learned; i++)
		if (!strcmp(d->learned[i].ja4, ja4))
			return (int)i;
	return -1;
}

/* What the table has learned of v's JA4s, into v->ja4_cls. */
static void ja4_hints(const struct yg_devices *d, struct yg_device_view *v)
{
	for (unsigned i = 0; i < v->n_ja4; i++) {
		int k = learned_slot(d, v->ja4[i]);
		v->ja4_cls[i] = k >= 0 && !d->learned[k].mixed ? d->learned[k].cls : YG_DEV_UNKNOWN;
	}
}

/* A device classed cls on more than weak clues teaches its JA4s. */
static void ja4_teach(struct yg_devices *d, const struct yg_device_view *v, uint8_t cls)
{
	for (unsigned i = 0; i < v->n_ja4; i++) {
		int k = learned_slot(d, v->ja4[i]);
		if (k >= 0) {
			if (d->learned[k].cls != cls)
				d->learned[k].mixed = true;
		} else if (d->n_learned < YG_DEV_JA4_LEARNED) {
			k = (int)d->n_learned++;
			snprintf(d->learned[k].ja4, sizeof d->learned[k].ja4, "%s", v->ja4[i]);
			d->learned[k].cls = cls;
		}
	}
}

static uint32_t peer_hash(const struct yg_addr *peer, uint8_t family)
{
	return (uint32_t)yg_hash64(peer->b, 16, family);
}

/* Alert once per (device, internet peer). */
static bool first_peer(struct rec *r, uint32_t h)
{
	for (unsigned i = 0; i < r->n_alerted; i++)
		if (r->alerted[i] == h)
			return false;
	if (r->n_alerted < ALERTED_MAX)
		r->alerted[r->n_alerted++] = h;
	else
		r->alerted[h % ALERTED_MAX] = h;
	return true;
}

/* The contact of o (its own, or one made of its peer). */
static struct yg_device_contact contact_of(const struct yg_device_obs *o)
{
	struct yg_device_contact c = {.ts_us = o->ts_us, .family = o->peer_family, .toserver = true};
	if (o->contact)
		return *o->contact;
	if (o->addr)
		c.src = *o->addr;
	c.dst = *o->peer;
	return c;
}

/* Keeps an internet contact of a device whose class does not alert (yet):
 * the first few peers, each once. */
static void pend(struct rec *r, const struct yg_device_obs *o)
{
	uint32_t h = peer_hash(o->peer, o->peer_family);
	for (unsigned i = 0; i < r->n_pending; i++)
		if (peer_hash(&r->pending[i].dst, r->pending[i].family) == h)
			return;
	if (r->n_pending < YG_DEV_MAX_PENDING)
		r->pending[r->n_pending++] = contact_of(o);
}

/* The internet contacts to alert on now (into out, their number
 * returned); the record's class is now. */
static unsigned internet_alerts(struct rec *r, const struct yg_device_obs *o, uint8_t now,
				struct yg_device_contact out[YG_DEV_MAX_PENDING + 1])
{
	unsigned n = 0;
	bool alerts = now == YG_DEV_PRINTER || now == YG_DEV_CONTROLLER;
	if (!alerts) {
		if (o->peer_internet && o->peer)
			pend(r, o);
		return 0;
	}
	for (unsigned i = 0; i < r->n_pending; i++)
		if (first_peer(r, peer_hash(&r->pending[i].dst, r->pending[i].family)))
			out[n++] = r->pending[i];
	r->n_pending = 0;
	if (o->peer_internet && o->peer && first_peer(r, peer_hash(o->peer, o->peer_family)))
		out[n++] = contact_of(o);
	return n;
}

unsigned yg_devices_observe(struct yg_devices *d, const struct yg_device_obs *o,
			    struct yg_device_view *ret)
{
	struct key k = {0};
	unsigned ev = 0;
	pthread_mutex_lock(&d->mu);
	d->st.observations++;
	if (o->family && !addr_is_devices(d, o)) {
		d->st.ignored++;
		goto out;
	}
	if (o->mac) {
		/* Broadcast and multicast MACs are no device. */
		if (o->mac[0] & 1) {
			d->st.ignored++;
			goto out;
		}
		k.kind = 1;
		memcpy(k.b, o->mac, 6);
	} else if (o->family && !multicast_or_bcast(o->family, o->addr)) {
		k.kind = o->family;
		memcpy(k.b, o->addr->b, o->family == 4 ? 4 : 16);
	} else {
		d->st.ignored++;
		goto out;
	}
	bool created = false;
	struct rec *r = NULL;
	if (k.kind != 1 && o->hostname_src == YG_DEV_NAME_DNS_PTR)
		r = find_by_addr(d, o->family, o->addr);
	if (!r)
		r = get(d, &k, o->ts_us, &created);
	if (!r)
		goto out;
	bool changed = learn(&r->v, o);
	uint8_t was = r->v.cls;
	ja4_hints(d, &r->v);
	bool firm;
	uint8_t now = yg_devices_classify(&r->v, &firm);
	if (firm)
		ja4_teach(d, &r->v, now);
	if (created)
		ev |= YG_DEV_EV_NEW;
	else if (changed)
		ev |= YG_DEV_EV_UPDATE;
	if (now != was) {
		r->v.prev_cls = was;
		r->v.cls = now;
		ev |= YG_DEV_EV_CLASS;
	}
	struct yg_device_contact contacts[YG_DEV_MAX_PENDING + 1];
	unsigned n_contacts = internet_alerts(r, o, now, contacts);
	if (n_contacts)
		ev |= YG_DEV_EV_INTERNET;
	if (r->v.ics && !(d->cfg.ics_allowed & (1u << now)) &&
	    !(r->ics_classes_alerted & (1u << now))) {
		r->ics_classes_alerted |= 1u << now;
		ev |= YG_DEV_EV_ICS;
	}
	if (ev & (YG_DEV_EV_NEW | YG_DEV_EV_CLASS | YG_DEV_EV_UPDATE))
		r->v.version++;
	if (ev && ret) {
		*ret = r->v;
		ret->n_contacts = (uint8_t)n_contacts;
		memcpy(ret->contacts, contacts, n_contacts * sizeof contacts[0]);
	}
out:
	pthread_mutex_unlock(&d->mu);
	return ev;
}

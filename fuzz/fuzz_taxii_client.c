/*
 * What the sensor reads from a TAXII 2.1 server (taxii/answer.h):
 * discovery, collections, an objects envelope, a response header line,
 * and two timestamps to order. The first byte picks the parser.
 * Invariants checked: what is accepted is what the header promises (an
 * https root ending in '/', URL-safe collection ids, indicator
 * ids and RFC 3339 times, minimal objects with the same id), and what is
 * refused says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "taxii/answer.h"

#define BASE "https://hub.example:8443"

static void refused(const char *err, size_t len)
{
	if (!err[0] || !memchr(err, '\0', len))
		abort();
}

static void discovery(const uint8_t *data, size_t size)
{
	char root[YG_TAXII_URL_MAX] = "", err[256] = "";
	if (yg_taxii_parse_discovery(data, size, BASE, root, sizeof root, err, sizeof err) < 0) {
		refused(err, sizeof err);
		if (root[0])
			abort(); /* untouched on failure */
		return;
	}
	/* The base is https: any root, on this origin or another, is https
	 * (never a downgrade that sends the credentials in clear), ends in
	 * '/', and needs no escaping in a URL. */
	size_t n = strlen(root);
	if (strncasecmp(root, "https://", 8) || root[n - 1] != '/' ||
	    strcspn(root, " \"#?%\\<>") != n)
		abort();
}

static void collections(const uint8_t *data, size_t size)
{
	struct yg_taxii_collections c;
	char err[256] = "";
	if (yg_taxii_parse_collections(data, size, &c, err, sizeof err) < 0) {
		refused(err, sizeof err);
		return;
	}
	if (c.n > YG_TAXII_COLLECTIONS_MAX)
		abort();
	for (size_t i = 0; i < c.n; i++)
		if (!c.id[i][0] || strcspn(c.id[i], "/?#% &") != strlen(c.id[i]))
			abort();
}

static void envelope(const uint8_t *data, size_t size)
{
	struct yg_taxii_envelope e;
	char err[256] = "";
	if (yg_taxii_envelope_parse(data, size, &e, err, sizeof err) < 0) {
		refused(err, sizeof err);
		return;
	}
	if (e.n > YG_TAXII_PAGE_MAX || strlen(e.next) >= YG_TAXII_NEXT_MAX || strchr(e.next, '&'))
		abort();
	for (size_t i = 0; i < e.n; i++) {
		const struct yg_taxii_object *o = &e.v[i];
		if (strncmp(o->id, "indicator--", 11) || strlen(o->id) >= YG_TAXII_ID_MAX ||
		    !yg_taxii_time_ok(o->modified) || yg_taxii_time_cmp(o->modified, o->modified))
			abort();
		if (o->revoked != !o->object)
			abort();
		if (o->object &&
		    (strcmp(json_string_value(json_object_get(o->object, "id")), o->id) ||
		     !json_is_string(json_object_get(o->object, "pattern"))))
			abort();
	}
	yg_taxii_envelope_release(&e);
}

static void header(const uint8_t *data, size_t size)
{
	char t[YG_TAXII_TIME_MAX] = "";
	if (yg_taxii_header_added_last((const char *)data, size, t, sizeof t) == 1 &&
	    !yg_taxii_time_ok(t))
		abort();
}

/* Two NUL-separated strings: the order is antisymmetric. */
static void times(const uint8_t *data, size_t size)
{
	char a[YG_TAXII_TIME_MAX], b[YG_TAXII_TIME_MAX];
	const uint8_t *z = memchr(data, '\0', size);
	if (!z)
		return;
	size_t al = (size_t)(z - data), bl = size - al - 1;
	if (al >= sizeof a || bl >= sizeof b)
		return;
	memcpy(a, data, al);
	a[al] = '\0';
	memcpy(b, z + 1, bl);
	b[bl] = '\0';
	if (!yg_taxii_time_ok(a) || !yg_taxii_time_ok(b))
		return;
	int x = yg_taxii_time_cmp(a, b), y = yg_taxii_time_cmp(b, a);
	if ((x < 0) != (y > 0) || (x == 0) != (y == 0))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	uint8_t which = data[0] % 5;
	data++;
	size--;
	switch (which) {
	case 0:
		discovery(data, size);
		break;
	case 1:
		collections(data, size);
		break;
	case 2:
		envelope(data, size);
		break;
	case 3:
		header(data, size);
		break;
	default:
		times(data, size);
		break;
	}
	return 0;
}

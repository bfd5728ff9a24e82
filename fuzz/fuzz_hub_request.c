/*
 * Fuzzes the hub's request parsing that sees outside bytes before any
 * authentication: path routing, Accept / Content-Type checks and the TAXII
 * URL filters, and the Authorization header. Input: line 1 the path, line
 * 2 an Accept (and Authorization) value, then one
 * "key=value" query parameter per line.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/auth.h"
#include "hub/filter.h"
#include "hub/hub.h"
#include "hub/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 1 << 16)
		return 0;
	char *text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	struct yg_route rt;
	char *nl = memchr(text, '\n', size);
	size_t plen = nl ? (size_t)(nl - text) : size;
	yg_route_parse(text, plen, &rt);
	if (rt.kind != YG_ROUTE_NOT_FOUND && rt.object_id[0] && strlen(rt.object_id) > YG_ROUTE_ID_MAX)
		abort();
	/* Only the REST routes that name something carry an id out of a path. */
	bool rest_id = rt.kind == YG_ROUTE_REST_ORG || rt.kind == YG_ROUTE_REST_EXPORT ||
		       rt.kind == YG_ROUTE_REST_CAMPAIGN || rt.kind == YG_ROUTE_REST_IND_SIGHTINGS;
	if (yg_route_is_rest(rt.kind) && !rest_id && rt.object_id[0])
		abort();
	if (rt.kind == YG_ROUTE_REST_ORG && (!rt.object_id[0] || strchr(rt.object_id, '/')))
		abort();
	struct yg_kv args[YG_HUB_MAX_ARGS];
	size_t n = 0;
	char *line = nl ? nl + 1 : NULL;
	if (line) {
		char *end = strchr(line, '\n');
		if (end)
			*end = '\0';
		yg_taxii_accept_ok(line);
		/* The same line as an Authorization header, checked before any
		 * token lookup. */
		const char *tok = NULL;
		size_t tlen = 0;
		if (yg_auth_bearer(line, &tok, &tlen) == 0 &&
		    (!tok || tok < line || tok + tlen > line + strlen(line)))
			abort();
		if (tok)
			yg_auth_token_shaped(tok, tlen);
		yg_taxii_content_type_ok(line);
		yg_rest_accept_ok(line);
		line = end ? end + 1 : NULL;
	}
	while (line && n < YG_HUB_MAX_ARGS) {
		char *end = strchr(line, '\n');
		if (end)
			*end = '\0';
		char *eq = strchr(line, '=');
		if (eq) {
			*eq = '\0';
			args[n].key = line;
			args[n].value = eq + 1;
			n++;
		}
		line = end ? end + 1 : NULL;
	}
	struct yg_taxii_filter f;
	char err[128];
	if (yg_taxii_filter_parse(args, n, &f, err, sizeof err) == 0 &&
	    (f.limit < 1 || f.limit > YG_TAXII_LIMIT_MAX || f.n_ids > YG_STORE_LIST_MAX))
		abort();
	yg_taxii_filter_release(&f);
	free(text);
	return 0;
}

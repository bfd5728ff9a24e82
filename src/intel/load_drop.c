/*
 * Spamhaus DROP lists as JSON lines (drop_v4.json, drop_v6.json):
 *
 *   {"cidr":"192.0.2.0/24","sblid":"SBL000001","rir":"ripencc"}
 *   {"type":"metadata","timestamp":1700000000,"size":12345,"records":1000}
 *
 * One object a line; each "cidr" is an ip indicator, the metadata line is
 * skipped. (The text form "CIDR ; SBL..." is a plain list: load_plain.c.)
 */
#include "intel/intel-int.h"

#include <jansson.h>
#include <string.h>

static int drop_line(struct yg_intel_emit *e, const char *s, size_t n, void *ctx)
{
	(void)ctx;
	json_error_t err;
	json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &err);
	if (!json_is_object(o)) {
		yg_intel_emit_reject(e, "not a JSON object line", s, n);
		json_decref(o);
		return 0;
	}
	int r = 0;
	json_t *c = json_object_get(o, "cidr");
	if (json_is_string(c))
		r = yg_intel_emit(e, YG_IND_IP, json_string_value(c), json_string_length(c));
	else if (!json_is_string(json_object_get(o, "type")))
		yg_intel_emit_reject(e, "DROP line without \"cidr\"", s, n);
	json_decref(o);
	return r;
}

long yg_intel_load_drop_json(struct yg_intel_builder *b, const char *source, const char *p,
                             size_t len)
{
	return yg_intel_each_line(b, source, p, len, 0, "", drop_line, NULL);
}

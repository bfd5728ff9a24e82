/*
 * Per-type rules of STIX 2.1: required properties and co-constraints of the
 * SDOs (section 4), SROs (5), cyber-observables (6), marking-definition
 * (7.2), extension-definition (7.3) and language-content (7.1), as the
 * specification and the OASIS JSON schemas state them.
 *
 *   type                 required (beyond the common ones)   co-constraints
 *   indicator            pattern pattern_type valid_from     valid_until > valid_from,
 *                                                             "stix" patterns parse
 *   malware              is_family                           name when is_family
 *   observed-data        first/last_observed number_observed objects xor object_refs
 *   location             -                                   region | country | lat+long
 *   ...                  (see the table below)
 */
#include <errno.h>
#include <string.h>

#include "stix/pattern.h"
#include "stix/validate-int.h"

static int names(struct vctx *v)
{
	return v_req_string(v, "name");
}

static int seen_order(struct vctx *v)
{
	return v_time_order(v, "first_seen", "last_seen", false);
}

static int named_seen(struct vctx *v)
{
	int r = names(v);
	return r < 0 ? r : seen_order(v);
}

static int indicator(struct vctx *v)
{
	int r;
	if ((r = v_req_string(v, "pattern")) < 0 || (r = v_req_string(v, "pattern_type")) < 0 ||
	    (r = v_opt_string(v, "pattern_version")) < 0 ||
	    (r = v_opt_string_list(v, "indicator_types")) < 0 ||
	    (r = v_req_timestamp(v, "valid_from", NULL)) < 0 ||
	    (r = v_time_order(v, "valid_from", "valid_until", true)) < 0)
		return r;
	json_t *pt = json_object_get(v->obj, "pattern_type");
	if (strcmp(json_string_value(pt), "stix") != 0)
		return 0;
	json_t *pat = json_object_get(v->obj, "pattern");
	struct yg_stix_pattern *p = NULL;
	char perr[200];
	r = yg_stix_pattern_parse(json_string_value(pat), json_string_length(pat), &p, perr,
	                          sizeof perr);
	yg_stix_pattern_free(p);
	if (r < 0)
		return v_fail(v, "pattern", "not a valid STIX pattern: %s", perr);
	return 0;
}

static int grouping(struct vctx *v)
{
	int r = v_req_string(v, "context");
	return r < 0 ? r : v_req_refs(v, "object_refs");
}

static int location(struct vctx *v)
{
	int r;
	bool lat = v_has(v, "latitude"), lon = v_has(v, "longitude");
	if ((r = v_opt_number_range(v, "latitude", -90, 90)) < 0 ||
	    (r = v_opt_number_range(v, "longitude", -180, 180)) < 0 ||
	    (r = v_opt_number_range(v, "precision", 0, 1e300)) < 0 ||
	    (r = v_opt_string(v, "region")) < 0 || (r = v_opt_string(v, "country")) < 0)
		return r;
	if (lat != lon)
		return v_fail(v, lat ? "longitude" : "latitude",
		              "latitude and longitude go together");
	if (v_has(v, "precision") && !lat)
		return v_fail(v, "precision", "requires latitude and longitude");
	if (!lat && !v_has(v, "region") && !v_has(v, "country"))
		return v_fail(v, "region",
		              "one of region, country or latitude/longitude is required");
	return 0;
}

static int malware(struct vctx *v)
{
	int r;
	if ((r = v_req_bool(v, "is_family")) < 0 || (r = v_opt_string(v, "name")) < 0 ||
	    (r = seen_order(v)) < 0)
		return r;
	if (json_is_true(json_object_get(v->obj, "is_family")) && !v_has(v, "name"))
		return v_fail(v, "name", "required when is_family is true");
	return 0;
}

static int malware_analysis(struct vctx *v)
{
	int r;
	if ((r = v_req_string(v, "product")) < 0 || (r = v_opt_string(v, "result")) < 0 ||
	    (r = v_time_order(v, "analysis_started", "analysis_ended", false)) < 0 ||
	    (r = v_opt_timestamp(v, "submitted", NULL, NULL)) < 0)
		return r;
	if (!v_has(v, "result") && !v_has(v, "analysis_sco_refs"))
		return v_fail(v, "result", "one of result or analysis_sco_refs is required");
	return 0;
}

static int note(struct vctx *v)
{
	int r = v_req_string(v, "content");
	return r < 0 ? r : v_req_refs(v, "object_refs");
}

static int observed_data(struct vctx *v)
{
	int r;
	if ((r = v_req_timestamp(v, "first_observed", NULL)) < 0 ||
	    (r = v_req_timestamp(v, "last_observed", NULL)) < 0 ||
	    (r = v_time_order(v, "first_observed", "last_observed", false)) < 0 ||
	    (r = v_req_int_range(v, "number_observed", 1, 999999999)) < 0)
		return r;
	bool objs = v_has(v, "objects"), refs = v_has(v, "object_refs");
	if (objs == refs)
		return v_fail(v, "object_refs",
		              "exactly one of object_refs or objects is required");
	if (objs) {
		json_t *o = json_object_get(v->obj, "objects");
		if (!json_is_object(o) || json_object_size(o) == 0)
			return v_fail(v, "objects", "not a non-empty dictionary");
	}
	return 0;
}

static int opinion(struct vctx *v)
{
	static const char *const ok[] = {"strongly-disagree", "disagree", "neutral", "agree",
	                                 "strongly-agree"};
	int r;
	if ((r = v_req_string(v, "opinion")) < 0 || (r = v_req_refs(v, "object_refs")) < 0)
		return r;
	const char *s = json_string_value(json_object_get(v->obj, "opinion"));
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		if (strcmp(s, ok[i]) == 0)
			return 0;
	return v_fail(v, "opinion",
	              "not one of strongly-disagree, disagree, neutral, agree, "
	              "strongly-agree");
}

static int report(struct vctx *v)
{
	int r;
	if ((r = names(v)) < 0 || (r = v_req_timestamp(v, "published", NULL)) < 0)
		return r;
	return v_req_refs(v, "object_refs");
}

static int relationship(struct vctx *v)
{
	int r;
	if ((r = v_req_string(v, "relationship_type")) < 0)
		return r;
	if (!v_has(v, "source_ref"))
		return v_fail(v, "source_ref", "required but missing");
	if (!v_has(v, "target_ref"))
		return v_fail(v, "target_ref", "required but missing");
	return v_time_order(v, "start_time", "stop_time", true);
}

static int sighting(struct vctx *v)
{
	int r;
	if (!v_has(v, "sighting_of_ref"))
		return v_fail(v, "sighting_of_ref", "required but missing");
	if ((r = v_opt_int_range(v, "count", 0, 999999999)) < 0 || (r = seen_order(v)) < 0 ||
	    (r = v_opt_bool(v, "summary")) < 0)
		return r;
	json_t *od = json_object_get(v->obj, "observed_data_refs");
	size_t i;
	json_t *e;
	json_array_foreach(od, i, e)
	{
		if (strncmp(json_string_value(e), "observed-data--", 15) != 0)
			return v_fail(v, "observed_data_refs", "must reference observed-data");
	}
	json_t *ws = json_object_get(v->obj, "where_sighted_refs");
	json_array_foreach(ws, i, e)
	{
		const char *s = json_string_value(e);
		if (strncmp(s, "identity--", 10) != 0 && strncmp(s, "location--", 10) != 0)
			return v_fail(v, "where_sighted_refs",
			              "must reference an identity or a location");
	}
	return 0;
}

static int marking_definition(struct vctx *v)
{
	int r;
	if ((r = v_opt_string(v, "name")) < 0)
		return r;
	bool has_ext = v_has(v, "extensions");
	json_t *dt = json_object_get(v->obj, "definition_type");
	json_t *def = json_object_get(v->obj, "definition");
	if (!has_ext || dt || def) {
		if ((r = v_req_string(v, "definition_type")) < 0)
			return r;
		if (!def)
			return v_fail(v, "definition", "required but missing");
		if (!json_is_object(def))
			return v_fail(v, "definition", "not an object");
	}
	if (!dt)
		return 0;
	const char *t = json_string_value(dt);
	if (strcmp(t, "statement") == 0 && !json_is_string(json_object_get(def, "statement")))
		return v_fail(v, "definition", "a statement marking needs a 'statement' string");
	if (strcmp(t, "tlp") == 0) {
		json_t *tlp = json_object_get(def, "tlp");
		const char *s = json_is_string(tlp) ? json_string_value(tlp) : "";
		if (strcmp(s, "white") && strcmp(s, "green") && strcmp(s, "amber") &&
		    strcmp(s, "red"))
			return v_fail(v, "definition", "'tlp' must be white, green, amber or red");
	}
	return 0;
}

static int language_content(struct vctx *v)
{
	int r;
	if (!v_has(v, "object_ref"))
		return v_fail(v, "object_ref", "required but missing");
	if ((r = v_opt_timestamp(v, "object_modified", NULL, NULL)) < 0)
		return r;
	json_t *c = json_object_get(v->obj, "contents");
	if (!c)
		return v_fail(v, "contents", "required but missing");
	if (!json_is_object(c) || json_object_size(c) == 0)
		return v_fail(v, "contents", "not a non-empty dictionary");
	return 0;
}

static int extension_definition(struct vctx *v)
{
	static const char *const ok[] = {"new-sdo", "new-sco", "new-sro", "property-extension",
	                                 "toplevel-property-extension"};
	int r;
	if ((r = names(v)) < 0 || (r = v_req_string(v, "schema")) < 0 ||
	    (r = v_req_string(v, "version")) < 0 ||
	    (r = v_req_string_list(v, "extension_types")) < 0)
		return r;
	if (!v_has(v, "created_by_ref"))
		return v_fail(v, "created_by_ref", "required but missing");
	size_t i;
	json_t *e;
	json_array_foreach(json_object_get(v->obj, "extension_types"), i, e)
	{
		bool found = false;
		for (size_t k = 0; k < sizeof ok / sizeof ok[0]; k++)
			found |= strcmp(json_string_value(e), ok[k]) == 0;
		if (!found)
			return v_fail(v, "extension_types", "item %zu is not an extension type", i);
	}
	return 0;
}

/* ---- cyber-observables ---- */

static int sco_value(struct vctx *v)
{
	return v_req_string(v, "value");
}

static int artifact(struct vctx *v)
{
	int r;
	bool bin = v_has(v, "payload_bin"), url = v_has(v, "url");
	if ((r = v_opt_string(v, "payload_bin")) < 0 || (r = v_opt_string(v, "url")) < 0 ||
	    (r = v_opt_hashes(v, "hashes")) < 0)
		return r;
	if (bin == url)
		return v_fail(v, "payload_bin", "exactly one of payload_bin or url is required");
	if (url && !v_has(v, "hashes"))
		return v_fail(v, "hashes", "required when url is given");
	if (v_has(v, "decryption_key") && !v_has(v, "encryption_algorithm"))
		return v_fail(v, "decryption_key", "requires encryption_algorithm");
	return 0;
}

static int autonomous_system(struct vctx *v)
{
	return v_req_int_range(v, "number", 0, 4294967295LL);
}

static int directory(struct vctx *v)
{
	return v_req_string(v, "path");
}

static int email_message(struct vctx *v)
{
	int r;
	if ((r = v_req_bool(v, "is_multipart")) < 0 ||
	    (r = v_opt_timestamp(v, "date", NULL, NULL)) < 0)
		return r;
	bool multi = json_is_true(json_object_get(v->obj, "is_multipart"));
	if (multi && v_has(v, "body"))
		return v_fail(v, "body", "not allowed when is_multipart is true");
	if (!multi && v_has(v, "body_multipart"))
		return v_fail(v, "body_multipart", "not allowed when is_multipart is false");
	return 0;
}

static int file(struct vctx *v)
{
	int r;
	if ((r = v_opt_hashes(v, "hashes")) < 0 || (r = v_opt_string(v, "name")) < 0 ||
	    (r = v_opt_int_range(v, "size", 0, 9223372036854775807LL)) < 0)
		return r;
	if (!v_has(v, "hashes") && !v_has(v, "name"))
		return v_fail(v, "name", "one of hashes or name is required");
	return 0;
}

static int network_traffic(struct vctx *v)
{
	int r;
	if ((r = v_req_string_list(v, "protocols")) < 0 ||
	    (r = v_opt_int_range(v, "src_port", 0, 65535)) < 0 ||
	    (r = v_opt_int_range(v, "dst_port", 0, 65535)) < 0 ||
	    (r = v_opt_bool(v, "is_active")) < 0 ||
	    (r = v_time_order(v, "start", "end", false)) < 0)
		return r;
	if (!v_has(v, "src_ref") && !v_has(v, "dst_ref"))
		return v_fail(v, "src_ref", "one of src_ref or dst_ref is required");
	if (json_is_true(json_object_get(v->obj, "is_active")) && v_has(v, "end"))
		return v_fail(v, "end", "not allowed when is_active is true");
	return 0;
}

static int sco_name(struct vctx *v)
{
	return v_req_string(v, "name");
}

/* process, user-account, windows-registry-key, x509-certificate: at least
 * one property of their own. */
static int sco_nonempty(struct vctx *v)
{
	static const char *const common[] = {
	    "type",     "id", "spec_version", "object_marking_refs", "granular_markings",
	    "defanged", NULL};
	const char *k;
	json_t *val;
	json_object_foreach((json_t *)v->obj, k, val)
	{
		bool is_common = false;
		for (const char *const *c = common; *c; c++)
			is_common |= strcmp(k, *c) == 0;
		if (!is_common)
			return 0;
	}
	return v_fail(v, "type", "a %s needs at least one property of its own", v->type);
}

static int x509(struct vctx *v)
{
	int r;
	if ((r = v_opt_hashes(v, "hashes")) < 0 ||
	    (r = v_time_order(v, "validity_not_before", "validity_not_after", false)) < 0)
		return r;
	return sco_nonempty(v);
}

static const struct {
	const char *type;
	int (*check)(struct vctx *v);
} rules[] = {
    {"attack-pattern", names},
    {"campaign", named_seen},
    {"course-of-action", names},
    {"grouping", grouping},
    {"identity", names},
    {"incident", names},
    {"indicator", indicator},
    {"infrastructure", named_seen},
    {"intrusion-set", named_seen},
    {"location", location},
    {"malware", malware},
    {"malware-analysis", malware_analysis},
    {"note", note},
    {"observed-data", observed_data},
    {"opinion", opinion},
    {"report", report},
    {"threat-actor", named_seen},
    {"tool", names},
    {"vulnerability", names},
    {"relationship", relationship},
    {"sighting", sighting},
    {"marking-definition", marking_definition},
    {"language-content", language_content},
    {"extension-definition", extension_definition},
    {"artifact", artifact},
    {"autonomous-system", autonomous_system},
    {"directory", directory},
    {"domain-name", sco_value},
    {"email-addr", sco_value},
    {"email-message", email_message},
    {"file", file},
    {"ipv4-addr", sco_value},
    {"ipv6-addr", sco_value},
    {"mac-addr", sco_value},
    {"mutex", sco_name},
    {"network-traffic", network_traffic},
    {"process", sco_nonempty},
    {"software", sco_name},
    {"url", sco_value},
    {"user-account", sco_nonempty},
    {"windows-registry-key", sco_nonempty},
    {"x509-certificate", x509},
};

int v_check_type(struct vctx *v)
{
	for (size_t i = 0; i < sizeof rules / sizeof rules[0]; i++)
		if (strcmp(v->type, rules[i].type) == 0)
			return rules[i].check(v);
	return 0;
}

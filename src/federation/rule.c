/*
 * The federation rule (see rule.h). The level table is data, like
 * hub/tlp.c's: a level that gains a federation meaning is one row.
 */
#include "federation/rule.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hub/tlp.h"
#include "stix/ident.h"
#include "stix/validate.h"

enum leave { NEVER, IF_ALLOWED, IF_NAMED };

static const enum leave leaves[] = {
    [YG_TLP_CLEAR] = IF_ALLOWED,   [YG_TLP_GREEN] = IF_ALLOWED, [YG_TLP_AMBER] = IF_NAMED,
    [YG_TLP_AMBER_STRICT] = NEVER, [YG_TLP_RED] = NEVER,
};

bool yg_fed_may_send(enum yg_tlp tlp, enum yg_tlp tlp_max, bool named)
{
	if ((unsigned)tlp > YG_TLP_RED)
		return false;
	/* A peer is never allowed past AMBER, whatever its configuration says. */
	if (tlp_max > YG_TLP_AMBER)
		tlp_max = YG_TLP_AMBER;
	switch (leaves[tlp]) {
	case IF_ALLOWED:
		return tlp <= tlp_max;
	case IF_NAMED:
		return tlp <= tlp_max && named;
	case NEVER:
	default:
		return false;
	}
}

bool yg_fed_via_has(const json_t *obj, const char *hub_id)
{
	if (!hub_id || !hub_id[0])
		return false;
	const json_t *via = json_object_get(obj, "x_yagura_via");
	size_t i;
	const json_t *v;
	json_array_foreach(via, i, v)
	{
		const char *s = json_string_value(v);
		if (s && !strcmp(s, hub_id))
			return true;
	}
	return false;
}

json_t *yg_fed_outgoing(const char *json, size_t len, bool anonymous, const char *self_id)
{
	json_t *o = json_loadb(json, len, 0, NULL);
	if (!json_is_object(o)) {
		json_decref(o);
		return NULL;
	}
	if (anonymous && json_object_set_new(o, "created_by_ref", json_string(self_id)) < 0)
		goto fail;
	json_object_del(o, "x_yagura_share_with");
	json_object_del(o, "x_yagura_anonymous");
	json_t *via = json_object_get(o, "x_yagura_via");
	if (!json_is_array(via)) {
		via = json_array();
		if (json_object_set_new(o, "x_yagura_via", via) < 0)
			goto fail;
	}
	if (!yg_fed_via_has(o, self_id) && json_array_append_new(via, json_string(self_id)) < 0)
		goto fail;
	return o;
fail:
	json_decref(o);
	return NULL;
}

static int refuse(char *err, size_t errlen, const char *id, const char *why)
{
	snprintf(err, errlen, "%.128s: %s", id ? id : "object", why);
	return 0;
}

static bool identity_ok(const char *s)
{
	size_t n = strnlen(s, YG_FED_ID_MAX);
	return n < YG_FED_ID_MAX && yg_stix_id_valid(s, n, "identity");
}

int yg_fed_admit(const json_t *obj, const char *self_id, yg_fed_local_fn local, void *ud,
                 enum yg_tlp *ret_tlp, char *err, size_t errlen)
{
	if (!json_is_object(obj))
		return refuse(err, errlen, NULL, "not a JSON object");
	const char *id = json_string_value(json_object_get(obj, "id"));
	if (yg_stix_validate_object(obj, err, errlen) < 0)
		return 0;
	enum yg_tlp tlp;
	if (yg_tlp_of_object(obj, &tlp) < 0)
		return refuse(err, errlen, id, "property 'object_marking_refs': malformed");
	if (tlp == YG_TLP_AMBER_STRICT || tlp == YG_TLP_RED)
		return refuse(err, errlen, id,
		              "TLP:AMBER+STRICT and TLP:RED never travel between hubs");
	const json_t *via = json_object_get(obj, "x_yagura_via");
	if (via) {
		if (!json_is_array(via) || json_array_size(via) > YG_FED_VIA_MAX)
			return refuse(err, errlen, id,
			              "property 'x_yagura_via': not a list of at most 16 hubs");
		size_t i;
		const json_t *v;
		json_array_foreach(via, i, v)
		{
			const char *s = json_string_value(v);
			if (!s || !identity_ok(s))
				return refuse(
				    err, errlen, id,
				    "property 'x_yagura_via': not a list of identity ids");
		}
		if (yg_fed_via_has(obj, self_id))
			return refuse(err, errlen, id, "came back through this hub (x_yagura_via)");
	}
	const char *by = json_string_value(json_object_get(obj, "created_by_ref"));
	if (by) {
		bool is_local = self_id && !strcmp(by, self_id);
		if (!is_local && local) {
			int r = local(ud, by, &is_local);
			if (r < 0)
				return r;
		}
		if (is_local)
			return refuse(
			    err, errlen, id,
			    "property 'created_by_ref': a peer may not speak for this hub or "
			    "its members");
	}
	*ret_tlp = tlp;
	return 1;
}

json_t *yg_fed_inbound(const json_t *obj)
{
	json_t *c = json_deep_copy(obj);
	if (!c)
		return NULL;
	json_object_del(c, "x_yagura_share_with");
	json_object_del(c, "x_yagura_anonymous");
	return c;
}

#define ADVISORY_LABEL "yagura-alert-level"

bool yg_fed_advisory_labelled(const json_t *obj)
{
	size_t i;
	const json_t *v;
	json_array_foreach(json_object_get(obj, "labels"), i, v)
	{
		const char *s = json_string_value(v);
		if (s && !strcmp(s, ADVISORY_LABEL))
			return true;
	}
	return false;
}

int yg_fed_advisory_level(const json_t *obj, const char *sender_hub)
{
	const char *type = json_string_value(json_object_get(obj, "type"));
	const char *by = json_string_value(json_object_get(obj, "created_by_ref"));
	const json_t *via = json_object_get(obj, "x_yagura_via");
	const json_t *lv = json_object_get(obj, "x_yagura_alert_level");
	if (!type || strcmp(type, "report") || !yg_fed_advisory_labelled(obj) || !sender_hub ||
	    !by || strcmp(by, sender_hub) || json_array_size(via) != 1 ||
	    !json_is_string(json_array_get(via, 0)) ||
	    strcmp(json_string_value(json_array_get(via, 0)), sender_hub) || !json_is_integer(lv))
		return 0;
	json_int_t n = json_integer_value(lv);
	return n >= 1 && n <= 5 ? (int)n : 0;
}

/*
 * TLP 2.0 levels of STIX objects and the visibility rule (see tlp.h).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "hub/tlp.h"

/* Marking-definition ids of the TLP 2.0 STIX extension
 * (extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d). */
static const struct {
	const char *id;
	const char *name;
	const char *ext_value;
	const char *misp_tag; /* MISP's tlp taxonomy */
	const char *misp_colour;
} levels[] = {
	[YG_TLP_CLEAR] = {"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "TLP:CLEAR",
			  "clear", "tlp:clear", "#ffffff"},
	[YG_TLP_GREEN] = {"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "TLP:GREEN",
			  "green", "tlp:green", "#33ff00"},
	[YG_TLP_AMBER] = {"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "TLP:AMBER",
			  "amber", "tlp:amber", "#ffc000"},
	[YG_TLP_AMBER_STRICT] = {"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
				 "TLP:AMBER+STRICT", "amber+strict", "tlp:amber+strict", "#ffc000"},
	[YG_TLP_RED] = {"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "TLP:RED", "red",
			"tlp:red", "#ff2b2b"},
};

/* TLP 1.0 ids of the STIX 2.1 specification (section 7.2.1.4). */
static const struct {
	const char *id;
	enum yg_tlp tlp;
} tlp1[] = {
	{"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", YG_TLP_CLEAR}, /* WHITE */
	{"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", YG_TLP_GREEN},
	{"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", YG_TLP_AMBER},
	{"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", YG_TLP_RED},
};

#define TLP_EXTENSION_ID "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

const char *yg_tlp_marking_id(enum yg_tlp tlp)
{
	return (unsigned)tlp <= YG_TLP_RED ? levels[tlp].id : NULL;
}

const char *yg_tlp_name(enum yg_tlp tlp)
{
	return (unsigned)tlp <= YG_TLP_RED ? levels[tlp].name : "TLP:?";
}

const char *yg_tlp_misp_tag(enum yg_tlp tlp, const char **ret_colour)
{
	if ((unsigned)tlp > YG_TLP_RED)
		return NULL;
	if (ret_colour)
		*ret_colour = levels[tlp].misp_colour;
	return levels[tlp].misp_tag;
}

bool yg_tlp_from_misp_tag(const char *name, enum yg_tlp *ret)
{
	if (!name)
		return false;
	for (unsigned i = 0; i <= YG_TLP_RED; i++)
		if (!strcasecmp(name, levels[i].misp_tag)) {
			*ret = (enum yg_tlp)i;
			return true;
		}
	if (!strcasecmp(name, "tlp:white")) { /* TLP 1.0 */
		*ret = YG_TLP_CLEAR;
		return true;
	}
	return false;
}

bool yg_tlp_from_marking_id(const char *id, enum yg_tlp *ret)
{
	if (!id)
		return false;
	for (unsigned i = 0; i <= YG_TLP_RED; i++)
		if (!strcmp(id, levels[i].id)) {
			*ret = (enum yg_tlp)i;
			return true;
		}
	for (size_t i = 0; i < sizeof tlp1 / sizeof tlp1[0]; i++)
		if (!strcmp(id, tlp1[i].id)) {
			*ret = tlp1[i].tlp;
			return true;
		}
	return false;
}

/* Folds one marking ref into the running most-restrictive level. */
static void fold(const char *ref, bool *found, enum yg_tlp *level)
{
	enum yg_tlp t;
	if (!yg_tlp_from_marking_id(ref, &t))
		return;
	if (!*found || t > *level)
		*level = t;
	*found = true;
}

int yg_tlp_of_object(const json_t *obj, enum yg_tlp *ret)
{
	if (!json_is_object(obj))
		return -EINVAL;
	bool found = false;
	enum yg_tlp level = YG_TLP_AMBER;
	const json_t *refs = json_object_get(obj, "object_marking_refs");
	if (refs) {
		if (!json_is_array(refs))
			return -EINVAL;
		size_t i;
		const json_t *v;
		json_array_foreach(refs, i, v)
		{
			if (!json_is_string(v))
				return -EINVAL;
			fold(json_string_value(v), &found, &level);
		}
	}
	const json_t *gran = json_object_get(obj, "granular_markings");
	if (gran) {
		if (!json_is_array(gran))
			return -EINVAL;
		size_t i;
		const json_t *g;
		json_array_foreach(gran, i, g)
		{
			if (!json_is_object(g))
				return -EINVAL;
			const json_t *ref = json_object_get(g, "marking_ref");
			if (ref && !json_is_string(ref))
				return -EINVAL;
			if (ref)
				fold(json_string_value(ref), &found, &level);
		}
	}
	*ret = found ? level : YG_TLP_AMBER;
	return 0;
}

bool yg_tlp_visible(enum yg_tlp tlp, int64_t submitter_org, bool named, int64_t viewer_org)
{
	if (tlp == YG_TLP_CLEAR)
		return true;
	if (viewer_org <= 0)
		return false;
	if (viewer_org == submitter_org)
		return true;
	switch (tlp) {
	case YG_TLP_GREEN:
		return true;
	case YG_TLP_AMBER:
	case YG_TLP_RED:
		return named;
	case YG_TLP_AMBER_STRICT:
	default:
		return false;
	}
}

bool yg_tlp_takes_recipients(enum yg_tlp tlp)
{
	return tlp == YG_TLP_AMBER || tlp == YG_TLP_RED;
}

json_t *yg_tlp_marking_object(enum yg_tlp tlp)
{
	if ((unsigned)tlp > YG_TLP_RED)
		return NULL;
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s, s:s}}}", "type",
			 "marking-definition", "spec_version", "2.1", "id", levels[tlp].id,
			 "created", "2022-10-01T00:00:00.000Z", "name", levels[tlp].name,
			 "extensions", TLP_EXTENSION_ID, "extension_type", "property-extension",
			 "tlp_2_0", levels[tlp].ext_value);
}

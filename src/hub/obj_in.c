/* The store row of a STIX object; see obj_in.h. */
#include "hub/obj_in.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hub/ids.h"

int yg_obj_in_from_stix(const json_t *obj, struct yg_obj_in *in, char *err, size_t errlen)
{
	const char *id = json_string_value(json_object_get(obj, "id"));
	const char *type = json_string_value(json_object_get(obj, "type"));
	const char *spec = json_string_value(json_object_get(obj, "spec_version"));
	const char *modified = json_string_value(json_object_get(obj, "modified"));
	if (!modified)
		modified = json_string_value(json_object_get(obj, "created"));
	if (!id || !type) {
		snprintf(err, errlen, "%.128s: property '%s': required", id ? id : "object",
			 id ? "type" : "id");
		return -EINVAL;
	}
	int64_t mod_us = 0;
	if (modified && !yg_time_parse_us(modified, strlen(modified), &mod_us)) {
		snprintf(err, errlen, "%.128s: property 'modified': not a timestamp", id);
		return -EINVAL;
	}
	in->stix_id = id;
	in->type = type;
	in->spec_version = spec ? spec : "2.1";
	in->modified = modified ? modified : "";
	in->modified_us = mod_us;
	in->revoked = json_is_true(json_object_get(obj, "revoked"));
	return 0;
}

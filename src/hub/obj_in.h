/*
 * The store row of a STIX object, read from the object itself. Both ways an
 * object enters the hub (a member's TAXII POST and a federation peer's
 * pull) read id, type, spec_version, modified and revoked the same way, so
 * a version is ordered identically whichever path brought it.
 */
#ifndef YG_HUB_OBJ_IN_H
#define YG_HUB_OBJ_IN_H

#include <jansson.h>
#include <stddef.h>

#include "store/store.h"

/* Fills in's stix_id, type, spec_version ("2.1" when absent), modified
 * (falling back to created; "" when neither) and modified_us, and revoked.
 * The strings point into obj, which must outlive in. Other fields are left
 * as they were. 0, or -EINVAL with err naming the property at fault. */
int yg_obj_in_from_stix(const json_t *obj, struct yg_obj_in *in, char *err, size_t errlen);

#endif

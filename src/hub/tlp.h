/*
 * TLP 2.0 (FIRST, "Traffic Light Protocol version 2.0", 2022) on STIX 2.1
 * objects: which level an object carries and who may see it.
 *
 * Pure functions: no store, no I/O. The hub calls them on every path that
 * returns data (objects, object by id, versions, manifest, status).
 *
 * Levels come from the official marking-definition ids (TLP 2.0 ones, and
 * the STIX 2.1 TLP 1.0 ones mapped WHITE->CLEAR) in object_marking_refs and
 * in granular_markings[].marking_ref; several markings mean the most
 * restrictive; other marking ids are ignored; no TLP marking means AMBER.
 *
 * Who sees what (viewer_org 0 = not a member, e.g. an unauthenticated
 * client):
 *   CLEAR         anyone
 *   GREEN         every member
 *   AMBER         the submitter and the organizations it named, directly or
 *                 through a sharing group (x_yagura_share_with, share.h)
 *   AMBER+STRICT  the submitter only
 *   RED           the submitter and its named recipients only
 */
#ifndef YG_HUB_TLP_H
#define YG_HUB_TLP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store/store.h"

/* The marking-definition id of a level ("marking-definition--..."). */
const char *yg_tlp_marking_id(enum yg_tlp tlp);

/* "TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED". */
const char *yg_tlp_name(enum yg_tlp tlp);

/* The MISP tag of a level ("tlp:clear" ... "tlp:red", MISP's tlp
 * taxonomy) and its colour; NULL for no level. */
const char *yg_tlp_misp_tag(enum yg_tlp tlp, const char **ret_colour);

/* The level a MISP tag names (case-insensitive; "tlp:white" is CLEAR);
 * false for every other tag. */
bool yg_tlp_from_misp_tag(const char *name, enum yg_tlp *ret);

/* The level a marking-definition id stands for; false for other ids. */
bool yg_tlp_from_marking_id(const char *id, enum yg_tlp *ret);

/* The level of a STIX object (a JSON object). -EINVAL, and *ret untouched,
 * when object_marking_refs or granular_markings is present but not of the
 * STIX shape (array of strings / array of objects). */
int yg_tlp_of_object(const json_t *obj, enum yg_tlp *ret);

/* Whether viewer_org may see an object of level tlp submitted by
 * submitter_org; named: the viewer is one of the object's share targets. */
bool yg_tlp_visible(enum yg_tlp tlp, int64_t submitter_org, bool named, int64_t viewer_org);

/* Whether a level takes share targets at all (AMBER and RED). */
bool yg_tlp_takes_recipients(enum yg_tlp tlp);

/* Builds the marking-definition object of a level (caller decrefs), as in
 * the TLP 2.0 STIX extension, for the hub's built-in objects. */
json_t *yg_tlp_marking_object(enum yg_tlp tlp);

#endif

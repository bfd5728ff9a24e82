/*
 * STIX 2.1 object validation (STIX 2.1 sections 3-7, cross-checked with the
 * OASIS JSON schemas): what a hub must check before it stores or forwards
 * an object, and what a loader checks before it trusts one.
 *
 * Checked for every object: `type` (3..250 chars of a-z 0-9 '-', no "--"),
 * `id` "<type>--<RFC 4122 UUID>" naming the same type, `spec_version` "2.1"
 * (required except for cyber-observables), `created` / `modified` (RFC 3339
 * 'Z' timestamps; required for SDOs, SROs, language-content and
 * extension-definition; `modified` >= `created`), top-level property names,
 * every top-level `*_ref` / `*_refs` except custom `x_...` ones (well-
 * formed ids; `created_by_ref` an identity, `object_marking_refs`
 * marking-definitions), external references (source_name; url a URI), granular
 * markings, external references, kill-chain phases, labels, confidence.
 *
 * Per type: the required properties of every 2.1 SDO, SRO, marking-
 * definition, language-content, extension-definition and cyber-observable,
 * plus the spec's co-constraints (valid_until > valid_from, last_seen >=
 * first_seen, location's region/country/coordinates, artifact's payload_bin
 * xor url, and so on). Indicators with pattern_type "stix" must carry a
 * pattern the parser accepts.
 *
 * Custom properties and custom object types (x-..., or any unknown type)
 * are accepted; for unknown types only the common rules apply, and only to
 * the common properties they have. Nothing here allocates except the
 * pattern parse (bounded by the pattern limits); recursion is fixed-depth,
 * so the input's own nesting (bounded by whoever parsed the JSON) does not
 * matter.
 */
#ifndef YG_STIX_VALIDATE_H
#define YG_STIX_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Returns 0 when obj is a valid STIX 2.1 object, -EINVAL otherwise with a
 * message in err (when errlen > 0) that names the object and the property:
 *   "indicator--8e2e2d2b-...: property 'valid_from': not an RFC 3339 timestamp"
 * An object without a usable id is named by its type ("indicator object")
 * or as "object". Ids and property names in messages are cut to 100 bytes
 * with non-printable bytes shown as '?'.
 */
int yg_stix_validate_object(const json_t *obj, char *err, size_t errlen);

/* Called for each invalid object of a bundle; a non-zero return stops the
 * walk and becomes yg_stix_validate_bundle's return value. */
typedef int (*yg_stix_invalid_fn)(void *ud, size_t index, const json_t *obj, const char *err);

/*
 * Validates a bundle: the envelope (`type` "bundle", `id` bundle--UUID,
 * `objects` an array when present; `spec_version` is not allowed on a 2.1
 * bundle but tolerated) and then every object in `objects`.
 * Returns 0 when all is valid; -EINVAL when the envelope is invalid (err
 * says why; no object is visited) or when one or more objects are invalid
 * (err holds "objects[i]: " and the first object's message). on_invalid
 * (may be NULL) hears about every invalid object. *ret_invalid (may be
 * NULL) receives the number of invalid objects seen.
 */
int yg_stix_validate_bundle(const json_t *bundle, yg_stix_invalid_fn on_invalid, void *ud,
                            size_t *ret_invalid, char *err, size_t errlen);

/* The object category of a type name, for callers that route objects. */
enum yg_stix_category {
	YG_STIX_SDO,
	YG_STIX_SRO,
	YG_STIX_SCO,
	YG_STIX_META,   /* marking-definition, language-content, extension-definition */
	YG_STIX_CUSTOM, /* any other type */
};
enum yg_stix_category yg_stix_type_category(const char *type);

#endif

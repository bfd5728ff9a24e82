/*
 * STIX 2.1 type names (section 3.1) and identifiers (section 2.9):
 *
 *   indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f
 *   \_______/  \__________________________________/
 *     type      RFC 4122 UUID: version 1-5, variant 10xx
 *
 * Type names are 3..250 characters of a-z, 0-9 and '-', begin with a
 * letter and hold no "--" (so the first "--" of an id ends the type).
 * Spans need not be NUL-terminated.
 */
#ifndef YG_STIX_IDENT_H
#define YG_STIX_IDENT_H

#include <stdbool.h>
#include <stddef.h>

#define YG_STIX_TYPE_MIN_LEN 3
#define YG_STIX_TYPE_MAX_LEN 250

bool yg_stix_type_valid(const char *s, size_t len);

/* 8-4-4-4-12 hex digits (either case), version digit 1-5, variant 8/9/a/b. */
bool yg_stix_uuid_valid(const char *s, size_t len);

/* A well-formed "<type>--<uuid>". When want_type is non-NULL the type part
 * must equal it. */
bool yg_stix_id_valid(const char *s, size_t len, const char *want_type);

/* "<want_type>--" and then one or more ASCII letters, digits or dashes:
 * the looser form the sensor takes ids in from hubs and TAXII servers
 * (an id it only uses as a key), which still keeps quotes, control bytes
 * and non-ASCII out. */
bool yg_stix_id_loose(const char *s, size_t len, const char *want_type);

/* Length of the type part of a well-formed id, 0 if s is not one. */
size_t yg_stix_id_type_len(const char *s, size_t len);

#endif

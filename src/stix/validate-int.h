/*
 * Internals shared by validate.c (common rules, dispatch) and
 * validate-types.c (per-type rules). Not a public header.
 */
#ifndef YG_STIX_VALIDATE_INT_H
#define YG_STIX_VALIDATE_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "stix/timestamp.h"
#include "stix/validate.h"

struct vctx {
	const json_t *obj;
	const char *type;
	char label[128]; /* how messages name the object */
	char *err;
	size_t errlen;
};

/* Writes "<label>: property '<prop>': <message>" and returns -EINVAL. */
int v_fail(struct vctx *v, const char *prop, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Each returns 0 or v_fail's -EINVAL. "req" fails when the property is
 * missing; "opt" passes then. */
int v_req_string(struct vctx *v, const char *prop);
int v_opt_string(struct vctx *v, const char *prop);
int v_req_bool(struct vctx *v, const char *prop);
int v_opt_bool(struct vctx *v, const char *prop);
int v_opt_int_range(struct vctx *v, const char *prop, long long lo, long long hi);
int v_req_int_range(struct vctx *v, const char *prop, long long lo, long long hi);
int v_opt_number_range(struct vctx *v, const char *prop, double lo, double hi);
int v_opt_string_list(struct vctx *v, const char *prop);
int v_req_string_list(struct vctx *v, const char *prop);
int v_req_timestamp(struct vctx *v, const char *prop, struct yg_stix_time *ret);
/* *ret_present tells whether the property was there. */
int v_opt_timestamp(struct vctx *v, const char *prop, struct yg_stix_time *ret, bool *ret_present);
/* later >= earlier (or > when strict), both optional. */
int v_time_order(struct vctx *v, const char *earlier, const char *later, bool strict);
/* A non-empty array of ids (each of want_type when non-NULL). */
int v_req_refs(struct vctx *v, const char *prop);
int v_opt_hashes(struct vctx *v, const char *prop);
bool v_has(const struct vctx *v, const char *prop);

/* Per-type rules (validate-types.c). Unknown types return 0. */
int v_check_type(struct vctx *v);

#endif

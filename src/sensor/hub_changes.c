/*
 * Parser of the change-feed answer (see hub_changes.h). Everything in it
 * comes from the network: sizes are capped, types checked, and the cursor
 * is kept only when it is short printable ASCII (it goes back into a URL).
 */
#include "sensor/hub_changes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stix/ident.h"

static int bad(char *err, size_t errlen, const char *why, size_t i)
{
	if (err && errlen) {
		if (i != (size_t)-1)
			snprintf(err, errlen, "change %zu: %s", i, why);
		else
			snprintf(err, errlen, "%s", why);
	}
	return -EBADMSG;
}

static bool good_id(const char *id)
{
	size_t n = strnlen(id, YG_CHANGES_ID_MAX);
	return n < YG_CHANGES_ID_MAX && yg_stix_id_loose(id, n, "indicator");
}

static int check_bool(json_t *root, const char *key, bool *ret)
{
	json_t *v = json_object_get(root, key);
	if (!v) {
		*ret = false;
		return 0;
	}
	if (!json_is_boolean(v))
		return -1;
	*ret = json_is_true(v);
	return 0;
}

int yg_changes_parse(const uint8_t *data, size_t len, struct yg_changes *ret, char *err,
                     size_t errlen)
{
	struct yg_changes c = {0};
	json_error_t je;
	int r;
	c.root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES, &je);
	if (!c.root) {
		if (err && errlen)
			snprintf(err, errlen, "not JSON: %s (line %d)", je.text, je.line);
		return -EBADMSG;
	}
	if (!json_is_object(c.root)) {
		r = bad(err, errlen, "not a JSON object", (size_t)-1);
		goto fail;
	}
	const char *cur = json_string_value(json_object_get(c.root, "cursor"));
	size_t cl = cur ? strlen(cur) : 0;
	if (!cur || cl == 0 || cl >= sizeof c.cursor) {
		r = bad(err, errlen, "no cursor, or a cursor of bad length", (size_t)-1);
		goto fail;
	}
	for (size_t i = 0; i < cl; i++)
		if (cur[i] <= 0x20 || cur[i] >= 0x7f) {
			r = bad(err, errlen, "cursor with unprintable characters", (size_t)-1);
			goto fail;
		}
	memcpy(c.cursor, cur, cl + 1);
	if (check_bool(c.root, "reset", &c.reset) < 0 || check_bool(c.root, "more", &c.more) < 0) {
		r = bad(err, errlen, "reset/more is not a boolean", (size_t)-1);
		goto fail;
	}
	json_t *arr = json_object_get(c.root, "changes");
	if (!json_is_array(arr)) {
		r = bad(err, errlen, "no changes list", (size_t)-1);
		goto fail;
	}
	size_t n = json_array_size(arr);
	if (n > YG_CHANGES_MAX) {
		r = bad(err, errlen, "too many changes in one answer", (size_t)-1);
		goto fail;
	}
	if (n) {
		c.v = calloc(n, sizeof *c.v);
		if (!c.v) {
			r = -ENOMEM;
			goto fail;
		}
	}
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(arr, i);
		struct yg_change *ch = &c.v[i];
		const char *op = json_string_value(json_object_get(e, "op"));
		const char *id = json_string_value(json_object_get(e, "id"));
		if (!json_is_object(e) || !op) {
			r = bad(err, errlen, "not an object with an op", i);
			goto fail;
		}
		if (!id || !good_id(id)) {
			r = bad(err, errlen, "missing or bad indicator id", i);
			goto fail;
		}
		ch->id = id;
		if (!strcmp(op, "upsert")) {
			json_t *o = json_object_get(e, "object");
			const char *ot = json_string_value(json_object_get(o, "type"));
			const char *oid = json_string_value(json_object_get(o, "id"));
			if (!json_is_object(o) || !ot || strcmp(ot, "indicator") || !oid ||
			    strcmp(oid, id)) {
				r = bad(err, errlen, "upsert without a matching indicator object",
				        i);
				goto fail;
			}
			if (!json_is_string(json_object_get(o, "pattern"))) {
				r = bad(err, errlen, "upsert of an indicator without a pattern", i);
				goto fail;
			}
			ch->op = YG_CHANGE_UPSERT;
			ch->object = o;
		} else if (!strcmp(op, "remove")) {
			json_t *reason = json_object_get(e, "reason");
			if (reason && !json_is_string(reason)) {
				r = bad(err, errlen, "remove with a reason that is not text", i);
				goto fail;
			}
			ch->op = YG_CHANGE_REMOVE;
			ch->reason = json_string_value(reason);
		} else {
			r = bad(err, errlen, "unknown op", i);
			goto fail;
		}
	}
	c.n = n;
	*ret = c;
	return 0;
fail:
	free(c.v);
	json_decref(c.root);
	return r;
}

void yg_changes_release(struct yg_changes *c)
{
	if (!c)
		return;
	free(c->v);
	json_decref(c->root);
	c->v = NULL;
	c->root = NULL;
	c->n = 0;
}

/*
 * The answer of the hub's change feed, GET /api/v1/indicators/changes
 * (contract: /tmp/contract-loop.md section 3):
 *
 *   {"cursor":"<opaque>","reset":false,"more":false,
 *    "changes":[{"op":"upsert","id":"indicator--..","object":{...}},
 *               {"op":"remove","id":"indicator--..","reason":"revoked"}]}
 *
 * The answer is checked whole before any of it is used: one malformed
 * change makes the whole answer malformed, so the sensor keeps its last
 * good set rather than apply half an answer.
 */
#ifndef YG_SENSOR_HUB_CHANGES_H
#define YG_SENSOR_HUB_CHANGES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_CHANGES_MAX        20000 /* per answer (the hub sends at most 5000) */
#define YG_CHANGES_CURSOR_MAX 256
#define YG_CHANGES_ID_MAX     128

enum yg_change_op { YG_CHANGE_UPSERT, YG_CHANGE_REMOVE };

struct yg_change {
	enum yg_change_op op;
	const char *id;     /* "indicator--..." (borrowed from the answer) */
	json_t *object;     /* upsert: the indicator (borrowed); remove: NULL */
	const char *reason; /* remove: why (may be NULL) */
};

struct yg_changes {
	json_t *root;
	char cursor[YG_CHANGES_CURSOR_MAX];
	bool reset, more;
	size_t n;
	struct yg_change *v;
};

/*
 * Parses and checks one answer. Returns 0, -EBADMSG with err saying what
 * is wrong, or -ENOMEM. On success the caller releases ret with
 * yg_changes_release; the borrowed pointers live until then.
 */
int yg_changes_parse(const uint8_t *data, size_t len, struct yg_changes *ret, char *err,
                     size_t errlen);
void yg_changes_release(struct yg_changes *c);

#endif

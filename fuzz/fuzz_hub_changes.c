/*
 * What the sensor reads from the hub and from its spool folder: the
 * change-feed answer, the answer to a sightings POST, and a spooled batch
 * file. The first byte picks the parser. Invariants checked: a parsed
 * answer holds only well-formed changes (ids, objects, a printable
 * cursor), and a refused one says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/hub_changes.h"
#include "sensor/sighting_post.h"
#include "sensor/spool.h"

static void changes(const uint8_t *data, size_t size)
{
	struct yg_changes c;
	char err[256] = "";
	if (yg_changes_parse(data, size, &c, err, sizeof err) < 0) {
		if (!err[0] || !memchr(err, '\0', sizeof err))
			abort();
		return;
	}
	size_t cl = strlen(c.cursor);
	if (cl == 0 || cl >= YG_CHANGES_CURSOR_MAX)
		abort();
	for (size_t i = 0; i < c.n; i++) {
		const struct yg_change *ch = &c.v[i];
		if (strncmp(ch->id, "indicator--", 11) || strlen(ch->id) >= YG_CHANGES_ID_MAX)
			abort();
		if (ch->op == YG_CHANGE_UPSERT &&
		    (!ch->object ||
		     strcmp(json_string_value(json_object_get(ch->object, "id")), ch->id)))
			abort();
		if (ch->op == YG_CHANGE_REMOVE && ch->object)
			abort();
	}
	yg_changes_release(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > (1u << 20))
		return 0;
	uint8_t which = data[0] % 3;
	data++;
	size--;
	if (which == 0) {
		changes(data, size);
	} else if (which == 1) {
		uint64_t a, d, r;
		yg_sightings_parse_answer((const char *)data, size, &a, &d, &r, NULL, NULL);
	} else {
		yg_spool_check_batch((const char *)data, size);
	}
	return 0;
}

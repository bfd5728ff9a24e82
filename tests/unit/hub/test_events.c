/*
 * The event broadcaster behind GET /api/v1/events: frames, cursors,
 * audiences, and a reader that fell behind the ring.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hub/events.h"

static size_t count(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static void frames_cursors_audiences(void **state)
{
	(void)state;
	struct yg_events *ev = NULL;
	assert_int_equal(yg_events_new(&ev), 0);
	assert_int_equal(yg_events_last(ev), 0);
	assert_int_equal(yg_events_publish(ev, "level", "{\"level\":3}", 0, 0), 1);
	assert_int_equal(yg_events_publish(ev, "level.action", "{\"a\":1}", 0, YG_ROLE_ADMIN), 2);
	assert_int_equal(yg_events_publish(ev, "note", "{\"o\":7}", 7, 0), 3);
	/* Data with a newline would break the frame: refused. */
	assert_int_equal(yg_events_publish(ev, "level", "{\n}", 0, 0), 0);
	assert_int_equal(yg_events_last(ev), 3);
	struct yg_buf b;
	uint64_t cur = 0;
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_events_read(ev, &cur, 5, YG_ROLE_READER, &b, 1 << 16), 1);
	assert_int_equal(cur, 3);
	char *t = yg_buf_take(&b, NULL);
	assert_string_equal(t, "id: 1\nevent: level\ndata: {\"level\":3}\n\n");
	free(t);
	cur = 0;
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_events_read(ev, &cur, 7, YG_ROLE_ADMIN, &b, 1 << 16), 3);
	t = yg_buf_take(&b, NULL);
	assert_int_equal(count(t, "\n\n"), 3);
	assert_non_null(strstr(t, "id: 3\nevent: note"));
	free(t);
	/* Nothing new: nothing appended, cursor kept. */
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_events_read(ev, &cur, 7, YG_ROLE_ADMIN, &b, 1 << 16), 0);
	assert_int_equal(cur, 3);
	yg_buf_release(&b);
	yg_events_free(ev);
}

static void behind_the_ring(void **state)
{
	(void)state;
	struct yg_events *ev = NULL;
	assert_int_equal(yg_events_new(&ev), 0);
	char data[32];
	for (int i = 1; i <= YG_EVENTS_RING + 10; i++) {
		snprintf(data, sizeof data, "{\"i\":%d}", i);
		assert_int_equal(yg_events_publish(ev, "x", data, 0, 0), (uint64_t)i);
	}
	struct yg_buf b;
	uint64_t cur = 0;
	yg_buf_init(&b, 1 << 24);
	/* A reader from 0 gets the ring's events, oldest first, all of them
	 * over a few reads of at most max bytes. */
	size_t n = 0;
	for (int k = 0; k < 100 && cur < yg_events_last(ev); k++)
		n += yg_events_read(ev, &cur, 1, YG_ROLE_READER, &b, 512);
	assert_int_equal(n, YG_EVENTS_RING);
	char *t = yg_buf_take(&b, NULL);
	assert_true(strncmp(t, "id: 11\n", 7) == 0);
	free(t);
	/* A cursor from a previous run (beyond the newest) starts at the newest. */
	cur = 100000;
	yg_buf_init(&b, 1 << 20);
	assert_int_equal(yg_events_read(ev, &cur, 1, YG_ROLE_READER, &b, 512), 0);
	assert_int_equal(cur, yg_events_last(ev));
	yg_buf_release(&b);
	yg_events_free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(frames_cursors_audiences),
		cmocka_unit_test(behind_the_ring),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

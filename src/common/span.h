/* A borrowed byte range: outside text is never assumed NUL-terminated. */
#ifndef YG_COMMON_SPAN_H
#define YG_COMMON_SPAN_H

#include <stddef.h>
#include <stdint.h>

struct yg_span {
	const uint8_t *p;
	size_t len;
};

#endif

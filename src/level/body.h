/*
 * The bodies of the alert level's POST requests (src/hub/level_api.c),
 * parsed apart from the HTTP layer so a fuzzer can drive them alone. Each
 * body is a JSON object of at most YG_LEVEL_BODY_MAX bytes; unknown keys
 * are errors; err names the bad member ("signals[2].value: ...").
 *
 *   set:      {"level": 1..5, "reason": "..."}  or  {"two_person": bool}
 *   confirm,
 *   reject:   {"proposal": id, "reason": "..."}   (both optional)
 *   signals:  {"name", "value", "detail": {...}|[...], "ttl_s": N}  or
 *             {"signals": [such objects, at most YG_LEVEL_BODY_SIGNALS]}
 */
#ifndef YG_LEVEL_BODY_H
#define YG_LEVEL_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "level/level.h"

#define YG_LEVEL_BODY_MAX (256 * 1024)
#define YG_LEVEL_BODY_SIGNALS 64

struct yg_level_set_body {
	int level;       /* 0 when the body switches two_person instead */
	bool has_two_person;
	bool two_person;
	char reason[YG_LEVEL_REASON_MAX + 1];
};

struct yg_level_decision_body {
	int64_t proposal; /* 0: the one waiting */
	char reason[YG_LEVEL_REASON_MAX + 1];
};

struct yg_level_signal_body {
	char name[YG_LEVEL_SIGNAL_NAME_MAX + 1];
	double value;
	char *detail; /* compact JSON text or NULL; owned */
	unsigned ttl_s; /* 0: the rules' default */
};

int yg_level_body_set(const char *body, size_t len, struct yg_level_set_body *ret, char *err,
                      size_t errlen);
int yg_level_body_decision(const char *body, size_t len, struct yg_level_decision_body *ret,
                           char *err, size_t errlen);
/* *ret is an array of *ret_n (caller frees with yg_level_body_signals_free). */
int yg_level_body_signals(const char *body, size_t len, struct yg_level_signal_body **ret,
                          size_t *ret_n, char *err, size_t errlen);
void yg_level_body_signals_free(struct yg_level_signal_body *s, size_t n);

#endif

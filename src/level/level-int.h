/*
 * Private to src/level: the engine object that engine.c (state,
 * transitions, thread), audit.c (the audit log and the views of the
 * state) and playbook.c (running actions) share. Functions marked
 * "lock held" expect l->lock taken by the caller.
 */
#ifndef YG_LEVEL_LEVEL_INT_H
#define YG_LEVEL_LEVEL_INT_H

#include <pthread.h>
#include <stdatomic.h>

#include "level/level.h"
#include "store/store_level.h"

#define YG_LEVEL_DUE_BATCH 16 /* actions run per pass */

struct proposal {
	int64_t id; /* its audit entry; 0: none waits */
	int level;
	int64_t time_us;
	json_t *reasons;
	bool manual;
	char first_token[YG_TOKEN_PUBID_LEN + 1]; /* two-person: who confirmed first */
	char first_org[YG_STORE_NAME_MAX + 1];
};

struct yg_level {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool started, stop, kick;
	struct yg_store *st;
	struct yg_level_rules *rules;
	struct yg_level_hooks hooks;
	struct yg_level_signals pushed;
	atomic_int current;
	int level;
	int64_t since_us, since_entry;
	struct proposal prop;
	int rejected_level;
	bool two_person;
	double decay_factor;
	bool block;
	unsigned poll_s;
	json_t *last_reasons;
	int last_level;
	int64_t last_eval_us;
};

struct entry_in {
	const char *kind;
	int from, to;
	int64_t proposal;
	const struct yg_level_actor *who;
	const char *reason;
	json_t *reasons; /* borrowed */
	json_t *extra;   /* borrowed; merged into detail */
};

int64_t yg_level_now_us(void);
const char *yg_level_name_of(const struct yg_level *l, int lv);
/* A TAXII timestamp string, or JSON null. */
json_t *yg_level_time_json(int64_t us);

/* Lock held. The state row in the store. */
int yg_level_save_state(struct yg_level *l);
/* Lock held. The pushed signals and the store's, as of now, into *ret. */
int yg_level_snapshot(struct yg_level *l, int64_t now, struct yg_level_signals *ret);

/* Lock held. Appends an audit entry (with every signal's value now). */
int yg_level_entry_add(struct yg_level *l, const struct entry_in *in, int64_t *ret_id);
/* A one-line summary of fired rules ("rule signal value op threshold; ..."). */
void yg_level_summary(const json_t *reasons, char *out, size_t n);
/* A copy of reasons; without full, the sources' "detail" left out. */
json_t *yg_level_reasons_view(const json_t *reasons, bool full);
/* Lock held. The actions an audit entry queued, as JSON. */
json_t *yg_level_actions_of(struct yg_level *l, int64_t entry_id, bool full);
/* Lock held. The status of yg_level_status. */
json_t *yg_level_status_locked(struct yg_level *l, bool full);

#endif

/*
 * The national alert level (issue 15): five levels, proposed by the hub
 * from measured signals through declarative rules, confirmed by operators
 * where the rules ask for it, every change in an audit log, and a
 * playbook of actions run on entering each level.
 *
 * Rules (rules.c). DIR/level.json, or the built-in default
 * (yg_level_rules_default_text) when that file is absent. A rule reads one
 * signal and votes for a minimum level when the signal passes its
 * threshold; the proposal is the highest vote (1 when none). A signal that
 * is absent, or whose time to live ran out, does not vote.
 *
 * Signals. Some come from the store at each evaluation (campaign spread
 * over organizations and sectors, sightings at critical sectors); others
 * are pushed in by other parts of the hub with yg_level_signal_set (the
 * darknet surge score, infected hosts, a federation peer's advisory) or by
 * an admin over POST /api/v1/level/signals.
 *
 * Transitions (engine.c), from the current level C to a proposal P:
 *   P > C, P < confirm_from    applied at once ("proposed" + "applied")
 *   P > C, P >= confirm_from   the hub applies confirm_from-1 at once when
 *                              that is above C, and P waits for an
 *                              operator's confirmation
 *   P < C                      waits for confirmation (every lowering)
 *   P == C                     a waiting proposal is withdrawn
 * A rejected proposal is not made again until the rules propose another
 * level. With two_person on, level 5 needs the confirmations of two
 * different tokens (a manual set to 5 counts as the first). A manual set
 * needs a written reason and applies at once (but for 5 under the
 * two-person rule).
 *
 * Playbooks (playbook.c): on entering a level its actions are queued in
 * the store and run by the engine's thread; a failed action is retried
 * with exponential backoff and stays visible as failed (state "failed",
 * then "gave_up" after the last attempt), never dropped. Actions of a
 * level that was left before they finished are marked "superseded".
 *
 * Threading: every function here is safe from any thread (one mutex);
 * the engine keeps its own store connection.
 */
#ifndef YG_LEVEL_LEVEL_H
#define YG_LEVEL_LEVEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "store/store.h"

#define YG_LEVEL_MIN 1
#define YG_LEVEL_MAX 5
#define YG_LEVEL_NAME_MAX 63
#define YG_LEVEL_TEXT_MAX 1023
#define YG_LEVEL_RULES_MAX 128
#define YG_LEVEL_ACTIONS_MAX 16 /* per level */
#define YG_LEVEL_SECTORS_MAX 32
#define YG_LEVEL_SIGNALS_MAX 256
#define YG_LEVEL_SIGNAL_NAME_MAX 63
#define YG_LEVEL_DETAIL_MAX 8192 /* bytes of one signal's detail JSON */
#define YG_LEVEL_REASON_MAX 2000 /* bytes of an operator's reason */
#define YG_LEVEL_FILE_MAX (1u << 20)
#define YG_LEVEL_URL_MAX 2000

enum yg_level_op { YG_LEVEL_GE = 0, YG_LEVEL_GT, YG_LEVEL_LE, YG_LEVEL_LT, YG_LEVEL_EQ };

struct yg_level_rule {
	char id[YG_LEVEL_NAME_MAX + 1];
	char signal[YG_LEVEL_SIGNAL_NAME_MAX + 1];
	enum yg_level_op op;
	double value;
	/* With a baseline signal, the threshold is factor * baseline (the rule
	 * does not vote while the baseline is absent). */
	char baseline[YG_LEVEL_SIGNAL_NAME_MAX + 1];
	double factor;
	int level;
	char why[YG_LEVEL_TEXT_MAX + 1];
};

enum yg_level_action_kind {
	YG_LEVEL_ACT_DECAY = 0,   /* number: half-life factor (>= 1: indicators live longer) */
	YG_LEVEL_ACT_EXPORT_MODE, /* text: "block" or "alert" */
	YG_LEVEL_ACT_POLL,        /* number: sensor poll interval in seconds */
	YG_LEVEL_ACT_WEBHOOK,     /* text: the URL (http or https) */
	YG_LEVEL_ACT_REPORT,      /* text: TLP name of the STIX report ("green") */
	YG_LEVEL_ACT__COUNT
};

struct yg_level_action {
	enum yg_level_action_kind kind;
	double number;
	char text[YG_LEVEL_URL_MAX + 1];
};

struct yg_level_rules {
	struct {
		char name[YG_LEVEL_NAME_MAX + 1];
		char description[YG_LEVEL_TEXT_MAX + 1];
	} levels[YG_LEVEL_MAX + 1]; /* [1..5] */
	struct yg_level_rule rules[YG_LEVEL_RULES_MAX];
	size_t n_rules;
	struct yg_level_action playbooks[YG_LEVEL_MAX + 1][YG_LEVEL_ACTIONS_MAX];
	size_t n_actions[YG_LEVEL_MAX + 1];
	int confirm_from;     /* raises to this level or above wait for an operator (4) */
	bool two_person;      /* level 5 needs two different operators */
	unsigned interval_s;  /* evaluation period (60) */
	unsigned signal_ttl_s; /* default time to live of a pushed signal (3600) */
	double retry_base_s;  /* first retry of a failed action (5) */
	double retry_max_s;   /* backoff cap (600) */
	unsigned retry_attempts; /* attempts before "gave_up" (10) */
	unsigned campaign_window_h; /* campaigns modified this recently count (168) */
	unsigned sightings_window_s; /* sightings.critical looks back this far (3600) */
	char critical_sectors[YG_LEVEL_SECTORS_MAX][YG_LEVEL_NAME_MAX + 1];
	size_t n_critical;
};

/* The built-in rules (documented in README.md): what applies without
 * DIR/level.json. A NUL-terminated JSON text. */
const char *yg_level_rules_default_text(void);

/* Parses a rules file's text. On error -EINVAL (or -E2BIG past
 * YG_LEVEL_FILE_MAX) with a message naming where the input was bad in err
 * (may be NULL). *ret is filled only on success. */
int yg_level_rules_parse(const char *text, size_t len, struct yg_level_rules *ret, char *err,
                         size_t errlen);

/* Reads path, or the default when path does not exist (ret_default set). */
int yg_level_rules_load(const char *path, struct yg_level_rules *ret, bool *ret_default,
                        char *err, size_t errlen);

const char *yg_level_action_name(enum yg_level_action_kind k);
const char *yg_level_op_name(enum yg_level_op op);

/* One signal value as evaluation sees it. */
struct yg_level_signal {
	char name[YG_LEVEL_SIGNAL_NAME_MAX + 1];
	double value;
	json_t *detail; /* may be NULL; owned by the set */
	int64_t set_us;
	int64_t expires_us; /* 0: never (store-derived) */
};

struct yg_level_signals {
	struct yg_level_signal s[YG_LEVEL_SIGNALS_MAX];
	size_t n;
};

/* Sets (or replaces) a signal in the set; detail is taken (decref'ed on
 * failure too). -E2BIG when the set is full, -EINVAL for a bad name. */
int yg_level_signals_put(struct yg_level_signals *set, const char *name, double value,
                         json_t *detail, int64_t set_us, int64_t expires_us);
void yg_level_signals_clear(struct yg_level_signals *set);
/* The live signal of that name at now_us, or NULL. */
const struct yg_level_signal *yg_level_signals_get(const struct yg_level_signals *set,
                                                   const char *name, int64_t now_us);

/* Whether a signal name is well formed: 1..63 of [a-z0-9._-], starting
 * with a letter. */
bool yg_level_signal_name_ok(const char *name);

/*
 * Runs the rules over the signals at now_us: *ret_level is the highest
 * vote (YG_LEVEL_MIN when none); *ret_reasons (caller decrefs) is an array
 * of the rules that fired, highest level first:
 *   {"rule", "signal", "value", "op", "threshold", "level", "why"
 *    [, "baseline", "baseline_value"] [, "detail"]}
 */
int yg_level_evaluate(const struct yg_level_rules *rules, const struct yg_level_signals *sig,
                      int64_t now_us, int *ret_level, json_t **ret_reasons);

/* Who acts on the level (an operator), or NULL for the rules. */
struct yg_level_actor {
	int64_t org_id;
	const char *org;   /* organization name */
	const char *token; /* the token's public id (two-person rule) */
	const char *role;
};

/* What the engine asks the hub to do (playbook actions); each returns 0 or
 * a negative errno, with an error text in err (may stay empty). Called
 * from the engine's thread, or from the caller of a transition for the
 * in-process settings; never with the engine's lock held but for
 * publish_report, which gets the engine's store connection. */
struct yg_level_hooks {
	void *ud;
	int (*decay)(void *ud, double factor);
	int (*export_mode)(void *ud, bool block);
	int (*poll_interval)(void *ud, unsigned seconds);
	/* Stores a STIX report about entering level; ret_id gets its id. */
	int (*publish_report)(void *ud, struct yg_store *st, int level, const json_t *report_info,
	                      enum yg_tlp tlp, char ret_id[80], char *err, size_t errlen);
	/* An event for the hub's stream (GET /api/v1/events): type "level",
	 * data a JSON object text. */
	void (*event)(void *ud, const char *type, const char *json);
};

struct yg_level_config {
	const char *data_dir;   /* the store, and level.json */
	const char *pg;         /* the store on PostgreSQL instead (hub.h) */
	const char *rules_path; /* NULL: DIR/level.json */
	struct yg_level_hooks hooks;
};

struct yg_level;

/* Opens the engine: its own store connection, the rules, the state and
 * the signals kept in the store; re-applies the current level's settings
 * through the hooks. Caller frees with yg_level_free. err as for
 * yg_level_rules_parse. */
int yg_level_new(const struct yg_level_config *cfg, struct yg_level **ret, char *err,
                 size_t errlen);
/* Stops the thread (when started) and frees. NULL is fine. */
void yg_level_free(struct yg_level *l);

/* Starts the thread that evaluates every interval_s and runs due actions. */
int yg_level_start(struct yg_level *l);

/* Sets a pushed signal (ttl_s 0: the rules' signal_ttl_s) and evaluates
 * at once. detail_json may be NULL; it must be a JSON object or array of
 * at most YG_LEVEL_DETAIL_MAX bytes. -EINVAL for a bad name, value or
 * detail. */
int yg_level_signal_set(struct yg_level *l, const char *name, double value,
                        const char *detail_json);
int yg_level_signal_set_ttl(struct yg_level *l, const char *name, double value,
                            const char *detail_json, unsigned ttl_s);

/* Sets a signal without evaluating: a batch of signals is put first and
 * evaluated once (yg_level_evaluate_now), so no proposal is made from half
 * of it. */
int yg_level_signal_put(struct yg_level *l, const char *name, double value,
                        const char *detail_json, unsigned ttl_s);

/* Evaluates now (the thread does it every interval). */
int yg_level_evaluate_now(struct yg_level *l);

/* Runs the playbook actions that are due at now_us (the thread does it);
 * *ret_ran (may be NULL) counts them. */
int yg_level_run_due(struct yg_level *l, int64_t now_us, size_t *ret_ran);

/* Operator transitions. proposal 0: the one waiting. Errors: -ENOENT no
 * proposal waits, -ESTALE it is not the one named, -EALREADY this token
 * already confirmed it (two-person rule), -EINVAL a bad level or an empty
 * reason where one is needed. *ret (may be NULL) gets the status after. */
int yg_level_confirm(struct yg_level *l, const struct yg_level_actor *who, int64_t proposal,
                     const char *reason, json_t **ret);
int yg_level_reject(struct yg_level *l, const struct yg_level_actor *who, int64_t proposal,
                    const char *reason, json_t **ret);
int yg_level_set(struct yg_level *l, const struct yg_level_actor *who, int level,
                 const char *reason, json_t **ret);
/* Switches the two-person rule for level 5 on or off (recorded). */
int yg_level_two_person(struct yg_level *l, const struct yg_level_actor *who, bool on);

/* The current level, its name, the waiting proposal, the last reasons,
 * the settings in force and the actions of the last transition. With
 * full, signal details and operators' token ids too (admins). Caller
 * decrefs. */
int yg_level_status(struct yg_level *l, bool full, json_t **ret);
/* The audit log, newest first: at most limit entries older than before
 * (0: from the newest), each with the actions it queued. */
int yg_level_history(struct yg_level *l, int64_t before, size_t limit, bool full, json_t **ret);

/* The current level (lock-free; for hot paths). */
int yg_level_current(const struct yg_level *l);

#endif

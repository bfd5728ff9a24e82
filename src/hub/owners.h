/*
 * Who owns an address (issue 14): the owner table imported with
 * `yagura hub admin owner import` (owner_csv.h), matched by longest
 * prefix, and the implicit owners the hub makes when no prefix matches
 * (an AS from the geo database, the reporting member, "unknown").
 *
 * The hub keeps one yg_owners: a prefix map built from the store and
 * rebuilt when an import moved the store's prefix generation (the
 * setting "hosts.prefix_gen"), so an import by the CLI reaches a running
 * hub without a restart. Thread-safe (one mutex around the rebuild).
 */
#ifndef YG_HUB_OWNERS_H
#define YG_HUB_OWNERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hub/owner_csv.h"
#include "store/store.h"

#define YG_OWNERS_GEN_SETTING "hosts.prefix_gen"

struct yg_owners;

/* Caller frees with yg_owners_free. */
int yg_owners_new(struct yg_owners **ret);
void yg_owners_free(struct yg_owners *o);

/* The owner of the most specific imported prefix holding addr (family 4
 * or 6, network bytes); -ENOENT when none. */
int yg_owners_match(struct yg_owners *o, struct yg_store *st, uint8_t family,
		    const uint8_t addr[16], int64_t *ret_owner_id);

/* The id of the owner named name, made (no contact, English) when
 * missing; org_id links it to a member when non-zero. For the implicit
 * owners: "AS64500", a member's own name, "unknown". */
int yg_owners_implicit(struct yg_store *st, const char *name, int64_t org_id, int64_t *ret_id);

struct yg_owners_import_result {
	long lines;       /* good lines */
	long bad;         /* skipped lines */
	long new_owners;
	long members;     /* lines whose owner is a member organization */
};

/*
 * Imports an owner file in one transaction: each good line maps its
 * network to its owner (made when new, with a random webhook secret;
 * else its contact, language and member link updated); an owner named
 * like a member organization is that member. Bad lines go to cb->bad.
 * -E2BIG past the bounds (nothing stored).
 */
int yg_owners_import(struct yg_store *st, const char *data, size_t len,
		     void (*bad)(void *ud, unsigned long line, const char *why), void *ud,
		     struct yg_owners_import_result *ret);

#endif

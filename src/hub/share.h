/*
 * Share targets named on a submission ("ORG" or "group:NAME"), as both
 * the TAXII x_yagura_share_with property and the mail API's ?share= and
 * X-Yagura-Share-With resolve them: one rule for who may be named.
 */
#ifndef YG_HUB_SHARE_H
#define YG_HUB_SHARE_H

#include <stddef.h>
#include <stdint.h>

#include "hub/hub-int.h"
#include "store/store.h"

struct yg_share {
	int64_t orgs[YG_STORE_LIST_MAX];
	size_t n_orgs;
	int64_t groups[YG_STORE_LIST_MAX];
	size_t n_groups;
};

/* Adds the target name to sh, once (a repeated name is not added again).
 * A group counts only when the caller owns it or belongs to it.
 * Returns 0, -ENOENT when there is no such target the caller may name,
 * or another negative errno on a store failure. The caller keeps the
 * number of names within YG_STORE_LIST_MAX. */
int yg_share_add(struct yg_store *st, const struct yg_caller *who, const char *name,
		 struct yg_share *sh);

#endif

#include "hub/share.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

static bool has(const int64_t *ids, size_t n, int64_t id)
{
	for (size_t i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

int yg_share_add(struct yg_store *st, const struct yg_caller *who, const char *name,
		 struct yg_share *sh)
{
	int r;
	if (!strncmp(name, "group:", 6)) {
		struct yg_group g;
		bool member = false;
		r = st->ops->group_find(st, name + 6, &g);
		if (r == 0 && g.owner_org != who->org_id)
			r = st->ops->group_has_member(st, g.id, who->org_id, &member);
		if (r == 0 && g.owner_org != who->org_id && !member)
			r = -ENOENT;
		if (r == 0 && !has(sh->groups, sh->n_groups, g.id) && sh->n_groups < YG_STORE_LIST_MAX)
			sh->groups[sh->n_groups++] = g.id;
		return r;
	}
	struct yg_org o;
	r = st->ops->org_find(st, name, &o);
	if (r == 0 && !has(sh->orgs, sh->n_orgs, o.id) && sh->n_orgs < YG_STORE_LIST_MAX)
		sh->orgs[sh->n_orgs++] = o.id;
	return r;
}

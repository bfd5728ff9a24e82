/*
 * Blocking formats.
 *
 * nftables (nft(8) script, loaded with `nft -f`): one inet table, replaced
 * atomically (declare, delete, define), with an interval set per family:
 *
 *   table inet yagura { set blocklist_v4 { type ipv4_addr; flags interval;
 *     auto-merge; elements = { 192.0.2.1, 198.51.100.0/24 } } ... }
 *
 * RPZ (DNS response policy zones, draft-vixie-dnsop-dns-rpz; an RFC 1035
 * master file): a name is blocked with "name CNAME ." (NXDOMAIN) or
 * "name CNAME garden." (walled garden), its subdomains with "*.name"; an
 * address in answers with "<plen>.<reversed address>.rpz-ip". A domain
 * whose last label begins with "rpz-" would read as a trigger of another
 * kind and is skipped.
 *
 * A /0 prefix would block everything: both formats skip it as unsafe.
 */
#include "export/export-int.h"

#include <stdio.h>
#include <string.h>

static bool ip_for_block(struct yg_exp_w *w, const struct yg_export_item *it, struct yg_exp_ip *ip)
{
	if (it->type != YG_IND_IP) {
		w->st.skipped_type++;
		return false;
	}
	if (!yg_exp_ip_parse(it->value, ip) || ip->plen == 0) {
		w->st.skipped_unsafe++;
		return false;
	}
	return true;
}

static void nft_set(struct yg_exp_w *w, int family)
{
	yg_exp_puts(w, family == 4 ? "\tset blocklist_v4 {\n\t\ttype ipv4_addr\n"
	                           : "\tset blocklist_v6 {\n\t\ttype ipv6_addr\n");
	yg_exp_puts(w, "\t\tflags interval\n\t\tauto-merge\n");
	bool first = true;
	yg_exp_rewind(w);
	for (struct yg_export_item x; yg_exp_next(w, &x);) {
		struct yg_exp_ip ip;
		if (x.type != YG_IND_IP || !yg_exp_ip_parse(x.value, &ip) ||
		    ip.family != family || ip.plen == 0)
			continue;
		char t[64];
		yg_exp_ip_text(&ip, t);
		yg_exp_puts(w, first ? "\t\telements = {\n\t\t\t" : ",\n\t\t\t");
		yg_exp_puts(w, t);
		first = false;
		w->st.written++;
	}
	if (!first)
		yg_exp_puts(w, "\n\t\t}\n");
	yg_exp_puts(w, "\t}\n");
}

void yg_exp_nftables(struct yg_exp_w *w)
{
	const char *t = w->m->nft_table;
	yg_exp_header(w, "#", "nftables");
	yg_exp_rewind(w);
	for (struct yg_export_item x; yg_exp_next(w, &x);) {
		struct yg_exp_ip ip;
		ip_for_block(w, &x, &ip); /* counts what the sets leave out */
	}
	/* declare-then-delete replaces an existing table in one transaction */
	const char *pre[] = {"table inet ", "delete table inet ", "table inet "};
	for (int k = 0; k < 3; k++) {
		yg_exp_puts(w, pre[k]);
		yg_exp_puts(w, t);
		yg_exp_puts(w, k < 2 ? "\n" : " {\n");
	}
	nft_set(w, 4);
	nft_set(w, 6);
	if (w->m->block) {
		static const struct {
			const char *hook, *dirs[2];
		} ch[] = {
		    {"input", {"saddr", NULL}},
		    {"forward", {"saddr", "daddr"}},
		    {"output", {"daddr", NULL}},
		};
		for (size_t c = 0; c < 3; c++) {
			yg_exp_puts(w, "\tchain ");
			yg_exp_puts(w, ch[c].hook);
			yg_exp_puts(w, " {\n\t\ttype filter hook ");
			yg_exp_puts(w, ch[c].hook);
			yg_exp_puts(w, " priority filter; policy accept;\n");
			for (int d = 0; d < 2 && ch[c].dirs[d]; d++) {
				for (int f = 0; f < 2; f++) {
					yg_exp_puts(w, f ? "\t\tip6 " : "\t\tip ");
					yg_exp_puts(w, ch[c].dirs[d]);
					yg_exp_puts(w, f ? " @blocklist_v6 drop\n"
					                 : " @blocklist_v4 drop\n");
				}
			}
			yg_exp_puts(w, "\t}\n");
		}
	}
	yg_exp_puts(w, "}\n");
}

/* "<plen>.<reversed address>" as an rpz-ip owner label sequence; IPv6
 * groups without leading zeros and the longest run of two or more zero
 * groups as "zz" (the canonical form BIND expects). */
static void rpz_ip_name(const struct yg_exp_ip *ip, char *out, size_t cap)
{
	size_t o = (size_t)snprintf(out, cap, "%u", ip->plen);
	if (ip->family == 4) {
		for (int i = 3; i >= 0 && o < cap; i--)
			o += (size_t)snprintf(out + o, cap - o, ".%u", ip->addr[i]);
		return;
	}
	unsigned g[8];
	for (int i = 0; i < 8; i++)
		g[i] = (unsigned)ip->addr[2 * i] << 8 | ip->addr[2 * i + 1];
	int best = -1, blen = 1;
	for (int i = 0; i < 8;) {
		int j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > blen) {
			best = i;
			blen = j - i;
		}
		i = j > i ? j : i + 1;
	}
	for (int i = 7; i >= 0 && o < cap; i--) {
		if (best >= 0 && i >= best && i < best + blen) {
			if (i == best)
				o += (size_t)snprintf(out + o, cap - o, ".zz");
			continue;
		}
		o += (size_t)snprintf(out + o, cap - o, ".%x", g[i]);
	}
}

static void rpz_rr(struct yg_exp_w *w, const char *pre, const char *name, const char *target)
{
	yg_exp_puts(w, pre);
	yg_exp_puts(w, name);
	yg_exp_puts(w, "\tCNAME\t");
	yg_exp_puts(w, target);
	yg_exp_putc(w, '\n');
}

void yg_exp_rpz(struct yg_exp_w *w)
{
	const struct yg_export_meta *m = w->m;
	char zone[256], target[260];
	long zl = yg_exp_domain(m->rpz_zone, 200, zone);
	if (m->rpz_policy == YG_EXPORT_RPZ_WALLED_GARDEN) {
		long gl = yg_exp_domain(m->rpz_garden, YG_EXP_NAME_MAX, target);
		target[gl] = '.';
		target[gl + 1] = 0;
	} else {
		target[0] = '.';
		target[1] = 0;
	}
	/* "*." + name + "." + zone must fit the 253 characters of a name */
	size_t max_name = (size_t)(YG_EXP_NAME_MAX - 3 - zl);
	yg_exp_header(w, ";",
	              m->rpz_policy == YG_EXPORT_RPZ_WALLED_GARDEN ? "rpz (walled garden)"
	                                                           : "rpz (nxdomain)");
	yg_exp_puts(w, "$TTL 300\n@\tIN\tSOA\tlocalhost. hostmaster.localhost. ");
	yg_exp_putu(w, (uint32_t)m->generated);
	yg_exp_puts(w, " 3600 600 86400 300\n@\tIN\tNS\tlocalhost.\n");
	yg_exp_rewind(w);
	for (struct yg_export_item x; yg_exp_next(w, &x);) {
		char name[256];
		if (x.type == YG_IND_DOMAIN) {
			long dl = yg_exp_domain(x.value, max_name, name);
			const char *last = dl > 0 ? strrchr(name, '.') : NULL;
			last = last ? last + 1 : name;
			if (dl < 0 || strncmp(last, "rpz-", 4) == 0) {
				w->st.skipped_unsafe++;
				continue;
			}
			rpz_rr(w, "", name, target);
			rpz_rr(w, "*.", name, target);
			w->st.written++;
		} else if (x.type == YG_IND_IP) {
			struct yg_exp_ip ip;
			if (!ip_for_block(w, &x, &ip))
				continue;
			char owner[128];
			rpz_ip_name(&ip, owner, sizeof owner);
			yg_exp_puts(w, owner);
			rpz_rr(w, "", ".rpz-ip", target);
			w->st.written++;
		} else {
			w->st.skipped_type++;
		}
	}
}

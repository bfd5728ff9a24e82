/*
 * Cross-checks the decoder against tshark on the shared real captures:
 * every frame of every .pcap/.pcapng in $YG_SHARED_DATA/pcap (default
 * $YG_SRCDIR/../shared/data) is decoded and its addresses, ports and VLAN
 * ids compared with the <stem>.tshark.tsv dump next to it. Skips when the
 * data is absent. Prints the agreement rate; fails only on a disagreement
 * that is not listed in known[] below with its reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

/*
 * Frames where yagura and tshark differ on purpose. frame 0 = every frame
 * of the file.
 */
static const struct {
	const char *stem;
	unsigned frame;
	const char *reason;
} known[] = {
    {"sv__decode-too-small", 3,
     "UDP header of 4 bytes (the test's point): tshark prints the ports it could read, "
     "yagura records UDP_TRUNC and sets no L4 fields"},
    {"sv__decode-too-small", 7, "same as frame 3, over IPv6"},
    {"zeek__ipv6-fragmented-dns", 6,
     "first fragment: tshark leaves the UDP header to reassembly, yagura decodes the L4 "
     "header of a first fragment"},
    {"zeek__ipv6-fragmented-dns", 8,
     "last fragment: tshark shows the reassembled datagram's UDP header, yagura does not "
     "reassemble (frag set, no L4)"},
    {NULL, 0, NULL},
};

enum col {
	C_PROTOS,
	C_VLAN,
	C_IPSRC,
	C_IPDST,
	C_IP6SRC,
	C_IP6DST,
	C_TSRC,
	C_TDST,
	C_USRC,
	C_UDST,
	C_N
};
static const char *const col_names[C_N] = {
    "frame.protocols", "vlan.id",     "ip.src",      "ip.dst",      "ipv6.src",
    "ipv6.dst",        "tcp.srcport", "tcp.dstport", "udp.srcport", "udp.dstport",
};

struct row {
	char *f[C_N];
};

/* The k-th (0-based) comma-separated item of s into out; false if absent. */
static bool item(const char *s, unsigned k, char *out, size_t outsz)
{
	if (!s || !*s)
		return false;
	for (; k > 0; k--) {
		s = strchr(s, ',');
		if (!s)
			return false;
		s++;
	}
	size_t n = strcspn(s, ",");
	if (n == 0 || n >= outsz)
		return false;
	memcpy(out, s, n);
	out[n] = 0;
	return true;
}

static unsigned count_items(const char *s)
{
	if (!s || !*s)
		return 0;
	unsigned n = 1;
	for (; *s; s++)
		n += *s == ',';
	return n;
}

static bool is_known(const char *stem, unsigned frame)
{
	for (size_t i = 0; known[i].stem; i++)
		if (!strcmp(known[i].stem, stem) &&
		    (known[i].frame == 0 || known[i].frame == frame))
			return true;
	return false;
}

/*
 * What tshark calls the innermost IP and L4 header: the last ones in the
 * protocol stack before an ICMP header (whose quoted packet yagura leaves
 * as payload). *ret_ip_k / *ret_l4_k are occurrence indexes into the
 * comma-joined field lists.
 */
struct expect {
	int family; /* 0, 4, 6 */
	unsigned ip_k;
	int l4; /* 0, 6, 17 */
	unsigned l4_k;
};

static struct expect parse_stack(const char *protos)
{
	struct expect e = {0};
	unsigned n_ip = 0, n_ip6 = 0, n_tcp = 0, n_udp = 0;
	char tok[64];
	const char *s = protos;
	while (s && *s) {
		size_t n = strcspn(s, ":");
		if (n < sizeof tok) {
			memcpy(tok, s, n);
			tok[n] = 0;
			if (!strcmp(tok, "icmp") || !strcmp(tok, "icmpv6"))
				break;
			if (!strcmp(tok, "ip")) {
				e.family = 4;
				e.ip_k = n_ip++;
				e.l4 = 0;
			} else if (!strcmp(tok, "ipv6")) {
				e.family = 6;
				e.ip_k = n_ip6++;
				e.l4 = 0;
			} else if (!strcmp(tok, "tcp")) {
				e.l4 = 6;
				e.l4_k = n_tcp++;
			} else if (!strcmp(tok, "udp")) {
				e.l4 = 17;
				e.l4_k = n_udp++;
			}
		}
		s += n;
		if (*s == ':')
			s++;
	}
	return e;
}

static bool same_addr(const struct yg_addr *a, int family, const char *txt)
{
	uint8_t b[16] = {0};
	if (inet_pton(family == 4 ? AF_INET : AF_INET6, txt, b) != 1)
		return false;
	return !memcmp(a->b, b, 16);
}

/* Compares one frame; writes why not into why. */
static bool compare(const struct yg_packet *pkt, const struct row *r, char *why, size_t whysz)
{
	char a[128], b[128];
	struct expect e = parse_stack(r->f[C_PROTOS]);

	unsigned nv = count_items(r->f[C_VLAN]);
	if (nv != pkt->vlan_n) {
		snprintf(why, whysz, "vlan count %u vs tshark %u", pkt->vlan_n, nv);
		return false;
	}
	for (unsigned i = 0; i < nv && i < YG_PKT_MAX_VLAN; i++) {
		if (!item(r->f[C_VLAN], i, a, sizeof a) || strtoul(a, NULL, 10) != pkt->vlan[i]) {
			snprintf(why, whysz, "vlan[%u] %u vs tshark %s", i, pkt->vlan[i],
			         r->f[C_VLAN]);
			return false;
		}
	}

	if (e.family != pkt->family) {
		snprintf(why, whysz, "family %d vs tshark %d", pkt->family, e.family);
		return false;
	}
	if (e.family) {
		enum col cs = e.family == 4 ? C_IPSRC : C_IP6SRC;
		enum col cd = e.family == 4 ? C_IPDST : C_IP6DST;
		if (!item(r->f[cs], e.ip_k, a, sizeof a) || !item(r->f[cd], e.ip_k, b, sizeof b) ||
		    !same_addr(&pkt->src, e.family, a) || !same_addr(&pkt->dst, e.family, b)) {
			snprintf(why, whysz, "addresses differ from tshark %s > %s",
			         r->f[cs] ? r->f[cs] : "", r->f[cd] ? r->f[cd] : "");
			return false;
		}
	}

	/* A header tshark found too short to show ports counts as no ports. */
	if (e.l4 && !item(r->f[e.l4 == 6 ? C_TSRC : C_USRC], e.l4_k, a, sizeof a))
		e.l4 = 0;
	bool ours = pkt->l4_ok && (pkt->proto == 6 || pkt->proto == 17);
	if (e.l4 && !ours) {
		snprintf(why, whysz, "tshark has %s ports, we have none (proto %u, l4_ok %d)",
		         e.l4 == 6 ? "tcp" : "udp", pkt->proto, pkt->l4_ok);
		return false;
	}
	if (ours && !e.l4) {
		snprintf(why, whysz, "we have proto %u ports %u > %u, tshark none", pkt->proto,
		         pkt->sport, pkt->dport);
		return false;
	}
	if (e.l4) {
		if (e.l4 != pkt->proto) {
			snprintf(why, whysz, "proto %u vs tshark %d", pkt->proto, e.l4);
			return false;
		}
		enum col cs = e.l4 == 6 ? C_TSRC : C_USRC;
		enum col cd = e.l4 == 6 ? C_TDST : C_UDST;
		if (!item(r->f[cs], e.l4_k, a, sizeof a) || !item(r->f[cd], e.l4_k, b, sizeof b) ||
		    strtoul(a, NULL, 10) != pkt->sport || strtoul(b, NULL, 10) != pkt->dport) {
			snprintf(why, whysz, "ports %u > %u vs tshark %s > %s", pkt->sport,
			         pkt->dport, r->f[cs] ? r->f[cs] : "", r->f[cd] ? r->f[cd] : "");
			return false;
		}
	}
	return true;
}

/* Splits a TSV line in place; fills r with the columns at idx[]. */
static void split_row(char *line, const int idx[C_N], struct row *r)
{
	char *cols[128];
	int n = 0;
	line[strcspn(line, "\r\n")] = 0;
	for (char *s = line; n < 128;) {
		cols[n++] = s;
		char *t = strchr(s, '\t');
		if (!t)
			break;
		*t = 0;
		s = t + 1;
	}
	for (int c = 0; c < C_N; c++)
		r->f[c] = idx[c] >= 0 && idx[c] < n ? cols[idx[c]] : NULL;
}

struct totals {
	unsigned frames, agree, known_diff, unknown_diff, files;
};

static void check_file(const char *dir, const char *name, struct totals *t)
{
	char path[4096], tsv[4096], stem[1024], err[PCAP_ERRBUF_SIZE];
	const char *dot = strrchr(name, '.');
	size_t sl = dot ? (size_t)(dot - name) : strlen(name);
	if (sl >= sizeof stem)
		return;
	memcpy(stem, name, sl);
	stem[sl] = 0;
	int k1 = snprintf(path, sizeof path, "%s/%s", dir, name);
	int k2 = snprintf(tsv, sizeof tsv, "%s/%s.tshark.tsv", dir, stem);
	if (k1 < 0 || (size_t)k1 >= sizeof path || k2 < 0 || (size_t)k2 >= sizeof tsv)
		return;
	FILE *f = fopen(tsv, "r");
	if (!f) {
		printf("  %s: no tshark dump, skipped\n", name);
		return;
	}
	pcap_t *pc = pcap_open_offline(path, err);
	if (!pc) {
		printf("  %s: %s\n", name, err);
		fclose(f);
		return;
	}
	t->files++;
	char *line = NULL;
	size_t cap = 0;
	int idx[C_N];
	for (int c = 0; c < C_N; c++)
		idx[c] = -1;
	if (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\r\n")] = 0;
		char *s = line;
		for (int i = 0; s; i++) {
			char *tab = strchr(s, '\t');
			if (tab)
				*tab = 0;
			for (int c = 0; c < C_N; c++)
				if (!strcmp(s, col_names[c]))
					idx[c] = i;
			s = tab ? tab + 1 : NULL;
		}
	}
	int link = pcap_datalink(pc);
	struct pcap_pkthdr *h;
	const u_char *data;
	unsigned frame = 0, shown = 0;
	while (pcap_next_ex(pc, &h, &data) == 1) {
		frame++;
		if (getline(&line, &cap, f) <= 0)
			break;
		struct row r;
		split_row(line, idx, &r);
		struct yg_packet pkt;
		yg_decode(link, data, h->caplen, h->len, 0, &pkt);
		char why[512];
		t->frames++;
		if (compare(&pkt, &r, why, sizeof why)) {
			t->agree++;
		} else if (is_known(stem, frame)) {
			t->known_diff++;
		} else {
			t->unknown_diff++;
			if (shown++ < 5)
				printf("  DIFF %s #%u [%s]: %s\n", stem, frame,
				       r.f[C_PROTOS] ? r.f[C_PROTOS] : "", why);
		}
	}
	free(line);
	pcap_close(pc);
	fclose(f);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void crosscheck_shared_pcaps(void **state)
{
	(void)state;
	char dir[4096];
	const char *shared = getenv("YG_SHARED_DATA");
	const char *src = getenv("YG_SRCDIR");
	if (shared)
		snprintf(dir, sizeof dir, "%s/pcap", shared);
	else
		snprintf(dir, sizeof dir, "%s/../shared/data/pcap", src ? src : ".");
	DIR *d = opendir(dir);
	if (!d) {
		printf("SKIP: no shared captures at %s (set YG_SHARED_DATA)\n", dir);
		skip();
		return;
	}
	char *names[1024];
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < 1024) {
		size_t l = strlen(e->d_name);
		if ((l > 5 && !strcmp(e->d_name + l - 5, ".pcap")) ||
		    (l > 7 && !strcmp(e->d_name + l - 7, ".pcapng")))
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, n, sizeof names[0], by_name);
	struct totals t = {0};
	for (size_t i = 0; i < n; i++) {
		check_file(dir, names[i], &t);
		free(names[i]);
	}
	printf("decode vs tshark: %u files, %u frames, %u agree (%.2f%%), %u known differences, "
	       "%u unexplained\n",
	       t.files, t.frames, t.agree, t.frames ? 100.0 * t.agree / t.frames : 0.0,
	       t.known_diff, t.unknown_diff);
	assert_true(t.frames > 0);
	assert_int_equal(t.unknown_diff, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(crosscheck_shared_pcaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

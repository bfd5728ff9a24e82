/*
 * Cross-checks the DNS parser against tshark on the shared real captures:
 * every UDP datagram to or from port 53 or 5353 of every capture in
 * $YG_SHARED_DATA/pcap (default $YG_SRCDIR/../shared/data) is parsed and
 * compared with the <stem>.tshark.tsv dump next to it: id, QR, rcode,
 * query names and types, and every A/AAAA answer of ours among tshark's
 * addresses (tshark lists those of all sections). Skips when the data is
 * absent; fails on any disagreement not listed in known[] with its reason.
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
#include <sys/stat.h>

#include "app/dns.h"
#include "decode/decode.h"

/* Frames where yagura and tshark differ on purpose. */
static const struct {
	const char *stem;
	unsigned frame;
	const char *reason;
} known[] = {
    {"ndpi__malformed_dns", 2,
     "the second question's name is over 255 octets (tshark: <Name too long>): a query "
     "that cannot be parsed makes the message -EBADMSG with app.dns_name_too_long"},
    {"ndpi__malformed_dns", 3, "same message as frame 2, retransmitted"},
    {"ndpi__malformed_dns", 5, "same as frame 2"},
    {"ndpi__malformed_dns", 6, "same as frame 2"},
    {"sv__dns-udp-junkrequest-first", 1,
     "junk on port 53 (tshark: Malformed Packet): -EBADMSG, app.dns_pointer_out_of_bounds"},
    {NULL, 0, NULL},
};

enum col { C_ID, C_QR, C_RCODE, C_QNAME, C_QTYPE, C_A, C_AAAA, C_N };
static const char *const col_names[C_N] = {
    "dns.id", "dns.flags.response", "dns.flags.rcode", "dns.qry.name", "dns.qry.type",
    "dns.a",  "dns.aaaa",
};

static char dir[4096];
static struct yg_dns_msg msg;

static bool is_known(const char *stem, unsigned frame)
{
	for (unsigned i = 0; known[i].stem; i++)
		if (!strcmp(known[i].stem, stem) && known[i].frame == frame)
			return true;
	return false;
}

/* Field k of a tab-separated line (in place: tabs become NULs). */
static void split_tabs(char *line, char **f, unsigned max, unsigned *ret_n)
{
	unsigned n = 0;
	f[n++] = line;
	for (char *c = line; *c && n < max; c++) {
		if (*c == '\t') {
			*c = '\0';
			f[n++] = c + 1;
		}
	}
	*ret_n = n;
}

/* Whether item appears in the comma-separated list. */
static bool in_list(const char *list, const char *item)
{
	size_t n = strlen(item);
	for (const char *s = list; s && *s;) {
		const char *e = strchr(s, ',');
		size_t k = e ? (size_t)(e - s) : strlen(s);
		if (k == n && !strncmp(s, item, n))
			return true;
		s = e ? e + 1 : NULL;
	}
	return false;
}

/* Our names use \DDD (decimal) where tshark writes its own escapes; compare
 * only names both print plainly. */
static bool plain(const char *s)
{
	for (; *s; s++)
		if (*s == '\\' || (unsigned char)*s >= 0x80 || *s == ',')
			return false;
	return true;
}

struct tally {
	unsigned msgs, fields, skipped_names, mismatches;
};

static void mismatch(struct tally *t, const char *stem, unsigned frame, const char *what,
                     const char *ours, const char *theirs)
{
	if (is_known(stem, frame))
		return;
	print_message("%s frame %u %s: yagura '%s' tshark '%s'\n", stem, frame, what, ours, theirs);
	t->mismatches++;
}

static void check_frame(struct tally *t, const char *stem, unsigned frame, char **f)
{
	char ours[8192];
	t->msgs++;
	snprintf(ours, sizeof ours, "0x%04x", msg.id);
	t->fields++;
	if (strcmp(ours, f[C_ID]))
		mismatch(t, stem, frame, "id", ours, f[C_ID]);
	snprintf(ours, sizeof ours, "%d", msg.response ? 1 : 0);
	t->fields++;
	if (strcmp(ours, f[C_QR]))
		mismatch(t, stem, frame, "qr", ours, f[C_QR]);
	if (msg.response) {
		snprintf(ours, sizeof ours, "%u", msg.rcode);
		t->fields++;
		if (strcmp(ours, f[C_RCODE]))
			mismatch(t, stem, frame, "rcode", ours, f[C_RCODE]);
	}
	/* query names and types, joined as tshark joins them */
	size_t o = 0, ot = 0;
	char types[512];
	ours[0] = types[0] = '\0';
	bool all_plain = true;
	for (unsigned i = 0; i < msg.n_queries; i++) {
		const char *n = msg.queries[i].name[0] ? msg.queries[i].name : "<Root>";
		all_plain = all_plain && plain(n);
		o += (size_t)snprintf(ours + o, sizeof ours - o, "%s%s", i ? "," : "", n);
		ot += (size_t)snprintf(types + ot, sizeof types - ot, "%s%u", i ? "," : "",
		                       msg.queries[i].type);
	}
	if (msg.n_queries == msg.qdcount) {
		if (all_plain) {
			t->fields++;
			if (strcmp(ours, f[C_QNAME]))
				mismatch(t, stem, frame, "qry.name", ours, f[C_QNAME]);
		} else {
			t->skipped_names++;
		}
		t->fields++;
		if (strcmp(types, f[C_QTYPE]))
			mismatch(t, stem, frame, "qry.type", types, f[C_QTYPE]);
	}
	for (unsigned i = 0; i < msg.n_answers; i++) {
		const struct yg_dns_answer *a = &msg.answers[i];
		if (!a->addr_family)
			continue;
		char txt[INET6_ADDRSTRLEN];
		inet_ntop(a->addr_family == 4 ? AF_INET : AF_INET6, a->addr, txt, sizeof txt);
		t->fields += 2;
		if (strcmp(txt, a->data))
			mismatch(t, stem, frame, "address text", a->data, txt);
		if (!in_list(f[a->addr_family == 4 ? C_A : C_AAAA], a->data))
			mismatch(t, stem, frame, "answer address", a->data,
			         f[a->addr_family == 4 ? C_A : C_AAAA]);
	}
}

static void check_file(struct tally *t, const char *pcap_name)
{
	char path[4400], tsv[5400], stem[1024], err[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof path, "%s/%s", dir, pcap_name);
	snprintf(stem, sizeof stem, "%s", pcap_name);
	char *dot = strrchr(stem, '.');
	if (dot)
		*dot = '\0';
	snprintf(tsv, sizeof tsv, "%s/%s.tshark.tsv", dir, stem);
	FILE *tf = fopen(tsv, "r");
	if (!tf)
		return;
	pcap_t *pc = pcap_open_offline(path, err);
	if (!pc) {
		fclose(tf);
		return;
	}
	int link = pcap_datalink(pc);
	char *line = NULL;
	size_t cap = 0;
	/* -1 (no such column) until the header names it: a file without a
	 * header line fails below, and no index is ever read unset. */
	int idx[C_N];
	for (unsigned c = 0; c < C_N; c++)
		idx[c] = -1;
	char *f[64];
	unsigned nf = 0;
	if (getline(&line, &cap, tf) <= 0)
		fail_msg("%s: no header line", tsv);
	else {
		line[strcspn(line, "\n")] = '\0';
		split_tabs(line, f, 64, &nf);
		for (unsigned c = 0; c < C_N; c++) {
			for (unsigned k = 0; k < nf; k++)
				if (!strcmp(f[k], col_names[c]))
					idx[c] = (int)k;
			assert_true(idx[c] >= 0);
		}
	}
	struct pcap_pkthdr *ph;
	const u_char *data;
	unsigned frame = 0;
	while (pcap_next_ex(pc, &ph, &data) == 1) {
		frame++;
		if (getline(&line, &cap, tf) <= 0)
			break;
		struct yg_packet pkt;
		yg_decode(link, data, ph->caplen, ph->len, 0, &pkt);
		if (!pkt.l4_ok || pkt.proto != 17 || pkt.frag || !pkt.payload_len)
			continue;
		bool port =
		    pkt.sport == 53 || pkt.dport == 53 || pkt.sport == 5353 || pkt.dport == 5353;
		if (!port)
			continue;
		line[strcspn(line, "\n")] = '\0';
		split_tabs(line, f, 64, &nf);
		char *cols[C_N];
		for (unsigned c = 0; c < C_N; c++)
			cols[c] = (unsigned)idx[c] < nf ? f[idx[c]] : (char *)"";
		if (!cols[C_ID][0])
			continue; /* tshark did not see DNS here either */
		enum yg_anomaly an;
		if (yg_dns_parse(pkt.payload, pkt.payload_len, &msg, &an) < 0) {
			mismatch(t, stem, frame, "parse", yg_anomaly_name(an), cols[C_ID]);
			continue;
		}
		check_frame(t, stem, frame, cols);
	}
	free(line);
	fclose(tf);
	pcap_close(pc);
}

static void dns_matches_tshark(void **state)
{
	(void)state;
	const char *d = getenv("YG_SHARED_DATA");
	const char *src = getenv("YG_SRCDIR");
	if (d)
		snprintf(dir, sizeof dir, "%s/pcap", d);
	else
		snprintf(dir, sizeof dir, "%s/../shared/data/pcap", src ? src : ".");
	DIR *dd = opendir(dir);
	if (!dd) {
		print_message("skipped: %s not found (set YG_SHARED_DATA)\n", dir);
		skip();
		return;
	}
	struct tally t = {0};
	struct dirent *e;
	while ((e = readdir(dd))) {
		size_t n = strlen(e->d_name);
		if ((n > 5 && !strcmp(e->d_name + n - 5, ".pcap")) ||
		    (n > 7 && !strcmp(e->d_name + n - 7, ".pcapng")))
			check_file(&t, e->d_name);
	}
	closedir(dd);
	print_message("%u DNS messages, %u fields agree with tshark, %u name lists with escapes "
	              "not compared, %u mismatches\n",
	              t.msgs, t.fields - t.mismatches, t.skipped_names, t.mismatches);
	assert_true(t.msgs > 50);
	assert_int_equal(t.mismatches, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dns_matches_tshark),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * JA3/JA4 of real ClientHellos against published values: the ClientHellos
 * are taken from the shared captures ($YG_SHARED_DATA/pcap, default
 * $YG_SRCDIR/../shared/data) with libpcap and the decode stage, each TCP
 * flow's client bytes put together from the first segment that starts a
 * TLS handshake record. Expected values come from the files next to the
 * captures: suricata-verify test.yaml (tls.ja3.string / tls.ja3.hash),
 * nDPI's ndpiReader output (JA3C, JA4), Zeek's ssl.log (server_name).
 * Skips when the data is absent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <assert.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app/tls.h"
#include "decode/decode.h"

#define MAX_FLOWS  64
#define MAX_HELLOS 16
#define FLOW_BUF   (YG_TLS_HELLO_MAX + 4096)

struct flow {
	struct yg_addr src, dst;
	uint16_t sport, dport;
	uint32_t next_seq;
	size_t len;
	bool done;
	uint8_t *buf;
};

struct hellos {
	unsigned n;
	struct yg_tls_client_hello h[MAX_HELLOS];
};

static char data_dir[4096];

static int setup(void **state)
{
	(void)state;
	const char *d = getenv("YG_SHARED_DATA");
	const char *src = getenv("YG_SRCDIR");
	if (d)
		snprintf(data_dir, sizeof data_dir, "%s/pcap", d);
	else
		snprintf(data_dir, sizeof data_dir, "%s/../shared/data/pcap", src ? src : ".");
	return 0;
}

static bool have_data(void)
{
	struct stat st;
	if (stat(data_dir, &st) == 0 && S_ISDIR(st.st_mode))
		return true;
	print_message("skipped: %s not found (set YG_SHARED_DATA)\n", data_dir);
	return false;
}

static struct flow *flow_of(struct flow *fl, unsigned *nf, const struct yg_packet *p)
{
	for (unsigned i = 0; i < *nf; i++)
		if (fl[i].sport == p->sport && fl[i].dport == p->dport &&
		    !memcmp(&fl[i].src, &p->src, sizeof p->src) &&
		    !memcmp(&fl[i].dst, &p->dst, sizeof p->dst))
			return &fl[i];
	if (*nf == MAX_FLOWS)
		return NULL;
	struct flow *f = &fl[(*nf)++];
	memset(f, 0, sizeof *f);
	f->src = p->src;
	f->dst = p->dst;
	f->sport = p->sport;
	f->dport = p->dport;
	return f;
}

/* Every ClientHello in the capture, in order of completion. */
static void hellos_of(const char *file, struct hellos *out)
{
	char path[4200], err[PCAP_ERRBUF_SIZE];
	snprintf(path, sizeof path, "%s/%s", data_dir, file);
	pcap_t *pc = pcap_open_offline(path, err);
	if (!pc)
		fail_msg("%s: %s", path, err);
	int link = pcap_datalink(pc);
	/* On the heap (too big for the stack) and fresh per file: no buffer
	 * freed for one file is seen by the next. */
	struct flow *fl = calloc(MAX_FLOWS, sizeof *fl);
	assert(fl); /* assert: the analyzer knows it does not return */
	unsigned nf = 0;
	struct pcap_pkthdr *ph;
	const u_char *data;
	out->n = 0;
	while (pcap_next_ex(pc, &ph, &data) == 1) {
		struct yg_packet pkt;
		yg_decode(link, data, ph->caplen, ph->len, 0, &pkt);
		if (!pkt.l4_ok || pkt.proto != 6 || !pkt.payload_len)
			continue;
		struct flow *f = flow_of(fl, &nf, &pkt);
		/* A hello past MAX_HELLOS would be parsed into out->h beyond
		 * its end: the files hold fewer, and the rest are ignored. */
		if (!f || f->done || out->n == MAX_HELLOS)
			continue;
		if (!f->buf) {
			if (!yg_tls_looks_like_handshake(pkt.payload, pkt.payload_len))
				continue; /* e.g. SMTP before STARTTLS */
			f->buf = malloc(FLOW_BUF);
			assert_non_null(f->buf);
			f->next_seq = pkt.tcp_seq;
		}
		if (pkt.tcp_seq != f->next_seq || f->len + pkt.payload_len > FLOW_BUF)
			continue; /* retransmission or reordering: not in these files */
		memcpy(f->buf + f->len, pkt.payload, pkt.payload_len);
		f->len += pkt.payload_len;
		f->next_seq += pkt.payload_len;
		size_t need;
		int r = yg_tls_client_hello_parse(f->buf, f->len, &out->h[out->n], &need);
		if (r == -EAGAIN)
			continue;
		f->done = true;
		if (r == 0)
			out->n++;
	}
	pcap_close(pc);
	for (unsigned i = 0; i < nf; i++)
		free(fl[i].buf);
	free(fl);
}

struct want {
	const char *file;
	const char *sni;      /* NULL: not checked */
	const char *ja3;      /* NULL: not checked */
	const char *ja3_hash; /* NULL: not checked */
	const char *ja4;      /* NULL: not checked */
};

/*
 * nDPI (4.x) prints the first two characters of the ALPN value where the
 * JA4 spec and FoxIO's tool take the first and the last ("http/1.1" ->
 * "h1", nDPI "ht"; "spdy/3.1" -> "s1", nDPI "sp"). Those entries give
 * nDPI's hashes with the spec's ALPN characters; the nDPI text is in the
 * comment.
 */
static const struct want wants[] = {
    /* suricata-verify tls/tls13-draft28 */
    {"sv__tls--tls13-draft28.pcap", "localhost",
     "771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49172-49199-"
     "49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,5-10-11-13-22-23-35-51-43-"
     "65281-0-45-41,23,0",
     "d00857e0c8e7a7f35e446508c6233460", NULL},
    {"sv__tls--tls13-draft28.pcap", "localhost",
     "771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49172-49199-"
     "49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,5-10-11-13-22-23-35-51-43-"
     "65281-0-45,23,0",
     "43202faa1c8c1760d6f7f4bd9adde4ab", NULL},
    /* suricata-verify tls-duplicate-hello */
    {"sv__tls-duplicate-hello.pcap", NULL,
     "771,4866-4867-4865-4868-49196-52393-49325-49162-49195-49324-49161-49200-52392-49172-49199-"
     "49171-157-49309-53-156-49308-47-159-52394-49311-57-158-49310-51,5-10-11-13-22-23-35-51-43-"
     "65281-0-45,23,0",
     NULL, NULL},
    /* suricata-verify tls-client-hello-frag-01: a hello over small segments */
    {"sv__tls--tls-client-hello-frag-01.pcap", "www.google.com", NULL, NULL, NULL},
    /* suricata-verify tls-eve-custom-fields */
    {"sv__tls--tls-eve-custom-fields.pcap", "localhost", NULL, NULL, NULL},
    /* nDPI tests/cfgs/default/result */
    {"ndpi__tls_ech.pcapng", "performance.radar.cloudflare.com", NULL,
     "6820f114cf3b0809ffdcb30cb277848a", "t13d1516h2_8daaf6152771_02713d6af862"},
    {"ndpi__tls_esni_sni_both.pcap", NULL, NULL, "077d20c3f8c5a1f091dc937c515b69c1",
     "t13d031100_55b375c5d22e_77359c92d649"},
    {"ndpi__vxlan.pcap", "www.facebook.com", NULL, "40adfd923eb82b89d8836ba37a19bca1",
     "t13d311000_e8f1e7e78f70_5ac7197df9d2"},
    {"ndpi__6in4tunnel.pcap", "mail.tomasu.net", NULL, "812d8bce0f85487ba7834d36568ed586",
     "t12d660800_05dad94a8930_ad3c3a211394"},
    /* nDPI: t12d1311sp_94beff773b37_06a4338d0495 */
    {"ndpi__6in4tunnel.pcap", "www.facebook.com", NULL, "eb7cdd4e7dea7a11b3016c3c9acbd2a3",
     "t12d1311s1_94beff773b37_06a4338d0495"},
    /* nDPI: t12d1612ht_94fc43e2fc61_c9eaec7dbab4 */
    {"ndpi__http_ipv6.pcap", "www.ntop.org", NULL, "d3e627f423a33ea41841c19b8af79293",
     "t12d1612h1_94fc43e2fc61_c9eaec7dbab4"},
    /* nDPI: t10d290100_cdba58456bdf_e78b541c01a9 and "Hostname/SNI: mx.google.com",
     * but this hello has no server_name extension (its JA3 lists only 35,
     * SessionTicket): nDPI's name comes from the server side, and the spec
     * says 'i' without the extension. */
    {"ndpi__smtp-starttls.pcap", "", NULL, "fab507fe132c544e8a0eb7c394affeae",
     "t10i290100_cdba58456bdf_e78b541c01a9"},
    {"ndpi__smtp-starttls.pcap", "dovecot.weberlab.de", NULL, "7b38238e17474b8f6d113523bb5a8dd9",
     "t12d150900_073e58a039a6_b44afb9f0e6a"},
    /* Zeek testing/btest/Traces/tls */
    {"zeek__tls--tls13draft23-chrome67.0.3368.0-canary.pcap", "tls13.crypto.mozilla.org", NULL,
     NULL, NULL},
    {"zeek__tls--CVE-2015-3194.pcap", "", NULL, NULL, NULL},
};

static bool matches(const struct yg_tls_client_hello *h, const struct want *w)
{
	return (!w->sni || !strcmp(h->sni, w->sni)) && (!w->ja3 || !strcmp(h->ja3, w->ja3)) &&
	       (!w->ja3_hash || !strcmp(h->ja3_hash, w->ja3_hash)) &&
	       (!w->ja4 || !strcmp(h->ja4, w->ja4));
}

static void published_fingerprints(void **state)
{
	(void)state;
	if (!have_data()) {
		skip();
		return;
	}
	static struct hellos hs;
	unsigned checked = 0;
	for (size_t i = 0; i < sizeof wants / sizeof wants[0]; i++) {
		const struct want *w = &wants[i];
		hellos_of(w->file, &hs);
		bool found = false;
		for (unsigned k = 0; k < hs.n && !found; k++)
			found = matches(&hs.h[k], w);
		if (!found) {
			for (unsigned k = 0; k < hs.n; k++)
				print_message("%s hello %u: sni=%s ja3=%s %s ja4=%s\n", w->file, k,
				              hs.h[k].sni, hs.h[k].ja3, hs.h[k].ja3_hash,
				              hs.h[k].ja4);
			fail_msg("%s: no ClientHello matches expectation %zu", w->file, i);
		}
		checked++;
	}
	print_message("%u published fingerprints matched\n", checked);
}

/* Both hellos of the draft-28 capture, in capture order, and no other. */
static void draft28_two_hellos(void **state)
{
	(void)state;
	if (!have_data()) {
		skip();
		return;
	}
	static struct hellos hs;
	hellos_of("sv__tls--tls13-draft28.pcap", &hs);
	assert_int_equal(hs.n, 2);
	bool a = !strcmp(hs.h[0].ja3_hash, "d00857e0c8e7a7f35e446508c6233460");
	const struct yg_tls_client_hello *x = &hs.h[a ? 0 : 1], *y = &hs.h[a ? 1 : 0];
	assert_string_equal(x->ja3_hash, "d00857e0c8e7a7f35e446508c6233460");
	assert_string_equal(y->ja3_hash, "43202faa1c8c1760d6f7f4bd9adde4ab");
	for (unsigned k = 0; k < 2; k++) {
		print_message("draft28 hello: version %04x (%s) ja4 %s\n", hs.h[k].version,
		              yg_tls_version_name(hs.h[k].version), hs.h[k].ja4);
		/* the highest supported_versions entry; JA4 knows no drafts: "00" */
		assert_int_equal(hs.h[k].version, 0x7f1c);
		assert_memory_equal(hs.h[k].ja4, "t00d29", 6);
		assert_int_equal(hs.h[k].legacy_version, 0x0303);
		assert_string_equal(hs.h[k].sni, "localhost");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(published_fingerprints),
	    cmocka_unit_test(draft28_two_hellos),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}

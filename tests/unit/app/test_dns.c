#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>

#include "app/dns.h"
#include "msgbuf.h"

static struct yg_dns_msg msg; /* big: keep it off the stack */

static void hdr(struct mb *m, unsigned id, unsigned flags, unsigned qd, unsigned an, unsigned ns,
                unsigned ar)
{
	mb_u16(m, id);
	mb_u16(m, flags);
	mb_u16(m, qd);
	mb_u16(m, an);
	mb_u16(m, ns);
	mb_u16(m, ar);
}

/* An uncompressed name: "www.example.com" -> 3www7example3com0. */
static void dn(struct mb *m, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t n = dot ? (size_t)(dot - name) : strlen(name);
		mb_u8(m, (unsigned)n);
		mb_bytes(m, name, n);
		name += n;
		if (*name)
			name++;
	}
	mb_u8(m, 0);
}

static void rr_head(struct mb *m, unsigned type, uint32_t ttl)
{
	mb_u16(m, type);
	mb_u16(m, 1);
	mb_u32(m, ttl);
}

/* Parses p[0..n) from an exact-size heap copy. */
static int parse(const uint8_t *p, size_t n, enum yg_anomaly *an)
{
	uint8_t *d = mb_dup(p, n);
	int r = yg_dns_parse(d, n, &msg, an);
	free(d);
	return r;
}

static void query_fields(void **state)
{
	(void)state;
	struct mb m = {0};
	hdr(&m, 0x1234, 0x0100, 1, 0, 0, 1);
	dn(&m, "www.Example.com");
	mb_u16(&m, 28);
	mb_u16(&m, 1);
	enum yg_anomaly an = 0;
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(msg.id, 0x1234);
	assert_int_equal(msg.flags, 0x0100);
	assert_false(msg.response);
	assert_int_equal(msg.opcode, 0);
	assert_int_equal(msg.rcode, 0);
	assert_int_equal(msg.qdcount, 1);
	assert_int_equal(msg.ancount, 0);
	assert_int_equal(msg.nscount, 0);
	assert_int_equal(msg.arcount, 1);
	assert_int_equal(msg.n_queries, 1);
	assert_string_equal(msg.queries[0].name, "www.Example.com");
	assert_int_equal(msg.queries[0].type, 28);
	assert_int_equal(msg.queries[0].class_, 1);
	assert_int_equal(msg.n_answers, 0);
	mb_free(&m);
}

/* Header flag bits: QR, opcode (bits 11-14), rcode (bits 0-3). */
static void header_bits(void **state)
{
	(void)state;
	struct mb m = {0};
	hdr(&m, 7, 0x8000 | (5u << 11) | 0x0400 | 0x0080 | 3, 0, 0, 0, 0);
	assert_int_equal(parse(m.b, m.len, NULL), 0);
	assert_true(msg.response);
	assert_int_equal(msg.opcode, 5);
	assert_int_equal(msg.rcode, 3);
	assert_int_equal(msg.flags, 0xac83);
	assert_int_equal(msg.n_queries, 0);
	mb_free(&m);
}

/* A response with every decoded answer type; names compressed. Returns the
 * message; *ret_qend is where the question ends, ends[] where each RR ends. */
static struct mb response(size_t *ret_qend, size_t ends[8])
{
	struct mb m = {0};
	hdr(&m, 0xbeef, 0x8180, 1, 8, 0, 0);
	dn(&m, "www.example.com"); /* at 12 */
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	*ret_qend = m.len;
	/* 1: www.example.com CNAME edge.example.net (partly compressed: "edge" + ptr to ... ) */
	mb_u16(&m, 0xc00c);
	rr_head(&m, 5, 300);
	size_t at = m.len;
	mb_u16(&m, 0);
	size_t edge = m.len;
	dn(&m, "edge.example.net");
	mb_patch_len(&m, at, 2);
	ends[0] = m.len;
	/* 2: edge.example.net A 93.184.216.34 */
	mb_u16(&m, 0xc000 | (unsigned)edge);
	rr_head(&m, 1, 60);
	mb_u16(&m, 4);
	mb_bytes(&m, "\x5d\xb8\xd8\x22", 4);
	ends[1] = m.len;
	/* 3: AAAA 2001:db8::1 */
	mb_u16(&m, 0xc000 | (unsigned)edge);
	rr_head(&m, 28, 61);
	mb_u16(&m, 16);
	mb_bytes(&m, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	ends[2] = m.len;
	/* 4: MX 10 mail.<example.com via pointer to 16> */
	mb_u16(&m, 0xc00c);
	rr_head(&m, 15, 62);
	at = m.len;
	mb_u16(&m, 0);
	mb_u16(&m, 10);
	mb_u8(&m, 4);
	mb_str(&m, "mail");
	mb_u16(&m, 0xc010);
	mb_patch_len(&m, at, 2);
	ends[3] = m.len;
	/* 5: NS ns1.example.com */
	mb_u16(&m, 0xc010);
	rr_head(&m, 2, 63);
	at = m.len;
	mb_u16(&m, 0);
	mb_u8(&m, 3);
	mb_str(&m, "ns1");
	mb_u16(&m, 0xc010);
	mb_patch_len(&m, at, 2);
	ends[4] = m.len;
	/* 6: PTR to the query name */
	mb_u16(&m, 0xc010);
	rr_head(&m, 12, 64);
	mb_u16(&m, 2);
	mb_u16(&m, 0xc00c);
	ends[5] = m.len;
	/* 7: TXT: its text as data */
	mb_u16(&m, 0xc00c);
	rr_head(&m, 16, 65);
	mb_u16(&m, 4);
	mb_bytes(&m,
	         "\x03"
	         "abc",
	         4);
	ends[6] = m.len;
	/* 8: the root name, type HTTPS with opaque rdata */
	mb_u8(&m, 0);
	rr_head(&m, 65, 66);
	mb_u16(&m, 3);
	mb_bytes(&m, "\x00\x01\x00", 3);
	ends[7] = m.len;
	return m;
}

static void check_answers(unsigned n)
{
	static const struct {
		const char *name;
		uint16_t type;
		uint32_t ttl;
		const char *data;
		uint8_t fam;
	} want[8] = {
	    {"www.example.com", 5, 300, "edge.example.net", 0},
	    {"edge.example.net", 1, 60, "93.184.216.34", 4},
	    {"edge.example.net", 28, 61, "2001:db8::1", 6},
	    {"www.example.com", 15, 62, "mail.example.com", 0},
	    {"example.com", 2, 63, "ns1.example.com", 0},
	    {"example.com", 12, 64, "www.example.com", 0},
	    {"www.example.com", 16, 65, "abc", 0}, /* TXT text, joined */
	    {"", 65, 66, "", 0},
	};
	assert_int_equal(msg.n_answers, n);
	for (unsigned i = 0; i < n; i++) {
		const struct yg_dns_answer *a = &msg.answers[i];
		assert_string_equal(a->name, want[i].name);
		assert_int_equal(a->type, want[i].type);
		assert_int_equal(a->class_, 1);
		assert_int_equal(a->ttl, want[i].ttl);
		assert_string_equal(a->data, want[i].data);
		assert_int_equal(a->addr_family, want[i].fam);
	}
}

/* SRV answers (RFC 2782) and the SOA of a negative answer in the
 * authority section, as EVE logs them. */
static void srv_and_soa_authority(void **state)
{
	(void)state;
	struct mb m = {0};
	hdr(&m, 1, 0x8183, 1, 1, 1, 0);
	dn(&m, "_sip._udp.example.com"); /* at 12 */
	mb_u16(&m, 33);
	mb_u16(&m, 1);
	mb_u16(&m, 0xc00c);
	rr_head(&m, 33, 300);
	size_t at = m.len;
	mb_u16(&m, 0);
	mb_u16(&m, 20);
	mb_u16(&m, 1);
	mb_u16(&m, 5060);
	dn(&m, "sip.example.com");
	mb_patch_len(&m, at, 2);
	mb_u16(&m, 0xc000 | 22); /* "example.com" inside the question */
	rr_head(&m, 6, 899);
	at = m.len;
	mb_u16(&m, 0);
	dn(&m, "ns1.example.com");
	dn(&m, "hostmaster.example.com");
	mb_u32(&m, 1);
	mb_u32(&m, 7200);
	mb_u32(&m, 900);
	mb_u32(&m, 1209600);
	mb_u32(&m, 86400);
	mb_patch_len(&m, at, 2);
	enum yg_anomaly an = 0;
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(msg.n_answers, 1);
	assert_int_equal(msg.answers[0].srv_priority, 20);
	assert_int_equal(msg.answers[0].srv_weight, 1);
	assert_int_equal(msg.answers[0].srv_port, 5060);
	assert_string_equal(msg.answers[0].data, "sip.example.com");
	assert_int_equal(msg.n_authorities, 1);
	const struct yg_dns_answer *a = &msg.authorities[0];
	assert_string_equal(a->name, "example.com");
	assert_int_equal(a->type, 6);
	assert_int_equal(a->ttl, 899);
	assert_string_equal(a->data, "ns1.example.com");
	assert_string_equal(a->soa_rname, "hostmaster.example.com");
	assert_int_equal(a->soa_serial, 1);
	assert_int_equal(a->soa_refresh, 7200);
	assert_int_equal(a->soa_retry, 900);
	assert_int_equal(a->soa_expire, 1209600);
	assert_int_equal(a->soa_minimum, 86400);
	/* A SOA one byte short of its five numbers is dropped, loudly. */
	m.b[at + 1]--;
	assert_int_equal(parse(m.b, m.len - 1, &an), 0);
	assert_int_equal(msg.n_authorities, 0);
	assert_int_equal(an, YG_ANOM_DNS_MALFORMED);
	mb_free(&m);
}

static void response_answers(void **state)
{
	(void)state;
	size_t qend, ends[8];
	struct mb m = response(&qend, ends);
	enum yg_anomaly an = 0;
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_true(msg.response);
	assert_int_equal(msg.id, 0xbeef);
	assert_int_equal(msg.rcode, 0);
	assert_int_equal(msg.n_queries, 1);
	assert_string_equal(msg.queries[0].name, "www.example.com");
	check_answers(8);
	assert_memory_equal(msg.answers[1].addr, "\x5d\xb8\xd8\x22\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_memory_equal(msg.answers[2].addr, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	mb_free(&m);
}

/* Every prefix: no crash, -EBADMSG until the question is whole, then the
 * answers that fit and a malformed-answer anomaly for the cut one. */
static void truncated_everywhere(void **state)
{
	(void)state;
	size_t qend, ends[8];
	struct mb m = response(&qend, ends);
	for (size_t k = 0; k < m.len; k++) {
		enum yg_anomaly an = 0;
		int r = parse(m.b, k, &an);
		if (k < qend) {
			assert_int_equal(r, -EBADMSG);
			assert_int_equal(an, YG_ANOM_DNS_MALFORMED);
			continue;
		}
		assert_int_equal(r, 0);
		unsigned whole = 0;
		while (whole < 8 && ends[whole] <= k)
			whole++;
		check_answers(whole);
		assert_int_equal(msg.n_queries, 1);
		/* the RR that was cut (or is missing altogether) */
		assert_true(an == YG_ANOM_DNS_MALFORMED || an == YG_ANOM_DNS_PTR_OOB);
	}
	mb_free(&m);
}

static void self_pointer_loop(void **state)
{
	(void)state;
	struct mb m = {0};
	hdr(&m, 1, 0, 1, 0, 0, 0);
	mb_u16(&m, 0xc00c); /* points at itself */
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	enum yg_anomaly an = 0;
	assert_int_equal(parse(m.b, m.len, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNS_PTR_LOOP);
	mb_free(&m);
}

static void two_pointer_cycle(void **state)
{
	(void)state;
	struct mb m = {0};
	hdr(&m, 1, 0, 1, 0, 0, 0);
	mb_u16(&m, 0xc012); /* 12 -> 18 */
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	mb_u16(&m, 0xc00c); /* 18 -> 12 */
	enum yg_anomaly an = 0;
	assert_int_equal(parse(m.b, m.len, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNS_PTR_LOOP);
	mb_free(&m);
}

/* A label and a pointer back to it: a loop, caught before the name grows
 * past 255 octets. */
static void label_loop(void **state)
{
	(void)state;
	struct mb m = {0};
	hdr(&m, 1, 0, 1, 0, 0, 0);
	mb_u8(&m, 1);
	mb_u8(&m, 'a');
	mb_u16(&m, 0xc00c);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	enum yg_anomaly an = 0;
	assert_int_equal(parse(m.b, m.len, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNS_PTR_LOOP);
	mb_free(&m);
}

/* A chain of distinct pointers longer than the jump limit is a loop too. */
static void pointer_chain_too_long(void **state)
{
	(void)state;
	struct mb m = {0};
	hdr(&m, 1, 0, 1, 0, 0, 0);
	mb_u16(&m, 0xc000 | 18); /* question name: into the chain */
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	for (unsigned i = 0; i < 200; i++)
		mb_u16(&m, 0xc000 | (unsigned)(m.len + 2));
	mb_u8(&m, 0);
	enum yg_anomaly an = 0;
	assert_int_equal(parse(m.b, m.len, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNS_PTR_LOOP);
	mb_free(&m);
	/* ...while a chain of 100 jumps still decodes (allowed, if odd) */
	hdr(&m, 1, 0, 1, 0, 0, 0);
	mb_u16(&m, 0xc000 | 18);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	for (unsigned i = 0; i < 99; i++)
		mb_u16(&m, 0xc000 | (unsigned)(m.len + 2));
	dn(&m, "end.example");
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_string_equal(msg.queries[0].name, "end.example");
	mb_free(&m);
}

/* Decision: forward pointers are allowed when they terminate. */
static void forward_pointer(void **state)
{
	(void)state;
	struct mb m = {0};
	hdr(&m, 1, 0, 1, 0, 0, 0);
	mb_u8(&m, 3);
	mb_str(&m, "www");
	mb_u16(&m, 0xc000 | 22); /* forward, past the question */
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	dn(&m, "fwd.example"); /* at 22 */
	enum yg_anomaly an = 0;
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_string_equal(msg.queries[0].name, "www.fwd.example");
	assert_int_equal(msg.queries[0].type, 1);
	mb_free(&m);
}

static void pointer_out_of_bounds(void **state)
{
	(void)state;
	struct mb m = {0};
	hdr(&m, 1, 0, 1, 0, 0, 0);
	mb_u16(&m, 0xc000 | 18); /* == message length: one past the end */
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	enum yg_anomaly an = 0;
	assert_int_equal(m.len, 18);
	assert_int_equal(parse(m.b, m.len, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNS_PTR_OOB);
	m.b[12] = 0xff;
	m.b[13] = 0xff;
	assert_int_equal(parse(m.b, m.len, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNS_PTR_OOB);
	/* a pointer cut after its first byte is malformed, not out of bounds */
	assert_int_equal(parse(m.b, 13, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNS_MALFORMED);
	mb_free(&m);
}

/* 255 octets of wire name is RFC 1035's limit (3 labels of 63 and one of 61);
 * a longer name is noted and read on. */
static void name_length_limit(void **state)
{
	(void)state;
	char l63[64], l61[62], l62[63];
	memset(l63, 'a', 63);
	l63[63] = 0;
	memset(l61, 'b', 61);
	l61[61] = 0;
	memset(l62, 'c', 62);
	l62[62] = 0;
	char name[300];
	struct mb m = {0};
	enum yg_anomaly an = 0;

	snprintf(name, sizeof name, "%s.%s.%s.%s", l63, l63, l63, l61);
	hdr(&m, 1, 0, 1, 0, 0, 0);
	dn(&m, name);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(strlen(msg.queries[0].name), 253);
	assert_string_equal(msg.queries[0].name, name);
	mb_free(&m);

	snprintf(name, sizeof name, "%s.%s.%s.%s", l63, l63, l63, l62);
	hdr(&m, 1, 0, 1, 0, 0, 0);
	dn(&m, name);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	/* One octet over: noted, and read on as Suricata does. */
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(an, YG_ANOM_DNS_NAME_TOO_LONG);
	assert_string_equal(msg.queries[0].name, name);
	assert_false(msg.queries[0].truncated);
	mb_free(&m);

	/* too long only once a pointer adds the rest */
	hdr(&m, 1, 0, 1, 0, 0, 0);
	mb_u8(&m, 63);
	mb_str(&m, l63);
	mb_u16(&m, 0xc000 | 82);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	snprintf(name, sizeof name, "%s.%s.%s", l63, l63, l63);
	assert_int_equal(m.len, 82);
	dn(&m, name);
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(an, YG_ANOM_DNS_NAME_TOO_LONG);
	assert_int_equal(strlen(msg.queries[0].name), 63 * 4 + 3);
	mb_free(&m);
}

/* Suricata 8 cuts a name at 1025 characters and says rrname_truncated;
 * more than 255 labels is not a name at all. suricata-verify's
 * dns-truncated-rname sends 252 labels of 30 (7811 characters). */
static void long_name_truncated(void **state)
{
	(void)state;
	char l30[31];
	memset(l30, 'x', 30);
	l30[30] = 0;
	struct mb m = {0};
	enum yg_anomaly an = 0;
	hdr(&m, 1, 0, 2, 0, 0, 0);
	for (int i = 0; i < 252; i++) {
		mb_u8(&m, 30);
		mb_str(&m, l30);
	}
	mb_u8(&m, 0);
	mb_u16(&m, 16);
	mb_u16(&m, 1);
	mb_u16(&m, 0xc000 | 12); /* the second query names the same */
	mb_u16(&m, 16);
	mb_u16(&m, 1);
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(an, YG_ANOM_DNS_NAME_TOO_LONG);
	assert_int_equal(msg.n_queries, 2);
	for (int q = 0; q < 2; q++) {
		assert_int_equal(strlen(msg.queries[q].name), 1025);
		assert_true(msg.queries[q].truncated);
		assert_int_equal(msg.queries[q].type, 16);
		assert_memory_equal(msg.queries[q].name, l30, 30);
		assert_int_equal(msg.queries[q].name[30], '.');
	}
	mb_free(&m);

	/* 1025 characters exactly is not cut: 33 labels of 30 and one of 2. */
	hdr(&m, 1, 0, 1, 0, 0, 0);
	for (int i = 0; i < 33; i++) {
		mb_u8(&m, 30);
		mb_str(&m, l30);
	}
	mb_u8(&m, 2);
	mb_str(&m, "yy");
	mb_u8(&m, 0);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(strlen(msg.queries[0].name), 1025);
	assert_false(msg.queries[0].truncated);
	mb_free(&m);

	/* 256 labels: not a name. */
	hdr(&m, 1, 0, 1, 0, 0, 0);
	for (int i = 0; i < 256; i++) {
		mb_u8(&m, 1);
		mb_str(&m, "z");
	}
	mb_u8(&m, 0);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	assert_int_equal(parse(m.b, m.len, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNS_NAME_TOO_LONG);
	mb_free(&m);
}

static void label_escaping(void **state)
{
	(void)state;
	struct mb m = {0};
	hdr(&m, 1, 0, 1, 0, 0, 0);
	mb_u8(&m, 3);
	mb_str(&m, "a.b");
	mb_u8(&m, 4);
	mb_bytes(&m, "\x00 \\\x7f", 4);
	mb_u8(&m, 3);
	mb_bytes(&m, "\xc3\xa9\xff", 3); /* e-acute, then a lone 0xff */
	mb_u8(&m, 0);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	enum yg_anomaly an = 0;
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_string_equal(msg.queries[0].name, "a\\.b.\\000\\032\\\\\\127.\xc3\xa9\\255");
	mb_free(&m);
}

/* Escapes can make a valid answer name too long for its field: the
 * rightmost labels are kept so domain indicators still match. A query's
 * name has room for any valid name, escaped. */
static void escaped_name_keeps_suffix(void **state)
{
	(void)state;
	uint8_t ctl[63];
	memset(ctl, 1, sizeof ctl);
	struct mb m = {0};
	hdr(&m, 1, 0x8180, 1, 1, 0, 0);
	mb_u8(&m, 63);
	mb_bytes(&m, ctl, 63);
	mb_u8(&m, 63);
	mb_bytes(&m, ctl, 63);
	dn(&m, "evil.com");
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	mb_u16(&m, 0xc000 | 12); /* the answer's owner: the query's name */
	rr_head(&m, 1, 60);
	mb_u16(&m, 4);
	mb_bytes(&m, "\xc0\x00\x02\x01", 4);
	enum yg_anomaly an = 0;
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(an, YG_ANOM_DNS_NAME_TRUNCATED);
	assert_int_equal(strlen(msg.queries[0].name), 2 * 63 * 4 + 2 + 8);
	assert_false(msg.queries[0].truncated);
	assert_int_equal(msg.n_answers, 1);
	assert_string_equal(msg.answers[0].name, "evil.com");
	mb_free(&m);

	/* one escaped label of 60 still fits with the suffix: 240 + 9 */
	hdr(&m, 1, 0x8180, 1, 1, 0, 0);
	mb_u8(&m, 60);
	mb_bytes(&m, ctl, 60);
	dn(&m, "evil.com");
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	mb_u16(&m, 0xc000 | 12);
	rr_head(&m, 1, 60);
	mb_u16(&m, 4);
	mb_bytes(&m, "\xc0\x00\x02\x01", 4);
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(strlen(msg.answers[0].name), 60 * 4 + 9);
	mb_free(&m);
}

static void bad_label_type(void **state)
{
	(void)state;
	struct mb m = {0};
	hdr(&m, 1, 0, 1, 0, 0, 0);
	mb_u8(&m, 0x41); /* extended label type 01 */
	mb_str(&m, "x");
	mb_u8(&m, 0);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	enum yg_anomaly an = 0;
	assert_int_equal(parse(m.b, m.len, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNS_MALFORMED);
	mb_free(&m);
}

/* Broken answers never cost the queries. */
static void broken_answers_keep_queries(void **state)
{
	(void)state;
	struct mb m = {0};
	hdr(&m, 9, 0x8180, 1, 4, 0, 0);
	dn(&m, "a.example");
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	/* A with a 5-byte rdata: dropped, but its end is known */
	mb_u16(&m, 0xc00c);
	rr_head(&m, 1, 5);
	mb_u16(&m, 5);
	mb_bytes(&m, "\1\2\3\4\5", 5);
	/* CNAME whose name runs past its rdata: dropped */
	mb_u16(&m, 0xc00c);
	rr_head(&m, 5, 5);
	mb_u16(&m, 2);
	mb_u8(&m, 1);
	mb_str(&m, "b");
	/* third, right after that rdata: owner is the root name, type A */
	mb_u8(&m, 0);
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	mb_u32(&m, 7);
	mb_u16(&m, 4);
	mb_bytes(&m, "\x0a\0\0\x01", 4);
	/* fourth: pointer loop in the owner name: stops the answers */
	mb_u16(&m, 0xc000 | (unsigned)m.len);
	enum yg_anomaly an = 0;
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(an, YG_ANOM_DNS_MALFORMED); /* the first oddity */
	assert_int_equal(msg.n_queries, 1);
	assert_string_equal(msg.queries[0].name, "a.example");
	assert_int_equal(msg.n_answers, 1);
	assert_string_equal(msg.answers[0].name, "");
	assert_int_equal(msg.answers[0].ttl, 7);
	assert_string_equal(msg.answers[0].data, "10.0.0.1");
	mb_free(&m);

	/* only the loop: reported as such */
	hdr(&m, 9, 0x8180, 1, 1, 0, 0);
	dn(&m, "a.example");
	mb_u16(&m, 1);
	mb_u16(&m, 1);
	mb_u16(&m, 0xc000 | (unsigned)m.len);
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(an, YG_ANOM_DNS_PTR_LOOP);
	assert_int_equal(msg.n_queries, 1);
	assert_int_equal(msg.n_answers, 0);
	mb_free(&m);
}

/* A records are formatted by hand: the same text as inet_ntop, always. */
static void a_text_matches_inet_ntop(void **state)
{
	(void)state;
	static const uint8_t v[] = {0, 1, 9, 10, 99, 100, 109, 199, 200, 255};
	struct mb m = {0};
	hdr(&m, 1, 0x8180, 0, 1, 0, 0);
	mb_u8(&m, 0);
	rr_head(&m, 1, 1);
	mb_u16(&m, 4);
	size_t at = m.len;
	mb_u32(&m, 0);
	for (size_t i = 0; i < 10000; i++) {
		uint8_t a[4] = {v[i % 10], v[i / 10 % 10], v[i / 100 % 10], v[i / 1000]};
		memcpy(m.b + at, a, 4);
		assert_int_equal(parse(m.b, m.len, NULL), 0);
		char want[INET_ADDRSTRLEN];
		assert_non_null(inet_ntop(AF_INET, a, want, sizeof want));
		assert_string_equal(msg.answers[0].data, want);
		assert_memory_equal(msg.answers[0].addr, a, 4);
	}
	mb_free(&m);
}

static void caps_on_counts(void **state)
{
	(void)state;
	struct mb m = {0};
	hdr(&m, 1, 0x8180, 6, 30, 0, 0);
	for (unsigned i = 0; i < 6; i++) {
		char n[16];
		snprintf(n, sizeof n, "q%u.example", i);
		dn(&m, n);
		mb_u16(&m, 1);
		mb_u16(&m, 1);
	}
	for (unsigned i = 0; i < 30; i++) {
		mb_u16(&m, 0xc00c);
		rr_head(&m, 1, i);
		mb_u16(&m, 4);
		mb_bytes(&m, "\x0a\0\0", 3);
		mb_u8(&m, i);
	}
	enum yg_anomaly an = 0;
	assert_int_equal(parse(m.b, m.len, &an), 0);
	assert_int_equal(an, YG_ANOM__COUNT);
	assert_int_equal(msg.qdcount, 6);
	assert_int_equal(msg.n_queries, YG_DNS_MAX_QUERIES);
	assert_string_equal(msg.queries[3].name, "q3.example");
	assert_int_equal(msg.ancount, 30);
	assert_int_equal(msg.n_answers, YG_DNS_MAX_ANSWERS);
	assert_string_equal(msg.answers[23].data, "10.0.0.23");
	assert_string_equal(msg.answers[23].name, "q0.example");
	mb_free(&m);
}

static void too_short_or_null(void **state)
{
	(void)state;
	enum yg_anomaly an = 0;
	assert_int_equal(yg_dns_parse(NULL, 0, &msg, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNS_MALFORMED);
	uint8_t b[11] = {0};
	assert_int_equal(parse(b, sizeof b, &an), -EBADMSG);
	/* qdcount says 1 but nothing follows */
	uint8_t h[12] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0};
	assert_int_equal(parse(h, sizeof h, &an), -EBADMSG);
	assert_int_equal(an, YG_ANOM_DNS_MALFORMED);
}

static void mnemonics(void **state)
{
	(void)state;
	static const struct {
		uint16_t t;
		const char *n;
	} types[] = {
	    {1, "A"},       {2, "NS"},     {5, "CNAME"},  {6, "SOA"},    {12, "PTR"},
	    {15, "MX"},     {16, "TXT"},   {28, "AAAA"},  {33, "SRV"},   {35, "NAPTR"},
	    {41, "OPT"},    {43, "DS"},    {46, "RRSIG"}, {47, "NSEC"},  {48, "DNSKEY"},
	    {50, "NSEC3"},  {52, "TLSA"},  {64, "SVCB"},  {65, "HTTPS"}, {99, "SPF"},
	    {251, "IXFR"},  {252, "AXFR"}, {255, "ANY"},  {256, "URI"},  {257, "CAA"},
	    {32769, "DLV"},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		assert_string_equal(yg_dns_rrtype_name(types[i].t), types[i].n);
	assert_null(yg_dns_rrtype_name(0));
	assert_null(yg_dns_rrtype_name(54));
	assert_null(yg_dns_rrtype_name(300));
	assert_null(yg_dns_rrtype_name(65535));
	assert_string_equal(yg_dns_rcode_name(0), "NOERROR");
	assert_string_equal(yg_dns_rcode_name(2), "SERVFAIL");
	assert_string_equal(yg_dns_rcode_name(3), "NXDOMAIN");
	assert_string_equal(yg_dns_rcode_name(5), "REFUSED");
	assert_string_equal(yg_dns_rcode_name(23), "BADCOOKIE");
	assert_null(yg_dns_rcode_name(12));
	assert_null(yg_dns_rcode_name(24));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(query_fields),
	    cmocka_unit_test(header_bits),
	    cmocka_unit_test(response_answers),
	    cmocka_unit_test(truncated_everywhere),
	    cmocka_unit_test(self_pointer_loop),
	    cmocka_unit_test(two_pointer_cycle),
	    cmocka_unit_test(label_loop),
	    cmocka_unit_test(pointer_chain_too_long),
	    cmocka_unit_test(forward_pointer),
	    cmocka_unit_test(pointer_out_of_bounds),
	    cmocka_unit_test(name_length_limit),
	    cmocka_unit_test(long_name_truncated),
	    cmocka_unit_test(label_escaping),
	    cmocka_unit_test(escaped_name_keeps_suffix),
	    cmocka_unit_test(bad_label_type),
	    cmocka_unit_test(broken_answers_keep_queries),
	    cmocka_unit_test(a_text_matches_inet_ntop),
	    cmocka_unit_test(caps_on_counts),
	    cmocka_unit_test(too_short_or_null),
	    cmocka_unit_test(mnemonics),
	    cmocka_unit_test(srv_and_soa_authority),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

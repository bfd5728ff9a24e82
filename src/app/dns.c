/*
 * DNS message parser: RFC 1035 section 4.1 (format) and 4.1.4 (message
 * compression), RFC 3596 (AAAA), RFC 6895 (header flags and rcodes).
 *
 *   +------------+    header, 12 bytes:
 *   | Header     |                                    1  1  1  1  1  1
 *   +------------+      0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 *   | Question   |    +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   +------------+    |                      ID                       |
 *   | Answer     |    |QR|   Opcode  |AA|TC|RD|RA| Z|AD|CD|   RCODE   |
 *   +------------+    |          QDCOUNT        |        ANCOUNT      |
 *   | Authority  |    |          NSCOUNT        |        ARCOUNT      |
 *   +------------+    +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *   | Additional |
 *   +------------+    question: QNAME  QTYPE(2) QCLASS(2)
 *                     RR:       NAME  TYPE(2) CLASS(2) TTL(4) RDLENGTH(2) RDATA
 *
 *   name: labels, each a length byte 00LLLLLL (1..63) and that many bytes,
 *   ended by a zero byte or by a pointer 11PPPPPP PPPPPPPP to a name (or
 *   the rest of one) at offset P from the start of the message.
 *
 * Decisions:
 *  - Pointers may point forward or backward: RFC 1035 does not forbid
 *    forward pointers and the decoder does not need the restriction.
 *    Termination is guaranteed instead: a pointer to an offset already
 *    jumped to (among the first TRACK_JUMPS jumps) or more than MAX_JUMPS
 *    jumps in one name is a loop (DNS_PTR_LOOP); a pointer at or past the
 *    end of the message is DNS_PTR_OOB; more than 255 labels in a name
 *    is DNS_NAME_TOO_LONG. More than 255 octets of wire name (RFC 1035's
 *    limit) is noted as DNS_NAME_TOO_LONG but read on, as Suricata does:
 *    its EVE shows such a query name cut at 1025 characters, with
 *    rrname_truncated. Label types 01 and 10 (RFC 6891 obsoleted
 *    them) are DNS_MALFORMED.
 *  - Names are written in presentation form with the escaping of
 *    app-int.h ("\." for a dot inside a label, "\DDD" for unprintable
 *    bytes). A name whose escaped form exceeds 255 characters keeps its
 *    rightmost labels that fit (domain indicators match on suffixes) and
 *    records DNS_NAME_TRUNCATED.
 *  - The answer and authority sections are decoded (authorities carry the
 *    SOA of a negative answer); additional records are counted in the
 *    header fields only. Answers past YG_DNS_MAX_ANSWERS are walked over
 *    (into a scratch record) so the authorities behind them are found.
 *  - The first anomaly seen is the one reported.
 */
#include "app/dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "app/app-int.h"
#include "common/cursor.h"

#define HDR_LEN       12
#define WIRE_NAME_MAX 255 /* octets, length bytes and the root included */
#define MAX_LABELS    255 /* as Suricata's 255 steps; 255 octets hold at most 127 */
#define MAX_JUMPS     128 /* one pointer per label at the very most */
#define TRACK_JUMPS   16  /* jumps whose targets are checked for revisits */
#define OUT_MAX       (YG_DNS_NAME_MAX - 1)
#define QOUT_MAX      (YG_DNS_QNAME_MAX - 1)

/* A decoded name: where its labels lie in the message. */
struct labels {
	unsigned n;
	bool too_long; /* more than WIRE_NAME_MAX octets */
	uint16_t off[MAX_LABELS];
	uint8_t len[MAX_LABELS];
};

/*
 * Follows the name at msg[off]. Fills l and *ret_end (the offset just past
 * the name's bytes at off, i.e. past its first pointer). Returns
 * YG_ANOM__COUNT or the reason it is not a name.
 */
static enum yg_anomaly walk_name(const uint8_t *msg, size_t len, size_t off, struct labels *l,
                                 size_t *ret_end)
{
	uint16_t seen[TRACK_JUMPS];
	unsigned jumps = 0;
	size_t wire = 1; /* the root's zero byte */
	size_t end = 0;
	size_t pos = off;

	l->n = 0;
	l->too_long = false;
	for (;;) {
		if (pos >= len)
			return YG_ANOM_DNS_MALFORMED;
		uint8_t b = msg[pos];
		if (b == 0) {
			if (!jumps)
				end = pos + 1;
			break;
		}
		if ((b & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return YG_ANOM_DNS_MALFORMED;
			size_t to = ((size_t)(b & 0x3f) << 8) | msg[pos + 1];
			if (to >= len)
				return YG_ANOM_DNS_PTR_OOB;
			for (unsigned i = 0; i < jumps && i < TRACK_JUMPS; i++)
				if (seen[i] == to)
					return YG_ANOM_DNS_PTR_LOOP;
			if (jumps == MAX_JUMPS)
				return YG_ANOM_DNS_PTR_LOOP;
			if (!jumps)
				end = pos + 2;
			if (jumps < TRACK_JUMPS)
				seen[jumps] = (uint16_t)to;
			jumps++;
			pos = to;
			continue;
		}
		if (b & 0xc0)
			return YG_ANOM_DNS_MALFORMED;
		wire += 1u + b;
		if (wire > WIRE_NAME_MAX)
			l->too_long = true;
		if (b >= len - pos)
			return YG_ANOM_DNS_MALFORMED;
		if (l->n == MAX_LABELS)
			return YG_ANOM_DNS_NAME_TOO_LONG;
		/* pos < len <= 65535 + 2 (a TCP message): offsets fit. */
		l->off[l->n] = (uint16_t)(pos + 1);
		l->len[l->n] = b;
		l->n++;
		pos += 1u + b;
	}
	*ret_end = end;
	return YG_ANOM__COUNT;
}

/* Writes labels [from, n) as "a.b.c" into out (room max + NUL). */
static size_t put_labels(char *out, size_t max, const uint8_t *msg, const struct labels *l,
                         unsigned from, bool *ret_cut)
{
	size_t o = 0;
	for (unsigned i = from; i < l->n; i++) {
		if (i > from) {
			if (o == max) {
				*ret_cut = true;
				break;
			}
			out[o++] = '.';
		}
		o += yg_app_text_put(out + o, max - o, msg + l->off[i], l->len[i],
		                     YG_TEXT_DNS_LABEL, ret_cut);
		if (*ret_cut)
			break;
	}
	out[o] = '\0';
	return o;
}

/* Presentation form of a walked name into out[YG_DNS_NAME_MAX]. Returns
 * false when it had to drop leading labels to fit. */
static bool put_name(char *out, const uint8_t *msg, const struct labels *l)
{
	bool cut = false;
	put_labels(out, OUT_MAX, msg, l, 0, &cut);
	if (!cut)
		return true;
	/* Rare: escapes made it too long. Keep the longest suffix that fits;
	 * a single label always fits (63 bytes escape to at most 252). */
	size_t total = 0;
	unsigned from = l->n;
	while (from > 0) {
		size_t k =
		    yg_app_text_len(msg + l->off[from - 1], l->len[from - 1], YG_TEXT_DNS_LABEL) +
		    (from < l->n ? 1 : 0);
		if (total + k > OUT_MAX)
			break;
		total += k;
		from--;
	}
	cut = false;
	put_labels(out, OUT_MAX, msg, l, from, &cut);
	return false;
}

/* A query's name into out[YG_DNS_QNAME_MAX]: its first QOUT_MAX characters
 * (Suricata's cut; only names over 255 octets can need it). Returns false
 * when it was cut. */
static bool put_qname(char *out, const uint8_t *msg, const struct labels *l)
{
	bool cut = false;
	put_labels(out, QOUT_MAX, msg, l, 0, &cut);
	return !cut;
}

/* Dotted decimal, as inet_ntop writes it; glibc's goes through sprintf,
 * which was the largest cost of a typical response. */
static void put_ipv4(char *out, const uint8_t *a)
{
	char *o = out;
	for (int i = 0; i < 4; i++) {
		uint8_t v = a[i];
		if (v >= 100)
			*o++ = (char)('0' + v / 100);
		if (v >= 10)
			*o++ = (char)('0' + v / 10 % 10);
		*o++ = (char)('0' + v % 10);
		*o++ = i < 3 ? '.' : '\0';
	}
}

static void note(enum yg_anomaly *an, enum yg_anomaly a)
{
	if (*an == YG_ANOM__COUNT)
		*an = a;
}

/* Decodes the name in rdata [c->off, c->off + rdlen) into out. */
static enum yg_anomaly rdata_name(const uint8_t *msg, size_t len, size_t at, size_t rd_end,
                                  char *out, enum yg_anomaly *an)
{
	struct labels l;
	size_t end;
	enum yg_anomaly a = walk_name(msg, len, at, &l, &end);
	if (a != YG_ANOM__COUNT)
		return a;
	if (end > rd_end)
		return YG_ANOM_DNS_MALFORMED;
	if (!put_name(out, msg, &l))
		note(an, YG_ANOM_DNS_NAME_TRUNCATED);
	return YG_ANOM__COUNT;
}

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* SOA RDATA: two names (compressed), then serial, refresh, retry, expire
 * and minimum, 32 bits each, which must end exactly at rd_end. */
static enum yg_anomaly soa_rdata(const uint8_t *msg, size_t len, size_t at, size_t rd_end,
                                 struct yg_dns_answer *a, enum yg_anomaly *an)
{
	struct labels l;
	size_t end;
	enum yg_anomaly bad = walk_name(msg, len, at, &l, &end);
	if (bad != YG_ANOM__COUNT)
		return bad;
	if (end > rd_end)
		return YG_ANOM_DNS_MALFORMED;
	if (!put_name(a->data, msg, &l))
		note(an, YG_ANOM_DNS_NAME_TRUNCATED);
	bad = walk_name(msg, len, end, &l, &end);
	if (bad != YG_ANOM__COUNT)
		return bad;
	if (end + 20 != rd_end)
		return YG_ANOM_DNS_MALFORMED;
	if (!put_name(a->soa_rname, msg, &l))
		note(an, YG_ANOM_DNS_NAME_TRUNCATED);
	const uint8_t *n = msg + end;
	a->soa_serial = be32_at(n);
	a->soa_refresh = be32_at(n + 4);
	a->soa_retry = be32_at(n + 8);
	a->soa_expire = be32_at(n + 12);
	a->soa_minimum = be32_at(n + 16);
	return YG_ANOM__COUNT;
}

/* TXT RDATA: length-prefixed character-strings, joined. Text records are
 * mostly readable ASCII with spaces (SPF, DKIM), which stays as it is;
 * other bytes get the escaping of app-int.h. A string running past the
 * RDATA ends the text there; what does not fit is cut. */
static void txt_rdata(const uint8_t *rd, size_t rdlen, char *out)
{
	size_t o = 0, i = 0;
	while (i < rdlen) {
		size_t n = rd[i++];
		if (n > rdlen - i)
			n = rdlen - i;
		for (size_t k = 0; k < n; k++) {
			uint8_t b = rd[i + k];
			if (b >= 0x20 && b < 0x7f && b != '\\') {
				if (o + 1 > OUT_MAX)
					goto out;
				out[o++] = (char)b;
			} else {
				bool cut = false;
				size_t w = yg_app_text_put(out + o, OUT_MAX - o, &b, 1, 0, &cut);
				if (cut)
					goto out;
				o += w;
			}
		}
		i += n;
	}
out:
	out[o] = '\0';
}

enum rr_result { RR_KEPT, RR_DROPPED, RR_FATAL };

/* Parses one answer RR at c into a. A dropped RR was skipped cleanly; after
 * a fatal one the position of the next RR is unknown. */
static enum rr_result parse_rr(const uint8_t *msg, size_t len, struct yg_cur *c,
                               struct yg_dns_answer *a, enum yg_anomaly *an)
{
	struct labels l;
	size_t end;
	enum yg_anomaly bad = walk_name(msg, len, c->off, &l, &end);
	if (bad != YG_ANOM__COUNT) {
		note(an, bad);
		return RR_FATAL;
	}
	c->off = end;
	uint16_t type, class_, rdlen;
	uint32_t ttl;
	const uint8_t *rd;
	if (!yg_cur_be16(c, &type) || !yg_cur_be16(c, &class_) || !yg_cur_be32(c, &ttl) ||
	    !yg_cur_be16(c, &rdlen) || !yg_cur_bytes(c, rdlen, &rd)) {
		note(an, YG_ANOM_DNS_MALFORMED);
		return RR_FATAL;
	}
	size_t rd_at = (size_t)(rd - msg), rd_end = rd_at + rdlen;

	a->type = type;
	a->class_ = class_;
	a->ttl = ttl;
	a->data[0] = '\0';
	a->addr_family = 0;
	switch (type) {
	case 1: /* A */
	case 28: /* AAAA */ {
		size_t n = type == 1 ? 4 : 16;
		if (rdlen != n) {
			bad = YG_ANOM_DNS_MALFORMED;
			break;
		}
		memset(a->addr, 0, sizeof a->addr);
		memcpy(a->addr, rd, n);
		a->addr_family = type == 1 ? 4 : 6;
		if (type == 1)
			put_ipv4(a->data, a->addr);
		else
			inet_ntop(AF_INET6, a->addr, a->data, sizeof a->data);
		break;
	}
	case 2:  /* NS */
	case 5:  /* CNAME */
	case 12: /* PTR */
		bad = rdata_name(msg, len, rd_at, rd_end, a->data, an);
		break;
	case 15: /* MX: preference, exchange */
		bad = rdlen < 3 ? YG_ANOM_DNS_MALFORMED
		                : rdata_name(msg, len, rd_at + 2, rd_end, a->data, an);
		break;
	case 33: /* SRV: priority, weight, port, target (RFC 2782) */
		if (rdlen < 7) {
			bad = YG_ANOM_DNS_MALFORMED;
			break;
		}
		a->srv_priority = (uint16_t)(rd[0] << 8 | rd[1]);
		a->srv_weight = (uint16_t)(rd[2] << 8 | rd[3]);
		a->srv_port = (uint16_t)(rd[4] << 8 | rd[5]);
		bad = rdata_name(msg, len, rd_at + 6, rd_end, a->data, an);
		break;
	case 6: /* SOA: mname, rname, then five 32-bit numbers */
		bad = soa_rdata(msg, len, rd_at, rd_end, a, an);
		break;
	case 16: /* TXT */
		txt_rdata(rd, rdlen, a->data);
		break;
	default:
		break;
	}
	if (bad != YG_ANOM__COUNT) {
		note(an, bad);
		return RR_DROPPED;
	}
	if (!put_name(a->name, msg, &l))
		note(an, YG_ANOM_DNS_NAME_TRUNCATED);
	return RR_KEPT;
}

int yg_dns_parse(const uint8_t *p, size_t len, struct yg_dns_msg *ret, enum yg_anomaly *ret_anom)
{
	enum yg_anomaly an = YG_ANOM__COUNT;
	int r = -EBADMSG;
	struct yg_cur c;

	if (!p || len < HDR_LEN) {
		an = YG_ANOM_DNS_MALFORMED;
		goto out;
	}
	yg_cur_init(&c, p, len);
	uint16_t flags;
	yg_cur_be16(&c, &ret->id);
	yg_cur_be16(&c, &flags);
	yg_cur_be16(&c, &ret->qdcount);
	yg_cur_be16(&c, &ret->ancount);
	yg_cur_be16(&c, &ret->nscount);
	yg_cur_be16(&c, &ret->arcount);
	ret->flags = flags;
	ret->response = flags & 0x8000;
	ret->opcode = (flags >> 11) & 0xf;
	ret->rcode = flags & 0xf;
	ret->n_queries = 0;
	ret->n_answers = 0;
	ret->n_authorities = 0;

	for (unsigned i = 0; i < ret->qdcount; i++) {
		struct labels l;
		size_t end;
		enum yg_anomaly bad = walk_name(p, len, c.off, &l, &end);
		if (bad != YG_ANOM__COUNT) {
			an = bad;
			goto out;
		}
		c.off = end;
		uint16_t type, class_;
		if (!yg_cur_be16(&c, &type) || !yg_cur_be16(&c, &class_)) {
			an = YG_ANOM_DNS_MALFORMED;
			goto out;
		}
		if (l.too_long)
			note(&an, YG_ANOM_DNS_NAME_TOO_LONG);
		if (i < YG_DNS_MAX_QUERIES) {
			struct yg_dns_query *q = &ret->queries[ret->n_queries++];
			q->truncated = !put_qname(q->name, p, &l);
			if (q->truncated)
				note(&an, YG_ANOM_DNS_NAME_TRUNCATED);
			q->type = type;
			q->class_ = class_;
		}
	}
	r = 0;

	/* Answers, then authorities: an RR that leaves the position of the
	 * next unknown ends both. */
	struct yg_dns_answer scratch;
	unsigned total = (unsigned)ret->ancount + ret->nscount;
	for (unsigned i = 0; i < total; i++) {
		bool answer = i < ret->ancount;
		struct yg_dns_answer *a = &scratch;
		if (answer && ret->n_answers < YG_DNS_MAX_ANSWERS)
			a = &ret->answers[ret->n_answers];
		else if (!answer && ret->n_authorities < YG_DNS_MAX_AUTHORITIES)
			a = &ret->authorities[ret->n_authorities];
		else if (!answer)
			break;
		enum rr_result k = parse_rr(p, len, &c, a, &an);
		if (k == RR_FATAL)
			break;
		if (k == RR_KEPT && a != &scratch) {
			if (answer)
				ret->n_answers++;
			else
				ret->n_authorities++;
		}
	}
out:
	if (ret_anom)
		*ret_anom = an;
	return r;
}

const char *yg_dns_rrtype_name(uint16_t type)
{
	/* IANA "Resource Record (RR) TYPEs" registry mnemonics. */
	static const char *const names[] = {
	    [1] = "A",         [2] = "NS",      [3] = "MD",          [4] = "MF",
	    [5] = "CNAME",     [6] = "SOA",     [7] = "MB",          [8] = "MG",
	    [9] = "MR",        [10] = "NULL",   [11] = "WKS",        [12] = "PTR",
	    [13] = "HINFO",    [14] = "MINFO",  [15] = "MX",         [16] = "TXT",
	    [17] = "RP",       [18] = "AFSDB",  [19] = "X25",        [20] = "ISDN",
	    [21] = "RT",       [22] = "NSAP",   [23] = "NSAP-PTR",   [24] = "SIG",
	    [25] = "KEY",      [26] = "PX",     [27] = "GPOS",       [28] = "AAAA",
	    [29] = "LOC",      [30] = "NXT",    [31] = "EID",        [32] = "NIMLOC",
	    [33] = "SRV",      [34] = "ATMA",   [35] = "NAPTR",      [36] = "KX",
	    [37] = "CERT",     [38] = "A6",     [39] = "DNAME",      [40] = "SINK",
	    [41] = "OPT",      [42] = "APL",    [43] = "DS",         [44] = "SSHFP",
	    [45] = "IPSECKEY", [46] = "RRSIG",  [47] = "NSEC",       [48] = "DNSKEY",
	    [49] = "DHCID",    [50] = "NSEC3",  [51] = "NSEC3PARAM", [52] = "TLSA",
	    [53] = "SMIMEA",   [55] = "HIP",    [56] = "NINFO",      [57] = "RKEY",
	    [58] = "TALINK",   [59] = "CDS",    [60] = "CDNSKEY",    [61] = "OPENPGPKEY",
	    [62] = "CSYNC",    [63] = "ZONEMD", [64] = "SVCB",       [65] = "HTTPS",
	    [99] = "SPF",      [100] = "UINFO", [101] = "UID",       [102] = "GID",
	    [103] = "UNSPEC",  [104] = "NID",   [105] = "L32",       [106] = "L64",
	    [107] = "LP",      [108] = "EUI48", [109] = "EUI64",     [249] = "TKEY",
	    [250] = "TSIG",    [251] = "IXFR",  [252] = "AXFR",      [253] = "MAILB",
	    [254] = "MAILA",   [255] = "ANY",   [256] = "URI",       [257] = "CAA",
	    [258] = "AVC",     [259] = "DOA",   [260] = "AMTRELAY",  [261] = "RESINFO",
	};
	if (type < sizeof names / sizeof names[0])
		return names[type];
	if (type == 32768)
		return "TA";
	if (type == 32769)
		return "DLV";
	return NULL;
}

const char *yg_dns_rcode_name(uint8_t rcode)
{
	/* IANA "DNS RCODEs"; 16..23 only occur as extended (EDNS/TSIG) codes. */
	static const char *const names[] = {
	    "NOERROR",  "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP",   "REFUSED",
	    "YXDOMAIN", "YXRRSET", "NXRRSET",  "NOTAUTH",  "NOTZONE",  "DSOTYPENI",
	    NULL,       NULL,      NULL,       NULL,       "BADVERS",  "BADKEY",
	    "BADTIME",  "BADMODE", "BADNAME",  "BADALG",   "BADTRUNC", "BADCOOKIE",
	};
	return rcode < sizeof names / sizeof names[0] ? names[rcode] : NULL;
}

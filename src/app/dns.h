/*
 * DNS message parser (RFC 1035 section 4, RFC 3596 for AAAA).
 *
 * Parses one DNS message (the UDP payload, or a TCP message without its
 * 2-byte length prefix). Names are decoded to presentation form with
 * compression pointers followed; pointer loops and pointers outside the
 * message are rejected. Results are copied into the fixed-size struct, so
 * nothing borrows the packet afterwards.
 *
 * Names: labels joined by '.', no trailing dot. Bytes are escaped as in
 * dig: "\." for a dot inside a label, "\\" for a backslash, "\DDD"
 * (decimal) for bytes below 0x21 (space included), 0x7f and bytes >= 0x80
 * that are not part of valid UTF-8; valid UTF-8 is kept (mDNS names).
 * So every name is printable, NUL-free, valid UTF-8. An answer's name
 * whose escaped form is longer than 255 characters keeps its rightmost
 * labels and *ret_anom says YG_ANOM_DNS_NAME_TRUNCATED. A query's name has
 * room for every name of at most 255 wire octets however escaped; one
 * longer than that (RFC 1035 forbids it; Suricata, and so yagura, still
 * reads it, with YG_ANOM_DNS_NAME_TOO_LONG) keeps its first
 * YG_DNS_QNAME_MAX - 1 characters and says `truncated`, as Suricata 8
 * truncates names at 1025 characters (EVE's rrname_truncated).
 *
 * Compression pointers may point forward as well as backward (RFC 1035
 * allows it); a pointer revisiting an offset, or more than 128 jumps in a
 * name, is a loop.
 *
 * The answer section is decoded (the first YG_DNS_MAX_ANSWERS), then the
 * authority section (the first YG_DNS_MAX_AUTHORITIES; SOA records of a
 * negative answer are what EVE logs from it). The additional section is
 * only counted in the header.
 */
#ifndef YG_APP_DNS_H
#define YG_APP_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/anomaly.h"

#define YG_DNS_NAME_MAX    256 /* 253 chars of presentation form + NUL, rounded */
#define YG_DNS_QNAME_MAX   1026 /* Suricata's 1025 characters + NUL */
#define YG_DNS_MAX_QUERIES 4
#define YG_DNS_MAX_ANSWERS 24
#define YG_DNS_MAX_AUTHORITIES 4

struct yg_dns_query {
	char name[YG_DNS_QNAME_MAX]; /* case as on the wire, no trailing dot; "" for the root */
	uint16_t type;
	uint16_t class_;
	bool truncated; /* name cut at YG_DNS_QNAME_MAX - 1 characters */
};

struct yg_dns_answer {
	char name[YG_DNS_NAME_MAX];
	uint16_t type;
	uint16_t class_;
	uint32_t ttl;
	/* A/AAAA: the address in text form; CNAME/PTR/NS/MX(exchange): the
	 * target name; SRV: the target; SOA: the primary server (mname);
	 * TXT: the character-strings joined, printable ASCII kept as it is
	 * (spaces too) and other bytes escaped as in app-int.h; other types:
	 * empty. */
	char data[YG_DNS_NAME_MAX];
	uint8_t addr[16];    /* A: first 4 bytes; AAAA: all 16 */
	uint8_t addr_family; /* 4, 6, or 0 when not an address record */
	/* SRV (RFC 2782) and SOA (RFC 1035 3.3.13) fields, valid for those
	 * types only; soa_rname is the responsible mailbox as a name. */
	uint16_t srv_priority, srv_weight, srv_port;
	uint32_t soa_serial, soa_refresh, soa_retry, soa_expire, soa_minimum;
	char soa_rname[YG_DNS_NAME_MAX];
};

struct yg_dns_msg {
	uint16_t id;
	uint16_t flags; /* the 16-bit flags word as on the wire */
	bool response;  /* QR bit */
	uint8_t opcode;
	uint8_t rcode;
	uint16_t qdcount, ancount, nscount, arcount; /* as in the header */
	uint8_t n_queries; /* queries parsed (at most YG_DNS_MAX_QUERIES) */
	struct yg_dns_query queries[YG_DNS_MAX_QUERIES];
	uint8_t n_answers; /* answers parsed (at most YG_DNS_MAX_ANSWERS) */
	struct yg_dns_answer answers[YG_DNS_MAX_ANSWERS];
	uint8_t n_authorities; /* authority RRs parsed (at most YG_DNS_MAX_AUTHORITIES) */
	struct yg_dns_answer authorities[YG_DNS_MAX_AUTHORITIES];
};

/*
 * Parses a DNS message. Returns 0 when the header and every query parsed
 * (answers that could not be parsed are dropped and *ret_anom says why);
 * -EBADMSG when the message is not DNS enough to report, with *ret_anom set
 * (YG_ANOM_DNS_MALFORMED, _PTR_LOOP, _PTR_OOB, _NAME_TOO_LONG for more than
 * 255 labels). *ret_anom is
 * YG_ANOM__COUNT when there was nothing odd, else the first oddity seen;
 * ret_anom may be NULL.
 * *ret is written in place without being cleared first (it is large and
 * this is the hot path): after -EBADMSG its contents are unspecified.
 * Queries past YG_DNS_MAX_QUERIES are checked but not stored.
 */
int yg_dns_parse(const uint8_t *p, size_t len, struct yg_dns_msg *ret, enum yg_anomaly *ret_anom);

/* Mnemonic for an RR type ("A", "AAAA", "CNAME", ...), or NULL if unknown. */
const char *yg_dns_rrtype_name(uint16_t type);

/* Mnemonic for an rcode ("NOERROR", "NXDOMAIN", ...), or NULL if unknown. */
const char *yg_dns_rcode_name(uint8_t rcode);

#endif

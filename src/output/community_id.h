/*
 * Community ID flow hashing, version 1 (https://github.com/corelight/
 * community-id-spec): a flow's one name that Suricata, Zeek and other
 * tools agree on, so their records of the same connection can be joined.
 *
 *   "1:" base64( SHA-1( seed(2, BE) | saddr | daddr | proto(1) | 0(1) |
 *                       sport(2, BE) | dport(2, BE) ) )
 *
 * The endpoints go in canonical order: the smaller address first (then
 * the smaller port), so both directions give the same ID. ICMP and ICMPv6
 * put the type in sport and, for request/reply pairs, the counterpart
 * type in dport (echo request 8 and reply 0 hash alike); other types
 * are one-way: the code goes in dport and the order is left as sent.
 * Protocols without ports hash addresses and protocol only.
 */
#ifndef YG_OUTPUT_COMMUNITY_ID_H
#define YG_OUTPUT_COMMUNITY_ID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "1:" + 28 base64 characters + NUL */
#define YG_COMMUNITY_ID_LEN  30
#define YG_COMMUNITY_ID_SIZE 31

struct yg_community_id_flow {
	uint8_t family; /* 4 or 6 */
	uint8_t proto;
	const uint8_t *src, *dst; /* 4 or 16 bytes, in the direction seen */
	uint16_t sport, dport;    /* TCP/UDP/SCTP ports; ignored for ICMP */
	uint8_t icmp_type, icmp_code;
	bool has_ports; /* TCP, UDP, SCTP with a decoded header */
};

/*
 * A hasher: the seed and a SHA-1 context fetched once and reused, since
 * OpenSSL's one-shot SHA1() looks the algorithm up on every call (750 ns
 * against 250 ns for a 40-byte input). One per thread; not thread-safe.
 * Caller frees with yg_community_id_free (accepts NULL).
 */
struct yg_community_id;
int yg_community_id_new(uint16_t seed, struct yg_community_id **ret);
void yg_community_id_free(struct yg_community_id *c);

/* Writes the ID (YG_COMMUNITY_ID_LEN characters and a NUL) to out. */
void yg_community_id(struct yg_community_id *c, const struct yg_community_id_flow *f,
                     char out[YG_COMMUNITY_ID_SIZE]);

#endif

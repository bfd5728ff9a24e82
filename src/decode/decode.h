/*
 * The decode stage: raw captured bytes to a struct yg_packet.
 *
 * yg_decode() never fails as a program: it fills what it could decode,
 * records every anomaly on pkt->anom and returns. It never reads outside
 * [data, data + caplen).
 */
#ifndef YG_DECODE_DECODE_H
#define YG_DECODE_DECODE_H

#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

/*
 * Decodes one captured frame of the given link type. pkt is zeroed and
 * filled; ts_us/caplen/wirelen are set from the arguments. Pointers in pkt
 * borrow data. Returns true when an IP header was decoded (pkt->family != 0).
 */
bool yg_decode(int linktype, const uint8_t *data, uint32_t caplen, uint32_t wirelen,
	       uint64_t ts_us, struct yg_packet *pkt);

/* Whether yg_decode knows this link type. */
bool yg_decode_linktype_supported(int linktype);

#endif

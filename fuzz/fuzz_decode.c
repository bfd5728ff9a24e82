/*
 * Fuzzes yg_decode. Input layout:
 *
 *   byte 0   link type, an index into the supported ones (modulo their count)
 *   byte 1   bit 0 set: the capture was cut, wirelen = caplen + byte 1
 *   rest     the captured frame
 *
 * Besides crashes (ASan/UBSan), it checks the packet's invariants: the
 * payload lies inside the frame and L4 fields are only valid with an IP
 * header. Seeds: fuzz/seeds/decode.py writes fuzz/corpus/decode/.
 */
#include <stdint.h>
#include <stdlib.h>

#include "decode/decode.h"

static const int links[] = {
    YG_LINK_ETHERNET, YG_LINK_NULL, YG_LINK_LOOP, YG_LINK_RAW, YG_LINK_DLT_RAW1,
    YG_LINK_DLT_RAW2, YG_LINK_IPV4, YG_LINK_IPV6, YG_LINK_SLL, YG_LINK_SLL2,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2 || size - 2 > UINT32_MAX - 256)
		return 0;
	int link = links[data[0] % (sizeof links / sizeof links[0])];
	uint32_t caplen = (uint32_t)(size - 2);
	uint32_t wirelen = caplen + ((data[1] & 1) ? data[1] : 0);
	struct yg_packet pkt;
	yg_decode(link, caplen ? data + 2 : NULL, caplen, wirelen, 0, &pkt);

	if (pkt.n_anom > YG_PKT_MAX_ANOM || (pkt.l4_ok && pkt.family == 0))
		abort();
	if (pkt.payload &&
	    (pkt.payload < data + 2 || pkt.payload + pkt.payload_len > data + 2 + caplen))
		abort();
	if (!pkt.payload && pkt.payload_len)
		abort();
	return 0;
}

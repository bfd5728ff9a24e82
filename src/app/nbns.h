/*
 * NetBIOS names (RFC 1001 section 14.1, RFC 1002 section 4.1): the name
 * service speaks DNS's wire format on UDP 137, with each 16-octet NetBIOS
 * name "first-level encoded" into 32 letters A..P.
 */
#ifndef YG_APP_NBNS_H
#define YG_APP_NBNS_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Decodes the first label of a name as the DNS parser gave it
 * ("EIFJEEEFEMEMEPCACACACACACACACAAA.workgroup" or without a scope) into
 * out (>= 16 bytes): the 15-character name with its trailing spaces cut.
 * *ret_suffix gets the 16th octet (0x00 workstation, 0x20 file server).
 * False when the label is not 32 letters A..P or the name is not
 * printable.
 */
bool yg_nbns_decode_name(const char *enc, char out[16], unsigned *ret_suffix);

#endif

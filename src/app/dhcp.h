/*
 * DHCP (RFC 2131) messages and the options (RFC 2132) a passive device
 * inventory reads: who the client is and what it says about itself.
 */
#ifndef YG_APP_DHCP_H
#define YG_APP_DHCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define YG_DHCP_STR_MAX 64  /* host name, vendor class: longer ones are cut */
#define YG_DHCP_PRL_MAX 96  /* parameter request list as text "1,3,6,15" */

struct yg_dhcp_msg {
	uint8_t op;            /* 1 BOOTREQUEST, 2 BOOTREPLY */
	uint8_t type;          /* option 53 (1 DISCOVER .. 8 INFORM), 0 if absent */
	uint8_t chaddr[6];     /* client hardware address (htype 1, hlen 6) */
	bool has_chaddr;
	uint8_t ciaddr[4], yiaddr[4];
	uint8_t requested[4];  /* option 50 */
	bool has_requested;
	char hostname[YG_DHCP_STR_MAX + 1];     /* option 12, printable ASCII only */
	char vendor_class[YG_DHCP_STR_MAX + 1]; /* option 60 */
	char fqdn[YG_DHCP_STR_MAX + 1];         /* option 81, ASCII form only */
	char prl[YG_DHCP_PRL_MAX + 1];          /* option 55 */
};

/*
 * Parses a DHCP message (a UDP payload of port 67 or 68). Returns 0, or
 * -EBADMSG with *ret_where naming what was bad ("header", "magic cookie",
 * "option length", ...; ret_where may be NULL). *ret is cleared first.
 */
int yg_dhcp_parse(const uint8_t *p, size_t len, struct yg_dhcp_msg *ret, const char **ret_where);

#endif

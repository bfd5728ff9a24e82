/*
 * DHCP, RFC 2131 section 2, with the options of RFC 2132 (and 81 of
 * RFC 4702).
 *
 *    0                   1                   2                   3
 *   +---------------+---------------+---------------+---------------+
 *   |     op (1)    |   htype (1)   |   hlen (1)    |   hops (1)    |
 *   +---------------+---------------+---------------+---------------+
 *   |                            xid (4)                            |
 *   +-------------------------------+-------------------------------+
 *   |           secs (2)            |           flags (2)           |
 *   +-------------------------------+-------------------------------+
 *   |  ciaddr (4)  |  yiaddr (4)  |  siaddr (4)  |  giaddr (4)      |
 *   +---------------------------------------------------------------+
 *   |                          chaddr (16)                          |
 *   |                          sname  (64)                          |
 *   |                          file   (128)                         |
 *   +---------------------------------------------------------------+
 *   |  magic cookie 99.130.83.99    |  options: code, len, value... |
 *   +---------------------------------------------------------------+
 *
 * Options are code (1), length (1), value; 0 is padding and 255 ends
 * them. Option overload (52) into sname/file is not followed: the options
 * a client describes itself with come in the options field. Strings are
 * kept as printable ASCII, cut at YG_DHCP_STR_MAX.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "app/dhcp.h"
#include "common/cursor.h"

#define DHCP_FIXED 236
#define DHCP_MAGIC 0x63825363u

static void copy_text(char *dst, size_t cap, const uint8_t *v, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n && k + 1 < cap; i++)
		if (v[i] >= 0x20 && v[i] < 0x7f)
			dst[k++] = (char)v[i];
	dst[k] = 0;
}

static void prl_text(char *dst, size_t cap, const uint8_t *v, size_t n)
{
	size_t k = 0;
	dst[0] = 0;
	for (size_t i = 0; i < n; i++) {
		char num[5];
		int m = snprintf(num, sizeof num, "%s%u", i ? "," : "", v[i]);
		if (m < 0 || k + (size_t)m + 1 > cap)
			break;
		memcpy(dst + k, num, (size_t)m + 1);
		k += (size_t)m;
	}
}

int yg_dhcp_parse(const uint8_t *p, size_t len, struct yg_dhcp_msg *ret, const char **ret_where)
{
	memset(ret, 0, sizeof *ret);
	const char *where = NULL;
	struct yg_cur c;
	yg_cur_init(&c, p, len);
	const uint8_t *fixed;
	uint32_t magic;
	if (!yg_cur_bytes(&c, DHCP_FIXED, &fixed)) {
		where = "header";
		goto bad;
	}
	if (fixed[0] != 1 && fixed[0] != 2) {
		where = "op";
		goto bad;
	}
	if (!yg_cur_be32(&c, &magic) || magic != DHCP_MAGIC) {
		where = "magic cookie";
		goto bad;
	}
	ret->op = fixed[0];
	memcpy(ret->ciaddr, fixed + 12, 4);
	memcpy(ret->yiaddr, fixed + 16, 4);
	if (fixed[1] == 1 && fixed[2] == 6) {
		memcpy(ret->chaddr, fixed + 28, 6);
		ret->has_chaddr = true;
	}
	for (;;) {
		uint8_t code, olen;
		const uint8_t *v;
		if (!yg_cur_u8(&c, &code))
			break; /* no end option: tolerated, as clients omit it */
		if (code == 255)
			break;
		if (code == 0)
			continue;
		if (!yg_cur_u8(&c, &olen) || !yg_cur_bytes(&c, olen, &v)) {
			where = "option length";
			goto bad;
		}
		switch (code) {
		case 12:
			copy_text(ret->hostname, sizeof ret->hostname, v, olen);
			break;
		case 50:
			if (olen == 4) {
				memcpy(ret->requested, v, 4);
				ret->has_requested = true;
			}
			break;
		case 53:
			if (olen == 1)
				ret->type = v[0];
			break;
		case 55:
			prl_text(ret->prl, sizeof ret->prl, v, olen);
			break;
		case 60:
			copy_text(ret->vendor_class, sizeof ret->vendor_class, v, olen);
			break;
		case 81:
			/* flags, rcode1, rcode2, then the name; the E flag (4) marks
			 * the canonical wire form, not kept here. */
			if (olen > 3 && !(v[0] & 4))
				copy_text(ret->fqdn, sizeof ret->fqdn, v + 3, olen - 3u);
			break;
		default:
			break;
		}
	}
	return 0;
bad:
	if (ret_where)
		*ret_where = where;
	return -EBADMSG;
}

/*
 * The certificate-binding import (src/hub/client_cert.c): any bytes give
 * either one certificate's fingerprint, subject and dates, or a reason;
 * the same bytes read twice give the same fingerprint. The input, as a
 * string, is also a fingerprint an admin pasted (cert revoke).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hub/client_cert.h"
#include "store/store_certs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct yg_cert_info a, b;
	char why[200] = "";
	int r = yg_cert_pem_read((const char *)data, size, &a, why, sizeof why);
	if (r < 0) {
		if (!why[0] || (r != -EINVAL && r != -E2BIG && r != -ENOMEM))
			abort();
	} else {
		char hex[YG_CERT_FP_HEX + 1];
		yg_cert_fp_hex(a.fp, hex);
		if (strcmp(hex, a.fp_hex) || !yg_cert_fp_text_ok(a.fp_hex, YG_CERT_FP_HEX) ||
		    strlen(a.subject) > YG_CERT_SUBJECT_MAX)
			abort();
		if (yg_cert_pem_read((const char *)data, size, &b, why, sizeof why) < 0 ||
		    memcmp(a.fp, b.fp, sizeof a.fp))
			abort();
	}
	if (size <= 256) {
		char s[257], fp[YG_CERT_FP_HEX + 1];
		memcpy(s, data, size);
		s[size] = '\0';
		if (yg_cert_fp_normalize(s, fp, sizeof fp) == 0 && !yg_cert_fp_text_ok(fp, 1))
			abort();
	}
	return 0;
}

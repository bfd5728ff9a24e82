/*
 * Fuzzes yg_tls_client_hello_parse with the input as a client's first
 * stream bytes. Besides crashes it checks the incremental contract: when
 * the whole input parses, every prefix tried is -EAGAIN (with a need
 * beyond the prefix and within the input) or the same hello; fingerprint
 * strings have their fixed shapes. Seeds: fuzz/seeds/app.py writes
 * fuzz/corpus/tls/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app/tls.h"

static struct yg_tls_client_hello h, h2;

static void check(const struct yg_tls_client_hello *x)
{
	if (strlen(x->ja3_hash) != 32 || strlen(x->ja4) != 36 || x->ja4[10] != '_' ||
	    x->ja4[23] != '_' || !memchr(x->sni, 0, sizeof x->sni) ||
	    !memchr(x->ja3, 0, sizeof x->ja3) || x->n_alpn > YG_TLS_ALPN_MAX)
		abort();
	for (unsigned i = 0; i < x->n_alpn; i++)
		if (!memchr(x->alpn[i], 0, sizeof x->alpn[i]))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t need = 0;
	int r = yg_tls_client_hello_parse(data, size, &h, &need);
	if (r == -EAGAIN) {
		if (need <= size)
			abort();
		return 0;
	}
	if (r != 0)
		return 0;
	check(&h);
	size_t cuts[3] = {size - 1, size / 2, size ? data[size - 1] % size : 0};
	for (int i = 0; i < 3; i++) {
		need = 0;
		int k = yg_tls_client_hello_parse(data, cuts[i], &h2, &need);
		if (k == -EAGAIN) {
			if (need <= cuts[i] || need > size)
				abort();
		} else if (k != 0 || strcmp(h.ja4, h2.ja4) || strcmp(h.ja3_hash, h2.ja3_hash) ||
		           strcmp(h.sni, h2.sni)) {
			abort();
		}
	}
	return 0;
}

#include "common/hash.h"

#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static inline uint64_t mulfold(uint64_t a, uint64_t b)
{
	__uint128_t r = (__uint128_t)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

/* A multiply-fold hash in the style of wyhash: 8 bytes a step, good
 * avalanche from the 128-bit product, no table lookups. */
uint64_t yg_hash64(const void *data, size_t len, uint64_t seed)
{
	const uint8_t *p = data;
	const uint64_t k0 = 0xa0761d6478bd642fULL, k1 = 0xe7037ed1a0b428dbULL;
	uint64_t h = seed ^ k0 ^ (len * k1);
	while (len >= 16) {
		h = mulfold(load64(p) ^ k1, load64(p + 8) ^ h);
		p += 16;
		len -= 16;
	}
	uint64_t a = 0, b = 0;
	if (len >= 8) {
		a = load64(p);
		b = load64(p + len - 8);
	} else if (len >= 4) {
		uint32_t x, y;
		memcpy(&x, p, 4);
		memcpy(&y, p + len - 4, 4);
		a = x;
		b = y;
	} else if (len > 0) {
		a = ((uint64_t)p[0] << 16) | ((uint64_t)p[len >> 1] << 8) | p[len - 1];
	}
	return mulfold(a ^ k1 ^ h, b ^ k0) ^ h;
}

uint64_t yg_hash_random_seed(void)
{
	uint64_t s;
	if (getrandom(&s, sizeof s, GRND_NONBLOCK) == (ssize_t)sizeof s)
		return s;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return yg_hash_mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid());
}

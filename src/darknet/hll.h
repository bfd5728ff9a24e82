/*
 * HyperLogLog distinct counting (Flajolet, Fusy, Gandouet, Meunier 2007)
 * over 2^p one-byte registers, with linear counting for small cardinalities
 * (Heule, Nunkesser, Hall 2013, section 4). With 64-bit hashes no
 * large-range correction is needed.
 *
 * Standard error 1.04 / sqrt(2^p): p = 6 (64 bytes) 13 %, p = 7 (128
 * bytes) 9.2 %, p = 8 (256 bytes) 6.5 %. Below about 2.5 * 2^p distinct items linear counting
 * applies and the error is a few percent at most; counts under ~10 are
 * almost always exact.
 */
#ifndef YG_DARKNET_HLL_H
#define YG_DARKNET_HLL_H

#include <stdint.h>

/* Adds an item by its 64-bit hash (a well-mixed one: yg_hash_mix64). */
static inline void yg_hll_add(uint8_t *reg, unsigned p, uint64_t h)
{
	unsigned idx = (unsigned)(h >> (64 - p));
	uint64_t w = (h << p) | ((uint64_t)1 << (p - 1)); /* caps the rank at 64 - p + 1 */
	uint8_t rank = (uint8_t)(__builtin_clzll(w) + 1);
	if (rank > reg[idx])
		reg[idx] = rank;
}

/* The estimated number of distinct items added. */
uint64_t yg_hll_count(const uint8_t *reg, unsigned p);

/*
 * The same over 4-bit registers, two to a byte (2^(p-1) bytes): ranks are
 * capped at 15, which a register reaches with odds 2^-15 per item, so the
 * estimate is that of the 8-bit form up to about 2^15 * 2^p / 4 distinct
 * items (p = 6: 500,000) and saturates past about 2^15 * 2^p.
 */
static inline void yg_hll4_set(uint8_t *reg, unsigned idx, unsigned rank)
{
	unsigned sh = (idx & 1) * 4;
	rank = rank > 15 ? 15 : rank;
	if (rank > ((reg[idx >> 1] >> sh) & 15u))
		reg[idx >> 1] = (uint8_t)((reg[idx >> 1] & ~(15u << sh)) | rank << sh);
}

uint64_t yg_hll4_count(const uint8_t *reg, unsigned p);

#endif

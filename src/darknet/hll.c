#include "darknet/hll.h"

#include <math.h>

/* 2^-r for every rank a register can hold (at most 64 - p + 1): counting
 * runs once per source per window, ldexp there cost a tenth of the path. */
static double pow2neg(unsigned r)
{
	static double t[66];
	if (t[0] == 0)
		for (unsigned i = 0; i < 66; i++)
			t[i] = ldexp(1.0, -(int)i);
	return t[r < 66 ? r : 65];
}

/* Ranks up to this are summed as integers: sum(2^(EXACT_RANK - r)) over at
 * most 2^8 registers (p <= 8) stays below 2^(EXACT_RANK + 8) <= 2^53, so the sum
 * converts to a double exactly, and every partial sum of the double loop
 * below is exact too: both give the same bits. */
#define EXACT_RANK 45

uint64_t yg_hll_count(const uint8_t *reg, unsigned p)
{
	unsigned m = 1u << p, zeros = 0, top = 0;
	double sum = 0;
	/* Window close counts every source's registers: one integer pass
	 * (independent adds, no double add chain) instead of m dependent
	 * double adds, whenever no register is above EXACT_RANK (a rank
	 * above 45 has odds of 2^-45 per item). */
	uint64_t isum = 0;
	for (unsigned i = 0; i < m; i++) {
		unsigned r = reg[i];
		top = r > top ? r : top;
		zeros += !r;
		isum += r <= EXACT_RANK ? (uint64_t)1 << (EXACT_RANK - r) : 0;
	}
	if (top <= EXACT_RANK && p <= 8) {
		sum = ldexp((double)isum, -EXACT_RANK);
	} else {
		zeros = 0;
		for (unsigned i = 0; i < m; i++) {
			sum += pow2neg(reg[i]);
			if (!reg[i])
				zeros++;
		}
	}
	double alpha = m == 16 ? 0.673 : m == 32 ? 0.697 : m == 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
	double e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros)
		e = m * log((double)m / zeros);
	return (uint64_t)(e + 0.5);
}

uint64_t yg_hll4_count(const uint8_t *reg, unsigned p)
{
	uint8_t r[256];
	unsigned m = 1u << (p > 8 ? 8 : p);
	for (unsigned i = 0; i < m; i++)
		r[i] = (uint8_t)((reg[i >> 1] >> ((i & 1) * 4)) & 15u);
	return yg_hll_count(r, p > 8 ? 8 : p);
}

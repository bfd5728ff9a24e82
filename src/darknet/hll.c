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

uint64_t yg_hll_count(const uint8_t *reg, unsigned p)
{
	unsigned m = 1u << p, zeros = 0;
	double sum = 0;
	for (unsigned i = 0; i < m; i++) {
		sum += pow2neg(reg[i]);
		if (!reg[i])
			zeros++;
	}
	double alpha = m == 16 ? 0.673 : m == 32 ? 0.697 : m == 64 ? 0.709 : 0.7213 / (1 + 1.079 / m);
	double e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros)
		e = m * log((double)m / zeros);
	return (uint64_t)(e + 0.5);
}

/*
 * Fast non-cryptographic hashing for in-memory tables (flows, indicator
 * sets). Seeded so that outside input cannot be crafted against a fixed
 * seed chosen at build time; callers pick the seed (random at startup).
 */
#ifndef YG_COMMON_HASH_H
#define YG_COMMON_HASH_H

#include <stddef.h>
#include <stdint.h>

/* 64-bit hash of len bytes. */
uint64_t yg_hash64(const void *data, size_t len, uint64_t seed);

/* Final avalanche mix of a 64-bit value. */
static inline uint64_t yg_hash_mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

/* A random seed from the OS (getrandom); falls back to time and pid. */
uint64_t yg_hash_random_seed(void);

#endif

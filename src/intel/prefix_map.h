/*
 * A map from network prefixes (IPv4 and IPv6 CIDRs) to 32-bit values,
 * answering the value of the most specific prefix holding an address.
 *
 * Built once from a list and then read-only (any number of threads may
 * look up at once). It is the indicator sets' longest-prefix match
 * (lpm.c) behind a small public face, so owners of address space (the
 * hub's host owners, issue 14) and indicator ranges share one tested
 * implementation instead of two.
 */
#ifndef YG_INTEL_PREFIX_MAP_H
#define YG_INTEL_PREFIX_MAP_H

#include <stddef.h>
#include <stdint.h>

#define YG_PMAP_MAX (4u << 20) /* prefixes in one map */

struct yg_pmap_entry {
	uint8_t family; /* 4 or 6 */
	uint8_t addr[16]; /* network bytes; IPv4 in the first 4 */
	uint8_t len;      /* prefix length: 0..32 or 0..128 */
	uint32_t value;   /* anything but UINT32_MAX */
};

struct yg_pmap;

/*
 * Builds a map from e[0..n) (copied; host bits beyond len are ignored).
 * When two entries name the same prefix, the later one wins. -EINVAL for
 * a bad family, length or value, -E2BIG past YG_PMAP_MAX, -ENOMEM.
 * Caller frees with yg_pmap_free.
 */
int yg_pmap_build(const struct yg_pmap_entry *e, size_t n, struct yg_pmap **ret);
void yg_pmap_free(struct yg_pmap *m);

/* The value of the most specific prefix holding addr (family 4: the
 * first 4 bytes), and that prefix's length; -ENOENT when none does. */
int yg_pmap_lookup(const struct yg_pmap *m, uint8_t family, const uint8_t addr[16],
		   uint32_t *ret_value, uint8_t *ret_len);

#endif

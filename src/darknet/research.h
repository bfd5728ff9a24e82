/*
 * Known research scanners (Shodan, Censys, university projects): a list
 * file of "CIDR name" lines, '#' comments and blank lines ignored. Their
 * sources are tagged "research" with the name, whatever their packets
 * look like.
 *
 * Why not the intel loader: an indicator list has no name per network,
 * and the name is the point here. The file is small (hundreds of
 * networks); lookups happen once per new source, not per packet.
 */
#ifndef YG_DARKNET_RESEARCH_H
#define YG_DARKNET_RESEARCH_H

#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

#define YG_DN_RESEARCH_MAX   100000 /* networks in one file */
#define YG_DN_RESEARCH_NAME  48     /* bytes of a name kept, NUL included */

struct yg_dn_research;

/*
 * Parses "a.b.c.d/len" or "x::/len" (a bare address is a /32 or /128) of
 * n bytes. Host bits set are an error (they usually mean a typo).
 * Returns 0 or -EINVAL.
 */
int yg_dn_cidr_parse(const char *s, size_t n, uint8_t *ret_family, struct yg_addr *ret_net,
                     uint8_t *ret_plen);

/*
 * Loads a list file. On a bad line returns -EBADMSG with err naming the
 * file, line and what was wrong; -errno when unreadable; -E2BIG past
 * YG_DN_RESEARCH_MAX. Caller frees with yg_dn_research_free.
 */
int yg_dn_research_load(const char *path, struct yg_dn_research **ret, char *err, size_t errlen);
/* The same from memory (for tests and the fuzzer); name used in errors. */
int yg_dn_research_parse(const char *data, size_t len, const char *name,
                         struct yg_dn_research **ret, char *err, size_t errlen);
void yg_dn_research_free(struct yg_dn_research *r);
size_t yg_dn_research_count(const struct yg_dn_research *r);

/* The name of the most specific network holding addr, or NULL. */
const char *yg_dn_research_lookup(const struct yg_dn_research *r, uint8_t family,
                                  const struct yg_addr *addr);

#endif

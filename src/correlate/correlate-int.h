/* Private to src/correlate: helpers shared by link.c and view.c. */
#ifndef YG_CORRELATE_CORRELATE_INT_H
#define YG_CORRELATE_CORRELATE_INT_H

#include "correlate/correlate.h"

/* A random "<type>--<uuid4>". */
int yg_corr_new_stix_id(char ret[64], const char *type);

/* Formats 16 bytes as a version-4-shaped UUID id (b is modified). */
void yg_corr_uuid_format(uint8_t b[16], const char *type, char ret[64]);

/* Stores the notification of one organization about a campaign that
 * reached another organization. */
int yg_corr_notify_org(struct yg_store *st, int64_t campaign, int64_t org);

#endif

/*
 * The `dns` object of dns and alert events, in Suricata's layouts.
 *
 * Version 3 (Suricata 8, the default): one event per message, type
 * "request" or "response", the header flags as booleans, queries[],
 * answers[], grouped{} and authorities[]. A response is reported from the
 * responder (src_ip is the server).
 *
 * Version 2 (Suricata 7, --eve-dns-version 2): one "query" event per
 * question with rrname/rrtype at the top, one "answer" event per response
 * with the first question's rrname/rrtype beside answers[] and grouped{};
 * both in the flow's direction (src_ip is the client).
 */
#ifndef YG_SENSOR_EVE_DNS_H
#define YG_SENSOR_EVE_DNS_H

#include "app/dns.h"
#include "output/jsonw.h"

/*
 * Writes "dns":{...} for message m. version is 2 or 3. For a version 2
 * request, query names which question (one event each); otherwise it is
 * ignored.
 */
void yg_eve_dns_object(struct yg_jsonw *j, const struct yg_dns_msg *m, unsigned version,
                       unsigned query);

#endif

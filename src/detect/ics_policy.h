/*
 * A site's ICS policy: which hosts may talk which ICS protocol to which
 * controllers, and which operation classes (app/ics.h) they may use.
 *
 * File format, one rule a line; '#' starts a comment:
 *
 *   # yagura ICS policy
 *   allow CLIENT CONTROLLER PROTO OPS
 *   allow 10.0.1.5    10.0.2.0/24 modbus read,write
 *   allow any         10.0.2.7    dnp3   read
 *
 * CLIENT and CONTROLLER are an IPv4 or IPv6 address, a CIDR prefix or
 * "any"; PROTO is modbus, dnp3, iec104, s7comm or any; OPS is a comma list
 * of read, write, operate, restart, download, stop. An operation is allowed
 * when some rule matching its client, controller and protocol lists it.
 *
 * Limits: lines of at most YG_ICS_POLICY_LINE_MAX bytes, at most
 * YG_ICS_POLICY_RULES_MAX rules. A bad line is an error naming the line
 * and the field; nothing of a bad file is used.
 */
#ifndef YG_DETECT_ICS_POLICY_H
#define YG_DETECT_ICS_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "app/ics.h"

#define YG_ICS_POLICY_LINE_MAX  1024u
#define YG_ICS_POLICY_RULES_MAX 100000u
#define YG_ICS_RULE_TEXT_MAX    160u

struct yg_ics_policy;

/* Parses text[0..len). On error returns -EINVAL (or -ENOMEM) and writes
 * "line N, field F (name): why" into err. Caller frees *ret with
 * yg_ics_policy_free. */
int yg_ics_policy_parse(const char *text, size_t len, struct yg_ics_policy **ret, char *err,
			size_t errlen);

/* Reads and parses the file at path (at most 64 MiB). */
int yg_ics_policy_load(const char *path, struct yg_ics_policy **ret, char *err, size_t errlen);

void yg_ics_policy_free(struct yg_ics_policy *p);

unsigned yg_ics_policy_rules(const struct yg_ics_policy *p);

/* Why an operation was not allowed. */
struct yg_ics_verdict {
	unsigned line;                   /* the rule broken; 0: no rule for the pair */
	char rule[YG_ICS_RULE_TEXT_MAX]; /* "line 3: allow ... modbus read" or the default */
};

/*
 * Whether op of proto from cli to srv (family 4 or 6, addresses in
 * network order, 4 or 16 bytes) is allowed. p NULL applies the defaults
 * of a sensor with no policy: every operation but download and stop.
 * When not allowed, fills *ret.
 */
bool yg_ics_policy_allows(const struct yg_ics_policy *p, uint8_t family, const uint8_t *cli,
			  const uint8_t *srv, enum yg_ics_proto proto, enum yg_ics_op op,
			  struct yg_ics_verdict *ret);

/*
 * Learning a policy from traffic: every (client, controller, protocol)
 * seen with the union of its operation classes. Thread-safe (workers add
 * concurrently). At most YG_ICS_LEARN_MAX pairs; more are counted.
 */
#define YG_ICS_LEARN_MAX 65536u
struct yg_ics_learn;
int yg_ics_learn_new(struct yg_ics_learn **ret); /* caller frees with _free */
void yg_ics_learn_free(struct yg_ics_learn *l);
void yg_ics_learn_add(struct yg_ics_learn *l, uint8_t family, const uint8_t *cli,
		      const uint8_t *srv, enum yg_ics_proto proto, enum yg_ics_op op);
/* Writes the policy, one rule per pair, sorted; returns pairs dropped
 * for the cap. */
uint64_t yg_ics_learn_write(struct yg_ics_learn *l, FILE *out);

#endif

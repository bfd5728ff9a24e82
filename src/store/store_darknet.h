/*
 * The store's telescope half (issue 13): the minute windows telescope
 * sensors post (src/hub/darknet_api.c), aggregated per (protocol, port)
 * per minute and per hour across every sensor, the scanning sources and
 * the backscatter victims they saw, and the surges the hub detected.
 *
 * Reached as st->ops->darknet->fn(st, ...); same threading and error
 * rules as store.h. The store validates nothing of the contract: the hub
 * parses and checks each window (darknet_body.h) first.
 *
 * Idempotence: a window is (organization, sensor, minute). The first post
 * of it is counted; a later post of the same window is a duplicate and
 * changes nothing (window_put answers 1): a sensor's spool re-sends a
 * window it is not sure arrived, never a corrected one.
 *
 * Aggregates across sensors: packets and new_sources are sums; sources is
 * the sum of each sensor's distinct sources, an upper bound of the
 * distinct sources across sensors (one source scanning two telescopes
 * counts twice). Sources and victims are keyed by address (and, for a
 * victim, protocol and port) across every sensor and organization.
 *
 * Bounds (yg_dn_sweep, run by the hub once per hour of data): minute rows
 * are kept minute_days, hour rows hour_days; windows, sources, victims and
 * surges last seen more than minute_days ago go; sources and victims are
 * capped at YG_DN_ROWS_MAX rows each, the fewest packets dropped first.
 */
#ifndef YG_STORE_STORE_DARKNET_H
#define YG_STORE_STORE_DARKNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define YG_DN_SENSOR_MAX   64
#define YG_DN_PORTS_MAX    140000 /* (proto, port) entries in one window */
#define YG_DN_SOURCES_MAX  1000
#define YG_DN_VICTIMS_MAX  1000
#define YG_DN_SRC_PORTS    10
#define YG_DN_RESEARCH_MAX 64
#define YG_DN_IP_MAX       46 /* INET6_ADDRSTRLEN */
#define YG_DN_ROWS_MAX     100000

/* IANA protocol numbers. */
enum yg_dn_proto { YG_DN_ICMP = 1, YG_DN_TCP = 6, YG_DN_UDP = 17 };

struct yg_dn_port {
	uint8_t proto;
	uint16_t port;
	int64_t packets, sources, new_sources;
};

struct yg_dn_source {
	char ip[YG_DN_IP_MAX];  /* canonical text (inet_ntop) */
	char cls[16];           /* scan-tcp, scan-udp, scan-icmp, backscatter, other */
	char fingerprint[16];   /* mirai, zmap, masscan, research, unknown */
	char research_name[YG_DN_RESEARCH_MAX + 1]; /* "" when none */
	int64_t packets, bytes, dest_count;
	uint16_t ports[YG_DN_SRC_PORTS];
	size_t n_ports;
	char country[3]; /* "" when unknown */
	int64_t asn;     /* -1 when unknown */
	/* Filled by the store on reads: */
	int64_t first_minute, last_minute, windows;
};

struct yg_dn_victim {
	char ip[YG_DN_IP_MAX];
	uint8_t proto;
	int32_t port; /* -1 when unknown */
	int64_t packets;
	double est_pps; /* on reads: the largest estimate seen */
	int64_t first_minute, last_minute, windows; /* on reads */
};

/* One parsed window; minute = window_start in minutes since the epoch. */
struct yg_dn_window {
	char sensor[YG_DN_SENSOR_MAX + 1];
	int64_t telescope_addresses;
	int64_t minute;
	struct yg_dn_port *ports;
	size_t n_ports;
	struct yg_dn_source *sources;
	size_t n_sources;
	struct yg_dn_victim *victims;
	size_t n_victims;
};

/* One minute or one hour of one port's aggregate. */
struct yg_dn_point {
	int64_t t; /* minute or hour since the epoch */
	int64_t packets, sources, new_sources;
};

/* A surge episode of one port: opened at since_minute, extended while
 * later minutes surge too. */
struct yg_dn_surge {
	int64_t id; /* 0 = not stored yet */
	uint8_t proto;
	uint16_t port;
	int64_t since_minute, last_minute;
	double score, peak_score, expected;
	int64_t observed;
	double new_score, expected_new;
	int64_t new_sources;
	bool seasonal;
	char kind[16];       /* "packets", "new_sources" or "both" */
	char report_id[64];  /* the STIX report published for it, "" none */
};

/* A sensor's window as the hub recorded it (GET /api/v1/darknet/sensors). */
struct yg_dn_window_row {
	int64_t org_id;
	char org_name[YG_STORE_NAME_MAX + 1];
	char sensor[YG_DN_SENSOR_MAX + 1];
	int64_t minute, telescope_addresses, packets, ports, sources, victims, received_us;
};

struct yg_store_darknet_ops {
	/* Stores w for org inside the caller's transaction: 0 when counted, 1
	 * when the window was stored before (nothing changed). */
	int (*window_put)(struct yg_store *st, int64_t org_id, const struct yg_dn_window *w);
	/* The minute's aggregate ports, the most packets (by_new: the most new
	 * sources) first, at most limit. */
	int (*minute_top)(struct yg_store *st, int64_t minute, bool by_new, size_t limit,
			  int (*fn)(void *ud, const struct yg_dn_port *p), void *ud);
	/* One port's minutes in [from, to): every minute any sensor reported,
	 * with zeros where the port had no traffic (covered_only), or only the
	 * minutes with a row. Ascending. */
	int (*minutes)(struct yg_store *st, uint8_t proto, uint16_t port, int64_t from, int64_t to,
		       bool covered_only, int (*fn)(void *ud, const struct yg_dn_point *p), void *ud);
	/* One port's hours in [from, to) that have a row. Ascending. */
	int (*hours)(struct yg_store *st, uint8_t proto, uint16_t port, int64_t from, int64_t to,
		     int (*fn)(void *ud, const struct yg_dn_point *p), void *ud);
	/* The open episode of a port (last_minute >= min_last), -ENOENT when none. */
	int (*surge_open)(struct yg_store *st, uint8_t proto, uint16_t port, int64_t min_last,
			  struct yg_dn_surge *ret);
	/* Inserts (s->id 0; *ret_id gets the id) or updates s. */
	int (*surge_put)(struct yg_store *st, const struct yg_dn_surge *s, int64_t *ret_id);
	/* Episodes with last_minute >= min_last, newest first, at most limit. */
	int (*surge_list)(struct yg_store *st, int64_t min_last, size_t limit,
			  int (*fn)(void *ud, const struct yg_dn_surge *s), void *ud);
	/* The ports with an open surge (last_minute >= min_last). */
	int (*surge_ports)(struct yg_store *st, int64_t min_last,
			   int (*fn)(void *ud, uint8_t proto, uint16_t port), void *ud);
	/* Sources by packets, at most limit; port >= 0: only sources whose top
	 * ports hold it and last seen at or after min_last. */
	int (*sources_top)(struct yg_store *st, int32_t port, int64_t min_last, size_t limit,
			   int (*fn)(void *ud, const struct yg_dn_source *s), void *ud);
	int (*victims_top)(struct yg_store *st, size_t limit,
			   int (*fn)(void *ud, const struct yg_dn_victim *v), void *ud);
	/* Windows newest first; org 0 = every organization. */
	int (*windows)(struct yg_store *st, int64_t org, size_t limit,
		       int (*fn)(void *ud, const struct yg_dn_window_row *w), void *ud);
	/* The newest window minute stored; -ENOENT when none. */
	int (*last_minute)(struct yg_store *st, int64_t *ret);
	/* Applies the retention (see the top) relative to now_minute. */
	int (*sweep)(struct yg_store *st, int64_t now_minute, unsigned minute_days,
		     unsigned hour_days);
};

#endif

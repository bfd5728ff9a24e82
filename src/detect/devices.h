/*
 * Passive device inventory: a record per device seen on the network,
 * built from traffic alone.
 *
 * A device is keyed by its MAC address when the packet had one on the
 * same link (pkt->has_mac), else by its address. An address is taken as
 * the device's only when it is local: RFC 1918, link-local, ULA, inside
 * the home networks (obs->home), or a global IPv6 address whose interface
 * id is the MAC's EUI-64 (SLAAC) or that shares a /64 with an IPv6
 * address the device already has (privacy addresses, RFC 8981). Anything
 * else with a MAC is a router forwarding for the internet and teaches
 * nothing about the router.
 *
 * What is kept: up to YG_DEV_MAX_V4 IPv4 and YG_DEV_MAX_V6 IPv6
 * addresses, the MAC vendor (IEEE OUI), a host name and where it came
 * from (DHCP, mDNS, NetBIOS, DNS PTR), an OS guess, the DHCP parameter
 * request list, the first user agents, JA4 fingerprints and mDNS service
 * types, the ports it served. The class (devices_class.c) is recomputed
 * from that evidence on every change. The table also learns which class
 * each JA4 belongs to from devices classed on other evidence (bounded by
 * YG_DEV_JA4_LEARNED; a JA4 seen with two classes teaches nothing), and
 * passes that on as a weak clue to devices with the same JA4.
 *
 * Bounds: all records together stay within memcap; the least recently
 * seen device goes first, and every eviction is counted.
 * Thread safety: one mutex; workers call only on flow starts and
 * app-layer records, not per packet.
 */
#ifndef YG_DETECT_DEVICES_H
#define YG_DETECT_DEVICES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode/packet.h"

enum yg_device_class {
	YG_DEV_UNKNOWN = 0,
	YG_DEV_SMARTPHONE,
	YG_DEV_PRINTER,
	YG_DEV_CONTROLLER,
	YG_DEV_CAMERA,
	YG_DEV_SERVER,
	YG_DEV_WORKSTATION,
	YG_DEV__COUNT
};

/* "unknown", "smartphone", "printer/MFP", "controller/PLC", "camera",
 * "server", "workstation". */
const char *yg_device_class_name(unsigned c);
/* The class of a name above (also "printer", "controller", "plc"); -1 if none. */
int yg_device_class_parse(const char *name);

#define YG_DEV_MAX_V4   4
#define YG_DEV_MAX_V6   8
#define YG_DEV_MAX_STR  4   /* user agents, JA4s, mDNS services kept */
#define YG_DEV_MAX_PORTS 8  /* served ports kept */
#define YG_DEV_STR      128
#define YG_DEV_PRL      100 /* DHCP option 55 as text, "1,3,6,15" */
#define YG_DEV_JA4_LEARNED 64 /* JA4 fingerprints whose class the table has learned */
#define YG_DEV_MEMCAP_MIN (64u << 10)

enum yg_device_name_src { YG_DEV_NAME_NONE, YG_DEV_NAME_DNS_PTR, YG_DEV_NAME_NETBIOS,
			  YG_DEV_NAME_MDNS, YG_DEV_NAME_DHCP };

/* A flow of a device with the internet, as an alert names it. */
struct yg_device_contact {
	uint64_t ts_us, flow_id;
	uint8_t family, proto;
	bool toserver;               /* the packet went client to server */
	uint16_t sport, dport;
	struct yg_addr src, dst;
};

#define YG_DEV_MAX_PENDING 4 /* internet contacts kept while the class is not known */

/* One observation of a device; every field but the key is optional. */
struct yg_device_obs {
	uint64_t ts_us;
	const uint8_t *mac;          /* 6 octets; NULL: keyed by addr */
	uint8_t family;              /* 4 or 6; 0: no address (DHCP before a lease) */
	const struct yg_addr *addr;
	bool home;                   /* addr is inside the home networks */
	bool ics;                    /* addr is inside an ICS network (--ics-net) */
	const char *hostname;
	enum yg_device_name_src hostname_src;
	const char *dhcp_vendor;     /* DHCP option 60 */
	const char *dhcp_prl;        /* DHCP option 55 as "1,3,6" */
	const char *user_agent;
	const char *ja4;
	const char *mdns_service;    /* "_ipp._tcp.local" */
	uint16_t served_port;        /* the device answered on this port */
	uint8_t served_proto;        /* 6 or 17 */
	/* The other end of the flow is on the internet (neither local nor
	 * home): for the "printer or controller talks to the internet" alert. */
	bool peer_internet;
	const struct yg_addr *peer;
	uint8_t peer_family;
	const struct yg_device_contact *contact; /* the flow, for the alert */
};

/* What yg_devices_observe asks the caller to write. A record learns at
 * most a bounded number of things (addresses, names, strings, ports are
 * capped), so updates are bounded per device too. */
#define YG_DEV_EV_NEW      0x01 /* first seen: a device event */
#define YG_DEV_EV_CLASS    0x02 /* class changed: a device event */
#define YG_DEV_EV_INTERNET 0x04 /* a printer/controller talks to the internet: alert */
#define YG_DEV_EV_ICS      0x08 /* a class new to the ICS network: alert */
#define YG_DEV_EV_UPDATE   0x10 /* the record learned something: a device event */

/* A copy of one record for an event (strings NUL-terminated). */
struct yg_device_view {
	char id[48];                 /* "mac:00:11:22:33:44:55" or "ip:10.0.0.5" */
	uint32_t version;            /* counts the record's events: the highest is the latest */
	bool has_mac;
	uint8_t mac[6];
	const char *vendor;          /* static (OUI table) or NULL */
	uint8_t cls, prev_cls;
	char hostname[YG_DEV_STR];
	uint8_t hostname_src;
	char os[48];
	char prl[YG_DEV_PRL];        /* DHCP parameter request list (option 55) */
	uint8_t n_v4, n_v6;
	uint8_t v4[YG_DEV_MAX_V4][4];
	uint8_t v6[YG_DEV_MAX_V6][16];
	uint8_t n_ua, n_ja4, n_mdns, n_ports;
	char ua[YG_DEV_MAX_STR][YG_DEV_STR];
	char ja4[YG_DEV_MAX_STR][40];
	char mdns[YG_DEV_MAX_STR][64];
	/* Per ja4[i]: the class of other devices seen with that JA4 (the
	 * same TLS stack, so likely the same firmware), or unknown. Filled
	 * by the table before each classification. */
	uint8_t ja4_cls[YG_DEV_MAX_STR];
	uint16_t ports[YG_DEV_MAX_PORTS]; /* served ports, TCP and UDP */
	char evidence[96];           /* why the class: "port 9100", "mdns _ipp._tcp", ... */
	uint64_t first_us, last_us;
	bool ics;
	/* With YG_DEV_EV_INTERNET: the contacts to alert on. The
	 * observation's own, and those made before the device's class was
	 * known (workers see flows in no common order: the flow that tells
	 * a printer may be read after its first flow to the internet). */
	uint8_t n_contacts;
	struct yg_device_contact contacts[YG_DEV_MAX_PENDING + 1];
};

struct yg_devices_config {
	size_t memcap;       /* 0 = 16 MiB; >= YG_DEV_MEMCAP_MIN */
	/* Classes expected on an ICS network (bit per enum yg_device_class);
	 * 0 = controller, workstation, server and unknown. */
	unsigned ics_allowed;
};

struct yg_devices_stats {
	uint64_t devices;        /* held now */
	uint64_t created;
	uint64_t evicted;
	uint64_t no_memory;
	uint64_t observations;
	uint64_t ignored;        /* an address that was not the device's own */
};

struct yg_devices;

/* Caller frees with yg_devices_free. */
int yg_devices_new(const struct yg_devices_config *cfg, struct yg_devices **ret);
void yg_devices_free(struct yg_devices *d);

/*
 * Records o. Returns a mask of YG_DEV_EV_* and, when it is not 0, fills
 * *ret with the device's record as it now is (ret may be NULL). 0 when
 * the observation taught nothing to report, or was not about a local
 * device, or found no memory (counted).
 */
unsigned yg_devices_observe(struct yg_devices *d, const struct yg_device_obs *o,
			    struct yg_device_view *ret);

void yg_devices_stats(struct yg_devices *d, struct yg_devices_stats *ret);

/* Whether an address is local by itself: RFC 1918, loopback, link-local,
 * CGNAT 100.64/10, ULA, multicast or broadcast. */
bool yg_devices_addr_local(uint8_t family, const struct yg_addr *a);

/* devices_class.c: the class the evidence in v points to, with a short
 * reason in v->evidence. *ret_firm (may be NULL) says whether the class
 * rests on more than weak clues (so its JA4s may teach it). */
uint8_t yg_devices_classify(struct yg_device_view *v, bool *ret_firm);

#endif

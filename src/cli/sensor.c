/*
 * yagura sensor: capture -> decode -> flow -> app -> detect -> EVE.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>

#include "cli/commands.h"
#include "darknet/geo.h"
#include "darknet/research.h"
#include "darknet/telescope.h"
#include "decode/decode.h"
#include "detect/beacon.h"
#include "detect/devices.h"
#include "detect/ics_policy.h"
#include "output/pcaplog.h"
#include "sensor/engine.h"
#include "sensor/eve_tls.h"
#include "sensor/homenet.h"
#include "sensor/hub_feed.h"
#include "sensor/intel_live.h"
#include "sensor/sighting_post.h"
#include "sensor/stats_event.h"
#include "cli/sensor_outputs.h"
#include "taxii/client.h"

#define MAX_INTEL 64
#define MAX_DARKNET 16
/* Where scripts/setup.sh puts the free databases (README, "Darknet"). */
#define YG_GEOIP_DIR_DEFAULT "/usr/local/share/yagura/geoip"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: yagura sensor -r FILE.pcap|-i IFACE [--intel PATH]... [options]\n"
		"\n"
		"  -r, --read FILE        read a pcap or pcapng file\n"
		"  -i, --interface IFACE  capture live from an interface\n"
		"      --bpf FILTER       BPF capture filter (tcpdump syntax)\n"
		"      --intel [FMT:]PATH indicator file or folder (repeatable), format\n"
		"                         detected (plain, hosts, netset, adblock, dnsmasq,\n"
		"                         unbound, rpz, csv, suricata-dataset, drop-json,\n"
		"                         stix, misp feed folder) or named: adblock:list.txt\n"
		"      --warninglist PATH values never to be indicators by themselves (repeatable;\n"
		"                         a file is one list, a folder a list per file; shipped:\n"
		"                         data/warninglists): held back from the set and counted\n"
		"      --eve FILE|-|none  EVE JSON output (default: eve.json; - for stdout,\n"
		"                         none for the outputs below only)\n"
		"      --eve-socket [unix_stream:|unix_dgram:]PATH  EVE to a Unix socket too\n"
		"      --eve-syslog FACILITY  EVE to syslog too (RFC 5424; local0..7, daemon, ...)\n"
		"      --eve-syslog-socket PATH  the syslog socket (default /dev/log)\n"
		"      --eve-socket-types LIST, --eve-syslog-types LIST  event types each gets\n"
		"                         (default all: alert, dns, http, tls, flow, stats, ...)\n"
		"      --eve-queue MB     queue of each output (default 16): a reader that\n"
		"                         cannot keep up loses lines (counted), never packets\n"
		"      --eve-file-types LIST  event types the EVE file gets (default all); the\n"
		"                         outputs above keep theirs\n"
		"      --workers N        worker threads, packets spread by flow\n"
		"                         (default: one per CPU it may use, at most 16)\n"
		"      --home-net LIST    your networks, e.g. 10.0.0.0/8,2001:db8::/32\n"
		"                         (default: RFC 1918 and fc00::/7)\n"
		"      --flow-memcap MB   memory for flows and app buffers (default 1024)\n"
		"      --eve-types LIST   event types to write besides alert and stats\n"
		"                         (default dns,http,tls,flow,beacon,darknet,\n"
		"                         darknet_victim,darknet_stats,device,modbus,dnp3,\n"
		"                         iec104,s7comm; also anomaly; 'none'\n"
		"                         for alerts only)\n"
		"      --no-beacon        no beacon detection (on by default: home hosts\n"
		"                         connecting to an outside address or name at regular\n"
		"                         intervals; EVE beacon, with --hub POSTed to\n"
		"                         /api/v1/beacons)\n"
		"      --beacon-memcap MB memory for beacon detection (default 64, at least 1)\n"
		"      --devices          passive device inventory: EVE device events when a\n"
		"                         device is first seen or changes class; alerts when\n"
		"                         a printer or controller talks to the internet\n"
		"      --device-memcap MB memory for the inventory (default 16, at least 1)\n"
		"      --ics-net LIST     ICS networks (implies --devices): a device there of a\n"
		"                         class not in --ics-device-classes alerts\n"
		"      --ics-device-classes LIST  classes expected there (default controller,\n"
		"                         workstation,server,unknown)\n"
		"      --no-flow-log      do not write flow events (same as leaving out flow)\n"
		"      --ics-policy FILE  which hosts may use which ICS operations on which\n"
		"                         controllers (README, ICS); an operation outside it is\n"
		"                         an alert. Without it, program download and controller\n"
		"                         stop alert. Event types modbus, dnp3, iec104, s7comm\n"
		"      --pcap-log DIR     conditional pcap: the packets of every flow that\n"
		"                         alerted, from its first, into a ring of pcap files\n"
		"                         in DIR (yagura.*.pcap); the alert's capture_file\n"
		"                         names the file\n"
		"      --pcap-log-max MB  bound of the ring (default 1024): oldest deleted\n"
		"      --pcap-log-memcap MB  memory for the frames flows keep until they\n"
		"                         alert (default 64; 64 KiB a flow at most)\n"
		"      --eve-tls-custom LIST  the tls event's fields, by Suricata's names\n"
		"                         (default its extended set; certificate, chain,\n"
		"                         client_certificate, client_chain add base64 DER)\n"
		"      --eve-dns-version N  dns layout: 3 (Suricata 8, default) or 2 (Suricata 7)\n"
		"      --community-id-seed N  seed of the Community ID (0..65535, default 0)\n"
		"      --dns-tcp-port N   TCP port whose connections are DNS too, besides 53\n"
		"                         and 5353 (Suricata's dns.tcp.detection-ports)\n"
		"      --hub URL          also take every indicator this member may see from\n"
		"                         the hub (polled each --hub-interval ms, default 1000)\n"
		"      --token T          the member's hub token (or --token-file FILE)\n"
		"      --hub-user NAME --hub-password-file FILE\n"
		"                         HTTP Basic instead of a token (TAXII servers that\n"
		"                         ask for a user name and password)\n"
		"      --hub-cert FILE --hub-key FILE\n"
		"                         a TLS client certificate and its key (PEM), alone\n"
		"                         or besides a token or password\n"
		"      --hub-ca FILE      CA certificate(s) for the hub's TLS certificate\n"
		"      --taxii-collection ID|ALIAS|TITLE  follow only this collection over\n"
		"                         TAXII (repeatable, at most 16)\n"
		"      --hub-feed MODE    how to follow the hub: auto (default: the change feed,\n"
		"                         else TAXII 2.1 added_after polling, else\n"
		"                         /api/v1/indicators), or only changes, taxii or poll;\n"
		"                         nats: the change feed woken by the hub's NATS notices\n"
		"      --nats URL         send sightings, beacon and darknet reports to NATS\n"
		"                         JetStream (yagura.<kind>.<org id>) instead of POSTs\n"
		"      --nats-creds FILE  NATS credentials (.creds, or user=/password=/org= lines)\n"
		"                         With --hub, alerts on the hub's indicators are sent\n"
		"                         back as STIX sightings (no payload, no host address):\n"
		"      --spool DIR        keep undelivered sightings here (fsync'd; replayed,\n"
		"                         oldest first, when the hub is back or at the next run)\n"
		"      --spool-max MB     spool size bound (default 64); beyond it new batches\n"
		"                         are dropped and counted\n"
		"      --sightings-interval MS  flush period (default 5000)\n"
		"      --sightings-batch N      sightings per POST, 1..1000 (default 500)\n"
		"      --share-hosts      also send internal host addresses (else only keyed\n"
		"                         hashes of them)\n"
		"      --host-key FILE    32-byte key for the host hashes (created when absent;\n"
		"                         default DIR/host.key with --spool, else per run)\n"
		"      --sensor-name NAME name given in the sightings\n"
		"      --darknet CIDR[,CIDR...]  telescope prefixes (repeatable, IPv4 and\n"
		"                         IPv6): packets to them are counted per source, port\n"
		"                         and victim in one-minute windows (EVE darknet,\n"
		"                         darknet_victim, darknet_stats; with --hub also\n"
		"                         POSTed to /api/v1/darknet), not followed as flows\n"
		"      --darknet-research FILE  known research scanners, 'CIDR name' per line\n"
		"      --darknet-memcap MB  telescope memory bound (default 256)\n"
		"      --geoip-dir DIR    MaxMind-format *.mmdb for country and ASN (default\n"
		"                         " YG_GEOIP_DIR_DEFAULT ")\n"
		"  -q, --quiet            no progress line and no summary\n"
		"\n"
		"Indicator files are reloaded on SIGHUP and when they change on disk.\n"
		"SIGHUP also reopens the EVE file (after logrotate renamed it).\n"
		"Exit status: 0 clean run; 1 some input was rejected (damaged capture,\n"
		"bad indicator lines, unreadable paths, output errors); 2 usage or fatal error.\n");
}

static atomic_bool g_stop, g_reload, g_reopen;

/* A beacon report: to the hub through the sightings sender (any worker). */
static void on_beacon(void *ud, const struct yg_beacon_hit *h)
{
	yg_sightings_beacon_add(ud, h);
}

/* A closed telescope window: to the hub through the sightings sender's
 * spool (sighting_post.h). */
static void on_darknet_window(void *ud, const char *json, size_t len)
{
	yg_sightings_darknet_add(ud, json, len);
}

static struct yg_engine *g_engine;

static void on_signal(int sig)
{
	if (sig == SIGHUP) {
		atomic_store(&g_reload, true);
		atomic_store(&g_reopen, true);
		return;
	}
	atomic_store(&g_stop, true);
	if (g_engine)
		yg_engine_stop(g_engine);
}

#define MAX_HELD_ROWS 64
#define MAX_WARNINGLISTS 16

/* Values held back by warning lists, counted per source and list. */
struct held_row {
	char source[256];
	char list[64];
	unsigned long n;
};

struct intel_err_ctx {
	unsigned long printed;
	struct held_row held[MAX_HELD_ROWS];
	unsigned nheld;
	unsigned long held_other; /* beyond the rows */
};

static void on_intel_held(void *ud, const char *source, unsigned long line, const char *value,
			  const char *list)
{
	(void)line;
	(void)value;
	struct intel_err_ctx *c = ud;
	for (unsigned i = 0; i < c->nheld; i++)
		if (strcmp(c->held[i].source, source) == 0 && strcmp(c->held[i].list, list) == 0) {
			c->held[i].n++;
			return;
		}
	if (c->nheld == MAX_HELD_ROWS) {
		c->held_other++;
		return;
	}
	struct held_row *h = &c->held[c->nheld++];
	snprintf(h->source, sizeof h->source, "%s", source);
	snprintf(h->list, sizeof h->list, "%s", list);
	h->n = 1;
}

/* One line per source and list, then the counts start again (a reload
 * reports its own). */
static void print_held(struct intel_err_ctx *c)
{
	for (unsigned i = 0; i < c->nheld; i++)
		fprintf(stderr, "intel: %s: %lu values held back (warning list %s)\n",
			c->held[i].source, c->held[i].n, c->held[i].list);
	if (c->held_other)
		fprintf(stderr, "intel: %lu more values held back\n", c->held_other);
	c->nheld = 0;
	c->held_other = 0;
}

static void on_intel_error(void *ud, const char *source, unsigned long line, const char *msg)
{
	struct intel_err_ctx *c = ud;
	c->printed++;
	if (line)
		fprintf(stderr, "intel: %s:%lu: %s\n", source, line, msg);
	else
		fprintf(stderr, "intel: %s: %s\n", source, msg);
}

struct watcher {
	struct yg_intel_live *live; /* NULL: no indicators to reload */
	struct yg_eve_sink *sink;
	struct intel_err_ctx *ectx;
	pthread_t tid;
	atomic_bool done;
	atomic_ulong reloads;
	atomic_ulong rejected;
};

/* On SIGHUP reopens the EVE file (logrotate renamed it) and reloads the
 * indicator set, which is also reloaded when a file changes. */
static void *watch_main(void *arg)
{
	struct watcher *wt = arg;
	unsigned ticks = 0;
	while (!atomic_load(&wt->done)) {
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
		if (atomic_exchange(&g_reopen, false)) {
			int rr = yg_eve_sink_reopen(wt->sink);
			if (rr < 0)
				fprintf(stderr, "sensor: EVE file not reopened (%s); still writing the old one\n",
					strerror(-rr));
		}
		if (!wt->live)
			continue;
		bool want = atomic_exchange(&g_reload, false);
		if (!want && ++ticks % 10 == 0)
			want = yg_intel_live_changed(wt->live);
		if (!want)
			continue;
		struct yg_intel_load_result res;
		int r = yg_intel_live_reload(wt->live, &res);
		if (r < 0) {
			fprintf(stderr, "intel: reload failed (%s); keeping the previous set\n",
				strerror(-r));
			continue;
		}
		atomic_fetch_add(&wt->reloads, 1);
		atomic_store(&wt->rejected, res.rejected);
		fprintf(stderr, "intel: reloaded %zu indicators (%lu rejected, %lu held back), "
			"generation %llu\n",
			res.indicators, res.rejected, res.held,
			(unsigned long long)yg_intel_live_generation(wt->live));
		print_held(wt->ectx);
	}
	return NULL;
}

static void progress(void *ud, uint64_t pkts, uint64_t bytes, uint64_t pos, uint64_t size)
{
	double *t0 = ud;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	double el = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9 - *t0;
	double pct = size ? 100.0 * (double)pos / (double)size : 0;
	fprintf(stderr, "\r%llu packets  %.1f MB  %5.1f%%  %.2f Mpps   ", (unsigned long long)pkts,
		(double)bytes / 1e6, pct, el > 0 ? (double)pkts / el / 1e6 : 0.0);
}

static void summary(const struct yg_engine_result *res, unsigned workers, const char *eve_path,
		    size_t indicators)
{
	const struct yg_sensor_stats *s = &res->stats;
	uint64_t anom = 0;
	for (unsigned i = 0; i < YG_ANOM__COUNT; i++)
		anom += s->anomalies[i];
	fprintf(stderr,
		"sensor: %llu packets, %llu bytes in %.2f s; %llu flows; "
		"dns %llu, http %llu, tls %llu; %llu alerts from %zu indicators; "
		"%llu anomalies; EVE: %s\n",
		(unsigned long long)s->pkts, (unsigned long long)s->bytes, res->seconds,
		(unsigned long long)s->flows_created, (unsigned long long)s->dns_msgs,
		(unsigned long long)s->http_reqs, (unsigned long long)s->tls_hellos,
		(unsigned long long)s->alerts, indicators, (unsigned long long)anom, eve_path);
	fprintf(stderr,
		"sensor: cpu: %u worker%s; reading thread %.2f s, other workers %.2f s "
		"(busiest %.2f s)\n",
		workers, workers == 1 ? "" : "s", res->reader_cpu_s, res->workers_cpu_s,
		res->worker_cpu_max_s);
	if (s->modbus_msgs || s->dnp3_msgs || s->iec104_apdus || s->s7comm_msgs)
		fprintf(stderr, "sensor: ics: modbus %llu, dnp3 %llu, iec104 %llu, s7comm %llu "
				"messages; %llu policy alerts\n",
			(unsigned long long)s->modbus_msgs, (unsigned long long)s->dnp3_msgs,
			(unsigned long long)s->iec104_apdus, (unsigned long long)s->s7comm_msgs,
			(unsigned long long)s->ics_alerts);
	for (unsigned i = 0; i < YG_ANOM__COUNT; i++)
		if (s->anomalies[i])
			fprintf(stderr, "sensor:   %-40s %llu\n", yg_anomaly_name(i),
				(unsigned long long)s->anomalies[i]);
}

static void on_hub_log(void *ud, const char *msg)
{
	(void)ud;
	fprintf(stderr, "sensor: %s\n", msg);
}

/* The first line of path, without its newline. */
static int read_token(const char *path, char *out, size_t size)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	int r = fgets(out, (int)size, f) ? 0 : -EINVAL;
	fclose(f);
	if (r == 0) {
		out[strcspn(out, "\r\n")] = '\0';
		if (!out[0])
			r = -EINVAL;
	}
	return r;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *ret)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return false;
	*ret = v;
	return true;
}

/* "printer,controller" -> a bit per enum yg_device_class. */
static int parse_device_classes(const char *list, unsigned *ret)
{
	unsigned m = 0;
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char name[32];
		int c = -1;
		if (n && n < sizeof name) {
			memcpy(name, p, n);
			name[n] = 0;
			c = yg_device_class_parse(name);
		}
		if (c < 0) {
			fprintf(stderr, "yagura sensor: --ics-device-classes: unknown class '%.*s'\n",
				(int)(n < 64 ? n : 64), p);
			return -EINVAL;
		}
		m |= 1u << c;
		p += n;
		if (*p == ',')
			p++;
	}
	*ret = m;
	return 0;
}

/* "dns,http" -> which protocol records to write; "none" writes none. */
struct eve_types {
	bool dns, http, tls, flow, anomaly, beacon, device;
	bool darknet, darknet_victim, darknet_stats;
	bool modbus, dnp3, iec104, s7comm;
};

static int parse_types(const char *list, struct eve_types *ret)
{
	bool d = false, h = false, t = false, f = false, an = false, dk = false, dv = false,
	     ds = false, bc = false, dev = false, mb = false, d3 = false, i4 = false, s7 = false;
	const char *p = list;
	while (*p) {
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 3 && !strncmp(p, "dns", 3))
			d = true;
		else if (n == 4 && !strncmp(p, "http", 4))
			h = true;
		else if (n == 3 && !strncmp(p, "tls", 3))
			t = true;
		else if (n == 4 && !strncmp(p, "flow", 4))
			f = true;
		else if (n == 7 && !strncmp(p, "anomaly", 7))
			an = true;
		else if (n == 6 && !strncmp(p, "beacon", 6))
			bc = true;
		else if (n == 6 && !strncmp(p, "device", 6))
			dev = true;
		else if (n == 7 && !strncmp(p, "darknet", 7))
			dk = true;
		else if (n == 14 && !strncmp(p, "darknet_victim", 14))
			dv = true;
		else if (n == 13 && !strncmp(p, "darknet_stats", 13))
			ds = true;
		else if (n == 6 && !strncmp(p, "modbus", 6))
			mb = true;
		else if (n == 4 && !strncmp(p, "dnp3", 4))
			d3 = true;
		else if (n == 6 && !strncmp(p, "iec104", 6))
			i4 = true;
		else if (n == 6 && !strncmp(p, "s7comm", 6))
			s7 = true;
		else if (!(n == 4 && !strncmp(p, "none", 4)) && n)
			return -EINVAL;
		p += n;
		if (*p == ',')
			p++;
	}
	ret->dns = d;
	ret->http = h;
	ret->tls = t;
	ret->flow = f;
	ret->anomaly = an;
	ret->beacon = bc;
	ret->device = dev;
	ret->darknet = dk;
	ret->darknet_victim = dv;
	ret->darknet_stats = ds;
	ret->modbus = mb;
	ret->dnp3 = d3;
	ret->iec104 = i4;
	ret->s7comm = s7;
	return 0;
}

int yg_cmd_sensor(int argc, char **argv)
{
	enum { O_INTEL = 256, O_EVE, O_WORKERS, O_HOME, O_BPF, O_MEMCAP, O_NOFLOW, O_TYPES, O_HUB,
	       O_TOKEN, O_TOKEN_FILE, O_HUB_CA, O_HUB_INTERVAL, O_SPOOL, O_SPOOL_MAX, O_SG_INTERVAL,
	       O_SG_BATCH, O_SHARE_HOSTS, O_HOST_KEY, O_SENSOR_NAME, O_HUB_FEED,
	       O_HUB_USER, O_HUB_PASSWORD_FILE, O_HUB_CERT, O_HUB_KEY, O_TAXII_COLL, O_DNS_VERSION,
	       O_CID_SEED, O_DARKNET, O_DARKNET_RESEARCH, O_DARKNET_MEMCAP, O_GEOIP_DIR, O_WARN,
	       O_NO_BEACON, O_BEACON_MEMCAP, O_OUTPUT, O_DEVICES, O_DEVICE_MEMCAP, O_ICS_NET,
	       O_ICS_CLASSES, O_ICS_POLICY, O_NATS, O_NATS_CREDS, O_PCAP_LOG, O_PCAP_LOG_MAX,
	       O_PCAP_LOG_MEMCAP, O_TLS_CUSTOM, O_DNS_TCP_PORT };
	static const struct option opts[] = {
		{"read", required_argument, NULL, 'r'},
		{"interface", required_argument, NULL, 'i'},
		{"intel", required_argument, NULL, O_INTEL},
		{"warninglist", required_argument, NULL, O_WARN},
		{"eve", required_argument, NULL, O_EVE},
		{"workers", required_argument, NULL, O_WORKERS},
		{"home-net", required_argument, NULL, O_HOME},
		{"bpf", required_argument, NULL, O_BPF},
		{"flow-memcap", required_argument, NULL, O_MEMCAP},
		{"no-flow-log", no_argument, NULL, O_NOFLOW},
		{"eve-types", required_argument, NULL, O_TYPES},
		{"eve-dns-version", required_argument, NULL, O_DNS_VERSION},
		{"community-id-seed", required_argument, NULL, O_CID_SEED},
		{"dns-tcp-port", required_argument, NULL, O_DNS_TCP_PORT},
		{"hub", required_argument, NULL, O_HUB},
		{"token", required_argument, NULL, O_TOKEN},
		{"token-file", required_argument, NULL, O_TOKEN_FILE},
		{"hub-ca", required_argument, NULL, O_HUB_CA},
		{"hub-user", required_argument, NULL, O_HUB_USER},
		{"hub-password-file", required_argument, NULL, O_HUB_PASSWORD_FILE},
		{"hub-cert", required_argument, NULL, O_HUB_CERT},
		{"hub-key", required_argument, NULL, O_HUB_KEY},
		{"taxii-collection", required_argument, NULL, O_TAXII_COLL},
		{"hub-interval", required_argument, NULL, O_HUB_INTERVAL},
		{"hub-feed", required_argument, NULL, O_HUB_FEED},
		{"nats", required_argument, NULL, O_NATS},
		{"nats-creds", required_argument, NULL, O_NATS_CREDS},
		{"spool", required_argument, NULL, O_SPOOL},
		{"spool-max", required_argument, NULL, O_SPOOL_MAX},
		{"sightings-interval", required_argument, NULL, O_SG_INTERVAL},
		{"sightings-batch", required_argument, NULL, O_SG_BATCH},
		{"share-hosts", no_argument, NULL, O_SHARE_HOSTS},
		{"host-key", required_argument, NULL, O_HOST_KEY},
		{"sensor-name", required_argument, NULL, O_SENSOR_NAME},
		{"darknet", required_argument, NULL, O_DARKNET},
		{"darknet-research", required_argument, NULL, O_DARKNET_RESEARCH},
		{"darknet-memcap", required_argument, NULL, O_DARKNET_MEMCAP},
		{"geoip-dir", required_argument, NULL, O_GEOIP_DIR},
		{"no-beacon", no_argument, NULL, O_NO_BEACON},
		{"beacon-memcap", required_argument, NULL, O_BEACON_MEMCAP},
		{"eve-socket", required_argument, NULL, O_OUTPUT},
		{"eve-socket-types", required_argument, NULL, O_OUTPUT},
		{"eve-syslog", required_argument, NULL, O_OUTPUT},
		{"eve-syslog-socket", required_argument, NULL, O_OUTPUT},
		{"eve-syslog-types", required_argument, NULL, O_OUTPUT},
		{"eve-queue", required_argument, NULL, O_OUTPUT},
		{"eve-file-types", required_argument, NULL, O_OUTPUT},
		{"devices", no_argument, NULL, O_DEVICES},
		{"device-memcap", required_argument, NULL, O_DEVICE_MEMCAP},
		{"ics-net", required_argument, NULL, O_ICS_NET},
		{"ics-device-classes", required_argument, NULL, O_ICS_CLASSES},
		{"ics-policy", required_argument, NULL, O_ICS_POLICY},
		{"pcap-log", required_argument, NULL, O_PCAP_LOG},
		{"eve-tls-custom", required_argument, NULL, O_TLS_CUSTOM},
		{"pcap-log-max", required_argument, NULL, O_PCAP_LOG_MAX},
		{"pcap-log-memcap", required_argument, NULL, O_PCAP_LOG_MEMCAP},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	const char *rfile = NULL, *iface = NULL, *eve_path = "eve.json", *bpf = NULL;
	const char *intel[MAX_INTEL];
	const char *warnpaths[MAX_WARNINGLISTS];
	unsigned n_warn = 0;
	unsigned n_intel = 0;
	unsigned long workers = 0, memcap_mb = 1024; /* workers 0: one per CPU */
	const char *hub_url = NULL;
	char *hub_ca = NULL;
	char token[256] = "";
	/* Borrowed from argv, token and password (wiped at the end). */
	struct yg_taxii_cred cred = {0};
	char *password = NULL;
	const char *password_file = NULL;
	const char *only[YG_TAXII_ONLY_MAX];
	size_t n_only = 0;
	unsigned long hub_interval = 1000;
	enum yg_hub_feed_mode hub_feed_mode = YG_HUB_FEED_AUTO;
	const char *spool_dir = NULL, *host_key = NULL, *sensor_name = NULL;
	const char *nats_url = NULL, *nats_creds = NULL;
	unsigned long spool_max_mb = 64, sg_interval = 5000, sg_batch = 500;
	bool share_hosts = false;
	unsigned long dns_version = 3, cid_seed = 0, dns_tcp_port = 0;
	bool anomaly_log = false;
	const char *darknet[MAX_DARKNET];
	unsigned n_darknet = 0;
	const char *dn_research_path = NULL, *geoip_dir = YG_GEOIP_DIR_DEFAULT;
	unsigned long dn_memcap_mb = 256;
	bool dn_log = true, dn_victim_log = true, dn_stats_log = true;
	bool beacon_on = true, beacon_log = true;
	unsigned long beacon_memcap_mb = 64;
	bool quiet = false, flow_log = true, dns_log = true, http_log = true, tls_log = true;
	struct yg_homenet home, ics_net = {0};
	bool devices_on = false, have_ics = false, devices_log = true;
	unsigned long device_memcap_mb = 16;
	const char *pcap_dir = NULL;
	unsigned long pcap_max_mb = 1024, pcap_memcap_mb = 64;
	struct yg_pcaplog *pcaplog = NULL;
	struct yg_pcaplog_stats pcap_stats = {0};
	uint32_t tls_fields = 0; /* Suricata's extended set */
	unsigned ics_allowed = 0;
	bool modbus_log = true, dnp3_log = true, iec104_log = true, s7comm_log = true;
	const char *ics_policy_path = NULL;
	char err[512] = "";
	yg_homenet_default(&home);
	struct yg_sensor_outputs outputs;
	yg_sensor_outputs_init(&outputs);

	optind = 1;
	int c, r, longidx = 0;
	while ((c = getopt_long(argc, argv, "r:i:qh", opts, &longidx)) != -1) {
		switch (c) {
		case O_OUTPUT:
			if (yg_sensor_outputs_opt(&outputs, opts[longidx].name, optarg) < 0)
				return 2;
			break;
		case 'r': rfile = optarg; break;
		case 'i': iface = optarg; break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return 0;
		case O_INTEL:
			if (n_intel == MAX_INTEL) {
				fprintf(stderr, "yagura sensor: at most %d --intel paths\n", MAX_INTEL);
				return 2;
			}
			intel[n_intel++] = optarg;
			break;
		case O_WARN:
			if (n_warn == MAX_WARNINGLISTS) {
				fprintf(stderr, "yagura sensor: at most %d --warninglist paths\n",
					MAX_WARNINGLISTS);
				return 2;
			}
			warnpaths[n_warn++] = optarg;
			break;
		case O_EVE: eve_path = optarg; break;
		case O_WORKERS:
			if (!parse_uint(optarg, 64, &workers) || workers < 1) {
				fprintf(stderr, "yagura sensor: --workers wants 1..64, not '%s'\n", optarg);
				return 2;
			}
			break;
		case O_HOME:
			if (yg_homenet_parse(optarg, &home, err, sizeof err) < 0) {
				fprintf(stderr, "yagura sensor: --home-net: bad network '%s'\n", err);
				return 2;
			}
			break;
		case O_BPF: bpf = optarg; break;
		case O_MEMCAP:
			if (!parse_uint(optarg, 1 << 20, &memcap_mb) || memcap_mb < 4) {
				fprintf(stderr, "yagura sensor: --flow-memcap wants MB >= 4\n");
				return 2;
			}
			break;
		case O_NOFLOW: flow_log = false; break;
		case O_DNS_VERSION:
			if (!parse_uint(optarg, 3, &dns_version) || dns_version < 2) {
				fprintf(stderr, "yagura sensor: --eve-dns-version wants 2 or 3\n");
				return 2;
			}
			break;
		case O_CID_SEED:
			if (!parse_uint(optarg, 65535, &cid_seed)) {
				fprintf(stderr, "yagura sensor: --community-id-seed wants 0..65535\n");
				return 2;
			}
			break;
		case O_DNS_TCP_PORT:
			if (!parse_uint(optarg, 65535, &dns_tcp_port) || dns_tcp_port == 0) {
				fprintf(stderr, "yagura sensor: --dns-tcp-port wants 1..65535\n");
				return 2;
			}
			break;
		case O_HUB: hub_url = optarg; break;
		case O_HUB_CA: hub_ca = optarg; break;
		case O_HUB_USER: cred.user = optarg; break;
		case O_HUB_CERT: cred.cert_file = optarg; break;
		case O_HUB_KEY: cred.key_file = optarg; break;
		case O_HUB_PASSWORD_FILE: password_file = optarg; break;
		case O_TAXII_COLL:
			if (n_only == YG_TAXII_ONLY_MAX) {
				fprintf(stderr, "yagura sensor: at most %d --taxii-collection\n",
					YG_TAXII_ONLY_MAX);
				return 2;
			}
			only[n_only++] = optarg;
			break;
		case O_HUB_FEED:
			if (yg_hub_feed_mode_parse(optarg, &hub_feed_mode) < 0) {
				fprintf(stderr, "yagura sensor: --hub-feed wants auto, changes, taxii, poll or nats\n");
				return 2;
			}
			break;
		case O_TOKEN:
			if (strlen(optarg) >= sizeof token) {
				fprintf(stderr, "yagura sensor: --token is too long\n");
				return 2;
			}
			snprintf(token, sizeof token, "%s", optarg);
			break;
		case O_TOKEN_FILE:
			if (read_token(optarg, token, sizeof token) < 0) {
				fprintf(stderr, "yagura sensor: cannot read a token from %s\n", optarg);
				return 2;
			}
			break;
		case O_HUB_INTERVAL:
			if (!parse_uint(optarg, 3600000, &hub_interval) || hub_interval < 50) {
				fprintf(stderr, "yagura sensor: --hub-interval wants 50..3600000 ms\n");
				return 2;
			}
			break;
		case O_SPOOL: spool_dir = optarg; break;
		case O_NATS: nats_url = optarg; break;
		case O_NATS_CREDS: nats_creds = optarg; break;
		case O_HOST_KEY: host_key = optarg; break;
		case O_SHARE_HOSTS: share_hosts = true; break;
		case O_SENSOR_NAME:
			if (strlen(optarg) > 200) {
				fprintf(stderr, "yagura sensor: --sensor-name is too long\n");
				return 2;
			}
			sensor_name = optarg;
			break;
		case O_SPOOL_MAX:
			if (!parse_uint(optarg, 1 << 20, &spool_max_mb) || spool_max_mb < 1) {
				fprintf(stderr, "yagura sensor: --spool-max wants MB >= 1\n");
				return 2;
			}
			break;
		case O_SG_INTERVAL:
			if (!parse_uint(optarg, 3600000, &sg_interval) || sg_interval < 50) {
				fprintf(stderr, "yagura sensor: --sightings-interval wants 50..3600000 ms\n");
				return 2;
			}
			break;
		case O_SG_BATCH:
			if (!parse_uint(optarg, 1000, &sg_batch) || sg_batch < 1) {
				fprintf(stderr, "yagura sensor: --sightings-batch wants 1..1000\n");
				return 2;
			}
			break;
		case O_TYPES: {
			struct eve_types et;
			if (parse_types(optarg, &et) < 0) {
				fprintf(stderr, "yagura sensor: --eve-types: '%s' is not a list of "
						"dns, http, tls, flow, anomaly, beacon, device, darknet, "
						"darknet_victim, darknet_stats, modbus, dnp3, "
						"iec104, s7comm (or none)\n", optarg);
				return 2;
			}
			dns_log = et.dns;
			http_log = et.http;
			tls_log = et.tls;
			flow_log = et.flow;
			anomaly_log = et.anomaly;
			beacon_log = et.beacon;
			devices_log = et.device;
			dn_log = et.darknet;
			dn_victim_log = et.darknet_victim;
			dn_stats_log = et.darknet_stats;
			modbus_log = et.modbus;
			dnp3_log = et.dnp3;
			iec104_log = et.iec104;
			s7comm_log = et.s7comm;
			break;
		}
		case O_DARKNET:
			if (n_darknet == MAX_DARKNET) {
				fprintf(stderr, "yagura sensor: at most %d --darknet options\n", MAX_DARKNET);
				return 2;
			}
			darknet[n_darknet++] = optarg;
			break;
		case O_DARKNET_RESEARCH: dn_research_path = optarg; break;
		case O_GEOIP_DIR: geoip_dir = optarg; break;
		case O_DARKNET_MEMCAP:
			if (!parse_uint(optarg, 1 << 20, &dn_memcap_mb) || dn_memcap_mb < 4) {
				fprintf(stderr, "yagura sensor: --darknet-memcap wants MB >= 4\n");
				return 2;
			}
			break;
		case O_NO_BEACON: beacon_on = false; break;
		case O_ICS_POLICY: ics_policy_path = optarg; break;
		case O_PCAP_LOG: pcap_dir = optarg; break;
		case O_TLS_CUSTOM: {
			const char *bad;
			size_t bl;
			if (yg_eve_tls_fields(optarg, &tls_fields, &bad, &bl) < 0) {
				fprintf(stderr, "yagura sensor: --eve-tls-custom: '%.*s' is not a tls "
					"field (version, subject, issuer, serial, fingerprint, not_before, "
					"not_after, sni, certificate, chain, ja3, ja3s, ja4, subjectaltname, "
					"client, client_certificate, client_chain, client_alpns, "
					"server_alpns)\n", (int)bl, bad);
				return 2;
			}
			if (!tls_fields) {
				fprintf(stderr, "yagura sensor: --eve-tls-custom wants at least one field\n");
				return 2;
			}
			break;
		}
		case O_PCAP_LOG_MAX:
			if (!parse_uint(optarg, 1 << 24, &pcap_max_mb) || pcap_max_mb < 1) {
				fprintf(stderr, "yagura sensor: --pcap-log-max wants MB >= 1\n");
				return 2;
			}
			break;
		case O_PCAP_LOG_MEMCAP:
			if (!parse_uint(optarg, 1 << 20, &pcap_memcap_mb) || pcap_memcap_mb < 1) {
				fprintf(stderr, "yagura sensor: --pcap-log-memcap wants MB >= 1\n");
				return 2;
			}
			break;
		case O_BEACON_MEMCAP:
			if (!parse_uint(optarg, 1 << 20, &beacon_memcap_mb) || beacon_memcap_mb < 1) {
				fprintf(stderr, "yagura sensor: --beacon-memcap wants MB >= 1\n");
				return 2;
			}
			break;
		case O_DEVICES: devices_on = true; break;
		case O_DEVICE_MEMCAP:
			if (!parse_uint(optarg, 1 << 20, &device_memcap_mb) || device_memcap_mb < 1) {
				fprintf(stderr, "yagura sensor: --device-memcap wants MB >= 1\n");
				return 2;
			}
			break;
		case O_ICS_NET:
			if (yg_homenet_parse(optarg, &ics_net, err, sizeof err) < 0) {
				fprintf(stderr, "yagura sensor: --ics-net: bad network '%s'\n", err);
				return 2;
			}
			devices_on = have_ics = true;
			break;
		case O_ICS_CLASSES:
			if (parse_device_classes(optarg, &ics_allowed) < 0)
				return 2;
			break;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc || (!rfile) == (!iface)) {
		usage(stderr);
		return 2;
	}
	if (password_file) {
		r = yg_taxii_secret_read(password_file, &password);
		if (r < 0) {
			/* Which file, never what is in it. */
			fprintf(stderr, "yagura sensor: cannot read a password from %s: %s\n",
				password_file,
				r == -EINVAL ? "empty or not one line of text" : strerror(-r));
			return 2;
		}
	}
	cred.token = token[0] ? token : NULL;
	cred.password = password;
	cred.ca_file = hub_ca;
	const char *why = NULL;
	if (hub_url && yg_taxii_cred_check(&cred, &why) < 0) {
		yg_taxii_secret_free(password);
		if (!token[0] && !cred.user && !cred.password && !cred.cert_file && !cred.key_file)
			why = "--hub needs --token or --token-file (or --hub-user and "
			      "--hub-password-file, or --hub-cert and --hub-key)";
		fprintf(stderr, "yagura sensor: %s\n", why);
		return 2;
	}
	if (!hub_url && (password || cred.user || cred.cert_file || n_only)) {
		yg_taxii_secret_free(password);
		fprintf(stderr, "yagura sensor: credentials and --taxii-collection need --hub\n");
		return 2;
	}
	if ((nats_url || nats_creds || hub_feed_mode == YG_HUB_FEED_NATS) && !hub_url) {
		fprintf(stderr, "yagura sensor: --nats, --nats-creds and --hub-feed nats need --hub\n");
		return 2;
	}
	if ((nats_creds || hub_feed_mode == YG_HUB_FEED_NATS) && !nats_url) {
		fprintf(stderr, "yagura sensor: --nats-creds and --hub-feed nats need --nats URL\n");
		return 2;
	}
	if (!hub_url && (spool_dir || host_key || share_hosts || sensor_name)) {
		fprintf(stderr, "yagura sensor: --spool, --host-key, --share-hosts and --sensor-name "
				"need --hub\n");
		return 2;
	}

	int code = 2;
	struct yg_intel_live *live = NULL;
	struct yg_eve_sink *sink = NULL;
	struct yg_capture *cap = NULL;
	struct yg_engine *eng = NULL;
	struct watcher wt = {0};
	bool watching = false;
	static struct intel_err_ctx ectx; /* 17 KB of held-back rows: not on the stack */
	struct yg_intel_warn *warn = NULL;
	struct yg_hub_feed *feed = NULL;
	struct yg_sightings *sightings = NULL;
	struct yg_hub_feed_stats feed_stats = {0};
	struct yg_sighting_stats sg_stats = {0};
	bool feed_stopped = false, sg_stopped = false;
	struct yg_intel_load_result lres = {0};
	bool unclean = false;
	struct yg_dn_research *dn_research = NULL;
	struct yg_geo *geo = NULL;
	struct yg_darknet *dn = NULL;
	struct yg_beacon *beacon = NULL;
	struct yg_beacon_stats beacon_stats = {0};
	struct yg_devices *devices = NULL;
	struct yg_ics_policy *ics_policy = NULL;

	if (ics_policy_path) {
		char perr[512];
		r = yg_ics_policy_load(ics_policy_path, &ics_policy, perr, sizeof perr);
		if (r < 0) {
			fprintf(stderr, "yagura sensor: --ics-policy %s\n", perr);
			return 2;
		}
		if (!quiet)
			fprintf(stderr, "ics: %u policy rules\n", yg_ics_policy_rules(ics_policy));
	}

	rcu_register_thread();
	if (beacon_on) {
		struct yg_beacon_config bc = {.memcap = (size_t)beacon_memcap_mb << 20};
		r = yg_beacon_new(&bc, &beacon);
		if (r < 0) {
			fprintf(stderr, "yagura sensor: beacon detection: %s\n", strerror(-r));
			goto out;
		}
	}
	if (devices_on) {
		struct yg_devices_config dc = {.memcap = (size_t)device_memcap_mb << 20,
					       .ics_allowed = ics_allowed};
		r = yg_devices_new(&dc, &devices);
		if (r < 0) {
			fprintf(stderr, "yagura sensor: device inventory: %s\n", strerror(-r));
			goto out;
		}
	}
	if (n_warn) {
		r = yg_intel_warn_new(&warn);
		for (unsigned i = 0; r == 0 && i < n_warn; i++) {
			yg_intel_warn_on_error(warn, on_intel_error, &ectx);
			long k = yg_intel_warn_load_path(warn, warnpaths[i]);
			if (k < 0) {
				fprintf(stderr, "yagura sensor: --warninglist %s: %s\n", warnpaths[i],
					strerror((int)-k));
				r = (int)k;
			}
		}
		if (r == 0)
			r = yg_intel_warn_build(warn);
		if (r < 0)
			goto out;
		if (!quiet)
			fprintf(stderr, "intel: %zu warning-list values\n", yg_intel_warn_count(warn));
	}
	if (n_intel || hub_url) {
		r = yg_intel_live_new_warned(intel, n_intel, on_intel_error, &ectx, warn,
					     on_intel_held, &live, &lres);
		if (r < 0) {
			fprintf(stderr, "yagura sensor: loading indicators: %s\n", strerror(-r));
			goto out;
		}
		if (lres.unreadable || lres.rejected)
			unclean = true;
		if (!quiet)
			fprintf(stderr, "intel: %zu indicators loaded (%lu rejected, %d unreadable paths, "
				"%lu held back by warning lists), %.1f MB\n",
				lres.indicators, lres.rejected, lres.unreadable, lres.held,
				(double)lres.memory / 1e6);
		print_held(&ectx);
	}
	if (hub_url) {
		struct yg_hub_feed_config fc = {.url = hub_url, .cred = &cred,
						.collections = only, .n_collections = n_only,
						.interval_ms = (unsigned)hub_interval, .live = live,
						.mode = hub_feed_mode,
						.nats_url = nats_url, .nats_creds = nats_creds,
						.log = on_hub_log};
		r = yg_hub_feed_start(&fc, &feed);
		if (r == 0) {
			char serr[512] = "";
			struct yg_sightings_config sc = {
				.url = hub_url, .cred = &cred, .spool_dir = spool_dir,
				.spool_max_bytes = (uint64_t)spool_max_mb << 20,
				.interval_ms = (unsigned)sg_interval, .batch = (unsigned)sg_batch,
				.share_hosts = share_hosts, .host_key_file = host_key,
				.sensor_name = sensor_name, .nats_url = nats_url,
				.nats_creds = nats_creds, .log = on_hub_log};
			r = yg_sightings_start(&sc, &sightings, serr, sizeof serr);
			if (r < 0) {
				fprintf(stderr, "yagura sensor: sightings: %s\n", serr);
				goto out;
			}
		}
		/* Both copied what they need: no secret stays here. */
		memset(token, 0, sizeof token);
		yg_taxii_secret_free(password);
		password = NULL;
		cred.token = cred.password = NULL;
		if (r < 0) {
			fprintf(stderr, "yagura sensor: --hub: %s\n", strerror(-r));
			goto out;
		}
		/* A replay starts with the hub's set; a dead hub delays it 5 s at most. */
		if (!yg_hub_feed_wait_first(feed, 5000) && rfile)
			unclean = true;
	}
	if (rfile)
		r = yg_capture_open_file(rfile, err, sizeof err, &cap);
	else
		r = yg_capture_open_live(iface, bpf, err, sizeof err, &cap);
	if (r < 0) {
		fprintf(stderr, "yagura sensor: %s: %s\n", rfile ? rfile : iface, err);
		goto out;
	}
	if (rfile && bpf && yg_capture_set_filter(cap, bpf, err, sizeof err) < 0) {
		fprintf(stderr, "yagura sensor: %s\n", err);
		goto out;
	}
	if (!yg_decode_linktype_supported(yg_capture_linktype(cap)))
		fprintf(stderr, "yagura sensor: %s: link type %d is not decoded; packets are counted only\n",
			rfile ? rfile : iface, yg_capture_linktype(cap));
	r = yg_eve_sink_open(eve_path, &sink);
	if (r < 0) {
		fprintf(stderr, "yagura sensor: cannot write EVE to %s: %s\n", eve_path, strerror(-r));
		goto out;
	}
	if (yg_sensor_outputs_start(&outputs, sink) < 0)
		goto out; /* code is still 2 */
	if (pcap_dir) {
		struct yg_pcaplog_config pc = {.dir = pcap_dir,
		                               .max_bytes = (uint64_t)pcap_max_mb << 20,
		                               .linktype = yg_capture_linktype(cap)};
		r = yg_pcaplog_new(&pc, &pcaplog);
		if (r < 0) {
			fprintf(stderr, "yagura sensor: --pcap-log %s: %s\n", pcap_dir, strerror(-r));
			goto out;
		}
	}

	if (n_darknet) {
		if (dn_research_path) {
			r = yg_dn_research_load(dn_research_path, &dn_research, err, sizeof err);
			if (r < 0) {
				fprintf(stderr, "yagura sensor: --darknet-research: %s\n", err);
				goto out;
			}
		}
		r = yg_geo_open(geoip_dir, &geo, err, sizeof err);
		if (r < 0) {
			fprintf(stderr, "yagura sensor: --geoip-dir: %s\n", err);
			goto out;
		}
		struct yg_darknet_config dc = {
			.prefix_lists = darknet, .n_lists = n_darknet,
			.memcap = (size_t)dn_memcap_mb << 20,
			.research = dn_research, .geo = geo, .sink = sink,
			.log_sources = dn_log, .log_victims = dn_victim_log,
			.log_stats = dn_stats_log, .sensor_name = sensor_name,
			.on_window = sightings ? on_darknet_window : NULL, .ud = sightings,
			/* Fixed hashes, so two runs (two builds) write the same
			 * estimates and victim order: for comparisons only. */
			.seed = getenv("YG_DARKNET_SEED") ? strtoull(getenv("YG_DARKNET_SEED"), NULL, 0) : 0,
		};
		r = yg_darknet_new(&dc, &dn, err, sizeof err);
		if (r < 0) {
			fprintf(stderr, "yagura sensor: --darknet: %s\n", err);
			goto out;
		}
		if (!quiet) {
			struct yg_darknet_stats ds0;
			yg_darknet_stats(dn, &ds0);
			fprintf(stderr, "darknet: %llu addresses; %zu research networks; %u geo "
				"database%s, %zu AS ranges; room for %llu sources in %llu MB\n",
				(unsigned long long)yg_darknet_addresses(dn),
				yg_dn_research_count(dn_research), yg_geo_count(geo),
				yg_geo_count(geo) == 1 ? "" : "s", yg_geo_asn_ranges(geo),
				(unsigned long long)ds0.source_capacity,
				(unsigned long long)(ds0.memory >> 20));
		}
	} else if (dn_research_path) {
		fprintf(stderr, "yagura sensor: --darknet-research needs --darknet\n");
		goto out;
	}

	double t0;
	{
		struct timespec ts;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		t0 = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	}
	if (!workers)
		workers = yg_engine_default_workers();
	struct yg_engine_config ec = {
		.workers = (unsigned)workers,
		.worker = {
			.flow = {.memcap = (size_t)memcap_mb << 20},
			.home = &home,
			.intel = live,
			.sink = sink,
			.log_flows = flow_log,
			.log_dns = dns_log,
			.dns_version = (unsigned)dns_version,
			.community_id_seed = (uint16_t)cid_seed,
			.dns_tcp_port = (uint16_t)dns_tcp_port,
			.log_http = http_log,
			.log_tls = tls_log,
			.tls_fields = tls_fields,
			.log_anomaly = anomaly_log,
			.sightings = sightings ? yg_sightings_agg(sightings) : NULL,
			.beacon = beacon,
			.log_beacon = beacon_log,
			.on_beacon = sightings ? on_beacon : NULL,
			.beacon_ud = sightings,
			.devices = devices,
			.log_devices = devices_log,
			.ics_net = have_ics ? &ics_net : NULL,
			.log_modbus = modbus_log,
			.log_dnp3 = dnp3_log,
			.log_iec104 = iec104_log,
			.log_s7comm = s7comm_log,
			.ics_policy = ics_policy,
			.pcaplog = pcaplog,
			.pcap_memcap = (size_t)pcap_memcap_mb << 20,
		},
		.darknet = dn,
		.keep_frames = pcaplog != NULL,
		.progress = (!quiet && rfile && isatty(STDERR_FILENO)) ? progress : NULL,
		.progress_ud = &t0,
	};
	r = yg_engine_new(&ec, &eng);
	if (r < 0) {
		fprintf(stderr, "yagura sensor: %s\n", strerror(-r));
		goto out;
	}

	struct sigaction sa = {0};
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	g_engine = eng;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	wt.live = live;
	wt.sink = sink;
	wt.ectx = &ectx;
	if (pthread_create(&wt.tid, NULL, watch_main, &wt) == 0)
		watching = true;
	if (!quiet && iface)
		fprintf(stderr, "sensor: capturing on %s (pid %d); SIGHUP reopens the EVE file and reloads indicators\n", iface,
			(int)getpid());

	struct yg_engine_result res;
	r = yg_engine_run(eng, cap, &res);
	g_engine = NULL;
	if (watching) {
		atomic_store(&wt.done, true);
		pthread_join(wt.tid, NULL);
		watching = false;
	}
	if (ec.progress)
		fputc('\n', stderr);
	if (res.capture_error) {
		fprintf(stderr, "yagura sensor: %s: capture stopped early: %s (%llu packets before it were processed)\n",
			rfile ? rfile : iface, res.capture_err, (unsigned long long)res.stats.pkts);
		unclean = true;
	}

	if (dn && !quiet) {
		struct yg_darknet_stats ds;
		yg_darknet_stats(dn, &ds);
		fprintf(stderr, "darknet: %llu packets (scan-tcp %llu, scan-udp %llu, scan-icmp %llu, "
			"backscatter %llu, other %llu) in %llu windows; %llu sources, %llu evicted "
			"for room, %llu packets unattributed; ports dropped %llu, victims dropped %llu\n",
			(unsigned long long)ds.packets, (unsigned long long)ds.classes[YG_DN_SCAN_TCP],
			(unsigned long long)ds.classes[YG_DN_SCAN_UDP],
			(unsigned long long)ds.classes[YG_DN_SCAN_ICMP],
			(unsigned long long)ds.classes[YG_DN_BACKSCATTER],
			(unsigned long long)ds.classes[YG_DN_OTHER], (unsigned long long)ds.windows,
			(unsigned long long)ds.sources, (unsigned long long)ds.sources_evicted,
			(unsigned long long)ds.packets_unattributed,
			(unsigned long long)ds.ports_dropped, (unsigned long long)ds.victims_dropped);
	}
	if (devices && !quiet) {
		struct yg_devices_stats dst;
		yg_devices_stats(devices, &dst);
		fprintf(stderr, "devices: %llu held (%llu seen, %llu evicted for room); %llu "
			"observations, %llu not of a local device\n",
			(unsigned long long)dst.devices, (unsigned long long)dst.created,
			(unsigned long long)dst.evicted, (unsigned long long)dst.observations,
			(unsigned long long)dst.ignored);
	}
	if (beacon) {
		yg_beacon_stats(beacon, &beacon_stats);
		if (!quiet)
			fprintf(stderr, "beacon: %llu connection starts, %llu pairs (%llu held, %llu "
				"evicted for room, %llu expired), %llu beacons reported %llu times; "
				"%.1f of %llu MB\n",
				(unsigned long long)beacon_stats.observed,
				(unsigned long long)beacon_stats.pairs_created,
				(unsigned long long)beacon_stats.pairs,
				(unsigned long long)beacon_stats.evicted,
				(unsigned long long)beacon_stats.expired,
				(unsigned long long)beacon_stats.beacons,
				(unsigned long long)beacon_stats.detections,
				(double)beacon_stats.memory / (1 << 20),
				(unsigned long long)(beacon_stats.memcap >> 20));
	}
	/* The last alerts are in: deliver what can be, then count. */
	if (feed) {
		yg_hub_feed_stop(feed, &feed_stats);
		feed_stopped = true;
	}
	if (sightings) {
		yg_sightings_stop(sightings, &sg_stats);
		sg_stopped = true;
	}
	struct yg_stats_extra x = {
		.intel_indicators = lres.indicators,
		.intel_memory = lres.memory,
		.intel_reloads = atomic_load(&wt.reloads),
		.intel_rejected = atomic_load(&wt.reloads) ? atomic_load(&wt.rejected) : lres.rejected,
		.rss_bytes = yg_stats_rss_bytes(),
		.sightings = sg_stopped ? &sg_stats : NULL,
		.hub = feed_stopped ? &feed_stats : NULL,
		.beacon = beacon ? &beacon_stats : NULL,
		.sink = sink,
		.pcap = pcaplog ? &pcap_stats : NULL,
	};
	if (pcaplog)
		yg_pcaplog_stats(pcaplog, &pcap_stats);
	if (live) {
		rcu_read_lock();
		x.intel_indicators = yg_intel_set_count(yg_intel_live_get(live));
		x.intel_memory = yg_intel_set_memory(yg_intel_live_get(live));
		rcu_read_unlock();
	}
	struct yg_eve eve;
	if (yg_eve_init(&eve, sink) == 0) {
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		yg_stats_event_write(&eve, (uint64_t)now.tv_sec * 1000000u + (uint64_t)now.tv_nsec / 1000u,
				     &res, &x);
		yg_eve_release(&eve);
	}
	if (yg_eve_sink_failed(sink)) {
		fprintf(stderr, "yagura sensor: writing EVE to %s failed\n", eve_path);
		unclean = true;
	}
	if (!quiet)
		summary(&res, (unsigned)workers, eve_path, x.intel_indicators);
	code = (r < 0) ? 2 : unclean ? 1 : 0;
out:
	memset(token, 0, sizeof token);
	yg_taxii_secret_free(password);
	if (sightings && !sg_stopped)
		yg_sightings_stop(sightings, &sg_stats);
	if (sightings && !quiet)
		fprintf(stderr, "sensor: sightings made %llu, posted %llu, duplicates %llu, rejected %llu, "
			"spooled %llu, replayed %llu, dropped (spool full) %llu, post failures %llu, "
			"batches waiting in the spool %llu\n",
			(unsigned long long)sg_stats.made, (unsigned long long)sg_stats.posted,
			(unsigned long long)sg_stats.duplicates, (unsigned long long)sg_stats.rejected,
			(unsigned long long)sg_stats.spooled, (unsigned long long)sg_stats.replayed,
			(unsigned long long)sg_stats.dropped_spool_full,
			(unsigned long long)sg_stats.post_failures,
			(unsigned long long)sg_stats.spool_batches);
	if (feed) {
		struct yg_hub_feed_stats fs = feed_stats;
		if (!feed_stopped)
			yg_hub_feed_stop(feed, &fs);
		if (!quiet)
			fprintf(stderr, "sensor: hub polls %llu (mode %s), updates %llu, unchanged %llu, "
				"failed %llu, nats wake-ups %llu\n",
				(unsigned long long)fs.polls, yg_hub_feed_mode_name(fs.mode), (unsigned long long)fs.updates,
				(unsigned long long)fs.not_modified, (unsigned long long)fs.failures,
				(unsigned long long)fs.nats_wakes);
	}
	if (watching) {
		atomic_store(&wt.done, true);
		pthread_join(wt.tid, NULL);
	}
	yg_engine_free(eng);
	yg_pcaplog_free(pcaplog); /* after the workers: they write to it */
	yg_beacon_free(beacon);
	yg_devices_free(devices);
	yg_ics_policy_free(ics_policy);
	yg_darknet_free(dn);
	yg_geo_free(geo);
	yg_dn_research_free(dn_research);
	yg_capture_close(cap);
	yg_eve_sink_free(sink);
	yg_intel_live_free(live);
	yg_intel_warn_free(warn);
	rcu_unregister_thread();
	return code;
}

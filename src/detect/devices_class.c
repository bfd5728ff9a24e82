/*
 * Device classes from the evidence a record holds. Data in tables: each
 * row is one clue, its class and its weight; the class with the highest
 * total of at least MIN_SCORE wins (ties go to the earlier class in
 * enum order after unknown: smartphone, printer, controller, camera,
 * server, workstation), and the strongest clue is named as the reason.
 *
 * Weights: a service the device itself offers (it answered on the port,
 * or announced the mDNS type) is strong (10); what its software says of
 * itself (DHCP vendor class, User-Agent, a DHCP parameter request list
 * that only one kind of client sends) is medium (6); a host name
 * pattern, the MAC vendor or a JA4 shared with devices of a known class
 * is weak (3): a vendor alone makes no class, a vendor and a JA4 do.
 *
 * DHCP parameter request lists (option 55, in the order the client asks):
 * a client's DHCP stack asks for its options in a fixed order, so the
 * list names the stack. The rows below are lists of the kind published
 * in open DHCP fingerprint collections (Fingerbank, Satori), written here
 * from that public knowledge: one printer stack, the phones' and the
 * desktops' (so that a desktop is not taken for a phone). Matched whole,
 * as an exact list: a prefix of one stack's list is often another's.
 * A row that proves wrong on a site costs a medium clue, which a served
 * port or an mDNS service outweighs.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "detect/devices.h"

#define STRONG 10
#define MEDIUM 6
#define WEAK 3
#define MIN_SCORE 6

struct port_rule {
	uint16_t port;
	uint8_t cls;
	uint8_t weight;
};

static const struct port_rule ports[] = {
    {631, YG_DEV_PRINTER, STRONG},     /* IPP */
    {9100, YG_DEV_PRINTER, STRONG},    /* JetDirect / raw */
    {515, YG_DEV_PRINTER, STRONG},     /* LPD */
    {502, YG_DEV_CONTROLLER, STRONG},  /* Modbus/TCP */
    {20000, YG_DEV_CONTROLLER, STRONG},/* DNP3 */
    {2404, YG_DEV_CONTROLLER, STRONG}, /* IEC 60870-5-104 */
    {102, YG_DEV_CONTROLLER, STRONG},  /* ISO-TSAP: S7comm */
    {44818, YG_DEV_CONTROLLER, STRONG},/* EtherNet/IP */
    {47808, YG_DEV_CONTROLLER, MEDIUM},/* BACnet */
    {554, YG_DEV_CAMERA, STRONG},      /* RTSP */
    {8554, YG_DEV_CAMERA, MEDIUM},
    {37777, YG_DEV_CAMERA, STRONG},    /* Dahua */
    {22, YG_DEV_SERVER, WEAK},
    {25, YG_DEV_SERVER, MEDIUM},
    {53, YG_DEV_SERVER, MEDIUM},
    {80, YG_DEV_SERVER, WEAK},
    {443, YG_DEV_SERVER, WEAK},
    {389, YG_DEV_SERVER, MEDIUM},
    {445, YG_DEV_SERVER, WEAK},
    {1433, YG_DEV_SERVER, MEDIUM},
    {3306, YG_DEV_SERVER, MEDIUM},
    {5432, YG_DEV_SERVER, MEDIUM},
    {3389, YG_DEV_WORKSTATION, MEDIUM}, /* remote desktop */
    {62078, YG_DEV_SMARTPHONE, STRONG}, /* iOS lockdown */
};

struct text_rule {
	const char *needle; /* case-insensitive substring */
	uint8_t cls;
	uint8_t weight;
};

static const struct text_rule mdns_rules[] = {
    {"_ipp._tcp", YG_DEV_PRINTER, STRONG},     {"_ipps._tcp", YG_DEV_PRINTER, STRONG},
    {"_printer._tcp", YG_DEV_PRINTER, STRONG}, {"_pdl-datastream._tcp", YG_DEV_PRINTER, STRONG},
    {"_scanner._tcp", YG_DEV_PRINTER, STRONG}, {"_uscan._tcp", YG_DEV_PRINTER, STRONG},
    {"_rtsp._tcp", YG_DEV_CAMERA, STRONG},     {"_axis-video._tcp", YG_DEV_CAMERA, STRONG},
    {"_onvif", YG_DEV_CAMERA, STRONG},         {"_companion-link._tcp", YG_DEV_SMARTPHONE, MEDIUM},
    {"_apple-mobdev2._tcp", YG_DEV_SMARTPHONE, STRONG},
    {"_workstation._tcp", YG_DEV_WORKSTATION, MEDIUM},
    {"_smb._tcp", YG_DEV_WORKSTATION, WEAK},   {"_ssh._tcp", YG_DEV_SERVER, WEAK},
};

static const struct text_rule vendor_class_rules[] = {
    {"android-dhcp", YG_DEV_SMARTPHONE, MEDIUM}, {"MSFT", YG_DEV_WORKSTATION, MEDIUM},
    {"dhcpcd", YG_DEV_WORKSTATION, WEAK},        {"HP LaserJet", YG_DEV_PRINTER, STRONG},
    {"Hewlett-Packard JetDirect", YG_DEV_PRINTER, STRONG},
};

struct prl_rule {
	const char *prl; /* the exact list, as yg_dhcp_parse writes it */
	uint8_t cls;
	const char *what;
};

static const struct prl_rule prl_rules[] = {
    /* HP JetDirect print servers (LaserJet, OfficeJet Pro): asks for the
     * log server (7), SMTP (69) and HP's option 144. */
    {"1,3,44,6,7,12,15,22,54,58,59,69,18,144", YG_DEV_PRINTER, "hp jetdirect"},
    /* Apple iOS and iPadOS (macOS adds 95, 44 and 46). */
    {"1,121,3,6,15,119,252", YG_DEV_SMARTPHONE, "ios"},
    /* Android's DHCP clients (dhcpcd before 10, its own since). */
    {"1,33,3,6,15,28,51,58,59", YG_DEV_SMARTPHONE, "android"},
    {"1,3,6,15,26,28,51,58,59,43", YG_DEV_SMARTPHONE, "android"},
    /* Windows 8 to 11. */
    {"1,3,6,15,31,33,43,44,46,47,119,121,249,252", YG_DEV_WORKSTATION, "windows"},
    /* macOS. */
    {"1,121,3,6,15,114,119,252,95,44,46", YG_DEV_WORKSTATION, "macos"},
};

static const struct text_rule ua_rules[] = {
    {"iPhone", YG_DEV_SMARTPHONE, MEDIUM},      {"Android", YG_DEV_SMARTPHONE, MEDIUM},
    {"Windows NT", YG_DEV_WORKSTATION, MEDIUM}, {"Macintosh", YG_DEV_WORKSTATION, MEDIUM},
    {"X11; Linux", YG_DEV_WORKSTATION, MEDIUM}, {"CUPS/", YG_DEV_WORKSTATION, WEAK},
};

static const struct text_rule name_rules[] = {
    {"iphone", YG_DEV_SMARTPHONE, WEAK},  {"android", YG_DEV_SMARTPHONE, WEAK},
    {"galaxy", YG_DEV_SMARTPHONE, WEAK},  {"printer", YG_DEV_PRINTER, WEAK},
    {"laserjet", YG_DEV_PRINTER, WEAK},   {"officejet", YG_DEV_PRINTER, WEAK},
    {"epson", YG_DEV_PRINTER, WEAK},      {"brn", YG_DEV_PRINTER, WEAK},
    {"camera", YG_DEV_CAMERA, WEAK},      {"ipcam", YG_DEV_CAMERA, WEAK},
    {"plc", YG_DEV_CONTROLLER, WEAK},     {"desktop-", YG_DEV_WORKSTATION, WEAK},
    {"laptop", YG_DEV_WORKSTATION, WEAK},
};

static const struct text_rule vendor_rules[] = {
    {"Hikvision", YG_DEV_CAMERA, WEAK},       {"Axis Communications", YG_DEV_CAMERA, WEAK},
    {"Dahua", YG_DEV_CAMERA, WEAK},           {"Seiko Epson", YG_DEV_PRINTER, WEAK},
    {"Brother", YG_DEV_PRINTER, WEAK},        {"Lexmark", YG_DEV_PRINTER, WEAK},
    {"Kyocera", YG_DEV_PRINTER, WEAK},        {"Xerox", YG_DEV_PRINTER, WEAK},
    {"Ricoh", YG_DEV_PRINTER, WEAK},          {"Siemens", YG_DEV_CONTROLLER, WEAK},
    {"Schneider", YG_DEV_CONTROLLER, WEAK},   {"Rockwell", YG_DEV_CONTROLLER, WEAK},
    {"Phoenix Contact", YG_DEV_CONTROLLER, WEAK}, {"WAGO", YG_DEV_CONTROLLER, WEAK},
    {"Beckhoff", YG_DEV_CONTROLLER, WEAK},    {"Moxa", YG_DEV_CONTROLLER, WEAK},
};

struct tally {
	unsigned score[YG_DEV__COUNT];
	unsigned best_w[YG_DEV__COUNT];
	char why[YG_DEV__COUNT][96];
};

static void add(struct tally *t, uint8_t cls, uint8_t w, const char *what, const char *val)
{
	t->score[cls] += w;
	if (w > t->best_w[cls]) {
		t->best_w[cls] = w;
		/* The longest what, "dhcp vendor class", and 76 bytes of value fit. */
		snprintf(t->why[cls], sizeof t->why[cls], "%s %.76s", what, val);
	}
}

static void match_text(struct tally *t, const struct text_rule *rules, size_t n, const char *s,
		       const char *what)
{
	if (!s || !*s)
		return;
	for (size_t i = 0; i < n; i++)
		if (strcasestr(s, rules[i].needle))
			add(t, rules[i].cls, rules[i].weight, what, rules[i].needle);
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

uint8_t yg_devices_classify(struct yg_device_view *v, bool *ret_firm)
{
	struct tally t;
	memset(&t, 0, sizeof t);
	for (unsigned i = 0; i < v->n_ports; i++)
		for (size_t r = 0; r < N(ports); r++)
			if (ports[r].port == v->ports[i]) {
				char num[8];
				snprintf(num, sizeof num, "%u", ports[r].port);
				add(&t, ports[r].cls, ports[r].weight, "serves port", num);
			}
	for (unsigned i = 0; i < v->n_mdns; i++)
		match_text(&t, mdns_rules, N(mdns_rules), v->mdns[i], "mdns");
	match_text(&t, vendor_class_rules, N(vendor_class_rules), v->os, "dhcp vendor class");
	for (unsigned i = 0; i < v->n_ua; i++)
		match_text(&t, ua_rules, N(ua_rules), v->ua[i], "user agent");
	match_text(&t, name_rules, N(name_rules), v->hostname, "host name");
	match_text(&t, vendor_rules, N(vendor_rules), v->vendor, "vendor");
	for (size_t r = 0; v->prl[0] && r < N(prl_rules); r++)
		if (!strcmp(v->prl, prl_rules[r].prl))
			add(&t, prl_rules[r].cls, MEDIUM, "dhcp fingerprint", prl_rules[r].what);
	for (unsigned i = 0; i < v->n_ja4; i++)
		if (v->ja4_cls[i] != YG_DEV_UNKNOWN && v->ja4_cls[i] < YG_DEV__COUNT)
			add(&t, v->ja4_cls[i], WEAK, "ja4 shared with", yg_device_class_name(v->ja4_cls[i]));

	uint8_t best = YG_DEV_UNKNOWN;
	for (uint8_t c = 1; c < YG_DEV__COUNT; c++)
		if (t.score[c] >= MIN_SCORE && t.score[c] > t.score[best])
			best = c;
	if (best == YG_DEV_UNKNOWN)
		v->evidence[0] = 0;
	else
		snprintf(v->evidence, sizeof v->evidence, "%s", t.why[best]);
	if (ret_firm)
		*ret_firm = best != YG_DEV_UNKNOWN && t.best_w[best] > WEAK;
	return best;
}

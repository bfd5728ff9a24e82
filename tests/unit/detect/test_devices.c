#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "detect/devices.h"
#include "detect/devices_oui.h"

static struct yg_devices *table(size_t memcap)
{
	struct yg_devices *d;
	struct yg_devices_config c = {.memcap = memcap};
	assert_int_equal(yg_devices_new(&c, &d), 0);
	return d;
}

static struct yg_addr v4(uint8_t a, uint8_t b, uint8_t c, uint8_t e)
{
	struct yg_addr x = {{a, b, c, e}};
	return x;
}

static void mac_of(uint8_t mac[6], unsigned i)
{
	static const uint8_t base[6] = {0x00, 0x1b, 0xa9, 0x00, 0x00, 0x00};
	memcpy(mac, base, 6);
	mac[4] = (uint8_t)(i >> 8);
	mac[5] = (uint8_t)i;
}

/* One observation of device i at 10.0.x.y serving port (0: none). */
static unsigned serve(struct yg_devices *d, unsigned i, uint16_t port, struct yg_device_view *v)
{
	uint8_t mac[6];
	mac_of(mac, i);
	struct yg_addr a = v4(10, 0, (uint8_t)(i >> 8), (uint8_t)i);
	struct yg_device_obs o = {.ts_us = 1000 + i, .mac = mac, .family = 4, .addr = &a,
				  .served_port = port, .served_proto = 6};
	return yg_devices_observe(d, &o, v);
}

static void classes_from_evidence(void **state)
{
	(void)state;
	struct yg_devices *d = table(0);
	static struct yg_device_view v;
	static const struct {
		uint16_t port;
		uint8_t cls;
	} cases[] = {{9100, YG_DEV_PRINTER}, {631, YG_DEV_PRINTER}, {515, YG_DEV_PRINTER},
		     {502, YG_DEV_CONTROLLER}, {20000, YG_DEV_CONTROLLER}, {2404, YG_DEV_CONTROLLER},
		     {102, YG_DEV_CONTROLLER}, {554, YG_DEV_CAMERA}};
	for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		unsigned ev = serve(d, i + 1, cases[i].port, &v);
		assert_true(ev & YG_DEV_EV_NEW);
		assert_true(ev & YG_DEV_EV_CLASS);
		assert_int_equal(v.cls, cases[i].cls);
		assert_int_equal(v.n_v4, 1);
		assert_int_equal(v.ports[0], cases[i].port);
		assert_non_null(strstr(v.evidence, "serves port"));
		/* The same again teaches nothing: no event. */
		assert_int_equal(serve(d, i + 1, cases[i].port, &v), 0);
	}
	/* Two server ports of medium weight make a server. */
	serve(d, 50, 25, &v);
	assert_int_equal(v.cls, YG_DEV_SERVER);

	/* Software that names itself. */
	uint8_t mac[6];
	mac_of(mac, 60);
	struct yg_addr a = v4(10, 0, 0, 60);
	struct yg_device_obs o = {.ts_us = 5, .mac = mac, .family = 4, .addr = &a,
				  .user_agent = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"};
	assert_true(yg_devices_observe(d, &o, &v) & YG_DEV_EV_CLASS);
	assert_int_equal(v.cls, YG_DEV_SMARTPHONE);
	mac_of(mac, 61);
	a = v4(10, 0, 0, 61);
	struct yg_device_obs o2 = {.ts_us = 5, .mac = mac, .family = 4, .addr = &a,
				   .dhcp_vendor = "MSFT 5.0", .hostname = "DESKTOP-42",
				   .hostname_src = YG_DEV_NAME_DHCP};
	yg_devices_observe(d, &o2, &v);
	assert_int_equal(v.cls, YG_DEV_WORKSTATION);
	assert_string_equal(v.hostname, "DESKTOP-42");
	assert_string_equal(v.os, "MSFT 5.0");
	/* A weaker source does not replace a DHCP host name. */
	struct yg_device_obs o3 = {.ts_us = 6, .mac = mac, .family = 4, .addr = &a,
				   .hostname = "other", .hostname_src = YG_DEV_NAME_DNS_PTR};
	assert_int_equal(yg_devices_observe(d, &o3, &v), 0);
	/* mDNS service types. */
	mac_of(mac, 62);
	a = v4(10, 0, 0, 62);
	struct yg_device_obs o4 = {.ts_us = 5, .mac = mac, .family = 4, .addr = &a,
				   .mdns_service = "_ipp._tcp.local"};
	yg_devices_observe(d, &o4, &v);
	assert_int_equal(v.cls, YG_DEV_PRINTER);
	assert_string_equal(v.mdns[0], "_ipp._tcp.local");
	/* Nothing said: unknown. */
	serve(d, 70, 0, &v);
	assert_int_equal(v.cls, YG_DEV_UNKNOWN);

	struct yg_devices_stats st;
	yg_devices_stats(d, &st);
	assert_int_equal(st.devices, 13);
	yg_devices_free(d);
}

static void addresses_and_routers(void **state)
{
	(void)state;
	struct yg_devices *d = table(0);
	static struct yg_device_view v;
	uint8_t mac[6] = {0x00, 0x1b, 0xa9, 0x12, 0x34, 0x56};
	/* A public address behind a MAC: a router forwarding, ignored. */
	struct yg_addr pub = v4(198, 51, 100, 7);
	struct yg_device_obs o = {.ts_us = 1, .mac = mac, .family = 4, .addr = &pub, .served_port = 443};
	assert_int_equal(yg_devices_observe(d, &o, &v), 0);
	/* Unless it is inside the home networks. */
	o.home = true;
	assert_true(yg_devices_observe(d, &o, &v) & YG_DEV_EV_NEW);
	assert_int_equal(v.n_v4, 1);

	/* SLAAC: the interface id is the MAC's EUI-64. */
	struct yg_addr slaac = {{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0x02, 0x1b, 0xa9, 0xff, 0xfe,
				 0x12, 0x34, 0x56}};
	struct yg_device_obs s = {.ts_us = 2, .mac = mac, .family = 6, .addr = &slaac};
	assert_true(yg_devices_observe(d, &s, &v) & YG_DEV_EV_UPDATE);
	assert_int_equal(v.n_v6, 1);
	/* A privacy address in the same /64: the same device. */
	struct yg_addr priv = {{0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0x5a, 0x11, 0x93, 0x27, 0x44,
				0x02, 0x9c, 0xe1}};
	s.addr = &priv;
	assert_true(yg_devices_observe(d, &s, &v) & YG_DEV_EV_UPDATE);
	assert_int_equal(v.n_v6, 2);
	/* Another /64 with a random id: not this device's. */
	struct yg_addr far = {{0x20, 0x01, 0x0d, 0xb8, 0, 9, 0, 0, 0x5a, 0x11, 0x93, 0x27, 0x44,
			       0x02, 0x9c, 0xe1}};
	s.addr = &far;
	assert_int_equal(yg_devices_observe(d, &s, &v), 0);
	/* Broadcast MACs are no device. */
	uint8_t bc[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
	struct yg_addr loc = v4(10, 1, 1, 1);
	struct yg_device_obs b = {.ts_us = 3, .mac = bc, .family = 4, .addr = &loc};
	assert_int_equal(yg_devices_observe(d, &b, &v), 0);
	struct yg_devices_stats st;
	yg_devices_stats(d, &st);
	assert_int_equal(st.devices, 1);
	assert_int_equal(st.ignored, 3);
	yg_devices_free(d);
}

static void alerts(void **state)
{
	(void)state;
	struct yg_devices_config c = {0};
	struct yg_devices *d;
	assert_int_equal(yg_devices_new(&c, &d), 0);
	static struct yg_device_view v;
	serve(d, 1, 9100, &v);
	uint8_t mac[6];
	mac_of(mac, 1);
	struct yg_addr a = v4(10, 0, 0, 1), peer = v4(203, 0, 113, 5), peer2 = v4(203, 0, 113, 6);
	struct yg_device_obs o = {.ts_us = 9, .mac = mac, .family = 4, .addr = &a,
				  .peer_internet = true, .peer = &peer, .peer_family = 4};
	assert_true(yg_devices_observe(d, &o, &v) & YG_DEV_EV_INTERNET);
	assert_false(yg_devices_observe(d, &o, &v) & YG_DEV_EV_INTERNET); /* once per peer */
	o.peer = &peer2;
	assert_true(yg_devices_observe(d, &o, &v) & YG_DEV_EV_INTERNET);
	/* A workstation talking to the internet is no alert. */
	mac_of(mac, 2);
	a = v4(10, 0, 0, 2);
	struct yg_device_obs w = {.ts_us = 9, .mac = mac, .family = 4, .addr = &a,
				  .dhcp_vendor = "MSFT 5.0", .peer_internet = true, .peer = &peer,
				  .peer_family = 4};
	assert_false(yg_devices_observe(d, &w, &v) & YG_DEV_EV_INTERNET);

	/* A smartphone on the ICS network: once. A controller there: none. */
	mac_of(mac, 3);
	a = v4(10, 0, 0, 3);
	struct yg_device_obs p = {.ts_us = 9, .mac = mac, .family = 4, .addr = &a, .ics = true,
				  .user_agent = "Dalvik/2.1.0 (Linux; U; Android 13)"};
	assert_true(yg_devices_observe(d, &p, &v) & YG_DEV_EV_ICS);
	p.user_agent = "Dalvik/2.1.0 (Linux; U; Android 14)";
	assert_false(yg_devices_observe(d, &p, &v) & YG_DEV_EV_ICS);
	mac_of(mac, 4);
	a = v4(10, 0, 0, 4);
	struct yg_device_obs plc = {.ts_us = 9, .mac = mac, .family = 4, .addr = &a, .ics = true,
				    .served_port = 502};
	assert_false(yg_devices_observe(d, &plc, &v) & YG_DEV_EV_ICS);
	assert_int_equal(v.cls, YG_DEV_CONTROLLER);
	yg_devices_free(d);
}

/* Workers read flows in no common order: a printer's flow to the internet
 * may come before the flow that shows it is a printer. The alert then
 * comes when the class does, on that earlier flow. */
static void internet_contact_before_class(void **state)
{
	(void)state;
	struct yg_devices *d = table(0);
	static struct yg_device_view v;
	uint8_t mac[6];
	mac_of(mac, 7);
	struct yg_addr a = v4(10, 0, 0, 7), peer = v4(203, 0, 113, 9);
	struct yg_device_contact c = {.ts_us = 5, .flow_id = 42, .family = 4, .proto = 6,
				      .toserver = true, .sport = 50001, .dport = 443,
				      .src = a, .dst = peer};
	struct yg_device_obs o = {.ts_us = 5, .mac = mac, .family = 4, .addr = &a,
				  .peer_internet = true, .peer = &peer, .peer_family = 4,
				  .contact = &c};
	assert_false(yg_devices_observe(d, &o, &v) & YG_DEV_EV_INTERNET);
	assert_false(yg_devices_observe(d, &o, &v) & YG_DEV_EV_INTERNET);
	unsigned ev = serve(d, 7, 9100, &v);
	assert_true(ev & YG_DEV_EV_CLASS);
	assert_true(ev & YG_DEV_EV_INTERNET);
	assert_int_equal(v.cls, YG_DEV_PRINTER);
	assert_int_equal(v.n_contacts, 1); /* the same peer twice is one contact */
	assert_int_equal(v.contacts[0].flow_id, 42);
	assert_int_equal(v.contacts[0].dport, 443);
	/* Once: neither the next sighting nor the same peer again alerts. */
	assert_false(serve(d, 7, 9100, &v) & YG_DEV_EV_INTERNET);
	assert_false(yg_devices_observe(d, &o, &v) & YG_DEV_EV_INTERNET);
	yg_devices_free(d);
}

/* DHCP option 55 alone names a printer; a desktop's vendor class beats
 * nothing it does not say. */
static void dhcp_fingerprint(void **state)
{
	(void)state;
	struct yg_devices *d = table(0);
	static struct yg_device_view v;
	uint8_t mac[6] = {0x00, 0x11, 0x22, 0x00, 0x00, 0x0a};
	struct yg_device_obs o = {.ts_us = 1, .mac = mac,
				  .dhcp_prl = "1,3,44,6,7,12,15,22,54,58,59,69,18,144"};
	assert_true(yg_devices_observe(d, &o, &v) & YG_DEV_EV_CLASS);
	assert_int_equal(v.cls, YG_DEV_PRINTER);
	assert_string_equal(v.prl, o.dhcp_prl);
	assert_string_equal(v.evidence, "dhcp fingerprint hp jetdirect");
	/* A list that is only a prefix of a known one is no match. */
	mac[5] = 0x0b;
	o.dhcp_prl = "1,3,44,6,7,12";
	yg_devices_observe(d, &o, &v);
	assert_int_equal(v.cls, YG_DEV_UNKNOWN);
	mac[5] = 0x0c;
	o.dhcp_prl = "1,3,6,15,31,33,43,44,46,47,119,121,249,252";
	yg_devices_observe(d, &o, &v);
	assert_int_equal(v.cls, YG_DEV_WORKSTATION);
	yg_devices_free(d);
}

/* A JA4 seen on a device classed by a service it serves is a weak clue
 * for another device with that JA4: with a printer vendor's OUI (another
 * weak clue) that makes a printer; either alone does not. */
static void ja4_learned_from_classed_devices(void **state)
{
	(void)state;
	struct yg_devices *d = table(0);
	static struct yg_device_view v;
	const char *ja4 = "t12d1209h1_c6e6a1f2b1a4_0f2cb44170f4";
	uint8_t mac[6];
	struct yg_addr a = v4(10, 0, 0, 30);
	/* Before anything is learned: the Brother OUI alone is no class. */
	mac_of(mac, 30);
	struct yg_device_obs o = {.ts_us = 1, .mac = mac, .family = 4, .addr = &a, .ja4 = ja4};
	yg_devices_observe(d, &o, &v);
	assert_int_equal(v.cls, YG_DEV_UNKNOWN);
	/* A printer (it serves 9100) shows the JA4. */
	serve(d, 31, 9100, &v);
	mac_of(mac, 31);
	a = v4(10, 0, 0, 31);
	yg_devices_observe(d, &o, &v);
	assert_int_equal(v.cls, YG_DEV_PRINTER);
	/* A new device with that JA4 and a printer OUI: a printer. */
	mac_of(mac, 32);
	a = v4(10, 0, 0, 32);
	yg_devices_observe(d, &o, &v);
	assert_int_equal(v.cls, YG_DEV_PRINTER);
	/* The same JA4 on a device firmly of another class: no longer a clue. */
	uint8_t other[6] = {0x00, 0x50, 0x56, 0x00, 0x00, 0x33};
	struct yg_addr b = v4(10, 0, 0, 33);
	struct yg_device_obs s = {.ts_us = 2, .mac = other, .family = 4, .addr = &b,
				  .served_port = 502, .served_proto = 6};
	yg_devices_observe(d, &s, &v);
	s.served_port = 0;
	s.ja4 = ja4;
	yg_devices_observe(d, &s, &v);
	assert_int_equal(v.cls, YG_DEV_CONTROLLER);
	mac_of(mac, 34);
	a = v4(10, 0, 0, 34);
	yg_devices_observe(d, &o, &v);
	assert_int_equal(v.cls, YG_DEV_UNKNOWN);
	yg_devices_free(d);
}

static void memcap_evicts_oldest(void **state)
{
	(void)state;
	struct yg_devices *d = table(YG_DEV_MEMCAP_MIN);
	static struct yg_device_view v;
	for (unsigned i = 0; i < 500; i++)
		serve(d, i, 0, &v);
	struct yg_devices_stats st;
	yg_devices_stats(d, &st);
	assert_true(st.devices > 0);
	assert_true(st.devices * 1500 <= YG_DEV_MEMCAP_MIN + 1500);
	assert_int_equal(st.created, 500);
	assert_int_equal(st.evicted, 500 - st.devices);
	/* The newest are kept: seeing the last one again is no new device. */
	assert_false(serve(d, 499, 0, &v) & YG_DEV_EV_NEW);
	assert_true(serve(d, 0, 0, &v) & YG_DEV_EV_NEW);
	yg_devices_free(d);
	struct yg_devices_config small = {.memcap = 1000};
	assert_int_equal(yg_devices_new(&small, &d), -22);
}

static void oui_vendor(void **state)
{
	(void)state;
	if (yg_oui_count == 0) {
		printf("skip: no IEEE OUI list at build time (Debian package ieee-data)\n");
		return;
	}
	static const uint8_t brother[6] = {0x00, 0x1b, 0xa9, 1, 2, 3};
	const char *v = yg_oui_vendor(brother);
	assert_non_null(v);
	assert_non_null(strstr(v, "Brother"));
	static const uint8_t local[6] = {0x02, 0x1b, 0xa9, 1, 2, 3};
	assert_null(yg_oui_vendor(local));
	for (unsigned i = 1; i < yg_oui_count; i++)
		assert_true(yg_oui_table[i - 1].oui < yg_oui_table[i].oui);
	assert_true(yg_oui_count > 10000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(classes_from_evidence), cmocka_unit_test(addresses_and_routers),
	    cmocka_unit_test(alerts), cmocka_unit_test(internet_contact_before_class),
	    cmocka_unit_test(dhcp_fingerprint), cmocka_unit_test(ja4_learned_from_classed_devices),
	    cmocka_unit_test(memcap_evicts_oldest),
	    cmocka_unit_test(oui_vendor),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

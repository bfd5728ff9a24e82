#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sensor/worker.h"

static struct yg_packet pkt(uint8_t proto, uint16_t sport, uint16_t dport, uint32_t len)
{
	static const uint8_t bytes[64];
	return (struct yg_packet){
	    .family = 4,
	    .proto = proto,
	    .l4_ok = true,
	    .sport = sport,
	    .dport = dport,
	    .payload = len ? bytes : NULL,
	    .payload_len = len,
	};
}

/* What the engine may leave behind when it hands a packet to another
 * thread: everything the app layer does not read. */
static void only_what_the_app_layer_reads(void **state)
{
	(void)state;
	struct yg_packet p = pkt(6, 50000, 8443, 40); /* TCP on any port */
	assert_true(yg_worker_reads_payload(&p));
	p.frag = true; /* fragments never reach the TCP stream */
	assert_false(yg_worker_reads_payload(&p));
	p = pkt(17, 50000, 53, 40);
	assert_true(yg_worker_reads_payload(&p));
	p = pkt(17, 5353, 5353, 40);
	assert_true(yg_worker_reads_payload(&p));
	p = pkt(17, 53, 50000, 40);
	assert_true(yg_worker_reads_payload(&p));
	p = pkt(17, 50000, 443, 1200); /* QUIC */
	assert_false(yg_worker_reads_payload(&p));
	p = pkt(1, 8, 0, 56); /* ICMP echo */
	assert_false(yg_worker_reads_payload(&p));
	p = pkt(6, 50000, 443, 0);
	assert_false(yg_worker_reads_payload(&p));
	p = pkt(17, 50000, 53, 40);
	p.l4_ok = false; /* a later fragment: no UDP header decoded */
	assert_false(yg_worker_reads_payload(&p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(only_what_the_app_layer_reads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * The baseline the sensor is measured against: a bare libpcap read loop.
 *
 *   tool_pcap_baseline FILE.pcap
 *
 * Opens the file with pcap_open_offline, calls pcap_next_ex until the end,
 * counting packets and captured bytes (it reads no packet byte itself, so
 * the loop costs what libpcap costs), and prints
 *   packets=N bytes=B seconds=S pps=R cpu_seconds=C cpu_pps=Q
 * with S measured by CLOCK_MONOTONIC around the loop only (opening the file
 * is not counted, as the sensor's engine time does not count loading), and
 * C the thread's CPU time over the same loop: per-core rates (the darknet
 * path's bench) compare CPU time, which a loaded machine does not skew.
 */
#include <inttypes.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <time.h>

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: tool_pcap_baseline FILE.pcap\n");
		return 2;
	}
	char err[PCAP_ERRBUF_SIZE];
	pcap_t *p = pcap_open_offline(argv[1], err);
	if (!p) {
		fprintf(stderr, "tool_pcap_baseline: %s\n", err);
		return 1;
	}
	uint64_t packets = 0, bytes = 0;
	struct pcap_pkthdr *h;
	const u_char *data;
	int r;
	double t0 = now_s(), c0 = cpu_s();
	while ((r = pcap_next_ex(p, &h, &data)) == 1) {
		packets++;
		bytes += h->caplen;
	}
	double secs = now_s() - t0, cpu = cpu_s() - c0;
	int rc = 0;
	if (r == PCAP_ERROR) {
		/* A file cut short: report what was read, and fail. */
		fprintf(stderr, "tool_pcap_baseline: %s: %s\n", argv[1], pcap_geterr(p));
		rc = 1;
	}
	pcap_close(p);
	printf("packets=%" PRIu64 " bytes=%" PRIu64 " seconds=%.6f pps=%.0f cpu_seconds=%.6f "
	       "cpu_pps=%.0f\n",
	       packets, bytes, secs, secs > 0 ? (double)packets / secs : 0.0, cpu,
	       cpu > 0 ? (double)packets / cpu : 0.0);
	return rc;
}

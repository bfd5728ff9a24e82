/*
 * The sensor engine: reads a capture, decodes, spreads packets over worker
 * pipelines by a symmetric flow hash, and keeps the indicator set live.
 *
 * The reading thread decodes every packet and runs worker 0's pipeline
 * itself. With N > 1 workers, packets whose flow hashes to worker 1..N-1
 * are copied into batches for N-1 more threads; worker 0 takes a smaller
 * share of the flows since its thread also reads and decodes. Each worker
 * has its own flow table and output buffer: no locks on the packet path.
 */
#ifndef YG_SENSOR_ENGINE_H
#define YG_SENSOR_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "darknet/telescope.h"
#include "sensor/stats.h"
#include "sensor/worker.h"

struct yg_engine;

struct yg_engine_config {
	unsigned workers;                /* >= 1 */
	struct yg_worker_config worker;  /* template; id is set per worker */
	/* Packets to a darknet prefix go here, on the reading thread, instead
	 * of to the workers (nothing there answers: no flows, no app layer).
	 * Borrowed; may be NULL. */
	struct yg_darknet *darknet;
	/* Hand the workers each packet's whole frame too (--pcap-log): the
	 * batches then carry frames instead of payloads alone. Off, nothing
	 * on the packet path changes. */
	bool keep_frames;
	/* Called about twice a second from the reading thread (may be NULL). */
	void (*progress)(void *ud, uint64_t pkts, uint64_t bytes, uint64_t pos, uint64_t size);
	void *progress_ud;
};

struct yg_engine_result {
	struct yg_sensor_stats stats;  /* summed over workers */
	uint64_t kernel_recv, kernel_drop;
	uint64_t queue_drops;          /* live only: packets dropped for a full queue */
	uint64_t darknet_pkts;         /* packets that went to the darknet path */
	bool capture_error;            /* the file was damaged / the read failed */
	char capture_err[256];
	double seconds;                /* wall-clock time of the run */
	/* CPU time of the reading thread (which also runs worker 0) during
	 * the run, and of the threaded workers 1..N-1 (sum and largest). */
	double reader_cpu_s, workers_cpu_s, worker_cpu_max_s;
};

/* The --workers default: one per CPU the process may run on (its
 * affinity mask, which is what a container or taskset leaves it), at most
 * YG_ENGINE_AUTO_MAX. Like Suricata's default thread count: an analyst
 * who runs the sensor on a capture expects it to use the machine. */
#define YG_ENGINE_AUTO_MAX 16
unsigned yg_engine_default_workers(void);

/* Caller frees with yg_engine_free. */
int yg_engine_new(const struct yg_engine_config *cfg, struct yg_engine **ret);
void yg_engine_free(struct yg_engine *e);

/* Runs until the capture ends or yg_engine_stop; fills ret. The calling
 * thread must be registered with RCU. */
int yg_engine_run(struct yg_engine *e, struct yg_capture *cap, struct yg_engine_result *ret);

/*
 * Back to the state of a new engine with the same configuration, for
 * another yg_engine_run: every worker is reset (yg_worker_reset: flows,
 * reassembly and app state dropped without events, counters and flow ids
 * from the start, unflushed output dropped) and the stop flag cleared.
 * The allocations stay: the workers, their flow tables' first chunks,
 * the read-ahead batch and the threaded workers' batches. The same
 * capture afterwards gives the same events byte for byte as on a new
 * engine. Not during yg_engine_run. What the configuration borrows
 * (darknet, and the worker template's intel, sink, beacon table, ...) is
 * the caller's to reset. A run after a run without a reset processes
 * nothing.
 */
void yg_engine_reset(struct yg_engine *e);

/* Async-signal-safe: makes yg_engine_run return soon. */
void yg_engine_stop(struct yg_engine *e);

#endif

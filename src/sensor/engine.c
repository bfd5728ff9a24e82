#include "sensor/engine.h"

#include <emmintrin.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <urcu.h>

#include "common/hash.h"
#include "decode/decode.h"
#include "flow/flow.h"

#define BATCH_PKTS YG_WORKER_BATCH_MAX
#define INLINE_BATCH 64 /* packets read ahead for the reading thread's worker */
/* The reading thread's worker takes this much of a fair share of flows
 * (in 1/1000): it spends the rest of its time reading and decoding.
 * Chosen by paired wall-clock runs of --workers 2 on the 10M-packet bench
 * capture on a quiet 2-core machine: 400 beat 550 in five of six pairs
 * (best 2.69 s vs 2.83 s); CPU-sample balancing on a loaded machine had
 * suggested 550. Checked again with five runs each: 270, 330, 460, 480
 * and 540 were all slower than 400. */
#define READER_SHARE_PERMILLE 400
/* Batches carry payloads only (see batch_need): 256 KiB holds a full
 * batch of all but the largest packets. */
#define BATCH_BYTES (256u << 10)
/* Deep enough to ride out a worker's burst of work (a ClientHello storm,
 * flow ends) without stalling the reading thread: 16 let the reading
 * thread wait a tenth of the run with --workers 2; 64 took 4 % off the
 * wall time (96: 1 % more). About 290 KiB each, allocated on demand. */
#define QUEUE_BATCHES 64 /* per worker */
/* Batches in circulation per worker: the queue, one being processed, one
 * being filled. */
#define MAX_BATCHES (QUEUE_BATCHES + 2)

struct batch {
	unsigned n;
	size_t used;
	uint64_t tick_us; /* n == 0: a clock tick for idle live captures */
	/* With keep_frames: the frame of each packet, copied into data (the
	 * packet's payload then points into it). Beside the packets rather
	 * than in them: struct yg_packet stays the size it streams at. */
	const uint8_t *frames[BATCH_PKTS];
	/* Line-aligned for batch_add's streamed stores; a batch comes from
	 * batch_new. */
	_Alignas(64) struct yg_packet pkts[BATCH_PKTS];
	_Alignas(64) uint8_t data[BATCH_BYTES];
};

/* A bounded queue of batches between the reader and one worker. */
struct queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct batch *full[QUEUE_BATCHES];
	unsigned head, count;
	struct batch *free_[MAX_BATCHES];
	unsigned n_free;
	unsigned allocated;
	bool closed;
};

struct wthread {
	struct yg_engine *e;
	struct yg_worker *w;
	struct queue q;
	struct batch *cur; /* being filled by the reader */
	pthread_t tid;
	bool started;
	double cpu_s; /* the thread's CPU time, set when it ends */
};

struct yg_engine {
	struct yg_engine_config cfg;
	struct wthread *wt;
	unsigned n;
	/* flow_worker's split, worked out once (a division per packet cost
	 * the reading thread 3 % of its time): hashes below share0 go to
	 * worker 0, the rest to 1 + ((h - share0) * scale >> 56), which is
	 * below n. */
	uint64_t share0, scale;
	bool keep_frames; /* cfg.keep_frames */
	atomic_bool stop;
	struct yg_capture *cap;
	/* Worker 0's read-ahead, made by the first run and kept for the
	 * next (yg_engine_reset): 300 KiB mapped and unmapped per run cost
	 * a short capture more than reading it. */
	struct batch *lb;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void queue_init(struct queue *q)
{
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->cond, NULL);
}

static void queue_release(struct queue *q)
{
	for (unsigned i = 0; i < q->count; i++)
		free(q->full[(q->head + i) % QUEUE_BATCHES]);
	for (unsigned i = 0; i < q->n_free; i++)
		free(q->free_[i]);
	pthread_mutex_destroy(&q->lock);
	pthread_cond_destroy(&q->cond);
}

unsigned yg_engine_default_workers(void)
{
	cpu_set_t set;
	int n = 0;
	if (sched_getaffinity(0, sizeof set, &set) == 0)
		n = CPU_COUNT(&set);
	if (n < 1) {
		long k = sysconf(_SC_NPROCESSORS_ONLN);
		n = k > 0 ? (int)(k < YG_ENGINE_AUTO_MAX ? k : YG_ENGINE_AUTO_MAX) : 1;
	}
	return n > YG_ENGINE_AUTO_MAX ? YG_ENGINE_AUTO_MAX : (unsigned)n;
}

int yg_engine_new(const struct yg_engine_config *cfg, struct yg_engine **ret)
{
	int r = -ENOMEM;
	if (cfg->workers < 1 || cfg->workers > 64)
		return -EINVAL;
	struct yg_engine *e = calloc(1, sizeof *e);
	if (!e)
		return -ENOMEM;
	e->cfg = *cfg;
	e->n = cfg->workers;
	e->keep_frames = cfg->keep_frames;
	e->share0 = ((uint64_t)1 << 32) * READER_SHARE_PERMILLE / 1000 / e->n;
	/* (n - 1) * 2^56 / (2^32 - share0), rounded down: the largest hash
	 * maps below n - 1, and the product with a 32-bit hash fits in 64
	 * bits for n <= 64. */
	e->scale = ((uint64_t)(e->n - 1) << 56) / (((uint64_t)1 << 32) - e->share0);
	e->wt = calloc(e->n, sizeof *e->wt);
	if (!e->wt)
		goto fail;
	for (unsigned i = 0; i < e->n; i++) {
		struct yg_worker_config wc = cfg->worker;
		wc.id = i;
		/* The memory cap is for the whole sensor: split it. */
		if (wc.flow.memcap)
			wc.flow.memcap /= e->n;
		wc.pcap_memcap /= e->n;
		e->wt[i].e = e;
		queue_init(&e->wt[i].q);
		r = yg_worker_new(&wc, &e->wt[i].w);
		if (r < 0)
			goto fail;
	}
	*ret = e;
	return 0;
fail:
	yg_engine_free(e);
	return r;
}

void yg_engine_free(struct yg_engine *e)
{
	if (!e)
		return;
	for (unsigned i = 0; e->wt && i < e->n; i++) {
		yg_worker_free(e->wt[i].w);
		free(e->wt[i].cur);
		queue_release(&e->wt[i].q);
	}
	free(e->wt);
	free(e->lb);
	free(e);
}

void yg_engine_reset(struct yg_engine *e)
{
	for (unsigned i = 0; i < e->n; i++) {
		struct wthread *t = &e->wt[i];
		yg_worker_reset(t->w);
		/* The run drained every queue and joined its threads: only
		 * the closed flag and the batch being filled are left. */
		if (t->cur) {
			t->cur->n = 0;
			t->cur->used = 0;
			t->cur->tick_us = 0;
		}
		t->q.closed = false;
		t->started = false;
		t->cpu_s = 0;
	}
	if (e->lb) {
		e->lb->n = 0;
		e->lb->used = 0;
	}
	atomic_store(&e->stop, false);
}

void yg_engine_stop(struct yg_engine *e)
{
	atomic_store(&e->stop, true);
	if (e->cap)
		yg_capture_break(e->cap);
}

/* Symmetric: both directions of a flow land on the same worker. */
static unsigned flow_worker(const struct yg_engine *e, const struct yg_packet *p)
{
	if (e->n == 1 || !p->family)
		return 0;
	uint64_t a[3], b[3];
	uint8_t proto = p->proto;
	if (yg_flow_icmp_error_quotes(p)) {
		/* Counted in the flow it quotes: that flow's worker. */
		memcpy(a, p->quote.src.b, 16);
		memcpy(b, p->quote.dst.b, 16);
		a[2] = p->quote.sport;
		b[2] = p->quote.dport;
		proto = p->quote.proto;
	} else {
		memcpy(a, p->src.b, 16);
		memcpy(b, p->dst.b, 16);
		a[2] = p->sport;
		b[2] = p->dport;
		/* Ports as the flow table keys them: TCP/UDP only (ICMP's
		 * type and code differ between request and reply). */
		if (!p->l4_ok || (p->proto != 6 && p->proto != 17))
			a[2] = b[2] = 0;
	}
	uint64_t h = (a[0] ^ b[0]) * 0x9e3779b97f4a7c15ULL + (a[1] ^ b[1]) +
		     ((a[2] ^ b[2]) << 1) + (a[0] + b[0]) + (a[1] + b[1]) + (a[2] + b[2]) + proto;
	h = yg_hash_mix64(h);
	/* Worker 0 runs on the reading thread, which also reads and decodes
	 * every packet: it gets a smaller share of the flows, the others
	 * split the rest. */
	uint64_t u = h >> 32; /* uniform in [0, 2^32) */
	if (u < e->share0)
		return 0;
	return 1 + (unsigned)(((u - e->share0) * e->scale) >> 56);
}

/* Busy time of the calling thread: how --workers balance shows (wall
 * time cannot tell a waiting thread from a working one). */
static double thread_cpu_s(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) < 0)
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *worker_main(void *arg)
{
	struct wthread *t = arg;
	struct queue *q = &t->q;
	rcu_register_thread();
	for (;;) {
		pthread_mutex_lock(&q->lock);
		while (q->count == 0 && !q->closed)
			pthread_cond_wait(&q->cond, &q->lock);
		if (q->count == 0 && q->closed) {
			pthread_mutex_unlock(&q->lock);
			break;
		}
		struct batch *b = q->full[q->head];
		q->head = (q->head + 1) % QUEUE_BATCHES;
		q->count--;
		pthread_cond_broadcast(&q->cond);
		pthread_mutex_unlock(&q->lock);

		rcu_read_lock();
		if (b->n == 0) {
			/* Idle live link: end idle flows, write out what waits. */
			yg_worker_tick(t->w, b->tick_us);
			yg_worker_flush(t->w);
		}
		if (t->e->keep_frames)
			yg_worker_packets_frames(t->w, b->pkts, b->frames, b->n);
		else
			yg_worker_packets(t->w, b->pkts, b->n);
		rcu_read_unlock();

		pthread_mutex_lock(&q->lock);
		q->free_[q->n_free++] = b;
		pthread_cond_broadcast(&q->cond);
		pthread_mutex_unlock(&q->lock);
	}
	rcu_read_lock();
	yg_worker_finish(t->w);
	rcu_read_unlock();
	t->cpu_s = thread_cpu_s();
	rcu_unregister_thread();
	return NULL;
}

/* Hands the filling batch to its worker. A live capture never waits for
 * a slow worker (the batch is dropped and counted); a file read does. */
static int submit(struct wthread *t, bool live, uint64_t *drops)
{
	struct queue *q = &t->q;
	struct batch *b = t->cur;
	t->cur = NULL;
	_mm_sfence(); /* batch_add's streamed stores land before the handover */
	pthread_mutex_lock(&q->lock);
	while (q->count == QUEUE_BATCHES && !live)
		pthread_cond_wait(&q->cond, &q->lock);
	if (q->count == QUEUE_BATCHES) {
		*drops += b->n;
		q->free_[q->n_free++] = b;
	} else {
		q->full[(q->head + q->count) % QUEUE_BATCHES] = b;
		q->count++;
		pthread_cond_broadcast(&q->cond);
	}
	pthread_mutex_unlock(&q->lock);
	return 0;
}

/* An empty batch, line-aligned; the caller frees it with free(). */
static struct batch *batch_new(void)
{
	struct batch *b = aligned_alloc(_Alignof(struct batch), sizeof *b);
	if (b) {
		b->n = 0;
		b->used = 0;
		b->tick_us = 0;
	}
	return b;
}

static struct batch *get_batch(struct wthread *t)
{
	if (t->cur)
		return t->cur;
	struct queue *q = &t->q;
	struct batch *b = NULL;
	pthread_mutex_lock(&q->lock);
	while (!q->n_free && q->allocated == MAX_BATCHES)
		pthread_cond_wait(&q->cond, &q->lock);
	if (q->n_free)
		b = q->free_[--q->n_free];
	else if ((b = batch_new()) != NULL)
		q->allocated++;
	pthread_mutex_unlock(&q->lock);
	if (!b)
		return NULL;
	b->n = 0;
	b->used = 0;
	b->tick_us = 0;
	t->cur = b;
	return b;
}

/* Bytes of a decoded packet a worker still reads: its L4 payload, and
 * only where the app layer reads it (yg_worker_reads_payload: not the
 * payload of a QUIC or other UDP datagram, nor of ICMP). Headers are
 * decoded into struct yg_packet already, and about half the packets of a
 * link carry no payload at all (ACKs); copying whole frames cost the
 * reading thread a tenth of its time with --workers 2. */
static size_t batch_need(const struct yg_packet *pkt)
{
	return pkt->payload && yg_worker_reads_payload(pkt) ? pkt->payload_len : 0;
}

/* With keep_frames a batch carries the whole frame instead (the payload
 * is inside it). */
static size_t need_of(const struct yg_engine *e, const struct yg_packet *pkt)
{
	return e->keep_frames ? pkt->caplen : batch_need(pkt);
}

/* Copies frame (pkt->caplen bytes, of which pkt's payload is a part) to
 * copy and points pkt's payload there. */
static void rebase_frame(struct yg_packet *pkt, const uint8_t *frame, const uint8_t *copy)
{
	if (pkt->payload)
		pkt->payload = copy + (pkt->payload - frame);
}

/* Copies n bytes to dst (16-byte aligned) with stores that bypass the
 * cache, rounding n up to 16 with zeros (dst has the room).
 * Why: a batch for another worker goes to another core, and that core
 * read this batch's memory last time round. Ordinary stores would each
 * wait to take their line back from its cache; with --workers 2 they
 * stalled the reading thread for a quarter of its time (perf showed it
 * waiting on a full store buffer). Streamed, the run took 2.2 s instead
 * of 2.4 s (paired runs on the bench capture). */
static void copy_stream(uint8_t *dst, const uint8_t *src, size_t n)
{
	size_t i = 0;
	for (; i + 16 <= n; i += 16)
		_mm_stream_si128((__m128i *)(dst + i), _mm_loadu_si128((const __m128i *)(src + i)));
	if (i < n) {
		uint8_t tail[16] = {0};
		memcpy(tail, src + i, n - i);
		_mm_stream_si128((__m128i *)(dst + i), _mm_loadu_si128((const __m128i *)tail));
	}
}

/* need bytes of b->data for a payload, from a cache line of its own so
 * that streamed lines are written whole, never half. */
static uint8_t *batch_room(struct batch *b, size_t need)
{
	uint8_t *p = b->data + b->used;
	b->used += (need + 63) & ~(size_t)63;
	if (b->used > BATCH_BYTES)
		b->used = BATCH_BYTES;
	return p;
}

/* batch_add for keep_frames: the frame goes with the packet. */
static void batch_add_frame(struct batch *b, const struct yg_packet *pkt, const uint8_t *frame)
{
	size_t need = pkt->caplen;
	uint8_t *copy = batch_room(b, need);
	struct yg_packet p = *pkt;
	rebase_frame(&p, frame, copy);
	b->frames[b->n] = copy;
	copy_stream((uint8_t *)&b->pkts[b->n++], (const uint8_t *)&p, sizeof p);
	if (need)
		copy_stream(copy, frame, need);
}

/* Copies a decoded packet and its payload into b (which has room) for
 * another thread, streamed (see copy_stream; submit fences it). */
static void batch_add(struct batch *b, const struct yg_packet *pkt)
{
	size_t need = batch_need(pkt);
	uint8_t *copy = need ? batch_room(b, need) : NULL;
	struct yg_packet p = *pkt;
	/* The only pointer in a packet points to its payload: rebase it
	 * (or drop it: it points into libpcap's buffer). */
	p.payload = copy;
	_Static_assert(sizeof p % 16 == 0, "packets stream whole");
	copy_stream((uint8_t *)&b->pkts[b->n++], (const uint8_t *)&p, sizeof p);
	if (need)
		copy_stream(copy, pkt->payload, need);
}

/* batch_keep for keep_frames: the frame, still in libpcap's buffer, is
 * copied in. */
static void batch_keep_frame(struct batch *b, const uint8_t *frame)
{
	struct yg_packet *pkt = &b->pkts[b->n];
	uint8_t *copy = batch_room(b, pkt->caplen);
	memcpy(copy, frame, pkt->caplen);
	rebase_frame(pkt, frame, copy);
	b->frames[b->n++] = copy;
}

/* Keeps the packet decoded in place at b->pkts[b->n] (b has room for its
 * payload): its payload, still in libpcap's buffer, is copied in. */
static void batch_keep(struct batch *b)
{
	struct yg_packet *pkt = &b->pkts[b->n++];
	size_t need = batch_need(pkt);
	if (!need) {
		pkt->payload = NULL; /* it points into libpcap's buffer */
		return;
	}
	uint8_t *copy = batch_room(b, need);
	memcpy(copy, pkt->payload, need);
	pkt->payload = copy;
}

/* Copies a decoded packet and its payload (or frame) into worker i's batch. */
static void enqueue(struct yg_engine *e, unsigned i, const struct yg_packet *pkt,
		    const uint8_t *frame, bool live, uint64_t *drops)
{
	struct wthread *t = &e->wt[i];
	size_t need = need_of(e, pkt);
	struct batch *b = get_batch(t);
	if (b && (b->n == BATCH_PKTS || b->used + need > BATCH_BYTES)) {
		submit(t, live, drops);
		b = get_batch(t);
	}
	if (!b || need > BATCH_BYTES) {
		(*drops)++;
		return;
	}
	if (e->keep_frames)
		batch_add_frame(b, pkt, frame);
	else
		batch_add(b, pkt);
}

/* One thread does everything: read a few packets ahead so the worker can
 * prefetch their flows. */
static void inline_run(struct yg_engine *e, struct batch *lb)
{
	rcu_read_lock();
	if (e->keep_frames)
		yg_worker_packets_frames(e->wt[0].w, lb->pkts, lb->frames, lb->n);
	else
		yg_worker_packets(e->wt[0].w, lb->pkts, lb->n);
	rcu_read_unlock();
	lb->n = 0;
	lb->used = 0;
}

static void flush_all(struct yg_engine *e, bool live, uint64_t *drops)
{
	for (unsigned i = 1; i < e->n; i++)
		if (e->wt[i].cur && e->wt[i].cur->n)
			submit(&e->wt[i], live, drops);
}

/* Worker 0 lives on the reading thread: a tick or a flush for it and for
 * the threaded workers (1..n-1) alike. */
static void tick_all(struct yg_engine *e, struct batch *lb, bool live, uint64_t now_us,
		     uint64_t *drops)
{
	if (lb->n)
		inline_run(e, lb);
	if (e->cfg.darknet)
		yg_darknet_tick(e->cfg.darknet, now_us);
	rcu_read_lock();
	yg_worker_tick(e->wt[0].w, now_us);
	yg_worker_flush(e->wt[0].w);
	rcu_read_unlock();
	flush_all(e, live, drops);
	for (unsigned i = 1; i < e->n; i++) {
		struct batch *b = get_batch(&e->wt[i]);
		if (b) {
			b->tick_us = now_us;
			submit(&e->wt[i], live, drops);
		}
	}
}

/* Hands a decoded packet (at lb->pkts[lb->n]) to its flow's worker;
 * frame is the capture's buffer it was decoded from. */
static void dispatch(struct yg_engine *e, struct batch *lb, struct yg_packet *pkt,
		     const uint8_t *frame, bool live, uint64_t *drops)
{
	unsigned w = flow_worker(e, pkt);
	size_t need = need_of(e, pkt);
	if (w) {
		enqueue(e, w, pkt, frame, live, drops);
	} else if (need > BATCH_BYTES) {
		struct yg_packet big = *pkt;
		if (lb->n)
			inline_run(e, lb);
		rcu_read_lock();
		if (e->keep_frames)
			yg_worker_packets_frames(e->wt[0].w, &big, &frame, 1);
		else
			yg_worker_packet(e->wt[0].w, &big);
		rcu_read_unlock();
	} else {
		if (lb->used + need > BATCH_BYTES) {
			/* No room for its payload: run the others first. */
			struct yg_packet keep = *pkt;
			inline_run(e, lb);
			lb->pkts[0] = keep;
		}
		if (e->keep_frames)
			batch_keep_frame(lb, frame);
		else
			batch_keep(lb);
		if (lb->n == INLINE_BATCH)
			inline_run(e, lb);
	}
}

int yg_engine_run(struct yg_engine *e, struct yg_capture *cap, struct yg_engine_result *ret)
{
	memset(ret, 0, sizeof *ret);
	e->cap = cap;
	bool live = yg_capture_is_live(cap);
	int linktype = yg_capture_linktype(cap);
	double t0 = now_s(), last_progress = t0, last_live_flush = t0, cpu0 = thread_cpu_s();
	uint64_t pkts = 0, bytes = 0, drops = 0;
	int r = 0;
	/* Read-ahead for worker 0, which runs here: it lets the worker
	 * prefetch its flows. */
	if (!e->lb)
		e->lb = batch_new();
	struct batch *lb = e->lb;
	if (!lb) {
		r = -ENOMEM;
		goto join;
	}
	for (unsigned i = 1; i < e->n; i++) {
		if (pthread_create(&e->wt[i].tid, NULL, worker_main, &e->wt[i]) != 0) {
			r = -EAGAIN;
			goto join;
		}
		e->wt[i].started = true;
	}
	struct yg_raw_packet raw;
	for (;;) {
		if (atomic_load_explicit(&e->stop, memory_order_relaxed))
			break;
		int k = yg_capture_next(cap, &raw, ret->capture_err, sizeof ret->capture_err);
		if (k == 0)
			break;
		if (k == -EAGAIN) {
			/* Idle live capture: let flows time out on the wall clock. */
			struct timespec ts;
			clock_gettime(CLOCK_REALTIME, &ts);
			tick_all(e, lb, live,
				 (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u, &drops);
			continue;
		}
		if (k < 0) {
			ret->capture_error = true;
			break;
		}
		pkts++;
		bytes += raw.wirelen;
		/* Decoded straight into worker 0's read-ahead (lb->n is below
		 * INLINE_BATCH here): its packets are not copied again. */
		struct yg_packet *pkt = &lb->pkts[lb->n];
		yg_decode(linktype, raw.data, raw.caplen, raw.wirelen, raw.ts_us, pkt);
		if (e->cfg.darknet && pkt->family && yg_darknet_match(e->cfg.darknet, pkt)) {
			/* The telescope keeps one table of sources: it runs here,
			 * not spread over the workers by flow. */
			yg_darknet_packet(e->cfg.darknet, pkt, raw.data, raw.caplen);
			ret->darknet_pkts++;
		} else {
			dispatch(e, lb, pkt, raw.data, live, &drops);
		}
		if ((pkts & 0x3fff) == 0) {
			double t = now_s();
			if (t - last_progress >= 0.5) {
				last_progress = t;
				if (e->cfg.progress) {
					uint64_t pos, size;
					yg_capture_progress(cap, &pos, &size);
					e->cfg.progress(e->cfg.progress_ud, pkts, bytes, pos, size);
				}
			}
		}
		if (live) {
			/* A live alert must not wait for a full buffer: hand out
			 * what is pending every 100 ms of wall time. */
			double t = now_s();
			if (t - last_live_flush >= 0.1) {
				last_live_flush = t;
				tick_all(e, lb, live, raw.ts_us, &drops);
			}
		}
	}
	flush_all(e, false, &drops);
	if (lb->n)
		inline_run(e, lb);
join:
	/* The telescope's last window is written here, whatever ended the run:
	 * its hub body must reach the sender while that still runs. */
	if (e->cfg.darknet)
		yg_darknet_finish(e->cfg.darknet);
	for (unsigned i = 1; i < e->n; i++) {
		struct queue *q = &e->wt[i].q;
		pthread_mutex_lock(&q->lock);
		q->closed = true;
		pthread_cond_broadcast(&q->cond);
		pthread_mutex_unlock(&q->lock);
	}
	/* Worker 0 ends its flows (a burst of flow events at the end of a
	 * file) while the others drain their queues and end theirs. */
	rcu_read_lock();
	yg_worker_finish(e->wt[0].w);
	rcu_read_unlock();
	for (unsigned i = 1; i < e->n; i++)
		if (e->wt[i].started)
			pthread_join(e->wt[i].tid, NULL);
	ret->reader_cpu_s = thread_cpu_s() - cpu0;
	for (unsigned i = 1; i < e->n; i++) {
		ret->workers_cpu_s += e->wt[i].cpu_s;
		if (e->wt[i].cpu_s > ret->worker_cpu_max_s)
			ret->worker_cpu_max_s = e->wt[i].cpu_s;
	}
	for (unsigned i = 0; i < e->n; i++) {
		struct yg_sensor_stats s;
		yg_worker_stats(e->wt[i].w, &s);
		yg_sensor_stats_add(&ret->stats, &s);
	}
	if (e->cfg.progress) {
		uint64_t pos, size;
		yg_capture_progress(cap, &pos, &size);
		e->cfg.progress(e->cfg.progress_ud, pkts, bytes, size ? size : pos, size);
	}
	/* Telescope packets never reach a worker: count them in the totals
	 * (decoder packets and bytes), as every packet read is. */
	if (e->cfg.darknet) {
		struct yg_darknet_stats ds;
		yg_darknet_stats(e->cfg.darknet, &ds);
		ret->stats.pkts += ret->darknet_pkts;
		ret->stats.bytes += ds.bytes;
	}
	yg_capture_kernel_stats(cap, &ret->kernel_recv, &ret->kernel_drop);
	ret->queue_drops = drops;
	ret->seconds = now_s() - t0;
	e->cap = NULL;
	return r;
}

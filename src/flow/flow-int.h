/*
 * Private to flow/: the pool that flows live in.
 *
 * Flows are addressed by 32-bit slot numbers instead of pointers so that
 * the links inside struct yg_flow and the bucket array take 4 bytes each
 * (a flow fits in two cache lines). Slot s is flow (s & mask) of chunk
 * (s >> YG_FLOW_CHUNK_SHIFT). A chunk is never moved, so a struct yg_flow
 * pointer stays valid while its slot is in use; a chunk whose slots are
 * all free may be released (see pool.c). Slot 0 is never handed out: it
 * means "none".
 */
#ifndef YG_FLOW_FLOW_INT_H
#define YG_FLOW_FLOW_INT_H

#include <stddef.h>
#include <stdint.h>

#include "flow/flow.h"

#define YG_FLOW_CHUNK_SHIFT 14
#define YG_FLOW_CHUNK_FLOWS (1u << YG_FLOW_CHUNK_SHIFT) /* 2 MiB of flows: one huge page */
#define YG_FLOW_CHUNK_MASK  (YG_FLOW_CHUNK_FLOWS - 1)
/* Slot numbers are 32-bit: at most 2^20 chunks. */
#define YG_FLOW_MAX_CHUNKS (1u << (32 - YG_FLOW_CHUNK_SHIFT))

struct yg_flow_chunk_meta {
	uint32_t free_head; /* freed slots of this chunk, linked through hnext */
	uint32_t fresh;     /* next never used slot index in the chunk */
	uint32_t n_slots;   /* slots allocated (a last chunk may be partial) */
	uint32_t used;      /* slots handed out */
};

struct yg_flow_pool {
	struct yg_flow **chunks; /* NULL: never allocated or released */
	struct yg_flow_chunk_meta *meta;
	uint64_t *avail;     /* bit c: chunk c has a slot to give */
	uint32_t n_chunks;   /* chunk indexes in use are below this */
	uint32_t cap_chunks; /* length of the three arrays */
	uint32_t avail_hint; /* no avail bit below word avail_hint */
	size_t slots, used;  /* usable slots in all chunks, slots handed out */
	uint32_t n_empty;    /* allocated chunks with no slot handed out */
	size_t bytes;        /* chunks plus the three arrays */
};

static inline struct yg_flow *yg_flow_pool_at(const struct yg_flow_pool *p, uint32_t slot)
{
	return &p->chunks[slot >> YG_FLOW_CHUNK_SHIFT][slot & YG_FLOW_CHUNK_MASK];
}

/* Returns a free slot (its flow's contents undefined), or 0 when none is
 * free and a new chunk would take more than room bytes (a chunk may be
 * partial to use the room up) or cannot be allocated. Slots of the lowest
 * chunks are handed out first, so that high chunks drain and can go. */
uint32_t yg_flow_pool_get(struct yg_flow_pool *p, size_t room);

/* Gives a slot back. Releases its chunk when that leaves the chunk empty
 * and the other chunks still have half a chunk of free slots (hysteresis
 * against freeing and allocating a chunk on every flow at a boundary). */
void yg_flow_pool_put(struct yg_flow_pool *p, uint32_t slot);

/* Releases every chunk that has no slot in use; returns the bytes freed. */
size_t yg_flow_pool_trim(struct yg_flow_pool *p);

/* Frees every chunk; the pool is empty (all zero) afterwards. */
void yg_flow_pool_release(struct yg_flow_pool *p);

/* Every slot back (the caller has ended their flows): the pool as it was
 * right after its first chunk was added, that chunk kept. When more than
 * that was ever grown (the per-chunk arrays past their first size), or
 * chunk 0 is gone, releases everything instead (the state of a new pool). */
void yg_flow_pool_reset(struct yg_flow_pool *p);

#endif

/*
 * The dashboard's session table (see session.h).
 *
 * Why a flat array scanned under one mutex: a hub has a few dozen analysts
 * with the dashboard open, and even at the cap a scan of 4096 hashes costs
 * a few microseconds, far below the store lookup of the token that every
 * request does anyway; a hash table would add code, not speed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include "hub/auth.h"
#include "hub/session.h"

struct slot {
	bool used;
	uint8_t id_hash[SHA256_DIGEST_LENGTH];
	uint8_t token_hash[YG_TOKEN_HASH_LEN];
	char csrf[YG_SESSION_CSRF_LEN + 1];
	int64_t created_us, seen_us;
};

struct yg_sessions {
	pthread_mutex_t lock;
	struct slot slots[YG_SESSIONS_MAX];
};

int yg_sessions_new(struct yg_sessions **ret)
{
	struct yg_sessions *s = calloc(1, sizeof *s);
	if (!s)
		return -ENOMEM;
	pthread_mutex_init(&s->lock, NULL);
	*ret = s;
	return 0;
}

void yg_sessions_free(struct yg_sessions *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	OPENSSL_cleanse(s->slots, sizeof s->slots);
	free(s);
}

static int random_hex(char *out, size_t hex_len)
{
	static const char digits[] = "0123456789abcdef";
	uint8_t raw[64];
	size_t n = hex_len / 2;
	if (n > sizeof raw || RAND_bytes(raw, (int)n) != 1)
		return -EIO;
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[raw[i] >> 4];
		out[2 * i + 1] = digits[raw[i] & 15];
	}
	out[hex_len] = '\0';
	OPENSSL_cleanse(raw, sizeof raw);
	return 0;
}

static int64_t end_of(const struct slot *sl)
{
	int64_t hard = sl->created_us + (int64_t)YG_SESSION_TTL_S * 1000000;
	int64_t idle = sl->seen_us + (int64_t)YG_SESSION_IDLE_S * 1000000;
	return hard < idle ? hard : idle;
}

int yg_sessions_create(struct yg_sessions *s, const uint8_t token_hash[YG_TOKEN_HASH_LEN],
		       int64_t now_us, char ret_id[YG_SESSION_ID_LEN + 1],
		       char ret_csrf[YG_SESSION_CSRF_LEN + 1])
{
	char id[YG_SESSION_ID_LEN + 1], csrf[YG_SESSION_CSRF_LEN + 1];
	if (random_hex(id, YG_SESSION_ID_LEN) < 0 || random_hex(csrf, YG_SESSION_CSRF_LEN) < 0)
		return -EIO;
	pthread_mutex_lock(&s->lock);
	/* A free slot, else an expired one, else the one that ends first. */
	struct slot *pick = NULL;
	for (size_t i = 0; i < YG_SESSIONS_MAX; i++) {
		struct slot *sl = &s->slots[i];
		if (!sl->used || end_of(sl) <= now_us) {
			pick = sl;
			break;
		}
		if (!pick || end_of(sl) < end_of(pick))
			pick = sl;
	}
	memset(pick, 0, sizeof *pick);
	pick->used = true;
	SHA256((const unsigned char *)id, YG_SESSION_ID_LEN, pick->id_hash);
	memcpy(pick->token_hash, token_hash, YG_TOKEN_HASH_LEN);
	memcpy(pick->csrf, csrf, sizeof csrf);
	pick->created_us = pick->seen_us = now_us;
	pthread_mutex_unlock(&s->lock);
	memcpy(ret_id, id, sizeof id);
	memcpy(ret_csrf, csrf, sizeof csrf);
	OPENSSL_cleanse(id, sizeof id);
	return 0;
}

/* The slot of a well-formed id, under the lock; NULL when none. */
static struct slot *find(struct yg_sessions *s, const char *id, size_t len)
{
	uint8_t h[SHA256_DIGEST_LENGTH];
	if (len != YG_SESSION_ID_LEN || !yg_auth_token_shaped(id, len))
		return NULL;
	SHA256((const unsigned char *)id, len, h);
	for (size_t i = 0; i < YG_SESSIONS_MAX; i++)
		if (s->slots[i].used && !memcmp(s->slots[i].id_hash, h, sizeof h))
			return &s->slots[i];
	return NULL;
}

int yg_sessions_lookup(struct yg_sessions *s, const char *id, size_t len, int64_t now_us,
		       uint8_t ret_token_hash[YG_TOKEN_HASH_LEN],
		       char ret_csrf[YG_SESSION_CSRF_LEN + 1])
{
	int r = -ENOENT;
	pthread_mutex_lock(&s->lock);
	struct slot *sl = find(s, id, len);
	if (sl && end_of(sl) <= now_us) {
		OPENSSL_cleanse(sl, sizeof *sl);
	} else if (sl) {
		sl->seen_us = now_us;
		memcpy(ret_token_hash, sl->token_hash, YG_TOKEN_HASH_LEN);
		memcpy(ret_csrf, sl->csrf, YG_SESSION_CSRF_LEN + 1);
		r = 0;
	}
	pthread_mutex_unlock(&s->lock);
	return r;
}

void yg_sessions_drop(struct yg_sessions *s, const char *id, size_t len)
{
	pthread_mutex_lock(&s->lock);
	struct slot *sl = find(s, id, len);
	if (sl)
		OPENSSL_cleanse(sl, sizeof *sl);
	pthread_mutex_unlock(&s->lock);
}

size_t yg_sessions_count(struct yg_sessions *s)
{
	size_t n = 0;
	pthread_mutex_lock(&s->lock);
	for (size_t i = 0; i < YG_SESSIONS_MAX; i++)
		n += s->slots[i].used;
	pthread_mutex_unlock(&s->lock);
	return n;
}

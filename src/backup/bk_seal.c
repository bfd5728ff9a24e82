/*
 * The sealed stream of a hub backup (bk_seal.h): key derivation, the
 * header, and AES-256-GCM over chunks of at most YG_BK_CHUNK bytes.
 *
 * The writer holds one chunk of plain text and seals it when it is full;
 * it seals the last one (flagged) in finish. The reader reads one chunk
 * ahead: a chunk's last flag is part of its additional data, and the
 * reader only knows a chunk is the last by finding nothing after it.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "backup/bk_seal.h"

#define MAGIC       "YGBACKUP"
#define VERSION     1
#define KDF_SCRYPT  1
#define KDF_HKDF    2
#define AAD_LEN     56 /* header bytes 0..55 */
#define TAG_LEN     16
#define NONCE_LEN   12
#define SCRYPT_LOGN 15
#define SCRYPT_R    8
#define SCRYPT_P    1
/* What a header may ask of scrypt: 128 * r * N bytes, at most this. */
#define SCRYPT_MEM_MAX (256ull << 20)
#define CHECK_INDEX    0xffffffffu

struct yg_bk_writer {
	FILE *out;
	uint8_t key[YG_BK_KEY_LEN];
	uint8_t hdr[YG_BK_HEADER_LEN];
	uint32_t index;
	size_t fill;
	uint8_t *plain; /* YG_BK_CHUNK */
	uint8_t *ct;    /* YG_BK_CHUNK */
	bool done;
};

struct yg_bk_reader {
	FILE *in;
	uint8_t key[YG_BK_KEY_LEN];
	uint8_t hdr[YG_BK_HEADER_LEN];
	uint32_t index;
	uint8_t *plain; /* the current chunk, opened */
	size_t len, pos;
	size_t cap;     /* of plain and ct: grown to the largest chunk met */
	bool last_seen; /* the final chunk was opened */
	/* The next chunk's length, read ahead (has_next), or the end of the
	 * file found (at_eof). */
	bool has_next, at_eof;
	uint32_t next_len;
	uint8_t *ct;
};

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void yg_bk_secret_clear(struct yg_bk_secret *s)
{
	if (s)
		OPENSSL_cleanse(s, sizeof *s);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int yg_bk_secret_read(const char *path, bool keyfile, struct yg_bk_secret *ret, char *why,
                      size_t wn)
{
	uint8_t buf[YG_BK_PASS_MAX + 2];
	FILE *f = fopen(path, "rb");
	if (!f) {
		int e = errno;
		snprintf(why, wn, "cannot read %s: %s", path, strerror(e));
		return -e;
	}
	size_t n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	int r = -EINVAL;
	memset(ret, 0, sizeof *ret);
	ret->is_keyfile = keyfile;
	if (keyfile) {
		size_t m = n;
		if (m == 2 * YG_BK_KEY_LEN + 1 && buf[m - 1] == '\n')
			m--;
		if (m == YG_BK_KEY_LEN) {
			memcpy(ret->bytes, buf, YG_BK_KEY_LEN);
			ret->len = YG_BK_KEY_LEN;
			r = 0;
		} else if (m == 2 * YG_BK_KEY_LEN) {
			r = 0;
			for (size_t i = 0; i < YG_BK_KEY_LEN && r == 0; i++) {
				int hi = hexval(buf[2 * i]), lo = hexval(buf[2 * i + 1]);
				if (hi < 0 || lo < 0)
					r = -EINVAL;
				else
					ret->bytes[i] = (uint8_t)(hi << 4 | lo);
			}
			ret->len = YG_BK_KEY_LEN;
		}
		if (r < 0)
			snprintf(why, wn,
			         "%s is not a key file: it must hold 32 random bytes (or 64 hex "
			         "digits), e.g. made by `openssl rand -out FILE 32`",
			         path);
	} else {
		size_t m = 0;
		while (m < n && buf[m] != '\n' && buf[m] != '\r')
			m++;
		if (m > YG_BK_PASS_MAX)
			snprintf(why, wn, "the passphrase in %s is longer than %d bytes", path,
			         YG_BK_PASS_MAX);
		else if (m < YG_BK_PASS_MIN)
			snprintf(why, wn,
			         "the passphrase in %s (its first line) is shorter than %d bytes",
			         path, YG_BK_PASS_MIN);
		else {
			memcpy(ret->bytes, buf, m);
			ret->len = m;
			r = 0;
		}
	}
	OPENSSL_cleanse(buf, sizeof buf);
	if (r < 0)
		yg_bk_secret_clear(ret);
	return r;
}

/* The file key from the secret and the header's parameters. */
static int derive(const struct yg_bk_secret *sec, const uint8_t hdr[YG_BK_HEADER_LEN],
                  uint8_t key[YG_BK_KEY_LEN])
{
	const uint8_t *salt = hdr + 16;
	if (hdr[9] == KDF_SCRYPT) {
		uint64_t nn = 1ull << hdr[10];
		if (EVP_PBE_scrypt((const char *)sec->bytes, sec->len, salt, 32, nn, hdr[11],
		                   hdr[12], SCRYPT_MEM_MAX + (1 << 20), key, YG_BK_KEY_LEN) != 1)
			return -ENOMEM;
		return 0;
	}
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
	size_t len = YG_BK_KEY_LEN;
	static const char info[] = "yagura hub backup v1";
	int ok =
	    c && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_salt(c, salt, 32) == 1 &&
	    EVP_PKEY_CTX_set1_hkdf_key(c, sec->bytes, (int)sec->len) == 1 &&
	    EVP_PKEY_CTX_add1_hkdf_info(c, (const unsigned char *)info, sizeof info - 1) == 1 &&
	    EVP_PKEY_derive(c, key, &len) == 1 && len == YG_BK_KEY_LEN;
	EVP_PKEY_CTX_free(c);
	return ok ? 0 : -EIO;
}

/* AES-256-GCM of one chunk (or the empty key check): enc seals p into out
 * and writes tag; !enc opens p into out and checks tag. */
static int gcm(bool enc, const uint8_t key[YG_BK_KEY_LEN], const uint8_t hdr[YG_BK_HEADER_LEN],
               uint32_t index, bool last, const uint8_t *p, size_t n, uint8_t *out, uint8_t *tag)
{
	uint8_t nonce[NONCE_LEN], aad[AAD_LEN + 5];
	memcpy(nonce, hdr + 48, 8);
	be32(nonce + 8, index);
	memcpy(aad, hdr, AAD_LEN);
	be32(aad + AAD_LEN, index);
	aad[AAD_LEN + 4] = last;
	size_t aad_len = index == CHECK_INDEX ? AAD_LEN : sizeof aad;
	uint8_t none[16] = {0}; /* GCM's final writes nothing; a place to point at */
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0, r = -EIO;
	if (!c)
		return -ENOMEM;
	if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) != 1 ||
	    EVP_CipherUpdate(c, NULL, &len, aad, (int)aad_len) != 1)
		goto out;
	len = 0; /* the additional data produced no output */
	if (n && EVP_CipherUpdate(c, out, &len, p, (int)n) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) != 1)
		goto out;
	if (EVP_CipherFinal_ex(c, out ? out + len : none, &len) != 1) {
		r = enc ? -EIO : -EBADMSG;
		goto out;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) != 1)
		goto out;
	r = 0;
out:
	EVP_CIPHER_CTX_free(c);
	return r;
}

int yg_bk_writer_new(FILE *out, const struct yg_bk_secret *sec, struct yg_bk_writer **ret)
{
	if (!out || !sec || !sec->len)
		return -EINVAL;
	struct yg_bk_writer *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	int r = -ENOMEM;
	w->out = out;
	w->plain = malloc(YG_BK_CHUNK);
	w->ct = malloc(YG_BK_CHUNK);
	if (!w->plain || !w->ct)
		goto out;
	memcpy(w->hdr, MAGIC, 8);
	w->hdr[8] = VERSION;
	w->hdr[9] = sec->is_keyfile ? KDF_HKDF : KDF_SCRYPT;
	if (!sec->is_keyfile) {
		w->hdr[10] = SCRYPT_LOGN;
		w->hdr[11] = SCRYPT_R;
		w->hdr[12] = SCRYPT_P;
	}
	r = -EIO;
	if (RAND_bytes(w->hdr + 16, 32 + 8) != 1)
		goto out;
	r = derive(sec, w->hdr, w->key);
	if (r < 0)
		goto out;
	r = gcm(true, w->key, w->hdr, CHECK_INDEX, false, NULL, 0, NULL, w->hdr + AAD_LEN);
	if (r < 0)
		goto out;
	r = fwrite(w->hdr, 1, sizeof w->hdr, out) == sizeof w->hdr ? 0 : -EIO;
out:
	if (r < 0) {
		yg_bk_writer_free(w);
		return r;
	}
	*ret = w;
	return 0;
}

static int seal_chunk(struct yg_bk_writer *w, bool last)
{
	if (w->index == CHECK_INDEX)
		return -EFBIG;
	uint8_t len[4], tag[TAG_LEN];
	int r = gcm(true, w->key, w->hdr, w->index, last, w->plain, w->fill, w->ct, tag);
	if (r < 0)
		return r;
	be32(len, (uint32_t)w->fill);
	if (fwrite(len, 1, 4, w->out) != 4 || fwrite(w->ct, 1, w->fill, w->out) != w->fill ||
	    fwrite(tag, 1, TAG_LEN, w->out) != TAG_LEN)
		return -EIO;
	w->index++;
	w->fill = 0;
	return 0;
}

int yg_bk_write(struct yg_bk_writer *w, const void *p, size_t n)
{
	const uint8_t *b = p;
	if (w->done)
		return -EINVAL;
	while (n) {
		/* A full chunk is sealed only when more follows: the final
		 * chunk must be sealed with its flag, in finish. */
		if (w->fill == YG_BK_CHUNK) {
			int r = seal_chunk(w, false);
			if (r < 0)
				return r;
		}
		size_t take = YG_BK_CHUNK - w->fill < n ? YG_BK_CHUNK - w->fill : n;
		memcpy(w->plain + w->fill, b, take);
		w->fill += take;
		b += take;
		n -= take;
	}
	return 0;
}

int yg_bk_writer_finish(struct yg_bk_writer *w)
{
	if (w->done)
		return -EINVAL;
	int r = seal_chunk(w, true);
	if (r == 0)
		w->done = true;
	return r;
}

void yg_bk_writer_free(struct yg_bk_writer *w)
{
	if (!w)
		return;
	if (w->plain)
		OPENSSL_cleanse(w->plain, YG_BK_CHUNK);
	free(w->plain);
	free(w->ct);
	OPENSSL_cleanse(w->key, sizeof w->key);
	free(w);
}

int yg_bk_reader_new(FILE *in, const struct yg_bk_secret *sec, struct yg_bk_reader **ret)
{
	if (!in || !sec || !sec->len)
		return -EINVAL;
	struct yg_bk_reader *rd = calloc(1, sizeof *rd);
	if (!rd)
		return -ENOMEM;
	int r = -ENOMEM;
	rd->in = in;
	size_t got = fread(rd->hdr, 1, sizeof rd->hdr, in);
	r = ferror(in) ? -EIO : -EBADMSG;
	if (got != sizeof rd->hdr || memcmp(rd->hdr, MAGIC, 8))
		goto out;
	r = -EPROTO;
	uint8_t kdf = rd->hdr[9];
	if (rd->hdr[8] != VERSION || (kdf != KDF_SCRYPT && kdf != KDF_HKDF))
		goto out;
	r = -EBADMSG;
	if (rd->hdr[13] || rd->hdr[14] || rd->hdr[15])
		goto out;
	if (kdf == KDF_SCRYPT) {
		unsigned logn = rd->hdr[10], rr = rd->hdr[11], p = rd->hdr[12];
		/* Bounds on what a file may make us spend. */
		if (logn < 10 || logn > 22 || rr < 1 || rr > 32 || p < 1 || p > 16 ||
		    128ull * rr * (1ull << logn) > SCRYPT_MEM_MAX)
			goto out;
	} else if (rd->hdr[10] || rd->hdr[11] || rd->hdr[12]) {
		goto out;
	}
	r = -ENOKEY;
	if ((kdf == KDF_HKDF) != sec->is_keyfile)
		goto out;
	r = derive(sec, rd->hdr, rd->key);
	if (r < 0)
		goto out;
	r = gcm(false, rd->key, rd->hdr, CHECK_INDEX, false, NULL, 0, NULL, rd->hdr + AAD_LEN);
	if (r == -EBADMSG)
		r = -EKEYREJECTED;
out:
	if (r < 0) {
		yg_bk_reader_free(rd);
		return r;
	}
	*ret = rd;
	return 0;
}

/* Reads the next chunk's length, or finds the end of the file. */
static int peek_next(struct yg_bk_reader *rd)
{
	uint8_t len[4];
	size_t got = fread(len, 1, 4, rd->in);
	if (ferror(rd->in))
		return -EIO;
	if (got == 0) {
		rd->at_eof = true;
		return 0;
	}
	if (got != 4)
		return -EBADMSG;
	rd->next_len = get_be32(len);
	if (rd->next_len > YG_BK_CHUNK)
		return -EBADMSG;
	rd->has_next = true;
	return 0;
}

/* Opens the next chunk into plain. */
static int next_chunk(struct yg_bk_reader *rd)
{
	if (rd->last_seen)
		return -EBADMSG;
	if (!rd->has_next && !rd->at_eof) {
		int r = peek_next(rd);
		if (r < 0)
			return r;
	}
	if (!rd->has_next || rd->index == CHECK_INDEX)
		return -EBADMSG; /* cut off before the final chunk */
	uint32_t n = rd->next_len;
	uint8_t tag[TAG_LEN];
	/* Buffers as large as the chunks met (a small backup needs little). */
	if (n > rd->cap) {
		uint8_t *p = realloc(rd->plain, n), *c = p ? realloc(rd->ct, n) : NULL;
		if (p)
			rd->plain = p;
		if (!c)
			return -ENOMEM;
		rd->ct = c;
		rd->cap = n;
	}
	if (fread(rd->ct, 1, n, rd->in) != n || fread(tag, 1, TAG_LEN, rd->in) != TAG_LEN)
		return ferror(rd->in) ? -EIO : -EBADMSG;
	rd->has_next = false;
	int r = peek_next(rd);
	if (r < 0)
		return r;
	bool last = rd->at_eof;
	/* Only the final chunk may be short of a full one... */
	if (!last && n != YG_BK_CHUNK)
		return -EBADMSG;
	r = gcm(false, rd->key, rd->hdr, rd->index, last, rd->ct, n, rd->plain, tag);
	if (r < 0)
		return r;
	rd->index++;
	rd->len = n;
	rd->pos = 0;
	rd->last_seen = last;
	return 0;
}

int yg_bk_read(struct yg_bk_reader *rd, void *p, size_t n)
{
	uint8_t *b = p;
	while (n) {
		if (rd->pos == rd->len) {
			int r = next_chunk(rd);
			if (r < 0)
				return r;
			continue;
		}
		size_t take = rd->len - rd->pos < n ? rd->len - rd->pos : n;
		memcpy(b, rd->plain + rd->pos, take);
		rd->pos += take;
		b += take;
		n -= take;
	}
	return 0;
}

int yg_bk_reader_end(struct yg_bk_reader *rd)
{
	/* ...and the final chunk (possibly empty) must have been opened. */
	if (!rd->last_seen && rd->pos == rd->len) {
		int r = next_chunk(rd);
		if (r < 0)
			return r;
	}
	return rd->last_seen && rd->pos == rd->len ? 0 : -EBADMSG;
}

void yg_bk_reader_free(struct yg_bk_reader *rd)
{
	if (!rd)
		return;
	if (rd->plain)
		OPENSSL_cleanse(rd->plain, rd->cap);
	free(rd->plain);
	free(rd->ct);
	OPENSSL_cleanse(rd->key, sizeof rd->key);
	free(rd);
}

/*
 * The encrypted container of a hub backup (issue 17): one stream of bytes
 * sealed with AES-256-GCM in chunks, under a key derived from a passphrase
 * (scrypt) or from a key file (HKDF-SHA256), both through OpenSSL.
 *
 * Why chunks: a store may be gigabytes; neither side holds it whole. Each
 * chunk is authenticated on its own (the STREAM construction of Hoang,
 * Reyhanitabar, Rogaway and Vizár): its nonce is the file's random prefix
 * and its index, and its additional data is the header, the index and a
 * last-chunk flag, so chunks cannot be reordered, dropped, or cut off at
 * the end without the reader noticing. Why a key check in the header: a
 * wrong passphrase is told apart from a damaged file before any chunk is
 * read.
 *
 * File layout (integers big-endian):
 *
 *    0  8  magic "YGBACKUP"
 *    8  1  format version (1)
 *    9  1  key derivation: 1 scrypt(passphrase), 2 HKDF-SHA256(key file)
 *   10  1  scrypt log2(N)  (0 with a key file)
 *   11  1  scrypt r        (0 with a key file)
 *   12  1  scrypt p        (0 with a key file)
 *   13  3  zero
 *   16 32  salt (random)
 *   48  8  nonce prefix (random)
 *   56 16  key check: the GCM tag of an empty message, nonce prefix|ffffffff,
 *          additional data bytes 0..55
 *   72     chunks: u32 n (1..YG_BK_CHUNK) | n bytes of ciphertext | 16-byte tag
 *          nonce prefix|u32 index; additional data bytes 0..55 | u32 index |
 *          u8 last (1 on the final chunk, which may be the only one)
 *
 * A stream with nothing in it still has one (empty-bodied) chunk: n is
 * then 0, which only the final chunk may have.
 */
#ifndef YG_BACKUP_BK_SEAL_H
#define YG_BACKUP_BK_SEAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define YG_BK_HEADER_LEN 72
#define YG_BK_CHUNK      (1u << 20)
#define YG_BK_KEY_LEN    32
#define YG_BK_PASS_MAX   1024
#define YG_BK_PASS_MIN   8

/* What the key is made from: a passphrase (YG_BK_PASS_MIN..MAX bytes) or
 * the 32 bytes of a key file. */
struct yg_bk_secret {
	bool is_keyfile;
	size_t len;
	uint8_t bytes[YG_BK_PASS_MAX];
};

/* Reads a secret: the first line of a passphrase file (trailing CR/LF
 * dropped), or a key file of 32 raw bytes or 64 hex digits (one trailing
 * newline allowed). -EINVAL with why (size wn) filled when it is not one. */
int yg_bk_secret_read(const char *path, bool keyfile, struct yg_bk_secret *ret, char *why,
                      size_t wn);
/* Wipes a secret. */
void yg_bk_secret_clear(struct yg_bk_secret *s);

struct yg_bk_writer;
/* Writes the header to out (owned by the caller, left open) and returns a
 * writer; caller frees with yg_bk_writer_free. The scrypt cost of a
 * passphrase is fixed (N 2^15, r 8, p 1: about 32 MiB and a tenth of a
 * second). */
int yg_bk_writer_new(FILE *out, const struct yg_bk_secret *sec, struct yg_bk_writer **ret);
int yg_bk_write(struct yg_bk_writer *w, const void *p, size_t n);
/* Seals the final chunk; the stream is complete once this returns 0. */
int yg_bk_writer_finish(struct yg_bk_writer *w);
void yg_bk_writer_free(struct yg_bk_writer *w);

struct yg_bk_reader;
/* Reads and checks the header of in (owned by the caller). -EBADMSG: not a
 * yagura backup; -EPROTO: a newer format or a key derivation this build
 * does not know; -ENOKEY: the backup was sealed with the other kind of
 * secret (a passphrase where a key file was given, or the reverse);
 * -EKEYREJECTED: the passphrase or key file is not the one the backup was
 * made with; -EIO: reading failed. */
int yg_bk_reader_new(FILE *in, const struct yg_bk_secret *sec, struct yg_bk_reader **ret);
/* Reads exactly n bytes of the plain stream. -EBADMSG when a chunk does not
 * authenticate or the stream ends before n bytes (damaged or cut off). */
int yg_bk_read(struct yg_bk_reader *r, void *p, size_t n);
/* 0 when the reader stands at the authenticated end of the stream (the
 * final chunk read and consumed, nothing after it); -EBADMSG otherwise. */
int yg_bk_reader_end(struct yg_bk_reader *r);
void yg_bk_reader_free(struct yg_bk_reader *r);

#endif

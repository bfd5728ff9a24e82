/*
 * Encryption at rest of submitted e-mails: AES-256-GCM (OpenSSL EVP), a
 * random 96-bit nonce per message, the submission id as additional
 * authenticated data (a blob moved to another submission fails to open).
 *
 * Blob: "YGM1" | nonce (12) | ciphertext (as long as the message) | tag (16)
 *
 * The key is 32 random bytes in DIR/mail.key, made at first use with mode
 * 0600 (written to a temporary file, then linked into place, so two
 * processes never see half a key). It never enters the database and
 * nothing here logs.
 */
#ifndef YG_HUB_MAIL_SEAL_H
#define YG_HUB_MAIL_SEAL_H

#include <stddef.h>
#include <stdint.h>

#define YG_MAIL_KEY_LEN  32
#define YG_MAIL_KEY_FILE "mail.key"
#define YG_MAIL_SEAL_OVERHEAD (4 + 12 + 16)

/* Reads DIR/mail.key, creating it when absent. -EBADMSG when the file is
 * not exactly 32 bytes, -EIO when randomness fails, else -errno. */
int yg_mail_key_load(const char *dir, uint8_t ret_key[YG_MAIL_KEY_LEN]);

/* Seals p[0..n); *ret (malloc'ed, caller frees) gets n + overhead bytes. */
int yg_mail_seal(const uint8_t key[YG_MAIL_KEY_LEN], const char *aad, const uint8_t *p, size_t n,
		 uint8_t **ret, size_t *ret_len);

/* Opens a blob; -EBADMSG when it is not one or does not authenticate
 * (wrong key, other aad, altered bytes). *ret is malloc'ed (+1 NUL). */
int yg_mail_unseal(const uint8_t key[YG_MAIL_KEY_LEN], const char *aad, const uint8_t *blob,
		   size_t n, uint8_t **ret, size_t *ret_len);

#endif

/*
 * AES-256-GCM sealing of submitted e-mails and their key file (see
 * mail_seal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "hub/mail_seal.h"

#define MAGIC "YGM1"
#define NONCE_LEN 12
#define TAG_LEN 16

static int read_key(const char *path, uint8_t key[YG_MAIL_KEY_LEN])
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	uint8_t buf[YG_MAIL_KEY_LEN + 1];
	ssize_t n = read(fd, buf, sizeof buf);
	int r = n < 0 ? -errno : n == YG_MAIL_KEY_LEN ? 0 : -EBADMSG;
	close(fd);
	if (r == 0)
		memcpy(key, buf, YG_MAIL_KEY_LEN);
	OPENSSL_cleanse(buf, sizeof buf);
	return r;
}

int yg_mail_key_load(const char *dir, uint8_t ret_key[YG_MAIL_KEY_LEN])
{
	char path[PATH_MAX], tmp[PATH_MAX];
	int n = snprintf(path, sizeof path, "%s/%s", dir, YG_MAIL_KEY_FILE);
	if (n < 0 || (size_t)n >= sizeof path)
		return -ENAMETOOLONG;
	int r = read_key(path, ret_key);
	if (r != -ENOENT)
		return r;
	uint8_t key[YG_MAIL_KEY_LEN];
	if (RAND_bytes(key, sizeof key) != 1)
		return -EIO;
	n = snprintf(tmp, sizeof tmp, "%s/.mail.key.XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof tmp)
		return -ENAMETOOLONG;
	/* mkstemp: mode 0600 and a name no other thread or process holds. */
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	r = write(fd, key, sizeof key) == (ssize_t)sizeof key && fsync(fd) == 0 ? 0 : -EIO;
	close(fd);
	/* link() refuses to replace: whoever linked first made the key. */
	if (r == 0 && link(tmp, path) < 0 && errno != EEXIST)
		r = -errno;
	unlink(tmp);
	if (r == 0)
		r = read_key(path, ret_key);
out:
	OPENSSL_cleanse(key, sizeof key);
	return r;
}

int yg_mail_seal(const uint8_t key[YG_MAIL_KEY_LEN], const char *aad, const uint8_t *p, size_t n,
		 uint8_t **ret, size_t *ret_len)
{
	if (n > INT_MAX - YG_MAIL_SEAL_OVERHEAD || !aad)
		return -E2BIG;
	uint8_t *out = malloc(n + YG_MAIL_SEAL_OVERHEAD);
	if (!out)
		return -ENOMEM;
	memcpy(out, MAGIC, 4);
	uint8_t *nonce = out + 4, *ct = out + 4 + NONCE_LEN, *tag = ct + n;
	int r = -EIO, len = 0;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (c && RAND_bytes(nonce, NONCE_LEN) == 1 &&
	    EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
	    EVP_EncryptInit_ex(c, NULL, NULL, key, nonce) == 1 &&
	    EVP_EncryptUpdate(c, NULL, &len, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
	    (n == 0 || EVP_EncryptUpdate(c, ct, &len, p, (int)n) == 1) &&
	    EVP_EncryptFinal_ex(c, ct + (n ? len : 0), &len) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1)
		r = 0;
	EVP_CIPHER_CTX_free(c);
	if (r < 0) {
		free(out);
		return r;
	}
	*ret = out;
	*ret_len = n + YG_MAIL_SEAL_OVERHEAD;
	return 0;
}

int yg_mail_unseal(const uint8_t key[YG_MAIL_KEY_LEN], const char *aad, const uint8_t *blob,
		   size_t n, uint8_t **ret, size_t *ret_len)
{
	if (n < YG_MAIL_SEAL_OVERHEAD || memcmp(blob, MAGIC, 4) || !aad ||
	    n - YG_MAIL_SEAL_OVERHEAD > INT_MAX)
		return -EBADMSG;
	size_t pn = n - YG_MAIL_SEAL_OVERHEAD;
	const uint8_t *nonce = blob + 4, *ct = blob + 4 + NONCE_LEN, *tag = ct + pn;
	uint8_t *out = malloc(pn + 1);
	if (!out)
		return -ENOMEM;
	int len = 0, r = -EBADMSG;
	uint8_t tagc[TAG_LEN];
	memcpy(tagc, tag, TAG_LEN);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (c && EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, NONCE_LEN, NULL) == 1 &&
	    EVP_DecryptInit_ex(c, NULL, NULL, key, nonce) == 1 &&
	    EVP_DecryptUpdate(c, NULL, &len, (const uint8_t *)aad, (int)strlen(aad)) == 1 &&
	    (pn == 0 || EVP_DecryptUpdate(c, out, &len, ct, (int)pn) == 1) &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tagc) == 1 &&
	    EVP_DecryptFinal_ex(c, out + (pn ? len : 0), &len) == 1)
		r = 0;
	EVP_CIPHER_CTX_free(c);
	if (r < 0) {
		OPENSSL_cleanse(out, pn);
		free(out);
		return r;
	}
	out[pn] = '\0';
	*ret = out;
	*ret_len = pn;
	return 0;
}

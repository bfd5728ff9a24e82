/*
 * Bearer tokens, the Basic form that carries one, and roles (see auth.h).
 */
#include <errno.h>
#include <strings.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/base64.h"
#include "hub/auth.h"

static const char hexd[] = "0123456789abcdef";

static void to_hex(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hexd[b[i] >> 4];
		out[2 * i + 1] = hexd[b[i] & 15];
	}
	out[2 * n] = '\0';
}

int yg_auth_token_hash(const char *token, size_t len, uint8_t ret_hash[YG_TOKEN_HASH_LEN])
{
	unsigned int n = 0;
	if (!EVP_Digest(token, len, ret_hash, &n, EVP_sha256(), NULL) || n != YG_TOKEN_HASH_LEN)
		return -EIO;
	return 0;
}

void yg_auth_public_id(const uint8_t hash[YG_TOKEN_HASH_LEN],
		       char ret_public_id[YG_TOKEN_PUBID_LEN + 1])
{
	to_hex(hash, YG_TOKEN_PUBID_LEN / 2, ret_public_id);
}

int yg_auth_token_new(char ret_token[YG_TOKEN_HEX_LEN + 1], uint8_t ret_hash[YG_TOKEN_HASH_LEN],
		      char ret_public_id[YG_TOKEN_PUBID_LEN + 1])
{
	uint8_t raw[YG_TOKEN_HEX_LEN / 2];
	char tok[YG_TOKEN_HEX_LEN + 1];
	uint8_t hash[YG_TOKEN_HASH_LEN];
	if (RAND_bytes(raw, sizeof raw) != 1)
		return -EIO;
	to_hex(raw, sizeof raw, tok);
	int r = yg_auth_token_hash(tok, YG_TOKEN_HEX_LEN, hash);
	if (r < 0)
		return r;
	memcpy(ret_token, tok, sizeof tok);
	memcpy(ret_hash, hash, sizeof hash);
	yg_auth_public_id(hash, ret_public_id);
	OPENSSL_cleanse(raw, sizeof raw);
	OPENSSL_cleanse(tok, sizeof tok);
	return 0;
}

bool yg_auth_token_shaped(const char *s, size_t len)
{
	if (len != YG_TOKEN_HEX_LEN)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr(hexd, s[i]) || !s[i])
			return false;
	return true;
}

int yg_auth_bearer(const char *header, const char **ret_token, size_t *ret_len)
{
	if (!header || strncasecmp(header, "Bearer", 6) != 0 || header[6] != ' ')
		return -EINVAL;
	const char *t = header + 6;
	while (*t == ' ')
		t++;
	size_t n = strlen(t);
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (t[i] == ' ' || t[i] == '\t')
			return -EINVAL;
	*ret_token = t;
	*ret_len = n;
	return 0;
}

int yg_auth_basic(const char *header, char buf[YG_AUTH_BASIC_MAX], const char **ret_user,
		  size_t *ret_user_len, const char **ret_pass, size_t *ret_pass_len)
{
	if (!header || strncasecmp(header, "Basic", 5) != 0 || header[5] != ' ')
		return -EINVAL;
	const char *t = header + 5;
	while (*t == ' ')
		t++;
	size_t n = strnlen(t, YG_AUTH_BASIC_MAX + 1);
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	if (n > YG_AUTH_BASIC_MAX)
		return -E2BIG;
	size_t len;
	/* 1024 encoded bytes decode to at most 768: buf always has room. */
	if (yg_base64_decode(t, n, (unsigned char *)buf, YG_AUTH_BASIC_MAX, &len) != 0)
		return -EINVAL;
	if (memchr(buf, '\0', len))
		return -EINVAL;
	const char *colon = memchr(buf, ':', len);
	if (!colon)
		return -EINVAL;
	*ret_user = buf;
	*ret_user_len = (size_t)(colon - buf);
	*ret_pass = colon + 1;
	*ret_pass_len = len - *ret_user_len - 1;
	return 0;
}

int yg_auth_token_of(const char *header, char buf[YG_AUTH_BASIC_MAX], const char **ret_token,
		     size_t *ret_len, enum yg_auth_scheme *ret_scheme)
{
	const char *user;
	size_t ulen;
	*ret_scheme = YG_AUTH_NONE;
	if (yg_auth_bearer(header, ret_token, ret_len) == 0) {
		*ret_scheme = YG_AUTH_BEARER;
		return 0;
	}
	if (yg_auth_basic(header, buf, &user, &ulen, ret_token, ret_len) == 0) {
		*ret_scheme = YG_AUTH_BASIC;
		return 0;
	}
	return -EINVAL;
}

static const struct {
	const char *name;
	enum yg_role role;
} roles[] = {
	{"admin", YG_ROLE_ADMIN},
	{"analyst", YG_ROLE_ANALYST},
	{"sensor", YG_ROLE_SENSOR},
	{"reader", YG_ROLE_READER},
	{"peer", YG_ROLE_PEER},
};

int yg_role_parse(const char *s, enum yg_role *ret)
{
	for (size_t i = 0; s && i < sizeof roles / sizeof roles[0]; i++)
		if (!strcmp(s, roles[i].name)) {
			*ret = roles[i].role;
			return 0;
		}
	return -EINVAL;
}

const char *yg_role_name(enum yg_role role)
{
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (roles[i].role == role)
			return roles[i].name;
	return "?";
}

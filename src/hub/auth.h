/*
 * Bearer tokens and roles, and the two ways a request carries a token:
 * "Authorization: Bearer <token>" and "Authorization: Basic
 * base64(user:<token>)".
 *
 * A token is 256 random bits (OpenSSL RAND_bytes) written as 64 lower-case
 * hex digits. It is shown once, when made; the store keeps only its SHA-256
 * and a public id (the first 12 hex digits of that hash) by which admins
 * name it. Nothing here logs.
 */
#ifndef YG_HUB_AUTH_H
#define YG_HUB_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

#define YG_TOKEN_HEX_LEN 64

/* Makes a token: its text (NUL-terminated), its hash and its public id.
 * -EIO when the random generator fails. */
int yg_auth_token_new(char ret_token[YG_TOKEN_HEX_LEN + 1], uint8_t ret_hash[YG_TOKEN_HASH_LEN],
		      char ret_public_id[YG_TOKEN_PUBID_LEN + 1]);

/* SHA-256 of token text. */
int yg_auth_token_hash(const char *token, size_t len, uint8_t ret_hash[YG_TOKEN_HASH_LEN]);

void yg_auth_public_id(const uint8_t hash[YG_TOKEN_HASH_LEN],
		       char ret_public_id[YG_TOKEN_PUBID_LEN + 1]);

/* Whether s looks like a whole token (64 hex digits). */
bool yg_auth_token_shaped(const char *s, size_t len);

/* The token of an "Authorization: Bearer <token>" value (scheme
 * case-insensitive, one or more spaces). -EINVAL when absent or not that
 * form; the token span points into header. */
int yg_auth_bearer(const char *header, const char **ret_token, size_t *ret_len);

/* HTTP Basic (RFC 7617) as TAXII connectors send it: the password is a
 * yagura token, the user name is free (connectors that ask for "user name
 * and password" then work; the 256-bit token alone names the organization,
 * so checking the user name would add no security, only friction).
 * The base64 is checked strictly (alphabet, padding, length) and decoded
 * into buf; ret_user and ret_pass point into buf. -EINVAL when header is
 * not Basic or is malformed, -E2BIG past YG_AUTH_BASIC_MAX encoded bytes. */
#define YG_AUTH_BASIC_MAX 1024
int yg_auth_basic(const char *header, char buf[YG_AUTH_BASIC_MAX], const char **ret_user,
		  size_t *ret_user_len, const char **ret_pass, size_t *ret_pass_len);

enum yg_auth_scheme { YG_AUTH_NONE, YG_AUTH_BEARER, YG_AUTH_BASIC };

/* The token of an Authorization value in either scheme: Bearer's token or
 * Basic's password (decoded into buf). ret_scheme says which (NONE with
 * -EINVAL when neither parses). */
int yg_auth_token_of(const char *header, char buf[YG_AUTH_BASIC_MAX], const char **ret_token,
		     size_t *ret_len, enum yg_auth_scheme *ret_scheme);

/* "admin" "analyst" "sensor" "reader" <-> enum yg_role. */
int yg_role_parse(const char *s, enum yg_role *ret);
const char *yg_role_name(enum yg_role role);

#endif

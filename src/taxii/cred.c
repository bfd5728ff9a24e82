/*
 * Client credentials (see cred.h). libcurl does the Basic encoding and the
 * TLS client certificate; this file only reads secrets safely and hands
 * them over.
 */
#include "taxii/cred.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

void yg_taxii_secret_free(char *secret)
{
	if (!secret)
		return;
	OPENSSL_cleanse(secret, strlen(secret));
	free(secret);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int yg_taxii_secret_read(const char *path, char **ret)
{
	char buf[YG_TAXII_SECRET_MAX + 2];
	int r = 0;
	FILE *f = fopen(path, "re");
	if (!f)
		return errno ? -errno : -EIO;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	if (ferror(f))
		r = -EIO;
	fclose(f);
	if (r < 0)
		goto out;
	buf[n] = '\0';
	char *nl = memchr(buf, '\n', n);
	if (nl) {
		*nl = '\0';
		n = (size_t)(nl - buf);
	} else if (n > YG_TAXII_SECRET_MAX) {
		r = -E2BIG;
		goto out;
	}
	size_t a = 0;
	while (a < n && blank(buf[a]))
		a++;
	while (n > a && blank(buf[n - 1]))
		n--;
	if (n == a || memchr(buf + a, '\0', n - a)) {
		r = -EINVAL;
		goto out;
	}
	for (size_t i = a; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) {
			r = -EINVAL;
			goto out;
		}
	char *s = strndup(buf + a, n - a);
	if (!s) {
		r = -ENOMEM;
		goto out;
	}
	*ret = s;
out:
	OPENSSL_cleanse(buf, sizeof buf);
	return r;
}

static int dup_field(const char *s, char **ret)
{
	*ret = NULL;
	if (!s)
		return 0;
	*ret = strdup(s);
	return *ret ? 0 : -ENOMEM;
}

int yg_taxii_cred_copy(const struct yg_taxii_cred *src, struct yg_taxii_cred *dst)
{
	struct yg_taxii_cred c = {0};
	if (dup_field(src->token, &c.token) < 0 || dup_field(src->user, &c.user) < 0 ||
	    dup_field(src->password, &c.password) < 0 ||
	    dup_field(src->cert_file, &c.cert_file) < 0 ||
	    dup_field(src->key_file, &c.key_file) < 0 || dup_field(src->ca_file, &c.ca_file) < 0) {
		yg_taxii_cred_release(&c);
		return -ENOMEM;
	}
	*dst = c;
	return 0;
}

void yg_taxii_cred_release(struct yg_taxii_cred *c)
{
	if (!c)
		return;
	yg_taxii_secret_free(c->token);
	yg_taxii_secret_free(c->password);
	free(c->user);
	free(c->cert_file);
	free(c->key_file);
	free(c->ca_file);
	*c = (struct yg_taxii_cred){0};
}

int yg_taxii_cred_check(const struct yg_taxii_cred *c, const char **why)
{
	const char *w = NULL;
	if (c->user && !c->password)
		w = "a user name needs a password (--hub-password-file)";
	else if (c->password && !c->user)
		w = "a password needs a user name (--hub-user)";
	else if (c->user && strchr(c->user, ':'))
		w = "a Basic user name cannot hold ':' (RFC 7617)";
	else if (!!c->cert_file != !!c->key_file)
		w = "a client certificate needs its key, and a key its certificate";
	else if (c->token && c->user)
		w = "give a token or a user and password, not both";
	else if (!c->token && !c->user && !c->cert_file)
		w = "no credentials: a token, a user and password, or a client certificate";
	if (w) {
		if (why)
			*why = w;
		return -EINVAL;
	}
	return 0;
}

int yg_taxii_cred_apply(const struct yg_taxii_cred *c, CURL *h)
{
	CURLcode e = CURLE_OK;
	if (c->user && c->password) {
		/* Basic only: never let a server talk the client into another
		 * scheme, nor send the password before it is asked to. */
		e = curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
		if (!e)
			e = curl_easy_setopt(h, CURLOPT_USERNAME, c->user);
		if (!e)
			e = curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
	}
	if (!e && c->cert_file) {
		e = curl_easy_setopt(h, CURLOPT_SSLCERT, c->cert_file);
		if (!e)
			e = curl_easy_setopt(h, CURLOPT_SSLCERTTYPE, "PEM");
		if (!e)
			e = curl_easy_setopt(h, CURLOPT_SSLKEY, c->key_file);
	}
	if (!e && c->ca_file)
		e = curl_easy_setopt(h, CURLOPT_CAINFO, c->ca_file);
	return e == CURLE_OK ? 0 : -EIO;
}

int yg_taxii_cred_headers(const struct yg_taxii_cred *c, struct curl_slist **io_list)
{
	if (!c->token)
		return 0;
	size_t n = strlen(c->token) + 32;
	char *line = malloc(n);
	if (!line)
		return -ENOMEM;
	snprintf(line, n, "Authorization: Bearer %s", c->token);
	struct curl_slist *l = curl_slist_append(*io_list, line);
	OPENSSL_cleanse(line, n);
	free(line);
	if (!l)
		return -ENOMEM;
	*io_list = l;
	return 0;
}

/* Small owned-string helpers shared by the mail analyzer. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mail/mail-int.h"

char *yg_mail_strndup(const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *d = malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

char *yg_mail_strdup(const char *s)
{
	return s ? yg_mail_strndup(s, strlen(s)) : NULL;
}

int yg_mail_grow(void **arr, size_t *cap, size_t n, size_t elem, size_t max)
{
	if (n < *cap)
		return 0;
	if (n >= max)
		return -E2BIG;
	size_t nc = *cap ? *cap * 2 : 8;
	while (nc <= n)
		nc *= 2;
	if (nc > max)
		nc = max;
	void *p = realloc(*arr, nc * elem);
	if (!p)
		return -ENOMEM;
	memset((char *)p + *cap * elem, 0, (nc - *cap) * elem);
	*arr = p;
	*cap = nc;
	return 0;
}

int yg_mail_strv_addn(struct yg_mail_strv *v, const char *s, size_t len)
{
	int r = yg_mail_grow((void **)&v->v, &v->cap, v->n, sizeof *v->v, 1u << 20);
	if (r < 0)
		return r;
	char *d = yg_mail_strndup(s, len);
	if (!d)
		return -ENOMEM;
	v->v[v->n++] = d;
	return 0;
}

int yg_mail_strv_add(struct yg_mail_strv *v, const char *s)
{
	return yg_mail_strv_addn(v, s, strlen(s));
}

bool yg_mail_strv_has(const struct yg_mail_strv *v, const char *s)
{
	for (size_t i = 0; i < v->n; i++)
		if (!strcmp(v->v[i], s))
			return true;
	return false;
}

int yg_mail_strv_add_unique(struct yg_mail_strv *v, const char *s)
{
	return yg_mail_strv_has(v, s) ? 0 : yg_mail_strv_add(v, s);
}

void yg_mail_strv_release(struct yg_mail_strv *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->v[i]);
	free(v->v);
	v->v = NULL;
	v->n = v->cap = 0;
}

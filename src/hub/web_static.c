/*
 * The dashboard's static files (see web_static.h).
 *
 * Why no in-memory cache of the files: the browser keeps them (ETag, and a
 * day for the vendored libraries), so the hub reads a file only when a
 * browser opens the dashboard for the first time or a file changed; the
 * page cache makes those reads cheap, and an edited file is served at once
 * without a restart.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "hub/hub-int.h"
#include "hub/web_static.h"

#define SEG_MAX  100
#define SEGS_MAX 12
#define REL_MAX  512

struct yg_web {
	bool ok;
	char app[PATH_MAX];     /* realpath of DIR/app */
	char root[PATH_MAX];    /* realpath of DIR */
	char modules[PATH_MAX]; /* realpath of DIR/node_modules, "" when absent */
	char *pkgs[YG_WEB_PKGS_MAX];
	size_t n_pkgs;
};

static const struct {
	const char *ext;
	const char *type;
} types[] = {
	{"html", "text/html; charset=utf-8"},
	{"js", "text/javascript; charset=utf-8"},
	{"mjs", "text/javascript; charset=utf-8"},
	{"css", "text/css; charset=utf-8"},
	{"json", "application/json"},
	{"svg", "image/svg+xml"},
	{"png", "image/png"},
	{"ico", "image/x-icon"},
	{"woff2", "font/woff2"},
	{"txt", "text/plain; charset=utf-8"},
};

static const char *type_of(const char *path)
{
	const char *dot = strrchr(path, '.');
	const char *slash = strrchr(path, '/');
	if (!dot || (slash && dot < slash))
		return NULL;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(dot + 1, types[i].ext))
			return types[i].type;
	return NULL;
}

static bool seg_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-' || c == '+' || c == '@';
}

bool yg_web_path_ok(const char *rel, size_t len)
{
	if (len == 0 || len > REL_MAX)
		return false;
	size_t segs = 0, i = 0;
	while (i < len) {
		size_t start = i;
		while (i < len && rel[i] != '/') {
			if (!seg_char(rel[i]))
				return false;
			i++;
		}
		size_t n = i - start;
		if (n == 0 || n > SEG_MAX || rel[start] == '.' || ++segs > SEGS_MAX)
			return false;
		if (i < len)
			i++; /* the '/' */
		if (i == len && rel[len - 1] == '/')
			return false;
	}
	return true;
}

void yg_web_headers(struct yg_resp *resp)
{
	yg_resp_header(resp, "Content-Security-Policy", YG_WEB_CSP);
	yg_resp_header(resp, "X-Content-Type-Options", "nosniff");
	yg_resp_header(resp, "Referrer-Policy", "no-referrer");
}

/* Fills w->pkgs from DIR/package.json "dependencies"; a missing or broken
 * file leaves the list empty (no vendor file is served then). */
static void load_pkgs(struct yg_web *w)
{
	char p[PATH_MAX + 16];
	snprintf(p, sizeof p, "%s/package.json", w->root);
	json_t *j = json_load_file(p, 0, NULL);
	const char *name;
	json_t *v;
	json_object_foreach(json_object_get(j, "dependencies"), name, v)
	{
		if (w->n_pkgs == YG_WEB_PKGS_MAX)
			break;
		/* Only plain names (a scope's '/' would need two segments). */
		if (!yg_web_path_ok(name, strlen(name)) || strchr(name, '/'))
			continue;
		char *dup = strdup(name);
		if (dup)
			w->pkgs[w->n_pkgs++] = dup;
	}
	json_decref(j);
}

int yg_web_new(const char *dir, struct yg_web **ret)
{
	struct yg_web *w = calloc(1, sizeof *w);
	if (!w)
		return -ENOMEM;
	char p[PATH_MAX + 16];
	struct stat sb;
	if (dir && realpath(dir, w->root)) {
		snprintf(p, sizeof p, "%s/index.html", w->root);
		bool idx = stat(p, &sb) == 0 && S_ISREG(sb.st_mode);
		snprintf(p, sizeof p, "%s/app", w->root);
		w->ok = idx && realpath(p, w->app) != NULL;
		snprintf(p, sizeof p, "%s/node_modules", w->root);
		if (!realpath(p, w->modules))
			w->modules[0] = '\0';
		load_pkgs(w);
	}
	*ret = w;
	return 0;
}

void yg_web_free(struct yg_web *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->n_pkgs; i++)
		free(w->pkgs[i]);
	free(w);
}

bool yg_web_available(const struct yg_web *w)
{
	return w && w->ok;
}

static void not_found(struct yg_resp *resp)
{
	yg_resp_error(resp, 404, "not found", "no such file");
	resp->content_type = YG_REST_MEDIA;
	yg_web_headers(resp);
}

/* Whether the real path of base/rel lies inside base; fills real. */
static bool resolve(const char *base, const char *rel, char real[PATH_MAX])
{
	char p[PATH_MAX + REL_MAX + 2];
	size_t bl = strlen(base);
	if (!*base || snprintf(p, sizeof p, "%s/%s", base, rel) >= (int)sizeof p)
		return false;
	if (!realpath(p, real))
		return false;
	return !strncmp(real, base, bl) && real[bl] == '/';
}

/* The whole file at real into resp (200), or 304 when if_none_match
 * names its ETag. false: not a regular file, too large or unreadable. */
static bool send_file(const char *real, const char *type, const char *cache,
		      const char *if_none_match, struct yg_resp *resp)
{
	int fd = open(real, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat sb;
	char etag[64];
	char *buf = NULL;
	bool ok = false;
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_size > (off_t)YG_WEB_FILE_MAX)
		goto out;
	snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)sb.st_size,
		 (unsigned long long)sb.st_mtim.tv_sec * 1000000000ull +
		     (unsigned long long)sb.st_mtim.tv_nsec);
	size_t size = (size_t)sb.st_size;
	if (if_none_match && strstr(if_none_match, etag)) {
		buf = calloc(1, 1);
		if (!buf)
			goto out;
		resp->status = 304;
		size = 0;
	} else {
		buf = malloc(size ? size : 1);
		size_t got = 0;
		while (buf && got < size) {
			ssize_t n = read(fd, buf + got, size - got);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (!buf || got != size)
			goto out;
		resp->status = 200;
	}
	yg_resp_release(resp);
	resp->body = buf;
	resp->len = size;
	resp->content_type = type;
	buf = NULL;
	yg_resp_header(resp, "ETag", etag);
	yg_resp_header(resp, "Cache-Control", cache);
	yg_web_headers(resp);
	ok = true;
out:
	free(buf);
	close(fd);
	return ok;
}

int yg_web_serve(const struct yg_web *w, const char *path, const char *if_none_match,
		 struct yg_resp *resp)
{
	char real[PATH_MAX], pkg_real[PATH_MAX];
	const char *base = NULL, *rel = NULL, *cache = "no-cache";
	if (!w || !w->ok) {
		not_found(resp);
		return resp->body ? 0 : -ENOMEM;
	}
	if (!strcmp(path, "/")) {
		base = w->root;
		rel = "index.html";
	} else if (!strncmp(path, "/static/vendor/", 15)) {
		/* Resolved inside the package's own folder, so that not even a
		 * link in a listed package reaches an unlisted one. */
		const char *pkg = path + 15;
		const char *slash = strchr(pkg, '/');
		size_t pn = slash ? (size_t)(slash - pkg) : 0;
		char dir[PATH_MAX + SEG_MAX + 2];
		for (size_t i = 0; slash && *w->modules && i < w->n_pkgs; i++)
			if (strlen(w->pkgs[i]) == pn && !memcmp(w->pkgs[i], pkg, pn)) {
				snprintf(dir, sizeof dir, "%s/%s", w->modules, w->pkgs[i]);
				if (realpath(dir, pkg_real)) {
					base = pkg_real;
					rel = slash + 1;
				}
			}
		cache = "public, max-age=86400";
	} else if (!strncmp(path, "/static/", 8)) {
		base = w->app;
		rel = path + 8;
	}
	const char *type = rel ? type_of(rel) : NULL;
	if (!base || !type || !yg_web_path_ok(rel, strlen(rel)) || !resolve(base, rel, real) ||
	    !send_file(real, type, cache, if_none_match, resp))
		not_found(resp);
	return resp->body ? 0 : -ENOMEM;
}

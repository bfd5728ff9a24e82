/*
 * The dashboard's files (issue 15): plain ES modules, styles and data
 * served by the hub from one folder, --web-dir (web/ in the source tree by
 * default), with no bundler and nothing fetched from elsewhere.
 *
 *   GET /                          DIR/index.html
 *   GET /static/<path>             DIR/app/<path>
 *   GET /static/vendor/<pkg>/<path> DIR/node_modules/<pkg>/<path>, only for
 *                                  the packages DIR/package.json lists under
 *                                  "dependencies" (not its devDependencies:
 *                                  the test driver is never served)
 *
 * A path is served only when every segment is 1..100 of [A-Za-z0-9._+@-]
 * not starting with '.', it has at most 12 segments, its extension has a
 * content type below, and the file it resolves to (symbolic links
 * followed) lies inside the folder it was asked from: anything else is a
 * 404, so no request names a file outside those folders.
 *
 * Every answer carries the dashboard's security headers (yg_web_headers):
 * a strict Content-Security-Policy (scripts, styles, data and connections
 * from the hub only; no inline script or style; no framing), nosniff, no
 * referrer. Files carry an ETag (size and modification time) and answer
 * 304 to a matching If-None-Match; the app's own files are revalidated at
 * every load (no-cache), the vendored libraries are kept a day.
 */
#ifndef YG_HUB_WEB_STATIC_H
#define YG_HUB_WEB_STATIC_H

#include <stdbool.h>
#include <stddef.h>

#include "hub/hub.h"

#define YG_WEB_FILE_MAX (16u << 20)
#define YG_WEB_PKGS_MAX 64

struct yg_web;

/* Reads DIR/package.json's dependencies. dir NULL or without an
 * index.html: a web object that answers 404 to everything (the hub still
 * serves its APIs). Caller frees with yg_web_free. */
int yg_web_new(const char *dir, struct yg_web **ret);
void yg_web_free(struct yg_web *w);

/* Whether the dashboard's files were found. */
bool yg_web_available(const struct yg_web *w);

/* Answers GET path (URL-decoded, no query) into resp: 200 with the file,
 * 304, or 404. Returns 0, or -ENOMEM when not even an error was built. */
int yg_web_serve(const struct yg_web *w, const char *path, const char *if_none_match,
		 struct yg_resp *resp);

/* Whether rel (a path below a served folder, no leading '/') is one this
 * module would look up: the segment rules above. */
bool yg_web_path_ok(const char *rel, size_t len);

/* Adds the headers every dashboard answer carries (CSP and friends). */
void yg_web_headers(struct yg_resp *resp);

#define YG_WEB_CSP                                                                          \
	"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "           \
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; "          \
	"form-action 'self'; frame-ancestors 'none'"

#endif

/*
 * yagura hub admin --data DIR cert ...: TLS client certificates bound to
 * an organization and a role (issue 21; README "Client certificates").
 *
 *   cert add --org NAME --role ROLE FILE.pem   binds the certificate of FILE
 *   cert list                                  one line per binding
 *   cert revoke FINGERPRINT                    (or a prefix of 8+ digits)
 *
 * A binding holds the SHA-256 fingerprint of the certificate's DER, never
 * the certificate; the hub checks issuer and dates on every request
 * (src/hub/tls_peer.h), so binding an expired certificate is allowed (it
 * is said on stderr) but it authenticates nobody. A fingerprint may be
 * written as openssl prints it (AB:CD:...) or as plain hex. Every action
 * goes to the audit log.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/commands.h"
#include "hub/auth.h"
#include "hub/client_cert.h"
#include "store/store.h"
#include "store/store_certs.h"

static void usage(void)
{
	fprintf(stderr, "usage: yagura hub admin --data DIR cert add --org NAME --role "
	                "admin|analyst|sensor|reader|peer FILE.pem\n"
	                "       yagura hub admin --data DIR cert list\n"
	                "       yagura hub admin --data DIR cert revoke FINGERPRINT\n");
}

/* The whole file, at most YG_CERT_PEM_MAX bytes (one more is read to tell
 * a larger file); caller frees. -E2BIG beyond it, else -errno. */
static int slurp(const char *path, char **ret, size_t *ret_len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return -errno;
	char *buf = malloc(YG_CERT_PEM_MAX + 1);
	size_t n = buf ? fread(buf, 1, YG_CERT_PEM_MAX + 1, f) : 0;
	int r = !buf ? -ENOMEM : ferror(f) ? -EIO : n > YG_CERT_PEM_MAX ? -E2BIG : 0;
	fclose(f);
	if (r < 0) {
		free(buf);
		return r;
	}
	*ret = buf;
	*ret_len = n;
	return 0;
}

static void day(int64_t us, char out[16])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	if (!gmtime_r(&t, &tm) || !strftime(out, 16, "%Y-%m-%d", &tm))
		snprintf(out, 16, "?");
}

static int print_binding(void *ud, const struct yg_cert_binding *b)
{
	struct yg_store *st = ud;
	struct yg_org o;
	if (st->ops->org_get(st, b->org_id, &o) < 0)
		snprintf(o.name, sizeof o.name, "?");
	char until[16];
	day(b->not_after_us, until);
	int64_t now = (int64_t)time(NULL) * 1000000;
	printf("%s\t%s\t%s\t%s\t%s\t%s\n", b->fingerprint, o.name, yg_role_name(b->role),
	       b->revoked              ? "revoked"
	       : b->not_after_us < now ? "expired"
	                               : "active",
	       until, b->subject);
	return 1;
}

static int add(struct yg_store *st, const char *org_name, const char *role_name, const char *path)
{
	enum yg_role role;
	if (!org_name || !path || yg_role_parse(role_name, &role) < 0) {
		fprintf(stderr, "yagura hub admin: cert add needs --org NAME, --role "
		                "admin|analyst|sensor|reader|peer and a PEM file\n");
		return 2;
	}
	struct yg_org o;
	if (st->ops->org_find(st, org_name, &o) < 0) {
		fprintf(stderr, "yagura hub admin: no organization '%s'\n", org_name);
		return 1;
	}
	char *pem = NULL;
	size_t len = 0;
	int r = slurp(path, &pem, &len);
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: cannot read %s: %s\n", path,
		        r == -E2BIG ? "larger than 64 KiB" : strerror(-r));
		return 1;
	}
	struct yg_cert_info info;
	char why[200];
	r = yg_cert_pem_read(pem, len, &info, why, sizeof why);
	free(pem);
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: %s: %s\n", path, why);
		return 1;
	}
	if (info.is_ca) {
		fprintf(stderr, "yagura hub admin: %s is a CA certificate; bind the member's own\n",
		        path);
		return 1;
	}
	int64_t now = (int64_t)time(NULL) * 1000000;
	if (info.not_after_us < now)
		fprintf(stderr,
		        "yagura hub admin: warning: %s has expired; the hub will refuse it\n",
		        path);
	r = st->ops->certs->add(st, info.fp_hex, o.id, role, info.subject, info.not_after_us, NULL);
	if (r == -EEXIST) {
		fprintf(stderr, "yagura hub admin: certificate %s is bound already\n", info.fp_hex);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: cannot bind the certificate: %s\n",
		        strerror(-r));
		return 1;
	}
	st->ops->audit(st, o.id, "cli", "cert.add", info.fp_hex);
	printf("certificate %s bound to %s (%s): %s\n", info.fp_hex, o.name, yg_role_name(role),
	       info.subject);
	return 0;
}

static int revoke(struct yg_store *st, const char *arg)
{
	char fp[YG_CERT_FP_HEX + 1];
	if (yg_cert_fp_normalize(arg, fp, sizeof fp) < 0 || strlen(fp) < YG_CERT_PREFIX_MIN) {
		fprintf(stderr,
		        "yagura hub admin: '%s' is not a fingerprint (hex, 8 digits or more)\n",
		        arg);
		return 2;
	}
	struct yg_cert_binding b;
	int r = st->ops->certs->revoke(st, fp, &b);
	if (r == -ENOENT) {
		fprintf(stderr, "yagura hub admin: no certificate %s is bound\n", fp);
		return 1;
	}
	if (r == -EEXIST) {
		fprintf(stderr, "yagura hub admin: '%s' matches several certificates\n", fp);
		return 1;
	}
	if (r < 0) {
		fprintf(stderr, "yagura hub admin: cannot revoke: %s\n", strerror(-r));
		return 1;
	}
	st->ops->audit(st, b.org_id, "cli", "cert.revoke", b.fingerprint);
	printf("certificate %s revoked\n", b.fingerprint);
	return 0;
}

int yg_cmd_hub_cert(struct yg_store *st, int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "list"))
		return st->ops->certs->list(st, print_binding, st) < 0 ? 1 : 0;
	if (argc == 3 && !strcmp(argv[1], "revoke"))
		return revoke(st, argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "add")) {
		const char *org = NULL, *role = NULL, *file = NULL;
		for (int i = 2; i < argc; i++) {
			if (!strcmp(argv[i], "--org") && i + 1 < argc) {
				org = argv[++i];
			} else if (!strcmp(argv[i], "--role") && i + 1 < argc) {
				role = argv[++i];
			} else if (argv[i][0] != '-' && !file) {
				file = argv[i];
			} else {
				fprintf(stderr, "yagura hub admin: unexpected '%s'\n", argv[i]);
				usage();
				return 2;
			}
		}
		return add(st, org, role, file);
	}
	usage();
	return 2;
}

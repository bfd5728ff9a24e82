/*
 * yagura hub backup / yagura hub restore (issue 17, src/backup/backup.h):
 *
 *   yagura hub backup --data DIR --out FILE
 *                     (--passphrase-file F | --key-file F)
 *                     [--store sqlite | --store postgresql [--pg URL]] [--files-only]
 *   yagura hub restore --in FILE --data NEWDIR
 *                     (--passphrase-file F | --key-file F)
 *
 * A backup may be taken while the hub runs. On PostgreSQL the database is
 * not in the file (pg_dump, or a standby, keeps it: README "Backup and
 * restore"); --store postgresql implies --files-only, which saves the
 * folder's keys and configuration alone.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "backup/backup.h"
#include "cli/commands.h"
#include "cli/store_opts.h"

static void usage(FILE *out)
{
	fprintf(
	    out,
	    "usage: yagura hub backup --data DIR --out FILE (--passphrase-file F | --key-file F)\n"
	    "                         [--store sqlite | --store postgresql [--pg URL]]"
	    " [--files-only]\n"
	    "       yagura hub restore --in FILE --data NEWDIR"
	    " (--passphrase-file F | --key-file F)\n"
	    "A key file holds 32 random bytes: openssl rand -out FILE 32\n");
}

static void note(void *ud, const char *name, uint64_t size, const char *skipped)
{
	const char *verb = ud;
	if (skipped)
		fprintf(stderr, "  left out %s: %s\n", name, skipped);
	else
		printf("  %s %-40s %12" PRIu64 " bytes\n", verb, name, size);
}

struct args {
	const char *data, *file, *pass, *key;
	bool files_only;
	struct yg_store_opts so;
};

/* Parses the options both commands share; in_or_out names the FILE one.
 * Returns -1 after printing what is wrong, 1 for --help, else 0. */
static int parse(const char *prog, const char *in_or_out, bool backup, int argc, char **argv,
                 struct args *a)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		int so;
		if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(stdout);
			return 1;
		} else if (backup && !strcmp(o, "--files-only")) {
			a->files_only = true;
			continue;
		} else if (backup && (so = yg_store_opt(prog, &a->so, o, v)) != 0) {
			if (so < 0)
				return -1;
		} else if (!v) {
			fprintf(stderr, "%s: unknown or incomplete option '%s'\n", prog, o);
			usage(stderr);
			return -1;
		} else if (!strcmp(o, "--data")) {
			a->data = v;
		} else if (!strcmp(o, in_or_out)) {
			a->file = v;
		} else if (!strcmp(o, "--passphrase-file")) {
			a->pass = v;
		} else if (!strcmp(o, "--key-file")) {
			a->key = v;
		} else {
			fprintf(stderr, "%s: unknown option '%s'\n", prog, o);
			usage(stderr);
			return -1;
		}
		i++;
	}
	if (!a->data || !a->file) {
		fprintf(stderr, "%s: --data and %s are required\n", prog, in_or_out);
		return -1;
	}
	if (!!a->pass == !!a->key) {
		fprintf(stderr, "%s: give one of --passphrase-file and --key-file\n", prog);
		return -1;
	}
	return 0;
}

static int read_secret(const char *prog, const struct args *a, struct yg_bk_secret *sec)
{
	char why[512];
	if (yg_bk_secret_read(a->key ? a->key : a->pass, a->key != NULL, sec, why, sizeof why) <
	    0) {
		fprintf(stderr, "%s: %s\n", prog, why);
		return -1;
	}
	return 0;
}

int yg_cmd_hub_backup(int argc, char **argv)
{
	const char *prog = "yagura hub backup";
	struct args a = {0};
	int p = parse(prog, "--out", true, argc, argv, &a);
	if (p)
		return p > 0 ? 0 : 2;
	if (a.so.pg && !a.so.postgresql) {
		fprintf(stderr, "%s: --pg goes with --store postgresql\n", prog);
		return 2;
	}
	if (a.so.postgresql) {
		fprintf(stderr,
		        "%s: the PostgreSQL database is not in this backup: back it up with "
		        "pg_dump, or keep a streaming standby (README \"Backup and restore\"); "
		        "saving %s's keys and configuration only\n",
		        prog, a.data);
		a.files_only = true;
	}
	struct yg_bk_secret sec;
	if (read_secret(prog, &a, &sec) < 0)
		return 2;
	struct yg_backup_result res;
	char err[1024];
	int r = yg_backup_create(a.data, a.file, &sec, a.files_only, note, "saved", &res, err,
	                         sizeof err);
	yg_bk_secret_clear(&sec);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", prog, *err ? err : strerror(-r));
		if (r == -ENOENT && !a.files_only)
			fprintf(stderr,
			        "%s: a hub on PostgreSQL keeps its data in the database: use "
			        "--store postgresql (files only) and pg_dump\n",
			        prog);
		return 1;
	}
	if (res.schema)
		printf("backed up %s: the store (schema %d) and %" PRIu64 " other files, %" PRIu64
		       " bytes in all, to %s\n",
		       a.data, res.schema, res.files - 1, res.bytes, a.file);
	else
		printf("backed up %s: %" PRIu64 " files (no store), %" PRIu64 " bytes, to %s\n",
		       a.data, res.files, res.bytes, a.file);
	return 0;
}

int yg_cmd_hub_restore(int argc, char **argv)
{
	const char *prog = "yagura hub restore";
	struct args a = {0};
	int p = parse(prog, "--in", false, argc, argv, &a);
	if (p)
		return p > 0 ? 0 : 2;
	struct yg_bk_secret sec;
	if (read_secret(prog, &a, &sec) < 0)
		return 2;
	struct yg_backup_result res;
	char err[1024];
	int r = yg_backup_restore(a.file, a.data, &sec, note, "restored", &res, err, sizeof err);
	yg_bk_secret_clear(&sec);
	if (r < 0) {
		fprintf(stderr, "%s: %s\n", prog, *err ? err : strerror(-r));
		fprintf(stderr, "%s: nothing was written to %s\n", prog, a.data);
		return 1;
	}
	printf("restored the backup of %s (%s store%s) into %s: %" PRIu64 " files, %" PRIu64
	       " bytes\n",
	       res.created, res.store, !strcmp(res.store, "none") ? ": files only" : "", a.data,
	       res.files, res.bytes);
	return 0;
}

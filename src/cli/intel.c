/*
 * yagura intel export: indicator files, read as the sensor reads them,
 * written in a defense layer's format (see export/export.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/commands.h"
#include "export/export.h"
#include "intel/intel.h"
#include "stix/timestamp.h"

#define MAX_INTEL    64
#define DATASET_NAME "yagura-domains"

static void usage(FILE *out)
{
	fprintf(out,
	        "usage: yagura intel export --format FMT [--intel PATH]... [options]\n"
	        "\n"
	        "formats: suricata snort3 zeek nftables rpz ips domains urls csv stix\n"
	        "\n"
	        "      --intel [FORMAT:]PATH indicator file or folder (repeatable), read as\n"
	        "                          `yagura sensor` reads it (FORMAT: as there)\n"
	        "      --warninglist PATH  values on these warning lists (file or folder,\n"
	        "                          repeatable) are left out and counted\n"
	        "      --out FILE          write here (replaced atomically; default stdout)\n"
	        "      --source NAME       source named in the header (default: the paths)\n"
	        "      --time T            generation time: Unix seconds or an RFC 3339 UTC\n"
	        "                          time (default: $SOURCE_DATE_EPOCH, else now)\n"
	        "      --etag              print the output's ETag (stdout with --out,\n"
	        "                          stderr otherwise)\n"
	        "      --sid-base N        first rule sid (suricata, snort3; default %u)\n"
	        "      --dataset-dir DIR   suricata: domains go to DIR/" DATASET_NAME ".lst\n"
	        "                          (a string dataset) matched with dataset:isset\n"
	        "      --rpz-policy P      nxdomain (default) or walled-garden=HOST\n"
	        "      --rpz-zone NAME     zone origin the RPZ is served as (default rpz.yagura)\n"
	        "      --nft-table NAME    nftables table name (default yagura)\n"
	        "      --block             blocking: Suricata/Snort rules drop, nftables adds\n"
	        "                          chains that drop the sets (--nft-drop: the same)\n"
	        "  -q, --quiet             no summary line\n"
	        "\n"
	        "Exit status: 0 clean; 1 some input was rejected or could not be expressed\n"
	        "in the format (counted in the summary); 2 usage or fatal error.\n",
	        YG_EXPORT_SID_BASE);
}

static void on_intel_error(void *ud, const char *source, unsigned long line, const char *msg)
{
	unsigned long *shown = ud;
	if (++*shown > 20)
		return;
	if (line)
		fprintf(stderr, "intel: %s:%lu: %s\n", source, line, msg);
	else
		fprintf(stderr, "intel: %s: %s\n", source, msg);
}

/* Each held-back value, named with its list (the first 20). */
static void on_held(void *ud, const char *source, unsigned long line, const char *value,
                    const char *list)
{
	unsigned long *n = ud;
	if (++*n > 20)
		return;
	fprintf(stderr, "intel: %s:%lu: %s held back (warning list %s)\n", source, line, value,
	        list);
}

static int parse_time(const char *s, int64_t *ret)
{
	int64_t ms;
	if (yg_stix_timestamp_parse(s, strlen(s), &ms)) {
		*ret = ms / 1000;
		return 0;
	}
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < 0 || v > 253402300799LL)
		return -EINVAL;
	*ret = v;
	return 0;
}

/* Writes data to path through a temporary file and a rename, so a reader
 * (a firewall reload, a DNS server) never sees half a file. */
static int write_file(const char *path, const char *data, size_t len)
{
	size_t pl = strlen(path);
	char *tmp = malloc(pl + 16);
	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, path, pl);
	memcpy(tmp + pl, ".tmp.XXXXXX", 12);
	int r = 0, fd = mkstemp(tmp);
	if (fd < 0) {
		r = -errno;
		goto out;
	}
	if (fchmod(fd, 0644) < 0)
		r = -errno;
	for (size_t off = 0; r == 0 && off < len;) {
		ssize_t k = write(fd, data + off, len - off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			r = k < 0 ? -errno : -EIO;
		else
			off += (size_t)k;
	}
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0)
		unlink(tmp);
out:
	free(tmp);
	return r;
}

struct opts {
	enum yg_export_format fmt;
	bool have_fmt, etag, quiet;
	const char *intel[MAX_INTEL];
	size_t nintel;
	const char *warn[MAX_INTEL];
	size_t nwarn;
	const char *out, *dataset_dir;
	struct yg_export_meta meta;
	bool have_time;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum {
		O_FORMAT = 256,
		O_INTEL,
		O_OUT,
		O_SOURCE,
		O_TIME,
		O_ETAG,
		O_SID,
		O_DSDIR,
		O_RPZ,
		O_ZONE,
		O_TABLE,
		O_DROP,
		O_WARN
	};
	static const struct option lo[] = {
	    {"format", required_argument, NULL, O_FORMAT},
	    {"intel", required_argument, NULL, O_INTEL},
	    {"out", required_argument, NULL, O_OUT},
	    {"source", required_argument, NULL, O_SOURCE},
	    {"time", required_argument, NULL, O_TIME},
	    {"etag", no_argument, NULL, O_ETAG},
	    {"sid-base", required_argument, NULL, O_SID},
	    {"dataset-dir", required_argument, NULL, O_DSDIR},
	    {"rpz-policy", required_argument, NULL, O_RPZ},
	    {"rpz-zone", required_argument, NULL, O_ZONE},
	    {"nft-table", required_argument, NULL, O_TABLE},
	    {"block", no_argument, NULL, O_DROP},
	    {"nft-drop", no_argument, NULL, O_DROP},
	    {"warninglist", required_argument, NULL, O_WARN},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {0},
	};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", lo, NULL)) != -1) {
		switch (c) {
		case O_FORMAT:
			if (yg_export_format_parse(optarg, &o->fmt) < 0 ||
			    o->fmt == YG_EXPORT_SURICATA_DATASET) {
				fprintf(stderr, "intel export: unknown format '%s'\n", optarg);
				return -EINVAL;
			}
			o->have_fmt = true;
			break;
		case O_INTEL:
			if (o->nintel == MAX_INTEL) {
				fprintf(stderr, "intel export: at most %d --intel paths\n",
				        MAX_INTEL);
				return -EINVAL;
			}
			o->intel[o->nintel++] = optarg;
			break;
		case O_OUT:
			o->out = optarg;
			break;
		case O_SOURCE:
			o->meta.source = optarg;
			break;
		case O_TIME:
			if (parse_time(optarg, &o->meta.generated) < 0) {
				fprintf(stderr, "intel export: bad --time '%s'\n", optarg);
				return -EINVAL;
			}
			o->have_time = true;
			break;
		case O_ETAG:
			o->etag = true;
			break;
		case O_SID: {
			char *end;
			errno = 0;
			unsigned long v = strtoul(optarg, &end, 10);
			if (errno || end == optarg || *end || v == 0 || v > 2000000000UL) {
				fprintf(stderr, "intel export: bad --sid-base '%s'\n", optarg);
				return -EINVAL;
			}
			o->meta.sid_base = (uint32_t)v;
			break;
		}
		case O_DSDIR:
			o->dataset_dir = optarg;
			break;
		case O_RPZ:
			if (strcmp(optarg, "nxdomain") == 0) {
				o->meta.rpz_policy = YG_EXPORT_RPZ_NXDOMAIN;
			} else if (strncmp(optarg, "walled-garden=", 14) == 0) {
				o->meta.rpz_policy = YG_EXPORT_RPZ_WALLED_GARDEN;
				o->meta.rpz_garden = optarg + 14;
			} else {
				fprintf(stderr, "intel export: --rpz-policy is nxdomain or "
				                "walled-garden=HOST\n");
				return -EINVAL;
			}
			break;
		case O_ZONE:
			o->meta.rpz_zone = optarg;
			break;
		case O_TABLE:
			o->meta.nft_table = optarg;
			break;
		case O_WARN:
			if (o->nwarn == MAX_INTEL) {
				fprintf(stderr, "intel export: at most %d --warninglist paths\n",
				        MAX_INTEL);
				return -EINVAL;
			}
			o->warn[o->nwarn++] = optarg;
			break;
		case O_DROP:
			o->meta.block = true;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind != argc || !o->have_fmt) {
		fprintf(stderr, "intel export: %s\n",
		        optind != argc ? "unexpected argument" : "--format is required");
		usage(stderr);
		return -EINVAL;
	}
	if (!o->have_time) {
		const char *sde = getenv("SOURCE_DATE_EPOCH");
		if (sde && *sde) {
			if (parse_time(sde, &o->meta.generated) < 0) {
				fprintf(stderr, "intel export: bad SOURCE_DATE_EPOCH '%s'\n", sde);
				return -EINVAL;
			}
		} else {
			o->meta.generated = (int64_t)time(NULL);
		}
	}
	return 0;
}

static char *join_paths(const struct opts *o)
{
	size_t n = 1;
	for (size_t i = 0; i < o->nintel; i++)
		n += strlen(o->intel[i]) + 2;
	char *s = calloc(1, n);
	if (!s)
		return NULL;
	size_t k = 0;
	for (size_t i = 0; i < o->nintel; i++)
		k += (size_t)snprintf(s + k, n - k, "%s%s", i ? ", " : "", o->intel[i]);
	return s;
}

static int cmd_export(int argc, char **argv)
{
	struct opts o = {0};
	int r = parse_opts(argc, argv, &o);
	if (r)
		return r > 0 ? 0 : 2;
	int rc = 2;
	unsigned long shown = 0, held = 0;
	struct yg_intel_warn *warn = NULL;
	struct yg_intel_builder *b = NULL;
	struct yg_intel_set *set = NULL;
	struct yg_export_item *items = NULL;
	struct yg_export_buf buf, ds;
	char *joined = NULL, *ds_path = NULL;
	bool rejected = false;
	yg_export_buf_init(&buf);
	yg_export_buf_init(&ds);
	if (yg_intel_builder_new(&b) < 0)
		goto out;
	yg_intel_builder_on_error(b, on_intel_error, &shown);
	if (o.nwarn) {
		if (yg_intel_warn_new(&warn) < 0)
			goto out;
		yg_intel_warn_on_error(warn, on_intel_error, &shown);
		for (size_t i = 0; i < o.nwarn; i++) {
			long k = yg_intel_warn_load_path(warn, o.warn[i]);
			if (k < 0) {
				fprintf(stderr, "intel export: --warninglist %s: %s\n", o.warn[i],
				        strerror((int)-k));
				goto out;
			}
		}
		if (yg_intel_warn_build(warn) < 0)
			goto out;
		yg_intel_builder_set_warn(b, warn, on_held, &held);
	}
	for (size_t i = 0; i < o.nintel; i++) {
		long k = yg_intel_load_spec(b, o.intel[i]);
		if (k < 0) {
			fprintf(stderr, "intel export: %s: %s\n", o.intel[i], strerror((int)-k));
			rejected = true;
		}
	}
	if (yg_intel_builder_rejected(b))
		rejected = true;
	unsigned long nheld = yg_intel_builder_held(b);
	r = yg_intel_builder_build(b, &set);
	b = NULL;
	size_t n = 0;
	if (r < 0 || yg_export_items_from_set(set, &items, &n) < 0) {
		fprintf(stderr, "intel export: out of memory\n");
		goto out;
	}
	if (!o.meta.source) {
		joined = join_paths(&o);
		if (!joined)
			goto out;
		o.meta.source = joined;
	}
	struct yg_export_stats st = {0}, dst = {0};
	if (o.dataset_dir && o.fmt == YG_EXPORT_SURICATA) {
		size_t dl = strlen(o.dataset_dir);
		ds_path = malloc(dl + sizeof "/" DATASET_NAME ".lst");
		if (!ds_path)
			goto out;
		snprintf(ds_path, dl + sizeof "/" DATASET_NAME ".lst", "%s/" DATASET_NAME ".lst",
		         o.dataset_dir);
		o.meta.dataset_name = DATASET_NAME;
		o.meta.dataset_path = ds_path;
		r = yg_export_write(YG_EXPORT_SURICATA_DATASET, items, n, &o.meta, &ds, &dst);
		if (r == 0)
			r = write_file(ds_path, ds.data ? ds.data : "", ds.len);
		if (r < 0) {
			fprintf(stderr, "intel export: dataset %s: %s\n", ds_path, strerror(-r));
			goto out;
		}
	}
	r = yg_export_write(o.fmt, items, n, &o.meta, &buf, &st);
	if (r < 0) {
		fprintf(stderr, "intel export: %s\n",
		        r == -EINVAL ? "bad option for this format (name, host or path not "
		                       "expressible)"
		                     : strerror(-r));
		goto out;
	}
	if (o.out) {
		r = write_file(o.out, buf.data ? buf.data : "", buf.len);
		if (r < 0) {
			fprintf(stderr, "intel export: %s: %s\n", o.out, strerror(-r));
			goto out;
		}
	} else if (buf.len && fwrite(buf.data, 1, buf.len, stdout) != buf.len) {
		fprintf(stderr, "intel export: writing stdout failed\n");
		goto out;
	}
	if (fflush(stdout) != 0)
		goto out;
	if (o.etag) {
		char etag[YG_EXPORT_ETAG_LEN + 1];
		yg_export_etag(buf.data, buf.len, etag);
		fprintf(o.out ? stdout : stderr, "%s\n", etag);
	}
	if (!o.quiet)
		fprintf(stderr,
		        "intel export: %s: %zu indicators, %zu written, %zu skipped as unsafe, "
		        "%zu skipped (no place in the format), %lu held back by warning lists\n",
		        yg_export_format_name(o.fmt), n, st.written, st.skipped_unsafe,
		        st.skipped_type, nheld);
	rc = (rejected || st.skipped_unsafe) ? 1 : 0;
out:
	yg_intel_builder_free(b);
	yg_intel_set_free(set);
	yg_intel_warn_free(warn);
	free(items);
	free(joined);
	free(ds_path);
	yg_export_buf_release(&buf);
	yg_export_buf_release(&ds);
	return rc;
}

int yg_cmd_intel(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "export") == 0)
		return cmd_export(argc - 1, argv + 1);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	usage(stderr);
	return 2;
}

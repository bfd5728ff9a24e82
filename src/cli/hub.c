/*
 * yagura hub: the sharing hub's server, and `yagura hub admin` (hub_admin.c).
 *
 *   yagura hub --listen 127.0.0.1:8443 --data DIR [--tls-cert F --tls-key F]
 *              [--tls-client-ca F [--tls-client-required]]
 *              [--threads N] [--max-body BYTES] [--timeout SECONDS]
 *              [--cache-mb N | --no-cache]
 *              [--store sqlite | --store postgresql --pg postgresql://...]
 *              [--decay-half-life DAYS] [--decay-threshold N]
 *              [--max-connections N] [--request-timeout SECONDS]
 *              [--max-pending-per-addr N] [--max-polls-per-token N]
 *              [--max-polls-per-org N]
 *              [--darknet-tlp clear|green|amber] [--darknet-minute-days N]
 *              [--notify-every SECONDS] [--geoip-dir DIR] [--federation-every MS]
 *
 * Infected hosts (issue 14, README "Infected hosts"): each owner gets one
 * notice per --notify-every seconds (a day by default; DIR/notify.json
 * holds SMTP, the public URL of one-time links and retries); the AS of
 * an address from the geo databases in --geoip-dir
 * (/usr/local/share/yagura/geoip) is the fallback owner.
 *              [--darknet-hour-days N] [--web-dir DIR | --no-web]
 *
 * The dashboard (issue 15, src/hub/web_static.h) is served under / from
 * --web-dir: index.html, app/ and, from node_modules/, the npm packages
 * its package.json depends on. The default is web/ of the source tree the
 * binary was built from (scripts/setup.sh installs the packages there);
 * --no-web serves none (the APIs stay).
 *
 * The network telescope (issue 13, src/hub/darknet.h): surge reports are
 * published at --darknet-tlp (green); per-minute port series are kept
 * --darknet-minute-days (7), hourly ones --darknet-hour-days (90).
 *
 * Indicators decay (src/hub/lifecycle.h): score 100 * 0.5^(age / half-life
 * in days), age since the newer of their modified time and their last
 * sighting; below the threshold they leave /indicators, the change feed
 * and the exports. DAYS may be fractional; 0 turns decay off (default 30,
 * threshold 10).
 *
 * --store names the store backend: the embedded SQLite store (WAL mode,
 * DIR/hub.db, the default), or PostgreSQL at --pg (issue 19), which
 * several hubs may share; DIR then keeps only files (keys, lists, rules).
 *
 * --sync (SQLite only): normal, the default, acknowledges a commit once it
 * is in the WAL (synchronous=NORMAL: survives the hub being killed, not a
 * power loss); full fsyncs the WAL at every commit (synchronous=FULL:
 * survives a power loss too, one fsync per write transaction). On
 * PostgreSQL the server's synchronous_commit decides, so --sync is refused.
 *
 * --threads defaults to the number of cores (at least 2); --cache-mb sizes
 * the answer cache of listings (src/hub/cache.h, 64 MiB by default).
 *
 * Many connections (issue 19, src/hub/guard.h): the hub raises its soft
 * descriptor limit to the hard one and serves up to --max-connections
 * (16384, or the descriptor limit minus 128 if that is lower); a request's
 * headers and body must arrive within --request-timeout (10 s; an idle
 * keep-alive connection must send its next request within it too); one
 * address may hold --max-pending-per-addr connections that owe a request
 * (128); parked long-polls are capped per token (--max-polls-per-token, 16)
 * and per organization (--max-polls-per-org, a quarter of the
 * connections); 0 turns a long-poll cap off.
 *
 * Prints "listening on ADDR port N" to stderr once it serves; SIGTERM or
 * SIGINT stops it after the requests in flight finish (10 s at most).
 */
#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "cli/commands.h"
#include "cli/store_opts.h"
#include "cli/web_default.h"
#include "hub/hub.h"
#include "hub/nats_hub.h"
#include "hub/server.h"
#include "level/level.h"

#define PEM_MAX (1 << 20)

static void usage(FILE *out)
{
	fprintf(out, "usage: yagura hub --listen ADDR:PORT --data DIR [--tls-cert FILE --tls-key FILE]\n"
		     "                  [--tls-client-ca FILE [--tls-client-required]]\n"
		     "                  [--threads N] [--max-body BYTES] [--timeout SECONDS]\n"
		     "                  [--cache-mb N | --no-cache]\n"
		     "                  [--store sqlite | --store postgresql --pg postgresql://...]\n"
		     "                  [--decay-half-life DAYS (30, 0 = off)] [--decay-threshold N (10)]\n"
		     "                  [--max-connections N (16384)] [--request-timeout SECONDS (10)]\n"
		     "                  [--max-pending-per-addr N (128)] [--max-polls-per-token N (16)]\n"
		     "                  [--max-polls-per-org N (max-connections / 4); 0 = no cap]\n"
		     "                  [--darknet-tlp clear|green|amber (green)]\n"
		     "                  [--darknet-minute-days N (7)] [--darknet-hour-days N (90)]\n"
		     "                  [--notify-every SECONDS (86400)] [--geoip-dir DIR]\n"
		     "                  [--federation-every MS (5000)] [--sync normal|full (normal)]\n"
		     "                  [--nats URL [--nats-creds FILE] [--nats-ack-wait MS (5000)]\n"
		     "                   [--nats-handlers N (4)]]\n"
		     "                  [--web-dir DIR (" YG_WEB_DIR_DEFAULT ") | --no-web]\n"
		     "       yagura hub admin --data DIR ...   (yagura hub admin --help)\n"
		     "       yagura hub migrate --from sqlite:DIR --to postgresql://...\n"
		     "       yagura hub backup --data DIR --out FILE ...   (yagura hub backup --help)\n"
		     "       yagura hub restore --in FILE --data NEWDIR ...\n");
}

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

static void log_line(void *ud, const char *line)
{
	(void)ud;
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "%s\n", line);
	pthread_mutex_unlock(&log_lock);
}

static char *read_pem(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = malloc(PEM_MAX + 1);
	size_t n = buf ? fread(buf, 1, PEM_MAX, f) : 0;
	bool too_big = buf && n == PEM_MAX;
	fclose(f);
	if (!buf || too_big || n == 0) {
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* A plain decimal number (digits, one optional point) in [0, max]. */
static bool parse_decimal(const char *s, double max, double *ret)
{
	if (!s || !*s || strspn(s, "0123456789.") != strlen(s) || strchr(s, '.') != strrchr(s, '.') ||
	    !strcmp(s, "."))
		return false;
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (errno || *end || !(v >= 0) || v > max)
		return false;
	*ret = v;
	return true;
}

static bool parse_uint(const char *s, unsigned long long max, unsigned long long *ret)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-')
		return false;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return false;
	*ret = v;
	return true;
}

/* Descriptors kept for everything but client connections: the stores,
 * the answer cache's file, TLS, logs. */
#define FD_MARGIN 128

/* Raises the soft descriptor limit to the hard one (a parked long-poll
 * holds a descriptor; the soft default of 1024 is what first held a hub
 * at about 1,000 connections) and returns the soft limit in force. */
static unsigned long long raise_nofile(void)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return 1024;
	rlim_t want = rl.rlim_max == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_max;
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want)
		return rl.rlim_cur == RLIM_INFINITY ? 1ull << 20 : (unsigned long long)rl.rlim_cur;
	rlim_t old = rl.rlim_cur;
	rl.rlim_cur = want;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return (unsigned long long)old;
	return (unsigned long long)want;
}

int yg_cmd_hub(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "admin"))
		return yg_cmd_hub_admin(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "migrate"))
		return yg_cmd_hub_migrate(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "backup"))
		return yg_cmd_hub_backup(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "restore"))
		return yg_cmd_hub_restore(argc - 1, argv + 1);
	const char *listen = "127.0.0.1:8443", *data = NULL, *cert_path = NULL, *key_path = NULL;
	const char *client_ca_path = NULL;
	bool client_required = false;
	/* One server thread per core, each with its own store connection. */
	long cores = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned long long threads = cores < 2 ? 2 : cores > 64 ? 64 : (unsigned long long)cores;
	unsigned long long max_body = YG_HUB_MAX_BODY_DEFAULT, timeout = 30, cache_mb = 0;
	bool no_cache = false;
	const char *sync = NULL;
	double half_life = 30, threshold = 10;
	unsigned long long max_conns = 0, req_timeout = 10, per_addr = YG_SERVER_PENDING_PER_ADDR_DEFAULT,
			   per_token = 16;
	unsigned long long per_org = ~0ull; /* a quarter of max_conns */
	unsigned long long dn_minute_days = 0, dn_hour_days = 0;
	struct yg_store_opts sopts = {0};
	int so;
	const char *dn_tlp = NULL, *geoip_dir = NULL;
	unsigned long long notify_every = 0, fed_every = 0;
	const char *web_dir = YG_WEB_DIR_DEFAULT;
	const char *nats_url = NULL, *nats_creds = NULL;
	unsigned long long nats_ack_wait = 0, nats_handlers = 0;
	struct yg_hub_nats *nats = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		bool ok = true;
		/* Below argc argv is never NULL (C17 5.1.2.2.1); "&& v" only
		 * asks whether an option has a value after it. */
		assert(a);
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--listen") && v) {
			listen = v;
		} else if (!strcmp(a, "--data") && v) {
			data = v;
		} else if (!strcmp(a, "--tls-cert") && v) {
			cert_path = v;
		} else if (!strcmp(a, "--tls-key") && v) {
			key_path = v;
		} else if (!strcmp(a, "--tls-client-ca") && v) {
			client_ca_path = v;
		} else if (!strcmp(a, "--tls-client-required")) {
			client_required = true;
			continue;
		} else if (!strcmp(a, "--threads") && v) {
			ok = parse_uint(v, 64, &threads) && threads > 0;
		} else if (!strcmp(a, "--max-body") && v) {
			ok = parse_uint(v, 1ull << 30, &max_body) && max_body > 0;
		} else if (!strcmp(a, "--timeout") && v) {
			ok = parse_uint(v, 3600, &timeout) && timeout > 0;
		} else if (!strcmp(a, "--cache-mb") && v) {
			ok = parse_uint(v, 4096, &cache_mb) && cache_mb > 0;
		} else if ((so = yg_store_opt("yagura hub", &sopts, a, v)) != 0) {
			if (so < 0)
				return 2;
		} else if (!strcmp(a, "--decay-half-life") && v) {
			ok = parse_decimal(v, 36500, &half_life);
		} else if (!strcmp(a, "--decay-threshold") && v) {
			ok = parse_decimal(v, 100, &threshold);
		} else if (!strcmp(a, "--max-connections") && v) {
			ok = parse_uint(v, 1u << 20, &max_conns) && max_conns >= 64;
		} else if (!strcmp(a, "--request-timeout") && v) {
			ok = parse_uint(v, 3600, &req_timeout) && req_timeout > 0;
		} else if (!strcmp(a, "--max-pending-per-addr") && v) {
			ok = parse_uint(v, 1u << 20, &per_addr) && per_addr > 0;
		} else if (!strcmp(a, "--max-polls-per-token") && v) {
			ok = parse_uint(v, 1u << 20, &per_token);
		} else if (!strcmp(a, "--max-polls-per-org") && v) {
			ok = parse_uint(v, 1u << 20, &per_org);
		} else if (!strcmp(a, "--darknet-tlp") && v) {
			ok = !strcmp(v, "clear") || !strcmp(v, "green") || !strcmp(v, "amber");
			dn_tlp = v;
		} else if (!strcmp(a, "--darknet-minute-days") && v) {
			ok = parse_uint(v, 366, &dn_minute_days) && dn_minute_days > 0;
		} else if (!strcmp(a, "--darknet-hour-days") && v) {
			ok = parse_uint(v, 3660, &dn_hour_days) && dn_hour_days > 0;
		} else if (!strcmp(a, "--notify-every") && v) {
			ok = parse_uint(v, 366ull * 86400, &notify_every) && notify_every > 0;
		} else if (!strcmp(a, "--federation-every") && v) {
			ok = parse_uint(v, 3600000, &fed_every) && fed_every >= 100;
		} else if (!strcmp(a, "--nats") && v) {
			nats_url = v;
		} else if (!strcmp(a, "--nats-creds") && v) {
			nats_creds = v;
		} else if (!strcmp(a, "--nats-ack-wait") && v) {
			ok = parse_uint(v, 3600000, &nats_ack_wait) && nats_ack_wait >= 100;
		} else if (!strcmp(a, "--nats-handlers") && v) {
			ok = parse_uint(v, 32, &nats_handlers) && nats_handlers > 0;
		} else if (!strcmp(a, "--sync") && v) {
			ok = !strcmp(v, "normal") || !strcmp(v, "full");
			sync = v;
		} else if (!strcmp(a, "--geoip-dir") && v) {
			geoip_dir = v;
		} else if (!strcmp(a, "--web-dir") && v) {
			web_dir = v;
		} else if (!strcmp(a, "--no-web")) {
			web_dir = NULL;
			continue;
		} else if (!strcmp(a, "--no-cache")) {
			no_cache = true;
			continue;
		} else {
			fprintf(stderr, "yagura hub: unknown or incomplete option '%s'\n", a);
			usage(stderr);
			return 2;
		}
		if (!ok) {
			fprintf(stderr, "yagura hub: bad value for %s: '%s'\n", a, v);
			return 2;
		}
		i++;
	}
	if (!data) {
		fprintf(stderr, "yagura hub: --data DIR is required\n");
		return 2;
	}
	if (yg_store_opts_check("yagura hub", &sopts) < 0)
		return 2;
	if ((nats_creds || nats_ack_wait || nats_handlers) && !nats_url) {
		fprintf(stderr, "yagura hub: --nats-creds, --nats-ack-wait and --nats-handlers go "
				"with --nats URL\n");
		return 2;
	}
	if (sync && yg_store_opts_pg(&sopts)) {
		fprintf(stderr, "yagura hub: --sync is for the SQLite store; on PostgreSQL the "
				"server's synchronous_commit decides (README, \"Standby and failover\")\n");
		return 2;
	}
	yg_store_sqlite_sync_full(sync && !strcmp(sync, "full"));
	if (!!cert_path != !!key_path) {
		fprintf(stderr, "yagura hub: --tls-cert and --tls-key go together\n");
		return 2;
	}
	if (client_ca_path && !cert_path) {
		fprintf(stderr, "yagura hub: --tls-client-ca needs --tls-cert and --tls-key "
				"(client certificates are part of TLS)\n");
		return 2;
	}
	if (client_required && !client_ca_path) {
		fprintf(stderr, "yagura hub: --tls-client-required needs --tls-client-ca\n");
		return 2;
	}
	unsigned long long nofile = raise_nofile();
	unsigned long long fd_room = nofile > 2 * FD_MARGIN ? nofile - FD_MARGIN : nofile / 2;
	if (!max_conns) {
		max_conns = YG_SERVER_MAX_CONNS_DEFAULT < fd_room ? YG_SERVER_MAX_CONNS_DEFAULT
								  : fd_room;
	} else if (max_conns > fd_room) {
		fprintf(stderr,
			"yagura hub: --max-connections %llu is above what the descriptor limit "
			"(%llu) allows; serving %llu\n",
			max_conns, nofile, fd_room);
		max_conns = fd_room;
	}
	if (per_org == ~0ull)
		per_org = max_conns / 4;
	int rc = 1;
	char *cert = NULL, *key = NULL, *client_ca = NULL;
	struct yg_hub *hub = NULL;
	struct yg_server *srv = NULL;
	if (cert_path) {
		if (!yg_server_tls_available()) {
			fprintf(stderr, "yagura hub: this libmicrohttpd has no TLS support\n");
			return 1;
		}
		cert = read_pem(cert_path);
		key = read_pem(key_path);
		if (!cert || !key) {
			fprintf(stderr, "yagura hub: cannot read the TLS certificate or key\n");
			goto out;
		}
	}
	if (client_ca_path) {
		client_ca = read_pem(client_ca_path);
		if (!client_ca || !strstr(client_ca, "-----BEGIN CERTIFICATE-----")) {
			fprintf(stderr, "yagura hub: cannot read CA certificates from %s\n",
				client_ca_path);
			goto out;
		}
	}
	/* Block the stop signals before any thread starts, so only sigwait
	 * below receives them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	struct yg_hub_config hc = {.data_dir = data, .pg = yg_store_opts_pg(&sopts), .threads = (unsigned)threads,
				   .max_body = max_body,
				   .cache_mb = no_cache ? -1 : (int)cache_mb,
				   .decay_half_life_days = half_life,
				   .decay_threshold = threshold,
				   .darknet_tlp_set = dn_tlp != NULL,
				   .darknet_tlp = !dn_tlp || !strcmp(dn_tlp, "green") ? YG_TLP_GREEN
						  : !strcmp(dn_tlp, "clear")          ? YG_TLP_CLEAR
										      : YG_TLP_AMBER,
				   .darknet_minute_days = (unsigned)dn_minute_days,
				   .darknet_hour_days = (unsigned)dn_hour_days,
				   .notify_every_s = (unsigned)notify_every,
				   .fed_every_ms = (unsigned)fed_every,
				   .geoip_dir = geoip_dir,
				   .web_dir = web_dir};
	/* A broken rules file is named here, with where it is broken; the hub
	 * would only say it cannot start. */
	char lpath[4200], lerr[600];
	snprintf(lpath, sizeof lpath, "%s/level.json", data);
	struct yg_level_rules *lr = calloc(1, sizeof *lr);
	int lrc = lr ? yg_level_rules_load(lpath, lr, NULL, lerr, sizeof lerr) : -ENOMEM;
	free(lr);
	if (lrc < 0) {
		fprintf(stderr, "yagura hub: alert level rules: %s\n",
			lrc == -ENOMEM ? "out of memory" : lerr);
		goto out;
	}
	char nerr[600];
	if (yg_hub_notify_check(data, nerr, sizeof nerr) < 0) {
		fprintf(stderr, "yagura hub: notices: %s\n", nerr);
		goto out;
	}
	int r = yg_hub_new(&hc, &hub);
	if (r < 0) {
		yg_store_opts_fail("yagura hub", &sopts, data, r);
		goto out;
	}
	if (nats_url) {
		/* Before the server serves: the change hook is set once. */
		struct yg_hub_nats_config ncfg = {.url = nats_url,
						  .creds_file = nats_creds,
						  .ack_wait_ms = (unsigned)nats_ack_wait,
						  .handlers = (unsigned)nats_handlers,
						  .log = log_line};
		char natserr[600];
		r = yg_hub_nats_start(hub, &ncfg, &nats, natserr, sizeof natserr);
		if (r < 0) {
			fprintf(stderr, "yagura hub: nats: %s\n", natserr);
			goto out;
		}
	}
	struct yg_server_config sc = {
		.listen = listen,
		.threads = (unsigned)threads,
		.max_body = max_body,
		.timeout_s = (unsigned)timeout,
		.max_conns = (unsigned)max_conns,
		.max_pending_per_addr = (unsigned)per_addr,
		.request_timeout_ms = (unsigned)req_timeout * 1000,
		.max_polls_per_token = (unsigned)per_token,
		.max_polls_per_org = (unsigned)per_org,
		.tls_cert = cert,
		.tls_key = key,
		.tls_client_ca = client_ca,
		.tls_client_required = client_required,
		.log = log_line,
	};
	r = yg_server_start(&sc, hub, &srv);
	if (r < 0) {
		fprintf(stderr, "yagura hub: cannot listen on %s: %s\n", listen, strerror(-r));
		goto out;
	}
	r = yg_hub_start(hub);
	if (r < 0) {
		fprintf(stderr, "yagura hub: cannot start the alert level: %s\n", strerror(-r));
		goto out;
	}
	if (!yg_store_opts_pg(&sopts)) {
		/* Read back from a store of this process, so the line says what
		 * SQLite does, not what was asked. */
		struct yg_store *st = NULL;
		int level = -1;
		if (yg_store_open(data, NULL, &st) == 0)
			yg_store_sqlite_synchronous(st, &level);
		yg_store_close(st);
		fprintf(stderr, "yagura hub: SQLite synchronous=%s\n",
			level == 2 ? "full (every commit fsynced: survives a power loss)"
			: level == 1 ? "normal (survives a crash of the hub, not a power loss)"
				     : "unknown");
	}
	fprintf(stderr, "yagura hub: listening on %s port %u (%s%s), up to %llu connections\n",
		listen, (unsigned)yg_server_port(srv), cert ? "https" : "http",
		!client_ca	  ? ""
		: client_required ? ", client certificate required"
				  : ", client certificates asked for",
		max_conns);
	int sig = 0;
	sigwait(&set, &sig);
	fprintf(stderr, "yagura hub: signal %d, stopping\n", sig);
	yg_server_stop(srv, 10000);
	srv = NULL;
	rc = 0;
out:
	yg_server_stop(srv, 0);
	if (nats) {
		struct yg_hub_nats_stats ns;
		yg_hub_nats_stop(nats, &ns);
		fprintf(stderr,
		        "yagura hub: nats: %llu messages taken, %llu acknowledged, %llu refused, "
		        "%llu handed back, %llu change notices, %llu in progress\n",
		        (unsigned long long)ns.taken, (unsigned long long)ns.acked,
		        (unsigned long long)ns.refused, (unsigned long long)ns.retried,
		        (unsigned long long)ns.notices, (unsigned long long)ns.in_progress);
	}
	yg_hub_free(hub);
	free(cert);
	free(key);
	free(client_ca);
	return rc;
}

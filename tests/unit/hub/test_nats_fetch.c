/*
 * yg_hub_nats_fetch against a real nats-server (skipped without one): a
 * fetch never hands back more messages than asked for, also when the
 * subscription already holds some when it starts and more come while it
 * waits. That is the case in which libnats 3.4.1's natsSubscription_Fetch
 * writes past its own array (nats_fetch.h), the hub's heap corruption
 * under NATS ingestion (issue 19); there its list came back longer than
 * the batch, which this test sees even where the overflow itself does
 * not crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#include "hub/nats_fetch.h"

#define BATCH 4
#define ACK_WAIT_MS 100

static const char *const server_paths[] = {"/usr/sbin/nats-server", "/usr/bin/nats-server"};

static const char *server_bin(void)
{
	for (size_t i = 0; i < sizeof server_paths / sizeof server_paths[0]; i++)
		if (access(server_paths[i], X_OK) == 0)
			return server_paths[i];
	return NULL;
}

static int free_port(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof sa;
	int port = -1;
	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static int rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

struct server {
	pid_t pid;
	char dir[64];
	char url[64];
};

static void server_start(struct server *sv, const char *bin)
{
	snprintf(sv->dir, sizeof sv->dir, "/tmp/yg-nats-fetch-XXXXXX");
	assert_non_null(mkdtemp(sv->dir));
	int port = free_port();
	assert_true(port > 0);
	char p[16];
	snprintf(p, sizeof p, "%d", port);
	snprintf(sv->url, sizeof sv->url, "nats://127.0.0.1:%d", port);
	sv->pid = fork();
	assert_true(sv->pid >= 0);
	if (sv->pid == 0) {
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 1);
			dup2(null, 2);
		}
		execl(bin, bin, "-a", "127.0.0.1", "-p", p, "-js", "-sd", sv->dir, (char *)NULL);
		_exit(127);
	}
}

static void server_stop(struct server *sv)
{
	kill(sv->pid, SIGTERM);
	waitpid(sv->pid, NULL, 0);
	nftw(sv->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void nap_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

static void fetch_takes_no_more_than_asked(void **state)
{
	const char *bin = *state;
	struct server sv;
	server_start(&sv, bin);
	natsConnection *nc = NULL;
	/* Polled with a bound: the server takes a moment to listen. */
	for (int i = 0; i < 200 && natsConnection_ConnectTo(&nc, sv.url) != NATS_OK; i++)
		nap_ms(50);
	assert_non_null(nc);
	jsCtx *js = NULL;
	assert_int_equal(natsConnection_JetStream(&js, nc, NULL), NATS_OK);
	jsStreamConfig sc;
	jsStreamConfig_Init(&sc);
	const char *subjects[] = {"t.>"};
	sc.Name = "T";
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.Storage = js_MemoryStorage;
	jsErrCode jerr = 0;
	assert_int_equal(js_AddStream(NULL, js, &sc, NULL, &jerr), NATS_OK);
	jsSubOptions so;
	jsSubOptions_Init(&so);
	so.Stream = "T";
	so.Config.Durable = "dur";
	so.Config.AckPolicy = js_AckExplicit;
	so.Config.AckWait = (int64_t)ACK_WAIT_MS * 1000000;
	natsSubscription *sub = NULL;
	assert_int_equal(js_PullSubscribe(&sub, js, "t.x", "dur", NULL, &so, &jerr), NATS_OK);
	for (int i = 0; i < BATCH - 1; i++)
		assert_int_equal(js_Publish(NULL, js, "t.x", "m", 1, NULL, &jerr), NATS_OK);

	/* BATCH - 1 messages delivered to the subscription outside any fetch,
	 * as late answers to an expired pull are, */
	const char *inbox = natsSubscription_GetSubject(sub);
	assert_non_null(inbox);
	assert_int_equal(natsConnection_PublishRequestString(nc, "$JS.API.CONSUMER.MSG.NEXT.T.dur",
	                                                     inbox, "{\"batch\":3}"),
	                 NATS_OK);
	int pending = 0, bytes = 0;
	for (int i = 0; i < 200 && pending < BATCH - 1; i++) {
		assert_int_equal(natsSubscription_GetPending(sub, &pending, &bytes), NATS_OK);
		if (pending < BATCH - 1)
			nap_ms(50);
	}
	assert_int_equal(pending, BATCH - 1);
	/* and an earlier pull still waiting at the server, which their
	 * redeliveries (unacknowledged past AckWait) answer during the fetch. */
	assert_int_equal(natsConnection_PublishRequestString(
	                     nc, "$JS.API.CONSUMER.MSG.NEXT.T.dur", inbox,
	                     "{\"batch\":10,\"expires\":3000000000}"),
	                 NATS_OK);

	natsMsg *msgs[64] = {0}; /* room for what a broken fetch would give */
	size_t n = 0;
	natsStatus s = yg_hub_nats_fetch(sub, msgs, BATCH, 1500, &n);
	assert_int_equal(s, NATS_OK);
	assert_true(n >= 1);
	assert_true(n <= BATCH);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(msgs[i]);
		assert_int_equal(natsMsg_GetDataLength(msgs[i]), 1);
		natsMsg_Ack(msgs[i], NULL);
		natsMsg_Destroy(msgs[i]);
	}
	for (size_t i = n; i < sizeof msgs / sizeof msgs[0]; i++)
		natsMsg_Destroy(msgs[i]);
	natsSubscription_Destroy(sub);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	server_stop(&sv);
}

/* Nothing in the stream: the wait ends with NATS_TIMEOUT and no message. */
static void fetch_of_nothing_times_out(void **state)
{
	const char *bin = *state;
	struct server sv;
	server_start(&sv, bin);
	natsConnection *nc = NULL;
	for (int i = 0; i < 200 && natsConnection_ConnectTo(&nc, sv.url) != NATS_OK; i++)
		nap_ms(50);
	assert_non_null(nc);
	jsCtx *js = NULL;
	assert_int_equal(natsConnection_JetStream(&js, nc, NULL), NATS_OK);
	jsStreamConfig sc;
	jsStreamConfig_Init(&sc);
	const char *subjects[] = {"t.>"};
	sc.Name = "T";
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.Storage = js_MemoryStorage;
	jsErrCode jerr = 0;
	assert_int_equal(js_AddStream(NULL, js, &sc, NULL, &jerr), NATS_OK);
	jsSubOptions so;
	jsSubOptions_Init(&so);
	so.Stream = "T";
	so.Config.Durable = "dur";
	so.Config.AckPolicy = js_AckExplicit;
	natsSubscription *sub = NULL;
	assert_int_equal(js_PullSubscribe(&sub, js, "t.x", "dur", NULL, &so, &jerr), NATS_OK);
	natsMsg *msgs[BATCH] = {0};
	size_t n = 99;
	assert_int_equal(yg_hub_nats_fetch(sub, msgs, BATCH, 200, &n), NATS_TIMEOUT);
	assert_int_equal(n, 0);
	/* Two messages at hand: both in one fetch, without waiting for more. */
	for (int i = 0; i < 2; i++)
		assert_int_equal(js_Publish(NULL, js, "t.x", "m", 1, NULL, &jerr), NATS_OK);
	assert_int_equal(yg_hub_nats_fetch(sub, msgs, BATCH, 1000, &n), NATS_OK);
	assert_int_equal(n, 2);
	for (size_t i = 0; i < n; i++) {
		natsMsg_Ack(msgs[i], NULL);
		natsMsg_Destroy(msgs[i]);
	}
	natsSubscription_Destroy(sub);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	server_stop(&sv);
}

int main(void)
{
	const char *bin = server_bin();
	if (!bin) {
		printf("nats-server not installed (scripts/setup.sh installs it): skipped\n");
		return 77;
	}
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_prestate(fetch_takes_no_more_than_asked, (void *)bin),
	    cmocka_unit_test_prestate(fetch_of_nothing_times_out, (void *)bin),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	nats_Close();
	return r;
}

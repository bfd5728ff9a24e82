# The two README commands (make run, make test) plus build, bench and fuzz.
# Every target first runs scripts/setup.sh, which installs only what is missing.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
ANALYZE_BUILD ?= build-analyze
PY         := /usr/bin/python3
NINJA      := ninja

.PHONY: all setup run run-cluster test test-normal test-asan unit e2e bench bench-scale fuzz fuzz-long analyze valgrind clean format

all: setup $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)

setup:
	@./scripts/setup.sh

# Link-time optimization: the packet path crosses decode, flow, app and EVE
# modules, and inlining across them took 8 % off the sensor's time on the
# bench capture (paired runs); it costs about 40 s of build time.
$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=release -Db_ndebug=false -Db_lto=true

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined -Db_lundef=false

$(FUZZ_BUILD)/build.ninja:
	CC=clang meson setup $(FUZZ_BUILD) --buildtype=debug -Dfuzzing=true -Db_lundef=false

run: all
	./scripts/run-demo.sh $(BUILD)

# Static analysis first (it fails fast), then both builds, unit tests and
# end-to-end tests on each, the fuzz corpora, and the corpora again under
# valgrind on the release build.
#
# The store tests run on both backends (issue 19): PGRUN starts a private
# PostgreSQL cluster (initdb/pg_ctl as `nobody` when run as root) for one
# command, sets YG_TEST_PG and stops the cluster after it; the unit tests'
# "-pg" variants and the hub e2e tests with --store postgresql use it.
PGRUN      := $(PY) tests/e2e/pgcluster.py run
PG_E2E     := tests/e2e/test_misp_feed.py tests/e2e/test_hub_store.py tests/e2e/test_hub_rest.py tests/e2e/test_hub_taxii.py \
	      tests/e2e/test_hub_changes.py tests/e2e/test_hub_hosts.py tests/e2e/test_hub_feeds.py \
	      tests/e2e/test_hub_failover.py tests/e2e/test_federation.py \
	      tests/e2e/test_hub_client_cert.py tests/e2e/test_nats.py tests/e2e/test_mail_submit.py \
	      tests/e2e/test_mail_share.py tests/e2e/test_mail_share_header.py tests/e2e/test_mail_anon_forms.py
test: setup $(BUILD)/build.ninja $(ASAN_BUILD)/build.ninja
	./scripts/analyze.sh $(ANALYZE_BUILD)
	$(NINJA) -C $(BUILD)
	$(NINJA) -C $(ASAN_BUILD)
	$(PGRUN) meson test -C $(BUILD) --print-errorlogs --num-processes 2
	./scripts/valgrind-replay.sh $(BUILD)
	YG_BIN=$(CURDIR)/$(BUILD)/yagura $(PGRUN) $(PY) -m pytest -q tests/e2e
	YG_BIN=$(CURDIR)/$(BUILD)/yagura $(PGRUN) $(PY) -m pytest -q --store postgresql $(PG_E2E)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		$(PGRUN) meson test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		YG_BIN=$(CURDIR)/$(ASAN_BUILD)/yagura YG_SANITIZED=1 $(PGRUN) $(PY) -m pytest -q tests/e2e
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		YG_BIN=$(CURDIR)/$(ASAN_BUILD)/yagura YG_SANITIZED=1 \
		$(PGRUN) $(PY) -m pytest -q --store postgresql $(PG_E2E)

bench: all
	@./scripts/setup.sh bench
	./bench/run.sh $(BUILD)

# Opt-in, long (about 15 minutes at the default 1,000 sensors): N simulated
# sensors against one hub on SQLite and three on PostgreSQL, each with and
# without NATS (bench/sim_sensors.py driving $(BUILD)/tool_sim, built by
# `all` from bench/tool_sim.c; README, "Running at national scale").
# SENSORS=10000 SIM_SECONDS=20 make bench-scale for other sizes.
SENSORS ?= 1000
SIM_SECONDS ?= 60
bench-scale: all
	$(PY) bench/sim_sensors.py --build $(BUILD) --sensors $(SENSORS) --seconds $(SIM_SECONDS)

# Three hubs on a PostgreSQL primary with a streaming standby, fed by
# nats-server -js, with three member organizations; prints the URLs,
# tokens, credentials files and a sensor command line, runs until Ctrl-C.
run-cluster: all
	$(PY) bench/cluster.py --build $(BUILD) --hubs 3 --store postgresql --standby --nats

# clang's static analyzer (scan-build) and cppcheck over src/; must stay at zero.
analyze: setup
	./scripts/analyze.sh $(ANALYZE_BUILD)

# Every fuzz corpus and the route-parsing unit test under valgrind memcheck,
# on the release build's binaries.
valgrind: setup $(BUILD)/build.ninja
	$(NINJA) -C $(BUILD)
	./scripts/valgrind-replay.sh $(BUILD)

fuzz: setup $(FUZZ_BUILD)/build.ninja
	$(NINJA) -C $(FUZZ_BUILD)
	./fuzz/run.sh $(FUZZ_BUILD) $${FUZZ_SECONDS:-60}

# Every harness for MINUTES each, two at a time, from a scratch copy of its
# corpus; prints exec/s, coverage and crashes per harness, and fails when
# one crashed (fuzz/long.sh).
MINUTES ?= 10
fuzz-long: setup $(FUZZ_BUILD)/build.ninja
	$(NINJA) -C $(FUZZ_BUILD)
	./fuzz/long.sh $(FUZZ_BUILD) $(MINUTES)

format:
	find src tests fuzz bench -name '*.[ch]' | xargs clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) $(ANALYZE_BUILD)

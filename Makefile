# The two commands of the README: `make demo` and `make test`. Both install what is missing first.
JOBS ?= $(shell nproc)
DEMO_DIR ?= $(CURDIR)/demo-data

.PHONY: deps build-asan build-release build-fuzz test fuzz demo bench bench-pg format format-check clean

deps:
	@scripts/install-deps.sh

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build build/asan -j $(JOBS)

build-release: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS) --target wsync sync_bench

build-fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build build/fuzz -j $(JOBS) --target fuzzers

# Each fuzz target for FUZZ_SECONDS (default 10) after its regression inputs (docs/fuzzing.md).
fuzz: build-fuzz
	@scripts/fuzz-run.sh

test: build-asan format-check
	@scripts/forwarding-node-deps.sh
	@cd build/asan && ctest --output-on-failure -j $(JOBS)
	@$(MAKE) --no-print-directory fuzz

demo: build-release
	@build/release/src/cli/wsync demo --data-dir $(DEMO_DIR)

bench: build-release
	@build/release/bench/sync_bench

# PostgreSQL: raw COPY vs the connector's scan vs a full sync, and the same sync from SQLite
# (bench/pg_bench.cc); starts and stops its own throwaway server.
bench-pg: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS) --target pg_bench
	@bench/pg_bench.sh build/release/bench/pg_bench

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	@scripts/format-check.sh

clean:
	rm -rf build

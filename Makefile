# The two commands of the README: `make demo` and `make test`. Both install what is missing first.
JOBS ?= $(shell nproc)
DEMO_DIR ?= $(CURDIR)/demo-data

.PHONY: deps build-asan build-release test demo bench format format-check clean

deps:
	@scripts/install-deps.sh

build-asan: deps
	@cmake --preset asan >/dev/null
	@cmake --build build/asan -j $(JOBS)

build-release: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release -j $(JOBS) --target wsync sync_bench

test: build-asan format-check
	@cd build/asan && ctest --output-on-failure -j $(JOBS)

demo: build-release
	@build/release/src/cli/wsync demo --data-dir $(DEMO_DIR)

bench: build-release
	@build/release/bench/sync_bench

format:
	@git ls-files '*.cc' '*.h' | xargs clang-format -i

format-check:
	@scripts/format-check.sh

clean:
	rm -rf build

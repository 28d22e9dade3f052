# Thin wrapper around CMake. `make demo` and `make test` install what they need on Debian 12.
BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
# Google Benchmark programs: built by `make bench`, not by `make build` / `make test` (they are not tests).
BENCH ?= OFF

.PHONY: all deps build test demo asan-test bench install clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DMLP_BUILD_BENCH=$(BENCH) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

demo: build
	@bash share/mlp/examples/demo.sh $(BUILD)

# Unit tests once more under AddressSanitizer + UndefinedBehaviorSanitizer. Left out there: the long statistical
# MD run (14,000 steps, 150 s under ASan), which `make test` runs; the NPT tests exercise the same code under ASan.
ASAN_SKIP = barostat reaches the target mean pressure
asan-test: deps
	cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" -DMLP_SANITIZE=ON \
	  -DMLP_BUILD_BENCH=OFF -DMLP_PCH=ON
	cmake --build build-asan -j $(JOBS)
	cd build-asan && ctest --output-on-failure -j $(JOBS) -E '$(ASAN_SKIP)'

bench:
	@$(MAKE) --no-print-directory build BENCH=ON
	@bash bench/run.sh $(BUILD)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf $(BUILD) build-asan

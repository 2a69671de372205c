# The README's commands. `make test` and `make run` install what is missing (Debian packages),
# configure, build, then test or run. Release with assertions on, in build/.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
SEED ?= 1
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test test-asan test-tsan ci bench clean

all: build

deps:
	@./tools/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The main job: a seeded simulation of a small cluster, printing its verdict and trace hash.
run: build
	@./$(BUILD_DIR)/orrery sim run remoting --seed $(SEED)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

# The whole suite under ASan+UBSan (Debug), in build-asan/.
test-asan: deps
	@cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DORRERY_SANITIZE=address >/dev/null
	@cmake --build build-asan -j $(JOBS)
	@cd build-asan && ctest --output-on-failure -j $(JOBS) --timeout 900

# The production runtime's tests under TSan, in build-tsan/.
test-tsan: deps
	@cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DORRERY_SANITIZE=thread \
	  -DORRERY_BUILD_TOOLS=OFF >/dev/null
	@cmake --build build-tsan -j $(JOBS) --target orrery-tests-runtime
	@cd build-tsan && ctest --output-on-failure -j $(JOBS) --timeout 900 -L runtime

ci: test test-asan test-tsan

bench: build
	@./$(BUILD_DIR)/orrery-bench

clean:
	rm -rf build build-asan build-tsan build-debug

# The README's commands. `make test` and `make run` install what is missing (Debian packages),
# configure, build, then test or run. Release with assertions on, in build/.
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
SEED ?= 1
CMAKE_FLAGS ?=

.PHONY: all deps configure build run test test-asan test-tsan ci bench lint format format-check tidy clean

all: build

deps:
	@./tools/install-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

# The main job: a seeded simulation of a small cluster, printing its verdict and trace hash.
run: build
	@./$(BUILD_DIR)/orrery sim run bank --seed $(SEED)

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

# The house rules a compiler does not check (seam, layering): the same as `ctest -L lint`'s
# lint.tree, without the rest of the suite.
lint: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target orrery-lint
	@./$(BUILD_DIR)/orrery-lint --root .

# clang-format over our sources (.clang-format is law); format-check only reports.
FORMAT_FILES = $(shell find runtime sim testkit cluster persistence scenarios tools tests \
                 -type f \( -name '*.cpp' -o -name '*.hpp' -o -name '*.h' \) 2>/dev/null)
format:
	@clang-format -i $(FORMAT_FILES)

format-check:
	@clang-format --dry-run -Werror $(FORMAT_FILES)

# clang-tidy (.clang-tidy) over runtime/src, from the build's compile_commands.json. It reports;
# it never rewrites the tree. The runtime is built first so that protoc's headers exist.
TIDY_FILES = $(shell find runtime/src runtime/env/src -type f -name '*.cpp')
tidy: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS) --target orrery_runtime
	@run-clang-tidy -p $(BUILD_DIR) -j $(JOBS) -quiet \
	  -extra-arg=-Wno-unknown-warning-option $(TIDY_FILES)

clean:
	rm -rf build build-asan build-tsan build-debug

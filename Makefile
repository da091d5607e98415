# Two commands on a fresh Debian/Ubuntu machine with Swift installed:
#   make demo   install what is missing, build in release mode, run the shipped scenario suite
#   make test   install what is missing, run the whole test suite
# Both install Debian packages with apt-get when run as root, and otherwise print the
# one command to run.

SWIFT ?= swift
CORPUS ?= Benchmarks/corpus

.PHONY: demo test build bench clean

demo:
	@scripts/install-deps.sh demo
	$(SWIFT) build -c release --product ims-harness
	.build/release/ims-harness run Scenarios --junit .build/scenarios-junit.xml

test:
	@scripts/install-deps.sh test
	$(SWIFT) build --build-tests
	$(SWIFT) test

build:
	$(SWIFT) build -c release

bench:
	@scripts/install-deps.sh bench
	Benchmarks/run.sh

clean:
	rm -rf .build Benchmarks/.build-peers

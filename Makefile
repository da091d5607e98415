# Two commands on a fresh Debian/Ubuntu machine with Swift installed:
#   make demo   install what is missing, build in release mode, run the shipped scenario suite
#   make test   install what is missing, run the whole test suite
# Both install Debian packages with apt-get when run as root, and otherwise print the
# one command to run.

SWIFT ?= swift
CORPUS ?= Benchmarks/corpus

.PHONY: demo test build static bench clean

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

# A binary to copy to other machines ($(STATIC_SCRATCH)/release/ims-harness): the Swift runtime
# and Foundation linked in. Linked at a fixed address (-no-pie): a position-independent
# image has ~118,000 relocations the loader applies at each start, copying ~300 pages
# (1.3 ms of a 7 ms `audit`); heap, stacks and shared libraries stay randomised.
# Benchmarks/audit-bench measures this build.
STATIC_SCRATCH ?= .build-static
static:
	@scripts/install-deps.sh demo
	$(SWIFT) build -c release --static-swift-stdlib --scratch-path $(STATIC_SCRATCH) -Xlinker -no-pie --product ims-harness

bench:
	@scripts/install-deps.sh bench
	Benchmarks/run.sh

clean:
	rm -rf .build Benchmarks/.build-peers

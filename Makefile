# Entry points for a fresh Debian machine; each installs what it needs first.
.PHONY: deps build release test run

deps:
	./scripts/install-deps.sh

build: deps
	swift build

release: deps
	swift build -c release

test: deps
	swift test

run: release
	.build/release/smsr serve

# Entry points for a fresh Debian machine; each installs what it needs first.
.PHONY: deps deps-run deps-deploy build release test fuzz run check-deploy

# Everything the tests need: the codec libraries, curl, Chromium, Prometheus, the Python packages.
deps:
	./scripts/install-deps.sh

# Only what building and running need: the codec libraries (libpng, libjpeg, libwebp).
deps-run:
	./scripts/install-deps.sh --build

build: deps-run
	swift build

release: deps-run
	swift build -c release

# The unit, integration and CLI tests, then schemathesis against a live `smsr serve` and its /openapi.json.
test: deps
	swift test
	./scripts/check-kernel-specialization.sh .build/debug
	./scripts/schemathesis.sh

# Every libFuzzer target (Fuzz/README.md) for FUZZ_SECONDS each (30 in CI; 3600 for the hour runs).
FUZZ_SECONDS ?= 30
fuzz: deps-run
	./scripts/fuzz.sh --seconds $(FUZZ_SECONDS)

run: release
	.build/release/smsr serve

# The deployment files checked offline, and the release binary run alone (Deploy/README.md).
deps-deploy:
	./scripts/install-deps.sh --deploy

check-deploy: deps-deploy
	./scripts/check-deploy.sh

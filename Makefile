# Entry points for a fresh Debian machine; each installs what it needs first.
.PHONY: deps deps-deploy build release test run check-deploy

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

# The deployment files checked offline, and the release binary run alone (Deploy/README.md).
deps-deploy:
	./scripts/install-deps.sh --deploy

check-deploy: deps-deploy
	./scripts/check-deploy.sh

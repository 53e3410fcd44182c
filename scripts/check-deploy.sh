#!/usr/bin/env bash
# Offline checks of the deployment files (no container engine or cluster needed), then the release binary
# built as the Dockerfile builds it, copied alone into an empty folder and run from there.
#
#   scripts/check-deploy.sh            all checks (needs scripts/install-deps.sh --deploy first; `make check-deploy`)
#   scripts/check-deploy.sh --static   only the linters and validators (seconds)
#
# Static: hadolint on the Dockerfile; kustomize rendering (kubectl kustomize) and kubernetes-validate
# --strict against Kubernetes $K8S_VERSION on every manifest file and on each rendered kustomization;
# promtool check config; docker-compose config; systemd-analyze verify and security; cross-file
# consistency (scripts/deploy-consistency.py).
# Release: `swift build -c release --static-swift-stdlib` (scratch .build-deploy-release), the binary alone
# in an empty folder: its shared libraries are all in the runtime image, it serves an upscale started as
# the Dockerfile, the Kubernetes Deployment, compose and systemd configure it, and a real Prometheus
# scrapes it (Tests/smsrTests/DeploymentTests.swift with SMSR_EXECUTABLE pointing at the copy).
set -euo pipefail
cd "$(dirname "$0")/.."

K8S_VERSION=1.33.0
RELEASE_SCRATCH=.build-deploy-release
mode=${1:-all}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
check_suite=deploy
source scripts/check.sh

for tool in hadolint kubectl kubernetes-validate promtool docker-compose systemd-analyze python3; do
    command -v "$tool" >/dev/null || { echo "missing $tool: run scripts/install-deps.sh --deploy" >&2; exit 1; }
done
echo "tools: $(hadolint --version | head -1); kubectl $(kubectl version --client -o json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["clientVersion"]["gitVersion"], "kustomize", d.get("kustomizeVersion", "?"))'); kubernetes-validate $(kubernetes-validate --version) (Kubernetes $K8S_VERSION); $(promtool --version 2>&1 | head -1); $(docker-compose version --short 2>/dev/null | sed 's/^/docker-compose /'); $(systemd-analyze --version | head -1)"

# --- Dockerfile -------------------------------------------------------------------------------------------
check "hadolint Dockerfile" hadolint --config .hadolint.yaml Dockerfile

# --- Kubernetes -------------------------------------------------------------------------------------------
validate() { kubernetes-validate --strict --kubernetes-version "$K8S_VERSION" --quiet "$@"; }
for file in Deploy/kubernetes/base/*.yaml; do
    [[ $(basename "$file") == kustomization.yaml ]] && continue
    check "kubernetes-validate $file" validate "$file"
done
mkdir -p "$work/rendered"
for kustomization in Deploy/kubernetes Deploy/kubernetes/overlays/monitoring; do
    out="$work/rendered/$(echo "$kustomization" | tr / _).yaml"
    check "kubectl kustomize $kustomization" kubectl kustomize "$kustomization" -o "$out"
    [[ -s $out ]] && check "kubernetes-validate (rendered) $kustomization" validate "$out"
done
check "prometheus-adapter values parse" python3 -c 'import sys, yaml; yaml.safe_load(open(sys.argv[1]))' \
    Deploy/kubernetes/components/queue-depth-autoscaling/prometheus-adapter-values.yaml

# --- Prometheus, compose, systemd ------------------------------------------------------------------------
check "promtool check config Deploy/compose/prometheus.yml" promtool check config Deploy/compose/prometheus.yml
check "docker-compose config Deploy/compose/compose.yaml" docker-compose -f Deploy/compose/compose.yaml config -q

# systemd-analyze verify wants ExecStart's binary to exist: verify a copy that runs an existing one.
verify_unit() {
    mkdir -p "$work/unit"
    sed "s#^ExecStart=/usr/local/bin/smsr #ExecStart=$1 #" Deploy/systemd/smsr-serve.service >"$work/unit/smsr-serve.service"
    systemd-analyze verify "$work/unit/smsr-serve.service"
}
check "systemd-analyze verify Deploy/systemd/smsr-serve.service" verify_unit "$(command -v true)"
check "systemd-analyze security: exposure at most 2.0" \
    systemd-analyze security --offline=yes --threshold=20 Deploy/systemd/smsr-serve.service

check "consistency across Dockerfile, Kubernetes (ServiceMonitor too: a CRD, no schema), compose, systemd" \
    python3 scripts/deploy-consistency.py --rendered "$work/rendered"

# --- the release binary, alone ----------------------------------------------------------------------------
if [[ $mode != --static ]]; then
    # The build stage's context: only what the Dockerfile copies into it (COPY lines without --from).
    context=.build-deploy-context
    rm -rf "$context"
    mkdir -p "$context"
    for path in $(awk '/^FROM /{stage++} stage == 1 && /^COPY / && !/--from/ {for (i = 2; i < NF; i++) print $i}' Dockerfile); do
        cp -a "$path" "$context/"
    done
    echo "building the release binary as the Dockerfile does (swift build -c release --static-swift-stdlib)" \
        "from what it copies: $(ls "$context" | tr '\n' ' ')"
    release_build=(swift build -c release --static-swift-stdlib --product smsr
                   --package-path "$context" --scratch-path "$PWD/$RELEASE_SCRATCH")
    if "${release_build[@]}" >"$work/build.log" 2>&1; then
        check_passed "release build"
        lone="$work/lone"
        mkdir -p "$lone"
        cp "$("${release_build[@]}" --show-bin-path)/smsr" "$lone/smsr"

        check "the copy is alone in its folder" test "$(ls -A "$lone")" = smsr
        # Every shared library it needs is in debian:bookworm-slim plus the runtime stage's packages
        # (libpng16-16, libjpeg62-turbo, libwebp7, libwebpdemux2, libwebpmux3, libnghttp2-14).
        needed() {
            local libs
            libs=$(readelf -d "$lone/smsr" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
            echo "NEEDED: $(echo $libs)"
            local allowed='^(libc\.so\.6|libm\.so\.6|libdl\.so\.2|libpthread\.so\.0|librt\.so\.1|libutil\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1|libgcc_s\.so\.1|libstdc\+\+\.so\.6|libz\.so\.1|libpng16\.so\.16|libjpeg\.so\.62|libwebp\.so\.7|libwebpdemux\.so\.2|libwebpmux\.so\.3|libnghttp2\.so\.14)$'
            local lib bad=0
            for lib in $libs; do [[ $lib =~ $allowed ]] || { echo "not in the runtime image: $lib"; bad=1; }; done
            return $bad
        }
        check "shared libraries: only libc, libstdc++, libpng, libjpeg, libwebp, libnghttp2 (Swift runtime linked in)" needed
        check "smsr info runs from the empty folder" bash -c "cd '$lone' && ./smsr info"
        check "deployment configurations start the lone binary" \
            python3 scripts/deploy-consistency.py --rendered "$work/rendered" --binary "$lone/smsr"

        # Healthcheck, the Dockerfile's way of starting it, and a real Prometheus scraping it.
        echo "running Tests/smsrTests/DeploymentTests.swift against the lone release binary"
        if SMSR_EXECUTABLE="$lone/smsr" swift test --filter smsrTests.DeploymentTests >"$work/tests.log" 2>&1; then
            grep -E "Executed|passed|skipped" "$work/tests.log" | tail -3 | sed 's/^/    /'
            check_passed "DeploymentTests with the lone release binary"
        else
            check_failed "DeploymentTests with the lone release binary" "$work/tests.log" 60
        fi
    else
        check_failed "release build" "$work/build.log" 40
    fi
fi

check_summary
((failed == 0))

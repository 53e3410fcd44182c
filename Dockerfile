# syntax=docker/dockerfile:1
#
# smsr-serve: `smsr serve` in a slim Debian image.
#
#   docker build -t smsr-serve .
#   docker build -t smsr-serve:haswell --build-arg SMSR_TARGET_CPU=haswell .
#   docker run --rm -p 8080:8080 smsr-serve
#
# The release binary links the Swift runtime statically and carries the default models (Models/, compiled
# in with #embed), so the runtime stage needs only the codec libraries (libpng, libjpeg, libwebp) and
# libnghttp2 (HTTP/2). Configuration is by SMSR_* environment variables (see Deploy/README.md). CI builds
# this file unchanged with podman and runs the image (scripts/container-test.sh); `make check-deploy`
# (scripts/check-deploy.sh) checks the same build without a container engine.

ARG SWIFT_IMAGE=swift:6.3-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------------------------------------
FROM ${SWIFT_IMAGE} AS build

# The lowest CPU the binary may assume outside the run-time-dispatched kernels: "portable" (the default:
# any x86-64 or aarch64 CPU; the kernels still pick AVX-512 or AVX2 from CPUID at start-up), or an LLVM
# CPU name such as "haswell" or "skylake-avx512" for a fleet known to have it. Passed to `swift build` in
# its environment for Package.swift to read (Deploy/README.md: not read there yet).
ARG SMSR_TARGET_CPU=portable

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpng-dev libjpeg62-turbo-dev libwebp-dev libnghttp2-dev \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Dependencies first, so that a source change does not fetch them again.
COPY Package.swift ./
RUN swift package resolve

# SwiftPM loads every target of the manifest, test targets included, so their folders come along
# (sources only; nothing of them is built or shipped).
COPY Tests ./Tests
COPY Sources ./Sources
COPY Models ./Models
RUN SMSR_TARGET_CPU="${SMSR_TARGET_CPU}" swift build -c release --static-swift-stdlib --product smsr \
    && install -D -m 0755 "$(swift build -c release --static-swift-stdlib --show-bin-path)/smsr" /out/smsr \
    && /out/smsr info

# ---------------------------------------------------------------------------------------------------------
FROM ${RUNTIME_IMAGE} AS runtime

RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libpng16-16 libjpeg62-turbo libwebp7 libwebpdemux2 libwebpmux3 libnghttp2-14 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 smsr \
    && useradd --system --uid 10001 --gid smsr --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin smsr

COPY --from=build /out/smsr /usr/local/bin/smsr

# Listen on every interface of the container; everything else keeps `smsr serve`'s defaults unless set
# here or at `docker run -e SMSR_...`: SMSR_WORKERS, SMSR_QUEUE_CAPACITY, SMSR_THREADS_PER_JOB,
# SMSR_MAX_BODY_BYTES, SMSR_MAX_PIXELS, SMSR_MAX_COMPUTE_SECONDS, SMSR_REQUEST_TIMEOUT, SMSR_DRAIN_TIMEOUT,
# SMSR_MODEL, SMSR_SCALE, SMSR_API_KEYS_FILE, SMSR_METRICS_PORT, SMSR_LOG_LEVEL.
ENV SMSR_HOST=0.0.0.0 \
    SMSR_PORT=8080 \
    SMSR_LOG_FORMAT=json

# Numeric, so that Kubernetes' runAsNonRoot can verify it.
USER 10001:10001

EXPOSE 8080

# `smsr healthcheck` probes http://127.0.0.1:$SMSR_PORT/healthz over a plain socket: no curl in the image.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
    CMD ["/usr/local/bin/smsr", "healthcheck", "--quiet", "--timeout", "4"]

# SIGTERM (the default stop signal) drains in-flight requests, then exits 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/smsr"]
CMD ["serve"]

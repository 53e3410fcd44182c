#!/usr/bin/env bash
# Runs every libFuzzer target (Fuzz/README.md) for a fixed time each and prints, per target, the
# executions, CPU seconds, coverage (libFuzzer's cov: edges, ft: features), corpus size and crashes.
#   scripts/fuzz.sh                       every target for 30 s (what CI runs, via `make fuzz`)
#   scripts/fuzz.sh --seconds 3600        an hour each
#   scripts/fuzz.sh --seconds 300 png jpeg
#   scripts/fuzz.sh --cpu-seconds 3600    an hour of CPU each: stopped (SIGINT) once the target has used that
#                                         much, however long it takes on a shared machine (wall cap: --seconds,
#                                         by default four times the budget)
#   scripts/fuzz.sh --json FILE           also write the figures as JSON
# Builds Fuzz/Runner with `swift build --sanitize=fuzzer --sanitize=address` (SMSR_FUZZ=1 declares it)
# in .build-fuzz. Each target starts from its seeds (Fuzz/corpus/TARGET, read only) and the inputs
# earlier runs found (.build-fuzz/corpus/TARGET). A crash input is copied to Fuzz/regressions/TARGET/,
# where `swift test` replays it once committed, and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=""
cpu_budget=0
json=""
targets=()
while (($#)); do
    case "$1" in
        --seconds) seconds="$2"; shift 2 ;;
        --cpu-seconds) cpu_budget="$2"; shift 2 ;;
        --json) json="$2"; shift 2 ;;
        -h|--help) sed -n '2,14p' "$0"; exit 0 ;;
        *) targets+=("$1"); shift ;;
    esac
done
if [[ -z "$seconds" ]]; then
    if ((cpu_budget > 0)); then seconds=$((cpu_budget * 4)); else seconds=30; fi
fi
all=(request-head chunked-body http1-session http2-frames image-upload png jpeg webp)
((${#targets[@]})) || targets=("${all[@]}")

scratch=.build-fuzz
mkdir -p "$scratch"
echo "building the fuzz runner (libFuzzer + AddressSanitizer) in $scratch"
# swiftc keeps only its last -sanitize= flag, and SwiftPM passes --sanitize=fuzzer and --sanitize=address as
# two flags in no fixed order: without the combined flag after them, Swift code may be built with ASan but no
# coverage (libFuzzer then sees only the C targets' edges).
flags=(--scratch-path "$scratch" --sanitize=fuzzer --sanitize=address -Xswiftc -sanitize=fuzzer,address)
SMSR_FUZZ=1 swift build "${flags[@]}" --product smsr-fuzz >"$scratch/build.log" 2>&1 || { tail -40 "$scratch/build.log"; echo "fuzz build failed (full log: $scratch/build.log)" >&2; exit 1; }
runner="$(SMSR_FUZZ=1 swift build "${flags[@]}" --show-bin-path)/smsr-fuzz"

# Swift's runtime keeps metadata caches for the process's life; LeakSanitizer would call them leaks.
export ASAN_OPTIONS="detect_leaks=0:${ASAN_OPTIONS:-}"
failed=0
rows=()
printf '%-14s %8s %8s %12s %9s %7s %7s %9s %8s\n' target seconds cpu_s executions exec/cpu_s cov ft corpus crashes
for target in "${targets[@]}"; do
    [[ -d "Fuzz/corpus/$target" ]] || { echo "no seed corpus Fuzz/corpus/$target" >&2; exit 2; }
    work="$scratch/corpus/$target"
    # Not $scratch/artifacts: SwiftPM owns that folder and removes the empty folders in it on every build; a target's
    # folder made before another run's build was gone when its fuzzer came to write an input there.
    artifacts="$scratch/findings/$target"
    mkdir -p "$work" "$artifacts"
    log="$scratch/logs/$target.log"
    mkdir -p "$(dirname "$log")"
    max_len=4096
    case "$target" in png|jpeg|webp|image-upload) max_len=16384 ;; esac
    rc=0
    # CPU seconds beside the wall-clock budget: targets run side by side on a shared machine get less, so the
    # process's own CPU time (utime + stime from /proc) is read each second and, with --cpu-seconds, ends the run.
    SMSR_FUZZ_TARGET="$target" "$runner" "$work" "Fuzz/corpus/$target" \
        -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 &
    pid=$!
    started=$SECONDS
    ticks=$(getconf CLK_TCK)
    cpu=0
    interrupted=0
    while kill -0 "$pid" 2>/dev/null; do
        # fields after the command name: utime and stime are the 12th and 13th
        used=$(awk -v t="$ticks" '{sub(/^.*\) /, ""); printf "%d", ($12 + $13) / t}' "/proc/$pid/stat" 2>/dev/null || true)
        [[ -n "$used" ]] && cpu=$used
        if ((cpu_budget > 0 && cpu >= cpu_budget && !interrupted)); then
            kill -INT "$pid" 2>/dev/null || true
            interrupted=1
        fi
        sleep 1
    done
    wait "$pid" || rc=$?
    wall=$((SECONDS - started))
    # libFuzzer answers SIGINT by printing its final stats and exiting 72: the budget's end, not a failure
    if ((interrupted)) && grep -q 'run interrupted; exiting' "$log"; then rc=0; fi
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    status_line=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$status_line")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$status_line")
    corpus=$(sed -n 's/.* corp: \([0-9]*\).*/\1/p' <<<"$status_line")
    [[ -n "$executions" ]] || executions=$(sed -n 's/^#\([0-9]*\).*/\1/p' <<<"$status_line")
    crashes=0
    for artifact in "$artifacts"/crash-* "$artifacts"/leak-* "$artifacts"/timeout-* "$artifacts"/oom-*; do
        [[ -e "$artifact" ]] || continue
        crashes=$((crashes + 1))
        mkdir -p "Fuzz/regressions/$target"
        cp "$artifact" "Fuzz/regressions/$target/"
        echo "  $target: $(basename "$artifact") kept as Fuzz/regressions/$target/$(basename "$artifact")" >&2
        if [[ "$(basename "$artifact")" == timeout-* ]]; then
            # libFuzzer's timeout is wall-clock: a run starved of CPU reports inputs that are not slow. Timed alone:
            replay_start=$(date +%s%N)
            replay_rc=0
            SMSR_FUZZ_TARGET="$target" "$runner" -timeout=10 "$artifact" >/dev/null 2>&1 || replay_rc=$?
            echo "  $target: alone, that input took $(( ($(date +%s%N) - replay_start) / 1000000 )) ms (exit $replay_rc)" >&2
        fi
        rm -f "$artifact"
    done
    if ((rc != 0)) && ((crashes == 0)); then
        crashes=1
        grep -q "Test unit written to" "$log" && echo "  $target: the fuzzer wrote an input that is no longer there" >&2
    fi
    if grep -q "Is the code instrumented for coverage" "$log"; then
        echo "  $target: libFuzzer found no coverage feedback; the build is not instrumented" >&2
        failed=1
    fi
    if ((crashes)); then
        failed=1
        grep -E -A25 '^==[0-9]+==|Fatal error|deadly signal|SUMMARY' "$log" | head -40 >&2 || true
    fi
    rate=$(( ${executions:-0} / (cpu > 0 ? cpu : 1) ))
    printf '%-14s %8s %8s %12s %9s %7s %7s %9s %8s\n' "$target" "$wall" "${cpu:-0}" "${executions:-0}" "$rate" \
        "${cov:-0}" "${ft:-0}" "${corpus:-0}" "$crashes"
    rows+=("{\"target\": \"$target\", \"seconds\": $wall, \"cpu_budget_seconds\": $cpu_budget, \"cpu_seconds\": ${cpu:-0}, \"executions\": ${executions:-0}, \"cov\": ${cov:-0}, \"ft\": ${ft:-0}, \"corpus\": ${corpus:-0}, \"crashes\": $crashes}")
done
if [[ -n "$json" ]]; then
    { echo "{\"cpu\": \"$(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1)\", \"targets\": ["
      (IFS=$'\n'; echo "${rows[*]}" | sed '$!s/$/,/')
      echo "]}"; } >"$json"
fi
((failed == 0)) || { echo "fuzzing found crashes (logs in $scratch/logs)" >&2; exit 1; }

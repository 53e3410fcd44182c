# Named checks, counted, for the scripts that run many (sourced by scripts/check-deploy.sh and
# scripts/container-test.sh; not run on its own).
#
#   check_suite=NAME          the summary line's name (`NAME: P passed, F failed`)
#   check_output_lines=N      the lines of a failed check's output shown (its last N); unset: all of them
#   work=DIR                  a scratch folder of the sourcing script, which holds each check's output
passed=0
failed=0

# check NAME COMMAND...: runs the command in this shell (so that it may set variables), prints its output
# only when it fails.
check() {
    local name=$1
    shift
    if "$@" >"$work/out" 2>&1; then
        check_passed "$name"
    else
        check_failed "$name" "$work/out"
    fi
}

# check_passed NAME: counts a check the script ran itself as passed.
check_passed() {
    echo "ok: $1"
    passed=$((passed + 1))
}

# check_failed NAME OUTPUT [LINES]: counts a check the script ran itself as failed and shows the last LINES
# lines of its OUTPUT file (default: check_output_lines).
check_failed() {
    local lines=${3:-${check_output_lines:-}}
    echo "FAIL: $1"
    if [[ -n $lines ]]; then
        tail -"$lines" "$2" | sed 's/^/    /'
    else
        sed 's/^/    /' "$2"
    fi
    failed=$((failed + 1))
}

# fatal NAME COMMAND...: as check, but nothing after it can run when it fails.
fatal() {
    local before=$failed
    check "$@"
    ((failed == before)) || { check_summary; exit 1; }
}

# check_summary: the counts, as the suite's last line.
check_summary() {
    echo "$check_suite: $passed passed, $failed failed"
}

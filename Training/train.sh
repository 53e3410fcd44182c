#!/usr/bin/env bash
# Training runs that outlive a working session (see Training/README.md, "Runs that never stop").
#
#   bash Training/train.sh start    # fresh machine or not: install what is missing (apt, venv, pip), build the
#                                   # data from Debian packages, restore Training/state/x<s>.pt.xz, start every
#                                   # scale of Training/recipes/active in the background at idle priority
#   bash Training/train.sh pause    # each run: finish its step, checkpoint, write Training/state/x<s>.pt.xz, exit
#                                   # (then: git add Training/state Training/logs && git commit)
#   bash Training/train.sh hold     # SIGSTOP every run (benchmarking); `release` sends SIGCONT
#   bash Training/train.sh status   # running or not, last log lines
#
# Each run is its own process group (setsid); its group id is in Training/runs/x<s>/pgid.
set -euo pipefail
cd "$(dirname "$0")/.."
T=Training
PY=$T/.venv/bin/python
SCALES=$(grep -v '^#' $T/recipes/active | tr -s ' \n' ' ')

running() {  # scale -> 0 when its process group is alive
    local f=$T/runs/x$1/pgid
    [[ -f $f ]] && kill -0 -- "-$(cat "$f")" 2>/dev/null
}

setup() {
    if [[ ! -x $PY ]] || ! $PY -c 'import torch, safetensors, PIL' 2>/dev/null; then
        if ! python3 -m venv --help >/dev/null 2>&1 || ! python3 -c 'import ensurepip' 2>/dev/null; then
            DEBIAN_FRONTEND=noninteractive apt-get update
            DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3-venv
        fi
        python3 -m venv $T/.venv
        $PY -m pip install -q -r $T/requirements.txt
    fi
    if [[ ! -f $T/data/.packages-installed ]] || [[ $T/sources.tsv -nt $T/data/.packages-installed ]] \
        || [[ $T/valset.tsv -nt $T/data/.packages-installed ]]; then
        $PY $T/build_data.py --install
        mkdir -p $T/data && touch $T/data/.packages-installed
    fi
    # incremental: only what is missing is rendered
    nice -n 10 $PY $T/build_data.py >> $T/data/build.log 2>&1
}

start_one() {
    local s=$1 run=$T/runs/x$1
    if running "$s"; then echo "x$s: already running (pgid $(cat $run/pgid))"; return; fi
    mkdir -p "$run"
    # setsid also starts a scheduler autogroup, and with autogroups a nice value counts only inside its
    # group: the run would take a full share of the CPU beside everything else. So the child, once in its
    # new session, sets its group's nice to 19 itself (from here it would race the setsid), then execs.
    # shellcheck disable=SC2046,SC2016
    OMP_WAIT_POLICY=PASSIVE setsid nohup bash -c 'echo 19 > /proc/self/autogroup 2>/dev/null; exec nice -n 19 "$@"' run \
        $PY $T/train.py --state $T/state/x$s.pt.xz \
        $(grep -v '^#' $T/recipes/x$s.args) >> "$run/nohup.out" 2>&1 < /dev/null &
    echo $! > "$run/pgid"  # setsid makes the child its own group leader: pid == pgid (bash execs the run)
    echo "x$s: started (pgid $!), log $run/train.log"
}

case "${1:-}" in
start)
    setup
    declare -A before
    for s in $SCALES; do
        # A fresh machine continues the committed logs, so `pause` copies back the whole history.
        mkdir -p $T/runs/x$s
        [[ -f $T/runs/x$s/train.log || ! -f $T/logs/x$s-current-train.log ]] || cp $T/logs/x$s-current-train.log $T/runs/x$s/train.log
        [[ -f $T/runs/x$s/val.tsv || ! -f $T/logs/x$s-current-val.tsv ]] || cp $T/logs/x$s-current-val.tsv $T/runs/x$s/val.tsv
        before[$s]=0; [[ -f $T/runs/x$s/train.log ]] && before[$s]=$(wc -l < $T/runs/x$s/train.log)
        start_one "$s"
    done
    for s in $SCALES; do  # show each run's first lines (START/INIT or RESUME, then DATA): up to 5 minutes
        for _ in $(seq 150); do
            tail -n +$((before[$s] + 1)) $T/runs/x$s/train.log 2>/dev/null | grep -q ' DATA ' && break
            sleep 2
        done
        echo "== x$s"
        tail -n +$((before[$s] + 1)) $T/runs/x$s/train.log 2>/dev/null | cut -c1-400 || true
    done
    ;;
pause | stop)
    for s in 2 3 4; do
        running "$s" || continue
        g=$(cat $T/runs/x$s/pgid)
        kill -CONT -- "-$g" 2>/dev/null || true
        kill -TERM "$g"
        echo "x$s: pausing (pgid $g) after its current step"
    done
    for s in 2 3 4; do
        while running "$s"; do sleep 2; done
        if [[ -f $T/runs/x$s/train.log ]]; then
            mkdir -p $T/logs
            cp $T/runs/x$s/train.log $T/logs/x$s-current-train.log
            [[ -f $T/runs/x$s/val.tsv ]] && cp $T/runs/x$s/val.tsv $T/logs/x$s-current-val.tsv
            [[ -f $T/state/x$s.pt.xz ]] && $PY $T/resume_state.py show $T/state/x$s.pt.xz
        fi
    done
    echo "commit: git add $T/state $T/logs && git commit -m 'Training: resume state at ...'"
    ;;
hold)
    for s in 2 3 4; do running "$s" && kill -STOP -- "-$(cat $T/runs/x$s/pgid)" && echo "x$s: held"; done; true
    ;;
release)
    for s in 2 3 4; do running "$s" && kill -CONT -- "-$(cat $T/runs/x$s/pgid)" && echo "x$s: released"; done; true
    ;;
status)
    for s in 2 3 4; do
        [[ -f $T/runs/x$s/train.log ]] || continue
        if running "$s"; then st="running (pgid $(cat $T/runs/x$s/pgid))"; else st="not running"; fi
        echo "== x$s: $st"
        grep -E ' (step|VAL|VALSET|BEST|PAUSE|RESUME)' $T/runs/x$s/train.log | tail -n 4 | cut -c1-300 || true
    done
    ;;
*)
    sed -n '2,13p' "$0"
    exit 2
    ;;
esac

#!/usr/bin/env bash
# One accelerator lease (see README.md, "Training on an accelerator"): x4 from
# scratch and x2 continued from its CPU checkpoint, as two processes sharing
# the GPU, each for SECONDS of training.  Everything lands in OUTDIR.
#   bash Training/accel_lease.sh POOL X2_CKPT OUTDIR SECONDS
set -u
py=${PYTHON:-python3}
pool=$1 x2=$2 out=$3 secs=$4
mkdir -p "$out"
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv; $py -c 'import torch; print("torch", torch.__version__)'; } \
    > "$out/machine.txt" 2>&1
export PYTHONUNBUFFERED=1
$py Training/train_accel.py --scale 4 --pool "$pool" --run "$out/x4" --seconds "$secs" --batch 64 \
    > "$out/x4.out" 2>&1 &
$py Training/train_accel.py --scale 2 --pool "$pool" --run "$out/x2" --init "$x2" --seconds "$secs" --batch 32 \
    > "$out/x2.out" 2>&1 &
wait
tail -n 3 "$out"/x4.out "$out"/x2.out

"""Compact resume state committed in the repository (Training/state/x<s>.pt.xz, one file per scale,
overwritten): what train.py needs to go on exactly where a run stopped, on another machine.

  weights              float32 (as trained; the shipped files are exported from them)
  Adam moments         bfloat16 (exp_avg, exp_avg_sq; their 8 exponent bits keep every magnitude,
                       the 8-bit mantissa is ample for a running average), per-parameter step counts
  step, best, tau, args, torch / numpy / python RNG states
  then xz (lzma) compression.

    python3 Training/resume_state.py pack Training/runs/x3/ckpt_last.pt Training/state/x3.pt.xz
    python3 Training/resume_state.py show Training/state/x3.pt.xz
"""
from __future__ import annotations

import io
import lzma
import os
import sys

import torch

MOMENTS = ("exp_avg", "exp_avg_sq")


def pack(ck: dict) -> bytes:
    opt = ck["optimizer"]
    st = {}
    for k, v in opt["state"].items():
        st[k] = {n: (t.to(torch.bfloat16) if n in MOMENTS else t) for n, t in v.items()}
    small = dict(ck, optimizer=dict(state=st, param_groups=opt["param_groups"]), format="smsr-resume-1")
    buf = io.BytesIO()
    torch.save(small, buf)
    return lzma.compress(buf.getvalue(), preset=6)


def unpack(data: bytes) -> dict:
    ck = torch.load(io.BytesIO(lzma.decompress(data)), map_location="cpu", weights_only=False)
    assert ck.get("format") == "smsr-resume-1", "not a resume file"
    for v in ck["optimizer"]["state"].values():
        for n in MOMENTS:
            if n in v:
                v[n] = v[n].float()
    return ck


def write(ck: dict, path: str):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(pack(ck))
    os.replace(tmp, path)


def read(path: str) -> dict:
    with open(path, "rb") as f:
        return unpack(f.read())


def main(argv):
    if argv[:1] == ["pack"]:
        write(torch.load(argv[1], map_location="cpu", weights_only=False), argv[2])
        print(f"{argv[2]}: {os.path.getsize(argv[2]) / 2**20:.2f} MiB")
    elif argv[:1] == ["show"]:
        ck = read(argv[1])
        a = ck.get("args", {})
        print(f"{argv[1]}: scale {a.get('scale')} step {ck['step']} best {ck.get('best')} "
              f"({os.path.getsize(argv[1]) / 2**20:.2f} MiB)")
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

"""Train SMSR on an accelerator within a fixed wall-clock budget.

For the short GPU leases this project sometimes gets (see README.md): the
data is a compact tile pool (`sr_data.py pool`) held on the device, crops
and the 8 flips/rotations are cut there by one gather, and every schedule is
a function of the budget's elapsed fraction p in [0, 1] rather than of the
step count, because the step rate is unknown until the run starts:

  lr      --lr, halved at p = 0.5, 0.75 and 0.9
  tau     linear from its start value to --tau-end over p in [0, 0.6]
  lambda  linear from its start value to --sparsity-weight over [0, 0.15]

`--init` continues a train.py checkpoint (model, optimizer, step; tau and
lambda start where that run stood).  Writes <run>/train.log and
<run>/ckpt_last.pt in train.py's format (every --ckpt-seconds, and at the
end), so export.py, validate.py and train.py read it unchanged.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smsr_model import SMSR  # noqa: E402
from sr_data import load_pool  # noqa: E402
from train import train_step  # noqa: E402


def get_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, required=True)
    ap.add_argument("--pool", required=True, help="tile pool from `sr_data.py pool`")
    ap.add_argument("--run", required=True, help="output dir")
    ap.add_argument("--init", default=None, help="train.py checkpoint to continue")
    ap.add_argument("--seconds", type=float, required=True, help="training budget (wall clock)")
    ap.add_argument("--patch", type=int, default=48, help="LR patch side")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--sparsity-weight", type=float, default=0.1)
    ap.add_argument("--tau-end", type=float, default=0.4)
    ap.add_argument("--ckpt-seconds", type=float, default=60)
    ap.add_argument("--log-every", type=int, default=200)
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    return ap.parse_args(argv)


def lr_at(p, a):
    return a.lr * 0.5 ** sum(p >= m for m in (0.5, 0.75, 0.9))


def ramp(p, start, end, until):
    return start + (end - start) * min(p / until, 1.0)


class DeviceCrops:
    """Random aligned crops with flips/transposition, gathered on the device."""

    def __init__(self, hr: np.ndarray, lr: np.ndarray, scale: int, patch: int, device, gen: torch.Generator):
        self.hr = torch.from_numpy(hr).permute(0, 3, 1, 2).contiguous().to(device)  # (N,3,T,T) uint8
        self.lr = torch.from_numpy(lr).permute(0, 3, 1, 2).contiguous().to(device)
        self.s, self.p, self.dev, self.gen = scale, patch, device, gen
        self.n, self.t = self.lr.shape[0], self.lr.shape[-1]
        self.c = torch.arange(3, device=device).view(1, 3, 1, 1)

    def _grid(self, y, x, size, fy, fx, tr):
        a = torch.arange(size, device=self.dev)
        ry = y[:, None] + torch.where(fy[:, None], size - 1 - a, a)  # (B,P) source rows
        cx = x[:, None] + torch.where(fx[:, None], size - 1 - a, a)  # (B,P) source cols
        rows = torch.where(tr[:, None, None], cx[:, None, :], ry[:, :, None])  # out[i,j] <- src[j,i] if tr
        cols = torch.where(tr[:, None, None], ry[:, :, None], cx[:, None, :])
        return rows, cols

    def batch(self, b: int):
        g, d = self.gen, self.dev
        k = torch.randint(self.n, (b,), device=d, generator=g)
        y = torch.randint(self.t - self.p + 1, (b,), device=d, generator=g)
        x = torch.randint(self.t - self.p + 1, (b,), device=d, generator=g)
        f = torch.randint(8, (b,), device=d, generator=g)
        fx, fy, tr = (f & 1) > 0, (f & 2) > 0, (f & 4) > 0
        kk = k.view(b, 1, 1, 1)
        r, c = self._grid(y, x, self.p, fy, fx, tr)
        lr = self.lr[kk, self.c, r[:, None], c[:, None]]
        r, c = self._grid(y * self.s, x * self.s, self.p * self.s, fy, fx, tr)
        hr = self.hr[kk, self.c, r[:, None], c[:, None]]
        return lr.float(), hr.float()


def main(argv=None):
    a = get_args(argv)
    os.makedirs(a.run, exist_ok=True)
    logf = open(os.path.join(a.run, "train.log"), "a")

    def log(line):
        line = f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}"
        logf.write(line + "\n")
        logf.flush()
        print(line, flush=True)

    dev = torch.device(a.device)
    if dev.type == "cuda":
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
        torch.backends.cudnn.benchmark = True
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    rng = np.random.default_rng(a.seed)

    model = SMSR(a.scale).to(dev)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    step, tau0, lam0, origin = 0, 1.0, 0.0, "scratch"
    if a.init:
        st = torch.load(a.init, map_location="cpu", weights_only=False)
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["optimizer"])
        step = st["step"]
        prev = st.get("args", {})
        tau0 = st.get("tau", 1.0)
        lam0 = prev.get("sparsity_weight", 0.1) * min(step / max(prev.get("sparsity_warmup", 1), 1), 1.0)
        origin = f"{a.init} at step {step}"
    hr, lr, meta = load_pool(a.pool, a.scale)
    gen = torch.Generator(device=dev)
    gen.manual_seed(a.seed)
    crops = DeviceCrops(hr, lr, a.scale, a.patch, dev, gen)
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else "cpu"
    log(f"START {name} from {origin}: pool {len(meta['tiles'])} tiles of {meta['tile']}px; tau0 {tau0:.4f} "
        f"lambda0 {lam0:.4f} " + json.dumps(vars(a)))

    def checkpoint(p):
        tmp = os.path.join(a.run, "ckpt_last.pt.tmp")
        args = dict(vars(a), sparsity_warmup=1, accel_progress=p)
        torch.save(dict(model=model.state_dict(), optimizer=opt.state_dict(), step=step, best=None,
                        tau=ramp(p, tau0, a.tau_end, 0.6), torch_rng=torch.get_rng_state(),
                        np_rng=rng.bit_generator.state, py_rng=random.getstate(), args=args), tmp)
        os.replace(tmp, os.path.join(a.run, "ckpt_last.pt"))

    model.train()
    t0 = time.time()
    t_ck = t_log = t0
    n_log = 0
    acc = torch.zeros(3, device=dev)
    while True:
        p = (time.time() - t0) / a.seconds
        if p >= 1.0:
            break
        lr_v, tau, lam = lr_at(p, a), ramp(p, tau0, a.tau_end, 0.6), ramp(p, lam0, a.sparsity_weight, 0.15)
        lr_t, hr_t = crops.batch(a.batch)
        loss, l1, sp = train_step(model, opt, lr_t, hr_t, lr_v, tau, lam)
        step += 1
        n_log += 1
        acc += torch.stack([loss.detach(), l1.detach(), sp.detach()])
        if step % a.log_every == 0:
            v = (acc / n_log).tolist()
            if not all(np.isfinite(v)):
                log(f"STOP non-finite loss at step {step}")
                break
            now = time.time()
            log(f"step {step} p {p:.3f} loss {v[0]:.4f} l1 {v[1]:.4f} sparsity {v[2]:.4f} lambda {lam:.4f} "
                f"tau {tau:.4f} lr {lr_v:.2e} it/s {n_log / (now - t_log):.2f}")
            acc.zero_()
            n_log, t_log = 0, now
        if time.time() - t_ck >= a.ckpt_seconds:
            checkpoint(p)
            t_ck = time.time()
    checkpoint(min(p, 1.0))
    log(f"STOP step {step} after {time.time() - t0:.0f}s")
    return step


if __name__ == "__main__":
    main()

"""Train SMSR from scratch on prepared patches (see README.md).

Resumable: rerunning the same command continues from <run>/ckpt_last.pt
(model, optimizer, step, RNG states, schedule).  Writes
  <run>/train.log     human-readable log (train lines and validation lines)
  <run>/val.tsv       one row per validation
  <run>/ckpt_last.pt  full training state (atomically replaced)
  <run>/snapshots/step_XXXXXXX.pt   model weights at each validation
  <run>/best.pt       weights with the best Set5 PSNR_Y among validations whose
                      executed/dense MAC ratio is within --flops-target
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import signal
import sys
import time

# The run shares 2 cores with other work at nice 19: OpenMP threads that
# spin-wait at barriers while their sibling is descheduled waste most of the
# CPU they get (measured: 4-14 s/step spinning vs 3.3 s/step passive under
# load).  Must be set before torch loads libgomp.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from smsr_model import SMSR  # noqa: E402
import resume_state  # noqa: E402
from sr_data import open_sampler  # noqa: E402
from sr_eval import VAL_DIR, evaluate_set5, evaluate_valset  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def get_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=int, default=2)
    ap.add_argument("--data", default=None,
                    help="HR pool (build_data.py) or prepared data dir (default Training/data/pool, else x<scale>)")
    ap.add_argument("--class-weights", default=None,
                    help="HR pool sampling weights, e.g. photo=0.25,architecture=0.2,lineart=0.2,text=0.2,texture=0.15")
    ap.add_argument("--run", default=None, help="run dir (default Training/runs/x<scale>)")
    ap.add_argument("--patch", type=int, default=32, help="LR patch side (HR = scale*patch)")
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--total-steps", type=int, default=200000)
    ap.add_argument("--lr", type=float, default=2e-4)
    ap.add_argument("--lr-milestones", default="100000,150000,180000",
                    help="steps at which the learning rate is multiplied by --lr-gamma")
    ap.add_argument("--lr-gamma", type=float, default=0.5)
    ap.add_argument("--sparsity-weight", type=float, default=0.1)
    ap.add_argument("--sparsity-warmup", type=int, default=10000,
                    help="steps over which the sparsity weight ramps linearly from 0")
    ap.add_argument("--tau-start", type=float, default=1.0)
    ap.add_argument("--tau-end", type=float, default=0.4)
    ap.add_argument("--tau-steps", type=int, default=100000, help="steps of linear tau annealing")
    ap.add_argument("--val-every", type=int, default=1000)
    ap.add_argument("--ckpt-every", type=int, default=250)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--flops-target", type=float, default=None,
                    help="executed/dense MAC ratio allowed for best.pt (default 0.70 for x2, 0.80 for x4)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--bf16", action="store_true",
                    help="convolutions in bfloat16 (torch.autocast; fp32 weights): about 1.75x faster per step on "
                         "CPUs with AMX (Sapphire Rapids), slower where bf16 is emulated")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--max-steps-this-run", type=int, default=0, help="stop after this many steps (0 = no limit)")
    ap.add_argument("--no-val", action="store_true")
    ap.add_argument("--state", default=None,
                    help="compact resume file (resume_state.py): restored when it is ahead of the run's ckpt_last.pt, "
                         "rewritten at each validation and when the run is paused (SIGTERM)")
    ap.add_argument("--val-set", default=None, help=f"validation set dir (default {VAL_DIR} when built)")
    ap.add_argument("--init-from", default=None,
                    help="start a new run from this project's own checkpoint of another scale: every tensor "
                         "whose shape matches is copied (all but the tail), the optimizer starts fresh")
    return ap.parse_args(argv)


def lr_at(step, a):
    ms = [int(v) for v in a.lr_milestones.split(",") if v.strip()]
    return a.lr * a.lr_gamma ** sum(step >= m for m in ms)


def tau_at(step, a):
    t = min(step / max(a.tau_steps, 1), 1.0)
    return a.tau_start + (a.tau_end - a.tau_start) * t


def lambda_at(step, a):
    return a.sparsity_weight * min(step / max(a.sparsity_warmup, 1), 1.0)


def train_step(model, opt, lr_t, hr_t, lr_v, tau, lam, autocast=None):
    """One optimiser step on the paper's objective, L1 + lambda * sparsity, at learning rate lr_v.
    autocast: a dtype for the network's convolutions (see SMSR.forward_train), or None for fp32.
    Returns the (loss, l1, sparsity) tensors."""
    for g in opt.param_groups:
        g["lr"] = lr_v
    sr, sp = model.forward_train(lr_t, tau, autocast=autocast)
    l1 = F.l1_loss(sr, hr_t)
    loss = l1 + lam * sp
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    return loss, l1, sp


def save_atomic(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def log(run, line):
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    with open(os.path.join(run, "train.log"), "a") as f:
        f.write(f"{stamp} {line}\n")
    print(f"{stamp} {line}", flush=True)


def validate(model, a, step, run, best):
    """Set5 and (when built) our validation set; best.pt follows the validation set's overall PSNR_Y
    (the mean of the class means) within the MAC ceiling, or Set5's where there is no validation set."""
    res = evaluate_set5(model, a.scale)
    per = " ".join(f"{r['name']}={r['psnr']:.2f}" for r in res["per_image"])
    log(run, f"VAL step {step} set5_psnr_y {res['psnr']:.3f} flops_ratio {res['flops_ratio']:.4f} "
             f"({per}) [{res['seconds']:.1f}s]")
    cols = ["step", "set5_psnr_y", "set5_flops_ratio"] + [r["name"] for r in res["per_image"]]
    vals = [str(step), f"{res['psnr']:.4f}", f"{res['flops_ratio']:.4f}"] + [f"{r['psnr']:.4f}" for r in res["per_image"]]
    info = dict(step=step, psnr=res["psnr"], flops_ratio=res["flops_ratio"], set5_psnr=res["psnr"])
    if a.val_set:
        v = evaluate_valset(model, a.scale, a.val_set)
        o = v["overall"]
        log(run, f"VALSET step {step} overall_psnr_y {o['psnr']:.3f} ssim_y {o['ssim']:.4f} flops_ratio "
                 f"{o['flops_ratio']:.4f} (" + " ".join(f"{c}={x['psnr']:.3f}/{x['flops_ratio']:.3f}"
                                                         for c, x in v["classes"].items()) + f") [{v['seconds']:.1f}s]")
        cols += ["val_psnr_y", "val_ssim_y", "val_flops_ratio"] + [f"val_{c}" for c in v["classes"]]
        vals += [f"{o['psnr']:.4f}", f"{o['ssim']:.4f}", f"{o['flops_ratio']:.4f}"] + \
            [f"{x['psnr']:.4f}" for x in v["classes"].values()]
        info.update(psnr=o["psnr"], flops_ratio=o["flops_ratio"], val_classes={c: x["psnr"] for c, x in v["classes"].items()})
    path = os.path.join(run, "val.tsv")
    head = "\t".join(cols) + "\n"
    if os.path.exists(path) and open(path).readline() != head:  # an earlier layout: kept beside
        os.replace(path, os.path.join(run, f"val.before_step{step}.tsv"))
    new = not os.path.exists(path)
    with open(path, "a") as f:
        if new:
            f.write(head)
        f.write("\t".join(vals) + "\n")
    os.makedirs(os.path.join(run, "snapshots"), exist_ok=True)
    save_atomic(dict(model=model.state_dict(), scale=a.scale, val=info, args=vars(a)),
                os.path.join(run, "snapshots", f"step_{step:07d}.pt"))
    if best is not None and best.get("criterion") != info_criterion(a):  # the criterion changed: start anew
        best = None
    info["criterion"] = info_criterion(a)
    # The ceiling is on Set5's ratio, the figure the shipping targets name.
    if res["flops_ratio"] <= a.flops_target and (best is None or info["psnr"] > best["psnr"]):
        best = info
        save_atomic(dict(model=model.state_dict(), scale=a.scale, val=info, args=vars(a)), os.path.join(run, "best.pt"))
        log(run, f"BEST step {step} psnr {info['psnr']:.3f} flops {info['flops_ratio']:.4f} ({info['criterion']})")
    model.train()
    return best


def info_criterion(a):
    return "valset" if a.val_set else "set5"


def main(argv=None):
    a = get_args(argv)
    if a.data is None:
        pool = os.path.join(HERE, "data", "pool")
        a.data = pool if os.path.exists(os.path.join(pool, "index.json")) else os.path.join(HERE, "data", f"x{a.scale}")
    if a.val_set is None and os.path.exists(os.path.join(VAL_DIR, "index.json")):
        a.val_set = VAL_DIR
    a.run = a.run or os.path.join(HERE, "runs", f"x{a.scale}")
    if a.flops_target is None:
        a.flops_target = 0.70 if a.scale == 2 else 0.80
    os.makedirs(a.run, exist_ok=True)
    torch.set_num_threads(a.threads)

    model = SMSR(a.scale)
    opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=a.lr, betas=(0.9, 0.999), eps=1e-8)
    rng = np.random.default_rng(a.seed)
    torch.manual_seed(a.seed)
    random.seed(a.seed)
    step, best = 0, None
    ck = os.path.join(a.run, "ckpt_last.pt")
    st, src = None, ck
    if os.path.exists(ck):
        st = torch.load(ck, map_location="cpu", weights_only=False)
    if a.state and os.path.exists(a.state):
        committed = resume_state.read(a.state)
        if st is None or committed["step"] > st["step"]:
            st, src = committed, a.state
    if st is not None:
        model.load_state_dict(st["model"])
        opt.load_state_dict(st["optimizer"])
        step, best = st["step"], st.get("best")
        torch.set_rng_state(st["torch_rng"])
        rng.bit_generator.state = st["np_rng"]
        random.setstate(st["py_rng"])
        log(a.run, f"RESUME step {step} tau {st.get('tau', float('nan')):.4f} from {src} " + json.dumps(vars(a)))
    else:
        if a.init_from:
            if a.init_from.endswith(".safetensors"):
                from safetensors.torch import load_file
                src = load_file(a.init_from)
            else:
                src = torch.load(a.init_from, map_location="cpu", weights_only=False)
                src = src.get("model", src)
            own = model.state_dict()
            taken = {k: v for k, v in src.items() if k in own and own[k].shape == v.shape}
            model.load_state_dict(taken, strict=False)
            fresh = sorted(set(own) - set(taken))
            log(a.run, f"INIT from {a.init_from}: {len(taken)} tensors copied, fresh: {', '.join(fresh)}")
        cfg = {k: v for k, v in vars(a).items()}
        with open(os.path.join(a.run, "config.json"), "w") as f:
            json.dump(cfg, f, indent=1)
        log(a.run, "START " + json.dumps(cfg))
    cw = None
    if a.class_weights:
        cw = {k: float(v) for k, v in (kv.split("=") for kv in a.class_weights.split(","))}
    sampler = open_sampler(a.data, a.scale, a.patch, rng, cw)
    assert sampler.scale == a.scale, "data scale does not match --scale"
    if hasattr(sampler, "summary"):
        log(a.run, f"DATA {a.data}: {sampler.summary()}")

    def checkpoint(state_too=False):
        obj = dict(model=model.state_dict(), optimizer=opt.state_dict(), step=step, best=best,
                   tau=tau_at(step, a), torch_rng=torch.get_rng_state(), np_rng=rng.bit_generator.state,
                   py_rng=random.getstate(), args=vars(a))
        save_atomic(obj, ck)
        if state_too and a.state:
            resume_state.write(obj, a.state)

    stop = []
    # SIGTERM (train.sh pause): finish the step in flight, checkpoint, write the resume file, exit.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.append(1))

    model.train()
    t_last, n_last = time.time(), 0
    acc = dict(loss=0.0, l1=0.0, sp=0.0, n=0)
    steps_this_run = 0
    while step < a.total_steps:
        lr_v, tau, lam = lr_at(step, a), tau_at(step, a), lambda_at(step, a)
        lr_b, hr_b = sampler.batch(a.batch)
        loss, l1, sp = train_step(model, opt, torch.from_numpy(lr_b).float(), torch.from_numpy(hr_b).float(),
                                  lr_v, tau, lam, autocast=torch.bfloat16 if a.bf16 else None)
        step += 1
        steps_this_run += 1
        n_last += 1
        acc["loss"] += loss.item()
        acc["l1"] += l1.item()
        acc["sp"] += sp.item()
        acc["n"] += 1
        if step % a.log_every == 0:
            dt = time.time() - t_last
            n = acc["n"]
            log(a.run, f"step {step} loss {acc['loss'] / n:.4f} l1 {acc['l1'] / n:.4f} sparsity {acc['sp'] / n:.4f} "
                       f"lambda {lam:.4f} tau {tau:.4f} lr {lr_v:.2e} it/s {n_last / dt:.3f} s/it {dt / n_last:.3f}")
            acc = dict(loss=0.0, l1=0.0, sp=0.0, n=0)
            t_last, n_last = time.time(), 0
        if step % a.ckpt_every == 0 or step == a.total_steps:
            checkpoint()
        if not a.no_val and (step % a.val_every == 0 or step == a.total_steps):
            best = validate(model, a, step, a.run, best)
            checkpoint(state_too=True)
            t_last, n_last = time.time(), 0
        if a.max_steps_this_run and steps_this_run >= a.max_steps_this_run:
            checkpoint(state_too=True)
            break
        if stop:
            checkpoint(state_too=True)
            log(a.run, f"PAUSE step {step}" + (f": resume file {a.state}" if a.state else ""))
            break
    log(a.run, f"STOP step {step}")
    return step


if __name__ == "__main__":
    main()

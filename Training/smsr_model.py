"""SMSR network: training-mode forward (soft Gumbel masks) and an exact
inference-mode forward (hard masks, dense emulation) with MAC counting.

Parameter names follow the official state-dict layout so that export is a
plain rename-free dump (see export.py).  The inference semantics implemented
in `SMSR.infer` are the ones stated in shared/design/SMSR-MODEL.md:

* spatial mask  M = logit[1] > logit[0] (strict), zero-padded to H x W when
  the generator yields 2*floor(H/2) x 2*floor(W/2);
* channel split = round(softmax(ch_mask, -1)); index 0 dense, 1 sparse;
* layer i's input split is layer i-1's output split (layer 0: all dense);
* dense outputs = conv(dense inputs) everywhere + conv(sparse inputs) at
  masked pixels only; sparse outputs = full conv at masked pixels, 0 elsewhere.

The training forward uses the same split rule (i-1 for the input), with the
hard 0/1 masks replaced by their Gumbel-softmax relaxations, so that training
optimises the network that actually runs at inference.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

RGB_MEAN = (0.4488, 0.4371, 0.4040)
N_FEATS = 64
N_BLOCKS = 5
N_LAYERS = 4


class MeanShift(nn.Conv2d):
    """1x1 conv with identity weight and +/- 255*mean bias (frozen)."""

    def __init__(self, sign: float):
        super().__init__(3, 3, 1)
        with torch.no_grad():
            self.weight.copy_(torch.eye(3).view(3, 3, 1, 1))
            self.bias.copy_(sign * 255.0 * torch.tensor(RGB_MEAN))
        for p in self.parameters():
            p.requires_grad_(False)


class CALayer(nn.Module):
    def __init__(self, ch: int = N_FEATS, reduction: int = 16):
        super().__init__()
        self.conv_du = nn.Sequential(
            nn.Conv2d(ch, ch // reduction, 1), nn.ReLU(inplace=True),
            nn.Conv2d(ch // reduction, ch, 1), nn.Sigmoid())

    def forward(self, u):
        return u * self.conv_du(u.mean(dim=(2, 3), keepdim=True))


class SMB(nn.Module):
    """Sparse mask block: 4 bias-free 3x3 convs + biased 1x1 collect."""

    def __init__(self, ch: int = N_FEATS, n_layers: int = N_LAYERS):
        super().__init__()
        self.n_layers = n_layers
        self.ch_mask = nn.Parameter(torch.rand(1, ch, n_layers, 2))
        self.body = nn.Sequential(*[nn.Conv2d(ch, ch, 3, 1, 1, bias=False) for _ in range(n_layers)])
        self.collect = nn.Conv2d(ch * n_layers, ch, 1)

    def hard_split(self):
        """(dense, sparse) float 0/1 tensors of shape (64, n_layers)."""
        p = self.ch_mask.detach().softmax(dim=3).round()[0]
        return p[..., 0], p[..., 1]

    def forward_train(self, x, m, tau: float, hard: bool = False):
        """x: (B,64,H,W); m: soft spatial mask (B,1,H,W).
        hard=True uses the hard channel split instead of Gumbel samples (for tests).
        Returns (output, sparsity) where sparsity is the mean over (batch,
        layer-channel, pixel) of  m * ch_sparse + ch_dense  (the fraction of
        positions computed), evaluated in closed form."""
        if hard:
            cd, cs = self.hard_split()
        else:
            ch = F.gumbel_softmax(self.ch_mask, tau=tau, hard=False, dim=3)  # (1,64,L,2)
            cd = ch[0, :, :, 0]  # (64, L)
            cs = ch[0, :, :, 1]
        C = x.shape[1]
        outs = []
        f = x
        for i, conv in enumerate(self.body):
            d_o = cd[:, i].view(1, -1, 1, 1)
            s_o = cs[:, i].view(1, -1, 1, 1)
            if i == 0:
                a = conv(f)
                y = a * d_o + (a * s_o) * m
            else:
                # input split = previous layer's output split, folded into the
                # weights: one conv gives A = W*(f.dense) and S = W*(f.sparse)
                w = conv.weight
                w2 = torch.cat([w * cd[:, i - 1].view(1, -1, 1, 1), w * cs[:, i - 1].view(1, -1, 1, 1)], 0)
                both = F.conv2d(f, w2, padding=1)
                a, s = both[:, :C], both[:, C:]
                # dense out: A + S*m ; sparse out: (A + S)*m
                y = a * d_o + (a * s_o + s) * m
            f = F.relu(y)
            outs.append(f)
        out = self.collect(torch.cat(outs, 1))
        # In fp32 whatever the autocast: a mean over every pixel of the batch.
        sparsity = m.float().mean() * cs.float().mean() + cd.float().mean()
        return out, sparsity

    def forward_infer(self, x, M, dsplit, ssplit):
        """Exact inference semantics, emulated densely. M: (B,1,H,W) 0/1."""
        w_all = [c.weight for c in self.body]
        outs = []
        f = x
        C = x.shape[1]
        din = torch.ones(C, device=x.device, dtype=x.dtype)
        sin = torch.zeros(C, device=x.device, dtype=x.dtype)
        for i in range(self.n_layers):
            w = w_all[i]
            dout = dsplit[:, i].view(1, -1, 1, 1)
            sout = ssplit[:, i].view(1, -1, 1, 1)
            a = F.conv2d(f, w * din.view(1, -1, 1, 1), padding=1)
            if sin.any():
                s = F.conv2d(f, w * sin.view(1, -1, 1, 1), padding=1)
            else:
                s = torch.zeros_like(a)
            y = dout * (a + s * M) + sout * (a + s) * M
            f = F.relu(y)
            outs.append(f)
            din, sin = dsplit[:, i], ssplit[:, i]
        # sparse channels are already 0 outside M, so the plain 1x1 conv gives
        # "sparse inputs contribute only at masked pixels".
        return self.collect(torch.cat(outs, 1))


class SMM(nn.Module):
    def __init__(self, ch: int = N_FEATS):
        super().__init__()
        q = ch // 4
        self.spa_mask = nn.Sequential(
            nn.Conv2d(ch, q, 3, 1, 1), nn.ReLU(inplace=True), nn.AvgPool2d(2),
            nn.Conv2d(q, q, 3, 1, 1), nn.ReLU(inplace=True),
            nn.ConvTranspose2d(q, 2, 3, 2, 1, output_padding=1))
        self.body = SMB(ch)
        self.ca = CALayer(ch)

    def mask_logits(self, x):
        return self.spa_mask(x)

    def hard_mask(self, x):
        lg = self.spa_mask(x)
        M = (lg[:, 1:2] > lg[:, 0:1]).to(x.dtype)
        H, W = x.shape[-2:]
        if M.shape[-2] != H or M.shape[-1] != W:
            M = F.pad(M, (0, W - M.shape[-1], 0, H - M.shape[-2]))
        return M


@dataclass
class InferStats:
    """Per-image mask statistics and MAC counts from an inference pass."""
    H: int = 0
    W: int = 0
    mask_ones: list = field(default_factory=list)
    min_margin: list = field(default_factory=list)  # min |logit1 - logit0| per block
    macs_dense: int = 0
    macs_exec: int = 0


class SMSR(nn.Module):
    def __init__(self, scale: int = 2):
        super().__init__()
        assert scale in (2, 3, 4)
        self.scale = scale
        self.sub_mean = MeanShift(-1.0)
        self.add_mean = MeanShift(+1.0)
        self.head = nn.Sequential(nn.Conv2d(3, N_FEATS, 3, 1, 1), nn.ReLU(inplace=True),
                                  nn.Conv2d(N_FEATS, N_FEATS, 3, 1, 1))
        self.body = nn.Sequential(*[SMM(N_FEATS) for _ in range(N_BLOCKS)])
        self.collect = nn.Sequential(nn.Conv2d(N_FEATS * N_BLOCKS, N_FEATS, 1), nn.ReLU(inplace=True),
                                     nn.Conv2d(N_FEATS, N_FEATS, 3, 1, 1))
        self.tail = nn.Sequential(nn.Conv2d(N_FEATS, 3 * scale * scale, 3, 1, 1), nn.PixelShuffle(scale))

    # ------------------------------------------------------------------ training
    def forward_train(self, x, tau: float, hard: bool = False, autocast: torch.dtype | None = None):
        """x: LR batch in [0,255]. Returns (sr, sparsity): sparsity is the
        paper's regulariser, the mean over blocks, batch, layer-channels and
        pixels of  m * ch_sparse + ch_dense  (a scalar).

        autocast (e.g. torch.bfloat16): the head, blocks, collect and tail run
        under torch.autocast in that type (weights and optimiser stay fp32).
        The mean shifts and the bicubic skip stay fp32: they carry the
        full 0-255 pixel values, which bf16 would round by up to 0.5."""
        x0 = self.sub_mean(x)
        skip = F.interpolate(x0, scale_factor=self.scale, mode="bicubic", align_corners=False)
        with torch.autocast(x.device.type, dtype=autocast or torch.bfloat16, enabled=autocast is not None):
            h = self.head(x0)
            fea = h
            feats, sps = [], []
            for smm in self.body:
                if hard:  # test path: the inference masks through the training code
                    m = smm.hard_mask(fea)
                else:
                    lg = smm.mask_logits(fea)
                    m = F.gumbel_softmax(lg, tau=tau, hard=False, dim=1)[:, 1:2]
                u, sp = smm.body.forward_train(fea, m, tau, hard=hard)
                fea = smm.ca(u) + fea
                feats.append(fea)
                sps.append(sp)
            g = self.collect(torch.cat(feats, 1)) + h
            t = self.tail(g)
        y = t.float() + skip
        return self.add_mean(y), torch.stack(sps).mean()

    # ----------------------------------------------------------------- inference
    @torch.no_grad()
    def infer(self, x, stats: bool = False):
        """Exact inference forward (hard masks). x: (1,3,H,W) in [0,255].
        Returns the unclamped float output, and InferStats when stats=True."""
        H, W = x.shape[-2:]
        x0 = self.sub_mean(x)
        h = self.head(x0)
        fea = h
        feats = []
        st = InferStats(H=H, W=W)
        for smm in self.body:
            if stats:
                lg = smm.mask_logits(fea)
                st.min_margin.append(float((lg[:, 1] - lg[:, 0]).abs().min()))
            M = smm.hard_mask(fea)
            d, s = smm.body.hard_split()
            u = smm.body.forward_infer(fea, M, d, s)
            fea = smm.ca(u) + fea
            feats.append(fea)
            if stats:
                st.mask_ones.append(int(M.sum().item()))
                st.macs_exec += smb_exec_macs(d, s, H * W, st.mask_ones[-1])
        g = self.collect(torch.cat(feats, 1)) + h
        y = self.tail(g) + F.interpolate(x0, scale_factor=self.scale, mode="bicubic", align_corners=False)
        y = self.add_mean(y)
        if stats:
            common = common_macs(H, W, self.scale)
            st.macs_dense = common + N_BLOCKS * 163840 * H * W
            st.macs_exec += common
            return y, st
        return y

    def hard_masks(self):
        """Channel splits of all blocks: list of (dense, sparse) (64, 4) tensors."""
        return [smm.body.hard_split() for smm in self.body]


# --------------------------------------------------------------------- MACs
def common_macs(H: int, W: int, scale: int) -> int:
    """MACs outside the SMBs (identical in the dense and executed counts)."""
    P = H * W
    h2, w2 = H // 2, W // 2
    head = 38592 * P
    maskgen = 9216 * P + 2592 * h2 * w2
    ca = 512
    collect = 57344 * P
    tail = 64 * 9 * 3 * scale * scale * P
    return head + N_BLOCKS * (maskgen + ca) + collect + tail


def smb_exec_macs(dsplit, ssplit, P: int, N: int) -> int:
    """Executed MACs of one SMB with the given hard channel split."""
    d_out = [int(v) for v in dsplit.sum(0).tolist()]
    s_out = [int(v) for v in ssplit.sum(0).tolist()]
    total = 0
    d_in, s_in = N_FEATS, 0
    for i in range(len(d_out)):
        total += d_out[i] * d_in * 9 * P + s_out[i] * d_in * 9 * N + (d_out[i] + s_out[i]) * s_in * 9 * N
        d_in, s_in = d_out[i], s_out[i]
    D, S = sum(d_out), sum(s_out)
    total += 64 * D * P + 64 * S * N
    return total


def dense_macs(H: int, W: int, scale: int) -> int:
    return common_macs(H, W, scale) + N_BLOCKS * 163840 * H * W


def scale_from_state(sd) -> int:
    n = sd["tail.0.weight"].shape[0]
    s = int(round(math.sqrt(n / 3)))
    assert 3 * s * s == n
    return s


def load_model(path: str, device="cpu") -> SMSR:
    """Load a model from .safetensors (official key names), a training
    checkpoint (.pt with 'model'), or a plain state dict (.pt)."""
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file
        sd = load_file(path)
    else:
        obj = torch.load(path, map_location="cpu", weights_only=False)
        sd = obj["model"] if isinstance(obj, dict) and "model" in obj else obj
    model = SMSR(scale_from_state(sd))
    model.load_state_dict(sd, strict=True)
    return model.to(device).eval()

#!/usr/bin/env python3
"""What Winograd's block shape costs in accuracy where the engine runs a block's first convolutions jointly (the mask
generator's first conv and layer 0's dense outputs): the official network with those two convolutions replaced by
float32 Winograd F(m x n, 3x3) in numpy, against the same network in float64, on the golden crops. A measurement
that decides which block shapes are worth building, not a test; it reads ../shared and the official code.

For each shape (direct sums as the official code runs them; 2x2, 2x4, 4x2, 4x4 blocks on the engine's interpolation
points 0, +-1 and 0, +-1, 1/2, -2, each with infinity): per block, the largest and RMS difference of the block outputs
from float64, and whether the masks still agree with float64's; then each shape again with the head's second conv
(64 -> 64, before the first block) in the same blocks too.

    Benchmarks/.venv/bin/python Benchmarks/winograd_blocks_accuracy.py --official DIR

Only those convolutions change; every other convolution stays the official direct float32 one, so the figures
show what the block shape adds to the official code's own rounding.
"""
import argparse
from fractions import Fraction

import numpy as np

from official_float64 import CROPS, official_network, run

POINTS = {2: [Fraction(0), Fraction(1), Fraction(-1)],
          4: [Fraction(0), Fraction(1), Fraction(-1), Fraction(1, 2), Fraction(-2)]}


def matrices(m):
    """A^T (m x n), G (n x 3) and B^T (n x n) of F(m, 3) on POINTS[m] and infinity, n = m + 2, in exact fractions:
    G's rows carry the Lagrange denominators (as the engine's weights do), B^T then follows from A^T and G."""
    points, n = POINTS[m], m + 2
    at = [[p ** i for p in points] + [Fraction(int(i == m - 1))] for i in range(m)]
    g = []
    for j, p in enumerate(points):
        denominator = Fraction(1)
        for k, q in enumerate(points):
            if k != j:
                denominator *= p - q
        g.append([p ** k / denominator for k in range(3)])
    g.append([Fraction(0), Fraction(0), Fraction(1)])
    # B^T solves sum_j A^T[i][j] G[j][k] B^T[j][l] = [l == i + k] for all i, k, l; exact in float64 and rounded to
    # small fractions.
    rows, rhs = [], []
    for i in range(m):
        for k in range(3):
            for l in range(n):
                row = np.zeros(n * n)
                for j in range(n):
                    row[j * n + l] = float(at[i][j] * g[j][k])
                rows.append(row)
                rhs.append(float(l == i + k))
    solution = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
    bt = [[Fraction(v).limit_denominator(64) for v in solution[j * n:(j + 1) * n]] for j in range(n)]
    for i in range(m):
        for k in range(3):
            for l in range(n):
                assert sum(at[i][j] * g[j][k] * bt[j][l] for j in range(n)) == int(l == i + k)
    return at, g, bt


def winograd(x, weight, rows, cols):
    """3x3 convolution (padding 1) of x (C, H, W) float32 by weight (O, C, 3, 3) in F(rows x cols, 3x3), float32 steps."""
    (atr, gr, btr), (atc, gc, btc) = matrices(rows), matrices(cols)
    f32 = lambda m: np.array([[float(v) for v in r] for r in m], dtype=np.float32)
    f64 = lambda m: np.array([[float(v) for v in r] for r in m], dtype=np.float64)
    channels, height, width = x.shape
    ty, tx = -(-height // rows), -(-width // cols)
    padded = np.zeros((channels, ty * rows + 2, tx * cols + 2), dtype=np.float32)
    padded[:, 1:height + 1, 1:width + 1] = x
    # The patches (C, ty, tx, rows + 2, cols + 2), overlapping by two.
    patches = np.lib.stride_tricks.sliding_window_view(padded, (rows + 2, cols + 2), axis=(1, 2))[:, ::rows, ::cols]
    v = np.einsum("ia,ctuab,jb->ctuij", f32(btr), patches.astype(np.float32), f32(btc), optimize=True).astype(np.float32)
    # The weights transformed in double precision, rounded once (as `WinogradWeights` does).
    u = np.einsum("ia,ocab,jb->ocij", f64(gr), weight.astype(np.float64), f64(gc)).astype(np.float32)
    products = np.einsum("ocij,ctuij->otuij", u, v, optimize=True).astype(np.float32)
    y = np.einsum("ia,otuab,jb->otuij", f32(atr), products, f32(atc), optimize=True).astype(np.float32)
    y = y.transpose(0, 1, 3, 2, 4).reshape(weight.shape[0], ty * rows, tx * cols)
    return y[:, :height, :width]


def winograd_module(torch, conv, shape):
    """`conv` (a 3x3 nn.Conv2d with padding 1, batch of one) run in F(shape) from here on."""
    def forward(x):
        y = winograd(x[0].float().numpy(), conv.weight.detach().float().numpy(), *shape)
        bias = conv.bias.view(1, -1, 1, 1) if conv.bias is not None else 0
        return torch.from_numpy(y)[None].to(x.dtype) + bias
    conv.forward = forward


def patch(torch, net, shape, head):
    """Runs each block's mask-generator first conv and layer 0's dense outputs in F(shape), with `head` the head's
    second conv too, the rest as before."""
    if head:
        winograd_module(torch, net.head[2], shape)
    for smm in net.body:
        winograd_module(torch, smm.spa_mask[0], shape)
        smb = smm.body
        original = smb._sparse_conv

        def sparse_conv(fea_dense, fea_sparse, k, index, smb=smb, original=original):
            if index != 0 or k != 3 or smb.d_out_num[0] == 0:
                return original(fea_dense, fea_sparse, k, index)
            dense, sparse = original(fea_dense, fea_sparse, k, index)
            weight = smb.kernel_d2d[0].view(smb.d_out_num[0], -1, 3, 3).detach().float().numpy()
            y = winograd(fea_dense[0].float().numpy(), weight, *shape)
            return torch.from_numpy(y)[None].to(dense.dtype), sparse
        smb._sparse_conv = sparse_conv


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--official", required=True, help="a checkout of the official SMSR code")
    args = parser.parse_args()
    import torch
    torch.set_num_threads(1)
    double = official_network(torch, args.official, torch.float64)
    truth = {crop: run(torch, double, crop, torch.float64) for crop in CROPS}
    shapes = [None, (2, 2), (2, 4), (4, 2), (4, 4)]
    for shape, head in [(shape, False) for shape in shapes] + [(shape, True) for shape in shapes[1:]]:
        net = official_network(torch, args.official, torch.float32)
        if shape:
            patch(torch, net, shape, head)
        name = (f"F({shape[0]}x{shape[1]})" + (" +head" if head else "")) if shape else "direct (official)"
        for crop in CROPS:
            blocks, masks, _ = run(torch, net, crop, torch.float32)
            error = np.abs(blocks - truth[crop][0]).reshape(len(blocks), -1)
            largest = " ".join(f"{v:.1e}" for v in error.max(1))
            rms = " ".join(f"{v:.1e}" for v in np.sqrt((error ** 2).mean(1)))
            same = bool((masks == truth[crop][1]).all())
            print(f"{name:18s} {crop:22s} masks {'same' if same else 'DIFFER'}  max {largest}  rms {rms}")


if __name__ == "__main__":
    main()

#!/usr/bin/python3
"""PyTorch side of `npm run bench` (spec/bench/run.ts) for D-Former: the official model.py, timed as bench_swin.py times.

The official code (github kkk55596/D-Former, model.py) is imported from DFORMER_REPO (default /tmp/dformer) with the
stand-ins of tools/reference/dformer_standins, as tools/reference/dformer_reference.py does. Without it, a case prints
{"case", "skipped": reason} and exits 0, so that the bench says why the torch column is empty.

Cases (one per process, so each one's memory is its own):
    dformer_train       SegNetwork's defaults (embed 96, depths [2, 2, 6, 2], heads [3, 6, 12, 24], patch (2, 4, 4),
                        group (2, 8, 8)) with 9-class heads, train mode, on 1x1x(S/2)xSxS (--side S, default 128, the
                        Synapse config's 64x128x128): CE + soft Dice (TransUNet's)
                        over the full, 1/2 and 1/4 outputs weighted 1, 1/2, 1/4 (normalised; labels every 2^i-th voxel),
                        backward, and an SGD step (lr 0.01, momentum 0.99, Nesterov, weight decay 3e-5)
    dformer_volume      the same model in eval mode without autograd on one 1x1x96x256x256 volume: nnU-Net's 18
                        sliding windows of 64x128x128 (half-patch steps), each weighted by the Gaussian (sigma 1/8)
    dformer_demo_train  the brain demo's model on its 2x1x32x64x32 patches: skipped, with the reason, because the
                        official code divides by zero there (at the 8x8x4 stage H reaches the group but W does not:
                        GS-MSA's Wp // 8 is 0); segvit makes such an axis one group of stride 1

Output: one JSON line {"case", "ms" (median of --repeats after one warm-up), "peak_mb", "torch", "threads"}, peak_mb as
in bench_swin.py (growth of the process's peak RSS over the case).

Run with Debian's python3-torch:  DFORMER_REPO=/tmp/dformer /usr/bin/python3 tools/reference/bench_dformer.py dformer_train
"""
import argparse
import importlib
import json
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F

from bench_swin import THREADS, timed

HERE = os.path.dirname(os.path.abspath(__file__))


def official():
    """The official model module, or None with the reason."""
    repo = os.environ.get("DFORMER_REPO", "/tmp/dformer")
    if not os.path.isfile(os.path.join(repo, "model.py")):
        return None, f"no model.py in {repo} (set DFORMER_REPO to a checkout of github kkk55596/D-Former)"
    sys.path.insert(0, repo)
    sys.path.insert(0, os.path.join(HERE, "dformer_standins"))
    return importlib.import_module("model"), None


def segnetwork(M, classes, embed, depths, heads):
    """SegNetwork with its backbone built for `embed` (SegNetwork does not pass embed_dim) and `classes` outputs."""
    model = M.SegNetwork(num_classes=classes, embed_dim=embed, depths=depths, num_heads=heads)
    model.model_down = M.DFormer3D(in_chans=1, embed_dim=embed, depths=depths, num_heads=heads, patch_size=(2, 4, 4),
                                   group_size=(2, 8, 8))
    for i, head in enumerate(model.final):
        head[1] = nn.Conv3d(embed * 2 ** i, classes, 1, bias=False)
    return model


def dice_loss(logits, label, classes, smooth=1e-5):
    probs = logits.softmax(1)
    onehot = F.one_hot(label, classes).permute(0, 4, 1, 2, 3).float()
    dims = (0, 2, 3, 4)
    inter = (probs * onehot).sum(dims)
    union = (probs * probs).sum(dims) + onehot.sum(dims)
    return (1 - (2 * inter + smooth) / (union + smooth)).mean()


def ds_loss(model, x, label, classes):
    out = model.model_down(x)
    levels = [model.final[-(i + 1)](out[i]) for i in range(3)][::-1]  # full, 1/2, 1/4
    weights = [1.0, 0.5, 0.25]
    total = 0.0
    for i, logits in enumerate(levels):
        lab = label[:, :: 2**i, :: 2**i, :: 2**i]
        total = total + weights[i] / sum(weights) * (F.cross_entropy(logits, lab) + dice_loss(logits, lab, classes))
    return total


def train_case(M, classes, embed, depths, heads, shape, optimizer):
    model = segnetwork(M, classes, embed, depths, heads).train()
    opt = optimizer(model.parameters())
    x = torch.randn(*shape)
    label = torch.randint(0, classes, (shape[0], *shape[2:]))

    def run():
        opt.zero_grad(set_to_none=True)
        ds_loss(model, x, label, classes).backward()
        opt.step()

    return run


def gaussian(patch, sigma_scale=1 / 8):
    grids = []
    for n in patch:
        c = n // 2
        sigma = n * sigma_scale
        g = torch.exp(-0.5 * ((torch.arange(n) - c) / sigma) ** 2)
        grids.append(g)
    w = grids[0][:, None, None] * grids[1][None, :, None] * grids[2][None, None, :]
    return w / w.max()


def volume_case(M):
    model = segnetwork(M, 9, 96, [2, 2, 6, 2], [3, 6, 12, 24]).eval()
    volume = torch.randn(1, 1, 96, 256, 256)
    patch = (64, 128, 128)
    weight = gaussian(patch)
    starts = [[0, 32], [0, 64, 128], [0, 64, 128]]

    def run():
        with torch.no_grad():
            acc = torch.zeros(1, 9, 96, 256, 256)
            count = torch.zeros(96, 256, 256)
            for z in starts[0]:
                for y in starts[1]:
                    for x in starts[2]:
                        window = volume[:, :, z : z + 64, y : y + 128, x : x + 128]
                        logits = model.final[0](model.model_down(window)[2])
                        acc[:, :, z : z + 64, y : y + 128, x : x + 128] += logits * weight
                        count[z : z + 64, y : y + 128, x : x + 128] += weight
            return acc / count

    return run


def sgd(params):
    return torch.optim.SGD(params, lr=0.01, momentum=0.99, nesterov=True, weight_decay=3e-5)


CASES = {
    "dformer_train": lambda M, s: train_case(M, 9, 96, [2, 2, 6, 2], [3, 6, 12, 24], (1, 1, s // 2, s, s), sgd),
    "dformer_volume": lambda M, _s: volume_case(M),
}
UNRUNNABLE = {
    "dformer_demo_train": "the official code divides by zero on the demo's 32x64x32 patches (GS-MSA at the 8x8x4 "
    "stage: W // group 8 = 0)",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("case", choices=sorted([*CASES, *UNRUNNABLE]))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--side", type=int, default=128, help="dformer_train: the patch is (side/2) x side x side")
    args = parser.parse_args()
    M, why = official()
    why = UNRUNNABLE.get(args.case, why)
    if M is None or args.case in UNRUNNABLE:
        print(json.dumps({"case": args.case, "skipped": why}))
        return
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    print(json.dumps(timed(args.case, lambda: CASES[args.case](M, args.side), args.repeats)))

if __name__ == "__main__":
    main()

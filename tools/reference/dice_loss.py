#!/usr/bin/python3
"""Reference values of TransUNet / HiFormer's DiceLoss (HiFormer utils.py, called with softmax=True) for segvit's DiceLoss.

What it produces (relative to the project root)
-----------------------------------------------
spec/fixtures/losses/dice_loss.json  two cases (random logits 2x5x6x7 with labels 0..4; the same with class weights),
                                     each {logits (NCHW), label, weight, loss, grad (dloss/dlogits, NCHW)}, float64

How to run: with a checkout of the official repository (git clone https://github.com/amirhossein-kz/HiFormer) and an
interpreter that has torch and numpy (Debian's python3-torch), from the project root:

    /usr/bin/python3 tools/reference/dice_loss.py /path/to/HiFormer
"""

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hiformer_reference  # noqa: E402  (its import_official puts the official files beside their stand-ins)

ROOT = hiformer_reference.ROOT
OUT = os.path.join(ROOT, 'spec', 'fixtures', 'losses', 'dice_loss.json')


def case(dice_loss_class, generator, weight):
    logits = torch.randn((2, 5, 6, 7), generator=generator, dtype=torch.float64) * 2
    label = torch.randint(0, 5, (2, 6, 7), generator=generator)
    logits.requires_grad_(True)
    loss = dice_loss_class(5)(logits, label, weight=weight, softmax=True)
    loss.backward()
    return {
        'logits': {'shape': list(logits.shape), 'data': logits.detach().reshape(-1).tolist()},
        'label': {'shape': list(label.shape), 'data': label.reshape(-1).tolist()},
        'weight': weight,
        'loss': loss.item(),
        'grad': {'shape': list(logits.shape), 'data': logits.grad.reshape(-1).tolist()},
    }


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    cwd = os.getcwd()
    blobs = hiformer_reference.import_official(os.path.abspath(sys.argv[1]))
    import utils  # the official utils.py
    os.chdir(cwd)
    generator = torch.Generator().manual_seed(15)
    fixture = {
        'generator': 'tools/reference/dice_loss.py',
        'torch': torch.__version__,
        'official': {'repo': 'github:amirhossein-kz/HiFormer', 'utils.py': blobs['utils.py']},
        'cases': [case(utils.DiceLoss, generator, None), case(utils.DiceLoss, generator, [0.5, 1, 2, 0, 1.5])],
    }
    with open(OUT, 'w') as f:
        json.dump(fixture, f)
    print(f"wrote {OUT}: losses {[c['loss'] for c in fixture['cases']]}")


if __name__ == '__main__':
    main()

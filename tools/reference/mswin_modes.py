#!/usr/bin/python3
"""Reference outputs of MSwin's MultiSwinHead in its three modes (par, seq, crs), from the official code.

The shared fixture mswin-a covers mode 'par' inside a full model; this script covers every mode on a small head,
on maps that the windows do not divide and that are smaller than the largest window. It runs the official files
`mmseg/models/decode_heads/mswin_head.py` and `mmseg/models/backbones/swin.py` of github.com/yutao1008/MSwin (commit
2a4fe731) as they are, beside the mmcv 1.4 stand-ins of tools/reference/mmcv14_standins/, in float64 and eval mode.

What it produces (relative to the project root)
-----------------------------------------------
spec/fixtures/mswin/params.json parameter counts of the official models behind configs/mswin/* on ADE20K (Swin-S and
                                Swin-B backbones, each head mode, the FCN auxiliary head, from the mmcv stand-ins: the fork does not ship it)
spec/fixtures/mswin/modes.json  for each mode: a random state dict in the official names, four input levels
                                (2x8x10x7, 2x16x5x4, 2x32x3x2, 2x64x2x1) and the head's logits (2x3x10x7)

Tensors are {"shape", "data"} in PyTorch layouts (NCHW, [out, in] Linear weights), data row-major, 7 significant
digits; parameters (BatchNorm statistics included) are drawn at random so that every one matters, and the outputs
are computed in float64 on the stored (quantised) values.

How to run: with a checkout of the official repository (git clone https://github.com/yutao1008/MSwin) and an
interpreter that has torch (Debian's python3-torch), from the project root:

    /usr/bin/python3 tools/reference/mswin_modes.py /path/to/MSwin
"""

import hashlib
import json
import os
import shutil
import sys
import tempfile

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STANDINS = os.path.join(ROOT, 'tools', 'reference', 'mmcv14_standins')
OUT = os.path.join(ROOT, 'spec', 'fixtures', 'mswin', 'modes.json')
GENERATOR = 'tools/reference/mswin_modes.py'
OFFICIAL_FILES = ['mmseg/models/decode_heads/mswin_head.py', 'mmseg/models/backbones/swin.py']
PARAMS_OUT = os.path.join(ROOT, 'spec', 'fixtures', 'mswin', 'params.json')
# configs/_base_/models/mswin.py and the Swin-B overrides of configs/mswin/*base*, ADE20K's 150 classes
SWIN_S = dict(pretrain_img_size=224, embed_dims=96, patch_size=4, window_size=7, mlp_ratio=4, depths=[2, 2, 18, 2],
              num_heads=[3, 6, 12, 24], strides=(4, 2, 2, 2), out_indices=(0, 1, 2, 3), qkv_bias=True, qk_scale=None,
              patch_norm=True, drop_rate=0., attn_drop_rate=0., drop_path_rate=0.3, use_abs_pos_embed=False,
              act_cfg=dict(type='GELU'), norm_cfg=dict(type='LN', requires_grad=True), pretrain_style='official')
SWIN_B = dict(SWIN_S, pretrain_img_size=384, embed_dims=128, num_heads=[4, 8, 16, 32], window_size=12)
MSWIN_HEAD = dict(in_index=[0, 1, 2, 3], num_heads=8, channels=512, window_sizes=[5, 7, 12], num_classes=150,
                  norm_cfg=dict(type='LN', requires_grad=True), align_corners=False)
AUX_CHANNELS = 256
DTYPE = torch.float64
HEAD = dict(in_channels=[8, 16, 32, 64], in_index=[0, 1, 2, 3], channels=8, num_heads=2, window_sizes=[3, 5, 12],
            num_classes=3, dropout_ratio=0.1, align_corners=False)
LEVELS = [(2, 8, 10, 7), (2, 16, 5, 4), (2, 32, 3, 2), (2, 64, 2, 1)]


def _fmt(v):
    return float('%.7g' % v)


def quantize(t):
    return torch.tensor([_fmt(v) for v in t.reshape(-1).tolist()], dtype=DTYPE).reshape(t.shape)


def tensor_json(t):
    t = t.detach().contiguous().to(torch.float32)
    return {'shape': list(t.shape), 'data': [_fmt(v) for v in t.reshape(-1).tolist()]}


def git_blob(path):
    data = open(path, 'rb').read()
    return hashlib.sha1(b'blob %d\0' % len(data) + data).hexdigest()


def import_official(checkout):
    """The official head module, imported from a temporary tree of the stand-ins plus the two official files."""
    tree = tempfile.mkdtemp(prefix='mswin-reference-')
    shutil.copytree(STANDINS, tree, dirs_exist_ok=True)
    blobs = {}
    for rel in OFFICIAL_FILES:
        shutil.copy(os.path.join(checkout, rel), os.path.join(tree, rel))
        blobs[rel] = git_blob(os.path.join(checkout, rel))
    sys.path.insert(0, tree)
    from mmseg.models.decode_heads import mswin_head
    return mswin_head, blobs


def randomize(module, generator):
    """Weights N(0, 1/fan_in), vectors N(0, 0.3^2) (norm weights around 1), BN running_var in [0.5, 2]."""
    with torch.no_grad():
        for name, t in module.state_dict().items():
            if name.endswith(('num_batches_tracked', 'relative_position_index')):
                continue
            if name.endswith('running_var'):
                v = 0.5 + 1.5 * torch.rand(t.shape, generator=generator, dtype=DTYPE)
            elif t.dim() >= 2 and 'relative_position_bias_table' not in name:
                v = torch.randn(t.shape, generator=generator, dtype=DTYPE) / (t[0].numel() ** 0.5)
            else:
                v = torch.randn(t.shape, generator=generator, dtype=DTYPE) * (0.5 if 'relative_position' in name else 0.3)
                if name.endswith('weight') and t.dim() == 1:
                    v = v + 1
            t.copy_(quantize(v))


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    mswin_head, blobs = import_official(sys.argv[1])
    generator = torch.Generator().manual_seed(14)
    cases = {}
    for mode in ('par', 'seq', 'crs'):
        head = mswin_head.MultiSwinHead(mode=mode, norm_cfg=dict(type='LN', requires_grad=True), **HEAD).to(DTYPE).eval()
        randomize(head, generator)
        inputs = [quantize(torch.randn(shape, generator=generator, dtype=DTYPE)) for shape in LEVELS]
        with torch.no_grad():
            out = head(inputs)
        cases[mode] = {
            'state_dict': {k: tensor_json(v) for k, v in head.state_dict().items() if 'relative_position_index' not in k},
            'io': {**{f'in{i}': tensor_json(x) for i, x in enumerate(inputs)}, 'out': tensor_json(out)},
        }
        print(f'{mode}: {sum(p.numel() for p in head.parameters())} parameters, out {list(out.shape)}')
    fixture = {
        'generator': GENERATOR,
        'torch': torch.__version__,
        'official': {'repo': 'github:yutao1008/MSwin', 'commit': '2a4fe731145f73a1a0d856125ab9b3819c1a3a7a', 'blobs': blobs},
        'config': {'type': 'MultiSwinHead', 'norm_cfg': {'type': 'LN', 'requires_grad': True}, **HEAD},
        'cases': cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
    print(f'wrote {OUT} ({os.path.getsize(OUT) // 1024} KiB)')
    write_param_counts(mswin_head, blobs)


def write_param_counts(mswin_head, blobs):
    """Parameters of the official Swin-S / Swin-B + MultiSwinHead (each mode) + FCN auxiliary head on ADE20K."""
    from mmseg.models.backbones.swin import SwinTransformer
    from mmcv.cnn import ConvModule
    count = lambda m: sum(p.numel() for p in m.parameters())
    counts = {}
    for size, swin in (('small', SWIN_S), ('base', SWIN_B)):
        backbone = count(SwinTransformer(**swin))
        dims = [swin['embed_dims'] * 2 ** i for i in range(4)]
        # mmseg's FCNHead with num_convs 1 and no concat_input (the fork does not ship it): one 3x3 ConvModule + conv_seg
        aux = count(ConvModule(dims[2], AUX_CHANNELS, 3, padding=1, norm_cfg=dict(type='SyncBN'))) + \
            count(torch.nn.Conv2d(AUX_CHANNELS, MSWIN_HEAD['num_classes'], 1))
        for mode in ('par', 'seq', 'crs'):
            head = count(mswin_head.MultiSwinHead(mode=mode, in_channels=dims, **MSWIN_HEAD))
            counts[f'{mode}_{size}'] = {'backbone': backbone, 'decode_head': head, 'auxiliary_head': aux,
                                        'total': backbone + head + aux}
            print(f'{mode} {size}: {counts[f"{mode}_{size}"]}')
    with open(PARAMS_OUT, 'w') as f:
        json.dump({'generator': GENERATOR, 'torch': torch.__version__, 'official_blobs': blobs, 'num_classes': 150,
                   'params': counts}, f, indent=1)
    print(f'wrote {PARAMS_OUT}')


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Reference facts for segvit's HiFormer and ResNet, from the official HiFormer code (github amirhossein-kz/HiFormer).

It runs the official files models/Encoder.py, models/Decoder.py, models/HiFormer.py, utils.py and
configs/HiFormer_configs.py as they are, beside the stand-ins of tools/reference/hiformer_standins/ (torchvision's
ResNets, timm's Block, einops, ml_collections; see its README). When the shared fixture hiformer-a (made with the real
torchvision and timm) is present, the stand-ins are first checked to reproduce it.

What it produces (relative to the project root)
-----------------------------------------------
spec/fixtures/hiformer/reference.json
  params   the official parameter counts (`get_n_params`, shared tensors once) of HiFormer-S / B / L with 9 classes:
           total, All2Cross, decoder; and of torchvision's ResNets without avgpool / fc
  hashed   outputs on weights and inputs that are a hash of (tensor name, element index), so that the spec can make the
           same tensors (spec/helpers/hashed-weights.ts) without storing them:
           - resnet50: layer1..layer4 on a 1x3x30x22 input;
           - hiformer_b, hiformer_l: level1_tokens, level2_tokens (All2Cross outputs [B, 1+N, C]) and output (NCHW logits)
             on a 1x3x224x224 input;
           - hiformer_s_112: the same for HiFormer-S built for 112x112, whose last Swin stage (7x7) is no larger than the
             window and so attends unshifted over the whole map;
           each as {shape, max_abs, stride, samples}: every stride-th element of the row-major tensor, computed in float64.

How to run: with a checkout of the official repository (git clone https://github.com/amirhossein-kz/HiFormer) and an
interpreter that has torch and numpy (Debian's python3-torch), from the project root:

    /usr/bin/python3 tools/reference/hiformer_reference.py /path/to/HiFormer
"""

import hashlib
import json
import math
import os
import shutil
import struct
import sys
import tempfile

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
STANDINS = os.path.join(ROOT, 'tools', 'reference', 'hiformer_standins')
OUT = os.path.join(ROOT, 'spec', 'fixtures', 'hiformer', 'reference.json')
FIXTURE = os.path.join(os.environ.get('SEGVIT_FIXTURES', os.path.join(os.path.dirname(ROOT), 'shared', 'fixtures')), 'hiformer-a')
GENERATOR = 'tools/reference/hiformer_reference.py'
OFFICIAL_FILES = ['models/Encoder.py', 'models/Decoder.py', 'models/HiFormer.py', 'utils.py', 'configs/HiFormer_configs.py']
SWIN_CHECKPOINT = 'weights/swin_tiny_patch4_window7_224.pth'
# keys of the official state dicts that repeat other tensors (p2 / p3 = resnet_layers.5 / .6; conv_tower = convs_level)
# or are recomputed buffers
SKIPPED = ('.p2.', '.p3.', '.conv_tower.', 'attn_mask', 'relative_position_index', 'num_batches_tracked')
M32 = 0xFFFFFFFF


def git_blob(path):
    data = open(path, 'rb').read()
    return hashlib.sha1(b'blob %d\0' % len(data) + data).hexdigest()


def import_official(checkout):
    """A temporary tree of the stand-ins plus the official files, on sys.path and as the working directory (the config
    module reads ./weights/)."""
    tree = tempfile.mkdtemp(prefix='hiformer-reference-')
    shutil.copytree(STANDINS, tree, dirs_exist_ok=True)
    blobs = {}
    for rel in OFFICIAL_FILES:
        os.makedirs(os.path.join(tree, os.path.dirname(rel)), exist_ok=True)
        shutil.copy(os.path.join(checkout, rel), os.path.join(tree, rel))
        blobs[rel] = git_blob(os.path.join(checkout, rel))
    sys.path.insert(0, tree)
    os.chdir(tree)
    return blobs


def write_swin_checkpoint(img_size):
    """A Swin-T-shaped checkpoint for PyramidFeatures to load (the official code reads swin_tiny_patch4_window7_224.pth;
    All2Cross then re-initialises every Linear and LayerNorm of it, so only its shapes matter here), with the attention
    masks of `img_size`."""
    from models.Encoder import SwinTransformer
    state = SwinTransformer(img_size).state_dict()
    for i, dim in ((0, 96), (1, 192)):
        state[f'layers.{i}.downsample.reduction.weight'] = torch.zeros(2 * dim, 4 * dim)
        state[f'layers.{i}.downsample.norm.weight'] = torch.ones(4 * dim)
        state[f'layers.{i}.downsample.norm.bias'] = torch.zeros(4 * dim)
    os.makedirs(os.path.dirname(SWIN_CHECKPOINT), exist_ok=True)
    torch.save({'model': state}, SWIN_CHECKPOINT)


def hiformer(variant, img_size=224, classes=9):
    import configs.HiFormer_configs as configs
    from models.HiFormer import HiFormer
    write_swin_checkpoint(img_size)
    config = getattr(configs, f'get_hiformer_{variant}_configs')()
    config.resnet_pretrained = False
    config.image_size = img_size
    return HiFormer(config, img_size=img_size, n_classes=classes)


# --- the hash that spec/helpers/hashed-weights.ts computes too ---

def fnv1a(name):
    h = 0x811C9DC5
    for byte in name.encode():
        h = ((h ^ byte) * 0x01000193) & M32
    return h


def uniform(name, n):
    """n values in [-1, 1): fmix32(fnv1a(name) ^ (i+1)·0x9E3779B9 mod 2^32) / 2^32 · 2 - 1, i = 0 .. n-1."""
    i = np.arange(1, n + 1, dtype=np.uint64)
    h = np.uint64(fnv1a(name)) ^ ((i * np.uint64(0x9E3779B9)) & np.uint64(M32))
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & np.uint64(M32)
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & np.uint64(M32)
    h ^= h >> np.uint64(16)
    return h.astype(np.float64) / 2 ** 32 * 2 - 1


def hashed(name, shape):
    """The float32 values of tensor `name` (PyTorch shape): running_var 0.75 + 0.25u, running_mean 0.1u, weights of rank
    >= 2 u·sqrt(3/fan_in) (position embeddings and bias tables 0.1u), norm weights 1 + 0.1u, other vectors 0.1u."""
    n = int(np.prod(shape))
    u = uniform(name, n)
    if name.endswith('running_var'):
        v = 0.75 + 0.25 * u
    elif name.endswith('running_mean') or 'pos_embed' in name or 'relative_position_bias_table' in name:
        v = 0.1 * u
    elif len(shape) >= 2:
        v = math.sqrt(3 / (n / shape[0])) * u
    elif name.endswith('weight'):
        v = 1 + 0.1 * u
    else:
        v = 0.1 * u
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def fill_hashed(model):
    with torch.no_grad():
        for name, t in model.state_dict().items():
            if not any(s in name for s in SKIPPED):
                t.copy_(hashed(name, list(t.shape)))


def sampled(t, stride):
    flat = t.detach().reshape(-1).to(torch.float64)
    return {'shape': list(t.shape), 'max_abs': flat.abs().max().item(), 'stride': stride,
            'samples': [float('%.9g' % v) for v in flat[::stride].tolist()]}


# --- the records ---

def param_counts():
    from utils import get_n_params
    import torchvision
    counts = {}
    for variant in ('s', 'b', 'l'):
        model = hiformer(variant)
        total, encoder = get_n_params(model), get_n_params(model.All2Cross)
        counts[f'hiformer_{variant}'] = {'total': total, 'All2Cross': encoder, 'decoder': total - encoder,
                                         'pyramid': get_n_params(model.All2Cross.pyramid)}
        print(f'HiFormer-{variant.upper()}: {counts[f"hiformer_{variant}"]}')
    for depth in (18, 34, 50, 101, 152):
        resnet = getattr(torchvision.models, f'resnet{depth}')()
        counts[f'resnet{depth}'] = sum(p.numel() for m in list(resnet.children())[:-2] for p in m.parameters())
    return counts


def hashed_resnet50():
    import torchvision
    resnet = torchvision.models.resnet50().double().eval()
    fill_hashed(resnet)
    x = hashed('input', [1, 3, 30, 22]).double()
    out = {}
    with torch.no_grad():
        h = resnet.maxpool(resnet.relu(resnet.bn1(resnet.conv1(x))))
        for i in range(1, 5):
            h = getattr(resnet, f'layer{i}')(h)
            out[f'layer{i}'] = sampled(h, 7)
    return out


def hashed_hiformer(variant, img_size=224):
    model = hiformer(variant, img_size).double().eval()
    fill_hashed(model)
    x = hashed('input', [1, 3, img_size, img_size]).double()
    with torch.no_grad():
        levels = model.All2Cross(x)
        output = model(x)
    names = ('level1_tokens', 'level2_tokens', 'output')
    return {name: sampled(t, 101) for name, t in zip(names, (*levels, output))}


def read_safetensors(path):
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dtypes = {'F16': np.float16, 'F32': np.float32}
    return {k: torch.from_numpy(np.frombuffer(data[v['data_offsets'][0]:v['data_offsets'][1]], dtypes[v['dtype']])
                                .astype(np.float32).reshape(v['shape']))
            for k, v in header.items() if k != '__metadata__'}


def check_standins():
    """The official HiFormer-S on the stand-ins against the shared fixture hiformer-a (real torchvision and timm)."""
    if not os.path.isdir(FIXTURE):
        print(f'stand-ins not checked: {FIXTURE} is absent')
        return None
    model = hiformer('s').eval()
    missing, unexpected = model.load_state_dict(read_safetensors(os.path.join(FIXTURE, 'weights.safetensors')), strict=False)
    assert not unexpected and all(any(s in k for s in SKIPPED) for k in missing), (missing, unexpected)
    io = read_safetensors(os.path.join(FIXTURE, 'io.safetensors'))
    with torch.no_grad():
        errors = {'output': (model(io['input']) - io['output']).abs().max().item() / io['output'].abs().max().item()}
    print(f'stand-ins reproduce hiformer-a: relative max error {errors}')
    assert errors['output'] < 1e-5
    return errors


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    checkout = os.path.abspath(sys.argv[1])
    blobs = import_official(checkout)
    torch.manual_seed(0)
    standins = check_standins()
    record = {
        'generator': GENERATOR,
        'torch': torch.__version__,
        'official': {'repo': 'github:amirhossein-kz/HiFormer', 'blobs': blobs},
        'standins_vs_hiformer_a': standins,
        'params': param_counts(),
        'hashed': {'resnet50': hashed_resnet50(), 'hiformer_b': hashed_hiformer('b'), 'hiformer_l': hashed_hiformer('l'),
                   'hiformer_s_112': hashed_hiformer('s', 112)},
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as f:
        json.dump(record, f, separators=(',', ':'))
    print(f'wrote {OUT} ({os.path.getsize(OUT) // 1024} KiB)')


if __name__ == '__main__':
    main()

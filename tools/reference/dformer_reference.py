#!/usr/bin/python3
"""Reference facts for segvit's D-Former port, from the official D-Former code (github kkk55596/D-Former, model.py).

The official model.py is imported as it is from $DFORMER_REPO (default /tmp/dformer; it is not copied into this repo),
after tools/reference/dformer_standins/ (einops.rearrange, timm.models.layers: DropPath, to_3tuple, trunc_normal_; see
its README) is put first on sys.path.

What it produces (relative to the project root)
-----------------------------------------------
spec/fixtures/dformer/reference.json
  params         sum of p.numel() of SegNetwork for
                 - default_14: SegNetwork(num_classes=14) as official (final convs hard-coded to 14 channels);
                 - default_9:  the same with final[i][1] replaced by Conv3d(C, 9, 1, bias=False);
                 - fixture_a:  embed 24, depths [2,2,2,2], heads [1,2,2,4], 9 classes. NOTE: the official SegNetwork does
                   not pass embed_dim to DFormer3D, so as constructed its backbone is embed 96 while its `final` heads
                   are built for 24 (its forward then fails). `params` is the consistent model (model_down rebuilt
                   with embed_dim=24); `params_as_constructed` is the official construction as is.
  padded         config, shapes, max |.| and the per-block code paths ("padded_blocks") of the padded.safetensors case.
spec/fixtures/dformer/padded.safetensors  (float32, tensors sorted by name)
  - every state_dict tensor (official names model_down.*, final.*; PyTorch layouts) of SegNetwork(num_classes=2,
    embed_dim=8, depths [2,2,2,2], heads [1,2,2,4], patch (2,4,4), group (2,8,8)) whose model_down is rebuilt as
    DFormer3D(..., embed_dim=8, interval_list=[8,8,8,8]) and whose final[i][1] convs have 2 outputs; every parameter
    randomised with torch.manual_seed(0): Linear/Conv weights ~ N(0, 0.2), LayerNorm weights ~ 1 + N(0, 0.1),
    biases ~ N(0, 0.1);
  - input [1,1,16,96,64] ~ N(0,1) (torch.manual_seed(1)), NCDHW;
  - dpad_input [1,1,16,64,64] (torch.manual_seed(2)) and dpad_output, the official full-resolution output: its
    4x8x8 GS stage pads D only and builds no mask;
  - output [2,2,16,96,64], ds1 [2,2,8,48,32], ds2 [2,2,4,24,16]: eval mode, no_grad (output and ds1 checked equal to
    the official forward's deep-supervision tuple, which has only those two);
  - loss = (output**2).mean() of a fresh train-mode forward (all dropout / drop-path rates are 0) and grad.<name> for
    a few parameters.
  Each forward runs on a fresh copy.deepcopy of the model, because DFormerBlock3D mutates itself (gsm, group_size)
  when H < group_size[1].

How to run, from the project root (torch 1.13 + numpy; no einops / timm / safetensors needed):

    DFORMER_REPO=/tmp/dformer /usr/bin/python3 tools/reference/dformer_reference.py
"""

import copy
import importlib
import json
import os
import struct
import sys
from functools import reduce
from operator import mul

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, 'spec', 'fixtures', 'dformer')

GRAD_NAMES = [
    'model_down.patch_embed.proj.weight',
    'model_down.layers.0.pos_block.proj.0.weight',
    'model_down.layers.0.pos_block.proj.0.bias',
    'model_down.layers.1.blocks.1.attn.qkv.weight',
    'model_down.layers_up.1.blocks.0.mlp.fc1.weight',
    'model_down.concat_back_dim.2.weight',
    'final.0.0.expand.weight',
    'final.0.1.weight',
]


def import_official():
    repo = os.environ.get('DFORMER_REPO', '/tmp/dformer')
    if not os.path.isfile(os.path.join(repo, 'model.py')):
        sys.exit('no model.py in %s (set DFORMER_REPO to a checkout of github kkk55596/D-Former)' % repo)
    sys.path.insert(0, repo)
    sys.path.insert(0, os.path.join(HERE, 'dformer_standins'))
    return importlib.import_module('model'), repo


def check_standins():
    """The einops stand-in against explicit view/permute for the patterns model.py uses."""
    from einops import rearrange
    g = torch.Generator().manual_seed(5)
    x = torch.randn(2, 3, 4, 5, 6, generator=g)
    assert torch.equal(rearrange(x, 'b c d h w -> b d h w c'), x.permute(0, 2, 3, 4, 1))
    assert torch.equal(rearrange(x, 'n c d h w -> n d h w c'), x.permute(0, 2, 3, 4, 1))
    assert torch.equal(rearrange(x, 'b d h w c -> b c d h w'), x.permute(0, 4, 1, 2, 3))
    y = torch.randn(2, 3, 4, 5, 2 * 4 * 4 * 3, generator=g)
    got = rearrange(y, 'b d h w (p0 p1 p2 c)-> b (d p0) (h p1) (w p2) c', p0=2, p1=4, p2=4, c=3)
    want = y.view(2, 3, 4, 5, 2, 4, 4, 3).permute(0, 1, 4, 2, 5, 3, 6, 7).reshape(2, 6, 16, 20, 3)
    assert torch.equal(got, want)


def count(model):
    return int(sum(p.numel() for p in model.parameters()))


def replace_final(model, num_classes):
    for seq in model.final:
        seq[1] = nn.Conv3d(seq[1].in_channels, num_classes, kernel_size=1, bias=False)


def backbone_args(embed_dim, depths, heads, patch, group, in_chan=1):
    # exactly what SegNetwork passes to DFormer3D, plus embed_dim (which SegNetwork omits)
    return dict(pretrained=None, in_chans=in_chan, embed_dim=embed_dim, group_size=group, patch_size=patch,
                depths=depths, num_heads=heads)


def param_counts(M):
    out = {}
    m = M.SegNetwork(num_classes=14)
    out['default_14'] = {
        'config': {'num_classes': 14, 'in_chan': 1, 'embed_dim': 96, 'depths': [2, 2, 6, 2],
                   'num_heads': [3, 6, 12, 24], 'patch_size': [2, 4, 4], 'group_size': [2, 8, 8],
                   'interval_list': [8, 4, 2, 1], 'final_out_channels': 14,
                   'how': 'SegNetwork(num_classes=14) as official (final convs hard-code 14 outputs)'},
        'params': count(m), 'params_model_down': count(m.model_down), 'params_final': count(m.final)}
    replace_final(m, 9)
    out['default_9'] = {
        'config': dict(out['default_14']['config'], num_classes=9, final_out_channels=9,
                       how='SegNetwork(num_classes=9), then final[i][1] = Conv3d(C, 9, 1, bias=False)'),
        'params': count(m), 'params_model_down': count(m.model_down), 'params_final': count(m.final)}
    del m

    cfg = dict(embed_dim=24, depths=[2, 2, 2, 2], num_heads=[1, 2, 2, 4], patch_size=(2, 4, 4), group_size=(2, 8, 8))
    m = M.SegNetwork(num_classes=9, in_chan=1, **cfg)
    replace_final(m, 9)
    as_constructed = count(m)
    as_constructed_down_embed = m.model_down.embed_dim
    as_constructed_down = count(m.model_down)
    error = None
    try:
        with torch.no_grad():
            m.eval()(torch.zeros(1, 1, 16, 32, 32))
    except Exception as e:  # expected: the heads are built for 24 channels, the backbone emits 96
        error = '%s: %s' % (type(e).__name__, e)
    m.model_down = M.DFormer3D(**backbone_args(24, cfg['depths'], cfg['num_heads'], cfg['patch_size'],
                                               cfg['group_size']))
    with torch.no_grad():
        m.eval()(torch.zeros(1, 1, 16, 32, 32))  # the consistent model runs
    out['fixture_a'] = {
        'config': {'num_classes': 9, 'in_chan': 1, 'embed_dim': 24, 'depths': cfg['depths'],
                   'num_heads': cfg['num_heads'], 'patch_size': [2, 4, 4], 'group_size': [2, 8, 8],
                   'interval_list': [8, 4, 2, 1], 'final_out_channels': 9,
                   'how': 'SegNetwork(num_classes=9, embed_dim=24, depths=[2,2,2,2], num_heads=[1,2,2,4]); '
                          'final[i][1] = Conv3d(C, 9, 1, bias=False); model_down rebuilt as DFormer3D(pretrained=None, '
                          'in_chans=1, embed_dim=24, group_size, patch_size, depths, num_heads) because SegNetwork '
                          'does not pass embed_dim to DFormer3D'},
        'params': count(m), 'params_model_down': count(m.model_down), 'params_final': count(m.final),
        'params_as_constructed': as_constructed,
        'as_constructed_note': 'official SegNetwork(embed_dim=24) builds model_down with embed_dim %d (%d params) '
                               'and final heads for 24 channels; its forward fails: %s'
                               % (as_constructed_down_embed, as_constructed_down, error),
    }
    del m
    return out


def randomise(model, seed=0):
    torch.manual_seed(seed)
    done = set()
    with torch.no_grad():
        for mname, mod in model.named_modules():
            own = dict(mod.named_parameters(recurse=False))
            if not own:
                continue
            if isinstance(mod, (nn.Linear, nn.Conv3d)):
                mod.weight.normal_(0.0, 0.2)
                if mod.bias is not None:
                    mod.bias.normal_(0.0, 0.1)
            elif isinstance(mod, nn.LayerNorm):
                mod.weight.normal_(0.0, 0.1).add_(1.0)
                mod.bias.normal_(0.0, 0.1)
            else:
                raise TypeError('unexpected module with parameters: %s %s' % (mname, type(mod).__name__))
            for p in own.values():
                done.add(id(p))
    missing = [n for n, p in model.named_parameters() if id(p) not in done]
    assert not missing, missing


def instrument(M, model, log):
    """Record each DFormerBlock3D call's effective arithmetic (recomputed as model.py does it) and, from the actual
    Attention call, whether a mask was passed."""
    for name, mod in model.named_modules():
        if not isinstance(mod, M.DFormerBlock3D):
            continue

        def part1(x, _blk=mod, _name=name, _orig=mod.forward_part1):
            B, D, H, W, C = x.shape
            gsm_before, gs_before = _blk.gsm, tuple(_blk.group_size)
            gsm, gs = gsm_before, gs_before
            if H < gs[1]:
                gsm, gs = 0, (D, H, W)
            size_div = (_blk.interval,) * 3 if gsm == 1 else gs
            pad = [(s - n % s) % s for s, n in zip(size_div, (D, H, W))]
            Dp, Hp, Wp = D + pad[0], H + pad[1], W + pad[2]
            rec = {'block': _name, 'dhw': [D, H, W], 'channels': C, 'gsm_configured': gsm_before, 'gsm': gsm,
                   'mode': 'GS-MSA' if gsm == 1 else 'LS-MSA', 'group_size': list(gs),
                   'mutated': (gsm, gs) != (gsm_before, gs_before), 'interval': _blk.interval,
                   'size_div': list(size_div), 'pad_d_b_r': pad, 'padded_dhw': [Dp, Hp, Wp]}
            if gsm == 0:
                rec['groups_per_sample'] = (Dp * Hp * Wp) // reduce(mul, size_div)
                rec['tokens_per_group'] = reduce(mul, size_div)
                rec['expect_mask'] = any(pad)
            else:
                I = [Dp // gs[0], Hp // gs[1], Wp // gs[2]]
                rec['gs_interval_dhw'] = I
                rec['gs_group_dhw'] = [Dp // I[0], Hp // I[1], Wp // I[2]]
                rec['groups_per_sample'] = reduce(mul, I)
                rec['tokens_per_group'] = reduce(mul, rec['gs_group_dhw'])
                rec['expect_mask'] = pad[1] > 0 or pad[2] > 0  # GS masks only if H or W is padded
            rec['d_padding_unmasked'] = pad[0] > 0 and not rec['expect_mask']
            rec['global_single_group'] = rec['groups_per_sample'] == 1
            log.append(rec)
            y = _orig(x)
            assert (_blk.gsm, tuple(_blk.group_size)) == (gsm, gs), (_name, _blk.gsm, _blk.group_size)
            return y

        def attn_forward(x, mask=None, _orig=mod.attn.forward):
            rec = log[-1]
            rec['mask_used'] = mask is not None
            rec['attn_batch_tokens'] = [int(x.shape[0]), int(x.shape[1])]
            if mask is not None:
                masked = (mask[:, 0, :] < 0)  # rows are identical: keys are masked, not queries
                rec['masked_keys_per_group_max'] = int(masked.sum(1).max())
                rec['groups_with_masked_keys'] = int(masked.any(1).sum())
                rec['fully_masked_groups'] = int(masked.all(1).sum())
            return _orig(x, mask=mask)

        mod.forward_part1 = part1
        mod.attn.forward = attn_forward


def write_safetensors(path, tensors, metadata):
    header, chunks, offset = {'__metadata__': metadata}, [], 0
    for name in sorted(tensors):
        data = np.ascontiguousarray(tensors[name].detach().cpu().float().numpy()).astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(tensors[name].shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))


def read_safetensors(path):
    with open(path, 'rb') as f:
        raw = f.read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    base = 8 + n
    return {k: np.frombuffer(raw[base + v['data_offsets'][0]:base + v['data_offsets'][1]], '<f4').reshape(v['shape'])
            for k, v in header.items() if k != '__metadata__'}


def padded_case(M):
    depths, heads, patch, group = [2, 2, 2, 2], [1, 2, 2, 4], (2, 4, 4), (2, 8, 8)
    model = M.SegNetwork(num_classes=2, in_chan=1, embed_dim=8, depths=depths, num_heads=heads, patch_size=patch,
                         group_size=group)
    model.model_down = M.DFormer3D(interval_list=[8, 8, 8, 8], **backbone_args(8, depths, heads, patch, group))
    replace_final(model, 2)
    blocks = [b for layers in (model.model_down.layers, list(model.model_down.layers_up)[1:]) for l in layers
              for b in l.blocks]
    assert len(blocks) == 2 * sum(depths) - depths[0] and all(b.interval == 8 for b in blocks)
    randomise(model, 0)
    model.eval()
    fresh = copy.deepcopy(model)  # pristine (unmutated) copy kept for every forward below

    torch.manual_seed(1)
    x = torch.randn(1, 1, 16, 96, 64)

    # eval, direct: all three heads
    log = []
    m_eval = copy.deepcopy(fresh).eval()
    instrument(M, m_eval, log)
    with torch.no_grad():
        out = m_eval.model_down(x)
        seg = [m_eval.final[-(i + 1)](out[i]) for i in range(3)]
    output, ds1, ds2 = seg[2], seg[1], seg[0]
    print('decoder features:', [tuple(o.shape) for o in out])
    for rec in log:
        assert rec['mask_used'] == rec['expect_mask'], rec

    # eval, official forward on its own fresh copy
    m_off = copy.deepcopy(fresh).eval()
    with torch.no_grad():
        official = m_off(x)
    assert isinstance(official, tuple) and len(official) == 2
    assert torch.equal(official[0], output) and torch.equal(official[1], ds1)

    # a second input whose 4×8×8 GS stage pads only D: no mask, the zero-padded tokens are keys (the official quirk)
    torch.manual_seed(2)
    x_dpad = torch.randn(1, 1, 16, 64, 64)
    dpad_log = []
    m_dpad = copy.deepcopy(fresh).eval()
    instrument(M, m_dpad, dpad_log)
    with torch.no_grad():
        dpad_output = m_dpad(x_dpad)[0]
    for rec in dpad_log:
        assert rec['mask_used'] == rec['expect_mask'], rec
    assert any(r['mode'] == 'GS-MSA' and r['pad_d_b_r'][0] > 0 and not r['mask_used'] for r in dpad_log)

    # train, fresh copy: loss and gradients
    m_train = copy.deepcopy(fresh).train()
    y = m_train(x)[0]
    loss = (y ** 2).mean()
    loss.backward()
    params = dict(m_train.named_parameters())
    grads = {'grad.' + n: params[n].grad.detach().clone() for n in GRAD_NAMES}
    train_vs_eval = float((y.detach() - output).abs().max())

    tensors = {k: v.detach().clone() for k, v in fresh.state_dict().items()}
    assert set(tensors) == set(n for n, _ in fresh.named_parameters())  # no buffers
    tensors.update({'input': x, 'output': output, 'ds1': ds1, 'ds2': ds2, 'loss': loss.detach().reshape(1),
                    'dpad_input': x_dpad, 'dpad_output': dpad_output})
    tensors.update(grads)
    for k, v in tensors.items():
        assert torch.isfinite(v).all(), k
    info = {
        'config': {'num_classes': 2, 'in_chan': 1, 'embed_dim': 8, 'depths': depths, 'num_heads': heads,
                   'patch_size': list(patch), 'group_size': list(group), 'interval_list': [8, 8, 8, 8],
                   'mlp_ratio': 4.0, 'qkv_bias': True, 'patch_norm': True, 'drop_rates': 0.0},
        'how': 'SegNetwork(num_classes=2, in_chan=1, embed_dim=8, depths=[2,2,2,2], num_heads=[1,2,2,4], '
               'patch_size=(2,4,4), group_size=(2,8,8)); then model.model_down = DFormer3D(pretrained=None, '
               'in_chans=1, embed_dim=8, group_size=(2,8,8), patch_size=(2,4,4), depths, num_heads, '
               'interval_list=[8,8,8,8]) (SegNetwork passes neither embed_dim nor interval_list, so the backbone is '
               'rebuilt; every DFormerBlock3D in layers and layers_up has interval 8); final[i][1] = '
               'Conv3d(C, 2, 1, bias=False); then torch.manual_seed(0) and, module by module in named_modules() '
               'order, Linear/Conv3d weight ~ N(0,0.2) then bias ~ N(0,0.1), LayerNorm weight ~ 1+N(0,0.1) then '
               'bias ~ N(0,0.1)',
        'input': 'torch.manual_seed(1); torch.randn(1,1,16,96,64)',
        'dpad_input': 'torch.manual_seed(2); torch.randn(1,1,16,64,64); dpad_output = the official forward[0] in eval '
                      '(a fresh copy): its 4x8x8 GS stage pads D only, unmasked',
        'outputs': 'eval, no_grad: out = model.model_down(x); seg = [model.final[-(i+1)](out[i]) for i in 0..2]; '
                   'output = seg[2], ds1 = seg[1], ds2 = seg[0]; output, ds1 equal the official forward tuple',
        'loss': 'train mode, fresh deepcopy: (model(x)[0] ** 2).mean(); grads of ' + ', '.join(GRAD_NAMES),
        'shapes': {k: list(v.shape) for k, v in sorted(tensors.items()) if not k.startswith('model_down.')
                   and not k.startswith('final.')},
        'max_abs': {k: float(tensors[k].abs().max()) for k in ['input', 'output', 'ds1', 'ds2'] + sorted(grads)},
        'loss_value': float(loss),
        'train_vs_eval_max_abs_diff': train_vs_eval,
        'num_params': count(fresh),
        'padded_blocks': log,
        'dpad_blocks': dpad_log,
    }
    return tensors, info


def main():
    M, repo = import_official()
    check_standins()
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)

    counts = param_counts(M)
    for k, v in counts.items():
        print('%-10s params %d' % (k, v['params']), '(as constructed: %d)' % v['params_as_constructed']
              if 'params_as_constructed' in v else '')

    tensors, info = padded_case(M)
    path = os.path.join(OUT, 'padded.safetensors')
    write_safetensors(path, tensors, {'source': 'tools/reference/dformer_reference.py',
                                      'official': 'github kkk55596/D-Former model.py'})
    back = read_safetensors(path)
    assert set(back) == set(tensors)
    for k, v in tensors.items():
        assert np.array_equal(back[k], v.detach().numpy()), k
    size = os.path.getsize(path)
    info['file_bytes'] = size

    ref = {'source': 'github kkk55596/D-Former model.py (imported from DFORMER_REPO=%s) with '
                     'tools/reference/dformer_standins' % repo,
           'torch': torch.__version__,
           'params': counts,
           'padded': info}
    with open(os.path.join(OUT, 'reference.json'), 'w') as f:
        json.dump(ref, f, indent=1)
        f.write('\n')

    for k, s in info['shapes'].items():
        print('%-55s %s' % (k, s))
    print('max |output| %.6g  |ds1| %.6g  |ds2| %.6g  loss %.6g  train-vs-eval %.3g'
          % (info['max_abs']['output'], info['max_abs']['ds1'], info['max_abs']['ds2'], info['loss_value'],
             info['train_vs_eval_max_abs_diff']))
    for r in info['padded_blocks']:
        print('%-38s dhw %-12s %s gsm %d%s group %-12s pad %-10s groups %4d x %4d tokens mask %s'
              % (r['block'], r['dhw'], r['mode'], r['gsm'], ' (mutated)' if r['mutated'] else '          ',
                 r['group_size'], r['pad_d_b_r'], r['groups_per_sample'], r['tokens_per_group'], r['mask_used']))
    print('padded.safetensors: %d bytes (%.2f MB), %d tensors' % (size, size / 1e6, len(tensors)))


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""Reference fixtures for the TensorFlow.js port of PyTorch layers (lib/nn).

What it produces
----------------
One JSON file per layer family in spec/fixtures/nn/ (relative to the project root):

    linear.json  conv2d.json  conv_transpose2d.json  conv3d.json  layer_norm.json
    batch_norm2d.json  group_norm.json  gelu.json  mlp.json  interpolate.json
    adaptive_avg_pool2d.json

Every file has the form

    {"generator": "tools/reference/nn_layers.py",
     "torch": "<torch.__version__>",
     "cases": [{"name": "...", "args": {...}, "tensors": {"<key>": {"shape": [...], "data": [...]}}}]}

* "args" holds the PyTorch constructor arguments (or functional-op keyword arguments)
  under their PyTorch names, defaults included.
* Each tensor is {"shape": [...], "data": [flat row-major numbers, 7 significant digits]}.
* Tensor keys:
    x               the input
    g               fixed random tensor with y's shape; the loss is L = sum(y * g)
    <param>         each parameter under its PyTorch name (weight, bias, fc1.weight, ...)
    y               the output
    x.grad          dL/dx
    <param>.grad    dL/d<param>, in the same layout as the parameter
  batch_norm2d cases additionally have: running_mean.init, running_var.init (the buffers
  before any forward), x2, y2 (second train-mode forward), running_mean.after1,
  running_var.after1 (after the first forward), running_mean, running_var,
  num_batches_tracked (after both train-mode forwards, shape [] for the counter),
  x3 and y_eval (eval-mode output on x3 using those running statistics).
  Gradients there come from the first forward (train mode, batch statistics).

Storage convention (channels last, TF.js weight layouts)
-------------------------------------------------------
  images   NCHW  -> NHWC            volumes  NCDHW -> NDHWC
  Linear.weight           [out, in]             -> [in, out]
  Conv2d.weight           [out, in/g, kh, kw]   -> [kh, kw, in/g, out]
  Conv3d.weight           [out, in/g, kd, kh, kw] -> [kd, kh, kw, in/g, out]
  ConvTranspose2d.weight  [in, out, kh, kw]     -> [kh, kw, out, in]
  1-D parameters (biases, norm weights) and tokens [..., C] are unchanged.
  Depthwise convs follow the Conv2d rule, i.e. [kh, kw, 1, out] (out = in * multiplier,
  output channel o reads input channel o // multiplier).

Numerics
--------
torch.manual_seed(0) once, then cases in a fixed order. All parameters and inputs are
drawn with torch.randn (not the default init, so every parameter matters) and are then
quantised to exactly the values written to JSON (float32, 7 significant digits), so the
stored inputs are the ones the reference was computed from. All computation is float64;
results are cast to float32 at the end and written with 7 significant digits.

How to run
----------
From the project root, with the Debian PyTorch (apt-get install python3-torch):

    python3 tools/reference/nn_layers.py

("python3" must be an interpreter that has torch, e.g. /usr/bin/python3 when a pyenv shim
shadows it.) Only the standard library and torch are used. Output is deterministic for
a given torch build.
"""

import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT_DIR = os.path.join(ROOT, 'spec', 'fixtures', 'nn')
GENERATOR = 'tools/reference/nn_layers.py'
DTYPE = torch.float64

# ---------------------------------------------------------------------------
# Numbers and layouts
# ---------------------------------------------------------------------------


def _fmt(v):
    return float('%.7g' % v)


def quantize(t):
    """Round to float32, then to 7 significant digits (the stored value), back as float64."""
    flat = [_fmt(v) for v in t.detach().to(torch.float32).reshape(-1).tolist()]
    return torch.tensor(flat, dtype=DTYPE).reshape(t.shape)


def randn(*shape):
    return quantize(torch.randn(*shape, dtype=DTYPE))


# Permutation from the PyTorch layout to the stored (TF.js) layout.
LAYOUTS = {
    None: None,
    'NCHW': (0, 2, 3, 1),          # -> NHWC
    'NCDHW': (0, 2, 3, 4, 1),      # -> NDHWC
    'linear': (1, 0),              # [out, in] -> [in, out]
    'conv2d': (2, 3, 1, 0),        # [out, in/g, kh, kw] -> [kh, kw, in/g, out]
    'conv3d': (2, 3, 4, 1, 0),     # [out, in/g, kd, kh, kw] -> [kd, kh, kw, in/g, out]
    'conv_t2d': (2, 3, 1, 0),      # [in, out, kh, kw] -> [kh, kw, out, in]
}


def tensor_json(t, layout=None):
    t = t.detach()
    perm = LAYOUTS[layout]
    if perm is not None:
        t = t.permute(*perm)
    t = t.contiguous().to(torch.float32)
    return {'shape': list(t.shape), 'data': [_fmt(v) for v in t.reshape(-1).tolist()]}


def image_layout(t, channels_first=True):
    """Layout key for an activation: rank 4 is NCHW, rank 5 is NCDHW, others (tokens) as is."""
    if not channels_first:
        return None
    return {4: 'NCHW', 5: 'NCDHW'}.get(t.dim())


def param_layout(module, pname):
    if not pname.endswith('weight'):
        return None
    owner = module.get_submodule(pname.rsplit('.', 1)[0]) if '.' in pname else module
    if isinstance(owner, nn.Linear):
        return 'linear'
    if isinstance(owner, nn.ConvTranspose2d):
        return 'conv_t2d'
    if isinstance(owner, nn.Conv2d):
        return 'conv2d'
    if isinstance(owner, nn.Conv3d):
        return 'conv3d'
    return None  # norm weights are 1-D


# ---------------------------------------------------------------------------
# Generic case runners
# ---------------------------------------------------------------------------


def randomize_params(module):
    module.to(DTYPE)
    with torch.no_grad():
        for _, p in module.named_parameters():
            p.copy_(randn(*p.shape))


def module_case(name, args, module, x_shape, channels_first=True):
    """Random params, random x, forward, backward of sum(y * g); everything recorded.

    channels_first=False for layers that already work on [..., C] (LayerNorm, Linear, Mlp).
    """
    randomize_params(module)
    x = randn(*x_shape).requires_grad_(True)
    y = module(x)
    g = randn(*y.shape)
    (y * g).sum().backward()
    lay = image_layout(x, channels_first)
    ylay = image_layout(y, channels_first)
    tensors = {'x': tensor_json(x, lay), 'g': tensor_json(g, ylay)}
    params = list(module.named_parameters())
    for pname, p in params:
        tensors[pname] = tensor_json(p, param_layout(module, pname))
    tensors['y'] = tensor_json(y, ylay)
    tensors['x.grad'] = tensor_json(x.grad, lay)
    for pname, p in params:
        tensors[pname + '.grad'] = tensor_json(p.grad, param_layout(module, pname))
    return {'name': name, 'args': args, 'tensors': tensors}


def function_case(name, args, fn, x, channels_first=True):
    """Parameter-free op: x, g, y and dL/dx."""
    x = x.clone().requires_grad_(True)
    y = fn(x)
    g = randn(*y.shape)
    (y * g).sum().backward()
    lay, ylay = image_layout(x, channels_first), image_layout(y, channels_first)
    tensors = {'x': tensor_json(x, lay), 'g': tensor_json(g, ylay), 'y': tensor_json(y, ylay),
               'x.grad': tensor_json(x.grad, lay)}
    return {'name': name, 'args': args, 'tensors': tensors}


# ---------------------------------------------------------------------------
# Families
# ---------------------------------------------------------------------------


def linear_cases():
    cases = []
    for name, bias, x_shape in [
        ('Linear 5->3 with bias', True, (2, 5)),
        ('Linear 5->3 without bias', False, (2, 5)),
        ('Linear 5->3 rank-3 input', True, (2, 4, 5)),
    ]:
        args = {'in_features': 5, 'out_features': 3, 'bias': bias}
        cases.append(module_case(name, args, nn.Linear(**args), x_shape, channels_first=False))
    return cases


def conv2d_args(cin, cout, k, stride=1, padding=0, dilation=1, groups=1, bias=True):
    return {'in_channels': cin, 'out_channels': cout, 'kernel_size': k, 'stride': stride,
            'padding': padding, 'dilation': dilation, 'groups': groups, 'bias': bias,
            'padding_mode': 'zeros'}


def _torch_args(args):
    return {k: (tuple(v) if isinstance(v, list) else v) for k, v in args.items()}


def conv2d_cases():
    specs = [
        # name, args, input NCHW
        ('Conv2d k3 s1 p1', conv2d_args(3, 4, 3, padding=1), (2, 3, 7, 6)),
        # k3 s2 p0: 9 rows are covered exactly (rows 0..8); 10 columns -> last column dropped
        ('Conv2d k3 s2 p0 (last column dropped)', conv2d_args(3, 4, 3, stride=2), (2, 3, 9, 10)),
        ('Conv2d k4 s4 p0 (patch embedding)', conv2d_args(3, 5, 4, stride=4), (2, 3, 8, 12)),
        ('Conv2d k1', conv2d_args(6, 3, 1), (2, 6, 5, 7)),
        ('Conv2d k3 dilation 2 padding 2', conv2d_args(3, 4, 3, padding=2, dilation=2), (2, 3, 9, 8)),
        # effective kernel 5: rows (9+2-5)/2 -> 4 exact; columns (10+2-5)/2 -> 3.5, last column dropped
        ('Conv2d k3 dilation 2 padding 1 stride 2',
         conv2d_args(2, 3, 3, stride=2, padding=1, dilation=2), (2, 2, 9, 10)),
        ('Conv2d groups 2 (4->6)', conv2d_args(4, 6, 3, padding=1, groups=2), (2, 4, 6, 5)),
        ('Conv2d depthwise (4->4, groups 4) k3 p1', conv2d_args(4, 4, 3, padding=1, groups=4), (2, 4, 6, 7)),
        ('Conv2d depthwise multiplier 2 (3->6, groups 3) k3 p1',
         conv2d_args(3, 6, 3, padding=1, groups=3), (2, 3, 7, 5)),
        ("Conv2d padding 'same' k5", conv2d_args(2, 3, 5, padding='same'), (2, 2, 6, 7)),
        ('Conv2d rectangular kernel (3,1) padding (1,0)',
         conv2d_args(3, 4, [3, 1], padding=[1, 0]), (2, 3, 6, 5)),
        ('Conv2d k3 p1 without bias', conv2d_args(3, 4, 3, padding=1, bias=False), (2, 3, 5, 6)),
    ]
    return [module_case(n, a, nn.Conv2d(**_torch_args(a)), s) for n, a, s in specs]


def conv_transpose2d_cases():
    def a(cin, cout, k, stride=1, padding=0, output_padding=0):
        return {'in_channels': cin, 'out_channels': cout, 'kernel_size': k, 'stride': stride,
                'padding': padding, 'output_padding': output_padding, 'groups': 1, 'bias': True,
                'dilation': 1, 'padding_mode': 'zeros'}
    specs = [
        ('ConvTranspose2d k4 s4 (DPT style)', a(5, 3, 4, stride=4), (2, 5, 3, 4)),
        ('ConvTranspose2d k2 s2', a(4, 3, 2, stride=2), (2, 4, 5, 3)),
        ('ConvTranspose2d k3 s2 p1 output_padding 1', a(3, 4, 3, stride=2, padding=1, output_padding=1),
         (2, 3, 5, 6)),
        ('ConvTranspose2d k3 s1 p1', a(3, 4, 3, padding=1), (2, 3, 5, 7)),
    ]
    return [module_case(n, a_, nn.ConvTranspose2d(**a_), s) for n, a_, s in specs]


def conv3d_cases():
    def a(cin, cout, k, stride=1, padding=0, dilation=1):
        return {'in_channels': cin, 'out_channels': cout, 'kernel_size': k, 'stride': stride,
                'padding': padding, 'dilation': dilation, 'groups': 1, 'bias': True,
                'padding_mode': 'zeros'}
    specs = [
        ('Conv3d k3 p1', a(3, 4, 3, padding=1), (2, 3, 5, 6, 5)),
        ('Conv3d k(1,3,3) s(1,2,2) p(0,1,1)', a(3, 4, [1, 3, 3], stride=[1, 2, 2], padding=[0, 1, 1]),
         (2, 3, 3, 7, 6)),
        ('Conv3d k2 s2 (odd sizes, last slice dropped)', a(2, 3, 2, stride=2), (2, 2, 5, 6, 7)),
        ('Conv3d k3 dilation 2 padding 2', a(2, 3, 3, padding=2, dilation=2), (2, 2, 5, 6, 5)),
    ]
    return [module_case(n, a_, nn.Conv3d(**_torch_args(a_)), s) for n, a_, s in specs]


def layer_norm_cases():
    cases = []
    for name, eps in [('LayerNorm(6) eps 1e-5', 1e-5), ('LayerNorm(6) eps 1e-6', 1e-6)]:
        args = {'normalized_shape': [6], 'eps': eps, 'elementwise_affine': True}
        cases.append(module_case(name, args, nn.LayerNorm(6, eps=eps), (2, 3, 4, 6), channels_first=False))
    return cases


def batch_norm_case(name, momentum):
    args = {'num_features': 4, 'eps': 1e-5, 'momentum': momentum, 'affine': True,
            'track_running_stats': True}
    bn = nn.BatchNorm2d(4, eps=1e-5, momentum=momentum)
    randomize_params(bn)  # weight, bias; buffers keep their defaults (0, 1, 0)
    tensors = {'running_mean.init': tensor_json(bn.running_mean),
               'running_var.init': tensor_json(bn.running_var)}
    shape = (2, 4, 5, 7)
    bn.train()
    x = randn(*shape).requires_grad_(True)
    y = bn(x)
    g = randn(*y.shape)
    (y * g).sum().backward()
    after1 = (bn.running_mean.clone(), bn.running_var.clone())
    x2 = randn(*shape)
    with torch.no_grad():
        y2 = bn(x2)
    bn.eval()
    x3 = randn(*shape)
    with torch.no_grad():
        y_eval = bn(x3)
    tensors.update({
        'x': tensor_json(x, 'NCHW'), 'g': tensor_json(g, 'NCHW'),
        'weight': tensor_json(bn.weight), 'bias': tensor_json(bn.bias),
        'y': tensor_json(y, 'NCHW'),
        'x.grad': tensor_json(x.grad, 'NCHW'),
        'weight.grad': tensor_json(bn.weight.grad), 'bias.grad': tensor_json(bn.bias.grad),
        'running_mean.after1': tensor_json(after1[0]), 'running_var.after1': tensor_json(after1[1]),
        'x2': tensor_json(x2, 'NCHW'), 'y2': tensor_json(y2, 'NCHW'),
        'running_mean': tensor_json(bn.running_mean), 'running_var': tensor_json(bn.running_var),
        'num_batches_tracked': tensor_json(bn.num_batches_tracked),
        'x3': tensor_json(x3, 'NCHW'), 'y_eval': tensor_json(y_eval, 'NCHW'),
    })
    return {'name': name, 'args': args, 'tensors': tensors}


def batch_norm_cases():
    return [batch_norm_case('BatchNorm2d(4) momentum 0.1', 0.1),
            batch_norm_case('BatchNorm2d(4) momentum None (cumulative average)', None)]


def group_norm_cases():
    args = {'num_groups': 2, 'num_channels': 6, 'eps': 1e-5, 'affine': True}
    return [
        module_case('GroupNorm(2, 6) image', args, nn.GroupNorm(2, 6), (2, 6, 5, 7)),
        module_case('GroupNorm(2, 6) volume', args, nn.GroupNorm(2, 6), (2, 6, 3, 5, 4)),
    ]


def gelu_cases():
    args = {'approximate': 'none'}
    grid = quantize(torch.linspace(-6, 6, 98, dtype=DTYPE).reshape(2, 49))
    rand = quantize((torch.rand(2, 3, 5, dtype=DTYPE) * 12 - 6))
    return [
        function_case('GELU exact, linspace [-6, 6]', args, nn.GELU(approximate='none'), grid,
                      channels_first=False),
        function_case('GELU exact, uniform [-6, 6]', args, nn.GELU(approximate='none'), rand,
                      channels_first=False),
    ]


class Mlp(nn.Module):
    """timm Mlp without dropout: fc1 -> GELU -> fc2."""

    def __init__(self, in_features, hidden_features, out_features):
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden_features, out_features)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


def mlp_cases():
    args = {'in_features': 6, 'hidden_features': 24, 'out_features': 6, 'act_layer': 'GELU',
            'bias': True, 'drop': 0.0}
    return [module_case('Mlp 6 -> 24 -> 6 on tokens [2, 7, 6]', args, Mlp(6, 24, 6), (2, 7, 6),
                        channels_first=False)]


def interpolate_cases():
    cases = []
    for align in (False, True):
        for (h, w), size in [((5, 7), [10, 14]), ((5, 7), [8, 11]), ((9, 9), [4, 5])]:
            args = {'size': size, 'mode': 'bilinear', 'align_corners': align}
            name = 'bilinear align_corners %s %dx%d -> %dx%d' % (align, h, w, size[0], size[1])
            fn = lambda x, a=args: F.interpolate(x, size=tuple(a['size']), mode='bilinear',
                                                 align_corners=a['align_corners'])
            cases.append(function_case(name, args, fn, randn(2, 3, h, w)))
    for size in ([10, 14], [8, 11]):
        args = {'size': size, 'mode': 'nearest'}
        name = 'nearest 5x7 -> %dx%d' % tuple(size)
        fn = lambda x, s=size: F.interpolate(x, size=tuple(s), mode='nearest')
        cases.append(function_case(name, args, fn, randn(2, 3, 5, 7)))
    # bicubic: Swin's absolute_pos_embed resize and relative_position_bias_table interpolation
    for align in (False, True):
        for (h, w), size in [((5, 7), [10, 14]), ((5, 7), [8, 11]), ((13, 13), [23, 23]), ((9, 9), [4, 5])]:
            args = {'size': size, 'mode': 'bicubic', 'align_corners': align}
            name = 'bicubic align_corners %s %dx%d -> %dx%d' % (align, h, w, size[0], size[1])
            fn = lambda x, a=args: F.interpolate(x, size=tuple(a['size']), mode='bicubic',
                                                 align_corners=a['align_corners'])
            cases.append(function_case(name, args, fn, randn(1, 2, h, w)))
    return cases


def adaptive_avg_pool2d_cases():
    cases = []
    for h, w in [(16, 16), (7, 10)]:
        for out in (1, 2, 3, 6):
            args = {'output_size': out}
            name = 'adaptive_avg_pool2d %dx%d -> %dx%d' % (h, w, out, out)
            fn = lambda x, o=out: F.adaptive_avg_pool2d(x, o)
            cases.append(function_case(name, args, fn, randn(2, 3, h, w)))
    return cases


FAMILIES = [
    ('linear', linear_cases),
    ('conv2d', conv2d_cases),
    ('conv_transpose2d', conv_transpose2d_cases),
    ('conv3d', conv3d_cases),
    ('layer_norm', layer_norm_cases),
    ('batch_norm2d', batch_norm_cases),
    ('group_norm', group_norm_cases),
    ('gelu', gelu_cases),
    ('mlp', mlp_cases),
    ('interpolate', interpolate_cases),
    ('adaptive_avg_pool2d', adaptive_avg_pool2d_cases),
]


def main():
    torch.manual_seed(0)
    os.makedirs(OUT_DIR, exist_ok=True)
    for family, make in FAMILIES:
        doc = {'generator': GENERATOR, 'torch': torch.__version__, 'cases': make()}
        path = os.path.join(OUT_DIR, family + '.json')
        with open(path, 'w') as f:
            json.dump(doc, f, separators=(',', ':'), allow_nan=False)
            f.write('\n')
        print('%-28s %3d cases %8d bytes' % (os.path.relpath(path, ROOT), len(doc['cases']),
                                              os.path.getsize(path)))


if __name__ == '__main__':
    main()

#!/usr/bin/python3
"""PyTorch side of `npm run bench` (spec/bench/run.ts): the same cases as segvit, timed the same way.

What it runs
------------
A re-implementation of the official Swin-Transformer-Semantic-Segmentation backbone (window attention with a
relative position bias, shifted windows with the region mask, right/bottom zero padding to the window size,
PatchMerging, a LayerNorm per output stage) and of mmseg's UPerHead and FCNHead (PPM with pool scales 1, 2, 3, 6,
lateral and FPN ConvModules with BN + ReLU, bottleneck, conv_seg; bilinear resizes with align_corners=False), as
configured by mmseg's upernet_swin ADE20K config (150 classes, auxiliary FCN head on stage 3 with weight 0.4).
Written from the papers and the official code's documented structure (see shared/reference/architectures.md).

Cases (one per process, so each one's memory is its own):
    conv_wgrad          weight gradient of a 3x3 conv 64->64 on 2x64x64x64 (loss: sum of the output)
    swin_fwd_224        Swin-T backbone forward, 1x3x224x224, eval mode, no autograd
    swin_fwd_512        the same at 512x512
    swin_train_224      Swin-T backbone forward + backward, 2x3x224x224, train mode (drop path 0.2),
                        loss = sum of the four outputs' sums
    upernet_train       Swin-T + UPerNet + FCN aux, forward, CE losses, backward and an AdamW step
                        (lr 6e-5, weight decay 0.01, none on norms and bias tables), batch 1, --side S

Output: one JSON line {"case", "ms" (median of --repeats after one warm-up), "peak_mb", "torch", "threads"}.

peak_mb is the growth of the process's peak resident set size (resource.getrusage ru_maxrss) from just before the
case builds its model to the end of its last repeat: weights, activations, gradients, optimizer state and what
PyTorch's allocator keeps, without the Python interpreter and the torch libraries themselves.

The backbone reproduces the official outputs of the swin-a fixture (official code, padded 96x96 input):
    /usr/bin/python3 tools/reference/bench_swin.py check --fixture ../shared/fixtures/swin-a

Run with Debian's python3-torch:  /usr/bin/python3 tools/reference/bench_swin.py swin_fwd_224 --repeats 3
"""
import argparse
import json
import resource
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

THREADS = 2  # segvit's machine has 2 cores; torch gets both


# ---------------------------------------------------------------- window maths ----------------------------------------


def window_partition(x, ws):
    """(B, H, W, C) -> (B * H/ws * W/ws, ws*ws, C), windows row-major, batch-major."""
    b, h, w, c = x.shape
    x = x.view(b, h // ws, ws, w // ws, ws, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(-1, ws * ws, c)


def window_reverse(windows, ws, h, w):
    """Inverse of window_partition: (B * nW, ws*ws, C) -> (B, H, W, C)."""
    c = windows.shape[-1]
    b = windows.shape[0] // ((h // ws) * (w // ws))
    x = windows.view(b, h // ws, w // ws, ws, ws, c).permute(0, 1, 3, 2, 4, 5)
    return x.reshape(b, h, w, c)


def relative_position_index(ws):
    """(ws*ws, ws*ws): row of the bias table for query i and key j, (dh + ws-1) * (2ws-1) + (dw + ws-1)."""
    rows, cols = torch.meshgrid(torch.arange(ws), torch.arange(ws), indexing="ij")
    coords = torch.stack([rows.flatten(), cols.flatten()])  # 2, N
    rel = coords[:, :, None] - coords[:, None, :]  # 2, N, N
    return (rel[0] + ws - 1) * (2 * ws - 1) + (rel[1] + ws - 1)


def shift_mask(hp, wp, ws, shift):
    """(nW, N, N) mask of the shifted windows: 0 within a region, -100 across the 9 regions of the rolled map."""
    regions = torch.zeros(1, hp, wp, 1)
    label = 0
    for hs in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
        for wsl in (slice(0, -ws), slice(-ws, -shift), slice(-shift, None)):
            regions[:, hs, wsl, :] = label
            label += 1
    windows = window_partition(regions, ws).squeeze(-1)  # nW, N
    diff = windows[:, None, :] - windows[:, :, None]
    return diff.masked_fill(diff != 0, -100.0).masked_fill(diff == 0, 0.0)


# ---------------------------------------------------------------- Swin backbone ---------------------------------------


class DropPath(nn.Module):
    """Stochastic depth per sample."""

    def __init__(self, p):
        super().__init__()
        self.p = p

    def forward(self, x):
        if self.p == 0.0 or not self.training:
            return x
        keep = 1.0 - self.p
        mask = x.new_empty((x.shape[0],) + (1,) * (x.ndim - 1)).bernoulli_(keep)
        return x * mask / keep


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class WindowAttention(nn.Module):
    """Multi-head self-attention inside ws x ws windows, with a learnt relative position bias."""

    def __init__(self, dim, ws, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.relative_position_bias_table = nn.Parameter(torch.zeros((2 * ws - 1) ** 2, heads))
        nn.init.trunc_normal_(self.relative_position_bias_table, std=0.02)
        self.register_buffer("relative_position_index", relative_position_index(ws), persistent=False)
        self.qkv = nn.Linear(dim, dim * 3)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, mask=None):
        bw, n, c = x.shape  # windows, tokens per window, channels
        qkv = self.qkv(x).reshape(bw, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0] * self.scale, qkv[1], qkv[2]
        attn = q @ k.transpose(-2, -1)  # bw, heads, n, n
        bias = self.relative_position_bias_table[self.relative_position_index.view(-1)]
        attn = attn + bias.view(n, n, -1).permute(2, 0, 1).unsqueeze(0)
        if mask is not None:
            nw = mask.shape[0]
            attn = attn.view(bw // nw, nw, self.heads, n, n) + mask[None, :, None]
            attn = attn.view(bw, self.heads, n, n)
        x = (attn.softmax(dim=-1) @ v).transpose(1, 2).reshape(bw, n, c)
        return self.proj(x)


class SwinBlock(nn.Module):
    """Pre-norm block: (shifted) window attention, then MLP, each with a residual and drop path."""

    def __init__(self, dim, heads, ws, shift, drop_path):
        super().__init__()
        self.ws, self.shift = ws, shift
        self.norm1 = nn.LayerNorm(dim)
        self.attn = WindowAttention(dim, ws, heads)
        self.drop_path = DropPath(drop_path)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = Mlp(dim, 4 * dim)

    def forward(self, x, h, w, mask):
        b, _, c = x.shape
        ws, shift = self.ws, self.shift
        y = self.norm1(x).view(b, h, w, c)
        y = F.pad(y, (0, 0, 0, (ws - w % ws) % ws, 0, (ws - h % ws) % ws))  # zeros right/bottom, not masked
        hp, wp = y.shape[1], y.shape[2]
        if shift:
            y = torch.roll(y, shifts=(-shift, -shift), dims=(1, 2))
        y = self.attn(window_partition(y, ws), mask if shift else None)
        y = window_reverse(y, ws, hp, wp)
        if shift:
            y = torch.roll(y, shifts=(shift, shift), dims=(1, 2))
        y = y[:, :h, :w, :].reshape(b, h * w, c)
        x = x + self.drop_path(y)
        return x + self.drop_path(self.mlp(self.norm2(x)))


class PatchMerging(nn.Module):
    """2x2 neighbours concatenated (x0 [0::2, 0::2], x1 [1::2, 0::2], x2 [0::2, 1::2], x3 [1::2, 1::2]), LN, 4C -> 2C."""

    def __init__(self, dim):
        super().__init__()
        self.reduction = nn.Linear(4 * dim, 2 * dim, bias=False)
        self.norm = nn.LayerNorm(4 * dim)

    def forward(self, x, h, w):
        b, _, c = x.shape
        x = F.pad(x.view(b, h, w, c), (0, 0, 0, w % 2, 0, h % 2))
        x = torch.cat([x[:, 0::2, 0::2], x[:, 1::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 1::2]], dim=-1)
        return self.reduction(self.norm(x.view(b, -1, 4 * c)))


class BasicLayer(nn.Module):
    """One stage: blocks alternating W-MSA and SW-MSA, then PatchMerging (all but the last stage)."""

    def __init__(self, dim, depth, heads, ws, drop_paths, downsample):
        super().__init__()
        self.ws = ws
        self.blocks = nn.ModuleList(
            SwinBlock(dim, heads, ws, 0 if j % 2 == 0 else ws // 2, drop_paths[j]) for j in range(depth)
        )
        self.downsample = PatchMerging(dim) if downsample else None

    def forward(self, x, h, w):
        """Returns the stage output (before merging) and the merged tokens with their size."""
        ws = self.ws
        mask = shift_mask(-(-h // ws) * ws, -(-w // ws) * ws, ws, ws // 2).to(x.dtype)
        for block in self.blocks:
            x = block(x, h, w, mask)
        if self.downsample is None:
            return x, x, h, w
        return x, self.downsample(x, h, w), (h + 1) // 2, (w + 1) // 2


class PatchEmbed(nn.Module):
    def __init__(self, dim, patch=4):
        super().__init__()
        self.patch = patch
        self.proj = nn.Conv2d(3, dim, patch, stride=patch)
        self.norm = nn.LayerNorm(dim)

    def forward(self, x):
        _, _, h, w = x.shape
        p = self.patch
        x = self.proj(F.pad(x, (0, (p - w % p) % p, 0, (p - h % p) % p)))
        h, w = x.shape[2], x.shape[3]
        return self.norm(x.flatten(2).transpose(1, 2)), h, w


class SwinTransformer(nn.Module):
    """The segmentation backbone: NCHW maps of the four stages, each after its own LayerNorm norm{i}."""

    def __init__(self, embed_dims=96, depths=(2, 2, 6, 2), heads=(3, 6, 12, 24), ws=7, drop_path_rate=0.2):
        super().__init__()
        self.patch_embed = PatchEmbed(embed_dims)
        dpr = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        dims = [embed_dims * 2**i for i in range(4)]
        self.layers = nn.ModuleList(
            BasicLayer(dims[i], depths[i], heads[i], ws, dpr[sum(depths[:i]) : sum(depths[: i + 1])], i < 3)
            for i in range(4)
        )
        for i, d in enumerate(dims):
            self.add_module(f"norm{i}", nn.LayerNorm(d))
        self.dims = dims

    def forward(self, x):
        x, h, w = self.patch_embed(x)
        outs = []
        for i, layer in enumerate(self.layers):
            out, x, nh, nw = layer(x, h, w)
            out = getattr(self, f"norm{i}")(out)
            outs.append(out.view(-1, h, w, self.dims[i]).permute(0, 3, 1, 2).contiguous())
            h, w = nh, nw
        return outs


# ---------------------------------------------------------------- mmseg heads -----------------------------------------


def resize(x, size):
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class BatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d without F.batch_norm's refusal of one value per channel in training.

    With batch 1, the PPM's 1x1 pooled map has one value per channel: mmseg's SyncBN gets one per GPU, nn.BatchNorm2d
    raises, segvit normalises it (variance 0, so the output is the BN bias). This computes what segvit computes.
    """

    def forward(self, x):
        if self.training:
            self.num_batches_tracked.add_(1)
        return torch.batch_norm(
            x, self.weight, self.bias, self.running_mean, self.running_var, self.training, self.momentum, self.eps, False
        )


class ConvModule(nn.Module):
    """mmcv's conv (no bias) + BN + ReLU."""

    def __init__(self, cin, cout, k):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=k // 2, bias=False)
        self.bn = BatchNorm2d(cout)
        self.activate = nn.ReLU(inplace=True)

    def forward(self, x):
        return self.activate(self.bn(self.conv(x)))


class UPerHead(nn.Module):
    """PPM on the last map, FPN top-down over laterals, fused at 1/4, conv_seg."""

    def __init__(self, in_channels=(96, 192, 384, 768), channels=512, num_classes=150, pool_scales=(1, 2, 3, 6)):
        super().__init__()
        self.psp_modules = nn.ModuleList(
            nn.Sequential(nn.AdaptiveAvgPool2d(s), ConvModule(in_channels[-1], channels, 1)) for s in pool_scales
        )
        self.bottleneck = ConvModule(in_channels[-1] + len(pool_scales) * channels, channels, 3)
        self.lateral_convs = nn.ModuleList(ConvModule(c, channels, 1) for c in in_channels[:-1])
        self.fpn_convs = nn.ModuleList(ConvModule(channels, channels, 3) for _ in in_channels[:-1])
        self.fpn_bottleneck = ConvModule(len(in_channels) * channels, channels, 3)
        self.dropout = nn.Dropout2d(0.1)
        self.conv_seg = nn.Conv2d(channels, num_classes, 1)

    def forward(self, inputs):
        top = inputs[-1]
        psp = [top] + [resize(m(top), top.shape[2:]) for m in self.psp_modules]
        laterals = [conv(inputs[i]) for i, conv in enumerate(self.lateral_convs)]
        laterals.append(self.bottleneck(torch.cat(psp, dim=1)))
        for i in range(len(laterals) - 1, 0, -1):
            laterals[i - 1] = laterals[i - 1] + resize(laterals[i], laterals[i - 1].shape[2:])
        outs = [conv(laterals[i]) for i, conv in enumerate(self.fpn_convs)] + [laterals[-1]]
        outs = [outs[0]] + [resize(o, outs[0].shape[2:]) for o in outs[1:]]
        return self.conv_seg(self.dropout(self.fpn_bottleneck(torch.cat(outs, dim=1))))


class FCNHead(nn.Module):
    """The auxiliary head: one 3x3 ConvModule, no concat of the input, conv_seg."""

    def __init__(self, in_channels=384, channels=256, num_classes=150):
        super().__init__()
        self.convs = nn.Sequential(ConvModule(in_channels, channels, 3))
        self.dropout = nn.Dropout2d(0.1)
        self.conv_seg = nn.Conv2d(channels, num_classes, 1)

    def forward(self, x):
        return self.conv_seg(self.dropout(self.convs(x)))


class UPerNetSwin(nn.Module):
    def __init__(self):
        super().__init__()
        self.backbone = SwinTransformer(drop_path_rate=0.3)
        self.decode_head = UPerHead()
        self.auxiliary_head = FCNHead()

    def loss(self, img, label):
        feats = self.backbone(img)
        size = label.shape[1:]
        ce = lambda logits: F.cross_entropy(resize(logits, size), label, ignore_index=255)
        return ce(self.decode_head(feats)) + 0.4 * ce(self.auxiliary_head(feats[2]))


# ---------------------------------------------------------------- cases -----------------------------------------------


def adamw(model):
    """mmseg's recipe: AdamW 6e-5, weight decay 0.01, none on norms and relative position bias tables."""
    no_decay = [p for n, p in model.named_parameters() if "norm" in n or "relative_position_bias_table" in n]
    ids = {id(p) for p in no_decay}
    decay = [p for p in model.parameters() if id(p) not in ids]
    groups = [{"params": decay}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=6e-5, betas=(0.9, 0.999), weight_decay=0.01)


def conv_wgrad(_side):
    x = torch.randn(2, 64, 64, 64)
    w = torch.randn(64, 64, 3, 3, requires_grad=True)

    def run():
        (grad,) = torch.autograd.grad(F.conv2d(x, w, padding=1).sum(), w)
        return grad

    return run


def swin_forward(side):
    model = SwinTransformer().eval()
    x = torch.randn(1, 3, side, side)

    def run():
        with torch.no_grad():
            return model(x)

    return run


def swin_train(side):
    model = SwinTransformer().train()
    x = torch.randn(2, 3, side, side)

    def run():
        model.zero_grad(set_to_none=True)
        sum(o.sum() for o in model(x)).backward()

    return run


def upernet_train(side):
    model = UPerNetSwin().train()
    optimizer = adamw(model)
    img = torch.randn(1, 3, side, side)
    label = torch.randint(0, 150, (1, side, side))

    def run():
        optimizer.zero_grad(set_to_none=True)
        model.loss(img, label).backward()
        optimizer.step()

    return run


CASES = {
    "conv_wgrad": (conv_wgrad, 64),
    "swin_fwd_224": (swin_forward, 224),
    "swin_fwd_512": (swin_forward, 512),
    "swin_train_224": (swin_train, 224),
    "upernet_train": (upernet_train, 512),
}


def read_safetensors(path):
    """{name: float32 tensor} of a safetensors file (8-byte header length, JSON header, raw little-endian data)."""
    with open(path, "rb") as f:
        raw = f.read()
    size = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + size])
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        assert info["dtype"] == "F32", f"{path}: {name} is {info['dtype']}, expected F32"
        begin, end = info["data_offsets"]
        data = bytearray(raw[8 + size + begin : 8 + size + end])
        out[name] = torch.frombuffer(data, dtype=torch.float32).reshape(info["shape"])
    return out


def check_fixture(folder):
    """Run the backbone on a Swin fixture (official weights, input, outputs) and print the relative error per output."""
    with open(f"{folder}/meta.json") as f:
        cfg = json.load(f)["config"]
    model = SwinTransformer(cfg["embed_dim"], cfg["depths"], cfg["num_heads"], cfg["window_size"], 0.0).eval()
    state = torch.load(f"{folder}/weights.pth", map_location="cpu")
    state = state.get("state_dict", state.get("model", state))
    missing, unexpected = model.load_state_dict(state, strict=False)
    io = read_safetensors(f"{folder}/io.safetensors")
    with torch.no_grad():
        outs = model(io["input"])
    errors = {f"out{i}": float((o - io[f"out{i}"]).abs().max() / io[f"out{i}"].abs().max()) for i, o in enumerate(outs)}
    print(json.dumps({"missing": missing, "unexpected": unexpected, "relative_error": errors}))


def max_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kilobytes


def timed(case, build, repeats):
    """The bench's JSON result of `case`: build its run, one warm-up, the median of `repeats` timed runs, the memory."""
    before = max_rss_mb()
    run = build()
    run()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return {
        "case": case,
        "ms": statistics.median(times),
        "peak_mb": max_rss_mb() - before,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("case", choices=sorted(CASES) + ["check"], help="a case, or check: compare with --fixture")
    parser.add_argument("--fixture", help="for check: a Swin fixture folder (meta.json, weights.pth, io.safetensors)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--side", type=int, help="input side (default: the case's)")
    args = parser.parse_args()
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    if args.case == "check":
        return check_fixture(args.fixture)
    make, default_side = CASES[args.case]
    print(json.dumps(timed(args.case, lambda: make(args.side or default_side), args.repeats)))


if __name__ == "__main__":
    main()

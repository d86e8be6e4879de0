"""mmseg 0.x's PatchEmbed (a patch-sized conv `projection`, then an optional LN `norm`), which its swin.py imports."""
import torch.nn as nn
import torch.nn.functional as F

from mmcv.cnn import build_norm_layer


class PatchEmbed(nn.Module):
    def __init__(self, in_channels=3, embed_dims=768, conv_type=None, kernel_size=16, stride=16, padding=0, dilation=1,
                 pad_to_patch_size=True, norm_cfg=None, init_cfg=None):
        super().__init__()
        self.patch_size = (kernel_size, kernel_size)
        self.pad_to_patch_size = pad_to_patch_size
        self.projection = nn.Conv2d(in_channels, embed_dims, kernel_size, stride or kernel_size, padding, dilation)
        self.norm = build_norm_layer(norm_cfg, embed_dims)[1] if norm_cfg is not None else None

    def forward(self, x):
        h, w = x.shape[2:]
        ph, pw = self.patch_size
        if self.pad_to_patch_size:
            x = F.pad(x, (0, (pw - w % pw) % pw, 0, (ph - h % ph) % ph))
        x = self.projection(x)
        self.DH, self.DW = x.shape[2], x.shape[3]
        x = x.flatten(2).transpose(1, 2)
        return self.norm(x) if self.norm is not None else x


def swin_convert(*args, **kwargs):
    raise NotImplementedError('the references load no pretrained checkpoint')

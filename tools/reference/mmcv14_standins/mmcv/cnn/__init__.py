"""mmcv.cnn: ConvModule, build_norm_layer, build_activation_layer, trunc_normal_init (mmcv 1.4 semantics)."""
import torch.nn as nn

from .bricks.transformer import build_activation_layer


def build_norm_layer(cfg, num_features, postfix=''):
    """(name, layer): LN -> ('ln', LayerNorm eps 1e-5); BN / SyncBN -> ('bn', BatchNorm2d eps 1e-5) on one process."""
    kind = cfg['type']
    eps = cfg.get('eps', 1e-5)
    if kind == 'LN':
        return 'ln' + str(postfix), nn.LayerNorm(num_features, eps=eps)
    if kind in ('BN', 'SyncBN', 'BN2d'):
        return 'bn' + str(postfix), nn.BatchNorm2d(num_features, eps=eps, momentum=cfg.get('momentum', 0.1))
    raise NotImplementedError(f'norm {kind}')


class ConvModule(nn.Module):
    """conv -> norm -> activation; the norm child is named by build_norm_layer ('bn'); bias only without a norm."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias='auto',
                 conv_cfg=None, norm_cfg=None, act_cfg=dict(type='ReLU'), inplace=True, **_):
        super().__init__()
        assert conv_cfg is None
        with_norm = norm_cfg is not None
        self.conv = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups,
                              bias=(not with_norm) if bias == 'auto' else bias)
        self.norm_name = None
        if with_norm:
            self.norm_name, norm = build_norm_layer(norm_cfg, out_channels)
            self.add_module(self.norm_name, norm)
        self.activate = build_activation_layer(act_cfg) if act_cfg is not None else None

    def forward(self, x):
        x = self.conv(x)
        if self.norm_name is not None:
            x = getattr(self, self.norm_name)(x)
        return self.activate(x) if self.activate is not None else x


def trunc_normal_init(module, mean=0, std=1, a=-2, b=2, bias=0):
    """Initialisation only; reference runs overwrite every parameter."""

"""mmcv.cnn.bricks.transformer: FFN and build_dropout (mmcv 1.4 semantics, eval mode)."""
import torch.nn as nn


def build_activation_layer(cfg):
    kind = cfg['type']
    if kind == 'GELU':
        return nn.GELU()
    if kind == 'ReLU':
        return nn.ReLU()
    raise NotImplementedError(f'activation {kind}')


class DropPath(nn.Module):
    """Per-sample stochastic depth; the identity in eval mode (the only mode of the reference runs)."""

    def __init__(self, drop_prob=0.):
        super().__init__()
        self.drop_prob = drop_prob

    def forward(self, x):
        assert not self.training or self.drop_prob == 0, 'reference runs are in eval mode'
        return x


def build_dropout(cfg):
    assert cfg['type'] == 'DropPath'
    return DropPath(cfg.get('drop_prob', 0.))


class FFN(nn.Module):
    """`layers`: (Linear, act, Dropout) x (num_fcs - 1), then Linear, Dropout; out = identity + dropout_layer(layers(x))."""

    def __init__(self, embed_dims=256, feedforward_channels=1024, num_fcs=2, act_cfg=dict(type='ReLU', inplace=True),
                 ffn_drop=0., dropout_layer=None, add_identity=True, init_cfg=None, **_):
        super().__init__()
        layers, in_channels = [], embed_dims
        for _ in range(num_fcs - 1):
            layers.append(nn.Sequential(nn.Linear(in_channels, feedforward_channels), build_activation_layer(act_cfg),
                                        nn.Dropout(ffn_drop)))
            in_channels = feedforward_channels
        layers += [nn.Linear(feedforward_channels, embed_dims), nn.Dropout(ffn_drop)]
        self.layers = nn.Sequential(*layers)
        self.dropout_layer = build_dropout(dropout_layer) if dropout_layer else nn.Identity()
        self.add_identity = add_identity

    def forward(self, x, identity=None):
        out = self.layers(x)
        if not self.add_identity:
            return self.dropout_layer(out)
        return (x if identity is None else identity) + self.dropout_layer(out)

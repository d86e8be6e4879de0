"""mmseg 0.x BaseDecodeHead, the parts a head's forward uses: options, input selection, dropout + conv_seg."""
import torch
import torch.nn as nn

from mmseg.ops import resize


class BaseDecodeHead(nn.Module):
    def __init__(self, in_channels, channels, *, num_classes, dropout_ratio=0.1, conv_cfg=None, norm_cfg=None,
                 act_cfg=dict(type='ReLU'), in_index=-1, input_transform=None, loss_decode=None, ignore_index=255,
                 sampler=None, align_corners=False, init_cfg=None):
        super().__init__()
        self.input_transform = input_transform
        self.in_index = in_index
        self.in_channels = sum(in_channels) if input_transform == 'resize_concat' else in_channels
        self.channels = channels
        self.num_classes = num_classes
        self.dropout_ratio = dropout_ratio
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.act_cfg = act_cfg
        self.align_corners = align_corners
        self.conv_seg = nn.Conv2d(channels, num_classes, kernel_size=1)
        self.dropout = nn.Dropout2d(dropout_ratio) if dropout_ratio > 0 else None

    def _transform_inputs(self, inputs):
        if self.input_transform == 'resize_concat':
            inputs = [inputs[i] for i in self.in_index]
            size = inputs[0].shape[2:]
            return torch.cat([resize(x, size=size, mode='bilinear', align_corners=self.align_corners) for x in inputs], 1)
        if self.input_transform == 'multiple_select':
            return [inputs[i] for i in self.in_index]
        return inputs[self.in_index]

    def cls_seg(self, feat):
        if self.dropout is not None:
            feat = self.dropout(feat)
        return self.conv_seg(feat)

"""Names mmseg 0.x's swin.py imports for its SwinTransformer class, which the head references do not build."""


class PatchEmbed:
    def __init__(self, *args, **kwargs):
        raise NotImplementedError('the head references build no SwinTransformer backbone')


def swin_convert(*args, **kwargs):
    raise NotImplementedError('the head references load no checkpoint')

"""einops stand-in: `rearrange` for the patterns of HiFormer's files (split / merge of named axes, no repeats)."""
import re


def _groups(side):
    """'b (h w) c' -> [['b'], ['h', 'w'], ['c']]"""
    return [g[1:-1].split() if g.startswith('(') else [g] for g in re.findall(r'\([^)]*\)|\S+', side)]


def rearrange(x, pattern, **sizes):
    left, right = (_groups(s.strip()) for s in pattern.split('->'))
    known = dict(sizes)
    for group, dim in zip(left, x.shape):
        names = [n for n in group if n != '1']
        missing = [n for n in names if n not in known]
        product = 1
        for n in names:
            product *= known.get(n, 1)
        if len(missing) == 1:
            known[missing[0]] = dim // product
    flat = [n for group in left for n in group if n != '1']
    x = x.reshape([known[n] for n in flat])
    order = [n for group in right for n in group if n != '1']
    x = x.permute([flat.index(n) for n in order])
    shape = []
    for group in right:
        size = 1
        for n in group:
            size *= 1 if n == '1' else known[n]
        shape.append(size)
    return x.reshape(shape)

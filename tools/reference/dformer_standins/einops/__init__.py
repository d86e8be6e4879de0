"""einops stand-in: `rearrange` for D-Former's model.py patterns (named-axis split / merge / permute, no repeats)."""
import re


def _groups(side):
    """'b d h w (p0 p1 p2 c)' -> [['b'], ['d'], ['h'], ['w'], ['p0', 'p1', 'p2', 'c']]"""
    return [g[1:-1].split() if g.startswith('(') else [g] for g in re.findall(r'\([^)]*\)|\S+', side)]


def rearrange(x, pattern, **sizes):
    left, right = (_groups(s.strip()) for s in pattern.split('->'))
    if len(left) != x.dim():
        raise ValueError('rearrange: pattern %r expects %d dims, got shape %s' % (pattern, len(left), tuple(x.shape)))
    known = dict(sizes)
    for group, dim in zip(left, x.shape):
        missing = [n for n in group if n not in known]
        product = 1
        for n in group:
            product *= known.get(n, 1)
        if len(missing) > 1:
            raise ValueError('rearrange: cannot infer %s in %r' % (missing, pattern))
        if len(missing) == 1:
            if dim % product:
                raise ValueError('rearrange: %d not divisible by %d in %r' % (dim, product, pattern))
            known[missing[0]] = dim // product
        elif product != dim:
            raise ValueError('rearrange: group %s has size %d, expected %d in %r' % (group, dim, product, pattern))
    flat = [n for group in left for n in group]
    order = [n for group in right for n in group]
    if sorted(flat) != sorted(order):
        raise ValueError('rearrange: axes differ between sides of %r' % pattern)
    x = x.reshape([known[n] for n in flat]).permute([flat.index(n) for n in order])
    shape = []
    for group in right:
        size = 1
        for n in group:
            size *= known[n]
        shape.append(size)
    return x.reshape(shape)

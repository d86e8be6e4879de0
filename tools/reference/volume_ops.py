"""References for datasets/medical/volume-ops.ts: torch 1.13's F.interpolate (trilinear, align_corners=False; and
'nearest-exact' for labels) for the resampling, numpy's flip / rot90(axes=(1, 2)) for the turns.

    /usr/bin/python3 tools/reference/volume_ops.py    # writes spec/fixtures/medical-io/volume_ops.json
"""
import json
import numpy as np
import torch
import torch.nn.functional as F

rng = np.random.default_rng(3)
image = rng.random((5, 6, 7)).astype(np.float32)
label = rng.integers(0, 4, (5, 6, 7)).astype(np.uint8)
out = {'image': image.ravel().tolist(), 'label': label.ravel().tolist(), 'shape': [5, 6, 7], 'cases': []}
for size in [(9, 4, 10), (3, 6, 14)]:
    t = torch.from_numpy(image)[None, None]
    tri = F.interpolate(t, size=size, mode='trilinear', align_corners=False)[0, 0].numpy()
    near = F.interpolate(torch.from_numpy(label.astype(np.float32))[None, None], size=size, mode='nearest-exact')[0, 0].numpy()
    out['cases'].append({'size': list(size), 'trilinear': tri.ravel().tolist(), 'nearest': near.astype(int).ravel().tolist()})
out['flip_0_2'] = np.flip(label, axis=(0, 2)).ravel().tolist()
out['rot90_k3'] = np.rot90(label, 3, axes=(1, 2)).ravel().tolist()
with open('spec/fixtures/medical-io/volume_ops.json', 'w') as f:
    json.dump(out, f)

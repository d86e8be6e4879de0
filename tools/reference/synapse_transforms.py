"""scipy.ndimage references of TransUNet's Synapse transforms (zoom order 0/1/3, rotate order 0 and 1 with
reshape=False) on small random arrays, for spec/datasets/transforms/synapse.spec.ts.

    /usr/bin/python3 tools/reference/synapse_transforms.py    # writes spec/fixtures/transforms/synapse.json (scipy 1.10)
"""
import json
import numpy as np
import scipy
from scipy import ndimage

rng = np.random.default_rng(15)
image = rng.random((19, 23)).astype(np.float32)
small = rng.random((12, 12)).astype(np.float32)
label = rng.integers(0, 9, (19, 23)).astype(np.uint8)
cases = []
for name, x, size in [('down', image, (12, 12)), ('up', small, (19, 23))]:
    for order in (0, 1, 3):
        y = ndimage.zoom(x, (size[0] / x.shape[0], size[1] / x.shape[1]), order=order)
        cases.append({'name': f'zoom {name} order {order}', 'op': 'zoom', 'order': order, 'input': x.ravel().tolist(),
                      'shape': list(x.shape), 'size': list(size), 'output': y.ravel().tolist(), 'out_shape': list(y.shape)})
y = ndimage.zoom(label, (12 / 19, 12 / 23), order=0)
cases.append({'name': 'zoom label order 0', 'op': 'zoom', 'order': 0, 'input': label.ravel().tolist(), 'label': True,
              'shape': list(label.shape), 'size': [12, 12], 'output': y.ravel().tolist(), 'out_shape': list(y.shape)})
for angle in (13, -7):
    for order in (0, 1):
        y = ndimage.rotate(image, angle, reshape=False, order=order)
        cases.append({'name': f'rotate {angle} order {order}', 'op': 'rotate', 'angle': angle, 'order': order,
                      'input': image.ravel().tolist(), 'shape': list(image.shape), 'output': y.ravel().tolist()})
    y = ndimage.rotate(label, angle, reshape=False, order=0)
    cases.append({'name': f'rotate label {angle}', 'op': 'rotate', 'angle': angle, 'order': 0, 'label': True,
                  'input': label.ravel().tolist(), 'shape': list(label.shape), 'output': y.ravel().tolist()})
# 512 -> 224: k * 511/223 rounds past 511 for the last row and column, which scipy's 'constant' mode sets to 0
i, j = np.mgrid[0:512, 0:512]
pattern = (1 + ((i * 7 + j * 13) % 17) / 17).astype(np.float32)
for order in (0, 3):
    y = ndimage.zoom(pattern, (224 / 512, 224 / 512), order=order)
    cases.append({'name': f'zoom 512 -> 224 order {order}: edges', 'op': 'zoom512', 'order': order,
                  'first_row': y[0].tolist(), 'last_row': y[-1].tolist(), 'last_col': y[:, -1].tolist(),
                  'middle_row': y[111].tolist()})
rot = np.flip(np.rot90(label, 3), axis=1)
cases.append({'name': 'rot90 k=3 then flip axis 1', 'op': 'rot90flip', 'k': 3, 'axis': 1, 'label': True,
              'input': label.ravel().tolist(), 'shape': list(label.shape), 'output': rot.ravel().tolist(), 'out_shape': list(rot.shape)})
with open('spec/fixtures/transforms/synapse.json', 'w') as f:
    json.dump({'scipy': scipy.__version__, 'cases': cases}, f)

"""nnU-Net v2's sliding-window facts for lib/engine/sliding-window.ts: the window starts of
compute_steps_for_sliding_window (tile_step_size 0.5) and the Gaussian importance map of compute_gaussian
(sigma = tile / 8, scipy gaussian_filter of a centred delta, mode constant, scaled to max 1, zeros -> the smallest
non-zero value), re-stated from nnunetv2/inference/sliding_window_prediction.py and run on scipy 1.10.

    /usr/bin/python3 tools/reference/sliding_window.py    # writes spec/fixtures/inference/sliding_window.json
"""
import json
import numpy as np
from scipy.ndimage import gaussian_filter


def compute_steps(image_size, tile_size, tile_step_size):
    target_step_sizes_in_voxels = [i * tile_step_size for i in tile_size]
    num_steps = [int(np.ceil((i - k) / j)) + 1 for i, j, k in zip(image_size, target_step_sizes_in_voxels, tile_size)]
    steps = []
    for dim in range(len(tile_size)):
        max_step_value = image_size[dim] - tile_size[dim]
        actual_step_size = max_step_value / (num_steps[dim] - 1) if num_steps[dim] > 1 else 99999999999
        steps.append([int(np.round(actual_step_size * i)) for i in range(num_steps[dim])])
    return steps


def compute_gaussian(tile_size, sigma_scale=1. / 8):
    tmp = np.zeros(tile_size)
    tmp[tuple(i // 2 for i in tile_size)] = 1
    g = gaussian_filter(tmp, [i * sigma_scale for i in tile_size], 0, mode='constant', cval=0)
    g = g / np.max(g)
    g[g == 0] = np.min(g[g != 0])
    return g


steps = [{'image': list(im), 'tile': list(t), 'steps': compute_steps(im, t, 0.5)}
         for im, t in [((100, 300, 129), (64, 128, 128)), ((64, 128, 128), (64, 128, 128)), ((16, 70, 65), (8, 32, 32))]]
gauss = [{'tile': list(t), 'map': compute_gaussian(t).ravel().tolist()} for t in [(4, 8, 8), (5, 6, 7)]]
with open('spec/fixtures/inference/sliding_window.json', 'w') as f:
    json.dump({'steps': steps, 'gaussian': gauss}, f)

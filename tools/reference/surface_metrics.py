"""References for lib/metrics/surface.ts: medpy.metric.binary's dc and hd95 (a faithful stand-in: medpy is not in
Debian; its functions are a few lines on scipy.ndimage, reproduced from their documented definitions below) and
TransUNet's calculate_metric_percase, on random 2D and 3D masks with and without voxel spacing.

    /usr/bin/python3 tools/reference/surface_metrics.py    # writes spec/fixtures/metrics/surface.json (scipy 1.10)
"""
import json
import numpy as np
import scipy
from scipy.ndimage import binary_erosion, distance_transform_edt, generate_binary_structure, gaussian_filter


def surface_distances(result, reference, voxelspacing=None, connectivity=1):
    # medpy.metric.binary.__surface_distances
    result = np.atleast_1d(result.astype(bool))
    reference = np.atleast_1d(reference.astype(bool))
    footprint = generate_binary_structure(result.ndim, connectivity)
    result_border = result ^ binary_erosion(result, structure=footprint, iterations=1)
    reference_border = reference ^ binary_erosion(reference, structure=footprint, iterations=1)
    dt = distance_transform_edt(~reference_border, sampling=voxelspacing)
    return dt[result_border]


def hd95(result, reference, voxelspacing=None):
    hd1 = surface_distances(result, reference, voxelspacing)
    hd2 = surface_distances(reference, result, voxelspacing)
    return np.percentile(np.hstack((hd1, hd2)), 95)


def dc(result, reference):
    result = np.atleast_1d(result.astype(bool))
    reference = np.atleast_1d(reference.astype(bool))
    intersection = np.count_nonzero(result & reference)
    size = np.count_nonzero(result) + np.count_nonzero(reference)
    return 2.0 * intersection / float(size) if size else 0.0


def per_case(pred, gt, spacing=None):
    # TransUNet utils.calculate_metric_percase (with medpy's voxelspacing passed through)
    if pred.sum() > 0 and gt.sum() > 0:
        return dc(pred, gt), hd95(pred, gt, spacing)
    if pred.sum() > 0 and gt.sum() == 0:
        return 1, 0
    return 0, 0


rng = np.random.default_rng(95)


def blob(shape, threshold):
    return (gaussian_filter(rng.random(shape), 2) > threshold).astype(np.uint8)


cases = []


def add(name, pred, gt, spacing=None):
    d, h = per_case(pred, gt, spacing)
    cases.append({'name': name, 'shape': list(pred.shape), 'spacing': spacing,
                  'pred': np.flatnonzero(pred).tolist(), 'gt': np.flatnonzero(gt).tolist(), 'dice': d, 'hd95': h})


for shape, spacing in [((40, 50), None), ((40, 50), [0.7, 1.3]), ((12, 20, 24), None), ((12, 20, 24), [2.5, 0.8, 0.8])]:
    a, b = blob(shape, 0.5), blob(shape, 0.5)
    add(f'random blobs {shape} spacing {spacing}', a, b, spacing)
edge = np.zeros((30, 30), np.uint8); edge[:, :10] = 1
edge2 = np.zeros((30, 30), np.uint8); edge2[5:, 3:14] = 1
add('masks touching the array edge', edge, edge2)
one = np.zeros((9, 10, 11), np.uint8); one[4, 5, 6] = 1
other = np.zeros((9, 10, 11), np.uint8); other[1, 2, 3] = 1
add('single voxels', one, other, [3.0, 1.0, 0.5])
empty = np.zeros((9, 10, 11), np.uint8)
add('empty prediction', empty, one)
add('empty ground truth', one, empty)
add('both empty', empty, empty)
with open('spec/fixtures/metrics/surface.json', 'w') as f:
    json.dump({'scipy': scipy.__version__, 'cases': cases}, f)

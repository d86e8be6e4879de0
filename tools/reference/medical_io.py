"""Small files written by numpy, h5py and nibabel, with their expected contents, for spec/datasets/medical-io.spec.ts:
.npy of several dtypes (big-endian, Fortran order), a TransUNet-style slice .npz (compressed and stored), an h5py volume
with image/label [D, H, W], and an int16 NIfTI with intensity scaling, an oblique sform and 0.8 x 0.8 x 2.5 mm voxels.

    /usr/bin/python3 tools/reference/medical_io.py    # writes spec/fixtures/medical-io/ (numpy, h5py 3.7, nibabel 5.0)
"""
import json
import os
import h5py
import nibabel as nib
import numpy as np

out = 'spec/fixtures/medical-io'
os.makedirs(out, exist_ok=True)
rng = np.random.default_rng(16)
expected = {'npy': {}}
arrays = {
    'f4_le': rng.random((3, 4)).astype('<f4'),
    'f8_be': rng.random((2, 3)).astype('>f8'),
    'i2_fortran': np.asfortranarray(rng.integers(-300, 300, (3, 4, 2)).astype('<i2')),
    'u1': rng.integers(0, 255, (5,)).astype('u1'),
    'i8': rng.integers(-5, 5, (2, 2)).astype('<i8'),
    'bool': rng.random((2, 3)) > 0.5,
}
for name, a in arrays.items():
    np.save(f'{out}/{name}.npy', a)
    expected['npy'][name] = {'shape': list(a.shape), 'values': a.astype(np.float64).ravel(order='C').tolist()}
image = rng.random((6, 5)).astype(np.float32)
label = rng.integers(0, 9, (6, 5)).astype(np.float32)
np.savez_compressed(f'{out}/case0001_slice000.npz', image=image, label=label)
np.savez(f'{out}/stored.npz', image=image, label=label)
expected['slice'] = {'image': image.ravel().tolist(), 'label': label.ravel().tolist()}
volume = rng.random((3, 6, 5)).astype(np.float32)
vlabel = rng.integers(0, 9, (3, 6, 5)).astype(np.float32)
with h5py.File(f'{out}/case0008.npy.h5', 'w') as f:
    f.create_dataset('image', data=volume, compression='gzip')
    f.create_dataset('label', data=vlabel, compression='gzip')
expected['volume'] = {'image': volume.ravel().tolist(), 'label': vlabel.ravel().tolist(), 'shape': [3, 6, 5]}
raw = rng.integers(-100, 100, (5, 4, 3)).astype(np.int16)  # nibabel order [x, y, z]
affine = np.array([[0.8, 0.05, 0, -40], [0, 0.79, 0.3, -30], [0, -0.1, 2.5, 12], [0, 0, 0, 1]])
img = nib.Nifti1Image(raw, affine)
img.header.set_zooms((0.8, 0.8, 2.5))
img.header.set_slope_inter(2.0, -10.0)
img.set_sform(affine, code=2)
nib.save(img, f'{out}/scaled.nii.gz')
loaded = nib.load(f'{out}/scaled.nii.gz')
data = loaded.get_fdata()  # [x, y, z], scaled
expected['nifti'] = {'shape_zyx': list(data.shape[::-1]), 'values_zyx': data.transpose(2, 1, 0).ravel().tolist(),
                     'affine': loaded.affine.tolist(), 'spacing_zyx': [float(z) for z in loaded.header.get_zooms()[::-1]]}
with open(f'{out}/expected.json', 'w') as f:
    json.dump(expected, f)

/** The batch `segvit profile` trains on, and the own time of nested kernels. */
import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import { fileURLToPath } from 'node:url';
import '../../lib/components.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import { ownTimes, profileKernels } from '../../lib/engine/kernel-times.js';
import { profileInput } from '../../lib/engine/profile.js';
import { onBackend } from '../helpers/backends.js';

const config = (path: string, cfgOptions: string[] = []) =>
  validateConfig(loadConfig(fileURLToPath(new URL(`../../../configs/${path}`, import.meta.url)), { cfgOptions }));

describe('profileInput', () => {
  it('takes the crop from the train pipeline\'s RandomCrop first', () => {
    const input = profileInput(config('ade20k.json'));
    expect(input).to.deep.equal({ batch: 16, crop: [512, 512], cropFrom: 'train_dataloader.dataset.pipeline[3].crop_size' });
  });

  it('then from model.data_preprocessor.size, then from the dataset\'s img_size', () => {
    expect(profileInput(config('demo/digits_swin-nano_upernet.json'))).to.deep.equal({
      batch: 4, crop: [64, 64], cropFrom: 'model.data_preprocessor.size',
    });
    expect(profileInput(config('demo/synthetic-depth_dpt-tiny.json'))).to.deep.equal({
      batch: 8, crop: [64, 96], cropFrom: 'train_dataloader.dataset.img_size',
    });
  });

  it('says which keys to set when the config gives no size', () => {
    const cfg = config('ade20k.json', ['model.data_preprocessor.size=null', 'train_dataloader.dataset.pipeline=[{"type":"LoadImageFromFile"}]']);
    expect(() => profileInput(cfg)).to.throw(/add a RandomCrop to train_dataloader.dataset.pipeline or set model.data_preprocessor.size/);
  });
});

describe('ownTimes', () => {
  it('subtracts the kernels a kernel runs from its time (children are listed before their parent)', () => {
    // A(1) = [B(2) = [C(3)], C(2)] then C(1): A 10 ms holds B 4 ms (holding C 1 ms) and C 2 ms
    const kernels = [
      { name: 'C', ms: 1 }, { name: 'B', ms: 4 }, { name: 'C', ms: 2 }, { name: 'A', ms: 10 }, { name: 'C', ms: 3 },
    ];
    const rows = ownTimes(kernels, [3, 2, 2, 1, 1]);
    expect(rows).to.deep.equal([
      { name: 'C', ms: 6, count: 3 },
      { name: 'A', ms: 4, count: 1 },
      { name: 'B', ms: 3, count: 1 },
    ]);
  });

  it('on wasm, the conv weight gradient segvit composes from other kernels is listed with its parts', async () => {
    // composed where the native GEMM is off (with it, the filter gradient is one native kernel)
    const rows = await onBackend('wasm-plain', async () => {
      const x = tf.randomNormal([1, 16, 16, 8]) as tf.Tensor4D;
      const w = tf.randomNormal([3, 3, 8, 8]) as tf.Tensor4D;
      const start = performance.now();
      const { kernels, result } = await profileKernels(async () => {
        // the filter gradient runs Conv2DBackpropFilter, which wasm lacks: segvit composes it from other kernels
        const grad = tf.grad((f: tf.Tensor) => tf.sum(tf.conv2d(x, f as tf.Tensor4D, 1, 'same')))(w);
        grad.dataSync();
        return grad;
      });
      const wall = performance.now() - start;
      tf.dispose([x, w, result]);
      const total = kernels.reduce((s, k) => s + k.ms, 0);
      expect(total).to.be.at.most(wall);
      return kernels;
    });
    const names = rows.map((r) => r.name);
    expect(names).to.include('Conv2DBackpropFilter');
    // one slice per filter tap (stride 1), joined into the patch matrix for one matmul
    expect(names).to.include.members(['Slice', 'Concat', 'BatchMatMul']);
    expect(rows.find((r) => r.name === 'Slice')!.count).to.equal(9);
  });
});

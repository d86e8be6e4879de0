/** segvit's single-pass GELU kernels against PyTorch's exact GELU (spec/fixtures/nn/gelu.json) and float64 erf. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { maxAbs, maxAbsDiff, onBackend } from '../helpers/backends.js';
import { erf, expNonPositive } from '../../lib/kernels/gelu.js';
import { gelu } from '../../lib/nn/activation.js';

interface Stored {
  shape: number[];
  data: number[];
}
const fixture = JSON.parse(readFileSync(new URL('../../../spec/fixtures/nn/gelu.json', import.meta.url), 'utf8')) as {
  cases: { name: string; tensors: Record<string, Stored> }[];
};

describe('GELU kernels', () => {
  it('erf matches float64 erf (Python math.erf) within 1e-7', () => {
    const reference: [number, number][] = [
      [0.01, 0.011283415555849616],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [-3, -0.9999779095030014],
      [3.9, 0.9999999652077514],
      [5, 0.9999999999984626],
      [0, 0],
    ];
    for (const [x, y] of reference) expect(Math.abs(erf(x) - y), `erf(${x})`).to.be.below(1e-7);
  });

  it('e^t for t ≤ 0 within 2e-7 relative, and 0 where float32 underflows', () => {
    let worst = 0;
    for (let t = 0; t > -87; t -= 0.0137) worst = Math.max(worst, Math.abs(expNonPositive(t) / Math.exp(t) - 1));
    expect(worst).to.be.below(2e-7);
    expect(expNonPositive(-100)).to.equal(0);
    expect(expNonPositive(0)).to.equal(1);
  });

  for (const backend of ['cpu', 'wasm']) {
    for (const c of fixture.cases) {
      it(`${backend}: output and input gradient equal PyTorch's within 2e-7 of their scale (${c.name})`, async () => {
        const { y, dx } = await onBackend(backend, () =>
          tf.tidy(() => {
            const x = tf.tensor(c.tensors.x.data, c.tensors.x.shape);
            const g = tf.tensor(c.tensors.g.data, c.tensors.g.shape);
            const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(gelu(t), g)))(x);
            return { y: gelu(x).dataSync(), dx: dx.dataSync() };
          }),
        );
        const relative = (a: ArrayLike<number>, b: number[]) => maxAbsDiff(a, b) / Math.max(1, maxAbs(b));
        expect(relative(y, c.tensors.y.data), 'y').to.be.below(2e-7);
        expect(relative(dx, c.tensors['x.grad'].data), 'dx').to.be.below(2e-7);
      });
    }
  }

  it('runs as one kernel forward and one backward on wasm', async () => {
    const kernels = await onBackend('wasm', async () => {
      const x = tf.randomNormal([4, 8]);
      const info = await tf.profile(() => tf.grad((t: tf.Tensor) => tf.sum(gelu(t)))(x));
      x.dispose();
      return info.kernels.map((k) => k.name);
    });
    expect(kernels).to.include.members(['SegvitGelu', 'SegvitGeluGrad']);
    expect(kernels).to.not.include('Erf');
  });
});

/** segvit's softmax cross-entropy kernels (through CrossEntropyLoss) against a float64 reference written out here. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { maxAbs, maxAbsDiff, onBackend } from '../helpers/backends.js';
import { CrossEntropyLoss } from '../../lib/losses/cross-entropy.js';

/** Σ_n w(t_n)·(logΣ exp z_n − z_n,t) over non-ignored pixels, and its gradient, in float64. */
function reference(z: Float32Array, ids: Int32Array, k: number, ignore: number, classWeight: number[] | null) {
  let loss = 0;
  const grad = new Float64Array(z.length);
  for (let n = 0; n < ids.length; n++) {
    const t = ids[n];
    if (t === ignore) continue;
    const row = Array.from(z.subarray(n * k, (n + 1) * k));
    const max = Math.max(...row);
    const sum = row.reduce((s, v) => s + Math.exp(v - max), 0);
    const lse = max + Math.log(sum);
    const w = classWeight ? classWeight[t] : 1;
    loss += w * (lse - row[t]);
    for (let j = 0; j < k; j++) grad[n * k + j] = w * (Math.exp(row[j] - lse) - (j === t ? 1 : 0));
  }
  return { loss, grad };
}

describe('softmax cross-entropy kernels', () => {
  const k = 150;
  const pixels = 2 * 5 * 7;
  // logits up to ±60 (a naive exp would overflow float32), some pixels ignored
  const z = Float32Array.from({ length: pixels * k }, (_, i) => 60 * Math.sin(i * 1.37) * Math.cos(i * 0.11));
  const ids = Int32Array.from({ length: pixels }, (_, n) => (n % 9 === 4 ? 255 : (n * 37) % k));
  const classWeight = Array.from({ length: k }, (_, j) => 0.5 + (j % 4) * 0.25);

  for (const backend of ['cpu', 'wasm']) {
    for (const weights of [null, classWeight]) {
      it(`${backend}: the pixel sum and its gradient equal float64 within 1e-6 of their scale (class_weight ${weights ? 'set' : 'null'})`, async () => {
        const want = reference(z, ids, k, 255, weights);
        const got = await onBackend(backend, () =>
          tf.tidy(() => {
            const loss = new CrossEntropyLoss({ class_weight: weights });
            const logits = tf.tensor4d(z, [2, 5, 7, k]);
            const label = tf.tensor3d(ids, [2, 5, 7], 'int32');
            const g = tf.grad((t: tf.Tensor) => loss.pixelSum(t as tf.Tensor4D, label))(logits);
            return { loss: loss.pixelSum(logits, label).dataSync()[0], grad: g.dataSync() };
          }),
        );
        expect(Math.abs(got.loss - want.loss) / want.loss).to.be.below(1e-6);
        expect(maxAbsDiff(got.grad, want.grad) / maxAbs(want.grad)).to.be.below(1e-6);
      });
    }
  }

  it('runs as one kernel forward and one backward, with no [pixels, K] temporary besides the gradient', async () => {
    const kernels = await onBackend('wasm', async () => {
      const logits = tf.tensor4d(z, [2, 5, 7, k]);
      const label = tf.tensor3d(ids, [2, 5, 7], 'int32');
      const loss = new CrossEntropyLoss();
      const info = await tf.profile(() => tf.grad((t: tf.Tensor) => loss.pixelSum(t as tf.Tensor4D, label))(logits));
      tf.dispose([logits, label]);
      // Reshape and (segvit's, on wasm) Identity share their input's buffer
      const big = (e: (typeof info.kernels)[number]) => !['Reshape', 'Identity'].includes(e.name) && e.outputShapes.some((s) => s && tf.util.sizeFromShape(s) >= pixels * k);
      return info.kernels.filter(big).map((e) => e.name);
    });
    expect(kernels).to.deep.equal(['SegvitSoftmaxCrossEntropyGrad']);
  });

  it('gives an id outside the classes no one-hot entry, as tf.oneHot: loss 0, gradient the softmax', async () => {
    const got = await onBackend('wasm', () =>
      tf.tidy(() => {
        const logits = tf.tensor4d([[[[1, 2, 3]]]]);
        const label = tf.tensor3d([[[7]]], undefined, 'int32');
        const g = tf.grad((t: tf.Tensor) => new CrossEntropyLoss().pixelSum(t as tf.Tensor4D, label))(logits);
        return { loss: new CrossEntropyLoss().pixelSum(logits, label).dataSync()[0], grad: g.dataSync() };
      }),
    );
    const e = [1, 2, 3].map((v) => Math.exp(v));
    const s = e.reduce((a, b) => a + b);
    expect(got.loss).to.equal(0);
    expect(maxAbsDiff(got.grad, e.map((v) => v / s))).to.be.below(1e-6);
  });
});

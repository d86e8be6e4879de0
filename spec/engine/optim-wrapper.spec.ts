import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { clipGradNorm, OptimWrapper, SGD } from '../../lib/engine/optim/index.js';

/** A wrapper around plain SGD at lr 1 (p ← p − g) on a 2-vector starting at [0, 0]. */
function setup(options: ConstructorParameters<typeof OptimWrapper>[1]) {
  const p = tf.tidy(() => tf.variable(tf.zeros([2])));
  const wrapper = new OptimWrapper(new SGD([['p', p]], { lr: 1 }), options);
  const update = (g: [number, number]) => {
    const grad = tf.tensor1d(g);
    const result = wrapper.updateParams({ p: grad });
    grad.dispose();
    return { ...result, p: [...p.dataSync()] };
  };
  const dispose = () => {
    wrapper.dispose();
    wrapper.optimizer.dispose();
    p.dispose();
  };
  return { update, dispose, wrapper };
}

describe('clipGradNorm (torch.nn.utils.clip_grad_norm_)', () => {
  const make = () => ({ a: tf.tensor1d([3, 4]), b: tf.tensor1d([12]) });

  it('scales every gradient by max_norm / (total_norm + 1e-6) and returns the total norm', () => {
    const grads = make();
    const { grads: clipped, totalNorm } = clipGradNorm(grads, 6.5);
    expect(totalNorm).to.be.closeTo(13, 1e-5); // sqrt(5² + 12²)
    const coef = 6.5 / (13 + 1e-6);
    expect([...clipped.a!.dataSync()]).to.deep.equal([...new Float32Array([3 * coef, 4 * coef])]);
    expect(clipped.b!.dataSync()[0]).to.be.closeTo(12 * coef, 1e-6);
    expect([...grads.a.dataSync()]).to.deep.equal([3, 4]); // inputs untouched
    tf.dispose([...Object.values(grads), ...Object.values(clipped)]);
  });

  it('leaves gradients below max_norm unchanged; infinity norm = largest |g|', () => {
    const grads = make();
    const loose = clipGradNorm(grads, 100);
    expect([...loose.grads.b!.dataSync()]).to.deep.equal([12]);
    const inf = clipGradNorm(grads, 6, Infinity);
    expect(inf.totalNorm).to.equal(12);
    expect(inf.grads.b!.dataSync()[0]).to.be.closeTo(6, 1e-5);
    tf.dispose([...Object.values(grads), ...Object.values(loose.grads), ...Object.values(inf.grads)]);
  });
});

describe('OptimWrapper (mmengine: accumulation and clipping)', () => {
  it('sums gradients / accumulative_counts and steps every accumulative_counts iterations', () => {
    const { update, dispose } = setup({ accumulativeCounts: 2 });
    expect(update([1, 2])).to.deep.equal({ stepped: false, p: [0, 0] });
    expect(update([3, 6])).to.deep.equal({ stepped: true, p: [-2, -4] });
    expect(update([2, 2]).stepped).to.equal(false);
    expect(update([0, 2])).to.deep.equal({ stepped: true, p: [-3, -6] });
    dispose();
  });

  it('averages the last partial cycle over its own length and applies it (initializeCountStatus)', () => {
    const { update, dispose, wrapper } = setup({ accumulativeCounts: 2 });
    wrapper.initializeCountStatus(0, 5);
    for (let i = 0; i < 4; i++) update([2, 2]);
    expect(update([4, 8])).to.deep.equal({ stepped: true, p: [-8, -12] }); // 2 updates of 2, then 4 / 1
    expect(wrapper.innerCount).to.equal(5);
    dispose();
  });

  it('a resume at an iteration inside a cycle steps at its end, with the gradients it has seen', () => {
    const { update, dispose, wrapper } = setup({ accumulativeCounts: 2 });
    wrapper.initializeCountStatus(3, 10);
    expect(update([4, 4])).to.deep.equal({ stepped: true, p: [-2, -2] });
    dispose();
  });

  it('clips the accumulated gradients and reports their norm', () => {
    const { update, dispose } = setup({ accumulativeCounts: 2, clipGrad: { maxNorm: 1 } });
    update([3, 4]);
    const result = update([3, 4]);
    expect(result.gradNorm).to.be.closeTo(5, 1e-5);
    expect(result.p[0]).to.be.closeTo(-0.6, 1e-6);
    expect(result.p[1]).to.be.closeTo(-0.8, 1e-6);
    dispose();
  });

  it('leaks no tensors, accumulating or not', () => {
    const before = tf.memory().numTensors;
    for (const accumulativeCounts of [1, 3]) {
      const { update, dispose } = setup({ accumulativeCounts, clipGrad: { maxNorm: 0.5 } });
      for (let i = 0; i < 7; i++) update([i, -i]);
      dispose();
    }
    expect(tf.memory().numTensors).to.equal(before);
  });
});

/** add, concat and relu: tf's values and gradients, keeping less for the backward (add and concat: nothing). */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { add, concat, relu } from '../../lib/nn/index.js';
import { maxAbsDiff } from '../helpers/backends.js';
import { watchData } from '../helpers/memory-probe.js';

/** Whether `op`'s input, sin(x) (which sin itself does not keep), is still held when the backward reaches op's output. */
function inputKept(op: (t: tf.Tensor) => tf.Tensor): boolean {
  const seen: { alive?: boolean } = {};
  let input: tf.Tensor | undefined;
  const x = tf.randomNormal([16, 16]);
  const g = tf.grad((t: tf.Tensor) => {
    input = tf.sin(t);
    return tf.sum(watchData(op(input), () => input!, seen));
  })(x);
  tf.dispose([x, g]);
  return seen.alive!;
}

describe('add (gradient without saved inputs)', () => {
  it('equals tf.add in value and gradients, broadcasting either way', () => {
    tf.tidy(() => {
      for (const [sa, sb] of [[[2, 3, 4], [4]], [[4], [2, 3, 4]], [[2, 1, 4], [3, 1]], [[2, 3], [2, 3]]] as number[][][]) {
        const a = tf.randomNormal(sa, 0, 1, 'float32', 4);
        const b = tf.randomNormal(sb, 0, 1, 'float32', 5);
        const g = tf.randomNormal(tf.broadcast_util.assertAndGetBroadcastShape(sa, sb), 0, 1, 'float32', 6);
        const f = (op: (p: tf.Tensor, q: tf.Tensor) => tf.Tensor) => tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(op(p, q), g)));
        const [ga, gb] = f(add)([a, b]);
        const [wa, wb] = f(tf.add)([a, b]);
        expect(maxAbsDiff(add(a, b).dataSync(), tf.add(a, b).dataSync()), `${sa} + ${sb}`).to.equal(0);
        expect(maxAbsDiff(ga.dataSync(), wa.dataSync())).to.be.below(1e-6);
        expect(maxAbsDiff(gb.dataSync(), wb.dataSync())).to.be.below(1e-6);
      }
    });
  });

  it('lets its inputs go when the forward ends (tf.add keeps both for the backward)', () => {
    expect(inputKept((t) => tf.add(t, tf.scalar(1)))).to.equal(true);
    expect(inputKept((t) => add(t, tf.scalar(1)))).to.equal(false);
  });
});

describe('concat (gradient without saved inputs)', () => {
  it('equals tf.concat in value and gradients, on a negative axis too', () => {
    tf.tidy(() => {
      const parts = [[2, 3, 4], [2, 3, 1], [2, 3, 5]].map((shape, i) => tf.randomNormal(shape, 0, 1, 'float32', i));
      const g = tf.randomNormal([2, 3, 10], 0, 1, 'float32', 9);
      const f = (op: (ts: tf.Tensor[], axis: number) => tf.Tensor) => tf.grads((...ts: tf.Tensor[]) => tf.sum(tf.mul(op(ts, -1), g)));
      const ours = f(concat)(parts);
      const theirs = f(tf.concat)(parts);
      expect(maxAbsDiff(concat(parts, -1).dataSync(), tf.concat(parts, 2).dataSync())).to.equal(0);
      ours.forEach((t, i) => expect(maxAbsDiff(t.dataSync(), theirs[i].dataSync())).to.equal(0));
    });
  });

  it('lets its inputs go when the forward ends (tf.concat keeps them all)', () => {
    expect(inputKept((t) => tf.concat([t, tf.neg(t)], 1))).to.equal(true);
    expect(inputKept((t) => concat([t, tf.neg(t)], 1))).to.equal(false);
  });
});

describe('relu (gradient keeps the output)', () => {
  it('equals tf.relu in value and gradient, 0 at 0', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([-2, -0.5, 0, 0.25, 3]);
      const dy = tf.tensor1d([1, 2, 3, 4, 5]);
      expect(Array.from(relu(x).dataSync())).to.deep.equal([0, 0, 0, 0.25, 3]);
      const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(relu(t), dy)))(x);
      expect(Array.from(g.dataSync())).to.deep.equal(Array.from(tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), dy)))(x).dataSync()));
      expect(Array.from(g.dataSync())).to.deep.equal([0, 0, 0, 4, 5]);
    });
  });

  it('lets its input go (tf.relu keeps it)', () => {
    expect(inputKept(tf.relu)).to.equal(true);
    expect(inputKept(relu)).to.equal(false);
  });
});

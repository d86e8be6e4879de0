/** segvit's add: tf.add's values and gradients, without keeping its inputs for the backward. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { add } from '../../lib/nn/add.js';
import { maxAbsDiff } from '../helpers/backends.js';
import { probe } from '../helpers/memory-probe.js';

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
    const heldAtBackward = (op: (p: tf.Tensor, q: tf.Tensor) => tf.Tensor) => {
      const seen: number[] = [];
      const x = tf.randomNormal([128, 128]);
      const before = tf.memory().numBytes;
      const g = tf.grad((t: tf.Tensor) => tf.sum(probe(op(tf.sin(t), tf.scalar(1)), seen)))(x);
      tf.dispose([x, g]);
      return seen[0] - before;
    };
    const tensor = 128 * 128 * 4;
    // tf.add keeps sin(x), which nothing else needs (sin keeps its input x)
    expect(heldAtBackward(tf.add) - heldAtBackward(add)).to.be.at.least(tensor);
  });
});

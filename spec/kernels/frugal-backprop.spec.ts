/**
 * The engine's frugal `gradients` (installed by initBackend) against tfjs's own (the Engine prototype's): the same
 * gradients, and memory released while the backward pass runs.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { add } from '../../lib/nn/add.js';
import { maxAbsDiff } from '../helpers/backends.js';
import { probe } from '../helpers/memory-probe.js';

type Gradients = (f: () => tf.Tensor, xs: tf.Tensor[], dy?: tf.Tensor, allowNoGradients?: boolean) => { value: tf.Tensor; grads: tf.Tensor[] };
const engine = tf.engine() as unknown as { gradients: Gradients };
const stock = Object.getPrototypeOf(engine).gradients as Gradients;

/** variableGrads through tfjs's own gradients. */
function stockVariableGrads(f: () => tf.Scalar, vars: tf.Variable[]) {
  const own = engine.gradients;
  engine.gradients = stock;
  try {
    return tf.variableGrads(f, vars);
  } finally {
    engine.gradients = own;
  }
}

describe('frugal backprop', () => {
  it('is installed in place of the engine prototype’s gradients', () => {
    expect(engine.gradients).to.not.equal(stock);
  });

  it('gives the same gradients as tfjs for shared inputs, broadcasting, x + x, a pass-through and custom gradients', () => {
    tf.tidy(() => {
      const w = tf.variable(tf.randomNormal([3, 4], 0, 1, 'float32', 1), true, 'w');
      const b = tf.variable(tf.randomNormal([4], 0, 1, 'float32', 2), true, 'b');
      const x = tf.randomNormal([5, 3], 0, 1, 'float32', 3);
      const loss = () => {
        const h = tf.add(tf.matMul(x, w), b); // broadcast bias
        const twice = tf.add(h, h); // the same tensor twice
        const passed = tf.customGrad((t) => ({ value: tf.tanh(t as tf.Tensor), gradFunc: (dy: tf.Tensor) => dy }))(twice);
        const branch = add(tf.sin(h), b); // segvit's add, and h read by two ops
        return tf.sum(tf.mul(tf.add(passed, branch), tf.exp(h))) as tf.Scalar;
      };
      const ours = tf.variableGrads(loss, [w, b]);
      const theirs = stockVariableGrads(loss, [w, b]);
      expect(ours.value.dataSync()[0]).to.equal(theirs.value.dataSync()[0]);
      for (const name of ['w', 'b']) expect(maxAbsDiff(ours.grads[name].dataSync(), theirs.grads[name].dataSync())).to.equal(0);
    });
  });

  it('frees each op’s saved tensors and gradients as the backward passes it (tfjs keeps them to the end)', () => {
    const run = (gradients: Gradients) => {
      const seen: number[] = [];
      const x = tf.randomNormal([256, 256]);
      const own = engine.gradients;
      engine.gradients = gradients;
      try {
        // 12 sines, each saving its input: 12 saved tensors and 12 gradients of 256 KB
        const { value, grads } = tf.engine().gradients(() => {
          let h = probe(x, seen);
          for (let i = 0; i < 12; i++) h = tf.sin(h);
          return tf.sum(h);
        }, [x]);
        tf.dispose([value, x, ...grads]);
      } finally {
        engine.gradients = own;
      }
      return seen[0];
    };
    const base = tf.memory().numBytes;
    const tensor = 256 * 256 * 4;
    const frugal = run(engine.gradients) - base;
    const kept = run(stock) - base;
    expect(kept, 'tfjs').to.be.at.least(20 * tensor);
    expect(frugal, 'frugal').to.be.at.most(4 * tensor);
  });

  it('leaves a given dy alive, and its errors are tfjs’s', () => {
    const x = tf.tensor1d([1, 2, 3]);
    const dy = tf.tensor1d([1, 1, 1]);
    const { value, grads } = tf.engine().gradients(() => tf.square(x), [x], dy) as { value: tf.Tensor; grads: tf.Tensor[] };
    expect(Array.from(grads[0].dataSync())).to.deep.equal([2, 4, 6]);
    expect(dy.isDisposed).to.equal(false);
    expect(() => tf.engine().gradients(() => tf.square(tf.tensor1d([1])), [x])).to.throw(/Cannot compute gradient of y=f\(x\)/);
    tf.dispose([x, dy, value, ...grads]);
  });

  it('keeps higher-order gradients working: d²/dx² sin x = -sin x', () => {
    const x = tf.tensor1d([0.3, 1.1, -2]);
    const second = tf.grad(tf.grad((t: tf.Tensor) => tf.sin(t)))(x);
    expect(maxAbsDiff(second.dataSync(), [0.3, 1.1, -2].map((v) => -Math.sin(v)))).to.be.below(1e-6);
    tf.dispose([x, second]);
  });
});

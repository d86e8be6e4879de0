import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { AdamW, SGD, type Optimizer } from '../../lib/engine/optim/index.js';

/** Run `optimizer` on the scalar parameter `p` with these gradients, returning p after each step. */
function trajectory(make: (params: [string, tf.Variable][]) => Optimizer, grads: number[], lr?: number): number[] {
  const p = tf.variable(tf.scalar(1));
  const optimizer = make([['p', p]]);
  const values = grads.map((g) => {
    const grad = tf.scalar(g);
    optimizer.step({ p: grad }, lr === undefined ? undefined : [lr]);
    grad.dispose();
    return p.dataSync()[0]!;
  });
  optimizer.dispose();
  p.dispose();
  return values;
}

function expectClose(actual: number[], expected: number[], tol = 1e-6): void {
  expect(actual).to.have.length(expected.length);
  actual.forEach((a, i) => expect(a, `step ${i + 1}`).to.be.closeTo(expected[i]!, tol));
}

describe('AdamW (torch.optim.AdamW)', () => {
  it('decays, then steps with bias-corrected moments (lr 0.1, wd 0.01, grads 0.5, −0.25)', () => {
    // step 1: p = 1·(1 − 0.001) = 0.999; m = 0.05; v = 0.00025; m̂/(√v̂ + ε) = (0.05/0.1)/(0.5 + 1e-8)
    //         p = 0.999 − 0.1·0.05/0.1/(√0.00025/√0.001 + 1e-8) = 0.899000002
    // step 2: p = 0.899·0.999 = 0.898101; m = 0.9·0.05 + 0.1·(−0.25) = 0.02; v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225
    //         p = 0.898101 − (0.1/0.19)·0.02/(√0.00031225/√0.001999 + 1e-8) = 0.8714672987
    const values = trajectory((params) => new AdamW(params, { lr: 0.1, weight_decay: 0.01 }), [0.5, -0.25]);
    expectClose(values, [0.899000002, 0.8714672987]);
  });

  it('AMSGrad divides by the largest second moment so far', () => {
    // grads 1, 0, no decay: v = 0.001 then 0.000999; plain Adam uses 0.000999, AMSGrad keeps 0.001
    const plain = trajectory((params) => new AdamW(params, { lr: 0.1, weight_decay: 0 }), [1, 0]);
    const ams = trajectory((params) => new AdamW(params, { lr: 0.1, weight_decay: 0, amsgrad: true }), [1, 0]);
    expectClose(plain, [0.900000001, 0.8329941765]);
    expectClose(ams, [0.900000001, 0.8330276878]);
  });

  it('uses the learning rate it is given at each step (the schedule)', () => {
    // lr 0 leaves p alone (decay lr·wd = 0 too) but still counts the step: the next step's bias corrections are t = 2
    const p = tf.variable(tf.scalar(1));
    const optimizer = new AdamW([['p', p]], { lr: 0.1, weight_decay: 0.01 });
    const g = tf.scalar(0.5);
    optimizer.step({ p: g }, [0]);
    expect(p.dataSync()[0]).to.equal(1);
    optimizer.step({ p: g }, [0.1]);
    // m = 0.05·0.9 + 0.05 = 0.095, v = 0.00025·0.999 + 0.00025 = 0.00049975; p = 0.999 − (0.1/0.19)·0.095/(√v/√0.001999 + ε)
    const expected = 0.999 - ((0.1 / 0.19) * 0.095) / (Math.sqrt(0.00049975) / Math.sqrt(0.001999) + 1e-8);
    expect(p.dataSync()[0]).to.be.closeTo(expected, 1e-6);
    expect(optimizer.stateDict().steps).to.deep.equal({ p: 2 });
    tf.dispose([g, p]);
    optimizer.dispose();
  });

  it('updates tensors element-wise and skips parameters without a gradient', () => {
    const a = tf.variable(tf.tensor1d([1, -2]));
    const b = tf.variable(tf.tensor1d([3]));
    const optimizer = new AdamW([['a', a], ['b', b]], { lr: 0.1, weight_decay: 0 });
    const g = tf.tensor1d([2, -3]);
    optimizer.step({ a: g });
    // first Adam step moves each element by lr·sign(g) (up to ε)
    expectClose([...a.dataSync()], [0.9, -1.9]);
    expect(b.dataSync()[0]).to.equal(3);
    expect(Object.keys(optimizer.stateDict().steps)).to.deep.equal(['a']);
    tf.dispose([a, b, g]);
    optimizer.dispose();
  });
});

describe('SGD (torch.optim.SGD)', () => {
  const grads = [0.5, -0.25];

  it('plain, with L2 weight decay added to the gradient', () => {
    // d = g + 0.1·p: 0.6 → p = 0.94; −0.25 + 0.094 = −0.156 → p = 0.9556
    expectClose(trajectory((params) => new SGD(params, { lr: 0.1, weight_decay: 0.1 }), grads), [0.94, 0.9556]);
  });

  it('momentum with dampening: the buffer starts as the first gradient, undamped', () => {
    // step 1: d = 0.6, buf = 0.6, p = 0.94
    // step 2: d = −0.156, buf = 0.9·0.6 + 0.9·(−0.156) = 0.3996, p = 0.94 − 0.03996 = 0.90004
    const sgd = (params: [string, tf.Variable][]) => new SGD(params, { lr: 0.1, momentum: 0.9, dampening: 0.1, weight_decay: 0.1 });
    expectClose(trajectory(sgd, grads), [0.94, 0.90004]);
  });

  it('nesterov momentum', () => {
    // step 1: buf = 0.5, d = 0.5 + 0.9·0.5 = 0.95, p = 0.905
    // step 2: buf = 0.45 − 0.25 = 0.2, d = −0.25 + 0.18 = −0.07, p = 0.912
    const sgd = (params: [string, tf.Variable][]) => new SGD(params, { lr: 0.1, momentum: 0.9, nesterov: true });
    expectClose(trajectory(sgd, grads), [0.905, 0.912]);
  });

  it('rejects nesterov without momentum or with dampening, as torch', () => {
    expect(() => new SGD([], { nesterov: true })).to.throw('nesterov');
    expect(() => new SGD([], { nesterov: true, momentum: 0.9, dampening: 0.1 })).to.throw('nesterov');
  });
});

describe('optimizer state', () => {
  it('round-trips through stateDict / loadStateDict, giving identical further updates', () => {
    const run = (optimizer: Optimizer, p: tf.Variable, g: number) => {
      const grad = tf.fill([2, 2], g);
      optimizer.step({ w: grad });
      grad.dispose();
      return [...p.dataSync()];
    };
    const p = tf.variable(tf.tensor2d([[1, 2], [3, 4]]));
    const a = new AdamW([['w', p]], { lr: 0.05, amsgrad: true });
    run(a, p, 0.3);
    run(a, p, -0.1);
    const saved = a.stateDict();
    const q = tf.variable(tf.tensor(p.dataSync(), p.shape));
    const b = new AdamW([['w', q]], { lr: 0.05, amsgrad: true });
    b.loadStateDict(saved);
    expect(run(b, q, 0.7)).to.deep.equal(run(a, p, 0.7));
    expect(b.stateDict().steps).to.deep.equal({ w: 3 });
    tf.dispose([p, q]);
    a.dispose();
    b.dispose();
  });

  it('refuses state of another optimizer, unknown parameters and wrong shapes, keeping its own', () => {
    const p = tf.variable(tf.zeros([2]));
    const adam = new AdamW([['w', p]]);
    const g = tf.ones([2]);
    adam.step({ w: g });
    const state = adam.stateDict();
    expect(() => new SGD([['w', p]]).loadStateDict(state)).to.throw('cannot load AdamW state into SGD');
    expect(() => adam.loadStateDict({ ...state, steps: { v: 1 } })).to.throw("unknown parameter 'v'");
    const bad = new Map(state.tensors).set('w.exp_avg', { dtype: 'F32', shape: [3], data: new Float32Array(3) });
    expect(() => adam.loadStateDict({ ...state, tensors: bad })).to.throw("'w.exp_avg' has shape [3], its parameter [2]");
    expect(adam.stateDict().steps).to.deep.equal({ w: 1 });
    tf.dispose([p, g]);
    adam.dispose();
  });

  it('leaks no tensors over steps, state round trips and dispose', () => {
    const p = tf.variable(tf.ones([3, 2]));
    const before = tf.memory().numTensors;
    for (const make of [
      () => new AdamW([['w', p]], { amsgrad: true }),
      () => new SGD([['w', p]], { momentum: 0.9, weight_decay: 1e-4, nesterov: true }),
    ]) {
      const optimizer = make();
      for (let i = 0; i < 3; i++) {
        const g = tf.randomNormal([3, 2]);
        optimizer.step({ w: g });
        g.dispose();
      }
      optimizer.loadStateDict(optimizer.stateDict());
      optimizer.dispose();
    }
    expect(tf.memory().numTensors).to.equal(before);
    p.dispose();
  });
});

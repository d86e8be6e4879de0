import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import * as nn from '../../lib/nn/index.js';
import { manualSeed } from '../../lib/random.js';

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe('Dropout, Dropout2d, DropPath', () => {
  it('Dropout zeroes about p of the elements and scales the rest by 1/(1-p)', () => {
    manualSeed(3);
    const y = values(new nn.Dropout(0.25).forward(tf.ones([20000])));
    const zeros = y.filter((v) => v === 0).length / y.length;
    expect(zeros).to.be.closeTo(0.25, 0.02);
    expect(y.filter((v) => v !== 0).every((v) => Math.abs(v - 1 / 0.75) < 1e-6)).to.equal(true);
  });

  it('is reproducible from the seed and the identity in eval mode', () => {
    manualSeed(5);
    const a = values(new nn.Dropout(0.5).forward(tf.ones([64])));
    manualSeed(5);
    const b = values(new nn.Dropout(0.5).forward(tf.ones([64])));
    expect(a).to.deep.equal(b);
    const x = tf.ones([4, 4]);
    expect(new nn.Dropout(0.5).eval().forward(x)).to.equal(x);
    expect(new nn.DropPath(0.5).eval().forward(x)).to.equal(x);
    expect(new nn.Dropout2d(0.5).eval().forward(x)).to.equal(x);
  });

  it('Dropout2d drops whole channels of [B, H, W, C]', () => {
    manualSeed(1);
    const y = new nn.Dropout2d(0.5).forward(tf.ones([4, 3, 3, 16]));
    const perChannel = tf.reshape(tf.transpose(y, [0, 3, 1, 2]), [64, 9]).arraySync() as number[][];
    for (const row of perChannel) expect(new Set(row).size).to.equal(1);
    const dropped = perChannel.filter((row) => row[0] === 0).length;
    expect(dropped).to.be.within(16, 48);
    expect(perChannel.filter((row) => row[0] !== 0).every((row) => row[0] === 2)).to.equal(true);
  });

  it('DropPath drops whole samples (timm drop_path with scale_by_keep)', () => {
    manualSeed(2);
    const y = new nn.DropPath(0.5).forward(tf.ones([200, 5, 4]));
    const perSample = tf.reshape(y, [200, 20]).arraySync() as number[][];
    for (const row of perSample) expect(new Set(row).size).to.equal(1);
    const kept = perSample.filter((row) => row[0] === 2).length;
    expect(kept + perSample.filter((row) => row[0] === 0).length).to.equal(200);
    expect(kept).to.be.within(70, 130);
  });

  it('rejects a probability outside [0, 1)', () => {
    expect(() => new nn.Dropout(1)).to.throw('Dropout probability must be in [0, 1), got 1');
    expect(() => new nn.DropPath(-0.1)).to.throw('DropPath probability must be in [0, 1), got -0.1');
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { initBackend } from '../lib/backend.js';

describe('backend selection', () => {
  let original: string;
  before(() => {
    original = tf.getBackend();
  });
  after(async () => {
    await tf.setBackend(original);
  });

  it('selects wasm and cpu on request', async () => {
    expect(await initBackend('cpu', { quiet: true })).to.equal('cpu');
    expect(tf.getBackend()).to.equal('cpu');
    expect(await initBackend('wasm', { quiet: true })).to.equal('wasm');
    expect(tf.getBackend()).to.equal('wasm');
  });

  it('rejects an unknown backend name with the choices', async () => {
    let message = '';
    await initBackend('gpu0', { quiet: true }).catch((e: Error) => (message = e.message));
    expect(message).to.equal("unknown backend 'gpu0': use one of tensorflow, wasm, cpu or auto");
  });

  it('explains how to get the tensorflow backend when it is not installed', async function () {
    let message = '';
    const chosen = await initBackend('tensorflow', { quiet: true }).catch((e: Error) => {
      message = e.message;
      return undefined;
    });
    if (chosen === 'tensorflow') this.skip(); // a machine with tfjs-node installed
    expect(message).to.match(/^backend 'tensorflow' is not available \(@tensorflow\/tfjs-node-gpu: /);
    expect(message).to.contain('npm install @tensorflow/tfjs-node-gpu');
  });
});

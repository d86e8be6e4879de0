import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { WasmHeapFull, initBackend, isWasmFailure } from '../lib/backend.js';

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

  it('kernels replaced before the wasm backend starts still work once it starts (fresh process)', () => {
    const backend = fileURLToPath(new URL('../lib/backend.js', import.meta.url));
    const script = `
      import * as tf from '@tensorflow/tfjs-core';
      const { loadAllBackends } = await import(${JSON.stringify(backend)});
      await loadAllBackends();
      await tf.setBackend('wasm');
      const a = tf.tensor2d([[1, 2], [3, 4]]);
      const w = tf.ones([3, 3, 2, 2]);
      const g = tf.grad((f) => tf.sum(tf.conv2d(tf.ones([1, 4, 4, 2]), f, 1, 'same')))(w);
      console.log(JSON.stringify([Array.from(tf.matMul(a, a, true, false).dataSync()), tf.sum(g).dataSync()[0]]));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', cwd: fileURLToPath(new URL('../../', import.meta.url)) });
    expect(r.stderr).to.not.contain('Error');
    const [product, gradSum] = JSON.parse(r.stdout.trim().split('\n').pop()!);
    expect(product).to.deep.equal([10, 14, 14, 20]); // aᵀa
    // dL/dW[kh, kw, i, o] counts the output pixels whose tap (kh, kw) lands inside the 4x4 image:
    // (3 + 4 + 3) rows x (3 + 4 + 3) columns = 100 over the 9 taps, for each of 2x2 channel pairs
    expect(gradSum).to.equal(2 * 2 * 100);
  });

  it('tells a failure inside the wasm module (a trap, an abort: how running out of heap shows) from other errors', async () => {
    await initBackend('wasm', { quiet: true });
    expect(isWasmFailure(new WebAssembly.RuntimeError('table index is out of bounds'))).to.equal(true);
    expect(isWasmFailure(new Error('Aborted(). Build with -sASSERTIONS for more info.'))).to.equal(true);
    // a trap in a worker thread arrives as a plain Error with the trap's message
    expect(isWasmFailure(new Error('memory access out of bounds'))).to.equal(true);
    expect(isWasmFailure(new Error('Error in matMul: inner shapes (3) and (4) of Tensors with shapes 2,3 and 4,5 must match'))).to.equal(false);
    await initBackend('cpu', { quiet: true });
    expect(isWasmFailure(new WebAssembly.RuntimeError('unreachable'))).to.equal(false);
  });

  it('throws when the wasm heap cannot hold a tensor (tfjs would write it over the heap from address 0)', async () => {
    await initBackend('wasm', { quiet: true });
    const before = tf.memory().numTensors;
    const held = tf.zeros([64, 1024, 1024]); // 256 MB
    let caught: unknown;
    try {
      tf.zeros([1023, 1024, 1024]); // 4092 MB more: beyond the 4096 MB wasm32 addresses
    } catch (err) {
      caught = err;
    }
    held.dispose();
    expect(caught).to.be.instanceOf(WasmHeapFull);
    expect((caught as Error).message).to.match(/^the wasm heap is full: 4092 MB more did not fit in its \d+ MB$/);
    expect(isWasmFailure(caught)).to.equal(true);
    expect(tf.memory().numTensors).to.equal(before);
    expect(tf.sum(tf.ones([4, 4])).dataSync()[0]).to.equal(16); // the backend goes on working
  });
});

import { expect } from 'chai';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchNorm2d, Conv2d, Linear, Module } from '../../lib/nn/index.js';
import {
  formatLoadReport, loadStateDict, readSafetensors, saveSafetensors, stateDictOf, writeSafetensors, type TensorRecord,
} from '../../lib/weights/node.js';

class Tiny extends Module {
  readonly fc = this.addModule('fc', new Linear(3, 2));
  readonly conv = this.addModule('conv', new Conv2d(2, 4, [1, 2]));
  readonly bn = this.addModule('bn', new BatchNorm2d(4));
}

const iota = (n: number, from = 0) => Float32Array.from({ length: n }, (_, i) => from + i);

/** Every state tensor of Tiny in torch names, layouts and dtypes, with distinct values. */
function torchState(): Map<string, TensorRecord> {
  return new Map<string, TensorRecord>([
    ['fc.weight', { dtype: 'F32', shape: [2, 3], data: iota(6, 1) }], // [[1, 2, 3], [4, 5, 6]]
    ['fc.bias', { dtype: 'F32', shape: [2], data: new Float32Array([0.5, -0.5]) }],
    ['conv.weight', { dtype: 'F32', shape: [4, 2, 1, 2], data: iota(16) }], // [o, i, 0, w] = 4o + 2i + w
    ['conv.bias', { dtype: 'F32', shape: [4], data: iota(4, 10) }],
    ['bn.weight', { dtype: 'F32', shape: [4], data: iota(4, 20) }],
    ['bn.bias', { dtype: 'F32', shape: [4], data: iota(4, 30) }],
    ['bn.running_mean', { dtype: 'F32', shape: [4], data: iota(4, 40) }],
    ['bn.running_var', { dtype: 'F32', shape: [4], data: iota(4, 50) }],
    ['bn.num_batches_tracked', { dtype: 'I64', shape: [], data: new Int32Array([7]) }],
  ]);
}

describe('weights/load', () => {
  let dir: string;
  let model: Tiny;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'segvit-load-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));
  beforeEach(() => (model = new Tiny()));
  afterEach(() => model.dispose());

  it('loads a torch-layout safetensors file, transposing linear and conv weights', () => {
    const path = join(dir, 'tiny.safetensors');
    writeSafetensors(path, torchState());
    const report = loadStateDict(model, readSafetensors(path).tensors, { strict: true });
    expect(report.loaded).to.have.length(9);
    expect(report).to.deep.include({ missing: [], unexpected: [], mismatched: [] });
    const fc = model.fc.weight.arraySync() as number[][]; // tf [in, out]
    expect(fc[2][0]).to.equal(3); // torch [out=0, in=2]
    expect(fc[0][1]).to.equal(4); // torch [out=1, in=0]
    const conv = model.conv.weight.arraySync() as number[][][][]; // tf [kh, kw, in, out]
    expect(conv[0][1][1][3]).to.equal(15); // torch [o=3, i=1, 0, w=1] = 4*3 + 2*1 + 1
    expect(conv[0][0][1][2]).to.equal(10);
    expect([...model.bn.runningVar!.dataSync()]).to.deep.equal([50, 51, 52, 53]);
    expect(model.bn.numBatchesTracked!.dtype).to.equal('int32');
    expect(model.bn.numBatchesTracked!.dataSync()[0]).to.equal(7);
  });

  it('loads a one-element [1] tensor into a scalar (num_batches_tracked as some writers store it), not a [2] one', () => {
    const state = torchState();
    state.set('bn.num_batches_tracked', { dtype: 'I64', shape: [1], data: new Int32Array([9]) });
    expect(loadStateDict(model, state, { strict: true }).loaded).to.have.length(9);
    expect(model.bn.numBatchesTracked!.dataSync()[0]).to.equal(9);
    state.set('bn.num_batches_tracked', { dtype: 'I64', shape: [2], data: new Int32Array([9, 9]) });
    expect(loadStateDict(model, state).mismatched).to.deep.equal([{ key: 'bn.num_batches_tracked', expected: [], got: [2] }]);
  });

  it('reports missing, unexpected and mismatched keys and loads only what matches', () => {
    const state = torchState();
    state.delete('bn.bias');
    state.set('head.weight', { dtype: 'F32', shape: [1], data: new Float32Array([1]) });
    state.set('fc.bias', { dtype: 'F32', shape: [3], data: new Float32Array(3) });
    const fcBias = [...model.fc.bias!.dataSync()];
    const report = loadStateDict(model, state);
    expect(report.missing).to.deep.equal(['bn.bias']);
    expect(report.unexpected).to.deep.equal(['head.weight']);
    expect(report.mismatched).to.deep.equal([{ key: 'fc.bias', expected: [2], got: [3] }]);
    expect(report.loaded).to.have.length(7);
    expect([...model.fc.bias!.dataSync()]).to.deep.equal(fcBias);
    expect([...model.bn.weight!.dataSync()]).to.deep.equal([20, 21, 22, 23]);
    const text = formatLoadReport(report);
    expect(text).to.contain('loaded 7 of 9 model tensors');
    expect(text).to.contain('missing (1): bn.bias');
    expect(text).to.contain('unexpected (1): head.weight');
    expect(text).to.contain('mismatched (1): fc.bias (checkpoint [3], model [2])');
  });

  it('reports a weight whose layout rank differs as mismatched, in torch shapes', () => {
    const state = torchState();
    state.set('conv.weight', { dtype: 'F32', shape: [4, 2], data: new Float32Array(8) });
    expect(loadStateDict(model, state).mismatched).to.deep.equal([
      { key: 'conv.weight', expected: [4, 2, 1, 2], got: [4, 2] },
    ]);
  });

  it('strict throws one error naming the keys, truncates long lists and changes nothing', () => {
    const state = torchState();
    state.delete('fc.weight');
    for (let i = 0; i < 15; i++) state.set(`extra.${i}`, { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    const before = [...model.conv.weight.dataSync()];
    expect(() => loadStateDict(model, state, { strict: true }))
      .to.throw(/checkpoint does not match Tiny \(strict\):/)
      .with.property('message')
      .that.contains('missing (1): fc.weight')
      .and.contains('unexpected (15): extra.0, extra.1')
      .and.contains('extra.9 ... and 5 more');
    expect([...model.conv.weight.dataSync()]).to.deep.equal(before);
  });

  it('ignore patterns hide keys on both sides', () => {
    const state = torchState();
    state.delete('bn.running_mean');
    state.set('decode_head.conv_seg.weight', { dtype: 'F32', shape: [1], data: new Float32Array(1) });
    const report = loadStateDict(model, state, { strict: true, ignore: [/running_mean$/, /^decode_head\./g] });
    expect(report.loaded).to.have.length(8);
    expect(report).to.deep.include({ missing: [], unexpected: [] });
  });

  it('stateDictOf and saveSafetensors give back the torch-layout tensors', () => {
    const torch = torchState();
    loadStateDict(model, torch, { strict: true });
    expect([...stateDictOf(model).keys()]).to.deep.equal([...model.namedState()].map(([key]) => key));
    const path = join(dir, 'saved.safetensors');
    saveSafetensors(model, path, { format: 'pt' });
    const saved = readSafetensors(path);
    expect(saved.metadata).to.deep.equal({ format: 'pt' });
    expect([...saved.tensors.keys()]).to.deep.equal([...torch.keys()]);
    for (const [key, record] of torch) {
      const got = saved.tensors.get(key)!;
      expect(got.shape, key).to.deep.equal(record.shape);
      expect([...got.data], key).to.deep.equal([...record.data]);
    }
    expect(saved.tensors.get('fc.weight')!.dtype).to.equal('F32');
    expect(saved.tensors.get('bn.num_batches_tracked')!.dtype).to.equal('I32');
  });

  it('does not leak tensors', () => {
    const start = tf.memory().numTensors;
    loadStateDict(model, torchState());
    stateDictOf(model);
    expect(tf.memory().numTensors).to.equal(start);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { SeMaskSwinTransformer } from '../../lib/backbones/semask-swin.js';
import { SwinTransformer } from '../../lib/backbones/swin.js';
import { BatchNorm2d, Linear, Module, Sequential } from '../../lib/nn/index.js';
import { adaptCheckpoint, loadWeights, renameKeys, type CheckpointAdapter, type StateDict, type TensorRecord } from '../../lib/weights/index.js';

const record = (value: number): TensorRecord => ({ dtype: 'F32', shape: [1], data: new Float32Array([value]) });
const state = (...keys: string[]) => new Map(keys.map((key, i) => [key, record(i)]));

/** What each adapter was called with, in call order. */
let calls: { adapter: string; keys: string[]; name: string }[] = [];

/** An adapter that records its call and prefixes every key it sees with `tag/`. */
const tagging = (tag: string): CheckpointAdapter => ({
  adapt(s: StateDict, _module: Module, name: string) {
    calls.push({ adapter: tag, keys: [...s.keys()], name });
    return new Map([...s].map(([key, r]) => [`${tag}/${key}`, r]));
  },
});

class Encoder extends Module {
  static override checkpointAdapter = tagging('enc');
  readonly fc = this.addModule('fc', new Linear(1, 1));
}

/** Works at its parent, as DPTHead: hands `official.*` to its sibling `backbone`. */
class Decoder extends Module {
  static override checkpointAdapter: CheckpointAdapter = {
    scope: 'parent',
    adapt(s: StateDict, _module: Module, name: string) {
      calls.push({ adapter: 'dec', keys: [...s.keys()], name });
      return renameKeys(s, [[/^official\./, 'backbone.']]);
    },
  };
  readonly fc = this.addModule('fc', new Linear(1, 1));
}

class Whole extends Module {
  readonly backbone = this.addModule('backbone', new Encoder());
  readonly decode_head = this.addModule('decode_head', new Decoder());
}

describe('weights/adapt', () => {
  beforeEach(() => (calls = []));

  it("applies each module's adapter to the keys of its scope, outer scopes first, keys kept in place", () => {
    const model = new Whole();
    const adapted = adaptCheckpoint(model, state('official.fc.weight', 'decode_head.fc.weight', 'backbone.fc.bias', 'top'));
    // the decoder works on its parent's keys (everything here) and runs before the deeper encoder, which then sees
    // the keys the decoder handed to it
    expect(calls).to.deep.equal([
      { adapter: 'dec', keys: ['official.fc.weight', 'decode_head.fc.weight', 'backbone.fc.bias', 'top'], name: 'decode_head' },
      { adapter: 'enc', keys: ['fc.weight', 'fc.bias'], name: '' },
    ]);
    // the encoder's keys take the place of its first key
    expect([...adapted.keys()]).to.deep.equal(['backbone.enc/fc.weight', 'backbone.enc/fc.bias', 'decode_head.fc.weight', 'top']);
    expect([...adapted.values()].map((r) => r.data[0])).to.deep.equal([0, 2, 1, 3]);
    model.dispose();
  });

  it('gives a module-scoped adapter its own keys without the prefix; other keys keep their order', () => {
    class Pair extends Module {
      readonly a = this.addModule('a', new Encoder());
      readonly b = this.addModule('b', new Encoder());
    }
    const model = new Pair();
    const adapted = adaptCheckpoint(model, state('b.fc.weight', 'x', 'a.fc.weight', 'a.fc.bias', 'y'));
    expect(calls).to.deep.equal([
      { adapter: 'enc', keys: ['fc.weight', 'fc.bias'], name: '' },
      { adapter: 'enc', keys: ['fc.weight'], name: '' },
    ]);
    expect([...adapted.keys()]).to.deep.equal(['b.enc/fc.weight', 'x', 'a.enc/fc.weight', 'a.enc/fc.bias', 'y']);
    expect([...adapted.values()].map((r) => r.data[0])).to.deep.equal([0, 1, 2, 3, 4]);
    model.dispose();
  });

  it('runs a parent-scoped adapter of the root on every key, with an empty name', () => {
    const head = new Decoder();
    expect([...adaptCheckpoint(head, state('fc.weight', 'official.x')).keys()]).to.deep.equal(['fc.weight', 'backbone.x']);
    expect(calls).to.deep.equal([{ adapter: 'dec', keys: ['fc.weight', 'official.x'], name: '' }]);
    head.dispose();
  });

  it('SeMask-Swin inherits the Swin adapter', () => {
    expect(SwinTransformer.checkpointAdapter).to.not.equal(undefined);
    expect(SeMaskSwinTransformer.checkpointAdapter).to.equal(SwinTransformer.checkpointAdapter);
    expect(Module.checkpointAdapter).to.equal(undefined);
  });

  it('BatchNorm loads running statistics without num_batches_tracked (torchvision 2017 checkpoints) with the counter at 0, as PyTorch', () => {
    const model = new Sequential([new BatchNorm2d(2)]);
    const filled = (v: number): TensorRecord => ({ dtype: 'F32', shape: [2], data: new Float32Array([v, v]) });
    const old = new Map(['weight', 'bias', 'running_mean', 'running_var'].map((k, i) => [`0.${k}`, filled(i + 2)]));
    model.at(0).forward(tf.ones([1, 1, 1, 2])); // training mode: the counter moves to 1
    const report = loadWeights(model, old, { strict: true });
    expect(report.loaded).to.include('0.num_batches_tracked');
    const bn = model.at(0) as BatchNorm2d;
    expect(bn.numBatchesTracked!.dataSync()[0]).to.equal(0);
    expect(Array.from(bn.runningVar!.dataSync())).to.deep.equal([5, 5]);
    // a checkpoint that has the counter keeps it
    old.set('0.num_batches_tracked', { dtype: 'I64', shape: [], data: new Int32Array([9]) });
    loadWeights(model, old, { strict: true });
    expect(bn.numBatchesTracked!.dataSync()[0]).to.equal(9);
    model.dispose();
  });

  it('renameKeys applies every rule in order to each key', () => {
    const renamed = renameKeys(state('stages.0.attn.w_msa.qkv.weight', 'norm0.bias'), [
      [/^stages\.(\d+)\./, 'layers.$1.'],
      [/\.attn\.w_msa\./, '.attn.'],
    ]);
    expect([...renamed.keys()]).to.deep.equal(['layers.0.attn.qkv.weight', 'norm0.bias']);
  });
});

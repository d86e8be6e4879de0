import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import '../../lib/components.js';
import { FeaturePyramidTransformerHead, type FPTHeadOptions } from '../../heads/fpt.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import { registries } from '../../lib/registry.js';
import { manualSeed } from '../../lib/random.js';
import { totalLoss, type EncoderDecoder } from '../../lib/segmentors/encoder-decoder.js';
import { loadStateDict } from '../../lib/weights/index.js';
import { channelsLast, parityError } from '../helpers/parity.js';
import { readJsonFixture, record, stateDict, type StoredTensor } from '../helpers/torch-json.js';

interface FptFixture {
  config: { channels: number; num_classes: number; num_heads: number };
  state_dict: Record<string, StoredTensor>;
  io: Record<string, StoredTensor>;
}

const DEMO = fileURLToPath(new URL('../../../configs/demo/digits_pgt-nano_fpt.json', import.meta.url));

const tinyHead = (o: Partial<FPTHeadOptions> = {}) =>
  new FeaturePyramidTransformerHead({ in_channels: [8, 8, 8], in_index: [0, 1, 2], channels: 8, num_classes: 5, num_heads: 2, ...o });

describe('FeaturePyramidTransformerHead', () => {
  describe("matches the FTN port's head (tools/reference/ftn_port.py)", () => {
    const fx = readJsonFixture<FptFixture>('ftn/fpt.json');
    const run = (portTranspose: boolean, prefix: string) => {
      const head = tinyHead({ port_transpose: portTranspose }).eval();
      loadStateDict(head, stateDict(fx.state_dict), { strict: true });
      const inputs = [0, 1, 2].map((i) => channelsLast(record(fx.io[`${prefix}in${i}`])) as tf.Tensor4D);
      const out = head.forward(inputs);
      tf.dispose(inputs);
      head.dispose();
      return out;
    };

    it('as written (portTranspose: the map transposed after every stage), square levels 8/4/2', () => {
      const out = run(true, '');
      expect(parityError(out, record(fx.io.out_port))).to.be.at.most(1e-4);
      out.dispose();
    });

    it('upright (the default): the port with permute(0, 3, 1, 2)', () => {
      const out = run(false, '');
      expect(parityError(out, record(fx.io.out_upright))).to.be.at.most(1e-4);
      // the port's transposition is not a detail: the outputs differ
      expect(parityError(out, record(fx.io.out_port))).to.be.greaterThan(1e-2);
      out.dispose();
    });

    it('upright on levels 9x6 / 4x3 / 2x2, upsampling to the next finer level', () => {
      const out = run(false, 'odd_');
      expect(out.shape).to.deep.equal([2, 9, 6, 5]);
      expect(parityError(out, record(fx.io.odd_out_upright))).to.be.at.most(1e-4);
      out.dispose();
    });
  });

  it("has the port's parameter names and, at 512 channels, the port's size (25.29M with 150 classes)", () => {
    const head = tinyHead();
    const names = [...head.namedState()].map(([k]) => k);
    expect(names).to.include.members([
      'branches.0.0.0.norm1.weight',
      'branches.0.2.0.attn.q.weight',
      'branches.0.2.0.attn.kv.bias',
      'branches.0.1.0.attn.sr.weight',
      'branches.1.1.0.attn.norm.bias',
      'branches.2.0.0.attn.proj.weight',
      'branches.2.0.0.norm2.bias',
      'branches.1.0.0.ffn.layers.0.0.weight',
      'branches.1.0.0.ffn.layers.1.bias',
      'conv_seg.weight',
    ]);
    expect(names.filter((n) => n.startsWith('branches.')).length).to.equal(6 * 18);
    head.dispose();
    const c = 512;
    // 6 blocks of norm1, q, kv, sr (2x2 conv), attn.norm, proj, norm2, FFN ratio 4; then conv_seg
    const block = 2 * c + (c * c + c) + (2 * c * c + 2 * c) + (4 * c * c + c) + 2 * c + (c * c + c) + 2 * c + (8 * c * c + 5 * c);
    const expected = 6 * block + (c * 150 + 150);
    const torch = readJsonFixture<{ counts: { tiny: { decode_head: number } } }>('ftn/params.json').counts.tiny.decode_head;
    expect(expected).to.equal(torch);
    const big = new FeaturePyramidTransformerHead({ in_channels: [c, c, c], in_index: [0, 1, 2], channels: c, num_classes: 150 });
    expect(big.numParameters()).to.equal(25_291_926).and.to.equal(expected);
    big.dispose();
  });

  it('a learned position embedding per branch (use_ape): port names and layout, resized to each input', () => {
    const head = tinyHead({ use_ape: true, ape_sizes: [[2, 2], [4, 4], [8, 8]] }).eval();
    const state = new Map(head.namedState());
    expect(state.get('ape_embeds.0')!.variable.shape).to.deep.equal([1, 8, 2, 2]);
    expect(state.get('ape_embeds.2')!.variable.shape).to.deep.equal([1, 8, 8, 8]);
    const inputs = [[12, 10], [6, 5], [3, 2]].map(([h, w]) => tf.randomNormal([1, h, w, 8]) as tf.Tensor4D);
    const before = head.forward(inputs);
    state.get('ape_embeds.1')!.variable.assign(tf.tidy(() => tf.mul(state.get('ape_embeds.1')!.variable, 3)));
    const after = head.forward(inputs);
    expect(after.shape).to.deep.equal([1, 12, 10, 5]);
    expect(tf.max(tf.abs(tf.sub(before, after))).dataSync()[0]).to.be.greaterThan(1e-4);
    tf.dispose([...inputs, before, after]);
    head.dispose();
  });

  it('rejects inputs of another width than channels, maps smaller than the reduction, and portTranspose on non-square maps', () => {
    expect(() => new FeaturePyramidTransformerHead({ in_channels: [8, 16, 8], in_index: [0, 1, 2], channels: 8, num_classes: 5 })).to.throw(
      'every in_channels must equal it, got [8,16,8]',
    );
    const head = tinyHead().eval();
    const small = [[4, 4], [2, 2], [1, 1]].map(([h, w]) => tf.zeros([1, h, w, 8]) as tf.Tensor4D);
    expect(() => head.forward(small)).to.throw('a 1x1 map is smaller than the spatial reduction ratio 2');
    const quirk = tinyHead({ port_transpose: true }).eval();
    const oblong = [[8, 6], [4, 3], [2, 2]].map(([h, w]) => tf.zeros([1, h, w, 8]) as tf.Tensor4D);
    expect(() => quirk.forward(oblong)).to.throw('only runs on square maps');
    tf.dispose([...small, ...oblong]);
    head.dispose();
    quirk.dispose();
  });
});

describe('FTN (PGT + FPN + FPT + FCN aux) from the digits demo config', () => {
  const build = () => {
    const cfg = validateConfig(loadConfig(DEMO));
    return registries.segmentor.build(cfg.model!, 'model') as unknown as EncoderDecoder;
  };

  it('gives 1/8 neck and head maps for a 100x76 input, and logits at the input size', () => {
    const model = build().eval();
    const img = tf.randomNormal([1, 100, 76, 3]) as tf.Tensor4D;
    const feats = model.extractFeat(img);
    expect(feats.map((f) => f.shape)).to.deep.equal([
      [1, 12, 9, 64],
      [1, 6, 4, 64],
      [1, 3, 2, 64],
    ]);
    const logits = model.decodeHead.forward(feats);
    expect(logits.shape).to.deep.equal([1, 12, 9, 11]);
    const full = model.encodeDecode(img);
    expect(full.shape).to.deep.equal([1, 100, 76, 11]);
    tf.dispose([img, ...feats, logits, full]);
    model.dispose();
  });

  // At 128 px the 1/32 level is 4x4, reduced to 2x2 keys; at the demo's 64 px it is 2x2, reduced to a single key, whose
  // softmax is 1 whatever the query: the first query projection of branch 0 then gets no gradient (in the port too).
  it('one training step at 128 px sends a non-zero gradient to every parameter', () => {
    manualSeed(0);
    const model = build().train();
    const img = tf.randomNormal([2, 128, 128, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const label = tf.randomUniform([2, 128, 128], 0, 11, 'int32', 4) as tf.Tensor3D;
    const params = model.trainableParameters();
    expect(params.length).to.be.greaterThan(100);
    const { value, grads } = tf.variableGrads(() => totalLoss(model.loss(img, { label })), params.map(([, v]) => v));
    expect(Number.isFinite(value.dataSync()[0])).to.equal(true);
    const dead = params.filter(([, v]) => tf.tidy(() => tf.max(tf.abs(grads[v.name])).dataSync()[0]) === 0).map(([k]) => k);
    expect(dead).to.deep.equal([]);
    tf.dispose([img, label, value, ...Object.values(grads)]);
    model.dispose();
  });

  it('training steps and inference leave the tensor count flat', () => {
    const model = build();
    const img = tf.randomNormal([2, 64, 64, 3]) as tf.Tensor4D;
    const label = tf.randomUniform([2, 64, 64], 0, 11, 'int32') as tf.Tensor3D;
    const optimizer = tf.train.adam(1e-3);
    const vars = model.trainableParameters().map(([, v]) => v);
    const counts: number[] = [];
    for (let step = 0; step < 3; step++) {
      const { value, grads } = tf.variableGrads(() => totalLoss(model.loss(img, { label })), vars);
      optimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
      tf.dispose([value, ...Object.values(grads)]);
      counts.push(tf.memory().numTensors);
    }
    model.eval();
    tf.dispose(model.encodeDecode(img));
    counts.push(tf.memory().numTensors);
    expect(new Set(counts).size, `tensor counts ${counts}`).to.equal(1);
    optimizer.dispose();
    tf.dispose([img, label]);
    model.dispose();
  });
});


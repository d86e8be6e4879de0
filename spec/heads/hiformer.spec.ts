import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { join } from 'node:path';
import '../../lib/components.js';
import { All2Cross, type All2CrossOptions } from '../../lib/backbones/hiformer.js';
import { HiFormerHead } from '../../heads/hiformer.js';
import { EncoderDecoder } from '../../lib/segmentors/encoder-decoder.js';
import { registries } from '../../lib/registry.js';
import { loadWeights, readCheckpoint, type TensorRecord } from '../../lib/weights/node.js';
import { fixtureOrSkip } from '../fixtures.js';
import { onBackend } from '../helpers/backends.js';
import { hashedState, hashedTensor, sampledError, type SampledTensor } from '../helpers/hashed-weights.js';
import { channelsLast, parityError, parityErrorSameLayout } from '../helpers/parity.js';
import { readJsonFixture } from '../helpers/torch-json.js';

type Outputs = Record<'level1_tokens' | 'level2_tokens' | 'output', SampledTensor>;
/** spec/fixtures/hiformer/reference.json (tools/reference/hiformer_reference.py), the parts read here. */
interface Reference {
  params: Record<'hiformer_s', Record<'decoder', number>>;
  hashed: Record<'hiformer_b' | 'hiformer_l' | 'hiformer_s_112', Outputs>;
}
const reference = readJsonFixture<Reference>('hiformer/reference.json');

/** configs/HiFormer_configs.py: the encoder options of each variant (S: the defaults). */
const VARIANTS: Record<'s' | 'b' | 'l', All2CrossOptions> = {
  s: {},
  b: { cnn_backbone: 'resnet50', depth: [[1, 2, 0]], num_heads: [6, 12], mlp_ratio: [2, 2, 1] },
  l: { depth: [[1, 4, 0]], num_heads: [6, 6], mlp_ratio: [4, 4, 1] },
};

const hiformer = (backbone: All2CrossOptions = {}, classes = 9) =>
  new EncoderDecoder({ backbone: new All2Cross(backbone), decode_head: new HiFormerHead({ num_classes: classes }) });

/** Our state names -> the official model's: the encoder under `All2Cross.`, the decoder at the top. */
const officialName = (name: string) => name.replace(/^backbone\./, 'All2Cross.').replace(/^decode_head\./, '');

/** The levels (tokens, CLS first) and the logits of a HiFormer on x [B, H, W, 3], logits NCHW as the reference. */
function run(model: EncoderDecoder, x: tf.Tensor4D): Record<keyof Outputs, tf.Tensor> {
  const [level1, level2] = (model.backbone as All2Cross).forwardTokens(x);
  const output = tf.transpose(model.encodeDecode(x), [0, 3, 1, 2]);
  return { level1_tokens: level1, level2_tokens: level2, output };
}

describe('HiFormer (All2Cross + HiFormerHead)', function () {
  this.timeout(240000);

  for (const backend of ['wasm', 'cpu']) {
    it(`matches the official HiFormer-S: level1_tokens, level2_tokens, output (fixture hiformer-a, F16 weights, ${backend})`, async function () {
      const dir = fixtureOrSkip(this, 'hiformer-a');
      const errors = await onBackend(backend, () => {
        const model = hiformer().eval();
        const report = loadWeights(model, join(dir, 'weights.safetensors'), { strict: true });
        expect(report.loaded).to.have.length([...model.namedState()].length);
        const io = readCheckpoint(join(dir, 'io.safetensors'));
        const x = channelsLast(io.get('input')!) as tf.Tensor4D;
        const [level1, level2] = (model.backbone as All2Cross).forwardTokens(x);
        const output = model.decodeHead.forward(model.backbone.forward(x));
        const errs = [
          // tokens [B, 1+N, C] have the same layout in both
          ['level1_tokens', parityErrorSameLayout(level1, io.get('level1_tokens')!)],
          ['level2_tokens', parityErrorSameLayout(level2, io.get('level2_tokens')!)],
          ['output', parityError(output, io.get('output')!)],
        ] as const;
        tf.dispose([x, level1, level2, output]);
        model.dispose();
        return errs;
      });
      for (const [name, err] of errors) expect(err, name).to.be.at.most(1e-4);
    });
  }

  const hashedCases: [string, keyof Reference['hashed'], All2CrossOptions, number][] = [
    ['HiFormer-B', 'hiformer_b', VARIANTS.b, 224],
    ['HiFormer-L', 'hiformer_l', VARIANTS.l, 224],
    ['HiFormer-S built for 112×112 (its 7×7 Swin stage is one unshifted window)', 'hiformer_s_112', { image_size: 112 }, 112],
  ];
  for (const [label, name, options, size] of hashedCases) {
    it(`matches the official ${label} on hashed weights loaded by the official names (wasm)`, async () => {
      const errors = await onBackend('wasm', () => {
        const model = hiformer(options).eval();
        loadWeights(model, hashedState(model, officialName), { strict: true });
        const x = tf.transpose(tf.tensor(hashedTensor('input', [1, 3, size, size]).data, [1, 3, size, size]), [0, 2, 3, 1]) as tf.Tensor4D;
        const outs = run(model, x);
        const errs = Object.entries(outs).map(([k, t]) => [k, sampledError(t, reference.hashed[name][k as keyof Outputs])] as const);
        tf.dispose([x, ...Object.values(outs)]);
        model.dispose();
        return errs;
      });
      expect(errors.map(([k]) => k)).to.deep.equal(['level1_tokens', 'level2_tokens', 'output']);
      for (const [k, err] of errors) expect(err, k).to.be.at.most(1e-4);
    });
  }

  it('names the decoder as the official HiFormer and has its parameter count', () => {
    const head = new HiFormerHead({ num_classes: 9 });
    expect([...head.namedState()].map(([k]) => k)).to.deep.equal([
      'ConvUp_s.convs_level.0.weight', 'ConvUp_s.convs_level.1.weight', 'ConvUp_s.convs_level.1.bias',
      'ConvUp_s.convs_level.4.weight', 'ConvUp_s.convs_level.5.weight', 'ConvUp_s.convs_level.5.bias',
      'ConvUp_l.convs_level.0.weight', 'ConvUp_l.convs_level.1.weight', 'ConvUp_l.convs_level.1.bias',
      'segmentation_head.0.weight', 'segmentation_head.0.bias', 'conv_pred.0.weight', 'conv_pred.0.bias',
    ]);
    expect(head.numParameters()).to.equal(reference.params.hiformer_s.decoder);
    head.dispose();
  });

  it('gives logits at the input size from the 1/4 and 1/16 maps', () => {
    const head = new HiFormerHead({ in_channels: [16, 64], channels: 32, pred_channels: 8, num_classes: 3 });
    const out = head.forward([tf.zeros([2, 16, 12, 16]), tf.zeros([2, 4, 3, 64])] as tf.Tensor4D[]);
    expect(out.shape).to.deep.equal([2, 64, 48, 3]);
    tf.dispose(out);
    head.dispose();
  });

  it('loads an official checkpoint into the head alone: the encoder and the conv_tower copies left out', () => {
    const head = new HiFormerHead({ num_classes: 9 });
    const official = hashedState(head);
    for (const [key, record] of [...official]) if (key.startsWith('ConvUp_')) official.set(key.replace('convs_level', 'conv_tower'), record);
    official.set('All2Cross.norm.0.weight', hashedTensor('All2Cross.norm.0.weight', [96]));
    const report = loadWeights(head, official as Map<string, TensorRecord>, { strict: true });
    expect(report.loaded).to.have.length(13);
    head.dispose();
  });

  it('refuses channels GroupNorm(32) cannot split and options the architecture fixes, naming the key', () => {
    const build = (o: object) => () => registries.head.build({ type: 'HiFormerHead', num_classes: 9, ...o }, 'model.decode_head');
    expect(build({ channels: 100 })).to.throw('model.decode_head.channels: 100 is not a multiple of 32 (GroupNorm with 32 groups)');
    expect(build({ dropout_ratio: 0.1 })).to.throw('model.decode_head.dropout_ratio');
    expect(build({ norm_cfg: { type: 'BN' } })).to.throw('model.decode_head.norm_cfg');
    expect(build({ in_channels: [96] })).to.throw('model.decode_head.in_channels');
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VisionTransformer } from '../../lib/backbones/vit.js';
import { SwinTransformer } from '../../lib/backbones/swin.js';
import { DPTHead, type DPTHeadOptions } from '../../heads/dpt.js';
import { DepthEstimator } from '../../lib/segmentors/depth-estimator.js';
import { EncoderDecoder, totalLoss } from '../../lib/segmentors/encoder-decoder.js';
import { loadWeights, readCheckpoint, stateDictOf, writeSafetensors, type TensorRecord } from '../../lib/weights/node.js';
import { manualSeed } from '../../lib/random.js';
import { fixtureOrSkip } from '../fixtures.js';
import { onBackend } from '../helpers/backends.js';
import { channelsLast, parityError, parityErrorSameLayout } from '../helpers/parity.js';

/** The dpt-depth-a fixture's model (meta.json): ViT D=48, 12 blocks, 2 heads, pretrained at 64; features 32. */
const fixtureModel = () =>
  new DepthEstimator({
    backbone: new VisionTransformer({ img_size: 64, embed_dims: 48, num_layers: 12, num_heads: 2, out_indices: [2, 5, 8, 11], output_cls_token: true }),
    decode_head: new DPTHead({ in_channels: [48, 48, 48, 48], channels: 32, num_classes: 1, task: 'depth', post_process_channels: [16, 32, 48, 64] }),
  });

/** The dpt-hybrid-a fixture's model (spec/fixtures/dpt-hybrid-a/meta.json, made by tools/reference/dpt_hybrid.py). */
const hybridModel = () =>
  new DepthEstimator({
    backbone: new VisionTransformer({
      img_size: 64, embed_dims: 32, num_layers: 4, num_heads: 2, out_indices: [2, 3], output_cls_token: true,
      hybrid: { layers: [1, 1, 1], channels: [128, 128, 128], stem_channels: 32, out_indices: [0, 1] },
    }),
    decode_head: new DPTHead({
      in_channels: [128, 128, 32, 32], channels: 32, num_classes: 1, task: 'depth', post_process_channels: [128, 128, 32, 32],
      reassemble: [false, false, true, true],
    }),
  });
const HYBRID_FIXTURE = fileURLToPath(new URL('../../../spec/fixtures/dpt-hybrid-a/', import.meta.url));

/** Load a DPT fixture into `model` and compare reassemble1..4 and the depth output with the official ones. */
function fixtureErrors(model: DepthEstimator, dir: string, tensors: number): (readonly [string, number])[] {
  model.eval();
  const report = loadWeights(model, join(dir, 'weights.safetensors'), { strict: true });
  expect(report.loaded).to.have.length(tensors);
  const io = readCheckpoint(join(dir, 'io.safetensors'));
  const x = channelsLast(io.get('input')!) as tf.Tensor4D;
  const stages = model.decodeHead instanceof DPTHead ? model.decodeHead.reassemble(model.extractFeat(x)) : [];
  const depth = model.predict(x);
  const errs = [
    ...stages.map((s, i) => [`reassemble${i + 1}`, parityError(s, io.get(`reassemble${i + 1}`)!)] as const),
    ['output', parityErrorSameLayout(depth, io.get('output')!)] as const,
  ];
  tf.dispose([x, depth, ...stages]);
  model.dispose();
  return errs;
}

const tinyVit = () => new VisionTransformer({ img_size: 32, embed_dims: 16, num_layers: 4, num_heads: 2, out_indices: [0, 1, 2, 3], output_cls_token: true });

const tinyHead = (o: Partial<DPTHeadOptions> = {}) =>
  new DPTHead({ in_channels: [16, 16, 16, 16], channels: 16, num_classes: 4, post_process_channels: [8, 8, 16, 16], align_corners: true, ...o });

const tinySegDpt = () => new EncoderDecoder({ backbone: tinyVit(), decode_head: tinyHead() });

/** segvit names -> official DPT names, as the official DPTSegmentationModel's state_dict names them. */
function officialName(key: string): string {
  return key
    .replace(/^backbone\./, 'pretrained.model.')
    .replace(/^decode_head\.(act_postprocess\d)\./, 'pretrained.$1.')
    .replace(/^decode_head\./, '');
}

describe('DPTHead', () => {
  describe('matches the official DPTDepthModel (fixture dpt-depth-a, 64x96 input, pos_embed resized from 4x4 to 4x6)', () => {
    for (const backend of ['wasm', 'cpu']) {
      it(`${backend}: reassemble1..4 and the depth output`, async function () {
        const dir = fixtureOrSkip(this, 'dpt-depth-a');
        // 222 official tensors minus the final norm (2) and refinenet4.resConfUnit1 (4), which DPT never uses
        const errors = await onBackend(backend, () => fixtureErrors(fixtureModel(), dir, 216));
        expect(errors).to.have.length(5);
        for (const [name, e] of errors) expect(e, name).to.be.at.most(1e-4);
      });
    }
  });

  describe('DPT-Hybrid matches the official code (fixture dpt-hybrid-a: timm 0.4.5 ResNetV2 + ViT, 64x96 input)', () => {
    for (const backend of ['wasm', 'cpu']) {
      it(`${backend}: ResNet stages through identity reassembly, ViT stages through project readout, depth`, async () => {
        // 153 official tensors minus the final norm (2) and refinenet4.resConfUnit1 (4)
        const errors = await onBackend(backend, () => fixtureErrors(hybridModel(), HYBRID_FIXTURE, 147));
        expect(errors).to.have.length(5);
        for (const [name, e] of errors) expect(e, name).to.be.at.most(1e-4);
      });
    }
  });

  it('DPT-Base and DPT-Large heads: official names and sizes', () => {
    // per stage: readout Linear(2D, D) + 1x1 conv D -> c_i + resample; layer_rn 3x3 to 256 without bias;
    // refinenet1..3 = 2 RCUs of two 3x3 convs (590,080 each) + out_conv 65,792; refinenet4 has one RCU;
    // depth head 256 -> 128 (3x3), 128 -> 32 (3x3), 32 -> 1: 331,969
    const base = new DPTHead({ in_channels: [768, 768, 768, 768], channels: 256, num_classes: 1, task: 'depth' });
    // readout 4·1,180,416 + convs 1,107,360 + resample 5,604,384 + layer_rn 3,317,760 + fusion 8,524,288 + head
    expect(base.numParameters()).to.equal(23_607_425);
    base.dispose();
    const large = new DPTHead({ in_channels: [1024, 1024, 1024, 1024], channels: 256, num_classes: 1, task: 'depth', post_process_channels: [256, 512, 1024, 1024] });
    // readout 4·2,098,176 + convs 2,886,400 + resample 11,536,128 + layer_rn 6,488,064 + fusion 8,524,288 + head
    expect(large.numParameters()).to.equal(38_159_553);
    const names = [...large.namedState()].map(([k]) => k);
    expect(names).to.include.members([
      'act_postprocess1.0.project.0.weight',
      'act_postprocess1.3.weight',
      'act_postprocess1.4.weight',
      'act_postprocess2.4.bias',
      'act_postprocess3.3.bias',
      'act_postprocess4.4.weight',
      'scratch.layer1_rn.weight',
      'scratch.layer4_rn.weight',
      'scratch.refinenet1.out_conv.weight',
      'scratch.refinenet1.resConfUnit1.conv1.bias',
      'scratch.refinenet4.resConfUnit2.conv2.bias',
      'scratch.output_conv.0.weight',
      'scratch.output_conv.2.weight',
      'scratch.output_conv.4.bias',
    ]);
    expect(names).to.not.include.members(['act_postprocess3.4.weight', 'scratch.layer1_rn.bias', 'scratch.refinenet4.resConfUnit1.conv1.weight', 'conv_seg.weight']);
    large.dispose();
    // DPT-Hybrid: stages 1-2 are ResNet maps (no act_postprocess); readout 2·1,180,416 + convs 1,181,184 + resample
    // 5,309,184 + layer_rn 5,308,416 + fusion + head. With its R50+ViT-B (98,180,416) and the official extras (final
    // norm, refinenet4.resConfUnit1, ViT classifier): 123,146,985, the paper's 123M.
    const hybrid = new DPTHead({
      in_channels: [256, 512, 768, 768], channels: 256, num_classes: 1, task: 'depth', post_process_channels: [256, 512, 768, 768],
      reassemble: [false, false, true, true],
    });
    expect(hybrid.numParameters()).to.equal(23_015_873);
    expect([...hybrid.namedState()].map(([k]) => k).filter((k) => k.startsWith('act_postprocess1') || k.startsWith('act_postprocess2'))).to.deep.equal([]);
    hybrid.dispose();
  });

  it('takes hierarchical maps (Swin-T widths, 1/4..1/32) straight into layer{i}_rn with reassemble off', () => {
    const head = new DPTHead({ in_channels: [96, 192, 384, 768], channels: 32, num_classes: 5, reassemble: [false, false, false, false] }).eval();
    expect([...head.namedState()].some(([k]) => k.startsWith('act_postprocess'))).to.equal(false);
    expect(head.scratch.layerRn.map((c) => c.inChannels)).to.deep.equal([96, 192, 384, 768]);
    const shapes: [number, number, number, number][] = [[2, 16, 16, 96], [2, 8, 8, 192], [2, 4, 4, 384], [2, 2, 2, 768]];
    const maps = shapes.map((s) => tf.randomNormal(s) as tf.Tensor4D);
    expect(head.reassemble(maps)).to.deep.equal(maps);
    expect(head.forward(maps).shape).to.deep.equal([2, 64, 64, 5]);
    head.dispose();
    // and end to end behind a real (tiny) Swin
    const model = new EncoderDecoder({
      backbone: new SwinTransformer({ embed_dims: 16, depths: [2, 2, 2, 2], num_heads: [1, 2, 2, 4], window_size: 4, drop_path_rate: 0 }),
      decode_head: new DPTHead({ in_channels: [16, 32, 64, 128], channels: 16, num_classes: 5, reassemble: [false, false, false, false] }),
    }).eval();
    expect(model.encodeDecode(tf.randomNormal([1, 64, 96, 3]) as tf.Tensor4D).shape).to.deep.equal([1, 64, 96, 5]);
    model.dispose();
    tf.dispose(maps);
  });

  it('readout add and ignore reassemble without readout weights', () => {
    const x = tf.randomNormal([1, 64, 64, 3]) as tf.Tensor4D;
    for (const readoutType of ['add', 'ignore'] as const) {
      const model = new EncoderDecoder({ backbone: tinyVit(), decode_head: tinyHead({ readout_type: readoutType }) }).eval();
      expect([...model.namedState()].some(([k]) => k.includes('.project.'))).to.equal(false);
      const stages = (model.decodeHead as DPTHead).reassemble(model.extractFeat(x));
      expect(stages.map((s) => s.shape)).to.deep.equal([[1, 16, 16, 8], [1, 8, 8, 8], [1, 4, 4, 16], [1, 2, 2, 16]]);
      model.dispose();
    }
  });

  it('explains missing CLS tokens, sizes that are not multiples of 32 and depth misuse', () => {
    const head = tinyHead();
    const vit = new VisionTransformer({ img_size: 32, embed_dims: 16, num_layers: 4, num_heads: 2, out_indices: [0, 1, 2, 3] });
    expect(() => head.forward(vit.forward(tf.zeros([1, 64, 64, 3]) as tf.Tensor4D))).to.throw(
      "DPTHead readout_type 'project' needs each token stage's CLS token [B, 1, 1, D] after the maps (set output_cls_token: true",
    );
    const withCls = tinySegDpt();
    expect(() => withCls.encodeDecode(tf.zeros([1, 48, 64, 3]) as tf.Tensor4D)).to.throw(
      'DPT fusion: the upsampled coarser path is 4x4 but the stage is 3x4; DPT needs input sides that are multiples of 32',
    );
    expect(() => tinyHead({ task: 'depth' })).to.throw("DPTHead.num_classes: task 'depth' predicts 1 channel, not num_classes 4");
    const depth = tinyHead({ task: 'depth', num_classes: 1 });
    expect(() => depth.loss([], { label: tf.zeros([1, 4, 4], 'int32') as tf.Tensor3D })).to.throw(
      "DPTHead task 'depth' trains on depth maps (targets.depth, from a DepthEstimator), not on class labels",
    );
    [head, vit, withCls, depth].forEach((m) => m.dispose());
  });

  it('invert gives depth = 1 / max(scale·pred + shift, 1e-8)', () => {
    const depthModel = (o: Partial<DPTHeadOptions>) => {
      manualSeed(3);
      return new DepthEstimator({ backbone: tinyVit(), decode_head: tinyHead({ task: 'depth', num_classes: 1, ...o }) }).eval();
    };
    const x = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const models = [depthModel({}), depthModel({ invert: true, scale: 2, shift: 0.5 }), depthModel({ invert: true, scale: -1, shift: 0 })];
    const [plain, inverted, capped] = models.map((m) => m.predict(x));
    expect(inverted.shape).to.deep.equal([1, 64, 64]);
    const expected = tf.div(1, tf.add(tf.mul(plain, 2), 0.5));
    expect(tf.max(tf.abs(tf.sub(inverted, expected))).dataSync()[0]).to.be.below(1e-5);
    // non-negative predictions times a negative scale fall below 1e-8, which caps the depth at 1e8
    expect(tf.min(capped).dataSync()[0]).to.equal(1e8);
    tf.dispose([x, plain, inverted, capped, expected]);
    models.forEach((m) => m.dispose());
  });

  describe('segmentation variant', () => {
    it('builds the official DPTSegmentationModel head: BN residual units, output_conv.{0,1,4}, auxlayer.{0,1,4}', () => {
      const model = tinySegDpt();
      const names = [...model.namedState()].map(([k]) => k);
      model.dispose();
      expect(names).to.include.members([
        'decode_head.scratch.refinenet2.resConfUnit1.bn1.running_var',
        'decode_head.scratch.refinenet2.resConfUnit1.conv2.weight',
        'decode_head.scratch.output_conv.0.weight',
        'decode_head.scratch.output_conv.1.num_batches_tracked',
        'decode_head.scratch.output_conv.4.bias',
        'decode_head.auxlayer.0.weight',
        'decode_head.auxlayer.1.running_mean',
        'decode_head.auxlayer.4.weight',
      ]);
      expect(names).to.not.include.members(['decode_head.scratch.refinenet2.resConfUnit1.conv1.bias', 'decode_head.scratch.output_conv.0.bias']);
    });

    it('loads a state dict in official DPT names (with the keys DPT never uses) and reproduces the model', () => {
      manualSeed(1);
      const source = tinySegDpt().eval();
      const official = new Map<string, TensorRecord>([...stateDictOf(source)].map(([k, v]) => [officialName(k), v]));
      const filler = (shape: number[]): TensorRecord => ({ dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(0.5) });
      official.set('pretrained.model.norm.weight', filler([16]));
      official.set('pretrained.model.norm.bias', filler([16]));
      official.set('pretrained.model.head.weight', filler([10, 16]));
      official.set('pretrained.model.head.bias', filler([10]));
      for (const conv of ['conv1', 'conv2']) official.set(`scratch.refinenet4.resConfUnit1.${conv}.weight`, filler([16, 16, 3, 3]));
      for (const bn of ['bn1', 'bn2']) {
        for (const t of ['weight', 'bias', 'running_mean', 'running_var']) official.set(`scratch.refinenet4.resConfUnit1.${bn}.${t}`, filler([16]));
      }
      expect([...official.keys()]).to.include.members([
        'pretrained.model.cls_token',
        'pretrained.model.blocks.3.attn.qkv.weight',
        'pretrained.act_postprocess1.0.project.0.weight',
        'pretrained.act_postprocess4.4.weight',
        'scratch.layer2_rn.weight',
        'scratch.refinenet1.resConfUnit2.bn2.running_mean',
        'scratch.output_conv.4.weight',
        'auxlayer.1.weight',
      ]);
      const file = join(mkdtempSync(join(tmpdir(), 'segvit-dpt-')), 'dpt_official_names.safetensors');
      writeSafetensors(file, official);

      manualSeed(2);
      const target = tinySegDpt().eval();
      const report = loadWeights(target, file, { strict: true });
      expect(report.loaded).to.have.length(stateDictOf(source).size);
      const x = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
      const [a, b] = [source.encodeDecode(x), target.encodeDecode(x)];
      expect(a.shape).to.deep.equal([1, 64, 64, 4]);
      expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).to.equal(0);
      tf.dispose([x, a, b]);
      source.dispose();
      target.dispose();
    });

    const quadrants = (b: number, s: number) =>
      tf.tensor3d(
        Int32Array.from({ length: b * s * s }, (_, i) => {
          const p = i % (s * s);
          return p % 17 === 0 ? 255 : 2 * Number(Math.floor(p / s) >= s / 2) + Number(p % s >= s / 2);
        }),
        [b, s, s],
        'int32',
      );

    const tinyHybridSeg = () =>
      new EncoderDecoder({
        backbone: new VisionTransformer({
          img_size: 64, embed_dims: 32, num_layers: 2, num_heads: 2, out_indices: [0, 1], output_cls_token: true,
          hybrid: { layers: [1, 1, 1], channels: [128, 128, 128], stem_channels: 32, out_indices: [0, 1] },
        }),
        decode_head: tinyHead({ in_channels: [128, 128, 32, 32], post_process_channels: [128, 128, 32, 32], reassemble: [false, false, true, true] }),
      });

    for (const [name, build] of [['ViT', tinySegDpt], ['R50 hybrid', tinyHybridSeg]] as const) {
      it(`one training step reaches every parameter (${name}: embedding, readout, reassembly, fusion, output_conv, auxlayer)`, () => {
        manualSeed(0);
        const model = build();
        const img = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
        const label = quadrants(2, 64);
        const params = model.trainableParameters();
        const { value, grads } = tf.variableGrads(() => totalLoss(model.loss(img, { label })), params.map(([, v]) => v));
        const silent = params.filter(([, v]) => !grads[v.name] || tf.max(tf.abs(grads[v.name])).dataSync()[0] === 0).map(([k]) => k);
        expect(silent).to.deep.equal([]);
        expect(params.length).to.be.greaterThan(100);
        tf.dispose([value, img, label, ...Object.values(grads)]);
        model.dispose();
      });
    }

    it('a few training steps lower the loss, reporting loss_ce, acc_seg and loss_aux, without leaking tensors', () => {
      manualSeed(0);
      const model = tinySegDpt();
      const img = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
      const label = quadrants(2, 64);
      const optimizer = tf.train.adam(5e-3);
      const vars = model.trainableParameters().map(([, v]) => v);
      const history: number[] = [];
      const live: number[] = [];
      let keys: string[] = [];
      for (let step = 0; step < 8; step++) {
        const { value, grads } = tf.variableGrads(() => {
          const losses = model.loss(img, { label });
          keys = Object.keys(losses);
          return totalLoss(losses);
        }, vars);
        optimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
        history.push(value.dataSync()[0]);
        tf.dispose([value, ...Object.values(grads)]);
        live.push(tf.memory().numTensors);
      }
      expect(keys).to.deep.equal(['decode.loss_ce', 'decode.acc_seg', 'decode.loss_aux']);
      expect(history[7]).to.be.below(history[0] * 0.8);
      expect(live.slice(1).every((n) => n === live[1]), `live tensors per step: ${live}`).to.equal(true);
      model.dispose();
    });
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { join } from 'node:path';
import '../../lib/components.js';
import { DFormer, type DFormerOptions } from '../../lib/backbones/dformer.js';
import { grouping, partition, unpartition } from '../../lib/backbones/dformer-attention.js';
import { DFormerHead } from '../../heads/dformer.js';
import { Conv3d } from '../../lib/nn/index.js';
import { registries } from '../../lib/registry.js';
import { EncoderDecoder3D } from '../../lib/segmentors/encoder-decoder-3d.js';
import { fromTorch } from '../../lib/weights/layout.js';
import { loadWeights, readCheckpoint, type TensorRecord } from '../../lib/weights/node.js';
import { fixtureOrSkip } from '../fixtures.js';
import { maxAbs, maxAbsDiff, onBackend } from '../helpers/backends.js';
import { relativeGradError } from '../helpers/gradcheck.js';
import { channelsLast, parityError } from '../helpers/parity.js';
import { fixturePath, readJsonFixture } from '../helpers/torch-json.js';

/** spec/fixtures/dformer/reference.json (tools/reference/dformer_reference.py), the parts read here. */
interface Reference {
  params: Record<'default_9' | 'fixture_a', { params: number }>;
  padded: { loss_value: number };
}
const reference = readJsonFixture<Reference>('dformer/reference.json');

/** An official SegNetwork's model as segvit builds it: DFormer options, classes, test in one pass. */
function dformer(backbone: DFormerOptions, classes: number): EncoderDecoder3D {
  const c = backbone.embed_dims ?? 96;
  return new EncoderDecoder3D({
    backbone: new DFormer(backbone),
    decode_head: new DFormerHead({ num_classes: classes, in_channels: [c, 2 * c, 4 * c] }),
    test_cfg: { mode: 'whole' },
  });
}

const FIXTURE_A: DFormerOptions = { embed_dims: 24, depths: [2, 2, 2, 2], num_heads: [1, 2, 2, 4] };
/** The padded case: embed 8 and every interval 8, so that GS-MSA pads (D alone, or D and H). */
const PADDED: DFormerOptions = { embed_dims: 8, depths: [2, 2, 2, 2], num_heads: [1, 2, 2, 4], interval_list: [8, 8, 8, 8] };

/** The official state dict's model tensors (the fixture file also holds inputs, outputs and gradients). */
const officialWeights = (all: Map<string, TensorRecord>) => new Map([...all].filter(([key]) => /^(model_down|final)\./.test(key)));

/** Logits of every head, NDHWC, for the NCDHW `input` record. */
function heads(model: EncoderDecoder3D, input: TensorRecord): tf.Tensor5D[] {
  return tf.tidy(() => (model.decodeHead as DFormerHead).forwardAll(model.backbone.forward(channelsLast(input) as tf.Tensor5D)));
}

describe('D-Former (DFormer + DFormerHead in EncoderDecoder3D)', function () {
  this.timeout(300000);

  it('has the official names and parameter count (SegNetwork defaults, 9 classes)', () => {
    const model = dformer({}, 9);
    expect(model.numParameters()).to.equal(reference.params.default_9.params);
    const keys = [...model.namedState()].map(([k]) => k);
    expect(keys).to.include.members([
      'backbone.patch_embed.proj.weight', 'backbone.patch_embed.norm.bias',
      'backbone.layers.0.pos_block.proj.0.weight', 'backbone.layers.2.blocks.5.attn.qkv.bias',
      'backbone.layers.2.downsample.reduction.weight', 'backbone.layers.3.blocks.1.mlp.fc2.weight',
      'backbone.layers_up.0.expand.weight', 'backbone.layers_up.1.upsample.norm.weight', 'backbone.layers_up.3.blocks.1.norm2.bias',
      'backbone.concat_back_dim.1.weight', 'backbone.norm.weight', 'backbone.norm_up.bias',
      'decode_head.final.0.0.expand.weight', 'decode_head.final.2.0.norm.weight', 'decode_head.final.1.1.weight',
    ]);
    expect(keys.filter((k) => /layers\.3\.downsample|layers_up\.3\.upsample|concat_back_dim\.0\.|final\.\d\.1\.bias/.test(k))).to.deep.equal([]);
    model.dispose();
  });

  for (const backend of ['wasm', 'cpu']) {
    it(`matches the official SegNetwork: output and ds1 (fixture dformer-a, 16×64×64, 9 classes, ${backend})`, async function () {
      const dir = fixtureOrSkip(this, 'dformer-a');
      const errors = await onBackend(backend, () => {
        const model = dformer(FIXTURE_A, 9).eval();
        expect(model.numParameters()).to.equal(reference.params.fixture_a.params);
        const report = loadWeights(model, join(dir, 'weights.safetensors'), { strict: true });
        expect(report.loaded).to.have.length([...model.namedState()].length);
        const io = readCheckpoint(join(dir, 'io.safetensors'));
        const [output, ds1] = heads(model, io.get('input')!);
        const errs = [parityError(output, io.get('output')!), parityError(ds1, io.get('ds1')!)];
        model.dispose();
        return errs;
      });
      expect(errors[0], 'output').to.be.at.most(1e-4);
      expect(errors[1], 'ds1').to.be.at.most(1e-4);
    });
  }

  it('matches the official code where groups are padded and masked: LS and GS masks, D-only GS padding unmasked (wasm)', async () => {
    const errors = await onBackend('wasm', () => {
      const all = readCheckpoint(fixturePath('dformer/padded.safetensors'));
      const model = dformer(PADDED, 2).eval();
      loadWeights(model, officialWeights(all), { strict: true });
      const [output, ds1, ds2] = heads(model, all.get('input')!);
      const [dpad] = heads(model, all.get('dpad_input')!);
      const errs = {
        output: parityError(output, all.get('output')!),
        ds1: parityError(ds1, all.get('ds1')!),
        ds2: parityError(ds2, all.get('ds2')!),
        dpad_output: parityError(dpad, all.get('dpad_output')!),
      };
      model.dispose();
      return errs;
    });
    for (const [name, err] of Object.entries(errors)) expect(err, name).to.be.at.most(1e-4);
  });

  it("has the official gradients of mean(output²), the depthwise PEG conv's included (wasm)", async () => {
    const result = await onBackend('wasm', () => {
      const all = readCheckpoint(fixturePath('dformer/padded.safetensors'));
      const model = dformer(PADDED, 2).train();
      loadWeights(model, officialWeights(all), { strict: true });
      const x = channelsLast(all.get('input')!) as tf.Tensor5D;
      const state = new Map([...model.namedState()]);
      const names = [...all.keys()].filter((k) => k.startsWith('grad.')).map((k) => k.slice('grad.'.length));
      const ours = (name: string) => state.get(name.replace(/^model_down\./, 'backbone.').replace(/^final\./, 'decode_head.final.'))!;
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(model.predict(x))) as tf.Scalar, names.map((n) => ours(n).variable));
      const errors = names.map((name) => {
        const { variable, layout } = ours(name);
        const ref = all.get(`grad.${name}`)!;
        const expected = fromTorch(layout, ref.shape, ref.data as Float32Array);
        return [name, maxAbsDiff(grads[variable.name]!.dataSync(), expected.data) / maxAbs(expected.data)] as const;
      });
      const loss = value.dataSync()[0]!;
      model.dispose();
      return { loss, errors };
    });
    expect(result.errors).to.have.length(8);
    expect(result.loss).to.be.closeTo(reference.padded.loss_value, 1e-4 * reference.padded.loss_value);
    for (const [name, err] of result.errors) expect(err, name).to.be.at.most(1e-4);
  });

  for (const backend of ['wasm', 'cpu']) {
    it(`differentiates the depthwise Conv3d (groups = channels, tfjs has none) in x and in its weight (${backend})`, async () => {
      const errs = await onBackend(backend, () => {
        const conv = new Conv3d(3, 3, 3, { padding: 1, groups: 3 });
        const strided = new Conv3d(2, 4, [2, 3, 3], { stride: [2, 1, 2], groups: 2 });
        const inX = relativeGradError((x) => conv.forward(x), [1, 4, 5, 6, 3]);
        const inStridedX = relativeGradError((x) => strided.forward(x), [2, 5, 4, 5, 2]);
        // against a dense conv with the same filters on its diagonal: outputs, and the weight gradients there
        const x = tf.randomNormal([1, 4, 5, 6, 3], 0, 1, 'float32', 3);
        const g = tf.randomNormal([1, 4, 5, 6, 3], 0, 1, 'float32', 4);
        const dense = new Conv3d(3, 3, 3, { padding: 1 });
        const diagonal = tf.reshape(tf.eye(3), [1, 1, 1, 3, 3]);
        dense.weight.assign(tf.mul(tf.reshape(conv.weight, [3, 3, 3, 1, 3]), diagonal));
        dense.bias!.assign(conv.bias!);
        const same = maxAbsDiff(conv.forward(x).dataSync(), dense.forward(x).dataSync());
        const weightGrad = (layer: Conv3d) => tf.variableGrads(() => tf.sum(tf.mul(layer.forward(x), g)) as tf.Scalar, [layer.weight]).grads[layer.weight.name]!;
        const fromDense = tf.sum(tf.mul(weightGrad(dense), diagonal), 3); // [3, 3, 3, C]
        const ours = tf.reshape(weightGrad(conv), [3, 3, 3, 3]);
        const inW = maxAbsDiff(ours.dataSync(), fromDense.dataSync()) / maxAbs(fromDense.dataSync());
        return { inX, inStridedX, inW, same };
      });
      expect(errs.same).to.be.below(1e-5);
      for (const [k, err] of Object.entries(errs)) expect(err, k).to.be.below(1e-3);
    });
  }

  it('groups a batch sample by sample, and undoes it exactly', () => {
    const x = tf.randomNormal([2, 4, 12, 8, 3], 0, 1, 'float32', 1) as tf.Tensor5D;
    for (const g of [grouping([4, 12, 8], [2, 8, 8], 8, true, 'b'), grouping([4, 12, 8], [2, 8, 8], 4, false, 'b')]) {
      const padded = tf.pad(x, [[0, 0], [0, g.pad[0]], [0, g.pad[1]], [0, g.pad[2]], [0, 0]]) as tf.Tensor5D;
      const groups = partition(padded, g);
      const [a, b] = tf.split(padded, 2, 0) as tf.Tensor5D[];
      expect(maxAbsDiff(groups.dataSync(), tf.concat([partition(a, g), partition(b, g)], 0).dataSync())).to.equal(0);
      expect(maxAbsDiff(unpartition(groups, 2, g).dataSync(), padded.dataSync())).to.equal(0);
    }
    // GS at 4×12×8, interval 8: padded to 8×16×8, dilation (4, 2, 1), groups of 2×8×8; masked since H was padded
    expect(grouping([4, 12, 8], [2, 8, 8], 8, true, 'b')).to.deep.equal({ dilated: true, pad: [4, 4, 0], group: [2, 8, 8], count: [4, 2, 1], masked: true });
    // D padded alone: no mask, as the official code
    expect(grouping([4, 8, 8], [2, 8, 8], 8, true, 'b').masked).to.equal(false);
    // H below the group: one group of the whole volume
    expect(grouping([2, 6, 4], [2, 8, 8], 2, true, 'b')).to.deep.equal({ dilated: false, pad: [0, 0, 0], group: [2, 6, 4], count: [1, 1, 1], masked: false });
    expect(() => grouping([2, 28, 8], [2, 8, 8], 4, true, 'model.backbone.layers.1.blocks.1')).to.throw(
      /model\.backbone\.layers\.1\.blocks\.1: GS-MSA cannot group a 2×28×8 volume.*dilation 3 does not tile axis H of 28/,
    );
  });

  it('names the volume sizes it cannot halve evenly, and what to do', () => {
    const model = dformer(PADDED, 2);
    expect(() => model.predict(tf.zeros([1, 12, 64, 64, 1]) as tf.Tensor5D)).to.throw(
      /a 12×64×64 volume gives a 6×16×16 patch grid, which 4 stages cannot halve 3 times evenly.*multiple of 16×32×32/,
    );
    expect(() => model.predict(tf.zeros([1, 64, 64, 1]) as unknown as tf.Tensor5D)).to.throw(/EncoderDecoder3D takes volumes \[B, D, H, W, C\], got \[1,64,64,1\]/);
    // a volume that is not a multiple of the patch is padded, and the logits cropped back
    expect(model.predict(tf.zeros([1, 15, 62, 64, 1]) as tf.Tensor5D).shape).to.deep.equal([1, 15, 62, 64, 2]);
    model.dispose();
  });

  it('builds from a config and refuses 2D parts in EncoderDecoder3D and 3D parts in EncoderDecoder', () => {
    const head = { type: 'DFormerHead', num_classes: 3, in_channels: [8, 16, 32] };
    const model = registries.segmentor.build({ type: 'EncoderDecoder3D', backbone: { type: 'DFormer', ...PADDED }, decode_head: head }, 'model');
    expect(model.task).to.equal('segmentation3d');
    model.dispose();
    expect(() =>
      registries.segmentor.build({ type: 'EncoderDecoder3D', backbone: { type: 'ResNet', depth: 18 }, decode_head: head }, 'model'),
    ).to.throw(/model\.backbone: ResNet works on images \[B, H, W, C\]; EncoderDecoder3D takes volumetric parts/);
    expect(() =>
      registries.segmentor.build(
        { type: 'EncoderDecoder', backbone: { type: 'DFormer', ...PADDED }, decode_head: { type: 'FCNHead', in_channels: 8, channels: 8, num_classes: 2 } },
        'model',
      ),
    ).to.throw(/model\.backbone: DFormer works on volumes \[B, D, H, W, C\]; use it in an EncoderDecoder3D, not EncoderDecoder/);
  });

  it('trains on Dice + CE over the full, 1/2 and 1/4 outputs weighted 1, 1/2, 1/4 (normalised)', () => {
    const model = dformer(PADDED, 3).train();
    const x = tf.randomNormal([1, 16, 64, 64, 1], 0, 1, 'float32', 4) as tf.Tensor5D;
    const label = tf.randomUniformInt([1, 16, 64, 64], 0, 3, 5) as tf.Tensor4D;
    const losses = model.loss(x, { labelVolume: label });
    expect(Object.keys(losses).sort()).to.deep.equal(['decode.acc_seg', 'decode.loss_ce', 'decode.loss_dice']);
    const head = model.decodeHead as DFormerHead;
    const levels = head.forwardAll(model.backbone.forward(x));
    const sub = (i: number) => tf.cast(tf.stridedSlice(label, [0, 0, 0, 0], label.shape, [1, 2 ** i, 2 ** i, 2 ** i]), 'int32') as tf.Tensor4D;
    for (const loss of head.losses) {
      const expected = levels.reduce((sum, logits, i) => sum + (2 ** -i / 1.75) * loss.forward(logits, sub(i), 255).dataSync()[0]!, 0);
      expect(losses[`decode.${loss.lossName}`]!.dataSync()[0]).to.be.closeTo(expected, 1e-5);
    }
    expect(() => model.loss(x, {})).to.throw(/DFormerHead trains on label volumes \(targets\.labelVolume/);
    model.dispose();
  });
});

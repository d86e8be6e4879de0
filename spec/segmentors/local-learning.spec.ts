/**
 * Local learning (train_cfg.local_learning) and activation checkpointing (with_cp): the backbone's cuts reproduce
 * its forward, module-wise gradients equal those of each module's own loss, the last module's equal end to end's,
 * with_cp's equal plain training's, and bad configs fail at build time with the key named.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import '../../lib/components.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import { registries } from '../../lib/registry.js';
import type { EncoderDecoder } from '../../lib/segmentors/encoder-decoder.js';
import { LocalLearningOptions, ReconstructionDecoder } from '../../lib/segmentors/local-learning.js';
import { interpolate } from '../../lib/nn/index.js';
import { totalLoss } from '../../lib/segmentors/total-loss.js';
import type { Backbone, ForwardCuts } from '../../lib/segmentors/types.js';
import { trainStep } from '../../lib/engine/trainer.js';
import { manualSeed } from '../../lib/random.js';
import { memorySavers, outOfMemory } from '../../lib/engine/out-of-memory.js';
import type { ComponentConfig } from '../../lib/config/types.js';

const config = (name: string) => fileURLToPath(new URL(`../../../configs/demo/${name}`, import.meta.url));
const SWIN = config('digits_swin-nano_upernet.json');
const DETERMINISTIC = ['model.decode_head.dropout_ratio=0', 'model.auxiliary_head.dropout_ratio=0', 'model.data_preprocessor.size=[32,32]'];

function build(file: string, options: string[]): EncoderDecoder {
  manualSeed(0);
  const cfg = validateConfig(loadConfig(file, { cfgOptions: options }));
  return registries.segmentor.build(cfg.model!, 'model').train() as EncoderDecoder;
}

const relErr = (a: tf.Tensor, b: tf.Tensor) =>
  tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0] / Math.max(tf.max(tf.abs(b)).dataSync()[0], 1e-12));

/** One training step of `model` on a fixed batch: gradients by parameter name, and the loss terms. */
function step(model: EncoderDecoder, seed = 7) {
  const images = tf.randomUniform([2, 32, 32, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
  const label = tf.randomUniformInt([2, 32, 32], 0, 11, 2) as tf.Tensor3D;
  manualSeed(seed);
  const result = trainStep(model, model.trainableParameters(), images, { label });
  tf.dispose([images, label]);
  return result;
}

describe('backbone cuts', () => {
  const cases: [string, string][] = [
    ['SwinTransformer', 'digits_swin-nano_upernet.json'],
    ['SeMaskSwinTransformer', 'digits_semask-nano_fpn.json'],
    ['PyramidGroupTransformer', 'digits_pgt-nano_fpt.json'],
  ];
  for (const [name, file] of cases) {
    it(`${name}: running the forward cut by cut gives its outputs`, () => {
      const model = build(config(file), []).eval();
      const backbone = model.backbone as Backbone & { cuts: ForwardCuts };
      const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
      const whole = backbone.forwardWithPriors ? backbone.forwardWithPriors(x) : { outs: backbone.forward(x), priors: [] };
      const cuts = backbone.cuts;
      const n = cuts.names.length;
      const a = cuts.run([x], -1, 1);
      expect(a.carry[0].shape.at(-1)).to.equal(cuts.channels(1));
      const b = cuts.run(a.carry, 1, n - 1);
      const c = cuts.run(b.carry, n - 1, n);
      expect(c.carry).to.deep.equal([]);
      const outs = [...a.outs, ...b.outs, ...c.outs];
      expect(outs.map((t) => t.shape)).to.deep.equal(whole.outs.map((t) => t.shape));
      outs.forEach((t, i) => expect(relErr(t, whole.outs[i]), `out ${i}`).to.equal(0));
      expect([...a.priors, ...b.priors, ...c.priors].length).to.equal(whole.priors.length);
      tf.dispose([x, ...whole.outs, ...whole.priors, ...a.carry, ...b.carry, ...outs, ...a.priors, ...b.priors, ...c.priors]);
      model.dispose();
    });
  }

  it('names Swin cuts by the module they follow and its stage cuts', () => {
    const model = build(SWIN, []);
    const { cuts } = model.backbone as Backbone & { cuts: ForwardCuts };
    expect(cuts.names).to.deep.equal([
      'layers.0.blocks.0', 'layers.0', 'layers.1.blocks.0', 'layers.1', 'layers.2.blocks.0', 'layers.2', 'layers.3.blocks.0',
    ]);
    expect(cuts.stageCuts).to.deep.equal(['layers.0', 'layers.1', 'layers.2']);
    expect([-1, 0, 1, 3].map((i) => cuts.channels(i))).to.deep.equal([3, 32, 64, 128]);
    expect(cuts.featureChannels(1)).to.equal(32); // the stage output, before merging
    model.dispose();
  });

  it('a plain ViT is cut by blocks, its hooks being the stage cuts', () => {
    const vit = registries.backbone.build(
      { type: 'VisionTransformer', img_size: 32, patch_size: 8, embed_dims: 16, num_layers: 4, num_heads: 2, out_indices: [1, 3] },
      'backbone',
    );
    const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 4) as tf.Tensor4D;
    const whole = vit.forward(x);
    const cuts = vit.cuts!;
    expect(cuts.names).to.deep.equal(['blocks.0', 'blocks.1', 'blocks.2']);
    expect(cuts.stageCuts).to.deep.equal(['blocks.1']);
    const a = cuts.run([x], -1, 1);
    const b = cuts.run(a.carry, 1, 3);
    expect(a.feature!.shape).to.deep.equal([1, 4, 4, 16]);
    [...a.outs, ...b.outs].forEach((t, i) => expect(relErr(t, whole[i])).to.be.below(1e-6));
    tf.dispose([x, ...whole, ...a.carry, ...a.outs, ...b.outs]);
  });
});

describe('local learning', function () {
  this.timeout(120000);

  it('trains every parameter; the last module and the heads get end to end gradients', () => {
    const e2e = step(build(SWIN, DETERMINISTIC));
    const model = build(SWIN, [...DETERMINISTIC, 'model.train_cfg.local_learning.num_modules=4']);
    expect(model.localLearning!.bounds).to.deep.equal([-1, 1, 3, 5, 7]); // one module per stage
    const local = step(model);
    const params = model.trainableParameters().map(([name]) => name);
    expect(params.filter((name) => !local.grads[name]), 'parameters without a gradient').to.deep.equal([]);
    const lastModule = params.filter((name) => /^(backbone\.(layers\.3|norm3)|decode_head|auxiliary_head)\./.test(name));
    expect(lastModule.length).to.be.greaterThan(20);
    for (const name of lastModule) expect(relErr(local.grads[name], e2e.grads[name]), name).to.be.below(1e-5);
    const early = 'backbone.layers.1.blocks.0.attn.qkv.weight';
    expect(relErr(local.grads[early], e2e.grads[early]), 'module 1 trains on its own loss').to.be.greaterThan(0.01);
    expect(Object.keys(local.values)).to.include.members(['module0.loss_recon', 'module0.aux.loss_ce', 'module2.aux.acc_seg', 'decode.loss_ce']);
    const sum = Object.entries(local.values).filter(([k]) => k.split('.').pop()!.startsWith('loss')).reduce((s, [, v]) => s + v, 0);
    expect(local.loss).to.be.closeTo(sum, 1e-4);
    tf.dispose([...Object.values(e2e.grads), ...Object.values(local.grads)]);
    model.dispose();
  });

  it("module 1's gradients are those of its own loss, its input held constant", () => {
    const model = build(SWIN, [...DETERMINISTIC, 'model.train_cfg.local_learning={"num_modules": 4, "recon_loss": "mse", "aux_head": {"dropout_ratio": 0}}']);
    const local = step(model);
    const ll = model.localLearning!;
    const cuts = model.backbone.cuts!;
    // the same batch, preprocessed, then module 0 as a constant and module 1's loss on one tape
    const images = tf.randomUniform([2, 32, 32, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
    const label = tf.randomUniformInt([2, 32, 32], 0, 11, 2) as tf.Tensor3D;
    const prepared = model.dataPreprocessor.forward(images, { label }, true);
    const input = cuts.run([prepared.images], -1, ll.bounds[1]);
    const names = ['backbone.layers.1.blocks.0.attn.qkv.weight', 'backbone.layers.1.downsample.reduction.weight', 'backbone.norm1.weight'];
    const params = Object.fromEntries(model.trainableParameters());
    const { grads } = tf.variableGrads(() => {
      const out = cuts.run(input.carry, ll.bounds[1], ll.bounds[2]);
      const target = input.carry[0];
      const pred = ll.recon[1].forward(out.carry[0] as tf.Tensor4D, [target.shape[1]!, target.shape[2]!]);
      const recon = tf.mul(tf.mean(tf.square(tf.sub(pred, target))), ll.weights[1].recon);
      return totalLoss({ loss_recon: recon as tf.Scalar, ...ll.auxHeads[1].loss([out.feature!], prepared.targets) });
    }, names.map((n) => params[n]));
    for (const name of names) expect(relErr(local.grads[name], grads[params[name].name]), name).to.be.below(1e-5);
    tf.dispose([images, label, prepared.images, ...Object.values(prepared.targets as object), ...input.carry, ...input.outs]);
    tf.dispose([...Object.values(grads), ...Object.values(local.grads)]);
    model.dispose();
  });

  it("image reconstruction is InfoPro's BCE against the de-normalised image", () => {
    const model = build(SWIN, [
      ...DETERMINISTIC,
      'model.train_cfg.local_learning={"num_modules": 2, "reconstruction": "image", "aux_head": null, "lambda_recon": [2, 2]}',
    ]);
    const ll = model.localLearning!;
    expect(ll.bounds).to.deep.equal([-1, 3, 7]); // stages {0, 1} | {2, 3}
    expect(ll.auxHeads).to.have.length(0);
    const local = step(model);
    const images = tf.randomUniform([2, 32, 32, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
    const prepared = model.dataPreprocessor.forward(images, {}, true);
    const bce = tf.tidy(() => {
      const out = model.backbone.cuts!.run([prepared.images], -1, ll.bounds[1]);
      const p = tf.sigmoid(ll.recon[0].forward(out.carry[0] as tf.Tensor4D, [32, 32]));
      const t = tf.div(images, 255);
      return tf.neg(tf.mean(tf.add(tf.mul(t, tf.log(p)), tf.mul(tf.sub(1, t), tf.log(tf.sub(1, p)))))).dataSync()[0];
    });
    expect(local.values['module0.loss_recon']).to.be.closeTo(2 * bce, 1e-4);
    expect(Object.keys(local.values).filter((k) => k.startsWith('module0'))).to.deep.equal(['module0.loss_recon']);
    tf.dispose([images, prepared.images, ...Object.values(local.grads)]);
    model.dispose();
  });

  it('interpolates λ over the local modules as InfoPro', () => {
    const model = build(SWIN, [
      'model.train_cfg.local_learning={"num_modules": 4, "lambda_recon": [6, 0], "lambda_aux": [0, 2]}',
    ]);
    expect(model.localLearning!.weights).to.deep.equal([{ recon: 6, aux: 0 }, { recon: 3, aux: 1 }, { recon: 0, aux: 2 }]);
    model.dispose();
  });

  const refused: [string, string[], RegExp][] = [
    ['a split that is not a cut', ['model.train_cfg.local_learning={"num_modules": 2, "split": ["layers.9"]}'],
      /model\.train_cfg\.local_learning\.split: 'layers\.9' is not a cut of SwinTransformer; its cuts are layers\.0\.blocks\.0, layers\.0,/],
    ['a split of the wrong length', ['model.train_cfg.local_learning={"num_modules": 3, "split": ["layers.1"]}'],
      /local_learning\.split: 1 cuts given for 3 modules; give 2/],
    ['cuts out of order', ['model.train_cfg.local_learning={"num_modules": 3, "split": ["layers.2", "layers.0"]}'],
      /local_learning\.split: 'layers\.0' does not come after 'layers\.2'/],
    ['more modules than cuts', ['model.train_cfg.local_learning.num_modules=9'],
      /local_learning\.num_modules: 9 modules need 8 cuts, but SwinTransformer has 7/],
    ['more modules than stages without a split', ['model.train_cfg.local_learning.num_modules=5'],
      /local_learning\.split: 5 modules are more than SwinTransformer's 4 stages; give the 4 cuts, e\.g\. split=\["layers\.0\.blocks\.0","layers\.0","layers\.1\.blocks\.0","layers\.1"\]/],
    ['modules without a loss', ['model.train_cfg.local_learning={"num_modules": 2, "reconstruction": "none", "aux_head": null}'],
      /local_learning: reconstruction 'none' and aux_head null leave the local modules without a loss/],
    ['a backbone that declares no cuts', [
      'model.train_cfg.local_learning.num_modules=2',
      'model.backbone={"_delete_": true, "type": "ResNet", "depth": 18}',
      'model.decode_head.in_channels=[64,128,256,512]', 'model.auxiliary_head.in_channels=256',
    ], /model\.train_cfg\.local_learning: ResNet\w* declares no module boundaries/],
  ];
  for (const [what, options, message] of refused) {
    it(`refuses ${what} when the model is built`, () => {
      expect(() => build(SWIN, options)).to.throw(message);
    });
  }
});

describe('ReconstructionDecoder', () => {
  it('narrow form (9·hidden < in): the value and gradients of upsample, then Conv3×3 + BN + ReLU, then Conv3×3', () => {
    manualSeed(3);
    const decoder = new ReconstructionDecoder(48, 3, 3).train();
    const x = tf.randomNormal([2, 5, 6, 48], 0, 1, 'float32', 4) as tf.Tensor4D;
    const g = tf.randomNormal([2, 17, 23, 3], 0, 1, 'float32', 5);
    const vars = decoder.trainableParameters().map(([, v]) => v);
    const size: [number, number] = [17, 23];
    const wide = (t: tf.Tensor4D) => decoder.conv2.forward(decoder.conv1.forward(interpolate(t, { size, mode: 'bilinear', alignCorners: true })));
    const run = (f: (t: tf.Tensor4D) => tf.Tensor) => tf.variableGrads(() => tf.sum(tf.mul(f(x), g)) as tf.Scalar, vars);
    const narrow = tf.valueAndGrads((t: tf.Tensor) => tf.sum(tf.mul(decoder.forward(t as tf.Tensor4D, size), g)))([x]);
    const direct = tf.valueAndGrads((t: tf.Tensor) => tf.sum(tf.mul(wide(t as tf.Tensor4D), g)))([x]);
    expect(relErr(narrow.value, direct.value)).to.be.below(1e-5);
    expect(relErr(narrow.grads[0], direct.grads[0])).to.be.below(1e-5);
    const a = run((t) => decoder.forward(t, size));
    const b = run(wide);
    for (const [name, v] of decoder.trainableParameters()) expect(relErr(a.grads[v.name], b.grads[v.name]), name).to.be.below(1e-5);
    decoder.dispose();
  });
});

describe('with_cp (activation checkpointing)', function () {
  this.timeout(120000);

  /** One training step on a fixed 64×64 batch of labels (or depths), the dropout rng seeded the same. */
  const batchStep = (targets: 'label' | 'depth') => (model: EncoderDecoder) => {
    const images = tf.randomUniform([2, 64, 64, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
    const target = (targets === 'label' ? tf.randomUniformInt([2, 64, 64], 0, 11, 2) : tf.randomUniform([2, 64, 64], 0.5, 10, 'float32', 2)) as tf.Tensor3D;
    manualSeed(7);
    const result = trainStep(model, model.trainableParameters(), images, { [targets]: target });
    tf.dispose([images, target]);
    return result;
  };

  /** with_cp's gradients equal plain training's (and so does the loss, where `sameLoss`). */
  function expectPlainGradients(file: string, options: string[], run: (model: EncoderDecoder) => ReturnType<typeof step>, sameLoss = true): void {
    const plain = run(build(file, options));
    const model = build(file, [...options, 'model.backbone.with_cp=true']);
    const cp = run(model);
    expect(Object.keys(cp.grads)).to.have.length(Object.keys(plain.grads).length);
    for (const [name, g] of Object.entries(plain.grads)) expect(relErr(cp.grads[name], g), name).to.be.below(1e-6);
    if (sameLoss) expect(cp.loss).to.equal(plain.loss);
    tf.dispose([...Object.values(plain.grads), ...Object.values(cp.grads)]);
    model.dispose();
  }

  it('gives the gradients of plain training, drop path included', () => {
    expectPlainGradients(SWIN, [...DETERMINISTIC, 'model.backbone.drop_path_rate=0.5'], (m) => step(m));
  });

  it('PGT: gives the gradients of plain training, drop path included', () => {
    const options = ['model.decode_head.dropout_ratio=0', 'model.data_preprocessor.size=[64,64]', 'model.backbone.drop_path_rate=0.5'];
    expectPlainGradients(config('digits_pgt-nano_fpt.json'), options, batchStep('label'), false);
  });

  it('ViT (DPT depth): gives the gradients of plain training, drop path included', () => {
    expectPlainGradients(config('synthetic-depth_dpt-tiny.json'), ['model.backbone.drop_path_rate=0.5'], batchStep('depth'));
  });
});

describe('out-of-memory advice', () => {
  const savers = (file: string, options: string[]) => {
    manualSeed(0);
    const cfg = validateConfig(loadConfig(file, { cfgOptions: options }));
    const model = registries.segmentor.build(cfg.model!, 'model');
    const result = memorySavers(model, cfg.model!.backbone as ComponentConfig);
    model.dispose();
    return result;
  };
  const LOCAL = 'train the backbone module by module (model.train_cfg.local_learning.num_modules=4)';
  const CP = 'recompute its blocks in the backward (model.backbone.with_cp=true)';

  it('suggests the memory savers the model has and does not use yet', () => {
    expect(savers(SWIN, [])).to.deep.equal([LOCAL, CP]);
    expect(savers(SWIN, ['model.train_cfg.local_learning.num_modules=4'])).to.deep.equal([CP]);
    expect(savers(SWIN, ['model.backbone.with_cp=true'])).to.deep.equal([LOCAL]);
    expect(savers(config('digits_pgt-nano_fpt.json'), [])).to.deep.equal([LOCAL, CP]);
    // DPT's ViT (with CLS readout) has no cuts and trains depth: only with_cp
    expect(savers(config('synthetic-depth_dpt-tiny.json'), [])).to.deep.equal([CP]);
  });

  it('names the heap, what to lower and the savers', () => {
    const err = outOfMemory(new Error('memory access out of bounds'), 'Lower train_dataloader.batch_size (2)', [LOCAL, CP]);
    expect(err.message).to.match(
      /^the wasm backend failed \(memory access out of bounds\) with its heap at \d+ MB of at most 4096 MB: most likely out of memory\. Lower train_dataloader\.batch_size \(2\), train the backbone module by module \(model\.train_cfg\.local_learning\.num_modules=4\), recompute its blocks in the backward \(model\.backbone\.with_cp=true\), or run on the tensorflow backend$/,
    );
  });
});

describe('README: local learning', () => {
  it('documents every local_learning option with its default', () => {
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
    const section = readme.slice(readme.indexOf('### Local learning'), readme.indexOf('### Components'));
    const table = section.slice(section.indexOf('| key | default | meaning |')).split('\n\n')[0];
    const rows = new Map(
      table.split('\n').slice(2).map((l) => {
        const [key, value] = l.split('|').slice(1, 3).map((c) => c.trim());
        return [key.replaceAll('`', ''), value] as const;
      }),
    );
    const properties = LocalLearningOptions.properties as Record<string, { default?: unknown }>;
    expect([...rows.keys()]).to.deep.equal(Object.keys(properties));
    for (const [key, schema] of Object.entries(properties)) {
      if (schema.default !== undefined) expect(rows.get(key), key).to.equal(`\`${JSON.stringify(schema.default).replaceAll(',', ', ').replaceAll(':', ': ')}\``);
    }
  });
});

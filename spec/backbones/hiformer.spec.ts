import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import '../../lib/components.js';
import { All2Cross, type All2CrossOptions } from '../../lib/backbones/hiformer.js';
import { registries } from '../../lib/registry.js';
import { loadWeights, type TensorRecord } from '../../lib/weights/node.js';
import { hashedState, hashedTensor } from '../helpers/hashed-weights.js';
import { readJsonFixture } from '../helpers/torch-json.js';

/** The official counts of tools/reference/hiformer_reference.py. */
const reference = readJsonFixture<{ params: { hiformer_s: Record<'All2Cross' | 'pyramid', number> } }>('hiformer/reference.json');

/** A small All2Cross: ResNet-18, Swin widths 16-32-64 at 64×64, window 4 (the last stage, 4×4, is one window). */
const tiny = (o: All2CrossOptions = {}) =>
  new All2Cross({
    image_size: 64, cnn_backbone: 'resnet18', swin_pyramid_fm: [16, 32, 64], swin_num_heads: [1, 2, 4], swin_depths: [2, 2, 2],
    window_size: 4, num_heads: [2, 4], ...o,
  });

const names = (m: All2Cross) => [...m.namedState()].map(([k]) => k);

describe('All2Cross (HiFormer encoder)', function () {
  this.timeout(120000);

  it("is HiFormer-S's encoder by default, with the official names and parameter count", () => {
    const model = new All2Cross();
    const keys = names(model);
    expect(model.numParameters()).to.equal(reference.params.hiformer_s.All2Cross);
    expect(model.pyramid.numParameters()).to.equal(reference.params.hiformer_s.pyramid);
    expect(keys).to.include.members([
      'pyramid.swin_transformer.layers.2.blocks.5.attn.relative_position_bias_table',
      'pyramid.swin_transformer.layers.0.blocks.1.mlp.fc2.bias',
      'pyramid.resnet_layers.0.weight',
      'pyramid.resnet_layers.1.running_var',
      'pyramid.resnet_layers.5.0.downsample.0.weight',
      'pyramid.resnet_layers.6.5.bn2.bias',
      'pyramid.p1_ch.bias', 'pyramid.p1_pm.reduction.weight', 'pyramid.norm_1.weight',
      'pyramid.p2_ch.weight', 'pyramid.p2_pm.norm.bias', 'pyramid.p3_ch.weight', 'pyramid.norm_2.bias',
      'pos_embed.0', 'pos_embed.1',
      'blocks.0.blocks.0.0.attn.qkv.weight', 'blocks.0.blocks.1.0.mlp.fc1.bias',
      'blocks.0.projs.0.0.weight', 'blocks.0.projs.1.2.bias',
      'blocks.0.fusion.0.norm1.weight', 'blocks.0.fusion.1.attn.wq.weight', 'blocks.0.fusion.0.attn.proj.bias',
      'blocks.0.revert_projs.1.2.weight',
      'norm.0.weight', 'norm.1.bias',
    ]);
    expect(keys.filter((k) => /^pyramid\.(p2|p3)\.|resnet_layers\.[78]/.test(k))).to.deep.equal([]);
    expect(model.posEmbed.items.map((p) => p.shape)).to.deep.equal([[1, 3137, 96], [1, 197, 384]]);
    model.dispose();
  });

  it('returns the two levels as maps, then their CLS tokens, equal to the official token outputs', () => {
    const model = tiny().eval();
    const x = tf.randomNormal([2, 64, 64, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
    const [t1, t2] = model.forwardTokens(x);
    expect([t1.shape, t2.shape]).to.deep.equal([[2, 257, 16], [2, 17, 64]]);
    const outs = model.forward(x);
    expect(outs.map((o) => o.shape)).to.deep.equal([[2, 16, 16, 16], [2, 4, 4, 64], [2, 1, 1, 16], [2, 1, 1, 64]]);
    const asTokens = (map: tf.Tensor4D, cls: tf.Tensor4D) =>
      tf.concat([tf.reshape(cls, [2, 1, -1]), tf.reshape(map, [2, -1, map.shape[3]])], 1);
    expect(tf.max(tf.abs(tf.sub(asTokens(outs[0], outs[2]), t1))).dataSync()[0]).to.equal(0);
    expect(tf.max(tf.abs(tf.sub(asTokens(outs[1], outs[3]), t2))).dataSync()[0]).to.equal(0);
    model.dispose();
  });

  it("keeps each branch's ViT Blocks with their weights, which do not change the output (as the official forward)", () => {
    const model = tiny({ depth: [[1, 2, 0]], mlp_ratio: [2, 2, 1] }).eval();
    const keys = names(model);
    expect(keys).to.include.members(['blocks.0.blocks.0.0.mlp.fc1.weight', 'blocks.0.blocks.1.1.attn.proj.bias']);
    expect(model.blocks.at(0).blocks.at(1).at(0).numParameters()).to.equal(
      // norms 4·64, qkv 64·192 + 192, proj 64·64 + 64, fc1 64·128 + 128, fc2 128·64 + 64
      4 * 64 + 64 * 192 + 192 + 64 * 64 + 64 + 64 * 128 + 128 + 128 * 64 + 64,
    );
    const x = tf.randomNormal([1, 64, 64, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
    const before = model.forwardTokens(x);
    for (const [, p] of model.blocks.at(0).blocks.namedParameters()) p.assign(tf.randomNormal(p.shape, 0, 3));
    const after = model.forwardTokens(x);
    before.forEach((t, i) => expect(tf.max(tf.abs(tf.sub(t, after[i]))).dataSync()[0]).to.equal(0));
    model.dispose();
  });

  it('lists Blocks only for branches with depth > 0 and stacks fuse > 0 cross-attention blocks in a Sequential', () => {
    const model = tiny({ depth: [[0, 1, 2]] });
    const keys = names(model);
    expect(model.blocks.at(0).blocks.length).to.equal(1);
    expect(keys).to.include.members(['blocks.0.blocks.0.0.norm1.weight', 'blocks.0.fusion.0.1.attn.wk.weight', 'blocks.0.fusion.1.0.norm1.bias']);
    expect(model.blocks.at(0).blocks.at(0).at(0).numParameters()).to.be.above(64 * 192); // the 1/16 branch's width
    model.dispose();
  });

  it('takes one unshifted window over a Swin stage no larger than the window (the official rule)', () => {
    const model = new All2Cross({ image_size: 112 });
    const stage = (i: number) => model.pyramid.swinTransformer.layers.at(i).blocks.items.map((b) => [b.windowSize, b.shiftSize]);
    expect(stage(1)).to.deep.equal([[7, 0], [7, 3]]);
    expect(stage(2)).to.deep.equal(Array.from({ length: 6 }, () => [7, 0]));
    model.dispose();
  });

  it('refuses an input of another size than image_size, naming both sizes and the fix', () => {
    const model = tiny();
    const x = tf.zeros([1, 96, 64, 3]) as tf.Tensor4D;
    expect(() => model.forward(x)).to.throw(
      'All2Cross (HiFormer): input 96×64, but the model is built for 64×64 (image_size 64: its position embeddings ' +
        'pos_embed.0 / pos_embed.1 hold 257 and 17 tokens); resize the input to 64×64',
    );
    model.dispose();
  });

  it('refuses geometries the official code cannot build, naming the key', () => {
    const build = (o: All2CrossOptions) => () => registries.backbone.build({ type: 'All2Cross', ...o }, 'model.backbone');
    expect(build({ image_size: 200 })).to.throw('model.backbone.image_size: 200 is not a multiple of 16');
    expect(build({ image_size: 64 })).to.throw('model.backbone.window_size: 7 does not tile Swin stage 0 (16×16 at image_size 64)');
    expect(build({ swin_pyramid_fm: [96, 192, 256] })).to.throw('model.backbone.swin_pyramid_fm: [96, 192, 256] is not [C, 2C, 4C]');
    expect(build({ num_heads: [5, 3] })).to.throw('model.backbone.num_heads: level 0 width 96 is not divisible by 5 heads');
    expect(build({ depth: [[2, 1, 0]] })).to.throw('model.backbone.depth: [[2,1,0]] leaves DLF blocks without a drop-path rate');
    expect(build({ cnn_backbone: 'resnet20' as 'resnet18' })).to.throw('model.backbone.cnn_backbone');
  });

  it('loads the duplicate p2 / p3 copies of an official checkpoint into resnet_layers.5 / .6, and drops recomputed buffers', () => {
    const model = tiny();
    const official = new Map<string, TensorRecord>();
    for (const [key, record] of hashedState(model)) {
      official.set(`All2Cross.${key.replace(/^pyramid\.resnet_layers\.([56])\./, (_, i) => (i === '5' ? 'pyramid.p2.' : 'pyramid.p3.'))}`, record);
    }
    official.set('All2Cross.pyramid.swin_transformer.layers.0.blocks.1.attn_mask', hashedTensor('mask', [16, 16, 16]));
    official.set('All2Cross.pyramid.swin_transformer.layers.0.blocks.0.attn.relative_position_index', hashedTensor('index', [16, 16]));
    official.set('conv_pred.0.bias', hashedTensor('conv_pred.0.bias', [16]));
    // strict: resnet_layers.5 / .6 come from the p2 / p3 copies alone
    const report = loadWeights(model, official, { strict: true });
    expect(report.loaded).to.have.length(names(model).length);
    model.dispose();
  });

  it("loads a torchvision ResNet checkpoint into the CNN branch (the official init), without layer4 and fc", () => {
    const model = tiny();
    const torchvision = new Map<string, TensorRecord>([
      ['conv1.weight', hashedTensor('conv1.weight', [64, 3, 7, 7])],
      ['bn1.running_mean', hashedTensor('bn1.running_mean', [64])],
      ['layer1.0.conv1.weight', hashedTensor('layer1.0.conv1.weight', [64, 64, 3, 3])],
      ['layer3.1.bn2.bias', hashedTensor('layer3.1.bn2.bias', [256])],
      ['layer4.0.conv1.weight', hashedTensor('layer4.0.conv1.weight', [512, 256, 3, 3])],
      ['fc.bias', hashedTensor('fc.bias', [1000])],
    ]);
    const report = loadWeights(model, torchvision);
    expect(report.loaded).to.deep.equal([
      'pyramid.resnet_layers.0.weight', 'pyramid.resnet_layers.1.running_mean', 'pyramid.resnet_layers.1.num_batches_tracked',
      'pyramid.resnet_layers.4.0.conv1.weight', 'pyramid.resnet_layers.6.1.bn2.bias',
    ]);
    expect(report.unexpected).to.deep.equal([]);
    model.dispose();
  });
});

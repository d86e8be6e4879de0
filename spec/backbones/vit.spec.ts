import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { join } from 'node:path';
import '../../lib/components.js';
import { VisionTransformer, VIT_PRESETS } from '../../lib/backbones/vit.js';
import { ResNetV2 } from '../../lib/backbones/resnetv2.js';
import { registries } from '../../lib/registry.js';
import { loadWeights } from '../../lib/weights/node.js';
import { fixtureOrSkip } from '../fixtures.js';

const tiny = (o: ConstructorParameters<typeof VisionTransformer>[0] = {}) =>
  new VisionTransformer({ img_size: 64, embed_dims: 16, num_layers: 4, num_heads: 2, out_indices: [1, 3], ...o });

describe('VisionTransformer', () => {
  it("has timm's ViT-B/16 and ViT-L/16 (384) sizes without the classifier and final norm", () => {
    // Built with one block (a full ViT-L takes a minute to initialise): embeddings + one block, then x depth.
    const oneBlock = (preset: keyof typeof VIT_PRESETS, finalNorm = false) => {
      const model = new VisionTransformer({ ...VIT_PRESETS[preset], num_layers: 1, out_indices: [0], final_norm: finalNorm });
      const block = model.blocks.at(0).numParameters();
      const names = [...model.namedState()].map(([k]) => k);
      const n = model.numParameters();
      model.dispose();
      return { embeddings: n - block, block, names };
    };
    // timm vit_base_patch16_384: 86,859,496 = 86,088,960 + norm 1,536 + head 768·1000 + 1000
    const base = oneBlock('vit-b16-384');
    expect(base.embeddings + 12 * base.block).to.equal(86_088_960);
    expect(base.names.slice(0, 4)).to.deep.equal(['cls_token', 'pos_embed', 'patch_embed.proj.weight', 'patch_embed.proj.bias']);
    expect(base.names).to.include.members([
      'blocks.0.norm1.weight',
      'blocks.0.attn.qkv.bias',
      'blocks.0.attn.proj.weight',
      'blocks.0.norm2.bias',
      'blocks.0.mlp.fc1.weight',
      'blocks.0.mlp.fc2.bias',
    ]);
    expect(base.names).to.not.include('norm.weight');
    // timm vit_large_patch16_384: 304,715,752 = 303,688,704 + norm 2,048 + head 1024·1000 + 1000
    const large = oneBlock('vit-l16-384', true);
    expect(large.embeddings + 24 * large.block).to.equal(303_688_704 + 2_048);
    expect(large.names).to.include('norm.weight');
    expect(VIT_PRESETS['vit-l16-384']).to.include({ num_layers: 24, num_heads: 16, embed_dims: 1024 });
    expect(VIT_PRESETS['vit-l16-384'].out_indices).to.deep.equal([5, 11, 17, 23]);
    expect(VIT_PRESETS['vit-b16-384'].out_indices).to.deep.equal([2, 5, 8, 11]);
  });

  it('R50+ViT-B/16 hybrid (DPT-Hybrid): timm 0.4.5 names and size', () => {
    const model = new VisionTransformer({ ...VIT_PRESETS['vit-b-r50-384'], num_layers: 1, out_indices: [0] });
    const block = model.blocks.at(0).numParameters();
    // timm 0.4.5 vit_base_resnet50_384: 98,950,952 = this + norm 1,536 + head 769,000 (its ResNet: 11,894,848)
    expect(model.numParameters() - block + 12 * block).to.equal(98_180_416);
    expect(model.patchSize).to.equal(16);
    expect(model.posEmbed.shape).to.deep.equal([1, 577, 768]);
    const names = [...model.namedState()].map(([k]) => k);
    expect(names).to.include.members([
      'patch_embed.backbone.stem.conv.weight',
      'patch_embed.backbone.stem.norm.bias',
      'patch_embed.backbone.stages.0.blocks.0.downsample.conv.weight',
      'patch_embed.backbone.stages.0.blocks.0.downsample.norm.weight',
      'patch_embed.backbone.stages.2.blocks.8.conv3.weight',
      'patch_embed.backbone.stages.2.blocks.8.norm3.bias',
      'patch_embed.proj.weight',
      'patch_embed.proj.bias',
    ]);
    expect(names).to.not.include('patch_embed.backbone.stages.0.blocks.1.downsample.conv.weight');
    model.dispose();
  });

  it('a hybrid returns its ResNet stages first, then the maps and CLS tokens', () => {
    const model = tiny({
      output_cls_token: true,
      hybrid: { layers: [1, 1, 1], channels: [128, 128, 128], stem_channels: 32, out_indices: [0, 1] },
    }).eval();
    const outs = model.forward(tf.randomNormal([1, 64, 96, 3]) as tf.Tensor4D);
    expect(outs.map((t) => t.shape)).to.deep.equal([
      [1, 16, 24, 128],
      [1, 8, 12, 128],
      [1, 4, 6, 16],
      [1, 4, 6, 16],
      [1, 1, 1, 16],
      [1, 1, 1, 16],
    ]);
    tf.dispose(outs);
    model.dispose();
  });

  it("ResNetV2 pads the TensorFlow 'SAME' way: odd sizes round up at every stride", () => {
    const resnet = new ResNetV2({ layers: [1, 1, 1], channels: [128, 128, 128], stem_channels: 32 });
    const outs = resnet.forward(tf.randomNormal([1, 37, 50, 3]) as tf.Tensor4D);
    expect(outs.map((t) => t.shape)).to.deep.equal([[1, 10, 13, 128], [1, 5, 7, 128], [1, 3, 4, 128]]);
    tf.dispose(outs);
    resnet.dispose();
  });

  it('resizes pos_embed bilinearly (align_corners false) to the input grid and keeps the CLS row', () => {
    const model = new VisionTransformer({ img_size: 32, embed_dims: 2, num_layers: 1, num_heads: 1 });
    // CLS row (7, -7); a 2x2 grid whose first channel is [[0, 1], [2, 3]] and second 10x that
    model.posEmbed.assign(tf.tensor3d([7, -7, 0, 0, 1, 10, 2, 20, 3, 30], [1, 5, 2]));
    const resized = model.resizedPosEmbed(4, 4);
    expect(resized.shape).to.deep.equal([1, 17, 2]);
    const values = Array.from(resized.dataSync());
    expect(values.slice(0, 2)).to.deep.equal([7, -7]);
    const first = values.slice(2).filter((_, i) => i % 2 === 0);
    // PyTorch F.interpolate(2x2 -> 4x4, bilinear): source rows/cols -0.25 (clamped), 0.25, 0.75, 1.25 (clamped)
    const expected = [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3];
    first.forEach((v, i) => expect(v).to.be.closeTo(expected[i], 1e-6));
    expect(Array.from(model.resizedPosEmbed(2, 2).dataSync())).to.deep.equal([7, -7, 0, 0, 1, 10, 2, 20, 3, 30]);
    tf.dispose(resized);
    model.dispose();
  });

  it('runs at a size other than the pretraining one: tokens [B, 1+N, D], maps [B, H/16, W/16, D], CLS [B, 1, 1, D]', () => {
    const model = tiny({ output_cls_token: true }).eval();
    const x = tf.randomNormal([2, 48, 80, 3]) as tf.Tensor4D;
    const { tokens, grid } = model.forwardTokens(x);
    expect(grid).to.deep.equal([3, 5]);
    expect(tokens.map((t) => t.shape)).to.deep.equal([[2, 16, 16], [2, 16, 16]]);
    const outs = model.forward(x);
    expect(outs.map((t) => t.shape)).to.deep.equal([[2, 3, 5, 16], [2, 3, 5, 16], [2, 1, 1, 16], [2, 1, 1, 16]]);
    // the map is the patch tokens in row-major order, the CLS map the first token
    const tok = tokens[1].arraySync();
    const map = outs[1].arraySync();
    expect(map[1][2][4]).to.deep.equal(tok[1][1 + 2 * 5 + 4]);
    expect(outs[3].arraySync()[0][0][0]).to.deep.equal(tok[0][0]);
    tf.dispose([x, ...tokens, ...outs]);
    model.dispose();
  });

  it('hooks return raw block outputs; final_norm normalises only the last block', () => {
    const model = tiny({ final_norm: true, out_indices: [2, 3] }).eval();
    const { tokens } = model.forwardTokens(tf.randomNormal([1, 32, 32, 3]) as tf.Tensor4D);
    const spread = (t: tf.Tensor3D) => tf.tidy(() => tf.moments(t, -1).variance.mean().dataSync()[0]);
    expect(spread(tokens[1])).to.be.closeTo(1, 1e-3); // LayerNorm output with weight 1, bias 0
    expect(Math.abs(spread(tokens[0]) - 1)).to.be.above(1e-2);
    tf.dispose(tokens);
    model.dispose();
  });

  it('rejects inputs that are not multiples of the patch size and bad out_indices', () => {
    const model = tiny();
    expect(() => model.forward(tf.zeros([1, 40, 32, 3]) as tf.Tensor4D)).to.throw(
      'VisionTransformer needs input sides that are multiples of the patch size 16, got 40x32',
    );
    model.dispose();
    expect(() => tiny({ out_indices: [3, 1] })).to.throw('out_indices [3,1]: must be increasing block indices (0..3); 1 is not');
    expect(() => tiny({ out_indices: [4] })).to.throw('4 is not');
  });

  it('drop_path rises linearly over the blocks (torch.linspace(0, rate, depth))', () => {
    const model = tiny({ drop_path_rate: 0.3 });
    expect(model.blocks.items.map((b) => Number(b.dropPath.p.toFixed(6)))).to.deep.equal([0, 0.1, 0.2, 0.3]);
    model.dispose();
  });

  it('builds from a config with mmseg option names (out_indices -1 = the last block)', () => {
    const model = registries.backbone.build(
      { type: 'VisionTransformer', img_size: 32, embed_dims: 8, num_layers: 3, num_heads: 2, norm_cfg: { type: 'LN', eps: 1e-6 } },
      'model.backbone',
    ) as VisionTransformer;
    expect(model.outIndices).to.deep.equal([2]);
    expect(model.posEmbed.shape).to.deep.equal([1, 5, 8]);
    expect(model.blocks.at(0).norm1.eps).to.equal(1e-6);
    model.dispose();
  });

  it('loads the ViT of an official DPT checkpoint (pretrained.model.*) on its own (fixture dpt-depth-a)', function () {
    const dir = fixtureOrSkip(this, 'dpt-depth-a');
    const model = new VisionTransformer({ img_size: 64, embed_dims: 48, num_layers: 12, num_heads: 2, out_indices: [2, 5, 8, 11] });
    const report = loadWeights(model, join(dir, 'weights.safetensors'), { strict: true });
    // cls_token, pos_embed, patch_embed.proj (2), 12 blocks of 12 tensors
    expect(report.loaded).to.have.length(148);
    model.dispose();
  });
});

/**
 * The contract of every registered backbone, neck and head (in the spirit of segmentation_models_pytorch's
 * BaseModelTester): built from a config of its schema defaults plus the few options a small model needs, it runs a
 * forward pass with the declared output shapes, every trainable parameter gets a non-zero gradient from a simple loss,
 * parameter names are unique, and two forward + backward passes leave the same number of tensors. A registered type
 * without a case below fails, so none is skipped silently.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import '../heads/index.js';
import '../lib/backbones/index.js';
import '../lib/necks/index.js';
import type { JsonObject } from '../lib/config/json.js';
import type { Module } from '../lib/nn/module.js';
import { manualSeed } from '../lib/random.js';
import { registries, type Registry } from '../lib/registry.js';
import { totalLoss } from '../lib/segmentors/encoder-decoder.js';
import { backboneOutputs, type Backbone, type DecodeHead, type Neck, type Targets } from '../lib/segmentors/types.js';

/** [B, H, W, C], or [B, D, H, W, C] for volumetric components. */
type Shape = number[];
type ContractKind = 'backbone' | 'neck' | 'head';

interface ContractCase {
  kind: ContractKind;
  type: string;
  /** Options on top of the schema defaults: small sizes, and no stochastic depth (it may drop a whole block). */
  options: JsonObject;
  /** Backbone: the image; neck and head: the feature maps they read. */
  inputs: Shape[];
  /** The forward outputs (a backbone's feature maps, then its prior maps). */
  outputs: Shape[];
  /** Extra inputs some components need, each with the reason. */
  needs?: { why: string; priors?: Shape[]; clsTokens?: Shape[]; depth?: true };
  /** A change to the fresh model the check needs, with the reason. */
  prepare?: { why: string; apply(model: Module): void };
}

const pyramid = (c: number): Shape[] => [
  [2, 16, 16, c],
  [2, 8, 8, 2 * c],
  [2, 4, 4, 4 * c],
  [2, 2, 2, 8 * c],
];
const swin = { embed_dims: 8, depths: [2, 2, 2, 2], num_heads: [1, 1, 2, 2], window_size: 4, drop_path_rate: 0 };
const dpt = { in_channels: [16, 16, 16, 16], channels: 8, post_process_channels: [8, 8, 8, 16] };
const vitTokens = {
  why: 'DPTHead reassembles ViT tokens: four patch-grid maps, then their CLS tokens (output_cls_token)',
  clsTokens: [0, 1, 2, 3].map((): Shape => [2, 1, 1, 16]),
};

const CASES: ContractCase[] = [
  { kind: 'backbone', type: 'SwinTransformer', options: swin, inputs: [[2, 64, 64, 3]], outputs: pyramid(8) },
  {
    kind: 'backbone',
    type: 'SeMaskSwinTransformer',
    options: { ...swin, num_cls: 3, sem_window_size: 4 },
    inputs: [[2, 64, 64, 3]],
    outputs: [...pyramid(8), ...pyramid(8).map(([b, h, w]): Shape => [b, h, w, 3])],
    prepare: {
      why: "each semantic attention's gamma starts at 0 (the official init), which zeroes the gradient of mlp_cls_k, mlp_v and mlp_res",
      apply: (model) => {
        for (const [name, p] of model.namedParameters()) if (name.endsWith('.gamma')) p.assign(tf.onesLike(p));
      },
    },
  },
  {
    kind: 'backbone',
    type: 'VisionTransformer',
    options: { img_size: 32, patch_size: 8, embed_dims: 16, num_layers: 2, num_heads: 2 },
    inputs: [[2, 32, 32, 3]],
    outputs: [[2, 4, 4, 16]],
  },
  {
    kind: 'backbone',
    type: 'PyramidGroupTransformer',
    options: { embed_dims: 8, depths: [1, 1, 1, 1], num_heads: [1, 1, 2, 2], drop_path_rate: 0 },
    inputs: [[2, 64, 64, 3]],
    outputs: pyramid(8),
  },
  {
    kind: 'backbone',
    type: 'ResNet',
    options: { depth: 18 },
    inputs: [[2, 64, 64, 3]],
    outputs: [[2, 16, 16, 64], [2, 8, 8, 128], [2, 4, 4, 256], [2, 2, 2, 512]],
  },
  {
    kind: 'backbone',
    type: 'All2Cross',
    options: {
      image_size: 64, cnn_backbone: 'resnet18', swin_pyramid_fm: [8, 16, 32], swin_depths: [2, 2, 2], swin_num_heads: [1, 2, 2],
      window_size: 4, swin_drop_path_rate: 0, num_heads: [2, 2],
    },
    inputs: [[2, 64, 64, 3]],
    outputs: [[2, 16, 16, 8], [2, 4, 4, 32], [2, 1, 1, 8], [2, 1, 1, 32]],
    prepare: {
      why: "the official forward discards the output of the per-branch ViT Blocks (blocks.k.blocks), so they get no gradient, as in the official training",
      apply: (model) => {
        for (const [name, p] of model.namedParameters()) if (/^blocks\.\d+\.blocks\./.test(name)) p.trainable = false;
      },
    },
  },
  {
    kind: 'neck',
    type: 'FPN',
    options: { in_channels: [4, 8, 16, 32], out_channels: 8, num_outs: 5 },
    inputs: pyramid(4),
    outputs: [...pyramid(4).map(([b, h, w]): Shape => [b, h, w, 8]), [2, 1, 1, 8]],
  },
  {
    kind: 'head',
    type: 'UPerHead',
    options: { in_channels: [4, 8, 16, 32], in_index: [0, 1, 2, 3], channels: 8, num_classes: 3 },
    inputs: pyramid(4),
    outputs: [[2, 16, 16, 3]],
  },
  {
    kind: 'head',
    type: 'HiFormerHead',
    options: { in_channels: [8, 32], channels: 32, pred_channels: 4, num_classes: 3 },
    inputs: [[2, 16, 16, 8], [2, 4, 4, 32]],
    outputs: [[2, 64, 64, 3]],
  },
  {
    kind: 'head',
    type: 'FCNHead',
    options: { in_channels: 8, channels: 8, num_classes: 3 },
    inputs: [[2, 8, 8, 8]],
    outputs: [[2, 8, 8, 3]],
  },
  ...(['par', 'seq', 'crs'] as const).map((mode) => ({
    kind: 'head' as const,
    type: 'MultiSwinHead',
    options: { in_channels: [4, 8, 16, 32], channels: 8, num_heads: 2, window_sizes: [3, 5], mode, num_classes: 3 },
    inputs: pyramid(4),
    outputs: [[2, 16, 16, 3]] as Shape[],
  })),
  {
    kind: 'head',
    type: 'BranchFPNHead',
    options: { in_channels: [4, 8, 16, 32], in_index: [0, 1, 2, 3], channels: 8, num_classes: 3 },
    inputs: pyramid(4),
    outputs: [[2, 16, 16, 3]],
    needs: {
      why: "BranchFPNHead trains on a SeMask backbone's prior maps too (loss_cate)",
      priors: pyramid(4).map(([b, h, w]): Shape => [b, h, w, 3]),
    },
  },
  ...['FeaturePyramidTransformerHead', 'FPTHead'].map(
    (type): ContractCase => ({
      kind: 'head',
      type,
      options: { in_channels: [8, 8, 8], in_index: [0, 1, 2], channels: 8, num_classes: 3, num_heads: 2, drop_path_rate: [0, 0, 0] },
      // The coarsest level keeps 2×2 keys after the 2×2 reduction: with a single key, q would get no gradient.
      inputs: [
        [2, 16, 16, 8],
        [2, 8, 8, 8],
        [2, 4, 4, 8],
      ],
      outputs: [[2, 16, 16, 3]],
    }),
  ),
  {
    kind: 'backbone',
    type: 'DFormer',
    options: { embed_dims: 8, depths: [2, 2, 2, 2], num_heads: [1, 1, 2, 2] },
    inputs: [[2, 16, 64, 64, 1]],
    outputs: [[2, 8, 16, 16, 8], [2, 4, 8, 8, 16], [2, 2, 4, 4, 32]],
  },
  {
    kind: 'head',
    type: 'DFormerHead',
    options: { in_channels: [8, 16, 32], num_classes: 3 },
    inputs: [[2, 8, 16, 16, 8], [2, 4, 8, 8, 16], [2, 2, 4, 4, 32]],
    outputs: [[2, 16, 64, 64, 3]],
  },
  {
    kind: 'head',
    type: 'DPTHead',
    options: { ...dpt, num_classes: 3 },
    inputs: [0, 1, 2, 3].map((): Shape => [2, 2, 2, 16]),
    outputs: [[2, 32, 32, 3]],
    needs: vitTokens,
  },
  {
    kind: 'head',
    type: 'DPTHead',
    options: { ...dpt, task: 'depth' },
    inputs: [0, 1, 2, 3].map((): Shape => [2, 2, 2, 16]),
    outputs: [[2, 32, 32, 1]],
    needs: { ...vitTokens, why: `${vitTokens.why}; task 'depth' trains on depth maps`, depth: true },
  },
];

/** Random tensors of `shapes`, typed as the 2D interfaces take them (volumetric components take their 5D ones). */
const random = (shapes: Shape[], seed: number): tf.Tensor4D[] =>
  shapes.map((s, i) => tf.randomNormal(s as [number, number, number, number], 0, 1, 'float32', seed + i) as tf.Tensor4D);

/** The component's forward outputs and its training loss, on fixed inputs. */
function harness(c: ContractCase, model: Module): { forward(): tf.Tensor4D[]; loss(): tf.Scalar; dispose(): void } {
  const inputs = random(c.inputs, 1);
  const priors = random(c.needs?.priors ?? [], 10);
  const features = [...inputs, ...random(c.needs?.clsTokens ?? [], 20)];
  const held: tf.Tensor[] = [...features, ...priors];
  const dispose = () => tf.dispose(held);
  if (c.kind !== 'head') {
    const forward =
      c.kind === 'neck'
        ? () => (model as Neck).forward(inputs)
        : () => {
            const { outs, priors: maps } = backboneOutputs(model as Backbone, inputs[0]);
            return [...outs, ...maps];
          };
    // A weighted sum with fixed random weights: every output element matters (a mean of squares after LayerNorm does not).
    const weights = random(c.outputs, 100);
    held.push(...weights);
    return { forward, loss: () => tf.addN(forward().map((o, i) => tf.sum(tf.mul(o, weights[i])))) as tf.Scalar, dispose };
  }
  const head = model as DecodeHead;
  const grid = c.outputs[0]!.slice(0, -1); // [B, H, W], or [B, D, H, W] for a volumetric head
  const target = c.needs?.depth ? tf.randomUniform(grid, 0.5, 5, 'float32', 30) : tf.randomUniformInt(grid, 0, 3, 31);
  held.push(target);
  const targets: Targets = c.needs?.depth
    ? { depth: target as tf.Tensor3D }
    : grid.length === 4
      ? { labelVolume: target as tf.Tensor4D }
      : { label: target as tf.Tensor3D, priors };
  return { forward: () => [head.forward(features)], loss: () => totalLoss(head.loss(features, targets)), dispose };
}

/** One forward + backward pass: the names of the trainable parameters whose gradient is 0 everywhere. */
function zeroGradients(model: Module, loss: () => tf.Scalar): string[] {
  const params = model.trainableParameters();
  const { value, grads } = tf.variableGrads(loss, params.map(([, v]) => v));
  const zero = params
    .filter(([, v]) => tf.tidy(() => tf.max(tf.abs(grads[v.name])).dataSync()[0]) === 0)
    .map(([name]) => name);
  tf.dispose([value, ...Object.values(grads)]);
  return zero;
}

describe('component contract', function () {
  this.timeout(120000);

  for (const kind of ['backbone', 'neck', 'head'] as ContractKind[]) {
    for (const type of registries[kind].types()) {
      const cases = CASES.filter((c) => c.kind === kind && c.type === type);
      if (cases.length === 0) {
        it(`${kind} ${type} has a contract case`, () => {
          expect.fail(`add a case for ${kind} '${type}' to spec/contract.spec.ts`);
        });
      }
      for (const c of cases) {
        const label = `${kind} ${type} ${JSON.stringify(c.options)}`;
        it(`${label}: forward shapes, a gradient for every parameter, unique names, no leaked tensors`, () => {
          manualSeed(0);
          const registry = registries[kind] as unknown as Registry<Module>;
          const model = registry.build({ type, ...c.options }, `contract.${type}`);
          c.prepare?.apply(model);
          const names = [...model.namedState()].map(([name]) => name);
          expect(new Set(names).size, 'unique state names').to.equal(names.length);
          const run = harness(c, model);
          const outs = run.forward();
          expect(outs.map((o) => o.shape)).to.deep.equal(c.outputs);
          expect(outs.every((o) => tf.tidy(() => tf.all(tf.isFinite(o)).dataSync()[0]) === 1), 'finite outputs').to.equal(true);
          tf.dispose(outs);
          expect(model.trainableParameters().length, 'trainable parameters').to.be.above(0);
          expect(zeroGradients(model, run.loss), 'parameters without gradient').to.deep.equal([]);
          const after1 = tf.memory().numTensors;
          expect(zeroGradients(model, run.loss)).to.deep.equal([]);
          expect(tf.memory().numTensors, 'tensors after a second forward + backward').to.equal(after1);
          run.dispose();
          model.dispose();
        });
      }
    }
  }
});

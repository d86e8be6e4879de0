import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { join } from 'node:path';
import { SwinTransformer } from '../../lib/backbones/swin.js';
import { Module } from '../../lib/nn/module.js';
import { loadStateDict, readCheckpoint } from '../../lib/weights/node.js';
import { fixtureOrSkip } from '../fixtures.js';
import { onBackend } from '../helpers/backends.js';
import { channelsLast, parityError } from '../helpers/parity.js';

/** The swin-a fixture's configuration (meta.json). */
const swinA = () => new SwinTransformer({ embed_dims: 32, depths: [2, 2, 2, 2], num_heads: [1, 2, 4, 8], window_size: 7 });

describe('SwinTransformer', () => {
  describe('matches the official segmentation backbone (fixture swin-a, 96x96 input)', () => {
    for (const [backend, file] of [
      ['wasm', 'weights.safetensors'],
      ['cpu', 'weights.safetensors'],
      ['wasm', 'weights.pth'],
      ['wasm-plain', 'weights.safetensors'],
    ]) {
      it(`${backend}, weights from ${file}`, async function () {
        const dir = fixtureOrSkip(this, 'swin-a');
        const errors = await onBackend(backend, () => {
          const model = swinA().eval();
          const report = loadStateDict(model, readCheckpoint(join(dir, file)), { strict: true });
          expect(report.loaded).to.have.length(125);
          const io = readCheckpoint(join(dir, 'io.safetensors'));
          const outs = model.forward(channelsLast(io.get('input')!) as tf.Tensor4D);
          const errs = outs.map((o, i) => parityError(o, io.get(`out${i}`)!));
          tf.dispose(outs);
          model.dispose();
          return errs;
        });
        for (const [i, e] of errors.entries()) expect(e, `out${i}`).to.be.at.most(1e-4);
      });
    }
  });

  it('frozen_stages freezes the patch embedding and the first stages and keeps them in eval mode', () => {
    const model = new SwinTransformer({ embed_dims: 8, depths: [2, 2, 2], num_heads: [1, 1, 2], out_indices: [0, 1, 2], frozen_stages: 2 });
    model.train();
    const frozen = [...model.namedParameters()].filter(([, v]) => !v.trainable).map(([k]) => k);
    expect(frozen.length).to.be.greaterThan(0);
    expect(frozen.every((k) => k.startsWith('patch_embed.') || k.startsWith('layers.0.'))).to.equal(true);
    expect(frozen).to.include.members(['patch_embed.proj.weight', 'layers.0.blocks.1.attn.qkv.weight', 'layers.0.downsample.reduction.weight']);
    expect(model.layers.at(0).blocks.at(1).dropPath.training).to.equal(false);
    expect(model.layers.at(1).blocks.at(0).dropPath.training).to.equal(true);
    // also when train() is called on a model holding the backbone
    class Holder extends Module {
      readonly backbone = this.addModule('backbone', model);
    }
    new Holder().eval().train();
    expect(model.patchEmbed.training).to.equal(false);
    expect(model.layers.at(1).training).to.equal(true);
    model.dispose();
  });

  it('drop_path rises linearly over all blocks (torch.linspace(0, rate, sum(depths)))', () => {
    const model = new SwinTransformer({ embed_dims: 8, depths: [2, 3], num_heads: [1, 1], drop_path_rate: 0.4, out_indices: [0, 1] });
    const rates = model.layers.items.flatMap((l) => l.blocks.items.map((b) => b.dropPath.p));
    expect(rates.map((r) => Number(r.toFixed(6)))).to.deep.equal([0, 0.1, 0.2, 0.3, 0.4]);
    model.dispose();
  });
});

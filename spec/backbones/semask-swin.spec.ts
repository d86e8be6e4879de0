import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { join } from 'node:path';
import { SeMaskSwinTransformer, SemanticLayer, officialSemWindowed } from '../../lib/backbones/semask-swin.js';
import { loadStateDict, readCheckpoint } from '../../lib/weights/node.js';
import { fixtureOrSkip } from '../fixtures.js';
import { onBackend } from '../helpers/backends.js';
import { channelsLast, parityError } from '../helpers/parity.js';

/** The semask-a fixture's configuration (meta.json): windowed semantic attention in every stage. */
const semaskA = () =>
  new SeMaskSwinTransformer({ embed_dims: 32, depths: [2, 2, 2, 2], num_heads: [1, 2, 4, 8], window_size: 7, num_cls: 5, sem_window_size: 7 });

describe('SeMaskSwinTransformer', () => {
  for (const backend of ['wasm', 'cpu']) {
    it(`matches the official SeMask-Swin features and prior maps (fixture semask-a, ${backend})`, async function () {
      const dir = fixtureOrSkip(this, 'semask-a');
      const errors = await onBackend(backend, () => {
        const model = semaskA().eval();
        const report = loadStateDict(model, readCheckpoint(join(dir, 'weights.safetensors')), { strict: true });
        expect(report.loaded.some((k) => k === 'layers.3.semantic_layer.class_injection.0.gamma')).to.equal(true);
        const io = readCheckpoint(join(dir, 'io.safetensors'));
        const { outs, priors } = model.forwardWithPriors(channelsLast(io.get('input')!) as tf.Tensor4D);
        const errs = [
          ...outs.map((o, i) => [`out${i}`, parityError(o, io.get(`out${i}`)!)] as const),
          ...priors.map((p, i) => [`sem${i}`, parityError(p, io.get(`sem${i}`)!)] as const),
        ];
        tf.dispose([...outs, ...priors]);
        model.dispose();
        return errs;
      });
      expect(errors).to.have.length(8);
      for (const [name, e] of errors) expect(e, name).to.be.at.most(1e-4);
    });
  }

  it('chooses windowed or global semantic attention by the official rule', () => {
    expect(officialSemWindowed(96, 150, 4)).to.deep.equal([true, true, false, false]); // SeMask-T/S on ADE20K
    expect(officialSemWindowed(96, 19, 4)).to.deep.equal([true, true, true, true]); // Cityscapes
    expect(officialSemWindowed(128, 150, 4)).to.deep.equal([true, true, true, true]); // SeMask-B
    const model = new SeMaskSwinTransformer({ embed_dims: 8, depths: [1, 1], num_heads: [1, 1], out_indices: [0, 1], num_cls: 3, num_sem_blocks: [1, 1], sem_windowed: [false, true] });
    expect(model.layers.items.map((l) => (l.semanticLayer instanceof SemanticLayer ? l.semanticLayer.windowSize : 'none'))).to.deep.equal([null, 7]);
    const { outs, priors } = model.forwardWithPriors(tf.randomNormal([1, 20, 28, 3]) as tf.Tensor4D);
    expect(outs.map((o) => o.shape)).to.deep.equal([[1, 5, 7, 8], [1, 3, 4, 16]]);
    expect(priors.map((p) => p.shape)).to.deep.equal([[1, 5, 7, 3], [1, 3, 4, 3]]);
    model.dispose();
  });
});

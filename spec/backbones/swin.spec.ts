import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { join } from 'node:path';
import { SwinTransformer } from '../../lib/backbones/swin.js';
import { loadStateDict, readCheckpoint } from '../../lib/weights/index.js';
import { fixtureOrSkip } from '../fixtures.js';
import { onBackend } from '../helpers/backends.js';
import { channelsLast, parityError } from '../helpers/parity.js';

/** The swin-a fixture's configuration (meta.json). */
const swinA = () => new SwinTransformer({ embedDims: 32, depths: [2, 2, 2, 2], numHeads: [1, 2, 4, 8], windowSize: 7 });

describe('SwinTransformer', () => {
  describe('matches the official segmentation backbone (fixture swin-a, 96x96 input)', () => {
    for (const [backend, file] of [
      ['wasm', 'weights.safetensors'],
      ['cpu', 'weights.safetensors'],
      ['wasm', 'weights.pth'],
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
});

/** mmseg's own SwinTransformer checkpoints (model zoo, MSwin) loading into segvit's SwinTransformer. */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwinTransformer } from '../../lib/backbones/swin.js';
import { unfoldToConcatOrder } from '../../lib/backbones/swin-checkpoint.js';
import { UPerHead } from '../../heads/uper.js';
import { EncoderDecoder } from '../../lib/segmentors/encoder-decoder.js';
import { loadWeights, readCheckpoint, writeSafetensors, type TensorRecord } from '../../lib/weights/node.js';
import { fixtureOrSkip } from '../fixtures.js';
import { onBackend } from '../helpers/backends.js';
import { channelsLast, parityError } from '../helpers/parity.js';

/** The backbone of fixtures mswin-a and swin-a (meta.json): embed 32, depths 2-2-2-2, heads 1-2-4-8, window 7. */
const swinA = () => new SwinTransformer({ embed_dims: 32, depths: [2, 2, 2, 2], num_heads: [1, 2, 4, 8], window_size: 7 });

/** out0..out3 of `features` against the fixture's, as parity errors (max abs error / max abs reference). */
function featureErrors(features: tf.Tensor4D[], io: ReadonlyMap<string, TensorRecord>): number[] {
  return features.map((f, i) => parityError(f, io.get(`out${i}`)!));
}

/**
 * An official Swin state dict in mmseg's SwinTransformer names, converted as mmseg's swin2mmseg.py does: renames, and
 * PatchMerging's [out, 4C] reduction weight and [4C] norm viewed as 4 groups of C, groups reordered [0, 2, 1, 3] and
 * transposed to channel-major (nn.Unfold order).
 */
function toMmsegNames(official: ReadonlyMap<string, TensorRecord>): Map<string, TensorRecord> {
  const out = new Map<string, TensorRecord>();
  for (const [key, record] of official) {
    const name = key
      .replace(/^patch_embed\.proj\./, 'patch_embed.projection.')
      .replace(/^layers\./, 'stages.')
      .replace(/\.attn\./, '.attn.w_msa.')
      .replace(/\.mlp\.fc1\./, '.ffn.layers.0.0.')
      .replace(/\.mlp\.fc2\./, '.ffn.layers.1.');
    out.set(name, /downsample\.(reduction|norm)\./.test(key) ? unfoldOrder(record) : record);
  }
  return out;
}

function unfoldOrder(record: TensorRecord): TensorRecord {
  const shape = record.shape.length === 1 ? [1, record.shape[0]] : record.shape;
  const [rows, width] = shape;
  const data = tf.tidy(() => {
    const groups = tf.reshape(tf.tensor2d(record.data as Float32Array, [rows, width]), [rows, 4, width / 4]);
    const reordered = tf.transpose(tf.gather(groups, [0, 2, 1, 3], 1), [0, 2, 1]);
    return tf.reshape(reordered, [rows * width]).dataSync() as Float32Array;
  });
  return { dtype: record.dtype, shape: record.shape, data };
}

describe('SwinTransformer with mmseg checkpoints', () => {
  it('reorders merged channels from nn.Unfold order (c·4 + kh·2 + kw) to the official x0..x3 concatenation', () => {
    // C = 2, value = c·4 + unfold position; official x0..x3 are the offsets (kh, kw) = (0,0), (1,0), (0,1), (1,1)
    const norm: TensorRecord = { dtype: 'F32', shape: [8], data: Float32Array.from({ length: 8 }, (_, i) => i) };
    expect(Array.from(unfoldToConcatOrder(norm).data)).to.deep.equal([0, 4, 2, 6, 1, 5, 3, 7]);
    const weight: TensorRecord = { dtype: 'F32', shape: [2, 8], data: Float32Array.from({ length: 16 }, (_, i) => i) };
    expect(Array.from(unfoldToConcatOrder(weight).data)).to.deep.equal([0, 4, 2, 6, 1, 5, 3, 7, 8, 12, 10, 14, 9, 13, 11, 15]);
    expect(() => unfoldToConcatOrder({ dtype: 'F32', shape: [6], data: new Float32Array(6) })).to.throw(
      'merged channels: last axis 6 of [6] is not 4·C',
    );
  });

  for (const backend of ['wasm', 'cpu']) {
    it(`loads the backbone.* of an mmseg EncoderDecoder checkpoint and matches its outputs (fixture mswin-a, ${backend})`, async function () {
      const dir = fixtureOrSkip(this, 'mswin-a');
      const errors = await onBackend(backend, () => {
        const model = swinA().eval();
        const report = loadWeights(model, join(dir, 'weights.safetensors'), { strict: true });
        expect(report.loaded).to.have.length(125);
        const io = readCheckpoint(join(dir, 'io.safetensors'));
        const outs = model.forward(channelsLast(io.get('input')!) as tf.Tensor4D);
        const errs = featureErrors(outs, io);
        tf.dispose(outs);
        model.dispose();
        return errs;
      });
      expect(errors).to.have.length(4);
      for (const [i, e] of errors.entries()) expect(e, `out${i}`).to.be.at.most(1e-4);
    });
  }

  it('loads the same checkpoint inside a segmentor: the backbone by name, the head reported (fixture mswin-a)', async function () {
    const dir = fixtureOrSkip(this, 'mswin-a');
    const errors = await onBackend('wasm', () => {
      const head = new UPerHead({ in_channels: [32, 64, 128, 256], in_index: [0, 1, 2, 3], channels: 64, num_classes: 6 });
      const model = new EncoderDecoder({ backbone: swinA(), decode_head: head }).eval();
      const report = loadWeights(model, join(dir, 'weights.safetensors'));
      expect(report.loaded.filter((k) => k.startsWith('backbone.'))).to.have.length(125);
      // the head shares conv_seg and the lateral conv weights with MultiSwinHead (built here without norm: no bn.*)
      expect(report.loaded.filter((k) => !k.startsWith('backbone.'))).to.deep.equal([
        'decode_head.conv_seg.weight', 'decode_head.conv_seg.bias', 'decode_head.lateral_convs.0.conv.weight',
        'decode_head.lateral_convs.1.conv.weight', 'decode_head.lateral_convs.2.conv.weight',
      ]);
      expect(report.missing.every((k) => k.startsWith('decode_head.'))).to.equal(true);
      expect(report.unexpected).to.include('decode_head.multi_swin.reduce.weight');
      expect(report.unexpected.some((k) => k.startsWith('backbone.'))).to.equal(false);
      const io = readCheckpoint(join(dir, 'io.safetensors'));
      const x = channelsLast(io.get('input')!) as tf.Tensor4D;
      const features = model.extractFeat(x);
      const errs = featureErrors(features, io);
      tf.dispose([x, ...features]);
      model.dispose();
      return errs;
    });
    for (const [i, e] of errors.entries()) expect(e, `out${i}`).to.be.at.most(1e-4);
  });

  it('official swin-a weights renamed to mmseg names load to the same tensors and outputs (fixture swin-a)', async function () {
    const dir = fixtureOrSkip(this, 'swin-a');
    const official = readCheckpoint(join(dir, 'weights.safetensors'));
    const mmseg = toMmsegNames(official);
    expect([...mmseg.keys()]).to.include.members([
      'patch_embed.projection.weight',
      'stages.0.blocks.1.attn.w_msa.relative_position_bias_table',
      'stages.2.blocks.0.ffn.layers.0.0.weight',
      'stages.3.blocks.1.ffn.layers.1.bias',
      'stages.1.downsample.reduction.weight',
      'norm3.bias',
    ]);
    const file = join(mkdtempSync(join(tmpdir(), 'segvit-swin-mmseg-')), 'mmseg_names.safetensors');
    writeSafetensors(file, mmseg);
    const { outs, weights } = await onBackend('wasm', () => {
      const [a, b] = [swinA().eval(), swinA().eval()];
      loadWeights(a, join(dir, 'weights.safetensors'), { strict: true });
      expect(loadWeights(b, file, { strict: true }).loaded).to.have.length(125);
      const same = [...a.namedState()].every(([key, { variable }]) => {
        const other = [...b.namedState()].find(([k]) => k === key)![1].variable;
        return tf.tidy(() => tf.equal(variable, other).all().dataSync()[0]) === 1;
      });
      const io = readCheckpoint(join(dir, 'io.safetensors'));
      const x = channelsLast(io.get('input')!) as tf.Tensor4D;
      const [ya, yb] = [a.forward(x), b.forward(x)];
      const result = {
        weights: same,
        outs: ya.map((y, i) => ({ diff: tf.max(tf.abs(tf.sub(y, yb[i]))).dataSync()[0], err: parityError(yb[i], io.get(`out${i}`)!) })),
      };
      tf.dispose([x, ...ya, ...yb]);
      a.dispose();
      b.dispose();
      return result;
    });
    expect(weights).to.equal(true);
    for (const [i, { diff, err }] of outs.entries()) {
      expect(diff, `out${i}`).to.equal(0);
      expect(err, `out${i}`).to.be.at.most(1e-4);
    }
  });
});

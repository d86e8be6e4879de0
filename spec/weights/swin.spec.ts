import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SwinTransformer } from '../../lib/backbones/swin.js';
import { UPerHead } from '../../heads/uper.js';
import { EncoderDecoder } from '../../lib/segmentors/encoder-decoder.js';
import { adaptSwinCheckpoint } from '../../lib/backbones/swin-checkpoint.js';
import { loadWeights, stateDictOf, writeSafetensors, type TensorRecord } from '../../lib/weights/node.js';

const tiny = (windowSize: number, extra = {}) =>
  new SwinTransformer({ embed_dims: 8, depths: [2, 2], num_heads: [1, 2], window_size: windowSize, out_indices: [0, 1], ...extra });

const tmp = (name: string) => join(mkdtempSync(join(tmpdir(), 'segvit-swin-')), name);

/** A classification-style checkpoint of `model`: official buffers and head added, output norms absent. */
function classificationCheckpoint(model: SwinTransformer): Map<string, TensorRecord> {
  const state = new Map([...stateDictOf(model)].filter(([k]) => !/^norm\d/.test(k)));
  const f32 = (shape: number[], value = 0): TensorRecord => ({ dtype: 'F32', shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value) });
  state.set('layers.0.blocks.1.attn_mask', f32([4, 49, 49]));
  state.set('layers.0.blocks.0.attn.relative_position_index', { dtype: 'I64', shape: [49, 49], data: new Int32Array(49 * 49) });
  state.set('norm.weight', f32([16], 1));
  state.set('head.weight', f32([10, 16]));
  return state;
}

describe('official Swin checkpoints', () => {
  it('load into the backbone ignoring attn_mask and relative_position_index, reporting the rest', () => {
    const source = tiny(7);
    const file = tmp('swin_cls.safetensors');
    writeSafetensors(file, classificationCheckpoint(source));
    const target = tiny(7);
    const report = loadWeights(target, file);
    expect(report.missing).to.deep.equal(['norm0.weight', 'norm0.bias', 'norm1.weight', 'norm1.bias']);
    expect(report.unexpected).to.deep.equal(['norm.weight', 'head.weight']);
    expect(report.mismatched).to.deep.equal([]);
    const a = source.layers.at(1).blocks.at(0).attn.qkv.weight.dataSync();
    expect(Array.from(target.layers.at(1).blocks.at(0).attn.qkv.weight.dataSync())).to.deep.equal(Array.from(a));
  });

  it('resize relative_position_bias_table bicubically to another window size', () => {
    const source = tiny(7);
    const table = source.layers.at(0).blocks.at(0).attn.relativePositionBiasTable;
    table.assign(tf.fill([169, 1], 0.25));
    const adapted = adaptSwinCheckpoint(stateDictOf(source), tiny(12));
    const resized = adapted.get('layers.0.blocks.0.attn.relative_position_bias_table')!;
    expect(resized.shape).to.deep.equal([529, 1]);
    for (const v of resized.data) expect(v).to.be.closeTo(0.25, 1e-6); // cubic weights sum to 1
    const target = tiny(12);
    expect(loadWeights(target, writeTo(adapted)).mismatched).to.deep.equal([]);
  });

  it('turn a classification absolute_pos_embed [1, L, C] into [1, C, H, W]', () => {
    const tokens = Float32Array.from({ length: 3 * 3 * 8 }, (_, i) => i); // token t, channel c = t*8 + c
    const state = new Map<string, TensorRecord>([['absolute_pos_embed', { dtype: 'F32', shape: [1, 9, 8], data: tokens }]]);
    const model = tiny(7, { use_abs_pos_embed: true, pretrain_img_size: 12 });
    const grid = adaptSwinCheckpoint(state, model).get('absolute_pos_embed')!;
    expect(grid.shape).to.deep.equal([1, 8, 3, 3]);
    // channel 5, row 1, column 2 is token 1*3+2 = 5: value 5*8+5
    expect(grid.data[5 * 9 + 1 * 3 + 2]).to.equal(45);
  });

  it('an mmseg segmentor checkpoint loads into the whole model, and its backbone part into a backbone', () => {
    const build = () =>
      new EncoderDecoder({
        backbone: tiny(7),
        decode_head: new UPerHead({ in_channels: [8, 16], in_index: [0, 1], channels: 8, num_classes: 3, norm_cfg: { type: 'BN' } }),
      });
    const source = build();
    const file = tmp('segmentor.safetensors');
    writeSafetensors(file, new Map([...stateDictOf(source)].map(([k, v]) => [`module.${k}`, v])));
    const whole = build();
    const report = loadWeights(whole, file);
    expect(report.missing).to.deep.equal([]);
    expect(report.unexpected).to.deep.equal([]);
    expect(report.loaded).to.include('decode_head.fpn_bottleneck.bn.running_var');
    const backbone = tiny(7);
    const part = loadWeights(backbone, file);
    expect(part.missing).to.deep.equal([]);
    expect(part.loaded).to.have.length([...backbone.namedState()].length);
  });
});

function writeTo(state: Map<string, TensorRecord>): string {
  const file = tmp('adapted.safetensors');
  writeSafetensors(file, state);
  return file;
}

import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import {
  PGMSA,
  PGTBlock,
  PGT_PRESETS,
  PyramidGroupTransformer,
  groupMerge,
  groupPadding,
  groupPartition,
} from '../../lib/backbones/pgt.js';
import { init } from '../../lib/nn/index.js';
import { loadStateDict } from '../../lib/weights/index.js';
import { onBackend } from '../helpers/backends.js';
import { channelsLast, parityError } from '../helpers/parity.js';
import { readJsonFixture, record, stateDict, type StoredTensor } from '../helpers/torch-json.js';

interface PgtFixture {
  config: { embed_dims: number; depths: number[]; num_heads: number[]; group_nums: number[]; out_indices: number[] };
  state_dict: Record<string, StoredTensor>;
  io: Record<string, StoredTensor>;
}

interface ParamsFixture {
  counts: Record<'tiny' | 'small' | 'base' | 'large', { backbone: number }>;
}

/**
 * Parameters of a PGT counted by hand, layer by layer: per stage a PatchTransform (conv k = s with bias, LN) and
 * blocks of norm1, q, kv, proj, norm2, FFN (ratio 4), CPE (3×3 depthwise with bias); then norm{i} per out index.
 */
function pgtParameters(embed: number, depths: number[], outIndices: number[]): number {
  const dims = depths.map((_, i) => embed * 2 ** i);
  let n = 0;
  dims.forEach((c, i) => {
    const cin = i === 0 ? 3 : dims[i - 1];
    const s = i === 0 ? 4 : 2;
    n += cin * c * s * s + c + 2 * c; // transform.proj, transform.norm
    const norms = 2 * c + 2 * c; // norm1, norm2
    const attn = c * c + c + (2 * c * c + 2 * c) + (c * c + c); // attn.q, attn.kv, attn.proj
    const ffn = c * 4 * c + 4 * c + (4 * c * c + c); // ffn.layers.0.0, ffn.layers.1
    const cpe = 9 * c + c; // cpe.conv
    n += depths[i] * (norms + attn + ffn + cpe);
  });
  return n + outIndices.reduce((acc, i) => acc + 2 * dims[i], 0);
}

describe('PyramidGroupTransformer', () => {
  describe("matches the FTN port's PGT (tools/reference/ftn_port.py: 2x3x36x60, grids that do not divide the maps)", () => {
    for (const backend of ['cpu', 'wasm']) {
      it(backend, async () => {
        const fx = readJsonFixture<PgtFixture>('ftn/pgt.json');
        const errors = await onBackend(backend, () => {
          const c = fx.config;
          const model = new PyramidGroupTransformer({
            embed_dims: c.embed_dims,
            depths: c.depths,
            num_heads: c.num_heads,
            group_nums: c.group_nums,
            out_indices: c.out_indices,
          }).eval();
          const report = loadStateDict(model, stateDict(fx.state_dict), { strict: true });
          expect(report.loaded).to.have.length(Object.keys(fx.state_dict).length);
          const input = channelsLast(record(fx.io.input)) as tf.Tensor4D;
          const outs = model.forward(input);
          const errs = outs.map((o, i) => parityError(o, record(fx.io[`out${i}`])));
          tf.dispose([input, ...outs]);
          model.dispose();
          return errs;
        });
        for (const [i, e] of errors.entries()) expect(e, `out${i}`).to.be.at.most(1e-4);
      });
    }
  });

  it("pads by the port's rule: nothing when the grid divides both sides, else side % axis from the full axis on both", () => {
    expect(groupPadding(16, 12, 4)).to.deep.equal([0, 0]);
    expect(groupPadding(9, 15, 8)).to.deep.equal([7, 1]);
    // 4 rows divide by 4, yet get 4 more because the 7 columns do not divide
    expect(groupPadding(4, 7, 4)).to.deep.equal([4, 1]);
    expect(groupPadding(25, 19, 8)).to.deep.equal([7, 5]);
  });

  it('group partition and merge round-trip exactly, groups row-major over the grid, images in batch order', () => {
    const x = tf.randomNormal([2, 12, 8, 3]) as tf.Tensor4D;
    const groups = groupPartition(x, 4); // 16 groups of 3×2 per image
    expect(groups.shape).to.deep.equal([32, 6, 3]);
    // group 5 of image 1 = grid cell (1, 1): rows 3..5, columns 2..3
    const cell = tf.slice(x, [1, 3, 2, 0], [1, 3, 2, 3]);
    expect(Array.from(tf.slice(groups, [16 + 5, 0, 0], [1, 6, 3]).dataSync())).to.deep.equal(Array.from(cell.dataSync()));
    const back = groupMerge(groups, 4, 12, 8);
    expect(Array.from(back.dataSync())).to.deep.equal(Array.from(x.dataSync()));
    tf.dispose([x, groups, cell, back]);
  });

  describe('attends within a group only (one block with the CPE zeroed)', () => {
    for (const [h, w, g, changed, inside] of [
      [16, 16, 16, [10, 3], [1, 2]], // 4×4 groups of 4×4: (10, 3) is in group (2, 0), (1, 2) in group (0, 0)
      [9, 15, 64, [7, 12], [1, 1]], // padded to 16×16, 8×8 groups of 2×2: (7, 12) is in group (3, 6)
    ] as [number, number, number, [number, number], [number, number]][]) {
      it(`${h}x${w} map, ${g} groups`, () => {
        const block = new PGTBlock(8, 2, g, { mlpRatio: 4, qkvBias: true, qkScale: null, drop: 0, attnDrop: 0, dropPath: 0 }).eval();
        init.reinit(block.cpe.conv.weight, init.filled(0));
        init.reinit(block.cpe.conv.bias!, init.filled(0));
        const axis = Math.sqrt(g);
        const [ph, pw] = groupPadding(h, w, axis).map((p, i) => ([h, w][i] + p) / axis);
        const x = tf.randomNormal([1, h, w, 8]) as tf.Tensor4D;
        const bump = tf.buffer([1, h, w, 8]);
        for (let c = 0; c < 8; c++) bump.set(c % 2 === 0 ? 3 : -2, 0, changed[0], changed[1], c); // not a constant, which LN would cancel
        const x2 = tf.add(x, bump.toTensor()) as tf.Tensor4D;
        const [y, y2] = [block.forward(x), block.forward(x2)];
        const diff = tf.max(tf.abs(tf.sub(y, y2)), -1).arraySync() as number[][][];
        const groupOf = (r: number, c: number) => `${Math.floor(r / ph)},${Math.floor(c / pw)}`;
        const target = groupOf(...changed);
        expect(groupOf(...inside)).to.not.equal(target);
        let inGroup = 0;
        for (let r = 0; r < h; r++) {
          for (let c = 0; c < w; c++) {
            if (groupOf(r, c) === target && (r !== changed[0] || c !== changed[1])) inGroup = Math.max(inGroup, diff[0][r][c]);
            else if (groupOf(r, c) !== target) expect(diff[0][r][c], `(${r}, ${c}) outside the changed group`).to.equal(0);
          }
        }
        expect(inGroup, 'the other tokens of the changed group').to.be.greaterThan(1e-4);
        tf.dispose([x, x2, y, y2]);
        block.dispose();
      });
    }
  });

  it('gives 1/4 .. 1/32 maps (floored) for a 100x76 input that no group grid divides', () => {
    const model = new PyramidGroupTransformer({ embed_dims: 8, depths: [1, 1, 1, 1], num_heads: [1, 2, 2, 4] }).eval();
    const outs = model.forward(tf.randomNormal([2, 100, 76, 3]) as tf.Tensor4D);
    expect(outs.map((o) => o.shape)).to.deep.equal([
      [2, 25, 19, 8],
      [2, 12, 9, 16],
      [2, 6, 4, 32],
      [2, 3, 2, 64],
    ]);
    tf.dispose(outs);
    model.dispose();
  });

  it('uses the port parameter names; stochastic depth rises linearly over all blocks; dropout only after the first transform', () => {
    const model = new PyramidGroupTransformer({ embed_dims: 8, depths: [1, 2, 1, 1], num_heads: [1, 1, 2, 2], drop_path_rate: 0.4, drop_rate: 0.1, out_indices: [1, 2, 3] });
    const names = [...model.namedState()].map(([k]) => k);
    expect(names).to.include.members([
      'stages.0.transform.proj.weight',
      'stages.0.transform.norm.bias',
      'stages.1.blocks.1.norm1.weight',
      'stages.1.blocks.1.attn.q.weight',
      'stages.1.blocks.1.attn.kv.bias',
      'stages.1.blocks.1.attn.proj.weight',
      'stages.1.blocks.1.norm2.weight',
      'stages.1.blocks.1.ffn.layers.0.0.weight',
      'stages.1.blocks.1.ffn.layers.1.bias',
      'stages.1.blocks.1.cpe.conv.weight',
      'stages.3.blocks.0.cpe.conv.bias',
      'norm1.weight',
      'norm3.bias',
    ]);
    expect(names).to.not.include('norm0.weight');
    const rates = model.stages.items.flatMap((s) => s.blocks.items.map((b) => b.dropPath.p));
    expect(rates.map((r) => Number(r.toFixed(6)))).to.deep.equal([0, 0.1, 0.2, 0.3, 0.4]);
    expect(model.stages.items.map((s) => s.transform.drop.p)).to.deep.equal([0.1, 0, 0, 0]);
    model.dispose();
  });

  it('rejects group numbers that are not perfect squares and a patch size other than the first stride', () => {
    expect(() => new PGMSA(8, 2, 8, { qkvBias: true, qkScale: null, attnDrop: 0, projDrop: 0 })).to.throw('group_num must be a perfect square');
    expect(() => new PyramidGroupTransformer({ patch_size: 8 })).to.throw('patch_size 8 must equal strides[0] 4');
  });

  it('Tiny / Small / Base / Large have the parameter counts of the formula and of the PyTorch port (12.3M / 27.5M / 48.9M / 86.8M)', function () {
    this.timeout(300000);
    const torch = readJsonFixture<ParamsFixture>('ftn/params.json').counts;
    for (const [preset, name] of [
      ['pgt-tiny', 'tiny'],
      ['pgt-small', 'small'],
      ['pgt-base', 'base'],
      ['pgt-large', 'large'],
    ] as const) {
      const o = PGT_PRESETS[preset];
      const expected = pgtParameters(o.embed_dims, o.depths, o.out_indices);
      expect(expected, `${name}: formula vs torch`).to.equal(torch[name].backbone);
      const model = new PyramidGroupTransformer(o);
      expect(model.numParameters(), name).to.equal(expected);
      model.dispose();
    }
    expect(torch.tiny.backbone).to.equal(12_265_152);
    expect(torch.large.backbone).to.equal(86_799_744);
  });
});

import { expect } from 'chai';
import { Linear, Module } from '../../lib/nn/index.js';
import { CheckpointMismatchError, loadStateDict, stateDictOf, type LoadReport, type TensorRecord } from '../../lib/weights/index.js';
import { mismatchHints } from '../../lib/weights/mismatch-hints.js';

const report = (r: Partial<LoadReport>): LoadReport => ({ loaded: [], missing: [], unexpected: [], mismatched: [], ...r });

const SEGMENTOR = ['backbone.patch_embed.proj.weight', 'backbone.layers.0.blocks.0.norm1.weight', 'decode_head.conv_seg.weight'];

describe('weights/mismatch-hints', () => {
  it('a component checkpoint against a segmentor suggests init_cfg', () => {
    const r = report({ missing: SEGMENTOR, unexpected: ['patch_embed.proj.weight', 'layers.0.blocks.0.norm1.weight', 'norm0.weight'] });
    expect(mismatchHints(r)).to.deep.equal([
      'the checkpoint holds one component (keys start with patch_embed, layers, norm0), not a segmentor ' +
        "(backbone.*, decode_head.*): to fine-tune from a backbone's weights, set model.backbone.init_cfg",
    ]);
  });

  it('a segmentor checkpoint against a component points at its backbone part', () => {
    const r = report({ missing: ['patch_embed.proj.weight'], unexpected: [...SEGMENTOR, 'meta.step'] });
    expect(mismatchHints(r)).to.deep.equal(["the checkpoint is a segmentor's (backbone.*, decode_head.*): a backbone takes its backbone.* part"]);
  });

  it('a part of a segmentor with nothing in the checkpoint is named with its count', () => {
    const r = report({
      loaded: SEGMENTOR,
      missing: ['auxiliary_head.conv_seg.weight', 'auxiliary_head.conv_seg.bias', 'neck.lateral_convs.0.conv.weight'],
    });
    expect(mismatchHints(r)).to.deep.equal([
      'the checkpoint has no auxiliary_head.* tensors (2 missing): saved without it, or the config adds it',
      'the checkpoint has no neck.* tensors (1 missing): saved without it, or the config adds it',
    ]);
  });

  it("keys partly under DataParallel's module., or all under a name the model lacks", () => {
    const partly = report({ loaded: ['fc.bias'], missing: ['fc.weight'], unexpected: ['module.fc.weight'] });
    expect(mismatchHints(partly)).to.deep.equal(["1 of 2 checkpoint keys start with 'module.' (DataParallel) and the others do not"]);
    const nested = report({ missing: ['fc.weight', 'fc.bias'], unexpected: ['encoder.fc.weight', 'encoder.fc.bias'] });
    expect(mismatchHints(nested)).to.deep.equal(["every checkpoint key starts with 'encoder.', a name the model does not have: the model is nested in it"]);
  });

  it('other shapes, a bigger model, and otherwise both namings grouped', () => {
    const shapes = report({ loaded: ['fc.bias'], mismatched: [{ key: 'fc.weight', expected: [2, 3], got: [4, 3] }] });
    expect(mismatchHints(shapes)).to.deep.equal([
      'other shapes: the config builds other sizes than the checkpoint has (widths, depths, heads, window, classes)',
    ]);
    const bigger = report({ loaded: ['layers.0.fc.weight'], missing: ['layers.1.fc.weight'] });
    expect(mismatchHints(bigger)).to.deep.equal([
      'the checkpoint has everything else the model has and nothing more: the config builds a bigger model (more blocks, stages, outputs or heads)',
    ]);
    const other = report({
      missing: ['patch_embed.proj.weight', 'layers.0.blocks.0.attn.qkv.weight', 'layers.1.blocks.1.attn.qkv.weight', 'norm0.weight'],
      unexpected: ['cls_token', 'blocks.0.attn.qkv.weight', 'blocks.11.attn.qkv.weight'],
    });
    expect(mismatchHints(other)).to.deep.equal([
      'unmatched checkpoint tensors are named cls_token (1), blocks.N.* (2); the missing ones patch_embed.proj.* (1), layers.N.* (2), normN.* (1)',
    ]);
    expect(mismatchHints(report({ loaded: ['fc.weight'], unexpected: ['head.weight'] }))).to.deep.equal([]);
  });
});

describe("loadStateDict strict: 'model'", () => {
  class Tiny extends Module {
    readonly fc = this.addModule('fc', new Linear(3, 2));
  }
  const extra: TensorRecord = { dtype: 'F32', shape: [1], data: new Float32Array(1) };

  it('loads with unexpected keys, reporting them', () => {
    const [source, model] = [new Tiny(), new Tiny()];
    const state = new Map([...stateDictOf(source), ['head.weight', extra]]);
    const r = loadStateDict(model, state, { strict: 'model' });
    expect(r.loaded).to.deep.equal(['fc.weight', 'fc.bias']);
    expect(r.unexpected).to.deep.equal(['head.weight']);
    expect(Array.from(model.fc.weight.dataSync())).to.deep.equal(Array.from(source.fc.weight.dataSync()));
    source.dispose();
    model.dispose();
  });

  it('refuses a missing tensor with a CheckpointMismatchError naming the file, the keys and a hint, loading nothing', () => {
    const [source, model] = [new Tiny(), new Tiny()];
    const before = Array.from(model.fc.weight.dataSync());
    const state = new Map([...stateDictOf(source)].filter(([key]) => key !== 'fc.bias'));
    let error: unknown;
    try {
      loadStateDict(model, state, { strict: 'model', file: 'tiny.pth' });
    } catch (err) {
      error = err;
    }
    expect(error).to.be.instanceOf(CheckpointMismatchError);
    expect((error as Error).message).to.equal(
      'tiny.pth: checkpoint does not match Tiny (strict):\n  missing (1): fc.bias\n' +
        '  hint: the checkpoint has everything else the model has and nothing more: the config builds a bigger model (more blocks, stages, outputs or heads)',
    );
    expect((error as CheckpointMismatchError).report.missing).to.deep.equal(['fc.bias']);
    expect(Array.from(model.fc.weight.dataSync())).to.deep.equal(before);
    source.dispose();
    model.dispose();
  });
});

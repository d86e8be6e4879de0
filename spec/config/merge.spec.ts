import { expect } from 'chai';
import { mergeConfig } from '../../lib/config/merge.js';

describe('config/merge', () => {
  it('merges dicts recursively, the child winning', () => {
    const base = { model: { backbone: { embed_dims: 96, depths: [2, 2, 6, 2] }, decode_head: { channels: 512 } } };
    const child = { model: { backbone: { embed_dims: 128 } }, work_dir: 'out' };
    expect(mergeConfig(base, child)).to.deep.equal({
      model: { backbone: { embed_dims: 128, depths: [2, 2, 6, 2] }, decode_head: { channels: 512 } },
      work_dir: 'out',
    });
  });

  it('replaces arrays and scalars instead of merging them', () => {
    const merged = mergeConfig({ depths: [2, 2, 6, 2], lr: 0.1, x: { a: 1 } }, { depths: [2, 2], lr: null, x: 3 });
    expect(merged).to.deep.equal({ depths: [2, 2], lr: null, x: 3 });
  });

  it('puts a dict over a scalar or a missing key as it is', () => {
    expect(mergeConfig({ clip_grad: null }, { clip_grad: { max_norm: 1 }, extra: { y: 2 } })).to.deep.equal({
      clip_grad: { max_norm: 1 },
      extra: { y: 2 },
    });
  });

  it('replaces the base dict when the child dict says _delete_: true, and drops the _delete_ key', () => {
    const base = { optimizer: { type: 'SGD', lr: 0.01, momentum: 0.9 } };
    const child = { optimizer: { _delete_: true, type: 'AdamW', lr: 6e-5 } };
    expect(mergeConfig(base, child)).to.deep.equal({ optimizer: { type: 'AdamW', lr: 6e-5 } });
  });

  it('merges normally with _delete_: false and removes _delete_ keys at every depth', () => {
    const base = { a: { b: 1, c: { d: 1 } } };
    const child = { a: { _delete_: false, c: { e: 2, f: { _delete_: true, g: 3 } } } };
    expect(mergeConfig(base, child)).to.deep.equal({ a: { b: 1, c: { d: 1, e: 2, f: { g: 3 } } } });
  });

  it('leaves its inputs untouched', () => {
    const base = { a: { b: 1 } };
    const child = { a: { _delete_: true, c: 2 } };
    mergeConfig(base, child);
    expect(base).to.deep.equal({ a: { b: 1 } });
    expect(child).to.deep.equal({ a: { _delete_: true, c: 2 } });
  });
});

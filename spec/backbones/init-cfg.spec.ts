import { expect } from 'chai';
import { applyInitCfg } from '../../lib/backbones/init-cfg.js';
import { SwinTransformer } from '../../lib/backbones/swin.js';
import { Module } from '../../lib/nn/module.js';
import { createRegistries, registries, setWeightLoader } from '../../lib/registry.js';
import { loadWeights } from '../../lib/weights/node.js';

describe('backbone init_cfg', () => {
  const initCfg = { type: 'Pretrained' as const, checkpoint: 'swin_tiny.pth', prefix: 'backbone.' };

  it("loads the checkpoint with the context's weight loader, called as loadWeights(model, file, {prefix})", () => {
    const calls: unknown[][] = [];
    const ctx = { registries: createRegistries(), path: 'model.backbone', loadWeights: (...args: unknown[]) => calls.push(args) };
    const model = new Module();
    expect(applyInitCfg(model, initCfg, ctx)).to.equal(model);
    expect(applyInitCfg(model, null, ctx)).to.equal(model);
    expect(calls).to.deep.equal([[model, 'swin_tiny.pth', { prefix: 'backbone.' }]]);
  });

  it('a backbone built from a config gets the weight loader of its registries', () => {
    const seen: string[] = [];
    setWeightLoader(registries, (module, file) => seen.push(`${module.constructor.name} ${file}`));
    try {
      const cfg = { type: 'SwinTransformer', embed_dims: 8, depths: [1, 1], num_heads: [1, 1], out_indices: [0, 1], init_cfg: initCfg };
      const model = registries.backbone.build(cfg, 'model.backbone');
      expect(model).to.be.instanceOf(SwinTransformer);
      expect(seen).to.deep.equal(['SwinTransformer swin_tiny.pth']);
      model.dispose();
    } finally {
      setWeightLoader(registries, loadWeights); // segvit's Node loader again, for the specs that follow
    }
  });

  it('without a weight loader names the option and how to give one', () => {
    expect(() => applyInitCfg(new Module(), initCfg, { registries: createRegistries(), path: 'model.backbone' })).to.throw(
      "model.backbone.init_cfg: loading 'swin_tiny.pth' needs a weight loader, which importing 'segvit' installs in Node; " +
        'elsewhere give the registries one with setWeightLoader',
    );
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import type { OptimWrapperConfig } from '../../lib/config/types.js';
import { AdamW, buildOptimWrapper, paramGroups } from '../../lib/engine/optim/index.js';
import { describeGroups, TinyNet } from './tiny-model.js';

const base = { lr: 6e-5, weightDecay: 0.01 };

/** The lr and weight decay each parameter gets. */
function rates(cfg: Parameters<typeof paramGroups>[2], model = new TinyNet()): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  for (const g of paramGroups(model, base, cfg)) for (const [name] of g.params) out[name] = [g.lr, g.weightDecay];
  model.dispose();
  return out;
}

describe('paramGroups (mmengine DefaultOptimWrapperConstructor paramwise_cfg)', () => {
  it('Swin recipe: no decay for absolute_pos_embed, relative_position_bias_table and norms', () => {
    const model = new TinyNet();
    const groups = paramGroups(model, base, {
      custom_keys: {
        absolute_pos_embed: { decay_mult: 0 },
        relative_position_bias_table: { decay_mult: 0 },
        norm: { decay_mult: 0 },
      },
    });
    expect(describeGroups(groups)).to.deep.equal([
      {
        names: ['absolute_pos_embed', 'layers.0.relative_position_bias_table', 'layers.0.norm.weight', 'layers.0.norm.bias'],
        lr: 6e-5,
        weightDecay: 0,
      },
      {
        names: ['layers.0.fc.weight', 'layers.0.fc.bias', 'bn.weight', 'bn.bias', 'head.weight', 'head.bias'],
        lr: 6e-5,
        weightDecay: 0.01,
      },
    ]);
    model.dispose();
  });

  it('one group at the base rates without paramwise_cfg; frozen parameters are left out', () => {
    const model = new TinyNet();
    model.head.freeze();
    const [group, ...rest] = paramGroups(model, base);
    expect(rest).to.have.length(0);
    expect(group!.params.map(([n]) => n)).to.not.include('head.weight');
    expect(group!.params).to.have.length(8);
    model.dispose();
  });

  it('the longest matching custom key wins, then the alphabetically first; it overrides the norm rule', () => {
    const r = rates({
      custom_keys: {
        layers: { lr_mult: 0.1 },
        'layers.0.fc': { lr_mult: 2, decay_mult: 0.5 },
        head: { lr_mult: 10 },
        weig: { lr_mult: 3 },
      },
      norm_decay_mult: 0,
    });
    expect(r['layers.0.fc.weight']).to.deep.equal([6e-5 * 2, 0.01 * 0.5]);
    expect(r['layers.0.norm.weight']).to.deep.equal([6e-5 * 0.1, 0.01]); // custom key, so norm_decay_mult does not apply
    expect(r['head.weight']).to.deep.equal([6e-5 * 10, 0.01]); // 'head' < 'weig', both 4 characters
    expect(r['bn.weight']).to.deep.equal([6e-5 * 3, 0.01]);
    expect(r['bn.bias']).to.deep.equal([6e-5, 0]); // no key: BatchNorm is a norm layer
  });

  it('a root parameter is matched as `.name`, as mmengine builds `${prefix}.${name}` with an empty prefix', () => {
    const r = rates({ custom_keys: { '.abs': { decay_mult: 0 } } });
    expect(r['absolute_pos_embed']).to.deep.equal([6e-5, 0]);
    expect(r['layers.0.fc.weight']).to.deep.equal([6e-5, 0.01]);
  });

  it('norm_decay_mult covers norm weights and biases; bias_decay_mult the other biases', () => {
    const r = rates({ norm_decay_mult: 0, bias_decay_mult: 0.5 });
    expect(r['layers.0.norm.weight']![1]).to.equal(0);
    expect(r['layers.0.norm.bias']![1]).to.equal(0);
    expect(r['bn.bias']![1]).to.equal(0);
    expect(r['layers.0.fc.bias']![1]).to.equal(0.005);
    expect(r['head.weight']![1]).to.equal(0.01);
  });

  it('without norm_decay_mult, norm biases get bias_decay_mult (mmengine\'s precedence)', () => {
    const r = rates({ bias_decay_mult: 0 });
    expect(r['layers.0.norm.bias']![1]).to.equal(0);
    expect(r['layers.0.norm.weight']![1]).to.equal(0.01);
    expect(r['layers.0.relative_position_bias_table']![1]).to.equal(0.01); // its name is not `bias`
  });

  it('buildOptimWrapper builds AdamW over the groups from an optim_wrapper config', () => {
    const model = new TinyNet();
    const cfg = {
      type: 'OptimWrapper',
      optimizer: { type: 'AdamW', lr: 6e-5, betas: [0.9, 0.999], weight_decay: 0.01 },
      paramwise_cfg: { custom_keys: { norm: { decay_mult: 0 } } },
      clip_grad: { max_norm: 1, norm_type: 2 },
      accumulative_counts: 2,
    } as OptimWrapperConfig;
    const wrapper = buildOptimWrapper(model, cfg);
    expect(wrapper.optimizer).to.be.instanceOf(AdamW);
    expect(wrapper.optimizer.baseLrs).to.deep.equal([6e-5, 6e-5]);
    expect(wrapper.optimizer.groups.map((g) => g.weightDecay)).to.deep.equal([0.01, 0]);
    expect(wrapper.accumulativeCounts).to.equal(2);
    expect(wrapper.clipGrad).to.deep.equal({ maxNorm: 1, normType: 2 });
    model.dispose();
  });

  it('AdamW decays each group at its own rate', () => {
    const model = new TinyNet();
    const params = new Map(model.namedParameters());
    const groups = paramGroups(model, { lr: 0.1, weightDecay: 0.5 }, { custom_keys: { norm: { decay_mult: 0 } } });
    const optimizer = new AdamW(groups);
    const names = ['layers.0.norm.weight', 'head.weight'];
    const before = names.map((n) => [...params.get(n)!.dataSync()]);
    const grads = Object.fromEntries(names.map((n) => [n, tf.zerosLike(params.get(n)!)]));
    optimizer.step(grads);
    // zero gradients: only the decoupled decay moves a parameter, p·(1 − lr·wd)
    const after = names.map((n) => [...params.get(n)!.dataSync()]);
    expect(after[0]).to.deep.equal(before[0]); // norm: wd 0
    after[1]!.forEach((x, i) => expect(x).to.be.closeTo(before[1]![i]! * 0.95, 1e-7));
    tf.dispose(Object.values(grads));
    optimizer.dispose();
    model.dispose();
  });

  it('names a gradient whose shape differs from its parameter', () => {
    const p = tf.variable(tf.zeros([2]));
    const g = tf.zeros([3]);
    expect(() => new AdamW([['w', p]]).step({ w: g })).to.throw("gradient of 'w' has shape [3], the parameter [2]");
    tf.dispose([p, g]);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import * as nn from '../../lib/nn/index.js';
import { rng } from '../../lib/random.js';

/** A miniature of a Swin stage, to check PyTorch-style dotted names. */
class Block extends nn.Module {
  readonly norm1 = this.addModule('norm1', new nn.LayerNorm(8));
  readonly mlp = this.addModule('mlp', new nn.Mlp(8, 16));
  readonly bn = this.addModule('bn', new nn.BatchNorm2d(8));
  readonly drop = this.addModule('drop', new nn.Dropout(0.5));
}

class Net extends nn.Module {
  readonly layers = this.addModule('layers', new nn.ModuleList([new Block(), new Block()]));
  readonly head = this.addModule('head', new nn.Linear(8, 3));
}

describe('Module', () => {
  it('names parameters and buffers with PyTorch dotted names, in state_dict order', () => {
    const net = new Net();
    const names = [...net.namedState()].map(([k]) => k);
    expect(names.slice(0, 11)).to.deep.equal([
      'layers.0.norm1.weight',
      'layers.0.norm1.bias',
      'layers.0.mlp.fc1.weight',
      'layers.0.mlp.fc1.bias',
      'layers.0.mlp.fc2.weight',
      'layers.0.mlp.fc2.bias',
      'layers.0.bn.weight',
      'layers.0.bn.bias',
      'layers.0.bn.running_mean',
      'layers.0.bn.running_var',
      'layers.0.bn.num_batches_tracked',
    ]);
    expect(names).to.include('layers.1.mlp.fc2.bias');
    expect(names.at(-1)).to.equal('head.bias');
    const params = [...net.namedParameters()].map(([k]) => k);
    expect(params).to.not.include('layers.0.bn.running_mean');
    expect(params).to.have.length(2 * 8 + 2);
    net.dispose();
  });

  it('counts parameters as sum(p.numel())', () => {
    const net = new Net();
    // per block: LN 16 + fc1 8*16+16 + fc2 16*8+8 + BN 16 = 312; head 8*3+3 = 27
    expect(net.numParameters()).to.equal(2 * 312 + 27);
    net.dispose();
  });

  it('switches train / eval mode recursively', () => {
    const net = new Net();
    expect(net.layers.at(1).drop.training).to.equal(true);
    net.eval();
    expect([...net.namedModules()].every(([, m]) => !m.training)).to.equal(true);
    net.layers.at(0).train();
    expect(net.layers.at(0).bn.training).to.equal(true);
    expect(net.layers.at(1).bn.training).to.equal(false);
    net.dispose();
  });

  it('freezes parameters below a module, leaving others trainable', () => {
    const net = new Net();
    net.layers.at(0).freeze();
    const trainable = net.trainableParameters().map(([k]) => k);
    expect(trainable.some((k) => k.startsWith('layers.0.'))).to.equal(false);
    expect(trainable).to.include('layers.1.norm1.weight');
    expect(trainable).to.include('head.weight');
    net.layers.at(0).freeze(false);
    expect(net.trainableParameters()).to.have.length(18);
    net.dispose();
  });

  it('rejects duplicate and dotted member names', () => {
    class Bad extends nn.Module {
      constructor(name: string) {
        super();
        this.addModule('a', new nn.GELU());
        this.addModule(name, new nn.GELU());
      }
    }
    expect(() => new Bad('a')).to.throw("Bad already has a member named 'a'");
    expect(() => new Bad('x.y')).to.throw("invalid module member name 'x.y'");
  });

  it('ModuleList reports an out-of-range index', () => {
    expect(() => new nn.ModuleList([new nn.GELU()]).at(3)).to.throw('ModuleList index 3 out of range (length 1)');
  });

  it('ParameterList names its parameters 0, 1, ... as nn.ParameterList', () => {
    class Holder extends nn.Module {
      readonly pos_embed = this.addModule('pos_embed', new nn.ParameterList([tf.zeros([1, 3, 2]), tf.ones([1, 5, 4])]));
    }
    const holder = new Holder();
    expect([...holder.namedParameters()].map(([k, v]) => [k, v.shape])).to.deep.equal([
      ['pos_embed.0', [1, 3, 2]],
      ['pos_embed.1', [1, 5, 4]],
    ]);
    expect(holder.pos_embed.items[1].dataSync()[0]).to.equal(1);
    holder.dispose();
  });

  it('Sequential applies its layers in order', () => {
    const seq = new nn.Sequential([new nn.ReLU(), new nn.Linear(2, 1, false)]);
    const fc = seq.at(1) as nn.Linear;
    fc.weight.assign(tf.tensor2d([[2], [3]]));
    expect(Array.from(seq.forward(tf.tensor2d([[-1, 4]])).dataSync())).to.deep.equal([12]);
  });

  it('builds with zeros for its random initialisers, drawing nothing, inside withoutRandomInit (and as usual after)', () => {
    const seed = rng.state;
    const bare = nn.init.withoutRandomInit(() => new Net());
    expect(rng.state, 'no value drawn').to.equal(seed);
    const weights = [...bare.namedState()].filter(([name]) => /(mlp\.fc\d|head)\.weight$/.test(name));
    expect(weights.map(([name]) => name)).to.deep.equal(['layers.0.mlp.fc1.weight', 'layers.0.mlp.fc2.weight', 'layers.1.mlp.fc1.weight', 'layers.1.mlp.fc2.weight', 'head.weight']);
    for (const [name, { variable }] of weights) expect(tf.any(tf.notEqual(variable, 0)).dataSync()[0], name).to.equal(0);
    // LayerNorm's and BatchNorm's constant initial values are kept: only draws are skipped
    expect(Array.from(bare.layers.at(0)!.norm1.weight!.dataSync())).to.deep.equal(new Array(8).fill(1));
    const drawn = new Net();
    expect(rng.state).to.not.equal(seed);
    expect(tf.any(tf.notEqual(drawn.head.weight, 0)).dataSync()[0]).to.equal(1);
    bare.dispose();
    drawn.dispose();
  });

  it('disposes every tensor it owns', () => {
    const before = tf.memory().numTensors;
    const net = new Net();
    expect(tf.memory().numTensors).to.be.greaterThan(before);
    net.dispose();
    expect(tf.memory().numTensors).to.equal(before);
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import '../../lib/components.js';
import { FPN } from '../../lib/necks/fpn.js';
import { registries } from '../../lib/registry.js';
import { loadStateDict } from '../../lib/weights/index.js';
import { channelsLast, parityError } from '../helpers/parity.js';
import { readJsonFixture, record, stateDict, type StoredTensor } from '../helpers/torch-json.js';

interface FpnCase {
  name: string;
  config: { in_channels: number[]; out_channels: number; num_outs: number; add_extra_convs?: 'on_input'; relu_before_extra_convs?: boolean };
  state_dict: Record<string, StoredTensor>;
  io: Record<string, StoredTensor>;
}

describe('FPN neck', () => {
  describe("matches mmseg's FPN (tools/reference/ftn_port.py)", () => {
    for (const c of readJsonFixture<{ cases: FpnCase[] }>('ftn/fpn.json').cases) {
      it(c.name, () => {
        const neck = registries.neck.build({ type: 'FPN', ...c.config }, 'neck');
        loadStateDict(neck, stateDict(c.state_dict), { strict: true });
        const inputs = c.config.in_channels.map((_, i) => channelsLast(record(c.io[`in${i}`])) as tf.Tensor4D);
        const outs = neck.forward(inputs);
        expect(outs).to.have.length(c.config.num_outs);
        outs.forEach((o, i) => expect(parityError(o, record(c.io[`out${i}`])), `out${i}`).to.be.at.most(1e-4));
        tf.dispose([...inputs, ...outs]);
        neck.dispose();
      });
    }
  });

  it('is, on a hand-computed example, lateral 1x1 + nearest top-down sum + 3x3 output conv', () => {
    // One channel, identity laterals (weight 1, bias 0), output convs that copy the centre pixel and add 10.
    const neck = new FPN({ in_channels: [1, 1], out_channels: 1, num_outs: 2 });
    tf.tidy(() => {
      for (const conv of neck.lateralConvs.items) {
        conv.conv.weight.assign(tf.ones([1, 1, 1, 1]));
        conv.conv.bias!.assign(tf.zeros([1]));
      }
      for (const conv of neck.fpnConvs.items) {
        conv.conv.weight.assign(tf.tensor4d([0, 0, 0, 0, 1, 0, 0, 0, 0], [3, 3, 1, 1]));
        conv.conv.bias!.assign(tf.tensor1d([10]));
      }
    });
    const fine = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [1, 3, 4, 1]);
    const coarse = tf.tensor4d([100, 200, 300, 400], [1, 2, 2, 1]);
    const [o0, o1] = neck.forward([fine, coarse]);
    // nearest 2x2 -> 3x4 takes source rows floor(r * 2/3) = 0, 0, 1 and columns floor(c / 2) = 0, 0, 1, 1
    expect(Array.from(o0.dataSync())).to.deep.equal([111, 112, 213, 214, 115, 116, 217, 218, 319, 320, 421, 422]);
    expect(Array.from(o1.dataSync())).to.deep.equal([110, 210, 310, 410]);
    tf.dispose([fine, coarse, o0, o1]);
    neck.dispose();
  });

  it("has mmseg's parameter names; add_extra_convs true with extra_convs_on_inputs false means 'on_output'", () => {
    const neck = registries.neck.build(
      { type: 'FPN', in_channels: [4, 8], out_channels: 6, num_outs: 3, add_extra_convs: true, norm_cfg: { type: 'BN' } },
      'neck',
    ) as FPN;
    expect(neck.addExtraConvs).to.equal('on_output');
    const names = [...neck.namedState()].map(([k]) => k);
    expect(names).to.include.members(['lateral_convs.1.conv.weight', 'lateral_convs.0.bn.running_mean', 'fpn_convs.2.conv.weight', 'fpn_convs.2.bn.weight']);
    expect(names).to.not.include('fpn_convs.0.conv.bias'); // a conv followed by a norm has no bias
    expect(neck.fpnConvs.at(2).conv.inChannels).to.equal(6);
    neck.dispose();
  });

  it('rejects num_outs below the used levels and a wrong number of inputs', () => {
    expect(() => new FPN({ in_channels: [4, 8, 16], out_channels: 8, num_outs: 2 })).to.throw('num_outs 2 is less than the 3 used input levels');
    const neck = new FPN({ in_channels: [4, 8], out_channels: 8, num_outs: 2 });
    expect(() => neck.forward([tf.zeros([1, 4, 4, 4]) as tf.Tensor4D])).to.throw('FPN expects 2 input levels (in_channels), got 1');
    neck.dispose();
  });
});

/**
 * Every layer against PyTorch: spec/fixtures/nn/*.json hold inputs, weights, outputs and gradients of
 * L = Σ y·g computed by torch (tools/reference/nn_layers.py), stored channels-last in TF.js layouts.
 * Runs on the active backend (SEGVIT_BACKEND); wasm-gradients.spec.ts ties wasm to cpu.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import * as nn from '../../lib/nn/index.js';
import { maxAbs, maxAbsDiff } from '../helpers/backends.js';

interface Stored {
  shape: number[];
  data: number[];
}
interface Case {
  name: string;
  args: Record<string, unknown>;
  tensors: Record<string, Stored>;
}

function cases(file: string): Case[] {
  const url = new URL(`../../../spec/fixtures/nn/${file}`, import.meta.url);
  return (JSON.parse(readFileSync(url, 'utf8')) as { cases: Case[] }).cases;
}

const tensor = (s: Stored) => tf.tensor(s.data, s.shape);

function expectClose(actual: tf.Tensor, expected: Stored, what: string): void {
  expect(actual.shape, `${what} shape`).to.deep.equal(expected.shape);
  const tol = 1e-4 * Math.max(1, maxAbs(expected.data));
  expect(maxAbsDiff(actual.dataSync(), expected.data), what).to.be.at.most(tol);
}

/** Load the case's weights by PyTorch name, run forward + backward, compare y and every gradient. */
function check(c: Case, layer: nn.Module | undefined, forward: (x: tf.Tensor) => tf.Tensor): void {
  const params = layer ? [...layer.namedParameters()] : [];
  for (const [name, v] of params) v.assign(tensor(c.tensors[name]));
  const x = tf.variable(tensor(c.tensors.x));
  const g = tensor(c.tensors.g);
  const { value, grads } = tf.variableGrads(
    () => tf.sum(tf.mul(forward(x), g)) as tf.Scalar,
    [x, ...params.map(([, v]) => v)],
  );
  expectClose(tf.tidy(() => forward(x)), c.tensors.y, 'y');
  expect(Math.abs(value.dataSync()[0])).to.be.greaterThan(0);
  expectClose(grads[x.name], c.tensors['x.grad'], 'dL/dx');
  for (const [name, v] of params) expectClose(grads[v.name], c.tensors[`${name}.grad`], `dL/d${name}`);
}

const n = (v: unknown) => v as number;
const tupleOrNumber = (v: unknown) => v as number & [number, number] & [number, number, number];

describe('nn layers match PyTorch', () => {
  describe('Linear', () => {
    for (const c of cases('linear.json')) {
      it(c.name, () => {
        const layer = new nn.Linear(n(c.args.in_features), n(c.args.out_features), c.args.bias as boolean);
        check(c, layer, (x) => layer.forward(x));
      });
    }
  });

  describe('Conv2d', () => {
    for (const c of cases('conv2d.json')) {
      it(c.name, () => {
        const a = c.args;
        const layer = new nn.Conv2d(n(a.in_channels), n(a.out_channels), tupleOrNumber(a.kernel_size), {
          stride: tupleOrNumber(a.stride),
          padding: a.padding as nn.ConvOptions<2>['padding'],
          dilation: tupleOrNumber(a.dilation),
          groups: n(a.groups),
          bias: a.bias as boolean,
        });
        check(c, layer, (x) => layer.forward(x));
      });
    }
  });

  it("Conv2d pads inside tf.conv2d where PyTorch's padding is TF's 'same', keeping no padded copy for the backward", async () => {
    const kernelsOf = async (options: nn.ConvOptions<2>) => {
      const layer = new nn.Conv2d(4, 4, 3, options);
      const x = tf.randomNormal([1, 8, 8, 4]);
      const info = await tf.profile(() => layer.forward(x));
      x.dispose();
      layer.dispose();
      return info.kernels.map((k) => k.name);
    };
    expect(await kernelsOf({ padding: 1 })).to.not.include('PadV2');
    expect(await kernelsOf({ padding: 1, groups: 4 })).to.not.include('PadV2');
    // TF's 'same' would pad 0 before and 1 after at stride 2; PyTorch pads 1 on each side
    expect(await kernelsOf({ padding: 1, stride: 2 })).to.include('PadV2');
  });

  describe('Conv3d', () => {
    for (const c of cases('conv3d.json')) {
      it(c.name, () => {
        const a = c.args;
        const layer = new nn.Conv3d(n(a.in_channels), n(a.out_channels), tupleOrNumber(a.kernel_size), {
          stride: tupleOrNumber(a.stride),
          padding: a.padding as nn.ConvOptions<3>['padding'],
          dilation: tupleOrNumber(a.dilation),
          groups: n(a.groups),
          bias: a.bias as boolean,
        });
        check(c, layer, (x) => layer.forward(x));
      });
    }
  });

  describe('ConvTranspose2d', () => {
    for (const c of cases('conv_transpose2d.json')) {
      it(c.name, () => {
        const a = c.args;
        const layer = new nn.ConvTranspose2d(n(a.in_channels), n(a.out_channels), tupleOrNumber(a.kernel_size), {
          stride: tupleOrNumber(a.stride),
          padding: tupleOrNumber(a.padding),
          outputPadding: tupleOrNumber(a.output_padding),
          bias: a.bias as boolean,
        });
        check(c, layer, (x) => layer.forward(x as tf.Tensor4D));
      });
    }
  });

  describe('LayerNorm', () => {
    for (const c of cases('layer_norm.json')) {
      it(c.name, () => {
        const layer = new nn.LayerNorm((c.args.normalized_shape as number[])[0], n(c.args.eps));
        check(c, layer, (x) => layer.forward(x));
      });
    }
    it('defaults to eps 1e-5 as PyTorch (not tfjs-layers 1e-3)', () => {
      expect(new nn.LayerNorm(4).eps).to.equal(1e-5);
    });
  });

  describe('GroupNorm', () => {
    for (const c of cases('group_norm.json')) {
      it(c.name, () => {
        const layer = new nn.GroupNorm(n(c.args.num_groups), n(c.args.num_channels), n(c.args.eps));
        check(c, layer, (x) => layer.forward(x));
      });
    }
  });

  describe('BatchNorm2d', () => {
    for (const c of cases('batch_norm2d.json')) {
      it(`${c.name}: train output, gradients, running statistics, eval output`, () => {
        const layer = new nn.BatchNorm2d(n(c.args.num_features), { momentum: c.args.momentum as number | null });
        const stats = Object.fromEntries([...layer.namedState()].map(([k, e]) => [k, e.variable]));
        expectClose(stats.running_mean, c.tensors['running_mean.init'], 'initial running_mean');
        expectClose(stats.running_var, c.tensors['running_var.init'], 'initial running_var');
        check(c, layer, (x) => layer.forward(x));
        // check() ran the forward twice (gradient + output); rewind to the state after one forward.
        stats.running_mean.assign(tensor(c.tensors['running_mean.after1']));
        stats.running_var.assign(tensor(c.tensors['running_var.after1']));
        stats.num_batches_tracked.assign(tf.scalar(1, 'int32'));
        expectClose(layer.forward(tensor(c.tensors.x2)), c.tensors.y2, 'second train output');
        expectClose(stats.running_mean, c.tensors.running_mean, 'running_mean');
        expectClose(stats.running_var, c.tensors.running_var, 'running_var');
        expect(stats.num_batches_tracked.dataSync()[0]).to.equal(c.tensors.num_batches_tracked.data[0]);
        layer.eval();
        expectClose(layer.forward(tensor(c.tensors.x3)), c.tensors.y_eval, 'eval output');
      });
    }
  });

  describe('GELU (exact erf form)', () => {
    for (const c of cases('gelu.json')) {
      it(c.name, () => {
        const layer = new nn.GELU();
        check(c, layer, (x) => layer.forward(x));
      });
    }
  });

  describe('Mlp', () => {
    for (const c of cases('mlp.json')) {
      it(c.name, () => {
        const a = c.args;
        const layer = new nn.Mlp(n(a.in_features), n(a.hidden_features), n(a.out_features));
        expect([...layer.namedParameters()].map(([k]) => k)).to.deep.equal([
          'fc1.weight',
          'fc1.bias',
          'fc2.weight',
          'fc2.bias',
        ]);
        check(c, layer, (x) => layer.forward(x));
      });
    }
  });

  describe('interpolate', () => {
    for (const c of cases('interpolate.json')) {
      it(c.name, () => {
        const a = c.args;
        check(c, undefined, (x) =>
          nn.interpolate(x as tf.Tensor4D, {
            size: a.size as [number, number],
            mode: a.mode as 'bilinear' | 'nearest' | 'bicubic',
            alignCorners: a.align_corners as boolean | undefined,
          }),
        );
      });
    }
  });

  describe('adaptiveAvgPool2d', () => {
    for (const c of cases('adaptive_avg_pool2d.json')) {
      it(c.name, () => {
        check(c, undefined, (x) => nn.adaptiveAvgPool2d(x as tf.Tensor4D, n(c.args.output_size)));
      });
    }
  });

  describe('MaxPool2d', () => {
    it('pads with -inf on every side as nn.MaxPool2d(3, 2, 1), not as TF "same" (all padding after)', () => {
      // 1×4×4×1 with values 0..15 row-major; windows start at -1, 1 (rows and columns): torch gives [[5, 7], [13, 15]]
      const x = tf.reshape(tf.range(0, 16), [1, 4, 4, 1]) as tf.Tensor4D;
      const y = new nn.MaxPool2d(3, 2, 1).forward(x);
      expect(y.shape).to.deep.equal([1, 2, 2, 1]);
      expect(Array.from(y.dataSync())).to.deep.equal([5, 7, 13, 15]);
      // negative inputs: padding never wins
      const neg = new nn.MaxPool2d(3, 2, 1).forward(tf.neg(tf.add(x, 1)) as tf.Tensor4D);
      expect(Array.from(neg.dataSync())).to.deep.equal([-1, -2, -5, -6]);
      // ResNet's stem: 112 -> 56 (⌊(112 + 2 - 3)/2⌋ + 1)
      expect(new nn.MaxPool2d(3, 2, 1).forward(tf.zeros([1, 112, 112, 1])).shape).to.deep.equal([1, 56, 56, 1]);
    });
  });
});

/**
 * End to end: the gradient of the whole training loss of Swin + UPerNet + FCN (every kernel fix, the window
 * maths, the heads, the preprocessor and the loss) against central finite differences, at the largest gradient entry
 * of parameters at every depth. BN uses running statistics (eval) and dropout is off, so the loss is a
 * deterministic function of the parameters.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import '../../lib/components.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import { registries } from '../../lib/registry.js';
import { EncoderDecoder, totalLoss } from '../../lib/segmentors/encoder-decoder.js';
import { manualSeed } from '../../lib/random.js';

const DEMO = fileURLToPath(new URL('../../../configs/demo/digits_swin-nano_upernet.json', import.meta.url));

describe('Swin + UPerNet training-loss gradient', function () {
  this.timeout(120000);

  it('matches finite differences at every depth of the model', () => {
    manualSeed(0); // the same weights whatever ran before
    const cfg = validateConfig(
      loadConfig(DEMO, {
        cfgOptions: ['model.decode_head.dropout_ratio=0', 'model.auxiliary_head.dropout_ratio=0', 'model.data_preprocessor.size=[32,32]'],
      }),
    );
    const model = registries.segmentor.build(cfg.model!, 'model') as EncoderDecoder;
    model.eval();
    const images = tf.randomUniform([2, 32, 32, 3], 0, 255, 'float32', 1) as tf.Tensor4D;
    const labels = tf.randomUniformInt([2, 32, 32], 0, 11, 2) as tf.Tensor3D;
    const params = Object.fromEntries(model.trainableParameters());
    const loss = () =>
      tf.tidy(() => {
        const p = model.dataPreprocessor.forward(images, { label: labels }, true);
        return totalLoss(model.loss(p.images, p.targets));
      });
    const names = [
      'backbone.patch_embed.proj.weight',
      'backbone.layers.1.blocks.0.attn.qkv.weight',
      'backbone.layers.2.downsample.reduction.weight',
      'backbone.layers.3.blocks.1.mlp.fc2.weight',
      'backbone.norm2.weight',
      'decode_head.lateral_convs.0.conv.weight',
      'decode_head.psp_modules.2.1.conv.weight',
      'decode_head.fpn_bottleneck.conv.weight',
      'decode_head.conv_seg.weight',
      'auxiliary_head.convs.0.conv.weight',
    ];
    const { grads } = tf.variableGrads(() => loss(), names.map((n) => params[n]!));
    for (const name of names) {
      const v = params[name]!;
      const g = grads[v.name]!.dataSync() as Float32Array;
      let i = 0;
      for (let j = 1; j < g.length; j++) if (Math.abs(g[j]!) > Math.abs(g[i]!)) i = j;
      const base = v.dataSync().slice();
      const at = (delta: number) => {
        const shifted = base.slice();
        shifted[i] += delta;
        tf.tidy(() => v.assign(tf.tensor(shifted, v.shape)));
        return loss().dataSync()[0]!;
      };
      const eps = 1e-2;
      const [up, down] = [at(eps), at(-eps)];
      const numeric = (up - down) / (2 * eps);
      // The same difference at eps/2: how far apart the two are bounds the difference quotient's own error
      // (curvature, ReLU kinks and float32 rounding inside the network), which at some entries is several percent.
      const half = (at(eps / 2) - at(-eps / 2)) / eps;
      tf.tidy(() => v.assign(tf.tensor(base, v.shape)));
      // 2% of the gradient, plus the float32 rounding of the two losses (a few ulps of |L| each) over 2·eps,
      // plus the difference quotient's estimated error
      const rounding = (8 * 2 ** -24 * Math.abs(up)) / (2 * eps);
      const tolerance = 0.02 * Math.abs(g[i]!) + rounding + Math.abs(numeric - half);
      expect(Math.abs(numeric - g[i]!), name).to.be.below(tolerance);
      expect(Math.abs(numeric - half), `${name}: the difference quotient is unstable`).to.be.below(0.25 * Math.abs(g[i]!));
    }
    model.dispose();
  });
});

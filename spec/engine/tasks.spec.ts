import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { FCNHead } from '../../heads/fcn.js';
import '../../lib/components.js';
import { taskOf } from '../../lib/engine/tasks/index.js';
import { Conv2d, Module } from '../../lib/nn/index.js';
import { DepthEstimator } from '../../lib/segmentors/depth-estimator.js';
import { EncoderDecoder } from '../../lib/segmentors/encoder-decoder.js';
import type { Backbone, Segmentor } from '../../lib/segmentors/types.js';

class Stem extends Module implements Backbone {
  readonly conv = this.addModule('conv', new Conv2d(3, 4, 1));

  forward(x: tf.Tensor4D): tf.Tensor4D[] {
    return [this.conv.forward(x) as tf.Tensor4D];
  }
}

const head = (numClasses: number, o: object = {}) => new FCNHead({ in_channels: 4, channels: 4, num_classes: numClasses, num_convs: 1, ...o });

describe('tasks', () => {
  it('dispatch on the task a segmentor declares: its targets, random targets and default metric', () => {
    const seg = taskOf(new EncoderDecoder({ backbone: new Stem(), decode_head: head(5) }));
    const depth = taskOf(new DepthEstimator({ backbone: new Stem(), decode_head: head(1, { loss_decode: { type: 'SiLogLoss' } }) }));
    const batch = { images: new Float32Array(12), shape: [1, 2, 2, 3], labels: new Uint8Array([0, 1, 2, 255]), labelShape: [1, 2, 2] };
    const { label } = seg.targets(batch as never);
    expect([label!.dtype, Array.from(label!.dataSync())]).to.deep.equal(['int32', [0, 1, 2, 255]]);
    expect(() => depth.targets(batch as never)).to.throw('training needs depth maps: add LoadDepthAnnotation to the train pipeline');
    const random = [seg.randomTargets([2, 3, 4]), depth.randomTargets([2, 3, 4])];
    expect(random.map((t) => Object.entries(t).map(([k, v]) => [k, (v as tf.Tensor).dtype, (v as tf.Tensor).shape]))).to.deep.equal([
      [['label', 'int32', [2, 3, 4]]],
      [['depth', 'float32', [2, 3, 4]]],
    ]);
    expect(seg.evaluator(undefined, 'val_evaluator').bestMetric).to.equal('mIoU');
    expect(depth.evaluator(undefined, 'val_evaluator').bestMetric).to.equal('abs_rel');
    expect(() => seg.evaluator({ type: 'DepthMetric' }, 'test_evaluator')).to.throw(
      'test_evaluator: DepthMetric does not evaluate a segmentor; use IoUMetric',
    );
    tf.dispose([label!, ...random]);
    [seg, depth].forEach((t) => t.model.dispose());
  });

  it('name a model that declares no task, or a task segvit does not run', () => {
    class Panoptic extends Module {
      readonly task = 'panoptic';
    }
    expect(() => taskOf(new Panoptic() as unknown as Segmentor)).to.throw("Panoptic declares task 'panoptic'; segvit runs segmentation, depth, segmentation3d");
    expect(() => taskOf(new Stem() as unknown as Segmentor)).to.throw('Stem is not a segmentor: a Segmentor declares its task (segmentation, depth, segmentation3d)');
  });
});

import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import '../../lib/components.js';
import { ResNet, type ResNetDepth } from '../../lib/backbones/resnet.js';
import { registries } from '../../lib/registry.js';
import { loadWeights, type TensorRecord } from '../../lib/weights/node.js';
import { onBackend } from '../helpers/backends.js';
import { hashedState, hashedTensor, sampledError, type SampledTensor } from '../helpers/hashed-weights.js';
import { readJsonFixture } from '../helpers/torch-json.js';

/** spec/fixtures/hiformer/reference.json (tools/reference/hiformer_reference.py), the parts read here. */
interface Reference {
  params: Record<`resnet${ResNetDepth}`, number>;
  hashed: { resnet50: Record<'layer1' | 'layer2' | 'layer3' | 'layer4', SampledTensor> };
}
const reference = readJsonFixture<Reference>('hiformer/reference.json');

/** NHWC -> NCHW, the reference's layout. */
const nchw = (x: tf.Tensor4D) => tf.transpose(x, [0, 3, 1, 2]);

describe('ResNet (torchvision)', function () {
  this.timeout(120000);

  it("has torchvision's parameter counts without avgpool / fc (ResNet-18, 34, 50, 101)", () => {
    for (const depth of [18, 34, 50, 101] as const) {
      const model = new ResNet({ depth });
      expect(model.numParameters(), `resnet${depth}`).to.equal(reference.params[`resnet${depth}`]);
      model.dispose();
    }
  });

  it("names its state as torchvision and keeps torchvision's child order", () => {
    const model = new ResNet({ depth: 50 });
    const names = [...model.namedState()].map(([k]) => k);
    expect(names.slice(0, 6)).to.deep.equal([
      'conv1.weight', 'bn1.weight', 'bn1.bias', 'bn1.running_mean', 'bn1.running_var', 'bn1.num_batches_tracked',
    ]);
    expect(names).to.include.members([
      'layer1.0.downsample.0.weight', 'layer1.0.downsample.1.running_var', 'layer2.0.conv2.weight', 'layer4.2.bn3.bias',
    ]);
    expect(names).to.not.include('layer2.1.downsample.0.weight');
    expect(model.namedChildren().map(([k]) => k)).to.deep.equal(['conv1', 'bn1', 'relu', 'maxpool', 'layer1', 'layer2', 'layer3', 'layer4']);
    // v1.5: a bottleneck strides on its 3×3 conv
    const block = model.layers[1].at(0) as unknown as { conv1: { stride: number[] }; conv2: { stride: number[] } };
    expect([block.conv1.stride, block.conv2.stride]).to.deep.equal([[1, 1], [2, 2]]);
    model.dispose();
  });

  for (const backend of ['wasm', 'cpu']) {
    it(`matches torchvision's ResNet-50 stage by stage on hashed weights, odd input 30×22 (${backend})`, async () => {
      const errors = await onBackend(backend, () => {
        const model = new ResNet({ depth: 50 }).eval();
        loadWeights(model, hashedState(model), { strict: true });
        const x = tf.tensor(hashedTensor('input', [1, 3, 30, 22]).data, [1, 3, 30, 22]).transpose([0, 2, 3, 1]) as tf.Tensor4D;
        const outs = model.forward(x);
        const errs = outs.map((o, i) => sampledError(nchw(o), reference.hashed.resnet50[`layer${i + 1}` as 'layer1']));
        tf.dispose([x, ...outs]);
        model.dispose();
        return errs;
      });
      expect(errors).to.have.length(4);
      for (const [i, err] of errors.entries()) expect(err, `layer${i + 1}`).to.be.at.most(1e-5);
    });
  }

  it('loads a torchvision checkpoint strictly: fc and unbuilt stages left out, a missing num_batches_tracked as 0', () => {
    const model = new ResNet({ depth: 18, num_stages: 3, out_indices: [2] });
    const full = new ResNet({ depth: 18 });
    const state = new Map<string, TensorRecord>([...hashedState(full)].filter(([k]) => !k.endsWith('num_batches_tracked')));
    state.set('fc.weight', hashedTensor('fc.weight', [1000, 512]));
    state.set('fc.bias', hashedTensor('fc.bias', [1000]));
    const report = loadWeights(model, state, { strict: true });
    expect(report.loaded).to.have.length([...model.namedState()].length);
    expect(report.unexpected).to.deep.equal([]);
    expect(model.bn1.runningVar!.dataSync()[0]).to.equal(state.get('bn1.running_var')!.data[0]);
    model.dispose();
    full.dispose();
  });

  it('returns the stages of out_indices at strides 4 to 32 (sizes rounded up) and rejects other indices', () => {
    const model = registries.backbone.build({ type: 'ResNet', depth: 18, out_indices: [0, 3] }, 'model.backbone') as ResNet;
    const outs = model.forward(tf.zeros([2, 65, 33, 3]) as tf.Tensor4D);
    expect(outs.map((o) => o.shape)).to.deep.equal([[2, 17, 9, 64], [2, 3, 2, 512]]);
    tf.dispose(outs);
    model.dispose();
    expect(() => registries.backbone.build({ type: 'ResNet', depth: 34, num_stages: 3, out_indices: [3] }, 'model.backbone')).to.throw(
      'model.backbone.out_indices: 3 is not a stage index (0..2)',
    );
    expect(() => registries.backbone.build({ type: 'ResNet', depth: 20 }, 'model.backbone')).to.throw('model.backbone.depth');
  });
});

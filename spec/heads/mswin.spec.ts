import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SwinTransformer } from '../../lib/backbones/swin.js';
import { MultiSwinHead, type MultiSwinHeadOptions } from '../../heads/mswin.js';
import { EncoderDecoder } from '../../lib/segmentors/encoder-decoder.js';
import { loadStateDict, loadWeights, readCheckpoint } from '../../lib/weights/node.js';
import { fixtureOrSkip } from '../fixtures.js';
import { onBackend } from '../helpers/backends.js';
import { runSegvit } from '../helpers/cli.js';
import { channelsLast, parityError } from '../helpers/parity.js';
import { readJsonFixture, record, stateDict, type StoredTensor } from '../helpers/torch-json.js';

/** spec/fixtures/mswin/modes.json, made by tools/reference/mswin_modes.py from the official head. */
interface ModesFixture {
  config: MultiSwinHeadOptions;
  cases: Record<'par' | 'seq' | 'crs', { state_dict: Record<string, StoredTensor>; io: Record<string, StoredTensor> }>;
}

/** The mswin-a fixture's model (meta.json): mmseg Swin embed 32, depths 2-2-2-2, heads 1-2-4-8 + MSwin-P, 64 channels. */
const fixtureModel = () =>
  new EncoderDecoder({
    backbone: new SwinTransformer({ embed_dims: 32, depths: [2, 2, 2, 2], num_heads: [1, 2, 4, 8], window_size: 7 }),
    decode_head: new MultiSwinHead({
      in_channels: [32, 64, 128, 256], channels: 64, num_heads: 4, window_sizes: [5, 7, 12], mode: 'par', num_classes: 6,
    }),
  });

const tinyHead = (o: Partial<MultiSwinHeadOptions> = {}) =>
  new MultiSwinHead({ in_channels: [8, 16, 32, 64], channels: 16, num_heads: 2, window_sizes: [3, 5], num_classes: 3, ...o });

describe('MultiSwinHead (MSwin)', () => {
  for (const backend of ['wasm', 'cpu']) {
    it(`matches the official MSwin-P EncoderDecoder: out0..3, head logits and output (fixture mswin-a, ${backend})`, async function () {
      const dir = fixtureOrSkip(this, 'mswin-a');
      const errors = await onBackend(backend, () => {
        const model = fixtureModel().eval();
        const report = loadWeights(model, join(dir, 'weights.safetensors'), { strict: true });
        expect(report.loaded.filter((k) => k.startsWith('decode_head.'))).to.have.length(104);
        const io = readCheckpoint(join(dir, 'io.safetensors'));
        const x = channelsLast(io.get('input')!) as tf.Tensor4D;
        const features = model.extractFeat(x);
        const head = model.decodeHead.forward(features);
        const output = model.encodeDecode(x);
        const errs = [
          ...features.map((f, i) => [`out${i}`, parityError(f, io.get(`out${i}`)!)] as const),
          ['head', parityError(head, io.get('head')!)] as const,
          ['output', parityError(output, io.get('output')!)] as const,
        ];
        tf.dispose([x, head, output, ...features]);
        model.dispose();
        return errs;
      });
      expect(errors.map(([name]) => name)).to.deep.equal(['out0', 'out1', 'out2', 'out3', 'head', 'output']);
      for (const [name, err] of errors) expect(err, name).to.be.at.most(1e-4);
    });
  }

  describe('matches the official head in every mode on maps the windows do not divide (tools/reference/mswin_modes.py)', () => {
    const fx = readJsonFixture<ModesFixture>('mswin/modes.json');
    for (const mode of ['par', 'seq', 'crs'] as const) {
      it(`${mode}: levels 10x7 / 5x4 / 3x2 / 2x1, windows 3, 5 and 12`, () => {
        const { type, ...config } = fx.config as MultiSwinHeadOptions & { type: string };
        expect(type).to.equal('MultiSwinHead');
        const head = new MultiSwinHead({ ...config, mode }).eval();
        const { state_dict: state, io } = fx.cases[mode];
        expect(loadStateDict(head, stateDict(state), { strict: true }).loaded).to.have.length(Object.keys(state).length);
        const inputs = [0, 1, 2, 3].map((i) => channelsLast(record(io[`in${i}`])) as tf.Tensor4D);
        const out = head.forward(inputs);
        expect(parityError(out, record(io.out))).to.be.at.most(1e-4);
        tf.dispose([out, ...inputs]);
        head.dispose();
      });
    }
  });

  it('names its state as the official head, per mode', () => {
    const names = (mode: 'par' | 'seq' | 'crs') => [...tinyHead({ mode }).namedState()].map(([k]) => k);
    const par = names('par');
    expect(par).to.include.members([
      'lateral_convs.2.bn.running_var', 'l_conv4.conv.weight', 'fpn_swins.0.attn.w_msa.relative_position_bias_table',
      'fpn_swins.2.ffn.layers.1.weight', 'multi_swin.attns.3.w_msa.qkv.weight', 'multi_swin.reduce.weight', 'multi_swin.norm2.bias',
      'multi_swin.ffn.layers.0.0.bias', 'conv_seg.weight',
    ]);
    expect(par).to.not.include('multi_swin.reduce.bias');
    expect(par.filter((k) => k.startsWith('multi_swin.attns.') && k.endsWith('relative_position_bias_table'))).to.have.length(4);
    const seq = names('seq');
    expect(seq).to.include.members(['multi_swin.norm1s.3.weight', 'multi_swin.norm2s.0.bias', 'multi_swin.ffns.3.layers.1.bias']);
    expect(seq.some((k) => k.startsWith('multi_swin.reduce'))).to.equal(false);
    expect(names('crs')).to.deep.equal(seq);
  });

  it('projects only keys and values in crs mode ([2C, C] qkv) and all three otherwise', () => {
    const shapes = (mode: 'par' | 'crs') => {
      const head = tinyHead({ mode });
      const shape = head.multiSwin.attns.items[1].wMsa.qkv.weight.shape;
      head.dispose();
      return shape;
    };
    expect(shapes('par')).to.deep.equal([16, 48]);
    expect(shapes('crs')).to.deep.equal([16, 32]);
  });

  for (const mode of ['par', 'seq', 'crs'] as const) {
    it(`gives [B, H/4, W/4, classes] on maps smaller than the windows and maps the windows do not divide (${mode})`, () => {
      const head = tinyHead({ mode, window_sizes: [3, 12] }).eval();
      const features = [
        tf.randomNormal([2, 10, 7, 8]), tf.randomNormal([2, 5, 4, 16]), tf.randomNormal([2, 3, 2, 32]), tf.randomNormal([2, 2, 1, 64]),
      ] as tf.Tensor4D[];
      const out = head.forward(features);
      expect(out.shape).to.deep.equal([2, 10, 7, 3]);
      expect(Number.isFinite(tf.sum(out).dataSync()[0])).to.equal(true);
      tf.dispose([out, ...features]);
      head.dispose();
    });
  }

  it('rejects channels that num_heads does not divide, naming the key', () => {
    expect(() => tinyHead({ channels: 18, num_heads: 4 })).to.throw(
      'MultiSwinHead.channels: 18 is not divisible by num_heads 4; pick channels = k·num_heads',
    );
  });

  it('segvit train stops on a bad head config before any work, naming the key', function () {
    this.timeout(60000);
    const root = fileURLToPath(new URL('../../../', import.meta.url));
    const workDir = join(mkdtempSync(join(tmpdir(), 'segvit-mswin-bad-')), 'work');
    const train = (override: string) =>
      runSegvit(root, 'train', 'configs/demo/digits_swin-nano_mswin-p.json', '--work-dir', workDir, '--cfg-options', override);
    const cases: [string, string][] = [
      ['model.decode_head.mode=sideways', "model.decode_head.mode: must be one of 'par', 'seq', 'crs'"],
      ['model.decode_head.window_sizes=[]', 'model.decode_head.window_sizes: must NOT have fewer than 1 items'],
      ['model.decode_head.window_sizes=[5,0]', 'model.decode_head.window_sizes.1: must be >= 1'],
      ['model.decode_head.channels=66', 'model.decode_head.channels: 66 is not divisible by num_heads 4; pick channels = k·num_heads'],
    ];
    for (const [override, message] of cases) {
      const { code, stderr } = train(override);
      expect(code, override).to.not.equal(0);
      expect(stderr, override).to.contain(message);
    }
    expect(existsSync(workDir)).to.equal(false);
  });
});

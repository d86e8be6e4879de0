/** The segvit command line, run as a user runs it (node dist/bin/segvit.js). */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import '../lib/components.js';
import { loadConfig, validateConfig } from '../lib/config/index.js';
import { registries } from '../lib/registry.js';
import type { EncoderDecoder } from '../lib/segmentors/encoder-decoder.js';
import { channelsFirstRecord, readSafetensors, saveSafetensors, writeSafetensors } from '../lib/weights/node.js';
import { fixtureOrSkip } from './fixtures.js';
import { maxAbs, maxAbsDiff, onBackend } from './helpers/backends.js';
import { fileParityErrors } from './helpers/parity.js';

const BIN = fileURLToPath(new URL('../bin/segvit.js', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MODEL = 'configs/_base_/models/upernet_swin.json';

function segvit(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, SEGVIT_BACKEND: 'wasm' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('segvit CLI', function () {
  this.timeout(60000);

  it('the bin is executable, so npx segvit runs it (npm links it before prepare builds it)', () => {
    expect(statSync(BIN).mode & 0o111, `${BIN} mode`).to.equal(0o111);
  });

  it('--help lists the commands, and every command has --help with an example', () => {
    const top = segvit('--help');
    expect(top.code).to.equal(0);
    for (const command of ['list', 'config', 'features', 'forward', 'dataset', 'convert', 'train', 'eval', 'predict', 'profile']) {
      expect(top.stdout).to.match(new RegExp(`^  ${command}`, 'm'));
      const help = segvit(command, '--help');
      expect(help.code, command).to.equal(0);
      expect(help.stdout, command).to.contain(`Example:\n  $ segvit ${command}`);
    }
    for (const sub of ['synapse', 'nifti']) {
      const help = segvit('convert', sub, '--help');
      expect(help.code, sub).to.equal(0);
      expect(help.stdout, sub).to.match(new RegExp(`Example[^:]*:\\n  \\$ segvit convert ${sub}`));
    }
  });

  it('list prints the registered components by kind, each with its description', () => {
    const { code, stdout } = segvit('list');
    expect(code).to.equal(0);
    for (const kind of ['backbone', 'neck', 'head', 'loss', 'segmentor'] as const) {
      const names = registries[kind].types();
      expect(names.length, kind).to.be.above(0);
      const rows = names.map((name) => ` {2}${name} +\\S.*\\n`).join('');
      expect(stdout, kind).to.match(new RegExp(`^${kind}\\n${rows}`, 'm'));
    }
    expect(stdout).to.match(/^head\n(  .*\n)*  FPTHead +alias of FeaturePyramidTransformerHead\n/m);
  });

  it('config prints the resolved config with overrides applied and defaults filled in', () => {
    const { code, stdout } = segvit('config', MODEL, '--cfg-options', 'model.decode_head.num_classes=150', 'model.auxiliary_head.num_classes=150');
    expect(code).to.equal(0);
    const cfg = JSON.parse(stdout);
    expect(cfg.model.decode_head.num_classes).to.equal(150);
    expect(cfg.model.decode_head.ignore_index).to.equal(255);
    expect(cfg.model.backbone.frozen_stages).to.equal(-1);
    expect(cfg.model.auxiliary_head.loss_decode.loss_weight).to.equal(0.4);
  });

  describe('bad configs fail before any work with one line naming the key or file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'segvit-cli-'));
    const cases: [string, () => string[], string][] = [
      ['a wrong type', () => [MODEL, '--cfg-options', 'model.decode_head.channels=5.5'], 'segvit: model.decode_head.channels: must be integer\n'],
      [
        'an unknown key',
        () => [MODEL, '--cfg-options', 'model.backbone.embed_dim=64'],
        "segvit: model.backbone: unknown key 'embed_dim' (did you mean 'embed_dims'?)\n",
      ],
      [
        'an unknown component type',
        () => [MODEL, '--cfg-options', 'model.decode_head.type=UperHead'],
        `segvit: model.decode_head.type: unknown head 'UperHead' (did you mean 'UPerHead'?); registered: ${registries.head.types().join(', ')}\n`,
      ],
      [
        'a missing _base_ file',
        () => {
          const file = join(dir, 'child.json');
          writeFileSync(file, JSON.stringify({ _base_: ['_base_/models/nope.json'] }));
          return [file];
        },
        `_base_ '${join(dir, '_base_/models/nope.json')}' not found\n`,
      ],
    ];
    for (const [name, args, message] of cases) {
      it(name, () => {
        const { code, stdout, stderr } = segvit('config', ...args());
        expect(code).to.equal(1);
        expect(stdout).to.equal('');
        expect(stderr.endsWith(message), stderr).to.equal(true);
        expect(stderr.trim().split('\n')).to.have.length(1);
      });
    }
  });

  for (const weights of ['weights.pth', 'weights.safetensors']) {
    it(`features reproduces the official Swin outputs from ${weights} (fixture swin-a)`, function () {
      const dir = fixtureOrSkip(this, 'swin-a');
      const out = join(mkdtempSync(join(tmpdir(), 'segvit-features-')), 'y.safetensors');
      const overrides = ['model.backbone.embed_dims=32', 'model.backbone.depths=[2,2,2,2]', 'model.backbone.num_heads=[1,2,4,8]'];
      const { code, stdout, stderr } = segvit(
        'features', MODEL, '--cfg-options', ...overrides,
        '--weights', join(dir, weights), '--input', join(dir, 'io.safetensors'), '--out', out,
      );
      expect(code, stderr).to.equal(0);
      expect(stdout).to.contain('loaded 125 of 125 model tensors');
      const errors = fileParityErrors(out, join(dir, 'io.safetensors'));
      expect(errors.map(([name]) => name)).to.deep.equal(['out0', 'out1', 'out2', 'out3']);
      for (const [name, err] of errors) expect(err, name).to.be.at.most(1e-4);
    });
  }

  it('features writes SeMask prior maps as sem0..sem3 next to out0..out3 (fixture semask-a)', function () {
    const dir = fixtureOrSkip(this, 'semask-a');
    const work = mkdtempSync(join(tmpdir(), 'segvit-semask-'));
    const config = join(work, 'semask.json'); // a config holding only model.backbone
    const backbone = { type: 'SeMaskSwinTransformer', embed_dims: 32, depths: [2, 2, 2, 2], num_heads: [1, 2, 4, 8], window_size: 7, num_cls: 5, sem_window_size: 7 };
    writeFileSync(config, JSON.stringify({ model: { backbone } }));
    const out = join(work, 'y.safetensors');
    const { code, stderr } = segvit('features', config, '--weights', join(dir, 'weights.safetensors'), '--input', join(dir, 'io.safetensors'), '--out', out);
    expect(code, stderr).to.equal(0);
    const errors = fileParityErrors(out, join(dir, 'io.safetensors'));
    expect(errors.map(([name]) => name)).to.deep.equal(['out0', 'out1', 'out2', 'out3', 'sem0', 'sem1', 'sem2', 'sem3']);
    for (const [name, err] of errors) expect(err, name).to.be.at.most(1e-4);
  });

  it('features takes an mmseg segmentor checkpoint with mmseg Swin names as it is (fixture mswin-a)', function () {
    const dir = fixtureOrSkip(this, 'mswin-a');
    const work = mkdtempSync(join(tmpdir(), 'segvit-mswin-'));
    const config = join(work, 'mswin_backbone.json'); // the fixture's backbone config (meta.json), as mmseg 0.x wrote it
    const { pretrain_style: style, ...backbone } = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')).backbone;
    expect(style).to.equal('official'); // mmseg 0.x's switch for converting official checkpoints at init; segvit detects names
    writeFileSync(config, JSON.stringify({ model: { backbone } }));
    const out = join(work, 'y.safetensors');
    const { code, stdout, stderr } = segvit('features', config, '--weights', join(dir, 'weights.safetensors'), '--input', join(dir, 'io.safetensors'), '--out', out);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.contain(`${join(dir, 'weights.safetensors')}: loaded 125 of 125 model tensors\n`);
    const errors = fileParityErrors(out, join(dir, 'io.safetensors'));
    expect(errors.map(([name]) => name)).to.deep.equal(['out0', 'out1', 'out2', 'out3']);
    for (const [name, err] of errors) expect(err, name).to.be.at.most(1e-4);
  });

  it('forward reproduces the official MSwin-P logits from a shipped config shrunk to the fixture (fixture mswin-a)', function () {
    const dir = fixtureOrSkip(this, 'mswin-a');
    const out = join(mkdtempSync(join(tmpdir(), 'segvit-forward-')), 'logits.safetensors');
    const shrink = [
      'model.backbone.init_cfg=null', 'model.backbone.embed_dims=32', 'model.backbone.depths=[2,2,2,2]',
      'model.backbone.num_heads=[1,2,4,8]', 'model.decode_head.in_channels=[32,64,128,256]', 'model.decode_head.channels=64',
      'model.decode_head.num_heads=4', 'model.decode_head.num_classes=6', 'model.auxiliary_head=null',
    ];
    const { code, stdout, stderr } = segvit(
      'forward', 'configs/mswin/mswin_par_small_patch4_512x512_160k_ade20k_pretrain_224x224_1K.json', '--cfg-options', ...shrink,
      '--weights', join(dir, 'weights.safetensors'), '--input', join(dir, 'io.safetensors'), '--out', out,
    );
    expect(code, stderr).to.equal(0);
    expect(stdout).to.contain('loaded 229 of 229 model tensors');
    const errors = fileParityErrors(out, join(dir, 'io.safetensors'));
    expect(errors.map(([name]) => name)).to.deep.equal(['output']);
    expect(errors[0][1]).to.be.at.most(1e-4);
  });

  it('forward reproduces the official D-Former logits on an NCDHW volume from the Synapse config shrunk to the fixture (fixture dformer-a)', function () {
    const dir = fixtureOrSkip(this, 'dformer-a');
    const out = join(mkdtempSync(join(tmpdir(), 'segvit-forward-')), 'logits.safetensors');
    const shrink = [
      'model.backbone.embed_dims=24', 'model.backbone.depths=[2,2,2,2]', 'model.backbone.num_heads=[1,2,2,4]',
      'model.decode_head.in_channels=[24,48,96]',
    ];
    const { code, stdout, stderr } = segvit(
      'forward', 'configs/dformer/dformer_synapse_64x128x128.json', '--cfg-options', ...shrink,
      '--weights', join(dir, 'weights.safetensors'), '--input', join(dir, 'io.safetensors'), '--out', out,
    );
    expect(code, stderr).to.equal(0);
    expect(stdout).to.contain('loaded 226 of 226 model tensors');
    expect(stdout).to.contain('output: [1,9,16,64,64]');
    const errors = fileParityErrors(out, join(dir, 'io.safetensors'));
    expect(errors.map(([name]) => name)).to.deep.equal(['output']);
    expect(errors[0][1]).to.be.at.most(1e-4);
  });

  it('forward reproduces the official HiFormer-S logits from configs/hiformer/hiformer-s_synapse.json (fixture hiformer-a)', function () {
    const dir = fixtureOrSkip(this, 'hiformer-a');
    const out = join(mkdtempSync(join(tmpdir(), 'segvit-forward-')), 'logits.safetensors');
    const { code, stdout, stderr } = segvit(
      'forward', 'configs/hiformer/hiformer-s_synapse.json',
      '--weights', join(dir, 'weights.safetensors'), '--input', join(dir, 'io.safetensors'), '--out', out,
    );
    expect(code, stderr).to.equal(0);
    expect(stdout).to.contain('loaded 399 of 399 model tensors');
    expect(stdout).to.contain('output: [1,9,224,224]');
    const errors = fileParityErrors(out, join(dir, 'io.safetensors'));
    expect(errors.map(([name]) => name)).to.deep.equal(['output']);
    expect(errors[0][1]).to.be.at.most(1e-4);
  });

  it('forward refuses an input of another size than HiFormer is built for, with both sizes and the fix (fixture hiformer-a)', function () {
    const dir = fixtureOrSkip(this, 'hiformer-a');
    const work = mkdtempSync(join(tmpdir(), 'segvit-forward-'));
    const input = { dtype: 'F32' as const, shape: [1, 3, 256, 256], data: new Float32Array(3 * 256 * 256) };
    writeSafetensors(join(work, 'x.safetensors'), new Map([['input', input]]));
    const { code, stderr } = segvit(
      'forward', 'configs/hiformer/hiformer-s_synapse.json',
      '--weights', join(dir, 'weights.safetensors'), '--input', join(work, 'x.safetensors'), '--out', join(work, 'y.safetensors'),
    );
    expect(code).to.not.equal(0);
    expect(stderr).to.contain('input 256×256, but the model is built for 224×224');
    expect(stderr).to.contain('resize the input to 224×224');
  });

  it('forward reproduces the official DPTDepthModel depth [B, H, W] (fixture dpt-depth-a)', function () {
    const dir = fixtureOrSkip(this, 'dpt-depth-a');
    const out = join(mkdtempSync(join(tmpdir(), 'segvit-forward-')), 'depth.safetensors');
    const { code, stdout, stderr } = segvit(
      'forward', 'configs/dpt/dpt_vit-tiny_depth.json',
      '--weights', join(dir, 'weights.safetensors'), '--input', join(dir, 'io.safetensors'), '--out', out,
    );
    expect(code, stderr).to.equal(0);
    expect(stdout).to.contain('loaded 216 of 216 model tensors');
    expect(stdout).to.contain('output: [1,64,96]');
    const ours = readSafetensors(out).tensors;
    const ref = readSafetensors(join(dir, 'io.safetensors')).tensors.get('output')!;
    expect([...ours.keys()]).to.deep.equal(['output']);
    expect(ours.get('output')!.shape).to.deep.equal(ref.shape);
    const err = maxAbsDiff(ours.get('output')!.data as Float32Array, ref.data as Float32Array) / maxAbs(ref.data as Float32Array);
    expect(err).to.be.at.most(1e-4);
  });

  it('forward writes a segmentor\'s logits as NCHW, equal to the model run in-process', async () => {
    const overrides = [
      'model.backbone.init_cfg=null', 'model.backbone.img_size=32', 'model.backbone.embed_dims=16', 'model.backbone.num_layers=4',
      'model.backbone.num_heads=2', 'model.backbone.out_indices=[0,1,2,3]', 'model.decode_head.in_channels=[16,16,16,16]',
      'model.decode_head.channels=16', 'model.decode_head.post_process_channels=[8,8,16,16]', 'model.decode_head.num_classes=5',
    ];
    const config = 'configs/dpt/dpt_vit-b16_ade20k.json';
    const work = mkdtempSync(join(tmpdir(), 'segvit-forward-'));
    const { expected, input } = await onBackend('wasm', () => {
      const cfg = validateConfig(loadConfig(join(ROOT, config), { cfgOptions: overrides }));
      const model = registries.segmentor.build(cfg.model!, 'model').eval() as EncoderDecoder;
      saveSafetensors(model, join(work, 'weights.safetensors'));
      const x = tf.randomNormal([1, 64, 96, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
      const logits = model.encodeDecode(x);
      const result = { expected: channelsFirstRecord(logits), input: channelsFirstRecord(x) };
      tf.dispose([x, logits]);
      model.dispose();
      return result;
    });
    writeSafetensors(join(work, 'x.safetensors'), new Map([['input', input]]));
    const out = join(work, 'y.safetensors');
    const { code, stdout, stderr } = segvit(
      'forward', config, '--cfg-options', ...overrides,
      '--weights', join(work, 'weights.safetensors'), '--input', join(work, 'x.safetensors'), '--out', out,
    );
    expect(code, stderr).to.equal(0);
    expect(stdout).to.contain('output: [1,5,64,96]');
    const ours = readSafetensors(out).tensors.get('output')!;
    expect(ours.shape).to.deep.equal([1, 5, 64, 96]);
    expect(maxAbsDiff(ours.data as Float32Array, expected.data as Float32Array)).to.be.at.most(1e-5 * maxAbs(expected.data as Float32Array));
  });
});

/**
 * features, forward, eval and predict refuse weights that leave model tensors unloaded (as PyTorch's strict
 * load_state_dict), writing nothing, and run with --non-strict. The segmentor cases use a tiny digits model whose
 * checkpoint lacks its auxiliary head: refused by default, and with --non-strict exactly as good as the full
 * checkpoint, since the auxiliary head takes no part in inference. Fine-tuning (train's load_from, a backbone's
 * init_cfg) keeps loading what matches.
 */
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../lib/components.js';
import { loadConfig, validateConfig } from '../lib/config/index.js';
import { manualSeed } from '../lib/random.js';
import { registries } from '../lib/registry.js';
import { BaseSegDataset } from '../datasets/base.js';
import type { SwinTransformer } from '../lib/backbones/swin.js';
import { channelsFirstRecord, readSafetensors, stateDictOf, writeSafetensors } from '../lib/weights/node.js';
import { fixtureOrSkip } from './fixtures.js';
import { maxAbsDiff } from './helpers/backends.js';
import { fileParityErrors } from './helpers/parity.js';
import { FOUR_ITERATIONS, runSegvit } from './helpers/cli.js';
import { tinyDigitsOptions } from './helpers/tiny-digits.js';

const config = (path: string) => fileURLToPath(new URL(`../../configs/${path}`, import.meta.url));
const cwd = mkdtempSync(join(tmpdir(), 'segvit-cli-strict-'));
const segvit = (...args: string[]) => runSegvit(cwd, ...args);

describe('strict weights: features, forward, eval, predict refuse; load_from and init_cfg report', function () {
  this.timeout(300000);

  describe('features (fixture swin-a)', () => {
    const upernet = config('_base_/models/upernet_swin.json');
    const swinA = (depths: string) => ['--cfg-options', 'model.backbone.embed_dims=32', `model.backbone.depths=${depths}`, 'model.backbone.num_heads=[1,2,4,8]'];

    it('refuses a checkpoint for a smaller model, naming the missing keys, and writes nothing', function () {
      const dir = fixtureOrSkip(this, 'swin-a');
      const weights = join(dir, 'weights.safetensors');
      const out = join(cwd, 'refused.safetensors');
      const { code, stdout, stderr } = segvit('features', upernet, ...swinA('[2,2,4,2]'), '--weights', weights, '--input', join(dir, 'io.safetensors'), '--out', out);
      expect(code).to.equal(1);
      expect(stdout).to.equal('');
      const block = (b: number) => ['norm1.weight', 'norm1.bias', 'attn.relative_position_bias_table', 'attn.qkv.weight', 'attn.qkv.bias', 'attn.proj.weight', 'attn.proj.bias', 'norm2.weight', 'norm2.bias', 'mlp.fc1.weight'].map((t) => `layers.2.blocks.${b}.${t}`);
      expect(stderr.endsWith([
        `segvit: ${weights}: checkpoint does not match SwinTransformer (strict):`,
        `  missing (26): ${block(2).join(', ')} ... and 16 more`,
        '  hint: the checkpoint has everything else the model has and nothing more: the config builds a bigger model (more blocks, stages, outputs or heads)',
        '  to load the tensors that match and run anyway, add --non-strict\n',
      ].join('\n')), stderr).to.equal(true);
      expect(existsSync(out)).to.equal(false);
    });

    it('--non-strict runs on what matches: stages 0 and 1 as the official model, stage 2 on initial weights', function () {
      const dir = fixtureOrSkip(this, 'swin-a');
      const out = join(cwd, 'partial.safetensors');
      const io = join(dir, 'io.safetensors');
      const { code, stdout, stderr } = segvit('features', upernet, ...swinA('[2,2,4,2]'), '--weights', join(dir, 'weights.safetensors'), '--input', io, '--out', out, '--non-strict');
      expect(code, stderr).to.equal(0);
      expect(stdout).to.contain(': loaded 125 of 151 model tensors\n  missing (26): layers.2.blocks.2.norm1.weight,');
      const errors = new Map(fileParityErrors(out, io));
      expect(errors.get('out0')).to.be.at.most(1e-4);
      expect(errors.get('out1')).to.be.at.most(1e-4);
      expect(errors.get('out2')).to.be.above(0.01);
    });

    it('refuses a checkpoint of another model, showing both namings (an official DPT checkpoint, fixture dpt-depth-a)', function () {
      const dir = fixtureOrSkip(this, 'swin-a');
      const weights = join(fixtureOrSkip(this, 'dpt-depth-a'), 'weights.safetensors');
      const { code, stderr } = segvit('features', upernet, ...swinA('[2,2,2,2]'), '--weights', weights, '--input', join(dir, 'io.safetensors'), '--out', join(cwd, 'dpt.safetensors'));
      expect(code).to.equal(1);
      const lines = stderr.slice(stderr.indexOf(`segvit: ${weights}`)).trimEnd().split('\n');
      expect(lines).to.have.length(5);
      expect(lines[0]).to.equal(`segvit: ${weights}: checkpoint does not match SwinTransformer (strict):`);
      expect(lines[1]).to.match(/^ {2}missing \(125\): patch_embed\.proj\.weight, patch_embed\.proj\.bias, .* \.\.\. and 115 more$/);
      expect(lines[2]).to.match(/^ {2}unexpected \(222\): pretrained\.model\.cls_token, pretrained\.model\.pos_embed, .* \.\.\. and 212 more$/);
      expect(lines[3]).to.equal(
        '  hint: unmatched checkpoint tensors are named pretrained.model.* (150), pretrained.act_postprocessN.* (22), ' +
          'scratch.layerN_rn.* (4), scratch.refinenetN.* (40), ...; the missing ones patch_embed.proj.* (2), patch_embed.norm.* (2), ' +
          'layers.N.* (113), normN.* (8)',
      );
      expect(lines[4]).to.equal('  to load the tensors that match and run anyway, add --non-strict');
    });
  });

  describe('forward, eval and predict (a digits segmentor saved without its auxiliary head)', () => {
    const demo = config('demo/digits_swin-nano_upernet.json');
    const tiny = ['--cfg-options', ...tinyDigitsOptions(join(cwd, 'digits'))];
    const [full, noAux, input] = ['full.safetensors', 'no_aux.safetensors', 'x.safetensors'].map((f) => join(cwd, f));
    let image = '';
    let auxKeys: string[] = [];
    let total = 0;

    /** The refusal of no_aux.safetensors, as stderr ends with it. */
    const refusal = () =>
      [
        `segvit: ${noAux}: checkpoint does not match EncoderDecoder (strict):`,
        `  missing (${auxKeys.length}): ${auxKeys.slice(0, 10).join(', ')}${auxKeys.length > 10 ? ` ... and ${auxKeys.length - 10} more` : ''}`,
        `  hint: the checkpoint has no auxiliary_head.* tensors (${auxKeys.length} missing): saved without it, or the config adds it`,
        '  to load the tensors that match and run anyway, add --non-strict\n',
      ].join('\n');

    before(() => {
      const cfg = validateConfig(loadConfig(demo, { cfgOptions: tiny.slice(1) }));
      manualSeed(3);
      const model = registries.segmentor.build(cfg.model!, 'model');
      const state = stateDictOf(model);
      writeSafetensors(full, state);
      auxKeys = [...state.keys()].filter((key) => key.startsWith('auxiliary_head.'));
      total = state.size;
      writeSafetensors(noAux, new Map([...state].filter(([key]) => !key.startsWith('auxiliary_head.'))));
      model.dispose();
      const x = tf.randomNormal([1, 32, 32, 3], 0, 1, 'float32', 11);
      writeSafetensors(input, new Map([['input', channelsFirstRecord(x)]]));
      x.dispose();
      const dataset = registries.dataset.build(cfg.val_dataloader!.dataset, 'val_dataloader.dataset') as BaseSegDataset;
      image = dataset.info(0).imgPath;
    });

    it('the checkpoint lacks exactly the auxiliary head', () => {
      expect(auxKeys).to.include.members(['auxiliary_head.convs.0.conv.weight', 'auxiliary_head.conv_seg.bias']);
    });

    it('forward refuses it and writes nothing; with --non-strict its logits equal the full checkpoint\'s', () => {
      const out = (name: string) => ['--input', input, '--out', join(cwd, name)];
      const refused = segvit('forward', demo, ...tiny, '--weights', noAux, ...out('refused.safetensors'));
      expect(refused.code).to.equal(1);
      expect(refused.stdout).to.equal('');
      expect(refused.stderr.endsWith(refusal()), refused.stderr).to.equal(true);
      expect(existsSync(join(cwd, 'refused.safetensors'))).to.equal(false);

      const strict = segvit('forward', demo, ...tiny, '--weights', full, ...out('full_out.safetensors'));
      expect(strict.code, strict.stderr).to.equal(0);
      expect(strict.stdout).to.contain(`${full}: loaded ${total} of ${total} model tensors\n`);
      const loose = segvit('forward', demo, ...tiny, '--weights', noAux, ...out('no_aux_out.safetensors'), '--non-strict');
      expect(loose.code, loose.stderr).to.equal(0);
      expect(loose.stdout).to.contain(`${noAux}: loaded ${total - auxKeys.length} of ${total} model tensors\n  missing (${auxKeys.length}): auxiliary_head.`);
      const [a, b] = ['full_out.safetensors', 'no_aux_out.safetensors'].map((f) => readSafetensors(join(cwd, f)).tensors.get('output')!);
      expect(a.shape).to.deep.equal([1, 11, 32, 32]);
      expect(maxAbsDiff(a.data, b.data)).to.equal(0);
    });

    it('eval refuses it and writes no results; with --non-strict it scores what the full checkpoint scores', () => {
      const refused = segvit('eval', demo, noAux, ...tiny, '--out', join(cwd, 'refused.json'));
      expect(refused.code).to.equal(1);
      expect(refused.stderr.endsWith(refusal()), refused.stderr).to.equal(true);
      expect(existsSync(join(cwd, 'refused.json'))).to.equal(false);

      const strict = segvit('eval', demo, full, ...tiny, '--out', join(cwd, 'full.json'));
      expect(strict.code, strict.stderr).to.equal(0);
      const loose = segvit('eval', demo, noAux, ...tiny, '--out', join(cwd, 'no_aux.json'), '--non-strict');
      expect(loose.code, loose.stderr).to.equal(0);
      expect(loose.stderr).to.contain(`${noAux}: loaded ${total - auxKeys.length} of ${total} model tensors\n`);
      const [a, b] = ['full.json', 'no_aux.json'].map((f) => JSON.parse(readFileSync(join(cwd, f), 'utf8')));
      expect([a.weights, b.weights]).to.deep.equal([full, noAux]);
      expect(a.mIoU).to.be.a('number');
      expect({ ...b, weights: full }).to.deep.equal(a);
    });

    it('predict refuses it and writes no image; with --non-strict its labels equal the full checkpoint\'s', () => {
      const run = (weights: string, outDir: string, ...flags: string[]) =>
        segvit('predict', image, '--config', demo, '--checkpoint', weights, '--out', join(cwd, outDir), ...tiny, ...flags);
      const refused = run(noAux, 'refused_preds');
      expect(refused.code).to.equal(1);
      expect(refused.stderr.endsWith(refusal()), refused.stderr).to.equal(true);
      expect(existsSync(join(cwd, 'refused_preds'))).to.equal(false);

      expect(run(full, 'full_preds').code).to.equal(0);
      const loose = run(noAux, 'no_aux_preds', '--non-strict');
      expect(loose.code, loose.stderr).to.equal(0);
      const label = (dir: string) => readFileSync(join(cwd, dir, '00000_label.png'));
      expect(label('no_aux_preds').equals(label('full_preds'))).to.equal(true);
    });

    it('train --load-from (fine-tuning) reports the missing auxiliary head and trains', () => {
      const { code, stdout, stderr } = segvit('train', demo, '--work-dir', 'work_dirs/from_no_aux', '--load-from', noAux, ...tiny, ...FOUR_ITERATIONS);
      expect(code, stderr).to.equal(0);
      expect(stderr).to.contain(`load_from ${noAux}: loaded ${total - auxKeys.length} of ${total} model tensors\n  missing (${auxKeys.length}): auxiliary_head.`);
      expect(stdout).to.match(/^finished at iteration 4 /m);
    });
  });

  it("a backbone's init_cfg (fine-tuning) loads what matches and builds", () => {
    const backbone = { type: 'SwinTransformer', embed_dims: 8, depths: [2, 2], num_heads: [1, 2], out_indices: [0, 1] };
    manualSeed(4);
    const source = registries.backbone.build(backbone, 'model.backbone') as SwinTransformer;
    const file = join(cwd, 'swin_without_norm1.safetensors');
    writeSafetensors(file, new Map([...stateDictOf(source)].filter(([key]) => !key.startsWith('norm1.'))));
    const init_cfg = { type: 'Pretrained', checkpoint: file };
    const model = registries.backbone.build({ ...backbone, init_cfg }, 'model.backbone') as SwinTransformer;
    const qkv = (m: SwinTransformer) => Array.from(m.layers.at(1).blocks.at(0).attn.qkv.weight.dataSync());
    expect(qkv(model)).to.deep.equal(qkv(source));
    expect(Array.from(model.norms.get(1)!.weight!.dataSync())).to.deep.equal(new Array(16).fill(1)); // initial LN weight
    source.dispose();
    model.dispose();
  });
});

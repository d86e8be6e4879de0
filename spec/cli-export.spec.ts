/**
 * `segvit export` and `segvit serve` as a user runs them: a tiny digits and a tiny depth model trained for 4
 * iterations, exported, read back as the browser runtime reads them (in Node), and served over HTTP.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import '../lib/components.js';
import { loadConfig, validateConfig } from '../lib/config/index.js';
import { exportMeta, exportModelConfig, parseManifest } from '../lib/export/manifest.js';
import { registries } from '../lib/registry.js';
import { serve } from '../lib/serve.js';
import type { Segmentor } from '../lib/segmentors/types.js';
import { loadWeights, readSafetensors, saveSafetensors } from '../lib/weights/node.js';
import { exportModel } from '../lib/export/write.js';
import type { Dataset } from '../datasets/types.js';
import type { Rgb } from '../lib/viz/palettes.js';
import { runSegvit, SEGVIT_BIN } from './helpers/cli.js';
import { firstSample, manifestOf, rawOutput, trainAndExport, trainedModel, type TrainedExport } from './helpers/exports.js';

const cwd = mkdtempSync(join(tmpdir(), 'segvit-cli-export-'));
const BRAIN_DFORMER = fileURLToPath(new URL('../../configs/demo/brain_dformer.json', import.meta.url));
const segvit = (...args: string[]) => runSegvit(cwd, ...args);

/** The export built as segvit/browser builds it (manifest → config, weights bytes, strict). */
function exportedModel(dir: string): Segmentor {
  const model = registries.segmentor.build(exportModelConfig(manifestOf(dir)) as never, 'model').eval();
  loadWeights(model, new Uint8Array(readFileSync(join(dir, 'weights.safetensors'))), { strict: 'model' });
  return model;
}


/** GET a raw path (not normalised, unlike fetch) from a server. */
function getRaw(url: string, path: string): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((done, fail) => {
    get(`${url.replace(/\/$/, '')}${path}`, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', fail);
  });
}

describe('segvit export and serve', function () {
  this.timeout(300000);
  let digits: TrainedExport;
  let depth: TrainedExport;

  before(() => {
    digits = trainAndExport(cwd, 'digits');
    depth = trainAndExport(cwd, 'depth');
  });

  it('writes model.json: task, classes, palette, preprocessing and the model config without its auxiliary head or init', () => {
    const m = manifestOf(digits.exportDir);
    const trained = JSON.parse(readFileSync(join(digits.workDir, 'config.json'), 'utf8'));
    expect(m).to.include({ format: 'segvit-export', version: 1, task: 'segmentation', reduce_zero_label: false, ignore_index: 255 });
    expect(m.classes).to.deep.equal(['background', ...'0123456789'.split('')]);
    expect(m.palette).to.have.length(11);
    expect(m.preprocessing).to.deep.include({ mean: trained.model.data_preprocessor.mean, std: [58.395, 57.12, 57.375], size: [32, 32], size_divisor: null, pipeline: [] });
    expect(m.model.type).to.equal('EncoderDecoder');
    expect(m.model).to.not.have.any.keys('auxiliary_head', 'data_preprocessor');
    expect(JSON.stringify(m.model)).to.not.match(/init_cfg|pretrained/);
    expect((m.model.backbone as { embed_dims: number }).embed_dims).to.equal(16);
    expect(m.source).to.deep.equal({ config: join(digits.workDir, 'config.json'), checkpoint: digits.checkpoint });
  });

  it('writes the weights in official names: the checkpoint without its auxiliary head, bit for bit', () => {
    const exported = readSafetensors(join(digits.exportDir, 'weights.safetensors')).tensors;
    const checkpoint = readSafetensors(digits.checkpoint).tensors;
    const expected = [...checkpoint.keys()].filter((k) => !k.startsWith('auxiliary_head.'));
    expect([...exported.keys()].sort()).to.deep.equal(expected.sort());
    expect(exported.has('backbone.layers.0.blocks.0.attn.relative_position_bias_table')).to.equal(true);
    for (const key of expected) expect(exported.get(key)!.data, key).to.deep.equal(checkpoint.get(key)!.data);
    const m = manifestOf(digits.exportDir);
    expect(m.weights.tensors).to.equal(expected.length);
    expect(m.weights.parameters).to.equal(expected.reduce((n, k) => n + exported.get(k)!.data.length, 0));
  });

  it('copies the first validation images into samples/', () => {
    const m = manifestOf(digits.exportDir);
    expect(m.samples).to.deep.equal(['samples/00_00000.png', 'samples/01_00001.png', 'samples/02_00002.png', 'samples/03_00003.png']);
    const val = join(cwd, 'data-digits', 'img_dir', 'val', '00000.png');
    expect(readFileSync(join(digits.exportDir, m.samples[0]!))).to.deep.equal(readFileSync(val));
  });

  for (const kind of ['digits', 'depth'] as const) {
    it(`builds back from the export (${kind}) with the trained model's outputs, exactly`, async () => {
      const t = kind === 'digits' ? digits : depth;
      const [trained, exported] = [trainedModel(t), exportedModel(t.exportDir)];
      const sample = await firstSample(t.exportDir);
      const [want, got] = [rawOutput(trained, sample), rawOutput(exported, sample)];
      expect(got.length).to.equal(kind === 'digits' ? 32 * 32 * 11 : 32 * 64);
      expect(Array.from(got)).to.deep.equal(Array.from(want));
      trained.dispose();
      exported.dispose();
    });
  }

  it('exports a depth model with its depth scale and the data preprocessor resolved', () => {
    const m = manifestOf(depth.exportDir);
    expect(m).to.include({ task: 'depth', depth_scale: 1000 });
    expect(m.classes).to.deep.equal([]);
    expect(m.preprocessing).to.deep.include({ mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], size: null, size_divisor: 32 });
    expect(m.model.type).to.equal('DepthEstimator');
  });

  it('exports a 3D model (task segmentation3d) that builds back with its weights, and that the browser refuses', () => {
    const cfg = validateConfig(loadConfig(BRAIN_DFORMER));
    const model = registries.segmentor.build(cfg.model!, 'model');
    const weights = join(cwd, 'dformer.safetensors');
    saveSafetensors(model, weights);
    model.dispose();
    const out = join(cwd, 'export-3d');
    const meta = { task: 'segmentation' as const, classes: ['background', 'left'], palette: [[0, 0, 0], [255, 0, 0]] as Rgb[], reduceZeroLabel: false, ignoreIndex: 255 };
    const request = { cfg, configPath: BRAIN_DFORMER, checkpointPath: weights, out, samples: 0, version: 'test' };
    const load = (m: Segmentor) => loadWeights(m, weights, { strict: 'model' });
    exportModel({ ...request, build: (make) => make(), load }, { meta, length: 0 } as unknown as Dataset, []);
    const m = manifestOf(out);
    expect([m.task, m.model.type]).to.deep.equal(['segmentation3d', 'EncoderDecoder3D']);
    const back = registries.segmentor.build(exportModelConfig(m) as never, 'model');
    const report = loadWeights(back, new Uint8Array(readFileSync(join(out, 'weights.safetensors'))), { strict: 'model' });
    expect([report.missing, report.unexpected]).to.deep.equal([[], []]);
    back.dispose();
    expect(() => exportMeta(m)).to.throw('3D models take volumes, not images: run them in Node (segvit predict volume.nii.gz)');
  });

  it('names a missing checkpoint, or one that does not fit, and writes nothing', () => {
    const out = join(cwd, 'not-written');
    const missing = segvit('export', join(digits.workDir, 'config.json'), join(cwd, 'nope.safetensors'), '--out', out);
    expect(missing.code).to.equal(1);
    expect(missing.stderr).to.contain('nope.safetensors');
    const misfit = segvit('export', join(digits.workDir, 'config.json'), depth.checkpoint, '--out', out);
    expect(misfit.code).to.equal(1);
    expect(misfit.stderr).to.match(/missing .*backbone\./s);
    expect(existsSync(out)).to.equal(false);
    const samples = segvit('export', join(digits.workDir, 'config.json'), digits.workDir, '--out', out, '--samples', 'two');
    expect(samples.stderr).to.contain('--samples two: must be a whole number ≥ 0');
  });

  it('rejects a model.json that is not an export, or of another version, naming the file', () => {
    expect(() => parseManifest({ model: {} }, 'x/model.json')).to.throw('x/model.json: not a segvit export (no "format": "segvit-export")');
    expect(() => parseManifest({ ...manifestOf(digits.exportDir), version: 2 }, 'x/model.json')).to.throw(
      'x/model.json: export format version 2, this segvit reads version 1; export the model again',
    );
    const { weights: _w, ...noWeights } = manifestOf(digits.exportDir);
    expect(() => parseManifest(noWeights, 'x/model.json')).to.throw('x/model.json: "weights" is missing or not an object');
  });

  it('serves the page cross-origin isolated and the export under /model/, and nothing outside them', async () => {
    const server = await serve({ modelDir: digits.exportDir, port: 0, host: '127.0.0.1' });
    try {
      const page = await getRaw(server.url, '/');
      expect(page.status).to.equal(200);
      expect(page.body.toString()).to.contain('<script type="module" src="app.js">');
      expect(page.headers).to.include({ 'cross-origin-opener-policy': 'same-origin', 'cross-origin-embedder-policy': 'require-corp' });
      const manifest = await getRaw(server.url, '/model/model.json');
      expect(JSON.parse(manifest.body.toString()).format).to.equal('segvit-export');
      const wasm = await getRaw(server.url, '/tfjs-backend-wasm-simd.wasm');
      expect(wasm.headers['content-type']).to.equal('application/wasm');
      expect([...wasm.body.subarray(0, 4)]).to.deep.equal([0, 0x61, 0x73, 0x6d]);
      const weights = await getRaw(server.url, '/model/weights.safetensors');
      expect(weights.body.length).to.equal(readFileSync(join(digits.exportDir, 'weights.safetensors')).length);
      for (const path of ['/model/../../package.json', '/../package.json', '/model/%2e%2e/config.json', '/model/missing.png']) {
        expect((await getRaw(server.url, path)).status, path).to.equal(404);
      }
    } finally {
      await server.close();
    }
  });

  it('segvit serve refuses a folder that is no export, and serves one until stopped', async () => {
    const empty = join(cwd, 'empty');
    mkdirSync(empty);
    writeFileSync(join(empty, 'notes.txt'), 'x');
    const refused = segvit('serve', empty);
    expect(refused.code).to.equal(1);
    expect(refused.stderr).to.contain(`${empty}: no model.json, so this is not an exported model; make one with segvit export CONFIG CHECKPOINT --out ${empty}`);
    const child = spawn(process.execPath, [SEGVIT_BIN, 'serve', digits.exportDir, '--port', '0'], { cwd });
    try {
      const url = await new Promise<string>((done, fail) => {
        child.stdout.on('data', (d: Buffer) => {
          const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(d.toString());
          if (m) done(m[1]!);
        });
        child.on('exit', (code) => fail(new Error(`segvit serve exited with ${code}`)));
      });
      expect((await getRaw(url, '/model/model.json')).status).to.equal(200);
    } finally {
      child.kill();
    }
  });
});

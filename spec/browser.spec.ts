/**
 * The example page in a real browser (Debian's Chromium, headless): a tiny digits and a tiny depth model trained,
 * exported and served as a user does, then segmented in the page. The page's raw outputs are compared with Node's
 * forward of the trained model on the same image file. Pending where no Chromium is installed.
 */
import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import type { Browser, Page } from 'playwright-core';
import * as tf from '@tensorflow/tfjs-core';
import '../lib/components.js';
import { toImage } from '../lib/browser/image.js';
import { segmentPrepared } from '../lib/engine/predict-image.js';
import { serve } from '../lib/serve.js';
import type { PageWindow, PredictionSummary } from '../examples/browser/main.js';
import { CHROMIUM_INSTALL, findChromium, launchChromium } from './helpers/chromium.js';
import { firstSample, manifestOf, rawOutput, trainAndExport, trainedModel, type TrainedExport } from './helpers/exports.js';

type Server = Awaited<ReturnType<typeof serve>>;

/** Node's side: the trained model (work dir config + checkpoint) on the export's first sample file. */
async function nodeReference(t: TrainedExport): Promise<{ raw: Float32Array; labels?: Uint8Array }> {
  const model = trainedModel(t);
  const prepared = await firstSample(t.exportDir);
  const raw = rawOutput(model, prepared);
  const labels = model.task === 'segmentation' ? tf.tidy(() => Uint8Array.from(segmentPrepared(model, prepared).dataSync())) : undefined;
  model.dispose();
  return { raw, labels };
}

/** max |a − b| and max |b|. */
function errorAndScale(a: ArrayLike<number>, b: ArrayLike<number>): { error: number; scale: number } {
  let [error, scale] = [0, 0];
  for (let i = 0; i < b.length; i++) [error, scale] = [Math.max(error, Math.abs(a[i]! - b[i]!)), Math.max(scale, Math.abs(b[i]!))];
  return { error, scale };
}

const errorText = (page: Page) => page.locator('#error').textContent();

describe('the example page in Chromium', function () {
  this.timeout(600000);
  const chromePath = findChromium();
  let cwd: string;
  let browser: Browser;
  let digits: TrainedExport;
  let depth: TrainedExport;
  const servers: Record<string, Server> = {};
  const pageErrors: string[] = [];

  before(async function () {
    if (!chromePath) {
      console.log(`    (pending: no Chromium found; install it: ${CHROMIUM_INSTALL})`);
      this.skip();
    }
    cwd = mkdtempSync(join(tmpdir(), 'segvit-browser-'));
    digits = trainAndExport(cwd, 'digits');
    depth = trainAndExport(cwd, 'depth');
    const incomplete = join(cwd, 'export-no-weights');
    cpSync(digits.exportDir, incomplete, { recursive: true });
    rmSync(join(incomplete, 'weights.safetensors'));
    for (const [name, modelDir] of Object.entries({ digits: digits.exportDir, depth: depth.exportDir, incomplete })) {
      servers[name] = await serve({ modelDir, port: 0, host: '127.0.0.1' });
    }
    browser = await launchChromium(chromePath!);
  });

  after(async () => {
    await browser?.close();
    for (const server of Object.values(servers)) await server.close();
  });

  async function open(url: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1100, height: 720 } });
    page.on('pageerror', (err) => pageErrors.push(`${url}: ${err.message}`));
    await page.goto(url);
    return page;
  }

  async function runFirstSample(url: string): Promise<{ page: Page; summary: PredictionSummary; backend: string }> {
    const page = await open(url);
    const ready = await page.evaluate(() => (window as unknown as PageWindow).segvitPage.ready);
    if ('error' in ready) throw new Error(`the page did not load: ${ready.error}`);
    const summary = await page.evaluate(() => (window as unknown as PageWindow).segvitPage.runSample(0, true));
    expect(summary.raw, 'the raw output asked for').to.not.equal(undefined);
    return { page, summary, backend: ready.backend };
  }

  it("segments a validation image on wasm: the logits equal Node's forward within 1e-4 of their scale, the labels segvit predict's", async () => {
    const { page, summary, backend } = await runFirstSample(`${servers.digits!.url}?backend=wasm&sample=-1`);
    expect(backend).to.equal('wasm');
    const reference = await nodeReference(digits);
    expect(summary.raw!.shape).to.deep.equal([1, 32, 32, 11]);
    const { error, scale } = errorAndScale(summary.raw!.data, reference.raw);
    console.log(`      (max |browser − Node| ${error.toExponential(2)} of logits up to ${scale.toFixed(3)}; ${summary.timing.totalMs.toFixed(1)} ms)`);
    expect(scale).to.be.greaterThan(0.1);
    expect(error).to.be.at.most(1e-4 * scale);
    expect(summary.labels).to.deep.equal(Array.from(reference.labels!));
    await page.close();
  });

  it('takes an HTMLImageElement, a canvas, an ImageBitmap or ImageData, with the same labels', async () => {
    const page = await open(`${servers.digits!.url}?backend=wasm&sample=-1`);
    const byKind: Record<string, number[]> = await page.evaluate(() =>
      (window as unknown as PageWindow).segvitPage.labelsByInputKind(0),
    );
    const reference = Array.from((await nodeReference(digits)).labels!);
    expect(Object.keys(byKind)).to.deep.equal(['ImageBitmap', 'HTMLCanvasElement', 'ImageData', 'HTMLImageElement']);
    for (const [kind, labels] of Object.entries(byKind)) expect(labels, kind).to.deep.equal(reference);
    await page.close();
  });

  it('shows the overlay, a legend of the classes found, the backend and the ms per image; screenshot', async () => {
    const page = await open(`${servers.digits!.url}?backend=wasm`);
    await page.evaluate(() => (window as unknown as PageWindow).segvitPage.firstPrediction);
    const summary = await page.evaluate(() => (window as unknown as PageWindow).segvitPage.runSample(0));
    expect(await page.locator('#legend li').allTextContents()).to.deep.equal(
      summary.present!.map((name) => `${manifestOf(digits.exportDir).classes.indexOf(name)}${name}`),
    );
    expect(await page.locator('#legend-title').textContent()).to.equal(`Classes found (${summary.present!.length})`);
    // wasm runs a thread per logical core (tfjs alone would run half as many), and the page's navigator is left as it was
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(cores).to.equal(cpus().length);
    expect(await page.locator('#backend-info').textContent()).to.equal(`Backend: wasm (SIMD, ${cores} thread${cores === 1 ? '' : 's'})`);
    expect(await page.locator('#timing').textContent()).to.match(/^32×32: [\d.]+ ms \(transforms [\d.]+, model [\d.]+, colours [\d.]+\) · mean of 1 after the first: [\d.]+ ms per image$/);
    expect(await page.locator('#model-info').textContent()).to.match(/^EncoderDecoder · SwinTransformer · UPerHead — segmentation of 11 classes, [\d.]+M parameters/);
    expect(await page.evaluate(() => [(document.getElementById('view') as HTMLCanvasElement).width, (document.getElementById('view') as HTMLCanvasElement).height])).to.deep.equal([32, 32]);
    expect(await page.locator('#error').isVisible()).to.equal(false);
    const shot = join(process.env.SEGVIT_SCREENSHOTS ?? cwd, 'browser-digits.png');
    await page.screenshot({ path: shot });
    const png = PNG.sync.read(readFileSync(shot));
    expect([png.width, png.height]).to.deep.equal([1100, 720]);
    console.log(`      (screenshot: ${shot})`);
    await page.close();
  });

  it("estimates depth on wasm: equal to Node's within 1e-4 of its scale, shown with its colour bar", async () => {
    const { page, summary, backend } = await runFirstSample(`${servers.depth!.url}?backend=wasm&sample=-1`);
    expect(backend).to.equal('wasm');
    expect([summary.task, summary.width, summary.height]).to.deep.equal(['depth', 64, 32]);
    const reference = await nodeReference(depth);
    const { error, scale } = errorAndScale(summary.raw!.data, reference.raw);
    console.log(`      (max |browser − Node| ${error.toExponential(2)} of depths up to ${scale.toFixed(3)})`);
    expect(scale).to.be.greaterThan(0.01);
    expect(error).to.be.at.most(1e-4 * scale);
    expect(await page.locator('#depth-bar').isVisible()).to.equal(true);
    expect(await page.locator('#opacity-control').isVisible()).to.equal(false);
    expect(await page.locator('#legend-title').textContent()).to.equal('Depth (near → far)');
    expect(Number(await page.locator('#depth-min').textContent())).to.be.lessThan(Number(await page.locator('#depth-max').textContent()));
    await page.close();
  });

  it('without ?backend, tries webgpu, then webgl, then wasm, passing over a software WebGL, and says why', async () => {
    const { page, summary, backend } = await runFirstSample(`${servers.digits!.url}?sample=-1`);
    const info = (await page.locator('#backend-info').textContent())!;
    console.log(`      (${info})`);
    const renderer = await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      const ext = gl?.getExtension('WEBGL_debug_renderer_info');
      return ext ? String(gl!.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : null;
    });
    expect(info).to.match(new RegExp(`^Backend: ${backend}`));
    if (backend !== 'webgpu') expect(info).to.match(/not available: webgpu: .+/);
    if (renderer && /SwiftShader|llvmpipe|softpipe|Software/i.test(renderer)) {
      expect(backend).to.equal('wasm');
      expect(info).to.contain(`webgl: software renderer (${renderer}), slower than wasm`);
    }
    const reference = await nodeReference(digits);
    const { error, scale } = errorAndScale(summary.raw!.data, reference.raw);
    expect(error).to.be.at.most(1e-4 * scale);
    await page.close();
  });

  it('runs webgl when asked for it alone (a software renderer included): the logits within 1e-4 of their scale', async () => {
    const { page, summary, backend } = await runFirstSample(`${servers.digits!.url}?backend=webgl&sample=-1`);
    expect(backend).to.equal('webgl');
    const reference = await nodeReference(digits);
    const { error, scale } = errorAndScale(summary.raw!.data, reference.raw);
    console.log(`      (webgl: max |browser − Node| ${error.toExponential(2)} of logits up to ${scale.toFixed(3)})`);
    expect(error).to.be.at.most(1e-4 * scale);
    await page.close();
  });

  it('names the missing file when the export folder is incomplete or absent', async () => {
    const noWeights = await open(servers.incomplete!.url);
    await noWeights.locator('#error').waitFor({ state: 'visible' });
    expect(await errorText(noWeights)).to.equal(
      `${servers.incomplete!.url}model/weights.safetensors: not found (HTTP 404): the export folder has no weights.safetensors; ` +
        'export the model again (segvit export CONFIG CHECKPOINT --out DIR) and serve that folder',
    );
    const nowhere = await open(`${servers.digits!.url}?model=nowhere/`);
    await nowhere.locator('#error').waitFor({ state: 'visible' });
    expect(await errorText(nowhere)).to.equal(
      `${servers.digits!.url}nowhere/model.json: not found (HTTP 404): no export at this URL: ` +
        'make one with segvit export CONFIG CHECKPOINT --out DIR and serve DIR (segvit serve DIR)',
    );
    await Promise.all([noWeights.close(), nowhere.close()]);
  });

  it('shows a visible message for a file that is not an image, or not one the browser can decode', async () => {
    const page = await open(`${servers.digits!.url}?backend=wasm&sample=-1`);
    await page.evaluate(() => (window as unknown as PageWindow).segvitPage.ready);
    await page.setInputFiles('#file', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
    await page.locator('#error').waitFor({ state: 'visible' });
    expect(await errorText(page)).to.equal('notes.txt is not an image (text/plain): drop a PNG, JPEG or WebP');
    await page.setInputFiles('#file', { name: 'broken.png', mimeType: 'image/png', buffer: Buffer.from('not really a PNG') });
    await page.waitForFunction(() => document.getElementById('error')!.textContent!.startsWith('broken.png'));
    expect(await errorText(page)).to.match(/^broken\.png: the browser cannot decode this as an image \(.+\): drop a PNG, JPEG or WebP$/);
    await page.close();
  });

  it('the runtime refuses what is not an image, naming what it got', () => {
    expect(() => toImage({} as never)).to.throw(TypeError, 'predict: expected an HTMLImageElement, HTMLCanvasElement, OffscreenCanvas, ImageBitmap or ImageData, got Object');
    expect(() => toImage('cat.png' as never)).to.throw(TypeError, 'got string');
  });

  it('raised no uncaught error in any page', () => {
    expect(pageErrors).to.deep.equal([]);
  });
});

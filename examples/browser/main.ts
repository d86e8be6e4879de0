/**
 * The example page: loads the export served at ?model= (default model/, as `segvit serve` serves it), shows its
 * validation images, and segments a dropped or picked image: overlay, class legend (or depth colour bar), backend,
 * ms per image. ?backend=wasm (or webgl, webgpu, a comma list) picks the backend, ?threads=N wasm's threads; ?sample=N runs sample N first
 * (default 0; -1 none). `window.segvitPage` lets tests drive it.
 */
import { BROWSER_BACKENDS, colormap, loadModel, type BrowserBackend, type PredictResult, type SegvitModel } from '../../lib/browser/index.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const params = new URLSearchParams(location.search);
const modelUrl = params.get('model') ?? 'model/';

/** What a test reads of one prediction (plain JSON). */
export interface PredictionSummary {
  task: string;
  width: number;
  height: number;
  timing: PredictResult['timing'];
  labels?: number[];
  present?: string[];
  raw?: { data: number[]; shape: number[] };
}

function showError(message: string): void {
  const box = $('error');
  box.textContent = message;
  box.hidden = false;
}

function clearError(): void {
  $('error').hidden = true;
}

function backendsFromQuery(): BrowserBackend[] | undefined {
  const asked = params.get('backend');
  if (!asked) return undefined;
  const list = asked.split(',').map((b) => b.trim());
  const unknown = list.filter((b) => !(BROWSER_BACKENDS as readonly string[]).includes(b));
  if (unknown.length) throw new Error(`?backend=${asked}: unknown ${unknown.join(', ')}; use ${BROWSER_BACKENDS.join(', ')}`);
  return list as BrowserBackend[];
}

/** Decode a file or fetched blob; a non-image or undecodable file is an error naming it. */
async function decode(blob: Blob, name: string): Promise<ImageBitmap> {
  if (blob.type && !blob.type.startsWith('image/')) {
    throw new Error(`${name} is not an image (${blob.type}): drop a PNG, JPEG or WebP`);
  }
  try {
    return await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (err) {
    throw new Error(`${name}: the browser cannot decode this as an image (${(err as Error).message}): drop a PNG, JPEG or WebP`);
  }
}

const times: number[] = [];
let shown: { bitmap: ImageBitmap; result: PredictResult } | undefined;

/** Draw the last result: the image, then its mask at the slider's opacity (depth: the colour map alone). */
function draw(): void {
  if (!shown) return;
  const { bitmap, result } = shown;
  const canvas = $<HTMLCanvasElement>('view');
  [canvas.width, canvas.height] = [result.width, result.height];
  const ctx = canvas.getContext('2d')!;
  if (result.task === 'depth') return ctx.putImageData(result.overlay, 0, 0);
  const mask = new OffscreenCanvas(result.width, result.height);
  mask.getContext('2d')!.putImageData(result.mask, 0, 0);
  ctx.globalAlpha = 1;
  ctx.drawImage(bitmap, 0, 0);
  ctx.globalAlpha = Number($<HTMLInputElement>('opacity').value);
  ctx.drawImage(mask, 0, 0);
}

function swatch(rgb: readonly number[]): HTMLElement {
  const s = document.createElement('span');
  s.className = 'swatch';
  s.style.background = `rgb(${rgb.join(',')})`;
  return s;
}

function showLegend(result: PredictResult): void {
  const legend = $('legend');
  legend.replaceChildren();
  $('depth-bar').hidden = result.task !== 'depth';
  $('opacity-control').hidden = result.task === 'depth';
  if (result.task === 'depth') {
    $('legend-title').textContent = 'Depth (near → far)';
    const table = colormap(result.colormap);
    const stops = Array.from({ length: 9 }, (_, i) => Math.min(255, i * 32)).map((k) => `rgb(${table[3 * k]},${table[3 * k + 1]},${table[3 * k + 2]})`);
    $('depth-gradient').style.background = `linear-gradient(to right, ${stops.join(', ')})`;
    $('depth-min').textContent = result.range[0].toFixed(3);
    $('depth-max').textContent = result.range[1].toFixed(3);
    return;
  }
  $('legend-title').textContent = `Classes found (${result.present.length})`;
  for (const c of result.present) {
    const item = document.createElement('li');
    const id = document.createElement('span');
    id.className = 'id';
    id.textContent = String(c.id);
    item.append(swatch(c.color), id, document.createTextNode(c.name));
    legend.append(item);
  }
}

/** This image's time, and the mean per image over the runs after the first (which includes the backend's warm-up). */
function showTiming(result: PredictResult): void {
  times.push(result.timing.totalMs);
  const t = result.timing;
  const warm = times.slice(1);
  const mean = warm.length ? ` · mean of ${warm.length} after the first: ${(warm.reduce((a, b) => a + b, 0) / warm.length).toFixed(1)} ms per image` : ' (the first run includes the warm-up)';
  $('timing').textContent =
    `${result.width}×${result.height}: ${t.totalMs.toFixed(1)} ms (transforms ${t.preprocessMs.toFixed(1)}, model ${t.inferenceMs.toFixed(1)}, ` +
    `colours ${t.postprocessMs.toFixed(1)})${mean}`;
}

async function run(model: SegvitModel, bitmap: ImageBitmap, raw = false): Promise<PredictResult> {
  const result = await model.predict(bitmap, { opacity: Number($<HTMLInputElement>('opacity').value), raw });
  shown = { bitmap, result };
  draw();
  showLegend(result);
  showTiming(result);
  return result;
}

function summary(result: PredictResult): PredictionSummary {
  const s: PredictionSummary = { task: result.task, width: result.width, height: result.height, timing: result.timing };
  if (result.task === 'segmentation') {
    s.labels = Array.from(result.labels);
    s.present = result.present.map((c) => c.name);
  }
  if (result.raw) s.raw = { data: Array.from(result.raw.data), shape: result.raw.shape };
  return s;
}

/** Report a failure in the page (never only in the console), and pass it on to a test that awaits it. */
async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    clearError();
    return await work();
  } catch (err) {
    showError((err as Error).message);
    throw err;
  }
}

/** The URL of a file of the export (a sample's path in model.json). */
const exportUrl = (path: string) => new URL(path, new URL(modelUrl, location.href)).href;

async function sampleBitmap(model: SegvitModel, i: number): Promise<ImageBitmap> {
  const path = model.manifest.samples[i];
  if (path === undefined) throw new Error(`no sample ${i}: the export has ${model.manifest.samples.length}`);
  const url = exportUrl(path);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}: the export folder has no ${path}`);
  return decode(await response.blob(), path);
}

/** Sample i as each kind of image `predict` takes, and the labels of each. */
async function labelsByInputKind(model: SegvitModel, i: number): Promise<Record<string, number[]>> {
  const bitmap = await sampleBitmap(model, i);
  const canvas = document.createElement('canvas');
  [canvas.width, canvas.height] = [bitmap.width, bitmap.height];
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
  const img = new Image();
  img.src = exportUrl(model.manifest.samples[i]!);
  await img.decode();
  const inputs = { ImageBitmap: bitmap, HTMLCanvasElement: canvas, ImageData: canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height), HTMLImageElement: img };
  const labels: Record<string, number[]> = {};
  for (const [kind, input] of Object.entries(inputs)) {
    const result = await model.predict(input);
    if (result.task === 'segmentation') labels[kind] = Array.from(result.labels);
  }
  return labels;
}

function showSamples(model: SegvitModel, pick: (i: number) => void): void {
  const box = $('samples');
  model.manifest.samples.forEach((path, i) => {
    const button = document.createElement('button');
    button.title = path;
    const img = document.createElement('img');
    img.src = exportUrl(path);
    img.alt = `validation image ${i}`;
    button.append(img);
    button.addEventListener('click', () => pick(i));
    box.append(button);
  });
}

function markSample(i: number | undefined): void {
  [...$('samples').children].forEach((b, j) => b.classList.toggle('active', j === i));
}

function wireInput(model: SegvitModel): void {
  const onFile = (file: File | undefined) => {
    if (!file) return;
    markSample(undefined);
    void guarded(async () => run(model, await decode(file, file.name))).catch(() => undefined);
  };
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    onFile(e.dataTransfer?.files[0]);
  });
  $<HTMLInputElement>('file').addEventListener('change', (e) => onFile((e.target as HTMLInputElement).files?.[0]));
  $<HTMLInputElement>('opacity').addEventListener('input', draw);
}

function describeModel(model: SegvitModel): string {
  const m = model.manifest;
  const parts = [m.model.type, (m.model.backbone as { type?: string } | undefined)?.type, (m.model.decode_head as { type?: string } | undefined)?.type];
  const mb = (m.weights.bytes / 2 ** 20).toFixed(1);
  const classes = m.task === 'segmentation' ? ` of ${m.classes.length} classes` : '';
  return `${parts.filter(Boolean).join(' · ')} — ${m.task}${classes}, ${(m.weights.parameters / 1e6).toFixed(2)}M parameters (${mb} MB), loaded in ${model.loadMs.toFixed(0)} ms`;
}

async function start() {
  const progress = $<HTMLProgressElement>('progress');
  const model = await loadModel(modelUrl, {
    backend: backendsFromQuery(),
    wasmPaths: new URL('./', location.href).href,
    threads: params.has('threads') ? Number(params.get('threads')) : undefined,
    onProgress: (loaded, total) => void (progress.value = total ? loaded / total : 0),
  });
  progress.hidden = true;
  $('model-info').textContent = describeModel(model);
  const failed = model.backend.attempts.filter((a) => !a.ok).map((a) => `${a.backend}: ${a.reason}`);
  $('backend-info').textContent = `Backend: ${model.backend.detail}${failed.length ? ` (not available: ${failed.join('; ')})` : ''}`;
  const runSample = (i: number, raw = false) =>
    guarded(async () => {
      markSample(i);
      return summary(await run(model, await sampleBitmap(model, i), raw));
    });
  showSamples(model, (i) => void runSample(i).catch(() => undefined));
  wireInput(model);
  return { model, runSample };
}

const started = guarded(start);
const first = Number(params.get('sample') ?? 0);
/** Settles with `{ error }` where `work` failed: the page has shown the message already. */
const settled = <T>(work: Promise<T>) => work.catch((err: Error) => ({ error: err.message }));

/** For tests and measurements: the page's state and a way to run a sample. */
const segvitPage = {
  ready: settled(started.then(({ model }) => ({ backend: model.backend.backend, detail: model.backend.detail, loadMs: model.loadMs, task: model.task }))),
  /** ms from navigation start to the first sample's overlay on screen (undefined with ?sample=-1). */
  firstPrediction: settled(
    started.then(async ({ model, runSample }) => {
      if (first < 0 || first >= model.manifest.samples.length) return undefined;
      await runSample(first);
      return performance.now();
    }),
  ),
  runSample: (i: number, raw = false) => started.then(({ runSample }) => runSample(i, raw)),
  /** The labels of sample i given to `predict` as each kind of image it takes (the page itself uses ImageBitmap). */
  labelsByInputKind: (i: number) => started.then(({ model }) => labelsByInputKind(model, i)),
};

/** The page's window as tests and benchmarks drive it (`page.evaluate(() => (window as unknown as PageWindow)...)`). */
export interface PageWindow {
  segvitPage: typeof segvitPage;
}
(window as unknown as PageWindow).segvitPage = segvitPage;
window.addEventListener('unhandledrejection', (e) => showError(String((e.reason as Error)?.message ?? e.reason)));

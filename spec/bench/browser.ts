/**
 * The browser runtime in Chromium (`npm run bench:browser -- [DIR...] [--swin] [--runs N] [--backend B] [--threads T]`): for each
 * export folder, the example page served by `segvit serve`'s server, opened headless; time to first prediction
 * (navigation to the first overlay, weights download and warm-up included), load time, and ms per image (median of
 * N runs after the first). `--swin` first writes an export of Swin-T + UPerNet (ADE20K config, 512x512, randomly
 * initialised weights: speed does not depend on their values) with one 512x512 validation image. Also the page's
 * bundle size, raw and gzipped.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import sharp from 'sharp';
import { initBackend } from '../../lib/backend.js';
import '../../lib/components.js';
import { loadConfig, validateConfig } from '../../lib/config/index.js';
import { registries } from '../../lib/registry.js';
import { PAGE_DIR, serve } from '../../lib/serve.js';
import { saveSafetensors } from '../../lib/weights/node.js';
import type { PageWindow } from '../../examples/browser/main.js';
import { CHROMIUM_INSTALL, findChromium, launchChromium } from '../helpers/chromium.js';
import { SEGVIT_BIN } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** An export of Swin-T + UPerNet (configs/ade20k.json) with random weights and one 512x512 image, in `work`. */
async function swinExport(work: string): Promise<string> {
  const root = join(work, 'ADEChallengeData2016');
  for (const dir of ['images/validation', 'annotations/validation']) mkdirSync(join(root, dir), { recursive: true });
  const digit = join(ROOT, 'data/digits/img_dir/val/00001.png');
  const image = existsSync(digit) ? sharp(digit).resize(512, 512) : sharp(Buffer.alloc(512 * 512 * 3, 128), { raw: { width: 512, height: 512, channels: 3 } });
  await image.jpeg().toFile(join(root, 'images/validation/ADE_val_00000001.jpg'));
  await sharp(Buffer.alloc(512 * 512, 1), { raw: { width: 512, height: 512, channels: 1 } }).png().toFile(join(root, 'annotations/validation/ADE_val_00000001.png'));
  await initBackend('wasm', { quiet: true });
  const cfg = validateConfig(loadConfig(join(ROOT, 'configs/ade20k.json'), { cfgOptions: ['model.backbone.init_cfg=null'] }));
  const model = registries.segmentor.build(cfg.model!, 'model');
  const weights = join(work, 'swin-t-upernet-random.safetensors');
  saveSafetensors(model, weights);
  model.dispose();
  const out = join(work, 'export-swin-t-upernet');
  const args = ['export', join(ROOT, 'configs/ade20k.json'), weights, '--out', out, '--cfg-options', `val_dataloader.dataset.data_root=${root}`];
  const r = spawnSync(process.execPath, [SEGVIT_BIN, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`segvit export failed:\n${r.stderr}`);
  return out;
}

async function main(argv: string[]): Promise<void> {
  const chrome = findChromium();
  if (!chrome) throw new Error(`no Chromium found; install it: ${CHROMIUM_INSTALL}`);
  const flag = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const runs = Number(flag('--runs') ?? 5);
  const backend = flag('--backend') ?? 'wasm';
  const threads = flag('--threads');
  const dirs = argv.filter((a, i) => !a.startsWith('--') && !['--runs', '--backend', '--threads'].includes(argv[i - 1] ?? ''));
  if (argv.includes('--swin')) dirs.push(await swinExport(mkdtempSync(join(tmpdir(), 'segvit-bench-browser-'))));
  if (dirs.length === 0) throw new Error('no export folder given: npm run bench:browser -- DIR... (or --swin)');
  const app = readFileSync(join(PAGE_DIR, 'app.js'));
  const wasm = readFileSync(join(PAGE_DIR, 'tfjs-backend-wasm-threaded-simd.wasm'));
  const kb = (n: number) => `${(n / 1024).toFixed(0)} KB`;
  console.log(`page bundle app.js: ${kb(app.length)}, ${kb(gzipSync(app, { level: 9 }).length)} gzipped; ` + `wasm binary (threaded SIMD): ${kb(wasm.length)}, ${kb(gzipSync(wasm, { level: 9 }).length)} gzipped`);
  console.log(`\n| export | backend | image | weights | time to first prediction | load | ms per image (median of ${runs}) | of which model |\n|---|---|---|---|---|---|---|---|`);
  const browser = await launchChromium(chrome);
  try {
    for (const dir of dirs) {
      const server = await serve({ modelDir: dir, port: 0, host: '127.0.0.1' });
      const page = await browser.newPage();
      await page.goto(`${server.url}?backend=${backend}${threads ? `&threads=${threads}` : ''}`);
      const first = await page.evaluate(() => (window as unknown as PageWindow).segvitPage.firstPrediction);
      const ready = await page.evaluate(() => (window as unknown as PageWindow).segvitPage.ready);
      if (typeof first !== 'number' || 'error' in ready) throw new Error(`${dir}: ${JSON.stringify({ first, ready })}`);
      const times = [];
      for (let i = 0; i < runs; i++) times.push(await page.evaluate(() => (window as unknown as PageWindow).segvitPage.runSample(0)));
      const mb = (JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { weights: { bytes: number } }).weights.bytes / 2 ** 20;
      const cells = [
        dir,
        ready.detail,
        `${times[0]!.width}×${times[0]!.height}`,
        `${mb.toFixed(1)} MB`,
        `${(first / 1000).toFixed(2)} s`,
        `${(ready.loadMs / 1000).toFixed(2)} s`,
        median(times.map((t) => t.timing.totalMs)).toFixed(1),
        median(times.map((t) => t.timing.inferenceMs)).toFixed(1),
      ];
      console.log(`| ${cells.join(' | ')} |`);
      await page.close();
      await server.close();
    }
  } finally {
    await browser.close();
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  console.error(`bench:browser: ${err.message}`);
  process.exitCode = 1;
});
